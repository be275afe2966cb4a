// SPDX-License-Identifier: MIT
/*
 * ims-bench --mode pair: two WQs of one device measured inside one run,
 * e.g. one on IMS and one on MSI-X (the WQ attribute completion_irq), or
 * two on IMS as an A/A control.  Each round takes one sample on each WQ,
 * in random order, with a random gap before each, so that whatever else
 * the machine does falls on both sides alike.  One descriptor in flight.
 *
 * The first --warmup rounds (default 20) are taken and dropped: the
 * first completions on a WQ pay for cold caches and TCG translating the
 * paths for the first time.  Every later round's pair goes to --raw FILE
 * (one line "A_us B_us FIRST", in time order) for the paired statistics (bench/stats.py: a moving-block
 * bootstrap over consecutive pairs); the JSON carries both sides'
 * percentiles and log-binned histograms.  --stamps FILE keeps each kept
 * sample's TSC at submit, at the completion record's write and at its
 * interrupt (both stamped by the emulated DSA when its test page's STAMP
 * control is on; 0 otherwise) and at the wake-up, for the interrupt's
 * segments (bench/segments.py joins them with the kernel's trace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_epoll.h>
#include "idxd_ims_lib.h"
#include "ims_bench.h"

struct side {
	const char *path;
	struct ims_wq *wq;
	int efd;
	uint8_t *buf;
	uint64_t iova;
	struct rte_epoll_event ev;	/* epoll keeps a pointer to it */
	struct bench_result r;
	uint64_t stamp[4];	/* last sample: submit, record, irq, wake (TSC) */
};

