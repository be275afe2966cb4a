// SPDX-License-Identifier: MIT
/*
 * dsa_wq_test: in-guest tests of a user WQ char device of idxd_ims.
 *
 *   dsa_wq_test /dev/dsa/wqN.M ops       operations through write()
 *   dsa_wq_test /dev/dsa/wqN.M refusals  what write()/mmap/ioctl refuse
 *   dsa_wq_test /dev/dsa/wqN.M full BDF  a full WQ gives EAGAIN
 *   dsa_wq_test /dev/dsa/wqN.M swerr     a bad descriptor reaches SWERR
 *   dsa_wq_test /dev/dsa/wqN.M batch BDF batches through write(), refusals
 *   dsa_wq_test /dev/dsa/wqN.M copy N    N verified copies (smoke)
 *   dsa_wq_test /dev/dsa/wqN.M irq N     N completions, one eventfd wake each
 *   dsa_wq_test /dev/dsa/wqN.M load      the same until SIGINT, with totals
 *   dsa_wq_test /dev/dsa/wqN.M masked CTL WQ  delivery after enable_irq()
 *   dsa_wq_test /dev/dsa/wqN.M masked-flr CTL WQ RESET  ... across an FLR
 *   dsa_wq_test /dev/dsa/wqN.M latency N submit-to-wake-up percentiles
 *
 * Prints "@@ TEST name PASS|FAIL detail" lines; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "../../../uapi/linux/idxd_ims.h"
#include "result.h"

#define BUF_LEN (1u << 20)

static const char *wqpath;

struct wq {
	int fd;
	uint8_t *buf;
	uint64_t iova;
	struct idxd_ims_wq_info info;
};

static int wq_open(struct wq *w)
{
	struct idxd_ims_buffer b = { .argsz = sizeof(b) };

	w->fd = open(wqpath, O_RDWR);
	if (w->fd < 0) {
		perror(wqpath);
		return -1;
	}
	w->info.argsz = sizeof(w->info);
	if (ioctl(w->fd, IDXD_IMS_IOC_WQ_INFO, &w->info)) {
		perror("IDXD_IMS_IOC_WQ_INFO");
		return -1;
	}
	w->buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
		      IDXD_IMS_MMAP_BUFFER);
	if (w->buf == MAP_FAILED) {
		perror("mmap buffer");
		return -1;
	}
	b.uaddr = (uintptr_t)w->buf;
	if (ioctl(w->fd, IDXD_IMS_IOC_BUFFER, &b) || b.len != BUF_LEN) {
		perror("IDXD_IMS_IOC_BUFFER");
		return -1;
	}
	w->iova = b.iova;
	return 0;
}

static uint64_t iova(struct wq *w, void *p)
{
	return w->iova + ((uint8_t *)p - w->buf);
}

/* Layout in the buffer: records at 0 (32 x 32 B), data from 64 KiB. */
static struct idxd_ims_completion *cr(struct wq *w, int n)
{
	return (struct idxd_ims_completion *)(w->buf + n * 32);
}

static uint8_t *data(struct wq *w, int n)
{
	return w->buf + 65536 + (size_t)n * 131072;
}

static void desc_init(struct wq *w, struct idxd_ims_desc *d, uint8_t op,
		      uint32_t flags, int crn)
{
	memset(d, 0, sizeof(*d));
	d->flags_opcode = ((uint32_t)op << 24) | flags | IDXD_IMS_F_CRAV |
			  IDXD_IMS_F_RCR;
	d->completion_addr = iova(w, cr(w, crn));
	memset(cr(w, crn), 0, 32);
}

static int wait_cr(struct wq *w, int n)
{
	volatile uint8_t *st = &cr(w, n)->status;
	struct timespec t = { 0, 100000 };
	int i;

	for (i = 0; i < 20000 && !*st; i++)
		nanosleep(&t, NULL);
	return *st;
}

