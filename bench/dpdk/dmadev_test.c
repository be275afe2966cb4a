// SPDX-License-Identifier: MIT
/*
 * dmadev-test: drives a dma_idxd_ims device through DPDK's public dmadev
 * API only (plus rte_pmd_idxd_ims.h for its heap and eventfd), as any
 * dmadev application would, and checks what comes back.
 *
 *   dmadev-test [EAL options] --vdev dma_idxd_ims0,wq=wq0.1,... -- NAME
 *   dmadev-test [EAL options] --vdev ... -- NAME unbind WQ
 *
 * The second form unbinds WQ from the user driver under the running
 * device and checks that what the kernel then refuses completes as not
 * attempted, instead of hanging.
 *
 * IMS_EXPECT_VA=1 in the environment: the WQ is in virtual-address mode
 * (a PASID per file), where the driver says SVA and handles page faults.
 *
 * Prints "@@ TEST dmadev:<check> PASS|FAIL" lines and, last, one line
 * "@@ DMADEV {json}" with the interrupts the driver asked for, so the
 * caller can hold them against /proc/interrupts.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include "rte_pmd_idxd_ims.h"
#include "../../tests/guest/progs/result.h"

#define RING	64
#define BUF	65536
#define NBUF	8

static int16_t dev;
static uint8_t *src[NBUF], *dst[NBUF];
static bool va;		/* IMS_EXPECT_VA: the WQ names process addresses */
static unsigned int faults_made;	/* operations t_refusals() let fail */

static uint64_t rnd(void)
{
	static uint64_t s = 0x2545f4914f6cdd1dull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* Reap @want operations (1 s at most); false if any failed or is missing. */
static bool reap(uint16_t want, uint16_t *last)
{
	uint64_t end = rte_rdtsc() + rte_get_tsc_hz();
	uint16_t got = 0, n;
	bool err = false;

	while (got < want && rte_rdtsc() < end && !err) {
		n = rte_dma_completed(dev, 0, want - got, last, &err);
		got += n;
		if (!n)
			rte_pause();
	}
	return got == want && !err;
}

static void t_info(void)
{
	struct rte_dma_info info = { 0 };
	int rc = rte_dma_info_get(dev, &info);

	result("info", !rc &&
	       (info.dev_capa & RTE_DMA_CAPA_OPS_COPY) &&
	       (info.dev_capa & RTE_DMA_CAPA_OPS_FILL) &&
	       (info.dev_capa & RTE_DMA_CAPA_HANDLES_ERRORS) &&
	       !(info.dev_capa & RTE_DMA_CAPA_SVA) == !va && info.max_vchans == 1,
	       "capa %#llx vchans %u desc %u..%u", (unsigned long long)info.dev_capa,
	       info.max_vchans, info.min_desc, info.max_desc);
}

/* 1000 copies of random sizes and offsets, in bursts, every byte checked */
static void t_copies(void)
{
	uint16_t last = 0, expect = 0;
	int done = 0, bad = 0, order = 0, i, j, n;

	for (i = 0; i < 1000; i += n) {
		uint32_t len[NBUF], off[NBUF];

		n = 1 + rnd() % NBUF;
		for (j = 0; j < n; j++) {
			len[j] = 1 + rnd() % (BUF / 2);
			off[j] = rnd() % (BUF / 2);
			memset(src[j] + off[j], (int)rnd(), len[j]);
			memset(dst[j], 0xee, BUF);
			/* rte_malloc_virt2iova() takes an allocation's start */
			if (rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[j]) + off[j],
					 rte_malloc_virt2iova(dst[j]) + off[j], len[j],
					 j == n - 1 ? RTE_DMA_OP_FLAG_SUBMIT : 0) != expect++)
				order++;
		}
		if (!reap(n, &last) || last != (uint16_t)(expect - 1)) {
			bad++;
			break;
		}
		for (j = 0; j < n; j++)
			bad += memcmp(src[j] + off[j], dst[j] + off[j], len[j]) ||
			       dst[j][off[j] + len[j]] != 0xee ||
			       (off[j] && dst[j][off[j] - 1] != 0xee);
		done += n;
	}
	result("copy-1000-verified", done >= 1000 && !bad && !order,
	       "%d copied, %d bad, %d out-of-order job ids", done, bad, order);
}

