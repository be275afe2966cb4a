// SPDX-License-Identifier: MIT
/*
 * imsctl list: devices, their work queues, and each WQ's interrupt.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "imsctl.h"

#define MAX_IDS 256

struct dev_view {
	int id;
	char name[32];
	char pci[32];
	char state[32];
	char ims_mode[16];
	char ims_reason[256];
	long long slots_used;
};

void help_list(FILE *f)
{
	fprintf(f,
"Usage: %s list [--json] [DEVICE|WQ]\n"
"\n"
"List the dsa devices idxd_ims drives, their work queues, and how each\n"
"WQ's completion interrupt is delivered: the Linux irq, whether it is an\n"
"IMS entry (and which slot) or an MSI-X vector, the interrupt handle that\n"
"descriptors carry, its CPU affinity (requested and effective) and how\n"
"many interrupts it has taken.  DEVICE (dsa0) or WQ (wq0.1) narrows the\n"
"list to one.\n"
"\n"
"  -j, --json   one JSON object: {\"devices\": [{..., \"wqs\": [...]}]}\n"
"  -h, --help   this text\n", prog);
}

static void dev_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), DSA_BUS "/%s/%s", dev, attr);
	if (read_attr(path, buf, len))
		snprintf(buf, len, "?");
}

static void dev_view_load(int id, struct dev_view *d)
{
	char path[256], real[PATH_MAX], *slash;

	memset(d, 0, sizeof(*d));
	d->id = id;
	snprintf(d->name, sizeof(d->name), "dsa%d", id);
	dev_attr(d->name, "state", d->state, sizeof(d->state));
	dev_attr(d->name, "ims_mode", d->ims_mode, sizeof(d->ims_mode));
	dev_attr(d->name, "ims_reason", d->ims_reason, sizeof(d->ims_reason));
	snprintf(path, sizeof(path), DSA_BUS "/%s/ims_slots_used", d->name);
	if (read_attr_long(path, &d->slots_used))
		d->slots_used = 0;
	/* the device's sysfs directory sits under its PCI function's */
	snprintf(path, sizeof(path), DSA_BUS "/%s", d->name);
	strcpy(d->pci, "?");
	if (realpath(path, real)) {
		slash = strrchr(real, '/');
		if (slash) {
			*slash = 0;
			slash = strrchr(real, '/');
			if (slash)
				snprintf(d->pci, sizeof(d->pci), "%s", slash + 1);
		}
	}
}

static void json_kv(FILE *f, const char *k, const char *v, bool comma)
{
	json_str(f, k);
	fputc(':', f);
	json_str(f, v);
	if (comma)
		fputc(',', f);
}

static void json_num_or_null(FILE *f, const char *k, long long v, bool comma)
{
	json_str(f, k);
	if (v < 0)
		fprintf(f, ":null");
	else
		fprintf(f, ":%lld", v);
	if (comma)
		fputc(',', f);
}

static void print_wq_json(const struct wq_view *w)
{
	char cdev[64];

	printf("{");
	json_kv(stdout, "name", w->name, true);
	json_kv(stdout, "state", w->state, true);
	json_kv(stdout, "mode", w->mode, true);
	json_kv(stdout, "type", w->type, true);
	json_kv(stdout, "wq_name", w->wq_name, true);
	json_kv(stdout, "driver_name", w->driver_name, true);
	printf("\"size\":%ld,", w->size);
	json_kv(stdout, "irq_mode", wq_irq_mode(w), true);
	json_num_or_null(stdout, "irq", w->irq, true);
	json_num_or_null(stdout, "ims_slot", w->ims_slot, true);
	json_num_or_null(stdout, "int_handle", w->handle, true);
	json_kv(stdout, "affinity", w->affinity, true);
	json_kv(stdout, "effective_affinity", w->effective, true);
	printf("\"irq_count\":%lld,\"proc_interrupts\":%lld,", w->irq_count,
	       w->proc_count);
	/* the char device exists while a user WQ is enabled */
	snprintf(cdev, sizeof(cdev), "/dev/dsa/%s", w->name);
	if (!strcmp(w->type, "user") && !strcmp(w->state, "enabled"))
		json_kv(stdout, "cdev", cdev, false);
	else
		printf("\"cdev\":null");
	printf("}");
}

static void print_wq_text(const struct wq_view *w)
{
	char handle[24] = "-", irq[16] = "-", slot[16] = "-";

	if (w->handle >= 0)
		snprintf(handle, sizeof(handle), "%#lx", w->handle);
	if (w->irq >= 0)
		snprintf(irq, sizeof(irq), "%d", w->irq);
	if (w->ims_slot >= 0)
		snprintf(slot, sizeof(slot), "%d", w->ims_slot);
	printf("  %-8s %-9s %-9s %-6s %4ld  %-5s %4s %4s %-7s %-9s %8lld  %s\n",
	       w->name, w->state, w->mode, w->type, w->size, wq_irq_mode(w),
	       irq, slot, handle, w->effective, w->irq_count,
	       w->wq_name[0] ? w->wq_name : "-");
}