static int submit(struct wq *w, const struct idxd_ims_desc *d)
{
	ssize_t n = write(w->fd, d, sizeof(*d));

	return n == sizeof(*d) ? 0 : -errno;
}

static uint32_t crc32c_ref(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return crc;
}

static void fill_random(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = rand();
}

static void test_ops(struct wq *w)
{
	struct idxd_ims_desc d;
	uint8_t *a = data(w, 0), *b = data(w, 1);
	uint32_t sizes[] = { 1, 64, 4096 + 33, 65536 }, crc;
	int st, ok = 1;

	for (unsigned int i = 0; i < 4; i++) {
		fill_random(a, sizes[i]);
		memset(b, 0, sizes[i] + 16);
		desc_init(w, &d, IDXD_IMS_OP_MEMMOVE, 0, 0);
		d.src = iova(w, a);
		d.dst = iova(w, b);
		d.size = sizes[i];
		if (submit(w, &d) || (st = wait_cr(w, 0)) != 1 ||
		    memcmp(a, b, sizes[i]) || b[sizes[i]])
			ok = 0;
	}
	result("memmove", ok, "sizes 1..65536 via write()");

	desc_init(w, &d, IDXD_IMS_OP_MEMFILL, 0, 0);
	d.src = 0x1122334455667788ull;
	d.dst = iova(w, b);
	d.size = 1000;
	memset(b, 0, 1024);
	st = submit(w, &d) ? -1 : wait_cr(w, 0);
	ok = st == 1 && b[0] == 0x88 && b[7] == 0x11 && b[999] == 0x11 &&
	     b[1000] == 0;
	result("memfill", ok, "status %d", st);

	fill_random(a, 8192);
	memcpy(b, a, 8192);
	b[5000] ^= 1;
	desc_init(w, &d, IDXD_IMS_OP_COMPARE, 0, 0);
	d.src = iova(w, a);
	d.dst = iova(w, b);
	d.size = 8192;
	st = submit(w, &d) ? -1 : wait_cr(w, 0);
	ok = st == 1 && cr(w, 0)->result == 1 && cr(w, 0)->bytes_completed == 5000;
	result("compare", ok, "status %d result %d at %u", st, cr(w, 0)->result,
	       cr(w, 0)->bytes_completed);

	fill_random(a, 30000);
	crc = ~crc32c_ref(~0u, a, 30000);	/* seed 0: standard CRC-32C */
	desc_init(w, &d, IDXD_IMS_OP_CRCGEN, 0, 0);
	d.src = iova(w, a);
	d.size = 30000;
	memset(d.op, 0, 4);
	st = submit(w, &d) ? -1 : wait_cr(w, 0);
	ok = st == 1 && (uint32_t)cr(w, 0)->op[0] == crc;
	result("crcgen", ok, "status %d crc %#x want %#x", st,
	       (uint32_t)cr(w, 0)->op[0], crc);

	/* Several descriptors in one write() */
	struct idxd_ims_desc many[8];

	for (int i = 0; i < 8; i++) {
		desc_init(w, &many[i], IDXD_IMS_OP_MEMFILL, 0, i + 1);
		many[i].src = 0x0101010101010101ull * (i + 1);
		many[i].dst = iova(w, data(w, 2) + i * 256);
		many[i].size = 256;
	}
	ok = write(w->fd, many, sizeof(many)) == sizeof(many);
	for (int i = 0; ok && i < 8; i++)
		ok = wait_cr(w, i + 1) == 1 && data(w, 2)[i * 256 + 255] == i + 1;
	result("write-batch-of-8", ok, NULL);
}

static void expect_errno(struct wq *w, const char *name, struct idxd_ims_desc *d,
			 int want)
{
	int rc = submit(w, d);

	result(name, rc == -want, "write gave %d (%s), want -%d", rc,
	       rc ? strerror(-rc) : "ok", want);
}

