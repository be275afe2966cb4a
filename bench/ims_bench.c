// SPDX-License-Identifier: MIT
/*
 * ims-bench: completion latency of an idxd_ims work queue, measured in a
 * DPDK application (EAL, pinned lcores, TSC timing, rte_epoll_wait on the
 * WQ's completion eventfd).
 *
 *   ims-bench [EAL options] -- latency --wq /dev/dsa/wq0.0 --mode MODE
 *             [--samples N] [--label NAME] [--gap-us MIN,MAX]
 *   ims-bench [EAL options] -- throughput --dmadev NAME [options]
 *             (throughput.c: sizes x depths, irq/spin/poll, CPU per op)
 *
 * MODE:
 *   irq    64-byte MEMMOVE with a completion interrupt; the lcore sleeps in
 *          rte_epoll_wait() on the WQ's eventfd (IMS or MSI-X: whatever the
 *          driver gave the WQ; --label says which)
 *   poll   the same without an interrupt, spinning on the completion record
 *   floor  no device: a second lcore sleeps a random gap (its CPU halts,
 *          as the waiter's does), wakes, and writes an eventfd the first
 *          sleeps on: the kernel's wake-up cost, the floor for irq
 *   migrate  irq samples while the irq's affinity moves and CPU 1 goes
 *          offline and online (migrate.c); lost/duplicate/late counts
 *   pair   irq samples on two WQs, --wq and --wq-b, one of each per round
 *          in random order (pair.c): IMS against MSI-X inside one run,
 *          or an A/A control; --raw FILE keeps every pair
 *
 * --load DMADEV adds background copies through DPDK's dmadev API on
 * another WQ (load.c; e.g. --vdev dma_idxd_ims0,wq=wq0.1,intr=1 among the
 * EAL options), their completion interrupts aimed at the same CPU.
 *
 * One descriptor in flight, random gaps between samples.  Prints one JSON
 * object: samples, p50/p99/p99.9/max in microseconds, lost (no wake-up in
 * a second) and duplicate (eventfd count above 1) interrupts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <rte_atomic.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_epoll.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include "idxd_ims_lib.h"
#include "ims_bench.h"

struct cfg {
	const char *wq;
	const char *mode;
	const char *label;
	const char *load;
	const char *wq_b, *raw, *stamps;
	int load_cpu;
	unsigned int load_rate;
	long samples, warmup;
	long migrations, hotplugs, steady;
	unsigned int gap_min_us, gap_max_us;
};

/* floor: the writer lcore and the waiter share these */
static volatile uint64_t floor_go, floor_t0;
static volatile int floor_stop;
static int floor_efd;
static struct cfg cfg;

const char *bench_cfg_wq(void)
{
	return cfg.wq;
}

const char *bench_cfg_label(void)
{
	return cfg.label;
}

uint64_t bench_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Spin a random gap: the next sample starts from no particular phase. */
void bench_gap(uint64_t *seed)
{
	unsigned int span = cfg.gap_max_us - cfg.gap_min_us + 1;

	rte_delay_us_block(cfg.gap_min_us + bench_rand(seed) % span);
}

int bench_epoll_add(int fd)
{
	static struct rte_epoll_event ev;	/* epoll keeps a pointer to it */

	ev.epdata.event = EPOLLIN;
	ev.epdata.data = NULL;
	return rte_epoll_ctl(RTE_EPOLL_PER_THREAD, EPOLL_CTL_ADD, fd, &ev);
}

/* Sleep until @fd fires (1 s at most); its count, 0 if it did not. */
uint64_t bench_epoll_take(int fd)
{
	struct rte_epoll_event ev;
	uint64_t n = 0;

	if (rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 1000) <= 0)
		return 0;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

double bench_us(uint64_t cycles)
{
	return (double)cycles * 1e6 / rte_get_tsc_hz();
}

