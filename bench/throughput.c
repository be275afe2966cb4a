// SPDX-License-Identifier: MIT
/*
 * ims-bench throughput: copies through DPDK's dmadev API, every transfer
 * size against every queue depth, in each way of waiting for them:
 *
 *   irq   sleep in poll(2) on the device's completion eventfd (a dmadev
 *         whose interrupts are on: dma_idxd_ims with intr=1)
 *   spin  spin on the completions for --spin-us, then sleep as irq does
 *         (spin-then-sleep; the same kind of device)
 *   poll  spin on the completions only (a dmadev without interrupts:
 *         dma_idxd_ims with intr=0, or DPDK's own dma_idxd)
 *
 * A burst of DEPTH copies goes out as one submission; the next starts when
 * all of it is done (depth = operations in flight).  Each point runs for
 * --seconds.  The CPU cost per operation is every CPU's busy time from
 * /proc/stat (user, system, irq and softirq) over the point, divided by
 * its operations: what the machine spent, not only this process.  Every
 * 64th burst's first copy is compared byte for byte.
 *
 * One JSON line per point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include "ims_bench.h"
#include "rte_pmd_idxd_ims.h"

#define TP_BUFS		8	/* copy k uses buffer pair k % TP_BUFS */
#define TP_MAX_LIST	16
#define TP_MAX_DEVS	4
#define TP_MAX_DEPTH	256
#define TP_CHECK_EVERY	64

static struct {
	const char *dev[TP_MAX_DEVS];
	int ndev;
	unsigned int size[TP_MAX_LIST], depth[TP_MAX_LIST];
	int nsize, ndepth;
	double seconds;
	unsigned int spin_us;
	const char *label;
} tc;

struct tp_dev {
	int16_t id;
	const char *name;
	int efd;			/* < 0: no interrupts, poll only */
	uint32_t max_size;
	uint8_t *src[TP_BUFS], *dst[TP_BUFS];
};

struct tp_point {
	uint64_t ops, bursts, errors, mismatches, irq_waits, irq_timeouts;
	double seconds, cpu_busy_s;
	char why[160];
};

void bench_throughput_usage(FILE *f)
{
	fprintf(f,
"Usage: ims-bench [EAL options] -- throughput --dmadev NAME [--dmadev NAME...] [options]\n"
"  --dmadev NAME      a dmadev to drive (up to 4); with interrupts (an eventfd,\n"
"                     dma_idxd_ims intr=1) it is measured irq and spin, else poll\n"
"  --sizes LIST       transfer sizes in bytes (default 64,512,4096,65536,1048576)\n"
"  --depths LIST      operations in flight per burst (default 1,4,16,32; max 256)\n"
"  --seconds S        time per point (default 0.5)\n"
"  --spin-us N        spin: how long to spin before sleeping (default 20)\n"
"  --label NAME       name in the output (default throughput)\n"
"Each point prints one JSON line: mode, dmadev, size, depth, ops, ops_per_s,\n"
"gb_per_s, cpu_us_per_op (all CPUs' busy time, irq and softirq included),\n"
"interrupt_waits, errors, mismatches.  Buffers: 2 x 8 of the largest size\n"
"from the device's heap (dma_idxd_ims: give it mem=MiB enough).\n");
}

static int parse_list(const char *what, const char *s, unsigned int *out, int *n,
		      unsigned int lo, unsigned int hi)
{
	const char *all = s;
	char *end;
	unsigned long v;

	*n = 0;
	do {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (end == s || errno || v < lo || v > hi || (*end && *end != ',') ||
		    *n == TP_MAX_LIST || *s == '-') {
			fprintf(stderr, "ims-bench: bad --%s '%s': numbers %u..%u, comma-separated, at most %d\n",
				what, all, lo, hi, TP_MAX_LIST);
			return -1;
		}
		out[(*n)++] = v;
		s = *end ? end + 1 : end;
	} while (*s);
	return 0;
}

