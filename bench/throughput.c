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
 * --seconds.  The CPU cost per operation is every CPU's busy time over
 * the point (below), divided by its operations: what the machine spent,
 * not only this process.  Every
 * 64th burst's first copy is compared byte for byte.  Each burst's
 * latency (the first copy enqueued to the last completion reaped) gives
 * the point's p50 and p99.
 *
 * --rates LIST adds paced points: bursts of DEPTH copies of --paced-size
 * bytes start on a fixed schedule (DEPTH / RATE seconds apart) at each
 * offered rate, as an application fed by a network or a timer would
 * issue them; between bursts irq and spin sleep (clock_nanosleep, with a
 * 1 us timer slack) and poll spins, as such applications do, so the CPU
 * per operation shows what each way of waiting costs at that load.  A
 * burst still running when the next is due makes that one late
 * (late_bursts); the schedule does not catch up.
 *
 * CPU time: a point's wall time on every online CPU less their idle time
 * (/proc/stat), so interrupts taken while idle count too.
 *
 * One JSON line per point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sys/prctl.h>
#include <stdbool.h>
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
	unsigned int rate[TP_MAX_LIST];	/* paced points: offered ops/s */
	int nrate;
	unsigned int paced_size;
	double paced_seconds;
	double idle_busy;	/* CPU-seconds a second the idle machine spends */
} tc;

struct tp_dev {
	int16_t id;
	const char *name;
	int efd;			/* < 0: no interrupts, poll only */
	uint32_t max_size;
	uint8_t *src[TP_BUFS], *dst[TP_BUFS];
};

/**
 * struct tp_point - one point's counts
 * @lat_us: every burst's latency (@nlat of @cap), for p50/p99
 * @rate: offered ops/s of a paced point, 0 for a closed loop
 * @late: paced bursts that could not start on time
 */
struct tp_point {
	uint64_t ops, bursts, errors, mismatches, irq_waits, irq_timeouts, late;
	double seconds, cpu_busy_s;
	double *lat_us;
	size_t nlat, cap;
	unsigned int rate;
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
"  --rates LIST       paced points too, at these offered ops/s (1..10000000):\n"
"                     bursts of each depth on a fixed schedule, sleeping (irq,\n"
"                     spin) or spinning (poll) between them\n"
"  --paced-size N     the paced points' transfer size (default 64)\n"
"  --paced-seconds S  time per paced point (default 2)\n"
"Each point prints one JSON line: mode, dmadev, size, depth, ops, ops_per_s,\n"
"gb_per_s, cpu_us_per_op (all CPUs' busy time, irq and softirq included;\n"
"cpu_us_per_op_net less what the idle machine spends, with --rates),\n"
"lat_p50_us and lat_p99_us (per burst), offered_ops_per_s and late_bursts\n"
"(paced points), interrupt_waits, errors, mismatches.  Buffers: 2 x 8 of the largest size\n"
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
		{ "rates", required_argument, NULL, 'r' },
		{ "paced-size", required_argument, NULL, 'P' },
		{ "paced-seconds", required_argument, NULL, 'T' },
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
	tc.paced_size = 64;
	tc.paced_seconds = 2;
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
		case 'r':
			if (parse_list("rates", optarg, tc.rate, &tc.nrate, 1, 10000000))
				return -1;
			break;
		case 'P':
			if (sscanf(optarg, "%u%c", &tc.paced_size, &(char){ 0 }) != 1 ||
			    optarg[0] == '-' || !tc.paced_size || tc.paced_size > 1u << 30) {
				fprintf(stderr, "ims-bench: bad --paced-size '%s' (1..%u)\n",
					optarg, 1u << 30);
				return -1;
			}
			break;
		case 'T':
			if (sscanf(optarg, "%lf%c", &tc.paced_seconds, &(char){ 0 }) != 1 ||
			    !(tc.paced_seconds > 0 && tc.paced_seconds <= 3600)) {
				fprintf(stderr, "ims-bench: bad --paced-seconds '%s' (0..3600)\n", optarg);
				return -1;
			}
			break;
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

/*
 * Every CPU's idle time so far, in seconds (/proc/stat's idle and
 * iowait).  A tickless idle CPU's idle time is measured at idle entry
 * and exit, not sampled at ticks as user and system time are, so the
 * busy time of a point is its wall time on every online CPU less this:
 * exact but for /proc/stat's 10 ms units.
 */
static int cpu_idle(double *idle)
{
	unsigned long long v[5] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]);
	fclose(f);
	if (n < 5 || hz <= 0)
		return -1;
	*idle = (double)(v[3] + v[4]) / hz;
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
	if (tc.nrate)
		d->max_size = RTE_MAX(d->max_size, tc.paced_size);
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

