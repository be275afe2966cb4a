/* SPDX-License-Identifier: MIT */
/*
 * imsctl: shared declarations of the command-line tool.
 */
#ifndef IMSCTL_H
#define IMSCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes (the man page lists them). */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the work or the system said no */
#define EXIT_USAGE	2	/* the command line is wrong */

#define DSA_BUS "/sys/bus/dsa/devices"

/* What sysfs and /proc say about one work queue. */
struct wq_view {
	int dev, id;		/* dsa<dev>, wq<dev>.<id> */
	char name[32];		/* "wq0.0" */
	char state[32];
	char mode[32];		/* dedicated | shared */
	char type[32];		/* user | kernel | none */
	char wq_name[128];
	char driver_name[64];
	long size;
	int irq;		/* -1: none */
	int ims_slot;		/* -1: not IMS */
	long handle;		/* -1: none */
	long long irq_count;	/* the driver's handler count */
	long long proc_count;	/* summed over CPUs in /proc/interrupts */
	char affinity[128];	/* /proc/irq/N/smp_affinity_list */
	char effective[128];	/* /proc/irq/N/effective_affinity_list */
};

/* main.c */
extern const char *prog;
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int option_error(const char *cmd, int c, char **argv);

/* sysfs.c */
int read_attr(const char *path, char *buf, size_t len);
int read_attr_long(const char *path, long long *v);
int parse_wq_name(const char *arg, int *dev, int *id);
int wq_view_load(int dev, int id, struct wq_view *w);
int wq_lookup(const char *arg, struct wq_view *w);
const char *wq_irq_mode(const struct wq_view *w);
int proc_irq_count(int irq, long long *total);
int list_ids(const char *dir, const char *fmt, int *ids, int max);

/* json.c */
void json_str(FILE *f, const char *s);

/* the subcommands */
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_irq(int argc, char **argv);
void help_list(FILE *f);
void help_run(FILE *f);
void help_irq(FILE *f);

#endif /* IMSCTL_H */