static void test_refusals(struct wq *w)
{
	struct idxd_ims_desc d, good;
	uint8_t *a = data(w, 0), *b = data(w, 1);
	void *p;
	int rc;

	desc_init(w, &good, IDXD_IMS_OP_MEMMOVE, 0, 0);
	good.src = iova(w, a);
	good.dst = iova(w, b);
	good.size = 4096;

	d = good;
	d.pasid_priv = IDXD_IMS_DESC_PRIV;
	expect_errno(w, "refuse-priv", &d, EINVAL);
	d = good;
	d.pasid_priv = 5;
	expect_errno(w, "refuse-pasid", &d, EINVAL);
	d = good;
	d.src = w->iova + BUF_LEN - 100;	/* runs past the buffer */
	expect_errno(w, "refuse-src-outside", &d, EFAULT);
	d = good;
	d.dst = 0x1000;
	expect_errno(w, "refuse-dst-outside", &d, EFAULT);
	d = good;
	d.completion_addr = 0x2000;
	expect_errno(w, "refuse-cr-outside", &d, EFAULT);
	d = good;
	d.src = UINT64_MAX - 10;
	expect_errno(w, "refuse-wrapping", &d, EFAULT);
	d = good;
	d.flags_opcode |= 1u << 16;		/* e.g. "read CRC seed from memory" */
	expect_errno(w, "refuse-op-specific-flags", &d, EINVAL);
	d = good;
	d.op[5] = 1;				/* MEMMOVE uses no operation bytes */
	expect_errno(w, "refuse-unused-op-bytes", &d, EINVAL);
	d = good;
	d.flags_opcode = (0x7fu << 24) | IDXD_IMS_F_CRAV;
	expect_errno(w, "refuse-unknown-op", &d, EOPNOTSUPP);

	rc = write(w->fd, &good, 63);
	result("refuse-short-write", rc < 0 && errno == EINVAL, "rc %d", rc);
	{
		/* a page that is mapped, then not: the kernel must not trust it */
		void *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		munmap(gone, 4096);
		rc = write(w->fd, gone, 64);
	}
	result("refuse-bad-pointer", rc < 0 && errno == EFAULT, "rc %d", rc);
	rc = ioctl(w->fd, _IO(IDXD_IMS_IOC_MAGIC, 0x7f), 0);
	result("refuse-bad-ioctl", rc < 0 && errno == ENOTTY, "rc %d", rc);
	{
		struct idxd_ims_buffer bq = { .argsz = 4 };

		rc = ioctl(w->fd, IDXD_IMS_IOC_BUFFER, &bq);
		result("refuse-short-argsz", rc < 0 && errno == EINVAL, "rc %d", rc);
		bq = (struct idxd_ims_buffer){ .argsz = sizeof(bq), .uaddr = 4096 };
		rc = ioctl(w->fd, IDXD_IMS_IOC_BUFFER, &bq);
		result("refuse-unknown-buffer", rc < 0 && errno == ENOENT, "rc %d", rc);
	}
	p = mmap(NULL, 8u << 20, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
		 IDXD_IMS_MMAP_BUFFER);
	result("refuse-huge-buffer", p == MAP_FAILED && errno == EINVAL, NULL);
	p = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, w->fd, 12345 * 4096);
	result("refuse-bad-offset", p == MAP_FAILED && errno == EINVAL, NULL);
	p = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, w->fd, 0);
	result("portal-mmap-root", p != MAP_FAILED, "%s",
	       p == MAP_FAILED ? strerror(errno) : "");

	/* After all that the WQ still works. */
	d = good;
	fill_random(a, 4096);
	memset(b, 0, 4096);
	rc = submit(w, &d);
	result("works-after-refusals", !rc && wait_cr(w, 0) == 1 &&
	       !memcmp(a, b, 4096), "rc %d", rc);
}

