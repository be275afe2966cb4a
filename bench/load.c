// SPDX-License-Identifier: MIT
/*
 * ims-bench --load DMADEV: background DMA load through DPDK's dmadev API,
 * as a DPDK application would drive the device (dma_idxd_ims, or any
 * dmadev whose memory rte_malloc reaches).
 *
 * A thread pinned to one CPU copies bursts of 1..16 buffers, each
 * 64 B..64 KiB (log-uniform), submitted together (one BATCH with
 * dma_idxd_ims,batch=1).  With an interrupt-requesting device (intr=1) it
 * sleeps on the WQ's eventfd until the burst is done, so its interrupts
 * land beside the probe's; otherwise it polls.  Every 8th burst is
 * checked byte for byte.
 *
 * With a rate (--load-rate N) the bursts start at a fixed offered rate,
 * N per second, the same sequence of sizes in every run, so that what
 * the probe competes with does not depend on how fast it is itself.  A
 * burst that cannot start on time starts late and counts as such; the
 * schedule does not catch up in a rush.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include "ims_bench.h"
#include "rte_pmd_idxd_ims.h"

#define LOAD_BUFS	16
#define LOAD_MAX	65536
#define LOAD_RING	256

static struct {
	pthread_t th;
	volatile int stop;
	bool running;
	int16_t dev;
	int cpu, efd;
	unsigned int rate;		/* bursts per second, 0: back to back */
	uint64_t late;			/* paced bursts that started late */
	uint8_t *src[LOAD_BUFS], *dst[LOAD_BUFS];
	uint64_t ops, bytes, bursts, errors, mismatches, irq_waits, irq_timeouts;
	uint64_t t0, t1;
	char why[160];
} ld;

static uint32_t load_size(uint64_t *s)
{
	unsigned int shift;

	bench_rand(s);
	shift = 6 + *s % 10;			/* 64 B .. 64 KiB - 1 */
	return (1u << shift) + (uint32_t)((*s >> 8) % (1u << shift));
}

/* Wait for the burst's interrupt (intr=1), then reap it. */
static int load_reap(uint16_t want)
{
	enum rte_dma_status_code st[LOAD_BUFS];
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz();
	uint16_t got = 0, last, i, n;
	struct pollfd p = { .fd = ld.efd, .events = POLLIN };
	uint64_t cnt;

	if (ld.efd >= 0) {
		ld.irq_waits++;
		if (poll(&p, 1, 1000) == 1)
			(void)!read(ld.efd, &cnt, sizeof(cnt));
		else
			ld.irq_timeouts++;
	}
	while (got < want) {
		n = rte_dma_completed_status(ld.dev, 0, want - got, &last, st);
		for (i = 0; i < n; i++)
			ld.errors += st[i] != RTE_DMA_STATUS_SUCCESSFUL;
		got += n;
		if (!n && rte_rdtsc() > deadline) {
			snprintf(ld.why, sizeof(ld.why), "%u of %u operations never completed",
				 want - got, want);
			return -1;
		}
		if (!n)
			rte_pause();
	}
	return 0;
}

/*
 * Paced: sleep until the next burst's start (the thread shares its CPU
 * with the probe's interrupt, so it must not spin there); a burst more
 * than a period behind counts late and the schedule restarts from now.
 */
static void load_pace(uint64_t *next, uint64_t period)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	struct timespec ts;
	uint64_t ns;

	if (now > *next + period) {
		ld.late++;
		*next = now;
	} else if (now < *next) {
		ns = (*next - now) * 1000000000ull / hz;
		ts.tv_sec = ns / 1000000000ull;
		ts.tv_nsec = ns % 1000000000ull;
		nanosleep(&ts, NULL);
	}
	*next += period;
}

static void *load_main(void *arg)
{
	uint32_t len[LOAD_BUFS];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint64_t period = 0, next = rte_rdtsc();
	cpu_set_t cs;
	uint16_t n, i;
	int rc;

	(void)arg;
	CPU_ZERO(&cs);
	CPU_SET(ld.cpu, &cs);
	pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
	if (ld.rate)
		period = rte_get_tsc_hz() / ld.rate;
	while (!ld.stop) {
		if (period)
			load_pace(&next, period);
		n = 1 + seed % LOAD_BUFS;
		for (i = 0; i < n; i++) {
			len[i] = load_size(&seed);
			rc = rte_dma_copy(ld.dev, 0, rte_malloc_virt2iova(ld.src[i]),
					  rte_malloc_virt2iova(ld.dst[i]), len[i],
					  i == n - 1 ? RTE_DMA_OP_FLAG_SUBMIT : 0);
			if (rc < 0) {
				snprintf(ld.why, sizeof(ld.why), "rte_dma_copy: %s", strerror(-rc));
				return NULL;
			}
		}
		if (load_reap(n))
			return NULL;
		if (ld.bursts++ % 8 == 0)
			for (i = 0; i < n; i++)
				ld.mismatches += !!memcmp(ld.src[i], ld.dst[i], len[i]);
		for (i = 0; i < n; i++)
			ld.bytes += len[i];
		ld.ops += n;
		if (ld.bursts % 8 == 0)		/* fresh data to copy */
			for (i = 0; i < n; i++)
				memset(ld.src[i], (int)(seed >> 24), 64);
	}
	return NULL;
}