/* Keep one burst's latency; past what memory allows, the point keeps going. */
static void tp_lat(struct tp_point *pt, uint64_t cycles)
{
	if (pt->nlat == pt->cap) {
		size_t cap = pt->cap ? 2 * pt->cap : 4096;
		double *n = realloc(pt->lat_us, cap * sizeof(*n));

		if (!n)
			return;
		pt->lat_us = n;
		pt->cap = cap;
	}
	pt->lat_us[pt->nlat++] = bench_us(cycles);
}

static double tp_pct(const struct tp_point *pt, double q)
{
	return pt->nlat ? pt->lat_us[(size_t)(q * (pt->nlat - 1) + 0.5)] : 0;
}

static int tp_burst(struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
		    struct tp_point *pt)
{
	uint64_t t0 = rte_rdtsc();
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
	tp_lat(pt, rte_rdtsc() - t0);
	if (pt->bursts++ % TP_CHECK_EVERY == 0) {
		pt->mismatches += !!memcmp(d->src[0], d->dst[0], size);
		memset(d->dst[0], 0, size);
	}
	pt->ops += depth;
	return 0;
}

/* Start a point afresh, keeping its latency buffer. */
static void tp_reset(struct tp_point *pt, unsigned int rate)
{
	double *lat = pt->lat_us;
	size_t cap = pt->cap;

	memset(pt, 0, sizeof(*pt));
	pt->lat_us = lat;
	pt->cap = cap;
	pt->rate = rate;
}

/*
 * Until the TSC reaches @when: poll spins (a polling application's core
 * is never idle), irq and spin sleep (their CPU halts until a timer).
 */