int bench_throughput_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dmadev", required_argument, NULL, 'd' },
		{ "sizes", required_argument, NULL, 's' },
		{ "depths", required_argument, NULL, 'q' },
		{ "seconds", required_argument, NULL, 't' },
		{ "spin-us", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static const unsigned int sizes[] = { 64, 512, 4096, 65536, 1048576 };
	static const unsigned int depths[] = { 1, 4, 16, 32 };
	int c, i;

	memset(&tc, 0, sizeof(tc));
	tc.seconds = 0.5;
	tc.spin_us = 20;
	tc.label = "throughput";
	tc.nsize = RTE_DIM(sizes);
	tc.ndepth = RTE_DIM(depths);
	for (i = 0; i < tc.nsize; i++)
		tc.size[i] = sizes[i];
	for (i = 0; i < tc.ndepth; i++)
		tc.depth[i] = depths[i];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (tc.ndev == TP_MAX_DEVS) {
				fprintf(stderr, "ims-bench: at most %d --dmadev\n", TP_MAX_DEVS);
				return -1;
			}
			tc.dev[tc.ndev++] = optarg;
			break;
		case 's':
			if (parse_list("sizes", optarg, tc.size, &tc.nsize, 1, 1u << 30))
				return -1;
			break;
		case 'q':
			if (parse_list("depths", optarg, tc.depth, &tc.ndepth, 1, TP_MAX_DEPTH))
				return -1;
			break;
		case 't':
			if (sscanf(optarg, "%lf%c", &tc.seconds, &(char){ 0 }) != 1 ||
			    !(tc.seconds > 0 && tc.seconds <= 3600)) {
				fprintf(stderr, "ims-bench: bad --seconds '%s' (0..3600)\n", optarg);
				return -1;
			}
			break;
		case 'S':
			if (sscanf(optarg, "%u%c", &tc.spin_us, &(char){ 0 }) != 1 ||
			    optarg[0] == '-' || tc.spin_us > 1000000) {
				fprintf(stderr, "ims-bench: bad --spin-us '%s' (0..1000000)\n", optarg);
				return -1;
			}
			break;
		case 'l': tc.label = optarg; break;
		case 'h': bench_throughput_usage(stdout); exit(0);
		default: bench_throughput_usage(stderr); return -1;
		}
	}
	if (optind < argc || !tc.ndev) {
		fprintf(stderr, "ims-bench: throughput needs --dmadev NAME and takes no other arguments\n");
		return -1;
	}
	return 0;
}

/* Every CPU's busy and total time so far, in seconds (/proc/stat). */
static int cpu_times(double *busy, double *total)
{
	unsigned long long v[10] = { 0 }, sum = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n, i;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 7 || hz <= 0)
		return -1;
	for (i = 0; i < 8; i++)		/* guest times are inside user */
		sum += v[i];
	*total = (double)sum / hz;
	*busy = (double)(sum - v[3] - v[4]) / hz;	/* less idle, iowait */
	return 0;
}

static void tp_release(struct tp_dev *d)
{
	int i;

	for (i = 0; i < TP_BUFS; i++) {
		rte_free(d->src[i]);
		rte_free(d->dst[i]);
		d->src[i] = d->dst[i] = NULL;
	}
	rte_dma_stop(d->id);
	rte_dma_close(d->id);
}

static int tp_setup(struct tp_dev *d, const char *name)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vc = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					 .nb_desc = 512 };
	int socket, i;

	memset(d, 0, sizeof(*d));
	d->name = name;
	for (i = 0; i < tc.nsize; i++)
		d->max_size = RTE_MAX(d->max_size, tc.size[i]);
	d->id = rte_dma_get_dev_id_by_name(name);
	if (d->id < 0) {
		fprintf(stderr, "ims-bench: no dmadev '%s' (--vdev dma_idxd_ims0,wq=wqN.M,mem=24 among the EAL options)\n",
			name);
		return -1;
	}
	if (rte_dma_configure(d->id, &conf) || rte_dma_vchan_setup(d->id, 0, &vc) ||
	    rte_dma_start(d->id)) {
		fprintf(stderr, "ims-bench: %s: configure/start failed\n", name);
		return -1;
	}
	socket = rte_pmd_idxd_ims_socket(d->id);
	if (socket < 0)
		socket = SOCKET_ID_ANY;		/* another dmadev: any memory */
	d->efd = rte_pmd_idxd_ims_eventfd(d->id);
	for (i = 0; i < TP_BUFS; i++) {
		d->src[i] = rte_malloc_socket("tp", d->max_size, 64, socket);
		d->dst[i] = rte_malloc_socket("tp", d->max_size, 64, socket);
		if (!d->src[i] || !d->dst[i]) {
			fprintf(stderr, "ims-bench: %s: no DMA memory for 2 x %d buffers of %u bytes (mem=MiB on the vdev)\n",
				name, TP_BUFS, d->max_size);
			tp_release(d);
			return -1;
		}
		memset(d->src[i], 0x5a ^ i, d->max_size);
	}
	return 0;
}

/* Drop an interrupt that came for work already reaped by spinning. */
static void tp_drain(struct tp_dev *d)
{
	struct pollfd p = { .fd = d->efd, .events = POLLIN };
	uint64_t cnt;

	if (d->efd >= 0 && poll(&p, 1, 0) == 1)
		(void)!read(d->efd, &cnt, sizeof(cnt));
}

/* Reap @want completions, waiting the way @mode says; -1 after a second. */
static int tp_wait(struct tp_dev *d, char mode, uint16_t want, struct tp_point *pt)
{
	enum rte_dma_status_code st[TP_MAX_DEPTH];
	uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc();
	uint64_t spin_end = now + hz * tc.spin_us / 1000000, deadline = now + hz;
	struct pollfd p = { .fd = d->efd, .events = POLLIN };
	bool slept = mode == 'p';	/* poll never sleeps */
	uint16_t got = 0, last, i, n;
	uint64_t cnt;

	while (got < want) {
		if (!slept && (mode == 'i' || rte_rdtsc() > spin_end)) {
			slept = true;
			pt->irq_waits++;
			if (poll(&p, 1, 1000) == 1)
				(void)!read(d->efd, &cnt, sizeof(cnt));
			else
				pt->irq_timeouts++;
		}
		n = rte_dma_completed_status(d->id, 0, want - got, &last, st);
		for (i = 0; i < n; i++)
			pt->errors += st[i] != RTE_DMA_STATUS_SUCCESSFUL;
		got += n;
		if (n)
			continue;
		if (rte_rdtsc() > deadline) {
			snprintf(pt->why, sizeof(pt->why), "%u of %u copies never completed",
				 want - got, want);
			return -1;
		}
		rte_pause();
	}
	if (mode == 's' && !slept)
		tp_drain(d);
	return 0;
}