static int run_device(struct bench_result *r, bool irq)
{
	struct idxd_ims_completion *cr;
	struct idxd_ims_desc d;
	uint64_t iova, seed = 88172645463325252ull, t0, t1, cnt;
	struct ims_wq *wq;
	uint8_t *buf;
	long i;
	int rc, efd;

	rc = ims_wq_open(cfg.wq, &wq);
	if (rc) {
		fprintf(stderr, "ims-bench: %s: %s\n", cfg.wq, ims_strerror(rc));
		return 1;
	}
	efd = ims_wq_eventfd(wq);
	if (irq && (efd < 0 || bench_epoll_add(efd))) {
		fprintf(stderr, "ims-bench: %s has no completion interrupt to wait on\n", cfg.wq);
		return 1;
	}
	buf = ims_buf_alloc(wq, 8192, &iova);
	if (!buf) {
		fprintf(stderr, "ims-bench: no DMA buffer: %s\n", strerror(errno));
		return 1;
	}
	cr = (void *)buf;
	for (i = 0; i < cfg.samples; i++) {
		bench_gap(&seed);
		memset(cr, 0, sizeof(*cr));
		ims_desc_memmove(&d, iova + 4096 + 2048, iova + 4096, 64, iova,
				 irq ? IMS_INTERRUPT : 0);
		t0 = rte_rdtsc_precise();
		if (ims_submit(wq, &d)) {
			r->bad++;
			continue;
		}
		if (irq) {
			cnt = bench_epoll_take(efd);
			t1 = rte_rdtsc_precise();
			if (!cnt) {
				r->lost++;
				continue;
			}
			r->dup += cnt - 1;
		} else {
			if (ims_poll(cr, 1000)) {
				r->lost++;
				continue;
			}
			t1 = rte_rdtsc_precise();
		}
		if (ims_status(cr) != IDXD_IMS_ST_SUCCESS && ims_poll(cr, 1000) == 0 &&
		    ims_status(cr) != IDXD_IMS_ST_SUCCESS)
			r->bad++;
		r->lat_us[r->n++] = bench_us(t1 - t0);
	}
	ims_wq_close(wq);
	return 0;
}

/*
 * The writer lcore of floor mode: one eventfd write per request, after
 * sleeping a random gap.  Sleeping, not spinning, is what makes the
 * floor fair: a device's interrupt finds the waiter's CPU halted and
 * its own path cold, and so does a writer that has just woken from halt
 * (a spinning writer measured the wake-up of a waiter by a hot CPU).
 */
static int floor_writer(void *arg)
{
	uint64_t seen = 0, one = 1, seed = 2463534242ull;
	unsigned int span = cfg.gap_max_us - cfg.gap_min_us + 1;
	struct timespec ts;

	(void)arg;
	while (!floor_stop) {
		if (floor_go == seen) {
			rte_pause();
			continue;
		}
		seen = floor_go;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 1000L * (cfg.gap_min_us + bench_rand(&seed) % span);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		floor_t0 = rte_rdtsc_precise();
		if (write(floor_efd, &one, sizeof(one)) != sizeof(one))
			return -1;
	}
	return 0;
}

/* --stamps FILE: a header, then bench_stamps_line()s */
FILE *bench_stamps_open(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "ims-bench: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "# tsc_hz %llu\n# side submit record irq wake (TSC; record and irq 0 when not stamped)\n",
		(unsigned long long)rte_get_tsc_hz());
	return f;
}

void bench_stamps_line(FILE *f, const char *side, const uint64_t stamp[4])
{
	fprintf(f, "%s %llu %llu %llu %llu\n", side, (unsigned long long)stamp[0],
		(unsigned long long)stamp[1], (unsigned long long)stamp[2],
		(unsigned long long)stamp[3]);
}