/* The model's test page, through tests/kmod/emu_poke.ko. */
static int emu(const char *bdf, const char *op)
{
	FILE *f = fopen("/sys/kernel/debug/emu_poke/ctl", "w");
	int rc;

	if (!f)
		return -1;
	rc = fprintf(f, "%s %s\n", bdf, op) < 0;
	return fclose(f) || rc ? -1 : 0;
}

static void test_full(struct wq *w, const char *bdf)
{
	struct idxd_ims_desc d;
	unsigned int i, n = w->info.wq_size;
	int rc = 0, ok = 1;

	if (emu(bdf, "pause")) {		/* descriptors queue up */
		result("full", 0, "cannot pause %s (emu_poke loaded?)", bdf);
		return;
	}
	for (i = 0; i < n && !rc; i++) {
		desc_init(w, &d, IDXD_IMS_OP_NOOP, 0, i);
		rc = submit(w, &d);
	}
	result("full-accepts-size", !rc && i == n, "%u of %u accepted, rc %d", i, n, rc);
	desc_init(w, &d, IDXD_IMS_OP_NOOP, 0, n);
	rc = submit(w, &d);
	result("full-gives-eagain", rc == -EAGAIN, "rc %d", rc);
	emu(bdf, "resume");
	for (i = 0; i < n; i++)
		ok &= wait_cr(w, i) == 1;
	result("full-all-complete", ok && cr(w, n)->status == 0, NULL);
	rc = submit(w, &d);
	result("full-accepts-again", !rc && wait_cr(w, n) == 1, "rc %d", rc);
}

/* Batch list at data(6); member i copies 512 bytes at a + i*512 to b. */
static void batch_build(struct wq *w, struct idxd_ims_desc *bd, int n,
			uint8_t *a, uint8_t *b)
{
	struct idxd_ims_desc *list = (struct idxd_ims_desc *)data(w, 6);

	for (int i = 0; i < n; i++) {
		desc_init(w, &list[i], IDXD_IMS_OP_MEMMOVE, 0, i + 1);
		list[i].src = iova(w, a + i * 512);
		list[i].dst = iova(w, b + i * 512);
		list[i].size = 512;
	}
	desc_init(w, bd, IDXD_IMS_OP_BATCH, 0, 0);
	bd->src = iova(w, list);
	bd->size = n;
}

static int batch_ran(struct wq *w, int n, uint8_t *a, uint8_t *b)
{
	int ok = wait_cr(w, 0) == 1 && !memcmp(a, b, n * 512);

	for (int i = 0; ok && i < n; i++)
		ok = cr(w, i + 1)->status == 1;
	return ok;
}

static void test_batch_refusals(struct wq *w, uint8_t *a, uint8_t *b)
{
	struct idxd_ims_desc bd, *list = (struct idxd_ims_desc *)data(w, 6);

	batch_build(w, &bd, 4, a, b);
	bd.size = 1;
	expect_errno(w, "batch-refuse-count-1", &bd, EINVAL);
	bd.size = w->info.max_batch + 1;
	expect_errno(w, "batch-refuse-count-over-max", &bd, EINVAL);
	bd.size = 4;
	bd.src += 32;
	expect_errno(w, "batch-refuse-misaligned-list", &bd, EINVAL);
	bd.src = 0x10000;
	expect_errno(w, "batch-refuse-list-outside", &bd, EFAULT);
	bd.src = w->iova + BUF_LEN - 128;	/* 4 entries run past the end */
	expect_errno(w, "batch-refuse-list-past-end", &bd, EFAULT);
	batch_build(w, &bd, 4, a, b);
	list[2].pasid_priv = 7;
	expect_errno(w, "batch-refuse-member-pasid", &bd, EINVAL);
	batch_build(w, &bd, 4, a, b);
	list[1].pasid_priv = IDXD_IMS_DESC_PRIV;
	expect_errno(w, "batch-refuse-member-priv", &bd, EINVAL);
	batch_build(w, &bd, 4, a, b);
	list[3].dst = 0x3000;
	expect_errno(w, "batch-refuse-member-outside", &bd, EFAULT);
	batch_build(w, &bd, 4, a, b);
	list[0] = bd;				/* a batch inside the batch */
	expect_errno(w, "batch-refuse-nested", &bd, EINVAL);
	batch_build(w, &bd, 4, a, b);
	list[0].flags_opcode = (IDXD_IMS_OP_DRAIN << 24) | IDXD_IMS_F_CRAV;
	expect_errno(w, "batch-refuse-member-drain", &bd, EINVAL);
	/* nothing refused reached the device or spoiled the next batch */
	memset(b, 0, 4 * 512);
	batch_build(w, &bd, 4, a, b);
	result("batch-after-refusals", !submit(w, &bd) && batch_ran(w, 4, a, b),
	       NULL);
}

