/* SPDX-License-Identifier: MIT */
/* ims-bench: what its modes share. */
#ifndef IMS_BENCH_H
#define IMS_BENCH_H

#include <stdint.h>

int bench_epoll_add(int fd);
uint64_t bench_epoll_take(int fd);
double bench_us(uint64_t cycles);
uint64_t bench_rand(uint64_t *s);	/* xorshift64 */
int bench_cmp_double(const void *a, const void *b);
const char *bench_cfg_wq(void);
const char *bench_cfg_label(void);
int bench_migrate(long moves, long hotplugs);
int bench_load_start(const char *dmadev, int cpu);
int bench_load_stop(void);
void bench_load_json(void);

#endif