static int run_floor(struct bench_result *r)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	uint64_t cnt, t1, stamp[4] = { 0 };
	FILE *st = NULL;
	long i;

	if (worker >= RTE_MAX_LCORE) {
		fprintf(stderr, "ims-bench: floor mode needs two lcores (-l 0-1)\n");
		return 1;
	}
	if (cfg.stamps) {
		st = bench_stamps_open(cfg.stamps);
		if (!st)
			return 1;
	}
	floor_efd = eventfd(0, EFD_NONBLOCK);
	if (floor_efd < 0 || bench_epoll_add(floor_efd)) {
		if (st)
			fclose(st);
		return 1;
	}
	rte_eal_remote_launch(floor_writer, NULL, worker);
	for (i = 0; i < cfg.samples; i++) {
		floor_go = i + 1;
		cnt = bench_epoll_take(floor_efd);
		t1 = rte_rdtsc_precise();
		if (!cnt) {
			r->lost++;
			continue;
		}
		r->dup += cnt - 1;
		r->lat_us[r->n++] = bench_us(t1 - floor_t0);
		stamp[0] = floor_t0;
		stamp[3] = t1;
		if (st)
			bench_stamps_line(st, "floor", stamp);
	}
	floor_stop = 1;
	rte_eal_wait_lcore(worker);
	return st && fclose(st) ? 1 : 0;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const struct bench_result *r, double p)
{
	return r->n ? r->lat_us[(long)(p * (r->n - 1) + 0.5)] : 0;
}

/*
 * A log-binned histogram: HIST_PER_OCTAVE bins per doubling from
 * HIST_BASE_US up, as [bin, count] pairs of the non-empty bins; bin k
 * holds samples in [base * 2^(k/8), base * 2^((k+1)/8)).  Bin 0 also
 * takes anything faster than the base.
 */
#define HIST_BASE_US		0.25
#define HIST_PER_OCTAVE		8
#define HIST_BINS		(HIST_PER_OCTAVE * 24)

static void hist_json(const struct bench_result *r)
{
	long counts[HIST_BINS] = { 0 };
	bool first = true;
	long i;
	int k;

	for (i = 0; i < r->n; i++) {
		k = r->lat_us[i] <= HIST_BASE_US ? 0 :
		    (int)(HIST_PER_OCTAVE * log2(r->lat_us[i] / HIST_BASE_US));
		counts[k < HIST_BINS ? k : HIST_BINS - 1]++;
	}
	printf("\"hist\":{\"base_us\":%g,\"per_octave\":%d,\"bins\":[",
	       HIST_BASE_US, HIST_PER_OCTAVE);
	for (k = 0; k < HIST_BINS; k++) {
		if (!counts[k])
			continue;
		printf("%s[%d,%ld]", first ? "" : ",", k, counts[k]);
		first = false;
	}
	printf("]}");
}

/* One side's members of the JSON object: counts, percentiles, histogram. */
void bench_result_json(struct bench_result *r)
{
	qsort(r->lat_us, r->n, sizeof(double), bench_cmp_double);
	printf("\"samples\":%ld,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p999_us\":%.2f,"
	       "\"max_us\":%.2f,\"lost\":%ld,\"duplicate\":%ld,\"errors\":%ld,",
	       r->n, pct(r, 0.5), pct(r, 0.99), pct(r, 0.999),
	       r->n ? r->lat_us[r->n - 1] : 0.0, r->lost, r->dup, r->bad);
	hist_json(r);
}