static int side_open(struct side *s)
{
	s->efd = -1;
	if (ims_wq_open(s->path, &s->wq)) {
		fprintf(stderr, "ims-bench: %s: cannot open\n", s->path);
		return -1;
	}
	s->efd = ims_wq_eventfd(s->wq);
	if (s->efd < 0) {
		fprintf(stderr, "ims-bench: %s has no completion interrupt\n", s->path);
		return -1;
	}
	s->ev.epdata.event = EPOLLIN;
	s->ev.epdata.data = s;
	if (rte_epoll_ctl(RTE_EPOLL_PER_THREAD, EPOLL_CTL_ADD, s->efd, &s->ev))
		return -1;
	s->buf = ims_buf_alloc(s->wq, 8192, &s->iova);
	if (!s->buf) {
		fprintf(stderr, "ims-bench: %s: no DMA buffer: %s\n", s->path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * One sample on @s: submit, sleep until an eventfd fires.  The sample
 * counts only if it was this WQ's eventfd, once; a wake-up by the other
 * WQ (a stale interrupt) is an error, not a fast sample.
 */
static int side_sample(struct side *s, double *us)
{
	struct idxd_ims_completion *cr = (void *)s->buf;
	struct rte_epoll_event ev;
	struct idxd_ims_desc d;
	uint64_t t0, t1, cnt = 0;
	int n;

	memset(cr, 0, sizeof(*cr));
	ims_desc_memmove(&d, s->iova + 4096 + 2048, s->iova + 4096, 64, s->iova,
			 IMS_INTERRUPT);
	t0 = rte_rdtsc_precise();
	if (ims_submit(s->wq, &d)) {
		s->r.bad++;
		return -1;
	}
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, 1000);
	t1 = rte_rdtsc_precise();
	if (n <= 0) {
		s->r.lost++;
		return -1;
	}
	if (ev.epdata.data != s) {
		s->r.bad++;
		return -1;
	}
	if (read(s->efd, &cnt, sizeof(cnt)) != sizeof(cnt) || !cnt) {
		s->r.lost++;
		return -1;
	}
	s->r.dup += cnt - 1;
	if (ims_status(cr) != IDXD_IMS_ST_SUCCESS &&
	    (ims_poll(cr, 1000) || ims_status(cr) != IDXD_IMS_ST_SUCCESS)) {
		s->r.bad++;
		return -1;
	}
	*us = bench_us(t1 - t0);
	s->stamp[0] = t0;
	s->stamp[1] = cr->op[0];	/* the model's stamps, 0 on silicon */
	s->stamp[2] = cr->op[1];
	s->stamp[3] = t1;
	return 0;
}

static void side_close(struct side *s)
{
	if (s->wq)
		ims_wq_close(s->wq);
	free(s->r.lat_us);
}

/* The label of side @i (0 or 1) in "A/B"; "a" and "b" if there is none. */
static void side_label(const char *label, int i, char *out, size_t size)
{
	const char *slash = strchr(label, '/');

	if (!slash)
		snprintf(out, size, "%s", i ? "b" : "a");
	else if (i)
		snprintf(out, size, "%s", slash + 1);
	else
		snprintf(out, size, "%.*s", (int)(slash - label), label);
}

/**
 * bench_pair() - paired samples on two WQs
 * @wq_a: the first WQ (e.g. on IMS)
 * @wq_b: the second (e.g. on MSI-X, or IMS again for an A/A control)
 * @samples: rounds, one sample on each WQ per round
 * @warmup: rounds taken first and dropped
 * @raw: where each round's pair goes, or NULL
 *
 * Prints one JSON object with both sides; stops the load (if any) first.
 * Return: 0, or 1 if a WQ could not be used or the load failed.
 */
int bench_pair(const char *wq_a, const char *wq_b, long samples, long warmup,
	       const char *raw, const char *stamps)
{
	struct side s[2] = { { .path = wq_a }, { .path = wq_b } };
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	double lat[2];
	FILE *out = NULL, *st = NULL;
	char name[2][64];
	long i, pairs = 0;
	int k, first, load_failed, rc = 1;

	for (k = 0; k < 2; k++) {
		s[k].r.lat_us = calloc(samples, sizeof(double));
		if (!s[k].r.lat_us || side_open(&s[k]))
			goto done;
	}
	if (raw) {
		out = fopen(raw, "w");
		if (!out) {
			fprintf(stderr, "ims-bench: %s: %s\n", raw, strerror(errno));
			goto done;
		}
		fprintf(out, "# a_us b_us first (0: a went first)\n");
	}
	if (stamps) {
		st = bench_stamps_open(stamps);
		if (!st)
			goto done;
	}
	for (i = -warmup; i < samples; i++) {
		first = bench_rand(&seed) & 1;
		bench_gap(&seed);
		if (side_sample(&s[first], &lat[first]))
			continue;
		bench_gap(&seed);
		if (side_sample(&s[!first], &lat[!first]))
			continue;
		if (i < 0)
			continue;	/* warm-up */
		for (k = 0; k < 2; k++)
			s[k].r.lat_us[s[k].r.n++] = lat[k];
		if (out)
			fprintf(out, "%.3f %.3f %d\n", lat[0], lat[1], first);
		for (k = 0; st && k < 2; k++)
			bench_stamps_line(st, k ? "b" : "a", s[k].stamp);
		pairs++;
	}
	/* the load's figures cover the samples, not the printing */
	load_failed = bench_load_stop();
	for (k = 0; k < 2; k++)
		side_label(bench_cfg_label(), k, name[k], sizeof(name[k]));
	printf("{\"label\":\"%s\",\"mode\":\"pair\",\"pairs\":%ld,\"warmup\":%ld,\"sides\":[",
	       bench_cfg_label(), pairs, warmup);
	for (k = 0; k < 2; k++) {
		printf("%s{\"label\":\"%s\",\"wq\":\"%s\",", k ? "," : "", name[k], s[k].path);
		bench_result_json(&s[k].r);
		printf("}");
	}
	printf("]");
	bench_load_json();
	printf("}\n");
	rc = load_failed ? 1 : 0;
done:
	if (out && fclose(out))
		rc = 1;
	if (st && fclose(st))
		rc = 1;
	for (k = 0; k < 2; k++)
		side_close(&s[k]);
	return rc;
}
