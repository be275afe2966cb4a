// SPDX-License-Identifier: MIT
/*
 * reset_lost: work in flight across a device reset, seen from user space.
 *
 *   reset_lost /dev/dsa/wqN.M BDF halt|flr
 *
 * Holds two copies on the device (the model's pause control, through
 * tests/kmod/emu_poke), resets the device (a halt the driver recovers
 * from, or an FLR through sysfs), and checks what a user of the WQ file
 * must see: the library's ims_wait() says -EIO for both records (the
 * first when the reset wakes it, the second at once), the kernel reports
 * the loss on a second file too (EPOLLPRI, to poll and to epoll, until
 * that file asks IDXD_IMS_IOC_WQ_INFO), the WQ is not "broken", no record
 * was written, and new work runs (with the handle the reset brought).
 *
 * Prints "@@ TEST reset:MODE:name PASS|FAIL detail"; exits 1 on any
 * failure, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "../../../userspace/lib/idxd_ims_lib.h"
#include "result.h"

#define EMU_CTL "/sys/kernel/debug/emu_poke/ctl"
#define LEN 4096

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), rc = 0;

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	return rc;
}

static int emu(const char *bdf, const char *op)
{
	char s[64];

	snprintf(s, sizeof(s), "%s %s", bdf, op);
	return write_file(EMU_CTL, s);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct idxd_ims_completion *cr;
	struct ims_wq *wq;
	struct idxd_ims_desc d;
	struct idxd_ims_wq_info info;
	struct epoll_event ev;
	struct pollfd p;
	uint64_t iova;
	uint8_t *buf;
	char path[128], prefix[32];
	long t0;
	int rc, raw, ep, i;

	if (argc != 4 || (strcmp(argv[3], "halt") && strcmp(argv[3], "flr"))) {
		fprintf(stderr, "usage: %s /dev/dsa/wqN.M BDF halt|flr\n", argv[0]);
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "reset:%s:", argv[3]);
	result_prefix = prefix;
	rc = ims_wq_open(argv[1], &wq);
	raw = open(argv[1], O_RDWR);	/* a second file, for the raw poll */
	result("open", !rc && raw >= 0, "%s", rc ? ims_strerror(rc) : "");
	if (rc || raw < 0)
		return 1;
	buf = ims_buf_alloc(wq, 1 << 20, &iova);
	result("buffer", buf != NULL, NULL);
	if (!buf)
		return 1;
	cr = (struct idxd_ims_completion *)buf;
	for (i = 0; i < 3 * LEN; i++)
		buf[65536 + i] = (uint8_t)rand();

	/* two copies held on the device */
	result("pause", !emu(argv[2], "pause"), NULL);
	for (i = 0; i < 2; i++) {
		memset(&cr[i], 0, sizeof(cr[i]));
		ims_desc_memmove(&d, iova + 131072 + i * LEN, iova + 65536 + i * LEN,
				 LEN, iova + i * sizeof(*cr), IMS_INTERRUPT);
		rc = ims_submit(wq, &d);
		result(i ? "submit-b" : "submit-a", !rc, "%s", ims_strerror(rc));
	}

	if (!strcmp(argv[3], "halt")) {
		rc = emu(argv[2], "halt");
	} else {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", argv[2]);
		rc = write_file(path, "1");
	}
	result("reset", !rc, "%s", strerror(-rc));
	t0 = now_ms();
	rc = ims_wait(wq, &cr[0], 20000);
	result("wait-says-lost", rc == -EIO, "%s after %ld ms", ims_strerror(rc),
	       now_ms() - t0);
	t0 = now_ms();
	rc = ims_wait(wq, &cr[1], 20000);
	result("lost-at-once", rc == -EIO && now_ms() - t0 < 1000, "%s after %ld ms",
	       ims_strerror(rc), now_ms() - t0);
	result("no-record", !cr[0].status && !cr[1].status, "%#x %#x",
	       cr[0].status, cr[1].status);
	result("not-broken", !ims_wq_broken(wq), NULL);

	/* every file hears it, until it asks for the WQ's info again */
	p = (struct pollfd){ .fd = raw, .events = POLLPRI };
	rc = poll(&p, 1, 5000);
	result("pri-reported", rc == 1 && (p.revents & POLLPRI) && !(p.revents & POLLERR),
	       "poll %d revents %#x", rc, p.revents);
	ep = epoll_create1(0);
	ev.events = EPOLLPRI;
	ev.data.fd = raw;
	epoll_ctl(ep, EPOLL_CTL_ADD, raw, &ev);
	memset(&ev, 0, sizeof(ev));
	rc = epoll_wait(ep, &ev, 1, 1000);
	result("pri-to-epoll", rc == 1 && (ev.events & EPOLLPRI), "epoll_wait %d events %#x",
	       rc, ev.events);
	info.argsz = sizeof(info);
	rc = ioctl(raw, IDXD_IMS_IOC_WQ_INFO, &info);
	p.revents = 0;
	result("pri-until-info", !rc && poll(&p, 1, 0) == 0, "revents %#x", p.revents);
	close(ep);

	/* new work runs */
	emu(argv[2], "resume");
	memset(&cr[2], 0, sizeof(cr[2]));
	ims_desc_memmove(&d, iova + 131072 + 2 * LEN, iova + 65536 + 2 * LEN, LEN,
			 iova + 2 * sizeof(*cr), IMS_INTERRUPT);
	rc = ims_submit(wq, &d) ?: ims_wait(wq, &cr[2], 10000);
	result("works-after", !rc && ims_status(&cr[2]) == 1 &&
	       !memcmp(buf + 65536 + 2 * LEN, buf + 131072 + 2 * LEN, LEN),
	       "%s", rc ? ims_strerror(rc) : ims_status_str(cr[2].status));
	close(raw);
	ims_wq_close(wq);
	return failures ? 1 : 0;
}