static void test_batch(struct wq *w, const char *bdf)
{
	struct idxd_ims_desc bd, *list = (struct idxd_ims_desc *)data(w, 6);
	uint8_t *a = data(w, 0), *b = data(w, 1), *c = data(w, 2);
	int rc, ok = 1, i;

	fill_random(a, 16 * 512);
	memset(b, 0, 16 * 512);
	batch_build(w, &bd, 8, a, b);
	rc = submit(w, &bd);
	ok = !rc && batch_ran(w, 8, a, b);
	result("batch-copies", ok, "rc %d status %d", rc, cr(w, 0)->status);
	ok = 1;

	/* 16-entry lists, 200 times: the kernel's 1023-entry ring wraps */
	for (i = 0; i < 200 && ok; i++) {
		a[0] = i;
		b[0] = ~i;
		batch_build(w, &bd, 16, a, b);
		ok = !submit(w, &bd) && batch_ran(w, 16, a, b);
	}
	result("batch-ring-wraps", ok, "%d batches of 16", i);

	/* Rewriting the list after write() must not reach the device. */
	memset(b, 0, 1024);
	memset(c, 0, 1024);
	batch_build(w, &bd, 2, a, b);
	if (emu(bdf, "pause")) {
		result("batch-list-snapshot", 0, "cannot pause %s", bdf);
	} else {
		rc = submit(w, &bd);
		list[0].dst = iova(w, c);
		list[1].dst = iova(w, c + 512);
		emu(bdf, "resume");
		ok = !rc && batch_ran(w, 2, a, b);
		for (i = 0; i < 1024; i++)
			ok &= c[i] == 0;
		result("batch-list-snapshot", ok,
		       "the device ran the list as written at submission");
	}
	/* the largest batch the WQ reports is accepted: NOOPs, each recorded */
	{
		uint32_t n = w->info.max_batch;

		for (uint32_t k = 0; k < n; k++)
			desc_init(w, &list[k], IDXD_IMS_OP_NOOP, 0, k + 1);
		desc_init(w, &bd, IDXD_IMS_OP_BATCH, 0, 0);
		bd.src = iova(w, list);
		bd.size = n;
		rc = submit(w, &bd);
		ok = !rc && wait_cr(w, 0) == 1;
		for (uint32_t k = 0; ok && k < n; k++)
			ok = cr(w, k + 1)->status == 1;
		result("batch-max-size", ok, "%u members, rc %d", n, rc);
	}
	test_batch_refusals(w, a, b);
}