static void report(struct bench_result *r)
{
	printf("{\"label\":\"%s\",\"mode\":\"%s\",", cfg.label, cfg.mode);
	bench_result_json(r);
	printf(",\"tsc_hz\":%llu", (unsigned long long)rte_get_tsc_hz());
	bench_load_json();
	printf("}\n");
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ims-bench [EAL options] -- latency --mode irq|poll|floor|migrate|pair [options]\n"
"       ims-bench [EAL options] -- throughput --dmadev NAME [options]  (see --help)\n"
"  --wq PATH          user WQ (default /dev/dsa/wq0.0; not for floor)\n"
"  --wq-b PATH        pair: the second WQ (e.g. on MSI-X; IMS again for A/A)\n"
"  --raw FILE         pair: every round's two samples, in time order\n"
"  --warmup N         pair: rounds taken first and dropped (default 20)\n"
"  --stamps FILE      pair, floor: each sample's TSC at submit, the record's\n"
"                     write, its interrupt (the emulated DSA's stamps) and\n"
"                     the wake-up, for bench/segments.py\n"
"  --samples N        samples (default 2000)\n"
"  --label NAME       name in the output (default: the mode); pair: A/B\n"
"  --gap-us MIN,MAX   random gap between samples (default 20,200)\n"
"  --migrations N     migrate: affinity moves (default 1000)\n"
"  --hotplug N        migrate: CPU 1 offline/online cycles (default 100)\n"
"  --steady N         migrate: samples before any move, for the steady p99\n"
"                     each move's worst is held against (default 10000)\n"
"  --load DMADEV      copies through this dmadev meanwhile (64 B-64 KiB, bursts)\n"
"  --load-cpu N       the CPU the load thread runs on (default 1)\n"
"  --load-rate N      start N load bursts a second (default 0: back to back)\n"
"EAL options that work without hugepages or root-only devices:\n"
"  --no-huge --no-pci --no-shconf -l 0-1\n"
"and for --load, our dmadev on another user WQ:\n"
"  --vdev dma_idxd_ims0,wq=wq0.1,intr=1[,batch=0|1][,mem=MiB]\n");
}