static void t_fill(void)
{
	uint64_t pat = 0x0123456789abcdefull;
	uint16_t last;
	int i, bad = 0;

	memset(dst[0], 0, BUF);
	if (rte_dma_fill(dev, 0, pat, rte_malloc_virt2iova(dst[0]), 4096,
			 RTE_DMA_OP_FLAG_SUBMIT) < 0 || !reap(1, &last)) {
		result("fill", 0, "not completed");
		return;
	}
	for (i = 0; i < 4096; i++)
		bad += dst[0][i] != (uint8_t)(pat >> (8 * (i % 8)));
	result("fill", !bad && !dst[0][4096], "%d wrong bytes", bad);
}

/* One copy, submitted and reaped (1 s at most): its status, or -1. */
static int copy_status(rte_iova_t from, rte_iova_t to, uint32_t len)
{
	enum rte_dma_status_code st;
	uint64_t end = rte_rdtsc() + rte_get_tsc_hz();
	uint16_t last;

	if (rte_dma_copy(dev, 0, from, to, len, RTE_DMA_OP_FLAG_SUBMIT) < 0)
		return -1;
	while (rte_rdtsc() < end)
		if (rte_dma_completed_status(dev, 0, 1, &last, &st) == 1)
			return st;
	return -1;
}

/*
 * Sizes the device cannot do are refused at enqueue.  Memory that is not
 * DPDK's (malloc): without virtual-address mode the device cannot reach
 * it, and the copy completes as a page fault without reaching the
 * device; in that mode the device faults on it, the driver maps it and
 * sends the rest, and the copy succeeds.
 */
static void t_refusals(void)
{
	uint8_t *far = malloc(4096);
	rte_iova_t s = rte_malloc_virt2iova(src[0]), d = rte_malloc_virt2iova(dst[0]);
	int st;

	memset(far, 0x5c, 4096);
	memset(dst[0], 0, 64);
	st = copy_status((uintptr_t)far, d, 64);
	if (va)
		result("foreign-memory-fault-handled",
		       st == RTE_DMA_STATUS_SUCCESSFUL && dst[0][63] == 0x5c, "status %d", st);
	else
		result("foreign-memory-page-fault",
		       st == RTE_DMA_STATUS_PAGE_FAULT && dst[0][63] == 0, "status %d", st);
	if (!va) {
		faults_made = 2;
		st = copy_status(s, d + (64u << 20), 64);
		result("past-the-heap-page-fault", st == RTE_DMA_STATUS_PAGE_FAULT,
		       "status %d", st);
	}
	result("refuse-zero-length", rte_dma_copy(dev, 0, s, d, 0, 0) == -EINVAL, NULL);
	result("refuse-over-max-transfer",
	       rte_dma_copy(dev, 0, s, d, 1u << 30, 0) == -EINVAL, NULL);
	result("refuse-copy-sg", rte_dma_copy_sg(dev, 0, NULL, NULL, 1, 1, 0) == -ENOTSUP,
	       NULL);
	free(far);
}

/* A full ring says so (-ENOSPC); what was queued still completes. */
static void t_ring_full(void)
{
	rte_iova_t s = rte_malloc_virt2iova(src[0]), d = rte_malloc_virt2iova(dst[0]);
	uint16_t last, cap0 = rte_dma_burst_capacity(dev, 0);
	int i, rc = 0;

	for (i = 0; i < RING && rc >= 0; i++)
		rc = rte_dma_copy(dev, 0, s, d, 64, 0);
	result("ring-capacity", cap0 == RING && rc >= 0 &&
	       rte_dma_burst_capacity(dev, 0) == 0, "capacity %u", cap0);
	result("ring-full-enospc", rte_dma_copy(dev, 0, s, d, 64, 0) == -ENOSPC, NULL);
	rte_dma_submit(dev, 0);
	result("ring-drains", reap(RING, &last) && rte_dma_burst_capacity(dev, 0) == RING,
	       NULL);
}

