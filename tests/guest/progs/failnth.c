// SPDX-License-Identifier: MIT
/*
 * failnth: make the Nth fault-injection point one operation reaches fail
 * (the kernel's per-task /proc/thread-self/fail-nth, with failslab and
 * fail_page_alloc armed for sleeping allocations), then say what the
 * operation answered and whether the fault was reached.
 *
 *   failnth N write FILE VALUE    open FILE, write VALUE (a sysfs store:
 *                                 bind, create, ...)
 *   failnth N open FILE           open FILE and close it again
 *   failnth N setirqs UUID        on an mdev opened as a VMM would:
 *                                 SET_IRQS of every MSI-X vector, then of
 *                                 none; the device is closed after
 *
 * Prints "rc=0|-ERRNO reached=yes|no".  Exit status: 0 when the fault was
 * reached (or N is 0), 3 when the operation took fewer than N steps (the
 * sweep is over), 2 on a usage or set-up error.
 *
 *   failnth sweep STEP [undo FILE VALUE] OP...
 *
 * runs OP for N = 1, 1 + STEP, ... (below 5000) in one process, writing
 * VALUE to FILE after each N that succeeded (unbind, remove), and prints
 * "n=N rc=R" per point, then "done tried=T failed=F rc=R" for the run
 * that met no fault.  Exit status 0 only if that run succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>
#include "vfio_mdev.h"

static int nth_fd = -1;

static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (n && write(nth_fd, buf, len) != len) {
		perror("fail-nth");
		exit(2);
	}
}

/* The count left: non-zero if the operation never reached the Nth point. */
static unsigned int disarm(void)
{
	char buf[16] = "";
	unsigned int left;

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) < 0)
		return 0;
	left = strtoul(buf, NULL, 10);
	if (write(nth_fd, "0", 1) != 1)
		perror("fail-nth reset");
	return left;
}

static int op_write(unsigned int n, const char *file, const char *value)
{
	int fd, rc = 0;

	arm(n);
	fd = open(file, O_WRONLY);
	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	return rc;
}

static int op_open(unsigned int n, const char *file)
{
	int fd, rc = 0;

	arm(n);
	fd = open(file, O_RDWR);
	if (fd < 0)
		rc = -errno;
	else
		close(fd);
	return rc;
}

/* The VFIO set-up happens unarmed; only SET_IRQS (and close) are armed. */
static int op_setirqs(unsigned int n, const char *uuid, unsigned int *left)
{
	char buf[sizeof(struct vfio_irq_set) + 8 * sizeof(int)];
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	struct vfio_irq_set *s = (void *)buf;
	int container = -1, group = -1, dev, rc = 0;
	unsigned int i;

	if (vfio_mdev_open(uuid, &container, &group)) {
		perror("vfio set-up");
		exit(2);
	}
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (dev < 0 || ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &ii) || ii.count > 8) {
		perror("vfio device");
		exit(2);
	}
	s->argsz = sizeof(*s) + ii.count * sizeof(int);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->start = 0;
	s->count = ii.count;
	for (i = 0; i < ii.count; i++)
		((int *)s->data)[i] = eventfd(0, EFD_NONBLOCK);
	arm(n);
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, s))
		rc = -errno;
	*left = disarm();
	/* then none, as a guest driver's unload does; unarmed */
	s->argsz = sizeof(*s);
	s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->count = 0;
	ioctl(dev, VFIO_DEVICE_SET_IRQS, s);
	close(dev);
	close(group);
	close(container);
	return rc;
}

/* One operation with the Nth point armed; its errno (or 0) and *left. */
static int run_op(unsigned int n, char **op, unsigned int *left)
{
	int rc;

	if (!strcmp(op[0], "write") && op[1] && op[2]) {
		rc = op_write(n, op[1], op[2]);
		*left = disarm();
	} else if (!strcmp(op[0], "open") && op[1]) {
		rc = op_open(n, op[1]);
		*left = disarm();
	} else if (!strcmp(op[0], "setirqs") && op[1]) {
		rc = op_setirqs(n, op[1], left);
	} else {
		fprintf(stderr, "failnth: unknown operation or missing argument: %s\n", op[0]);
		exit(2);
	}
	return rc;
}

/* Put back what a successful operation did: VALUE written to FILE. */
static void undo(const char *file, const char *value)
{
	int fd = open(file, O_WRONLY);

	if (fd < 0 || write(fd, value, strlen(value)) < 0) {
		fprintf(stderr, "failnth: undo %s: %s\n", file, strerror(errno));
		exit(2);
	}
	close(fd);
}

/*
 * sweep: N = 1, 1 + STEP, ... in this one process (an exec costs the
 * debug kernel's guest a quarter of a second; a sweep has hundreds of
 * points), each point's answer a line; the first N the operation no
 * longer reaches ran without a fault and ends the sweep.
 */
static int sweep(unsigned int step, unsigned int max, const char *ufile,
		 const char *uvalue, char **op)
{
	unsigned int n, left, tried = 0, failed = 0;
	int rc;

	for (n = 1; n < max; n += step) {
		left = 0;
		rc = run_op(n, op, &left);
		if (left) {
			printf("done tried=%u failed=%u rc=%d\n", tried, failed, rc);
			return rc ? 1 : 0;
		}
		tried++;
		printf("n=%u rc=%d\n", n, rc);
		if (rc < 0)
			failed++;
		else if (ufile)
			undo(ufile, uvalue);
	}
	printf("limit n=%u: the operation still reaches it\n", n);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int n, left = 0, step;
	char **op = argv + 2;
	const char *ufile = NULL, *uvalue = NULL;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: failnth N OP... | failnth sweep STEP [undo FILE VALUE] OP...\n"
			"  OP: write FILE VALUE | open FILE | setirqs UUID\n");
		return 2;
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		perror("/proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "sweep")) {
		step = strtoul(argv[2], NULL, 0);
		op = argv + 3;
		if (argc > 6 && !strcmp(op[0], "undo")) {
			ufile = op[1];
			uvalue = op[2];
			op += 3;
		}
		if (!step || !op[0]) {
			fprintf(stderr, "failnth: sweep STEP [undo FILE VALUE] OP...\n");
			return 2;
		}
		return sweep(step, 5000, ufile, uvalue, op);
	}
	n = strtoul(argv[1], NULL, 0);
	rc = run_op(n, op, &left);
	printf("rc=%d reached=%s\n", rc, n && !left ? "yes" : "no");
	return n && left ? 3 : 0;
}
