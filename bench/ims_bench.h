/* SPDX-License-Identifier: MIT */
/* ims-bench: what its modes share. */
#ifndef IMS_BENCH_H
#define IMS_BENCH_H

#include <stdint.h>
#include <stdio.h>

/** struct bench_result - one side's samples and counts */
struct bench_result {
	double *lat_us;		/* n samples, microseconds */
	long n;
	long lost;		/* no wake-up within a second */
	long dup;		/* eventfd counts above 1 */
	long bad;		/* submission refused, wrong status or wrong wake-up */
};

int bench_epoll_add(int fd);
uint64_t bench_epoll_take(int fd);
double bench_us(uint64_t cycles);
uint64_t bench_rand(uint64_t *s);	/* xorshift64 */
int bench_cmp_double(const void *a, const void *b);
void bench_gap(uint64_t *seed);
void bench_result_json(struct bench_result *r);
int bench_pair(const char *wq_a, const char *wq_b, long samples, long warmup,
	       const char *raw, const char *stamps);
FILE *bench_stamps_open(const char *path);
void bench_stamps_line(FILE *f, const char *side, const uint64_t stamp[4]);
const char *bench_cfg_wq(void);
const char *bench_cfg_label(void);
int bench_migrate(long moves, long hotplugs, long steady);
int bench_load_start(const char *dmadev, int cpu, unsigned int rate);
int bench_load_stop(void);
void bench_load_json(void);
int bench_throughput_parse(int argc, char **argv);
int bench_throughput_run(void);
void bench_throughput_usage(FILE *f);

#endif
