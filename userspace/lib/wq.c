// SPDX-License-Identifier: MIT
/*
 * libidxdims: work-queue files, DMA buffers, submission and completion.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>
#include "idxd_ims_lib.h"
#include "wq_priv.h"

bool ims_cpu_has_movdir64b(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return c & (1u << 28);
}

/*
 * Map the portal only where it can be used: the CPU has MOVDIR64B and the
 * driver allows it (without PASID it needs CAP_SYS_RAWIO).  Else write().
 */
static void ims_map_portal(struct ims_wq *wq)
{
	void *p;

	if (!ims_cpu_has_movdir64b() || getenv("IMS_FORCE_WRITE"))
		return;
	p = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, wq->fd, 0);
	if (p != MAP_FAILED)
		wq->portal = p;
}

int ims_wq_open(const char *path, struct ims_wq **out)
{
	struct idxd_ims_eventfd req = { .argsz = sizeof(req) };
	struct ims_wq *wq;
	int err;

	wq = calloc(1, sizeof(*wq));
	if (!wq)
		return -ENOMEM;
	wq->efd = -1;
	wq->fd = open(path, O_RDWR | O_CLOEXEC);
	if (wq->fd < 0) {
		err = -errno;
		free(wq);
		return err;
	}
	wq->info.argsz = sizeof(wq->info);
	if (ioctl(wq->fd, IDXD_IMS_IOC_WQ_INFO, &wq->info)) {
		err = -errno;
		goto err_close;
	}
	if (wq->info.irq >= 0) {
		wq->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		req.fd = wq->efd;
		if (wq->efd < 0 || ioctl(wq->fd, IDXD_IMS_IOC_SET_EVENTFD, &req)) {
			err = -errno;
			goto err_close;
		}
	}
	ims_map_portal(wq);
	/* a page of the library's own: the record of ims_wq_settle()'s DRAIN */
	wq->settle_cr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
			     wq->fd, IDXD_IMS_MMAP_BUFFER);
	if (wq->settle_cr == MAP_FAILED) {
		wq->settle_cr = NULL;
	} else {
		struct idxd_ims_buffer b = { .argsz = sizeof(b),
					     .uaddr = (uintptr_t)wq->settle_cr };

		if (ioctl(wq->fd, IDXD_IMS_IOC_BUFFER, &b)) {
			munmap(wq->settle_cr, 4096);
			wq->settle_cr = NULL;
		}
		wq->settle_iova = b.iova;
	}
	*out = wq;
	return 0;

err_close:
	if (wq->efd >= 0)
		close(wq->efd);
	close(wq->fd);
	free(wq);
	return err;
}

void ims_wq_close(struct ims_wq *wq)
{
	int i;

	if (!wq)
		return;
	for (i = 0; i < wq->nbufs; i++)
		munmap(wq->bufs[i].p, wq->bufs[i].len);
	if (wq->portal)
		munmap(wq->portal, 4096);
	if (wq->settle_cr)
		munmap(wq->settle_cr, 4096);
	if (wq->efd >= 0)
		close(wq->efd);
	close(wq->fd);
	free(wq);
}

const struct idxd_ims_wq_info *ims_wq_info(const struct ims_wq *wq)
{
	return &wq->info;
}

int ims_wq_eventfd(const struct ims_wq *wq)
{
	return wq->efd;
}

bool ims_wq_uses_movdir64b(const struct ims_wq *wq)
{
	return wq->portal;
}

/*
 * The WQ file reports POLLERR once the WQ is gone or the device is dead,
 * and POLLPRI once (per file) after a device reset lost what it held.
 */
static bool ims_fd_broken(short revents)
{
	return revents & (POLLERR | POLLHUP | POLLNVAL);
}

static int ims_post(struct ims_wq *wq, const struct idxd_ims_desc *d);

/*
 * After a reset: work submitted before it was noticed may have gone in
 * after it, and still complete.  A DRAIN completes only after every
 * earlier descriptor of the WQ, so once its record is written whatever
 * has no record never will: only then may ims_wait() say -EIO.
 */
static void ims_wq_settle(struct ims_wq *wq)
{
	volatile uint8_t *st;
	struct idxd_ims_desc d;
	int tries = 0, rc;

	if (!wq->settle_cr)
		return;
	st = &wq->settle_cr->status;
	*st = 0;
	ims_desc_drain(&d, wq->settle_iova, 0);
	while ((rc = ims_post(wq, &d)) == -EAGAIN && tries++ < 1000)
		usleep(1000);
	if (!rc)
		ims_poll(wq->settle_cr, 1000);
}

/*
 * Why a record not yet written never will be: -ENXIO, -EIO, or 0.  A
 * reset (POLLPRI, until WQ_INFO is asked again) may also have brought
 * the WQ's vector another interrupt handle, which portal submissions
 * carry: ask for it again, then let what was submitted meanwhile land.
 */
static int ims_wq_fate(struct ims_wq *wq, short revents)
{
	if (revents & POLLPRI) {
		wq->info.argsz = sizeof(wq->info);
		ioctl(wq->fd, IDXD_IMS_IOC_WQ_INFO, &wq->info);
		ims_wq_settle(wq);
		wq->lost = true;	/* until the next submission */
	}
	if (ims_fd_broken(revents))
		return -ENXIO;
	return wq->lost ? -EIO : 0;
}