/* With intr=1: one interrupt per submission, seen on the eventfd. */
static void t_interrupts(void)
{
	int efd = rte_pmd_idxd_ims_eventfd(dev);
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t before = rte_pmd_idxd_ims_interrupts(dev), cnt = 0;
	uint16_t last;
	int i, woke = 0;

	if (efd < 0) {
		result("no-eventfd-without-intr", efd == -ENXIO, "%d", efd);
		return;
	}
	for (i = 0; i < 50; i++) {
		rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[0]),
			     rte_malloc_virt2iova(dst[0]), 4096, 0);
		rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[1]),
			     rte_malloc_virt2iova(dst[1]), 4096, RTE_DMA_OP_FLAG_SUBMIT);
		if (poll(&p, 1, 1000) == 1 && read(efd, &cnt, sizeof(cnt)) == sizeof(cnt))
			woke++;
		reap(2, &last);
	}
	/*
	 * A pair is one BATCH, one interrupt.  In virtual-address mode a
	 * pair may be two units (write() takes no BATCH there), and an
	 * operation resent after a page fault asks for one more.
	 */
	result("eventfd-wakes", woke == 50 &&
	       (rte_pmd_idxd_ims_interrupts(dev) - before == 50 ||
		(va && rte_pmd_idxd_ims_interrupts(dev) - before >= 50)),
	       "%d wake-ups, %llu requested", woke,
	       (unsigned long long)(rte_pmd_idxd_ims_interrupts(dev) - before));
}

/* A fenced copy starts after the one before it: a chain copies right. */
static void t_fence(void)
{
	uint16_t last;
	int i, bad = 0;

	for (i = 0; i < 20 && !bad; i++) {
		memset(src[0], 'a' + i, BUF);
		memset(dst[0], 0, BUF);
		memset(dst[1], 0, BUF);
		rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[0]),
			     rte_malloc_virt2iova(dst[0]), BUF, 0);
		rte_dma_copy(dev, 0, rte_malloc_virt2iova(dst[0]),
			     rte_malloc_virt2iova(dst[1]), BUF,
			     RTE_DMA_OP_FLAG_FENCE | RTE_DMA_OP_FLAG_SUBMIT);
		bad = !reap(2, &last) || memcmp(dst[1], src[0], BUF);
	}
	result("fence-orders-a-chain", !bad, "%d chains", i);
}

/* dmadev: after a stop and start, job indices begin again at 0. */
static void t_restart(void)
{
	uint16_t last;
	int job;

	rte_dma_stop(dev);
	result("restart", !rte_dma_start(dev), NULL);
	job = rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[0]),
			   rte_malloc_virt2iova(dst[0]), 64, RTE_DMA_OP_FLAG_SUBMIT);
	result("restart-job-0", job == 0 && reap(1, &last) && last == 0, "job %d", job);
}

/* The WQ unbound under us: what it will not run completes as not attempted. */
static void t_unbound(const char *wq)
{
	enum rte_dma_status_code st[2] = { RTE_DMA_STATUS_SUCCESSFUL,
					   RTE_DMA_STATUS_SUCCESSFUL };
	uint64_t end = rte_rdtsc() + rte_get_tsc_hz();
	FILE *f = fopen("/sys/bus/dsa/drivers/user/unbind", "w");
	uint16_t last, got = 0;
	bool err = false;

	result("unbind", f && fputs(wq, f) >= 0 && !fclose(f), "%s", wq);
	rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[0]),
		     rte_malloc_virt2iova(dst[0]), 64, 0);
	rte_dma_copy(dev, 0, rte_malloc_virt2iova(src[1]),
		     rte_malloc_virt2iova(dst[1]), 64, RTE_DMA_OP_FLAG_SUBMIT);
	/*
	 * Through write() the kernel refuses both at once; through the
	 * portal the disabled WQ drops them and the driver finds them lost.
	 */
	while (!err && rte_rdtsc() < end)
		got = rte_dma_completed(dev, 0, 2, &last, &err);
	result("refused-has-error", got == 0 && err, NULL);
	got = 0;
	while (got < 2 && rte_rdtsc() < end)
		got += rte_dma_completed_status(dev, 0, 2 - got, &last, st + got);
	result("refused-not-attempted", got == 2 &&
	       st[0] == RTE_DMA_STATUS_NOT_ATTEMPTED && st[1] == RTE_DMA_STATUS_NOT_ATTEMPTED,
	       "%u completed, status %d %d", got, st[0], st[1]);
}