static void test_swerr(struct wq *w)
{
	struct idxd_ims_desc d;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	int rc;

	rc = poll(&pfd, 1, 0);
	result("swerr-quiet-before", rc == 0, "poll %d revents %#x", rc, pfd.revents);
	/* reserved flag bit, no completion record: only SWERR can tell */
	memset(&d, 0, sizeof(d));
	d.flags_opcode = (IDXD_IMS_OP_NOOP << 24) | 0x40;
	rc = submit(w, &d);
	pfd.revents = 0;
	rc = rc ? rc : poll(&pfd, 1, 5000);
	result("swerr-poll-wakes", rc == 1 && (pfd.revents & POLLIN), "rc %d revents %#x",
	       rc, pfd.revents);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* read an eventfd with a timeout: the count, 0 on timeout (signals retry) */
static uint64_t efd_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	long end = now_ms() + ms;
	uint64_t v = 0;
	int rc;

	do {
		rc = poll(&p, 1, end - now_ms() > 0 ? end - now_ms() : 0);
	} while (rc < 0 && errno == EINTR);
	if (rc != 1 || read(efd, &v, 8) != 8)
		return 0;
	return v;
}

static void test_irq(struct wq *w, int n)
{
	struct idxd_ims_eventfd req = { .argsz = sizeof(req) };
	struct idxd_ims_wq_info info = { .argsz = sizeof(info) };
	struct idxd_ims_desc d;
	uint64_t before, got;
	int efd = eventfd(0, EFD_NONBLOCK), ok = 1, i;

	result("irq-mode", w->info.irq >= 0 && w->info.irq_mode != IDXD_IMS_IRQ_NONE,
	       "mode %u irq %d slot %d handle %#x", w->info.irq_mode, w->info.irq,
	       w->info.ims_slot, w->info.int_handle);
	req.fd = efd;
	result("irq-set-eventfd", !ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req),
	       "%s", strerror(errno));
	ioctl(w->fd, IDXD_IMS_IOC_WQ_INFO, &info);
	before = info.irq_count;
	for (i = 0; i < n && ok; i++) {
		fill_random(data(w, 0), 512);
		desc_init(w, &d, IDXD_IMS_OP_MEMMOVE, IDXD_IMS_F_RCI, 0);
		d.src = iova(w, data(w, 0));
		d.dst = iova(w, data(w, 1));
		d.size = 512;
		d.int_handle = 0xbeef;		/* the kernel puts the WQ's own */
		if (submit(w, &d)) {
			ok = 0;
			break;
		}
		got = efd_wait(efd, 5000);
		ok = got == 1 && cr(w, 0)->status == 1 &&
		     !memcmp(data(w, 0), data(w, 1), 512);
		if (!ok)
			fprintf(stderr, "completion %d: eventfd count %llu, status %#x\n",
				i, (unsigned long long)got, cr(w, 0)->status);
	}
	result("irq-one-per-completion", ok, "%d completions", i);
	ioctl(w->fd, IDXD_IMS_IOC_WQ_INFO, &info);
	result("irq-count", info.irq_count - before == (uint64_t)n,
	       "WQ counted %llu interrupts for %d completions",
	       (unsigned long long)(info.irq_count - before), n);

	/* no RCI, no interrupt */
	desc_init(w, &d, IDXD_IMS_OP_NOOP, 0, 0);
	ok = !submit(w, &d) && wait_cr(w, 0) == 1;
	result("irq-none-without-rci", ok && efd_wait(efd, 200) == 0, NULL);

	/* an eventfd stops when replaced by -1 */
	req.fd = -1;
	ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req);
	desc_init(w, &d, IDXD_IMS_OP_NOOP, IDXD_IMS_F_RCI, 0);
	ok = !submit(w, &d) && wait_cr(w, 0) == 1;
	result("irq-eventfd-removed", ok && efd_wait(efd, 200) == 0, NULL);
	req.fd = 12345;
	result("irq-bad-eventfd", ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req) < 0 &&
	       errno == EBADF, NULL);
	req.fd = 0;
	req.flags = 1;
	result("irq-bad-flags", ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req) < 0 &&
	       errno == EINVAL, NULL);
	close(efd);
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -1;
	rc = fputs(s, f) < 0;
	return fclose(f) || rc ? -1 : 0;
}

/* "WQ enable|disable" to the debugfs irq_ctl file */
static int irq_ctl(const char *ctl, const char *wqname, const char *op)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "%s %s", wqname, op);
	return write_str(ctl, cmd);
}

