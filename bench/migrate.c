// SPDX-License-Identifier: MIT
/*
 * ims-bench migrate: completion interrupts while their affinity moves.
 *
 * The main lcore keeps one descriptor with a completion interrupt in
 * flight and sleeps on the WQ's eventfd; a control thread moves the
 * WQ's irq between CPUs 0 and 1 (first at a fixed 2 ms, then at random
 * 1-10 ms intervals), then takes CPU 1 offline and online again.  Each
 * completion is classified: lost (record written, no wake-up within a
 * second), duplicate (eventfd count above 1), late (over K x the steady
 * p99 measured before any move), and its latency is bucketed by the time
 * since the last move.
 *
 * Per move: the worst latency of the samples submitted between one move
 * (or hotplug cycle) and the next, against the steady p99 (from --steady
 * samples before anything moves); the goal is no move over 2 x.  So that
 * a reader can tell what the moves cost from what the machine's noise
 * does anyway, the steady samples, cut into runs as long as a move's
 * share, give the same figure without any move (the control).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_epoll.h>
#include "idxd_ims_lib.h"
#include "ims_bench.h"

#define LATE_K		10
#define NBUCKETS	5
static const double bucket_ms[NBUCKETS] = { 1, 2, 5, 10, 1e9 };
static const char *const bucket_name[NBUCKETS] = { "0-1ms", "1-2ms", "2-5ms", "5-10ms", ">10ms" };

struct mig {
	int irq;
	long moves_wanted, hotplug_wanted;
	volatile long moves, hotplugs;
	volatile long events;		/* moves + hotplug cycles so far */
	volatile uint64_t last_move;	/* TSC of the last move */
	volatile int done, failed;
	char why[160];
};

static int write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, v, strlen(v)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void sleep_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&t, NULL);
}

/* The control thread: affinity moves, then CPU 1 offline/online. */
static void *mover(void *arg)
{
	struct mig *m = arg;
	char path[64];
	unsigned int seed = 12345;
	long i;
	int rc;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", m->irq);
	for (i = 0; i < m->moves_wanted && !m->failed; i++) {
		sleep_us(i < m->moves_wanted / 2 ? 2000 : 1000 + rand_r(&seed) % 9001);
		rc = write_file(path, i & 1 ? "0" : "1");
		if (rc) {
			snprintf(m->why, sizeof(m->why), "%s: %s", path, strerror(-rc));
			m->failed = 1;
		}
		m->last_move = rte_rdtsc_precise();
		m->moves++;
		m->events++;
	}
	for (i = 0; i < m->hotplug_wanted && !m->failed; i++) {
		rc = write_file("/sys/devices/system/cpu/cpu1/online", "0");
		m->last_move = rte_rdtsc_precise();
		sleep_us(3000);
		rc = rc ?: write_file("/sys/devices/system/cpu/cpu1/online", "1");
		m->last_move = rte_rdtsc_precise();
		if (rc) {
			snprintf(m->why, sizeof(m->why), "cpu1 online/offline: %s", strerror(-rc));
			m->failed = 1;
		}
		sleep_us(3000);
		m->hotplugs++;
		m->events++;
	}
	m->done = 1;
	return NULL;
}

struct one {
	double lat_us;
	uint64_t count;			/* eventfd count: 0 lost, >1 duplicate */
	bool out_of_sequence;		/* woke, but not for this descriptor */
};

/*
 * One descriptor with an interrupt, waited for on the eventfd.  It copies
 * its own sequence number: woken, the destination must hold it, or the
 * wake-up belonged to an earlier descriptor (a late or stale interrupt).
 */
static int sample(struct ims_wq *wq, uint8_t *buf, uint64_t iova, int efd,
		  struct one *o)
{
	static uint64_t seq;
	struct idxd_ims_completion *cr = (void *)buf;
	volatile uint64_t *src = (void *)(buf + 4096), *dst = (void *)(buf + 4096 + 2048);
	struct idxd_ims_desc d;
	uint64_t t0;

	memset(cr, 0, sizeof(*cr));
	*src = ++seq;
	ims_desc_memmove(&d, iova + 4096 + 2048, iova + 4096, 64, iova, IMS_INTERRUPT);
	t0 = rte_rdtsc_precise();
	if (ims_submit(wq, &d))
		return -1;
	o->count = bench_epoll_take(efd);
	o->lat_us = bench_us(rte_rdtsc_precise() - t0);
	o->out_of_sequence = o->count && *dst != seq;
	if (!o->count && ims_poll(cr, 1000))
		return -1;		/* not even completed: a device error */
	return 0;
}

/* worst[from, to) / p99: how many, how many over 2 x, and p50/p99/max */
static void ratio_json(const char *name, const double *worst, long from, long to,
		       double p99)
{
	long i, k = 0, over = 0;
	double *r = calloc(to - from + 1, sizeof(double));

	for (i = from; r && i < to; i++) {
		if (worst[i] <= 0)
			continue;	/* no sample in this interval */
		r[k] = worst[i] / p99;
		over += r[k++] > 2.0;
	}
	if (r && k)
		qsort(r, k, sizeof(double), bench_cmp_double);
	printf(",\"%s\":{\"intervals\":%ld,\"sampled\":%ld,\"over_2x\":%ld,"
	       "\"worst_ratio_p50\":%.3f,\"worst_ratio_p99\":%.3f,\"worst_ratio_max\":%.3f}",
	       name, to - from, k, over, k ? r[(long)(0.5 * (k - 1))] : 0,
	       k ? r[(long)(0.99 * (k - 1))] : 0, k ? r[k - 1] : 0);
	free(r);
}