static int tp_burst(struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
		    struct tp_point *pt)
{
	uint16_t k;
	int rc;

	for (k = 0; k < depth; k++) {
		rc = rte_dma_copy(d->id, 0, rte_malloc_virt2iova(d->src[k % TP_BUFS]),
				  rte_malloc_virt2iova(d->dst[k % TP_BUFS]), size,
				  k == depth - 1 ? RTE_DMA_OP_FLAG_SUBMIT : 0);
		if (rc < 0) {
			snprintf(pt->why, sizeof(pt->why), "rte_dma_copy: %s", strerror(-rc));
			return -1;
		}
	}
	if (tp_wait(d, mode, depth, pt))
		return -1;
	if (pt->bursts++ % TP_CHECK_EVERY == 0) {
		pt->mismatches += !!memcmp(d->src[0], d->dst[0], size);
		memset(d->dst[0], 0, size);
	}
	pt->ops += depth;
	return 0;
}

static int tp_point(struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
		    struct tp_point *pt)
{
	double b0, t0, b1, t1;
	uint64_t start, end;
	int rc = 0;

	memset(pt, 0, sizeof(*pt));
	if (mode != 'p')
		tp_drain(d);
	if (tp_burst(d, size, depth, mode, pt))	/* warm: not counted */
		return -1;
	memset(pt, 0, sizeof(*pt));
	if (cpu_times(&b0, &t0)) {
		snprintf(pt->why, sizeof(pt->why), "cannot read /proc/stat");
		return -1;
	}
	start = rte_rdtsc();
	end = start + (uint64_t)(tc.seconds * rte_get_tsc_hz());
	while (rte_rdtsc() < end && !rc)
		rc = tp_burst(d, size, depth, mode, pt);
	pt->seconds = (double)(rte_rdtsc() - start) / rte_get_tsc_hz();
	if (cpu_times(&b1, &t1)) {
		snprintf(pt->why, sizeof(pt->why), "cannot read /proc/stat");
		return -1;
	}
	pt->cpu_busy_s = b1 - b0;
	return rc;
}

static void tp_json(const struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
		    const struct tp_point *pt)
{
	const char *name = mode == 'i' ? "irq" : mode == 's' ? "spin" : "poll";
	double ops = pt->ops ? (double)pt->ops : 1;

	printf("{\"label\":\"%s\",\"mode\":\"%s\",\"dmadev\":\"%s\",\"size\":%u,\"depth\":%u,"
	       "\"ops\":%llu,\"seconds\":%.3f,\"ops_per_s\":%.1f,\"gb_per_s\":%.4f,"
	       "\"cpu_us_per_op\":%.3f,\"cpu_busy_s\":%.3f,\"spin_us\":%u,"
	       "\"interrupt_waits\":%llu,\"interrupt_timeouts\":%llu,\"errors\":%llu,"
	       "\"mismatches\":%llu%s%s%s}\n",
	       tc.label, name, d->name, size, depth, (unsigned long long)pt->ops, pt->seconds,
	       pt->ops / pt->seconds, pt->ops * (double)size / pt->seconds / 1e9,
	       pt->cpu_busy_s * 1e6 / ops, pt->cpu_busy_s, mode == 's' ? tc.spin_us : 0,
	       (unsigned long long)pt->irq_waits, (unsigned long long)pt->irq_timeouts,
	       (unsigned long long)pt->errors, (unsigned long long)pt->mismatches,
	       pt->why[0] ? ",\"failed\":\"" : "", pt->why, pt->why[0] ? "\"" : "");
	fflush(stdout);
}

int bench_throughput_run(void)
{
	struct tp_point pt;
	struct tp_dev d;
	const char *modes;
	int i, s, q, m, rc = 0;

	for (i = 0; i < tc.ndev; i++) {
		if (tp_setup(&d, tc.dev[i]))
			return 1;
		modes = d.efd >= 0 ? "is" : "p";
		for (m = 0; modes[m]; m++)
			for (s = 0; s < tc.nsize; s++)
				for (q = 0; q < tc.ndepth; q++) {
					if (tp_point(&d, tc.size[s], tc.depth[q], modes[m], &pt) ||
					    pt.errors || pt.mismatches)
						rc = 1;
					tp_json(&d, tc.size[s], tc.depth[q], modes[m], &pt);
				}
		tp_release(&d);
	}
	return rc;
}