static void tp_idle_until(uint64_t when, char mode)
{
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	struct timespec ts;

	if (now >= when)
		return;
	if (mode == 'p') {
		while (rte_rdtsc() < when)
			rte_pause();
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)((when - now) * 1000000000.0 / hz);
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * @rate 0: bursts back to back for --seconds; else bursts of @depth at
 * @rate ops/s for --paced-seconds (longer: at a low rate the busy time
 * is small against /proc/stat's 10 ms units).
 */
static int tp_point(struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
		    unsigned int rate, struct tp_point *pt)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	double i0, i1, secs = rate ? tc.paced_seconds : tc.seconds;
	uint64_t start, end, next, gap;
	int rc = 0;

	tp_reset(pt, rate);
	if (mode != 'p')
		tp_drain(d);
	if (tp_burst(d, size, depth, mode, pt))	/* warm: not counted */
		return -1;
	tp_reset(pt, rate);
	if (cpu_idle(&i0)) {
		snprintf(pt->why, sizeof(pt->why), "cannot read /proc/stat");
		return -1;
	}
	start = rte_rdtsc();
	end = start + (uint64_t)(secs * rte_get_tsc_hz());
	gap = rate ? (uint64_t)((double)depth * rte_get_tsc_hz() / rate) : 0;
	next = start;
	while (rte_rdtsc() < end && !rc) {
		if (rate) {
			/* still busy with the last burst when this one is due */
			if (pt->bursts && rte_rdtsc() > next)
				pt->late++;
			tp_idle_until(next, mode);
			if (rte_rdtsc() >= end)
				break;
			next += gap;
		}
		rc = tp_burst(d, size, depth, mode, pt);
	}
	pt->seconds = (double)(rte_rdtsc() - start) / rte_get_tsc_hz();
	if (cpu_idle(&i1) || cpus < 1) {
		snprintf(pt->why, sizeof(pt->why), "cannot read /proc/stat");
		return -1;
	}
	pt->cpu_busy_s = RTE_MAX(0.0, cpus * pt->seconds - (i1 - i0));
	qsort(pt->lat_us, pt->nlat, sizeof(double), bench_cmp_double);
	return rc;
}

static void tp_json(const struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
		    const struct tp_point *pt)
{
	const char *name = mode == 'i' ? "irq" : mode == 's' ? "spin" : "poll";
	double ops = pt->ops ? (double)pt->ops : 1;

	printf("{\"label\":\"%s\",\"mode\":\"%s\",\"dmadev\":\"%s\",\"size\":%u,\"depth\":%u,"
	       "\"ops\":%llu,\"seconds\":%.3f,\"ops_per_s\":%.1f,\"gb_per_s\":%.4f,"
	       "\"cpu_us_per_op\":%.3f,\"cpu_us_per_op_net\":%.3f,\"cpu_busy_s\":%.3f,"
	       "\"idle_machine_busy_cpus\":%.4f,\"spin_us\":%u,"
	       "\"lat_p50_us\":%.2f,\"lat_p99_us\":%.2f,\"offered_ops_per_s\":%u,"
	       "\"late_bursts\":%llu,"
	       "\"interrupt_waits\":%llu,\"interrupt_timeouts\":%llu,\"errors\":%llu,"
	       "\"mismatches\":%llu%s%s%s}\n",
	       tc.label, name, d->name, size, depth, (unsigned long long)pt->ops, pt->seconds,
	       pt->ops / pt->seconds, pt->ops * (double)size / pt->seconds / 1e9,
	       pt->cpu_busy_s * 1e6 / ops,
	       RTE_MAX(0.0, pt->cpu_busy_s - tc.idle_busy * pt->seconds) * 1e6 / ops,
	       pt->cpu_busy_s, tc.idle_busy, mode == 's' ? tc.spin_us : 0,
	       tp_pct(pt, 0.5), tp_pct(pt, 0.99), pt->rate, (unsigned long long)pt->late,
	       (unsigned long long)pt->irq_waits, (unsigned long long)pt->irq_timeouts,
	       (unsigned long long)pt->errors, (unsigned long long)pt->mismatches,
	       pt->why[0] ? ",\"failed\":\"" : "", pt->why, pt->why[0] ? "\"" : "");
	fflush(stdout);
}

/*
 * What the machine spends with nothing to do (timer ticks, housekeeping,
 * under TCG its idle loop's wake-ups), in CPU-seconds a second, over
 * one second asleep: the paced points' CPU per operation less it is
 * what the work itself cost (cpu_us_per_op_net).
 */
static double tp_idle_busy(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct timespec ts = { .tv_sec = 1 };
	uint64_t t0;
	double i0, i1, secs;

	if (cpu_idle(&i0))
		return 0;
	t0 = rte_rdtsc();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	secs = (double)(rte_rdtsc() - t0) / rte_get_tsc_hz();
	if (cpu_idle(&i1) || cpus < 1)
		return 0;
	return RTE_MAX(0.0, (cpus * secs - (i1 - i0)) / secs);
}

/* One point, measured and printed; 1 if it failed or copied wrong. */
static int tp_run_point(struct tp_dev *d, uint32_t size, uint16_t depth, char mode,
			unsigned int rate, struct tp_point *pt)
{
	int rc = tp_point(d, size, depth, mode, rate, pt) || pt->errors || pt->mismatches;

	tp_json(d, size, depth, mode, pt);
	return rc;
}

int bench_throughput_run(void)
{
	struct tp_point pt = { 0 };
	struct tp_dev d;
	const char *modes;
	int i, s, q, m, r, rc = 0;

	/* paced sleeps end when asked, not up to 50 us later */
	if (tc.nrate) {
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
		tc.idle_busy = tp_idle_busy();
	}
	for (i = 0; i < tc.ndev; i++) {
		if (tp_setup(&d, tc.dev[i])) {
			rc = 1;
			break;
		}
		modes = d.efd >= 0 ? "is" : "p";
		for (m = 0; modes[m]; m++) {
			for (s = 0; s < tc.nsize; s++)
				for (q = 0; q < tc.ndepth; q++)
					rc |= tp_run_point(&d, tc.size[s], tc.depth[q], modes[m], 0, &pt);
			for (r = 0; r < tc.nrate; r++)
				for (q = 0; q < tc.ndepth; q++)
					rc |= tp_run_point(&d, tc.paced_size, tc.depth[q], modes[m],
							   tc.rate[r], &pt);
		}
		tp_release(&d);
	}
	free(pt.lat_us);
	return rc;
}