static void t_stats(void)
{
	struct rte_dma_stats st = { 0 };
	enum rte_dma_vchan_status vs = RTE_DMA_VCHAN_ACTIVE;
	int rc = rte_dma_stats_get(dev, 0, &st);

	/* called first: result()'s arguments are evaluated in any order */
	result("stats", !rc && st.submitted == st.completed &&
	       st.completed > 1000 && st.errors == faults_made,
	       "submitted %llu completed %llu errors %llu",
	       (unsigned long long)st.submitted, (unsigned long long)st.completed,
	       (unsigned long long)st.errors);
	result("vchan-idle", !rte_dma_vchan_status(dev, 0, &vs) && vs == RTE_DMA_VCHAN_IDLE,
	       NULL);
}

int main(int argc, char **argv)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	struct rte_dma_vchan_conf vc = { .direction = RTE_DMA_DIR_MEM_TO_MEM,
					 .nb_desc = RING };
	int n, i, socket;

	n = rte_eal_init(argc, argv);
	if (n < 0 || argc - n < 2) {
		fprintf(stderr, "usage: dmadev-test [EAL options] -- DMADEV\n");
		return 2;
	}
	result_prefix = "dmadev:";
	va = getenv("IMS_EXPECT_VA") && !strcmp(getenv("IMS_EXPECT_VA"), "1");
	dev = rte_dma_get_dev_id_by_name(argv[n + 1]);
	result("probed", dev >= 0, "%s, submits: %s", argv[n + 1],
	       dev >= 0 ? rte_pmd_idxd_ims_submission(dev) : "-");
	if (dev < 0)
		return 1;
	t_info();
	result("start", !rte_dma_configure(dev, &conf) &&
	       !rte_dma_vchan_setup(dev, 0, &vc) && !rte_dma_start(dev), NULL);
	socket = rte_pmd_idxd_ims_socket(dev);
	result("heap", socket >= 0 && rte_pmd_idxd_ims_socket(dev + 1) == -ENODEV,
	       "socket %d", socket);
	for (i = 0; i < NBUF; i++) {
		src[i] = rte_malloc_socket("t", BUF, 64, socket);
		dst[i] = rte_malloc_socket("t", BUF, 64, socket);
		if (!src[i] || !dst[i]) {
			result("heap-alloc", 0, "buffer %d", i);
			return 1;
		}
	}
	if (argc - n >= 4 && !strcmp(argv[n + 2], "unbind")) {
		t_unbound(argv[n + 3]);
	} else {
		t_copies();
		t_fill();
		t_refusals();
		t_ring_full();
		t_fence();
		t_interrupts();
		t_stats();
		t_restart();
		printf("@@ DMADEV {\"interrupts_requested\":%llu}\n",
		       (unsigned long long)rte_pmd_idxd_ims_interrupts(dev));
	}
	rte_dma_stop(dev);
	/* the heap's memory stays mapped while the application holds any */
	for (i = 1; i < NBUF; i++) {
		rte_free(src[i]);
		rte_free(dst[i]);
	}
	result("close-refused-while-heap-used", rte_dma_close(dev) == -EBUSY, NULL);
	rte_free(src[0]);
	rte_free(dst[0]);
	result("close", !rte_dma_close(dev), NULL);
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