static int ims_wq_check(struct ims_wq *wq)
{
	struct pollfd p = { .fd = wq->fd, .events = POLLPRI };

	if (poll(&p, 1, 0) != 1)
		p.revents = 0;
	return ims_wq_fate(wq, p.revents);
}

bool ims_wq_broken(const struct ims_wq *wq)
{
	struct pollfd p = { .fd = wq->fd, .events = 0 };

	return poll(&p, 1, 0) == 1 && ims_fd_broken(p.revents);
}

void *ims_buf_alloc(struct ims_wq *wq, size_t len, uint64_t *iova)
{
	struct idxd_ims_buffer b = { .argsz = sizeof(b) };
	void *p;

	len = (len + 4095) & ~(size_t)4095;
	if (!len || wq->nbufs == IMS_MAX_BUFS) {
		errno = wq->nbufs == IMS_MAX_BUFS ? ENOMEM : EINVAL;
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, wq->fd,
		 IDXD_IMS_MMAP_BUFFER);
	if (p == MAP_FAILED)
		return NULL;
	b.uaddr = (uintptr_t)p;
	if (ioctl(wq->fd, IDXD_IMS_IOC_BUFFER, &b)) {
		munmap(p, len);
		return NULL;
	}
	wq->bufs[wq->nbufs++] = (struct ims_buf){ p, len, b.iova };
	if (iova)
		*iova = b.iova;
	return p;
}

int ims_buf_iova(struct ims_wq *wq, const void *p, uint64_t *iova)
{
	const char *c = p;
	int i;

	for (i = 0; i < wq->nbufs; i++) {
		const char *base = wq->bufs[i].p;

		if (c >= base && c < base + wq->bufs[i].len) {
			*iova = wq->bufs[i].iova + (uint64_t)(c - base);
			return 0;
		}
	}
	return -ENOENT;
}

static void ims_movdir64b(void *dst, const void *src)
{
	/* movdir64b (%rdx), %rax: older assemblers lack the mnemonic */
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 : : "a" (dst), "d" (src) : "memory");
}

int ims_submit(struct ims_wq *wq, const struct idxd_ims_desc *d)
{
	wq->lost = false;		/* new work: what was lost is known */
	return ims_post(wq, d);
}

static int ims_post(struct ims_wq *wq, const struct idxd_ims_desc *d)
{
	struct idxd_ims_desc copy = *d;

	if (wq->portal) {
		/*
		 * Direct submission: the kernel does not see it, so put the
		 * WQ's own interrupt handle in an RCI descriptor here.
		 */
		if ((copy.flags_opcode & IDXD_IMS_F_RCI))
			copy.int_handle = wq->info.int_handle;
		/* MOVDIR64B is weakly ordered: records and lists first */
		__asm__ volatile("sfence" ::: "memory");
		ims_movdir64b(wq->portal, &copy);
		return 0;
	}
	if (write(wq->fd, &copy, sizeof(copy)) == sizeof(copy))
		return 0;
	return -errno;
}

static long ims_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

int ims_poll(const struct idxd_ims_completion *c, int timeout_ms)
{
	const volatile uint8_t *st = &c->status;
	long end = ims_now_ms() + timeout_ms;

	while (!*st) {
		if (ims_now_ms() > end)
			return -ETIMEDOUT;
		__builtin_ia32_pause();
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return 0;
}

int ims_wait(struct ims_wq *wq, const struct idxd_ims_completion *c,
	     int timeout_ms)
{
	const volatile uint8_t *st = &c->status;
	struct pollfd p[2] = {
		{ .fd = wq->efd, .events = POLLIN },
		{ .fd = wq->fd, .events = POLLPRI },	/* lost; POLLERR: gone */
	};
	long end = ims_now_ms() + timeout_ms;
	uint64_t n;

	if (wq->efd < 0) {
		/* no interrupt to sleep on: spin, asking now and then */
		for (;;) {
			long left = end - ims_now_ms();
			int rc = ims_poll(c, left < 10 ? (int)(left > 0 ? left : 0) : 10);

			if (rc != -ETIMEDOUT)
				return rc;
			rc = ims_wq_check(wq);
			if (rc)
				return *st ? 0 : rc;
			if (left <= 0)
				return -ETIMEDOUT;
		}
	}
	/*
	 * Sleep on the WQ's interrupt; any completion wakes us, so re-check.
	 * A WQ that went away, or a device reset, wakes us too: the record
	 * will never come.
	 */
	if (wq->lost && !*st)
		return -EIO;
	while (!*st) {
		long left = end - ims_now_ms();
		int fate;

		if (left < 0)
			return -ETIMEDOUT;
		if (poll(p, 2, left) < 0 && errno != EINTR)
			return -errno;
		fate = ims_wq_fate(wq, p[1].revents);
		if (fate && !*st)
			return fate;
		if (read(wq->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			return -errno;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return 0;
}

int ims_wait_irq(struct ims_wq *wq, int timeout_ms)
{
	struct pollfd p = { .fd = wq->efd, .events = POLLIN };
	long end = ims_now_ms() + timeout_ms, left;
	uint64_t n;

	if (wq->efd < 0)
		return -ENODEV;
	for (;;) {
		if (read(wq->efd, &n, sizeof(n)) == sizeof(n))
			return n > INT32_MAX ? INT32_MAX : (int)n;
		if (errno != EAGAIN)
			return -errno;
		left = end - ims_now_ms();
		if (left < 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -errno;
	}
}