/*
 * The control: the steady samples (in time order) cut into runs of @per,
 * each run's worst against the same p99, as if each run had been a move.
 */
static void control_json(const double *seq, long n, long per, double p99)
{
	long chunks = per > 0 ? n / per : 0, c, i;
	double *worst = calloc(chunks + 1, sizeof(double));

	for (c = 0; worst && c < chunks; c++)
		for (i = c * per; i < (c + 1) * per; i++)
			if (seq[i] > worst[c])
				worst[c] = seq[i];
	ratio_json("control_no_move", worst ? worst : (double[1]){ 0 }, 0, worst ? chunks : 0, p99);
	free(worst);
}

int bench_migrate(long moves, long hotplugs, long steady_n)
{
	long i, n = 0, lost = 0, dup = 0, late = 0, errors = 0, oos = 0, ev, per;
	double *steady, *seq, *per_event, worst[NBUCKETS] = { 0 }, p99, hz = rte_get_tsc_hz();
	long in_bucket[NBUCKETS] = { 0 };
	struct mig m = { .moves_wanted = moves, .hotplug_wanted = hotplugs };
	struct ims_wq *wq;
	pthread_t th;
	struct one o;
	uint64_t iova;
	uint8_t *buf;
	int efd, rc, b, load_failed;

	rc = ims_wq_open(bench_cfg_wq(), &wq);
	if (rc) {
		fprintf(stderr, "ims-bench: %s: %s\n", bench_cfg_wq(), ims_strerror(rc));
		return 1;
	}
	efd = ims_wq_eventfd(wq);
	m.irq = ims_wq_info(wq)->irq;
	buf = ims_buf_alloc(wq, 8192, &iova);
	steady = calloc(steady_n, sizeof(double));
	seq = calloc(steady_n, sizeof(double));
	per_event = calloc(moves + hotplugs + 1, sizeof(double));
	if (efd < 0 || m.irq < 0 || !buf || !steady || !seq || !per_event || bench_epoll_add(efd)) {
		fprintf(stderr, "ims-bench: %s: no interrupt, buffer or epoll\n", bench_cfg_wq());
		return 1;
	}
	/* the steady state, before anything moves */
	for (i = 0; i < steady_n; i++) {
		if (sample(wq, buf, iova, efd, &o) || o.count != 1) {
			fprintf(stderr, "ims-bench: steady-state sample %ld failed\n", i);
			return 1;
		}
		steady[i] = seq[i] = o.lat_us;
	}
	qsort(steady, steady_n, sizeof(double), bench_cmp_double);
	p99 = steady[(long)(0.99 * (steady_n - 1))];

	m.last_move = rte_rdtsc_precise();
	if (pthread_create(&th, NULL, mover, &m))
		return 1;
	while (!m.done) {
		ev = m.events;		/* the interval this sample starts in */
		if (sample(wq, buf, iova, efd, &o)) {
			errors++;
			continue;
		}
		n++;
		if (!o.count)
			lost++;
		if (o.count > 1)
			dup += o.count - 1;
		oos += o.out_of_sequence;
		if (o.lat_us > LATE_K * p99)
			late++;
		if (ev <= moves + hotplugs && o.lat_us > per_event[ev])
			per_event[ev] = o.lat_us;
		for (b = 0; b < NBUCKETS - 1 &&
		     (rte_rdtsc_precise() - m.last_move) / hz * 1e3 > bucket_ms[b]; b++)
			;
		in_bucket[b]++;
		if (o.lat_us > worst[b])
			worst[b] = o.lat_us;
	}
	pthread_join(th, NULL);
	write_file("/sys/devices/system/cpu/cpu1/online", "1");
	load_failed = bench_load_stop();
	printf("{\"label\":\"%s\",\"mode\":\"migrate\",\"migrations\":%ld,\"hotplug_cycles\":%ld,"
	       "\"samples\":%ld,\"lost\":%ld,\"duplicate\":%ld,\"late\":%ld,\"out_of_sequence\":%ld,\"late_k\":%d,"
	       "\"steady_p99_us\":%.2f,\"errors\":%ld,\"worst_us_by_time_since_move\":{",
	       bench_cfg_label(), m.moves, m.hotplugs, n, lost, dup, late, oos, LATE_K, p99,
	       errors);
	for (b = 0; b < NBUCKETS; b++)
		printf("%s\"%s\":{\"samples\":%ld,\"max_us\":%.2f}", b ? "," : "",
		       bucket_name[b], in_bucket[b], worst[b]);
	printf("},\"steady_samples\":%ld", steady_n);
	/* interval i follows event i: moves are events 1..moves */
	ratio_json("per_move", per_event, 1, m.moves + 1, p99);
	ratio_json("per_hotplug", per_event, m.moves + 1, m.moves + m.hotplugs + 1, p99);
	per = m.events ? n / m.events : n;
	control_json(seq, steady_n, per > 0 ? per : 1, p99);
	printf("%s%s%s", m.failed ? ",\"failed\":\"" : "", m.failed ? m.why : "",
	       m.failed ? "\"" : "");
	bench_load_json();
	printf("}\n");
	free(steady);
	free(seq);
	free(per_event);
	ims_wq_close(wq);
	return m.failed || errors || load_failed ? 1 : 0;
}