static void print_dev_text(const struct dev_view *d)
{
	printf("%s  %s  %s  interrupts: %s (%s), IMS slots in use: %lld\n",
	       d->name, d->pci, d->state, d->ims_mode, d->ims_reason,
	       d->slots_used);
	printf("  %-8s %-9s %-9s %-6s %4s  %-5s %4s %4s %-7s %-9s %8s  %s\n",
	       "WQ", "STATE", "MODE", "TYPE", "SIZE", "INT", "IRQ", "SLOT",
	       "HANDLE", "CPUS", "IRQS", "NAME");
}

/* One device and its WQs (all, or only @only_wq if >= 0). */
static void list_device(int dev, int only_wq, bool json, bool first)
{
	struct dev_view d;
	struct wq_view w;
	char fmt[32];
	int ids[MAX_IDS], n, i;
	bool first_wq = true;

	dev_view_load(dev, &d);
	snprintf(fmt, sizeof(fmt), "wq%d.%%d", dev);
	n = list_ids(DSA_BUS, fmt, ids, MAX_IDS);
	if (json) {
		printf("%s{", first ? "" : ",");
		json_kv(stdout, "name", d.name, true);
		json_kv(stdout, "pci", d.pci, true);
		json_kv(stdout, "state", d.state, true);
		json_kv(stdout, "irq_mode", d.ims_mode, true);
		json_kv(stdout, "ims_reason", d.ims_reason, true);
		printf("\"ims_slots_used\":%lld,\"wqs\":[", d.slots_used);
	} else {
		print_dev_text(&d);
	}
	for (i = 0; i < n; i++) {
		if (only_wq >= 0 && ids[i] != only_wq)
			continue;
		if (wq_view_load(dev, ids[i], &w))
			continue;	/* went away while we looked */
		if (json) {
			printf("%s", first_wq ? "" : ",");
			print_wq_json(&w);
		} else {
			print_wq_text(&w);
		}
		first_wq = false;
	}
	if (json)
		printf("]}");
}

/* Parse the optional filter: dev/-1 (a device) or dev/wq; exit code. */
static int parse_filter(const char *arg, int *dev, int *wq)
{
	int end = 0;

	if (sscanf(arg, "dsa%d%n", dev, &end) == 1 && !arg[end] && *dev >= 0) {
		*wq = -1;
		return 0;
	}
	if (!parse_wq_name(arg, dev, wq))
		return 0;
	return usage_error("list", "'%s' is neither a device (dsa0) nor a work queue (wq0.0)",
			   arg);
}

static int filter_exists(const char *arg, int dev, int wq)
{
	char path[256];
	struct stat st;

	if (wq < 0)
		snprintf(path, sizeof(path), DSA_BUS "/dsa%d", dev);
	else
		snprintf(path, sizeof(path), DSA_BUS "/wq%d.%d", dev, wq);
	if (!stat(path, &st))
		return 0;
	err_msg("%s: no such device or work queue", arg);
	return EXIT_FAIL;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int ids[MAX_IDS], n, i, c, rc, dev = -1, wq = -1;
	bool json = false;
	struct stat st;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			help_list(stdout);
			return EXIT_OK;
		default:
			return option_error("list", c, argv);
		}
	}
	if (argc - optind > 1)
		return usage_error("list", "one DEVICE or WQ at most");
	if (optind < argc) {
		rc = parse_filter(argv[optind], &dev, &wq);
		if (rc)
			return rc;
	}
	if (stat(DSA_BUS, &st)) {
		err_msg("no dsa bus in sysfs: idxd_ims is not loaded (modprobe idxd_ims)");
		return EXIT_FAIL;
	}
	if (optind < argc) {
		rc = filter_exists(argv[optind], dev, wq);
		if (rc)
			return rc;
	}
	n = list_ids(DSA_BUS, "dsa%d", ids, MAX_IDS);
	if (n < 0) {
		err_msg("cannot read %s: %s", DSA_BUS, strerror(-n));
		return EXIT_FAIL;
	}
	if (json)
		printf("{\"devices\":[");
	else if (!n)
		printf("no dsa devices\n");
	for (i = 0; i < n; i++) {
		if (dev >= 0 && ids[i] != dev)
			continue;
		list_device(ids[i], wq, json, dev >= 0 || i == 0);
	}
	if (json)
		printf("]}\n");
	return EXIT_OK;
}