/*
 * Register an eventfd, disable the WQ's irq and complete a NOOP with RCI:
 * its interrupt is then pending, not delivered (PREFIX-completes,
 * PREFIX-no-wake).  Return: the eventfd.
 */
static int pend_one(struct wq *w, const char *ctl, const char *wqname,
		    const char *prefix)
{
	struct idxd_ims_eventfd req = { .argsz = sizeof(req) };
	struct idxd_ims_desc d;
	char name[64];
	int efd = eventfd(0, EFD_NONBLOCK), rc;

	req.fd = efd;
	ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req);
	rc = irq_ctl(ctl, wqname, "disable");
	desc_init(w, &d, IDXD_IMS_OP_NOOP, IDXD_IMS_F_RCI, 0);
	rc = rc ?: submit(w, &d);
	snprintf(name, sizeof(name), "%s-completes", prefix);
	result(name, !rc && wait_cr(w, 0) == 1, "%s", ctl);
	snprintf(name, sizeof(name), "%s-no-wake", prefix);
	result(name, efd_wait(efd, 300) == 0, NULL);
	return efd;
}

/* With the WQ's irq disabled a completion interrupt waits; enable delivers it. */
static void test_masked(struct wq *w, const char *ctl, const char *wqname)
{
	int efd = pend_one(w, ctl, wqname, "masked");

	irq_ctl(ctl, wqname, "enable");
	result("masked-delivered-on-enable", efd_wait(efd, 3000) == 1, NULL);
	result("masked-only-once", efd_wait(efd, 300) == 0, NULL);
	close(efd);
}

/*
 * An interrupt pending (irq disabled) across a function-level reset is
 * still delivered once on enable, and the WQ works after: none lost.
 */
static void test_masked_flr(struct wq *w, const char *ctl, const char *wqname,
			    const char *reset)
{
	int efd = pend_one(w, ctl, wqname, "flr-pending"), rc;
	struct idxd_ims_desc d;

	result("flr-with-pending", !write_str(reset, "1"), "%s", reset);
	irq_ctl(ctl, wqname, "enable");
	result("flr-pending-delivered", efd_wait(efd, 3000) == 1, NULL);
	result("flr-pending-only-once", efd_wait(efd, 300) == 0, NULL);
	desc_init(w, &d, IDXD_IMS_OP_NOOP, IDXD_IMS_F_RCI, 0);
	rc = submit(w, &d);
	result("flr-after-one-wake", !rc && efd_wait(efd, 3000) == 1 && wait_cr(w, 0) == 1,
	       NULL);
	close(efd);
}

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Until SIGINT: one RCI copy in flight, each must wake the eventfd exactly
 * once within 5 s.  Prints "completions: N" and "mismatches: M".
 */
static void test_load(struct wq *w)
{
	struct idxd_ims_eventfd req = { .argsz = sizeof(req) };
	struct idxd_ims_desc d;
	unsigned long done = 0, bad = 0;
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t got;

	signal(SIGINT, on_sigint);
	req.fd = efd;
	if (ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req)) {
		result("load", 0, "SET_EVENTFD: %s", strerror(errno));
		return;
	}
	fill_random(data(w, 0), 256);
	while (!stop) {
		desc_init(w, &d, IDXD_IMS_OP_MEMMOVE, IDXD_IMS_F_RCI, 0);
		d.src = iova(w, data(w, 0));
		d.dst = iova(w, data(w, 1));
		d.size = 256;
		if (submit(w, &d)) {
			bad++;
			break;
		}
		got = efd_wait(efd, 5000);
		if (got != 1 || wait_cr(w, 0) != 1) {
			fprintf(stderr, "completion %lu: eventfd count %llu, status %#x\n",
				done, (unsigned long long)got, cr(w, 0)->status);
			bad++;
		}
		done++;
	}
	/* an interrupt that was still coming would show up here */
	got = efd_wait(efd, 100);
	if (got)
		bad++;
	printf("completions: %lu\nmismatches: %lu\n", done, bad);
	result("load", !bad && done, "%lu completions, %lu mismatches", done, bad);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* n copies one at a time: submit to eventfd wake-up, percentiles in us */