/* Buffers back to the device's heap, the device closed (its memory unmapped). */
static void load_release(void)
{
	int i;

	for (i = 0; i < LOAD_BUFS; i++) {
		rte_free(ld.src[i]);
		rte_free(ld.dst[i]);
		ld.src[i] = ld.dst[i] = NULL;
	}
	rte_dma_stop(ld.dev);
	rte_dma_close(ld.dev);
}

static int load_setup(const char *name)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vc = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					 .nb_desc = LOAD_RING };
	int socket, i, j;

	ld.dev = rte_dma_get_dev_id_by_name(name);
	if (ld.dev < 0) {
		fprintf(stderr, "ims-bench: no dmadev '%s' (--vdev %s,wq=wqN.M in the EAL options)\n",
			name, name);
		return -1;
	}
	if (rte_dma_configure(ld.dev, &conf) || rte_dma_vchan_setup(ld.dev, 0, &vc) ||
	    rte_dma_start(ld.dev)) {
		fprintf(stderr, "ims-bench: %s: configure/start failed\n", name);
		return -1;
	}
	socket = rte_pmd_idxd_ims_socket(ld.dev);
	if (socket < 0)
		socket = SOCKET_ID_ANY;		/* another dmadev: its own memory */
	ld.efd = rte_pmd_idxd_ims_eventfd(ld.dev);	/* < 0: poll */
	for (i = 0; i < LOAD_BUFS; i++) {
		ld.src[i] = rte_malloc_socket("load", LOAD_MAX, 64, socket);
		ld.dst[i] = rte_malloc_socket("load", LOAD_MAX, 64, socket);
		if (!ld.src[i] || !ld.dst[i]) {
			fprintf(stderr, "ims-bench: %s: no DMA memory for the load\n", name);
			load_release();
			return -1;
		}
		for (j = 0; j < LOAD_MAX; j++)
			ld.src[i][j] = (uint8_t)(i * 31 + j);
	}
	return 0;
}

int bench_load_start(const char *name, int cpu, unsigned int rate)
{
	memset(&ld, 0, sizeof(ld));
	ld.cpu = cpu;
	ld.rate = rate;
	if (load_setup(name))
		return -1;
	ld.t0 = rte_rdtsc();
	if (pthread_create(&ld.th, NULL, load_main, NULL)) {
		fprintf(stderr, "ims-bench: cannot start the load thread\n");
		load_release();
		return -1;
	}
	ld.running = true;
	return 0;
}

/* Stop the load; -1 if it failed on its own or copied wrong bytes. */
int bench_load_stop(void)
{
	if (!ld.running)
		return 0;
	ld.stop = 1;
	pthread_join(ld.th, NULL);
	ld.t1 = rte_rdtsc();
	ld.running = false;
	load_release();
	return ld.why[0] || ld.errors || ld.mismatches ? -1 : 0;
}

/* ,"load":{...} for the result line, or nothing without a load */
void bench_load_json(void)
{
	double s;

	if (!ld.t0)
		return;
	s = (double)(ld.t1 - ld.t0) / rte_get_tsc_hz();
	printf(",\"load\":{\"ops\":%llu,\"bursts\":%llu,\"mbytes\":%.1f,\"ops_per_s\":%.0f,"
	       "\"interrupt_waits\":%llu,\"interrupt_timeouts\":%llu,\"errors\":%llu,"
	       "\"mismatches\":%llu,\"offered_bursts_per_s\":%u,\"late_bursts\":%llu%s%s%s}",
	       (unsigned long long)ld.ops, (unsigned long long)ld.bursts,
	       ld.bytes / 1e6, s > 0 ? ld.ops / s : 0.0,
	       (unsigned long long)ld.irq_waits, (unsigned long long)ld.irq_timeouts,
	       (unsigned long long)ld.errors, (unsigned long long)ld.mismatches,
	       ld.rate, (unsigned long long)ld.late, ld.why[0] ? ",\"failed\":\"" : "", ld.why, ld.why[0] ? "\"" : "");
}