static int parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wq", required_argument, NULL, 'w' },
		{ "mode", required_argument, NULL, 'm' },
		{ "samples", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "migrations", required_argument, NULL, 'M' },
		{ "hotplug", required_argument, NULL, 'H' },
		{ "steady", required_argument, NULL, 'T' },
		{ "load", required_argument, NULL, 'L' },
		{ "load-cpu", required_argument, NULL, 'C' },
		{ "wq-b", required_argument, NULL, 'b' },
		{ "load-rate", required_argument, NULL, 'R' },
		{ "raw", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "stamps", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	int c;

	cfg = (struct cfg){ .wq = "/dev/dsa/wq0.0", .samples = 2000,
			    .migrations = 1000, .hotplugs = 100, .steady = 10000, .load_cpu = 1, .warmup = 20,
			    .gap_min_us = 20, .gap_max_us = 200 };
	if (argc < 2 || strcmp(argv[1], "latency")) {
		usage(stderr);
		return -1;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'w': cfg.wq = optarg; break;
		case 'm': cfg.mode = optarg; break;
		case 'n': cfg.samples = atol(optarg); break;
		case 'l': cfg.label = optarg; break;
		case 'M': cfg.migrations = atol(optarg); break;
		case 'H': cfg.hotplugs = atol(optarg); break;
		case 'T':
			if (sscanf(optarg, "%ld%c", &cfg.steady, &(char){ 0 }) != 1 ||
			    cfg.steady < 100 || cfg.steady > 10000000) {
				fprintf(stderr, "ims-bench: bad --steady '%s' (100..10000000)\n", optarg);
				return -1;
			}
			break;
		case 'L': cfg.load = optarg; break;
		case 'C': cfg.load_cpu = atoi(optarg); break;
		case 'b': cfg.wq_b = optarg; break;
		case 'R':
			if (sscanf(optarg, "%u%c", &cfg.load_rate, &(char){ 0 }) != 1 ||
			    optarg[0] == '-' || cfg.load_rate > 1000000) {
				fprintf(stderr, "ims-bench: bad --load-rate '%s' (0..1000000)\n", optarg);
				return -1;
			}
			break;
		case 'r': cfg.raw = optarg; break;
		case 's': cfg.stamps = optarg; break;
		case 'W':
			if (sscanf(optarg, "%ld%c", &cfg.warmup, &(char){ 0 }) != 1) {
				fprintf(stderr, "ims-bench: bad --warmup '%s' (0..1000000)\n", optarg);
				return -1;
			}
			break;
		case 'g':
			if (sscanf(optarg, "%u,%u", &cfg.gap_min_us, &cfg.gap_max_us) != 2 ||
			    cfg.gap_max_us < cfg.gap_min_us) {
				fprintf(stderr, "ims-bench: bad --gap-us '%s'\n", optarg);
				return -1;
			}
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (!cfg.mode || (strcmp(cfg.mode, "irq") && strcmp(cfg.mode, "poll") &&
			  strcmp(cfg.mode, "floor") && strcmp(cfg.mode, "migrate") &&
			  strcmp(cfg.mode, "pair")) ||
	    cfg.samples < 1 || cfg.samples > 10000000 || cfg.migrations < 0 ||
	    cfg.warmup < 0 || cfg.warmup > 1000000 ||
	    cfg.hotplugs < 0 || cfg.load_cpu < 0 || cfg.load_cpu >= CPU_SETSIZE) {
		fprintf(stderr, "ims-bench: --mode irq|poll|floor|migrate|pair, 1..10000000 --samples\n");
		return -1;
	}
	if (cfg.stamps && strcmp(cfg.mode, "pair") && strcmp(cfg.mode, "floor")) {
		fprintf(stderr, "ims-bench: --stamps goes with --mode pair or floor\n");
		return -1;
	}
	if (!strcmp(cfg.mode, "pair") != !!cfg.wq_b) {
		fprintf(stderr, "ims-bench: --wq-b goes with --mode pair, and pair needs it\n");
		return -1;
	}
	if (!cfg.label)
		cfg.label = cfg.mode;
	return 0;
}

/* Where the benchmark's own arguments start: after EAL's, past "--". */
static int tool_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	struct bench_result r = { 0 };
	int sep = tool_args(argc, argv);
	bool throughput;
	int rc;

	/*
	 * The command line is checked before EAL starts (seconds in a TCG
	 * guest), so a bad one fails at once and needs no device.
	 */
	if (sep < 0) {
		if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(stdout);
			fputc('\n', stdout);
			bench_throughput_usage(stdout);
			return 0;
		}
		fprintf(stderr, "ims-bench: the benchmark's arguments follow EAL's after '--'\n");
		usage(stderr);
		return 2;
	}
	throughput = argc - sep > 1 && !strcmp(argv[sep + 1], "throughput");
	if (throughput ? bench_throughput_parse(argc - sep, argv + sep) : parse(argc - sep, argv + sep))
		return 2;
	optind = 0;		/* EAL parses its own with getopt too */
	if (rte_eal_init(sep, argv) < 0) {
		fprintf(stderr, "ims-bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (throughput) {
		rc = bench_throughput_run();
		rte_eal_cleanup();
		return rc;
	}
	r.lat_us = calloc(cfg.samples, sizeof(double));
	if (!r.lat_us)
		return 1;
	if (cfg.load && bench_load_start(cfg.load, cfg.load_cpu, cfg.load_rate)) {
		rte_eal_cleanup();
		return 1;
	}
	if (!strcmp(cfg.mode, "migrate")) {
		rc = bench_migrate(cfg.migrations, cfg.hotplugs, cfg.steady);
	} else if (!strcmp(cfg.mode, "pair")) {
		rc = bench_pair(cfg.wq, cfg.wq_b, cfg.samples, cfg.warmup, cfg.raw,
				cfg.stamps);
		if (bench_load_stop())
			rc = 1;
	} else {
		if (!strcmp(cfg.mode, "floor"))
			rc = run_floor(&r);
		else
			rc = run_device(&r, !strcmp(cfg.mode, "irq"));
		if (bench_load_stop())
			rc = 1;
		if (!rc || cfg.load)
			report(&r);
	}
	free(r.lat_us);
	rte_eal_cleanup();
	return rc;
}