static void test_latency(struct wq *w, int n)
{
	struct idxd_ims_eventfd req = { .argsz = sizeof(req) };
	struct idxd_ims_desc d;
	struct timespec a, b;
	double *us = calloc(n, sizeof(*us));
	int efd = eventfd(0, 0), i, ok = 1;

	req.fd = efd;
	if (!us || ioctl(w->fd, IDXD_IMS_IOC_SET_EVENTFD, &req)) {
		result("latency", 0, "setup: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n && ok; i++) {
		desc_init(w, &d, IDXD_IMS_OP_MEMMOVE, IDXD_IMS_F_RCI, 0);
		d.src = iova(w, data(w, 0));
		d.dst = iova(w, data(w, 1));
		d.size = 4096;
		clock_gettime(CLOCK_MONOTONIC, &a);
		ok = !submit(w, &d) && efd_wait(efd, 5000) == 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(us, i, sizeof(*us), cmp_double);
	if (ok)
		printf("%d x 4 KiB copies with IMS completion interrupts: p50 %.0f us, p99 %.0f us, max %.0f us\n",
		       n, us[n / 2], us[n * 99 / 100], us[n - 1]);
	result("latency", ok, NULL);
	free(us);
	close(efd);
}

static void test_copy(struct wq *w, int n)
{
	struct idxd_ims_desc d;
	int ok = 1;

	for (int i = 0; i < n && ok; i++) {
		fill_random(data(w, 0), 3000);
		desc_init(w, &d, IDXD_IMS_OP_MEMMOVE, 0, 0);
		d.src = iova(w, data(w, 0));
		d.dst = iova(w, data(w, 1));
		d.size = 3000;
		ok = !submit(w, &d) && wait_cr(w, 0) == 1 &&
		     !memcmp(data(w, 0), data(w, 1), 3000);
	}
	result("copy", ok, "%d copies", n);
}

int main(int argc, char **argv)
{
	struct wq w;

	result_prefix = "drv:";
	if (argc < 3) {
		fprintf(stderr, "usage: %s /dev/dsa/wqN.M ops|refusals|full BDF|swerr|copy N\n",
			argv[0]);
		return 2;
	}
	wqpath = argv[1];
	srand(42);
	if (wq_open(&w)) {
		result(argv[2], 0, "cannot open %s", wqpath);
		return 1;
	}
	if (!strcmp(argv[2], "ops"))
		test_ops(&w);
	else if (!strcmp(argv[2], "refusals"))
		test_refusals(&w);
	else if (!strcmp(argv[2], "full") && argc > 3)
		test_full(&w, argv[3]);
	else if (!strcmp(argv[2], "swerr"))
		test_swerr(&w);
	else if (!strcmp(argv[2], "batch") && argc > 3)
		test_batch(&w, argv[3]);
	else if (!strcmp(argv[2], "masked") && argc > 4)
		test_masked(&w, argv[3], argv[4]);
	else if (!strcmp(argv[2], "masked-flr") && argc > 5)
		test_masked_flr(&w, argv[3], argv[4], argv[5]);
	else if (!strcmp(argv[2], "latency"))
		test_latency(&w, argc > 3 ? atoi(argv[3]) : 1000);
	else if (!strcmp(argv[2], "load"))
		test_load(&w);
	else if (!strcmp(argv[2], "irq"))
		test_irq(&w, argc > 3 ? atoi(argv[3]) : 100);
	else if (!strcmp(argv[2], "copy"))
		test_copy(&w, argc > 3 ? atoi(argv[3]) : 10);
	else
		return 2;
	return failures ? 1 : 0;
}
