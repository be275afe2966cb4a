// SPDX-License-Identifier: MIT
/*
 * mdev_vmm: act as a VMM for two idxd_ims virtual DSAs (mdevs) through
 * the VFIO API: container and group, guest memory mapped for DMA, region
 * reads and writes, MSI-X eventfds through SET_IRQS.  Runs MEMMOVE with
 * completion interrupts on both, checks data, records and that each
 * eventfd fires once per completion and only for its own device, then
 * tries bad input of every kind the device must survive.
 *
 *   mdev_vmm UUID_A UUID_B [HOST_BDF]
 *
 * With HOST_BDF (the emulated DSA behind both, emu_poke loaded) the host
 * device also halts under the guests with work in flight.
 * IDXD_IMS_VDSA_MODE=pasid|bounce: how the virtual DSAs must reach guest
 * memory (their dma_mode); on a PASID, what only that path runs (large
 * transfers, BATCH, CFLUSH) and the VMM unmapping memory the device
 * has pinned are tested too.
 *
 * Prints "@@ TEST mdev:name PASS|FAIL detail"; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>
#include "../../../uapi/linux/idxd_ims.h"
#include "result.h"
#include "vfio_mdev.h"

#define GUEST_IOVA	0x100000ull
#define GUEST_SIZE	(4u << 20)
#define NVEC		2

/* One "guest": a container, a device, its memory and its vectors. */
struct guest {
	const char *uuid;
	char tag;
	int container, group, dev;
	uint8_t *mem;			/* guest RAM at GUEST_IOVA */
	uint64_t off[VFIO_PCI_NUM_REGIONS];
	uint64_t size[VFIO_PCI_NUM_REGIONS];
	int efd[NVEC];
	unsigned int slot;		/* the next 64-byte portal slot */
};

static uint64_t gpa(struct guest *g, void *p)
{
	return GUEST_IOVA + ((uint8_t *)p - g->mem);
}

static int on_pasid;		/* the virtual DSAs work on a PASID */

/* A sysfs attribute of mdev @uuid, its first line (empty if none). */
static void mdev_attr(const char *uuid, const char *name, char *buf, size_t n)
{
	char path[200];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/%s", uuid, name);
	buf[0] = 0;
	f = fopen(path, "r");
	if (f && !fgets(buf, n, f))
		buf[0] = 0;
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* pinned_pages (pinned now) or pins (pinned since open) */
static long mdev_count(struct guest *g, const char *name)
{
	char v[32];

	mdev_attr(g->uuid, name, v, sizeof(v));
	return v[0] ? atol(v) : -1;
}

static int open_guest(struct guest *g)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	int i, rc;

	rc = vfio_mdev_open(g->uuid, &g->container, &g->group);
	if (rc)
		return rc;
	g->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -errno;
	memset(g->mem, 0, GUEST_SIZE);
	/* two mappings, as a VMM has RAM in pieces: the upper one goes away */
	for (i = 0; i < 2; i++) {
		map.vaddr = (uintptr_t)g->mem + i * GUEST_SIZE / 2;
		map.iova = GUEST_IOVA + i * GUEST_SIZE / 2;
		map.size = GUEST_SIZE / 2;
		map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
		if (ioctl(g->container, VFIO_IOMMU_MAP_DMA, &map))
			return -errno;
	}
	g->dev = ioctl(g->group, VFIO_GROUP_GET_DEVICE_FD, g->uuid);
	if (g->dev < 0)
		return -errno;
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };

		if (ioctl(g->dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
			return -errno;
		g->off[i] = ri.offset;
		g->size[i] = ri.size;
	}
	for (i = 0; i < NVEC; i++)
		g->efd[i] = eventfd(0, EFD_NONBLOCK);
	return 0;
}

static int rd(struct guest *g, int region, uint64_t off, void *buf, size_t n)
{
	return pread(g->dev, buf, n, g->off[region] + off) == (ssize_t)n ? 0 : -errno;
}

static int wr(struct guest *g, int region, uint64_t off, const void *buf, size_t n)
{
	return pwrite(g->dev, buf, n, g->off[region] + off) == (ssize_t)n ? 0 : -errno;
}

static uint32_t reg32(struct guest *g, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	rd(g, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 4);
	return v;
}

static uint64_t reg64(struct guest *g, uint64_t off)
{
	uint64_t v = ~0ull;

	rd(g, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 8);
	return v;
}

/* A command through CMD; the CMDSTS error code. */
static uint32_t cmd(struct guest *g, uint32_t code, uint32_t operand)
{
	uint32_t v = code << 20 | operand;

	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0xa0, &v, 4);
	return reg32(g, 0xa8) & 0xff;
}

static int set_vectors(struct guest *g, int start, int count, const int *fds)
{
	char buf[sizeof(struct vfio_irq_set) + 8 * sizeof(int)];
	struct vfio_irq_set *s = (void *)buf;

	s->argsz = sizeof(*s) + count * sizeof(int);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->start = start;
	s->count = count;
	memcpy(s->data, fds, count * sizeof(int));
	return ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s) ? -errno : 0;
}

/* Eventfd count after waiting up to @ms for it to become non-zero. */
static uint64_t wait_efd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t n = 0;

	if (poll(&p, 1, ms) == 1 && read(fd, &n, 8) != 8)
		n = 0;
	return n;
}

static void desc(struct idxd_ims_desc *d, uint8_t op, uint32_t flags,
		 uint64_t cr)
{
	memset(d, 0, sizeof(*d));
	d->flags_opcode = (uint32_t)op << 24 | flags | IDXD_IMS_F_CRAV |
			  IDXD_IMS_F_RCR;
	d->completion_addr = cr;
}

/*
 * Submit on WQ 0's portal: one 64-byte write, or eight 8-byte stores (a
 * VMM splitting MOVDIR64B), each descriptor at the next 64-byte slot of
 * the page, as upstream idxd moves along it, alternating between the
 * MSI-X portal pages 0 and 1 (unlimited, limited).
 */
static int submit(struct guest *g, const struct idxd_ims_desc *d, int split)
{
	uint64_t at = (g->slot / 64 % 2) * 4096 + (g->slot % 64) * 64;
	int i, rc = 0;

	g->slot++;
	if (!split)
		return wr(g, VFIO_PCI_BAR2_REGION_INDEX, at, d, 64);
	for (i = 0; i < 8 && !rc; i++)
		rc = wr(g, VFIO_PCI_BAR2_REGION_INDEX, at + i * 8,
			(const uint8_t *)d + i * 8, 8);
	return rc;
}

/* Guest memory layout: records at 0, data from 64 KiB. */
static struct idxd_ims_completion *cr(struct guest *g, int n)
{
	return (void *)(g->mem + n * 32);
}

static uint8_t *data(struct guest *g, int n)
{
	return g->mem + 65536 + (size_t)n * 65536;
}

static uint8_t wait_cr(struct guest *g, int n)
{
	volatile uint8_t *st = &cr(g, n)->status;
	struct timespec t = { 0, 200000 };
	int i;

	for (i = 0; i < 10000 && !*st; i++)
		nanosleep(&t, NULL);
	return *st;
}

/* A MEMMOVE with an interrupt on vector 1, waited for; its status. */
static uint8_t memmove_irq(struct guest *g, uint32_t len, int split,
			   uint64_t *irqs)
{
	struct idxd_ims_desc d;

	memset(cr(g, 0), 0, 32);
	desc(&d, IDXD_IMS_OP_MEMMOVE, IDXD_IMS_F_RCI, gpa(g, cr(g, 0)));
	d.src = gpa(g, data(g, 0));
	d.dst = gpa(g, data(g, 1));
	d.size = len;
	d.int_handle = 1;
	if (submit(g, &d, split))
		return 0xff;
	*irqs = wait_efd(g->efd[1], 5000);
	return wait_cr(g, 0);
}

static void test_setup(struct guest *g)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	uint16_t vid = 0, did = 0, cmdreg = 0x6;
	uint8_t cap = 0, capid = 0;
	char n[64];

#define T(x) (snprintf(n, sizeof(n), "%c-%s", g->tag, x), n)
	result(T("device-info"), !ioctl(g->dev, VFIO_DEVICE_GET_INFO, &di) &&
	       (di.flags & VFIO_DEVICE_FLAGS_PCI) && di.num_regions >= 9, NULL);
	result(T("regions"), g->size[VFIO_PCI_CONFIG_REGION_INDEX] == 256 &&
	       g->size[VFIO_PCI_BAR0_REGION_INDEX] == 65536 &&
	       g->size[VFIO_PCI_BAR2_REGION_INDEX] >= 16384, "bar2 %llu",
	       (unsigned long long)g->size[VFIO_PCI_BAR2_REGION_INDEX]);
	if (ioctl(g->dev, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		ii.count = 0;
	result(T("msix-count"), ii.count == NVEC, "%u vectors", ii.count);
	/* resizable: a VMM adds vectors one by one, the others kept live */
	result(T("msix-resizable"), (ii.flags & VFIO_IRQ_INFO_EVENTFD) &&
	       !(ii.flags & VFIO_IRQ_INFO_NORESIZE), "flags %#x", ii.flags);
	rd(g, VFIO_PCI_CONFIG_REGION_INDEX, 0, &vid, 2);
	rd(g, VFIO_PCI_CONFIG_REGION_INDEX, 2, &did, 2);
	result(T("config-ids"), vid == 0x8086 && did == 0x0b25, "%04x:%04x", vid, did);
	rd(g, VFIO_PCI_CONFIG_REGION_INDEX, 0x34, &cap, 1);
	rd(g, VFIO_PCI_CONFIG_REGION_INDEX, cap, &capid, 1);
	result(T("config-msix-cap"), capid == 0x11, "cap %#x id %#x", cap, capid);
	wr(g, VFIO_PCI_CONFIG_REGION_INDEX, 4, &cmdreg, 2);
	result(T("version"), reg32(g, 0) == 0x100, "%#x", reg32(g, 0));
	result(T("one-wq"), ((reg64(g, 0x20) >> 16) & 0xff) == 1, "wqcap %#llx",
	       (unsigned long long)reg64(g, 0x20));
	/* as QEMU's vfio-pci does it when the index is resizable: MSI-X on
	 * with no vector (fd -1), then each vector when the guest unmasks it */
	result(T("set-irqs-one-by-one"), !set_vectors(g, 0, 1, (int[]){ -1 }) &&
	       !set_vectors(g, 0, 1, &g->efd[0]) && !set_vectors(g, 1, 1, &g->efd[1]), NULL);
	result(T("wq-enable-before-device"), cmd(g, 6, 0) == 0x20, NULL);
	result(T("enable-device"), cmd(g, 1, 0) == 0 && (reg32(g, 0x90) & 3) == 1, NULL);
	result(T("enable-device-twice"), cmd(g, 1, 0) == 0x10, NULL);
	result(T("enable-wq"), cmd(g, 6, 0) == 0 &&
	       (reg32(g, 0x600 + 6 * 4) >> 30) == 1, NULL);
	result(T("enable-wq-bad-index"), cmd(g, 6, 5) == 0x02, NULL);
#undef T
}

static void test_work(struct guest *a, struct guest *b, int rounds)
{
	uint64_t irqs, total = 0, other;
	int i, ok = 1;
	uint8_t st = 0;

	for (i = 0; i < rounds && ok; i++) {
		uint32_t len = 1 + (i * 977) % 65536;

		for (uint32_t k = 0; k < len; k++)
			data(a, 0)[k] = i + k * 7;
		memset(data(a, 1), 0, len + 1);
		st = memmove_irq(a, len, i & 1, &irqs);
		total += irqs;
		ok = st == 1 && irqs == 1 && !memcmp(data(a, 0), data(a, 1), len) &&
		     data(a, 1)[len] == 0 && cr(a, 0)->bytes_completed == len;
	}
	result(a->tag == 'a' ? "a-memmove-irq" : "b-memmove-irq", ok,
	       "%d of %d, last status %#x, %llu interrupts", i, rounds, st,
	       (unsigned long long)total);
	other = wait_efd(b->efd[1], 0) + wait_efd(b->efd[0], 0);
	result(a->tag == 'a' ? "a-not-seen-by-b" : "b-not-seen-by-a", other == 0,
	       "%llu", (unsigned long long)other);
}

/* A descriptor the device must refuse: its record's status. */
static uint8_t refused(struct guest *g, struct idxd_ims_desc *d)
{
	memset(cr(g, 2), 0, 32);
	d->completion_addr = gpa(g, cr(g, 2));
	submit(g, d, 0);
	return wait_cr(g, 2);
}

static void test_bad_input(struct guest *g, struct guest *other)
{
	struct idxd_ims_desc d, good;
	uint64_t v, before;
	uint32_t x = 0x12345678;
	uint8_t st;
	int rc;

	desc(&good, IDXD_IMS_OP_MEMMOVE, 0, 0);
	good.src = gpa(g, data(g, 0));
	good.dst = gpa(g, data(g, 1));
	good.size = 4096;

	d = good;
	d.pasid_priv = 1u << 31;
	st = refused(g, &d);
	result("bad-priv", st == IDXD_IMS_ST_INVALID_FLAGS, "status %#x", st);
	d = good;
	d.pasid_priv = 5;
	st = refused(g, &d);
	result("bad-pasid", st == IDXD_IMS_ST_INVALID_FLAGS, "status %#x", st);
	d = good;
	d.flags_opcode = (0x7fu << 24) | IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR;
	st = refused(g, &d);
	result("bad-opcode", st == IDXD_IMS_ST_BAD_OPCODE, "status %#x", st);
	d = good;
	d.flags_opcode = (IDXD_IMS_OP_BATCH << 24) | IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR;
	st = refused(g, &d);
	/* on a PASID batches run: 4096 descriptors are too many */
	if (on_pasid)
		result("bad-batch-count", st == IDXD_IMS_ST_DESC_CNT_ERANGE, "status %#x", st);
	else
		result("bad-batch-unsupported", st == IDXD_IMS_ST_BAD_OPCODE, "status %#x", st);
	d = good;
	d.size = (1u << ((reg64(g, 0x10) >> 16) & 0x1f)) + 1;	/* GENCAP's max + 1 */
	st = refused(g, &d);
	result("bad-size", st == IDXD_IMS_ST_XFER_ERANGE, "size %u status %#x",
	       d.size, st);
	d = good;
	d.flags_opcode |= IDXD_IMS_F_RCI;
	d.int_handle = 7;		/* beyond its 2 vectors */
	st = refused(g, &d);
	result("bad-handle-beyond", st == IDXD_IMS_ST_INT_HANDLE_INVAL, "status %#x", st);
	d.int_handle = 0;		/* the device's own vector */
	st = refused(g, &d);
	result("bad-handle-zero", st == IDXD_IMS_ST_INT_HANDLE_INVAL, "status %#x", st);
	result("bad-handle-no-other-irq", wait_efd(other->efd[1], 100) == 0, NULL);
	d = good;
	d.src = 0x80000000;		/* never mapped */
	st = refused(g, &d);
	result("bad-src-unmapped", st == IDXD_IMS_ST_PAGE_FAULT &&
	       cr(g, 2)->fault_addr == 0x80000000, "status %#x fault %#llx", st,
	       (unsigned long long)cr(g, 2)->fault_addr);
	d = good;
	d.dst = GUEST_IOVA + GUEST_SIZE - 100;	/* runs off the mapping */
	st = refused(g, &d);
	result("bad-dst-unmapped", st == (IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT),
	       "status %#x", st);
	/* an unwritable completion record: only SWERR can say so */
	d = good;
	d.completion_addr = 0x90000000;
	submit(g, &d, 0);
	usleep(100000);
	v = reg64(g, 0xc0);
	result("bad-record-swerr", (v & 1) && ((v >> 8) & 0xff) == IDXD_IMS_ST_CRA_XLAT,
	       "swerr %#llx", (unsigned long long)v);
	result("bad-record-misc-irq", wait_efd(g->efd[0], 1000) >= 1, NULL);
	v = 3;
	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0xc0, &v, 8);
	result("swerr-acked", !(reg64(g, 0xc0) & 1), NULL);

	/*
	 * A torn descriptor: half of one at a portal slot, then a whole one
	 * at the next.  The torn one never runs; the whole one does.
	 */
	{
		struct idxd_ims_desc t = good;
		int i;

		t.completion_addr = gpa(g, cr(g, 3));
		memset(cr(g, 3), 0, 32);
		for (i = 0; i < 4; i++)
			wr(g, VFIO_PCI_BAR2_REGION_INDEX, 5 * 64 + i * 8, (uint8_t *)&t + i * 8, 8);
		d = good;
		d.completion_addr = gpa(g, cr(g, 2));
		memset(cr(g, 2), 0, 32);
		for (i = 0; i < 8; i++)
			wr(g, VFIO_PCI_BAR2_REGION_INDEX, 6 * 64 + i * 8, (uint8_t *)&d + i * 8, 8);
		st = wait_cr(g, 2);
		usleep(100000);
		result("portal-torn-dropped", st == IDXD_IMS_ST_SUCCESS && !cr(g, 3)->status,
		       "whole %#x, torn %#x", st, cr(g, 3)->status);
	}

	/* registers: unknown writes ignored, bad sizes refused */
	before = reg64(g, 0x20);
	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0x20, &x, 4);
	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0x500, &x, 4);
	result("reg-readonly", reg64(g, 0x20) == before && reg32(g, 0x500) == 0, NULL);
	rc = pwrite(g->dev, &x, 3, g->off[VFIO_PCI_BAR0_REGION_INDEX] + 0x80);
	result("reg-bad-size", rc < 0 && errno == EINVAL, "rc %d", rc);
	rc = pwrite(g->dev, &x, 4, g->off[VFIO_PCI_BAR0_REGION_INDEX] + 0x10002);
	result("reg-out-of-bar", rc < 0 && errno == EINVAL, "rc %d", rc);
	rc = pwrite(g->dev, &good, 64, g->off[VFIO_PCI_BAR2_REGION_INDEX] + 8 * 4096);
	result("portal-beyond-wqs", rc < 0 && errno == EINVAL, "rc %d", rc);
	rc = pwrite(g->dev, &good, 64, 9ull << 40);
	result("region-unknown", rc < 0, "rc %d", rc);
	result("bad-command", cmd(g, 0x1f, 0) == 0x01, NULL);
	result("bad-wq-command", cmd(g, 8, 0x80) == 0x02, NULL);
	{
		char buf[sizeof(struct vfio_irq_set) + 4];
		struct vfio_irq_set *s = (void *)buf;
		int fd = g->efd[1];

		s->argsz = sizeof(buf);
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->index = VFIO_PCI_MSIX_IRQ_INDEX;
		s->start = 5;
		s->count = 1;
		memcpy(s->data, &fd, 4);
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-bad-start", rc < 0 && errno == EINVAL, "rc %d", rc);
		s->start = 1;
		s->index = VFIO_PCI_INTX_IRQ_INDEX;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-bad-index", rc < 0 && errno == EINVAL, "rc %d", rc);
		s->index = VFIO_PCI_MSIX_IRQ_INDEX;
		fd = 12345;
		memcpy(s->data, &fd, 4);
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-bad-fd", rc < 0, "rc %d", rc);
	}
	/* config space: read-only fields stay, BARs size, nothing past 256 */
	{
		uint16_t id = 0x1234, vid = 0;
		uint32_t ones = ~0u, bar = 0;
		uint8_t b;

		wr(g, VFIO_PCI_CONFIG_REGION_INDEX, 0, &id, 2);
		rd(g, VFIO_PCI_CONFIG_REGION_INDEX, 0, &vid, 2);
		result("cfg-vendor-readonly", vid == 0x8086, "%#x", vid);
		wr(g, VFIO_PCI_CONFIG_REGION_INDEX, 0x10, &ones, 4);
		rd(g, VFIO_PCI_CONFIG_REGION_INDEX, 0x10, &bar, 4);
		result("cfg-bar0-sizes-64k", (bar & ~0xfu) == 0xffff0000u, "%#x", bar);
		rc = pread(g->dev, &b, 1, g->off[VFIO_PCI_CONFIG_REGION_INDEX] + 256);
		result("cfg-past-end", rc < 0 && errno == EINVAL, "rc %d", rc);
	}
	/*
	 * Long accesses, as QEMU's vfio-pci makes them: all of config space
	 * in one read (and what runs past its end cut off), a run of
	 * registers in one BAR0 read; each the same as word by word.
	 */
	{
		uint8_t whole[300], word[256], regs[64], one[64];
		ssize_t n;
		int i, same = 1;

		n = pread(g->dev, whole, sizeof(whole), g->off[VFIO_PCI_CONFIG_REGION_INDEX]);
		for (i = 0; i < 256; i += 4)
			same &= !rd(g, VFIO_PCI_CONFIG_REGION_INDEX, i, word + i, 4);
		result("cfg-read-whole", n == 256 && same && !memcmp(whole, word, 256),
		       "read %zd", n);
		n = pread(g->dev, whole, 100, g->off[VFIO_PCI_CONFIG_REGION_INDEX] + 200);
		result("cfg-read-cut-at-end", n == 56 && !memcmp(whole, word + 200, 56),
		       "read %zd", n);
		n = pread(g->dev, regs, sizeof(regs), g->off[VFIO_PCI_BAR0_REGION_INDEX]);
		for (i = 0; i < 64; i += 8)
			same &= !rd(g, VFIO_PCI_BAR0_REGION_INDEX, i, one + i, 8);
		result("bar0-read-run", n == 64 && same && !memcmp(regs, one, 64),
		       "read %zd", n);
		n = pread(g->dev, regs, 2, g->off[VFIO_PCI_BAR0_REGION_INDEX]);
		result("bar0-read-2-refused", n < 0 && errno == EINVAL, "read %zd", n);
		n = pread(g->dev, regs, 6, g->off[VFIO_PCI_BAR0_REGION_INDEX]);
		result("bar0-read-6-is-4", n == 4, "read %zd", n);
	}
	/* a misaligned record: the device cannot write it, SWERR says so */
	d = good;
	d.completion_addr = gpa(g, cr(g, 2)) + 8;
	submit(g, &d, 0);
	usleep(100000);
	v = reg64(g, 0xc0);
	result("bad-record-misaligned", (v & 1) &&
	       ((v >> 8) & 0xff) == IDXD_IMS_ST_CRA_ALIGN, "swerr %#llx",
	       (unsigned long long)v);
	v = 3;
	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0xc0, &v, 8);
	wait_efd(g->efd[0], 0);
	/* SET_IRQS: the request interrupt has one vector; DATA_NONE fires one */
	{
		char buf[sizeof(struct vfio_irq_set) + 8];
		struct vfio_irq_set *s = (void *)buf;
		int fds[2] = { -1, -1 };

		s->argsz = sizeof(buf);
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->index = VFIO_PCI_REQ_IRQ_INDEX;
		s->start = 0;
		s->count = 2;
		memcpy(s->data, fds, sizeof(fds));
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-count-2", rc < 0 && errno == EINVAL, "rc %d", rc);
		s->argsz = sizeof(*s);
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->index = VFIO_PCI_MSIX_IRQ_INDEX;
		s->start = 1;
		s->count = 1;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-data-none-fires", !rc && wait_efd(g->efd[1], 1000) == 1 &&
		       wait_efd(other->efd[1], 0) == 0, "rc %d", rc);
	}
	/*
	 * SET_IRQS on the request index, every data type, as vfio-pci takes
	 * them: count 0 with an eventfd or a bool is refused (it used to
	 * dereference the absent data: a host oops), a false bool does not
	 * fire, DATA_NONE fires and, with count 0, removes the trigger.
	 */
	{
		char buf[sizeof(struct vfio_irq_set) + 4];
		struct vfio_irq_set *s = (void *)buf;
		int req = eventfd(0, EFD_NONBLOCK);
		uint8_t no = 0, yes = 1;

		s->argsz = sizeof(*s);
		s->index = VFIO_PCI_REQ_IRQ_INDEX;
		s->start = 0;
		s->count = 0;
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-eventfd-count-0", rc < 0 && errno == EINVAL, "rc %d", rc);
		s->flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-bool-count-0", rc < 0 && errno == EINVAL, "rc %d", rc);
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-none-without-trigger", rc < 0 && errno == EINVAL, "rc %d", rc);

		s->argsz = sizeof(buf);
		s->count = 1;
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		memcpy(s->data, &req, 4);
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		s->flags = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
		memcpy(s->data, &no, 1);
		rc = rc ?: ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-bool-false-quiet", !rc && wait_efd(req, 0) == 0, "rc %d", rc);
		memcpy(s->data, &yes, 1);
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-bool-true-fires", !rc && wait_efd(req, 1000) == 1, "rc %d", rc);
		s->argsz = sizeof(*s);
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		result("irqs-req-none-fires", !rc && wait_efd(req, 1000) == 1, "rc %d", rc);
		s->count = 0;
		rc = ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s);
		s->count = 1;
		result("irqs-req-none-count-0-removes", !rc &&
		       ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s) < 0 && errno == EINVAL,
		       "rc %d", rc);
		close(req);
	}
	/* after all that, work still flows */
	memset(data(g, 1), 0, 4096);
	st = memmove_irq(g, 4096, 0, &v);
	result("works-after-bad-input", st == 1 && v == 1 &&
	       !memcmp(data(g, 0), data(g, 1), 4096), "status %#x irqs %llu", st,
	       (unsigned long long)v);
}

/* Guest masking: an interrupt while masked is held, then delivered once. */
static void test_masking(struct guest *g)
{
	uint32_t ctrl = 1;
	uint64_t irqs, later;
	uint8_t st;

	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0x2000 + 16 + 12, &ctrl, 4);
	st = memmove_irq(g, 512, 0, &irqs);
	result("masked-held", st == 1 && irqs == 0, "status %#x irqs %llu", st,
	       (unsigned long long)irqs);
	ctrl = 0;
	wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0x2000 + 16 + 12, &ctrl, 4);
	later = wait_efd(g->efd[1], 2000);
	result("unmasked-delivered", later == 1, "%llu", (unsigned long long)later);
}

/* IMS slots the host device has in use (the test's device is dsa0). */
static long slots_used(void)
{
	FILE *f = fopen("/sys/bus/dsa/devices/dsa0/ims_slots_used", "r");
	long n = -1;

	if (f && fscanf(f, "%ld", &n) != 1)
		n = -1;
	if (f)
		fclose(f);
	return n;
}

/* A new eventfd for a live vector: the next interrupt goes there only. */
static void test_retarget(struct guest *g)
{
	int fresh = eventfd(0, EFD_NONBLOCK), old = g->efd[1], off = -1;
	long before = slots_used(), freed, back;
	uint64_t irqs, stale;
	uint8_t st;

	result("retarget", !set_vectors(g, 1, 1, &fresh), NULL);
	result("retarget-keeps-slot", slots_used() == before, "%ld -> %ld",
	       before, slots_used());
	g->efd[1] = fresh;
	st = memmove_irq(g, 256, 1, &irqs);
	stale = wait_efd(old, 0);
	result("retarget-delivered", st == 1 && irqs == 1 && stale == 0,
	       "status %#x new %llu old %llu", st, (unsigned long long)irqs,
	       (unsigned long long)stale);
	close(old);

	/* freeing the vector frees its host slot; enabling takes one again */
	set_vectors(g, 1, 1, &off);
	freed = slots_used();
	set_vectors(g, 1, 1, &g->efd[1]);
	back = slots_used();
	result("vector-free-frees-slot", freed == before - 1 && back == before,
	       "%ld -> %ld -> %ld", before, freed, back);
	st = memmove_irq(g, 128, 0, &irqs);
	result("vector-back-works", st == 1 && irqs == 1, "status %#x", st);
}

/* Six 64 KiB fills with records at @crn.., left in flight. */
static void submit_fills(struct guest *g, int crn, uint64_t pattern)
{
	struct idxd_ims_desc d;
	int i;

	for (i = 0; i < 6; i++) {
		memset(cr(g, crn + i), 0, 32);
		desc(&d, IDXD_IMS_OP_MEMFILL, 0, gpa(g, cr(g, crn + i)));
		d.src = pattern;
		d.dst = gpa(g, data(g, 2 + i % 4));
		d.size = 65536;
		submit(g, &d, 0);
	}
}

static int fills_landed(struct guest *g, int crn)
{
	int i, ok = 1;

	for (i = 0; i < 6; i++)
		ok &= cr(g, crn + i)->status != 0;
	return ok;
}

/* Reset with work in flight: every record lands, work flows after. */
static void test_reset_inflight(struct guest *g)
{
	uint32_t cmdcap = reg32(g, 0xb0);
	uint64_t irqs;
	uint8_t st;

	submit_fills(g, 10, 0x0101010101010101ull);
	result("reset-ioctl", !ioctl(g->dev, VFIO_DEVICE_RESET), NULL);
	result("reset-records-landed", fills_landed(g, 10), NULL);
	result("reset-disabled", (reg32(g, 0x90) & 3) == 0, NULL);
	/* capabilities are not state: upstream idxd reads CMDCAP again */
	result("reset-keeps-cmdcap", cmdcap && reg32(g, 0xb0) == cmdcap, "%#x, was %#x",
	       reg32(g, 0xb0), cmdcap);
	cmd(g, 1, 0);
	cmd(g, 6, 0);
	st = memmove_irq(g, 1000, 0, &irqs);
	result("reset-works-after", st == 1 && irqs == 1, "status %#x irqs %llu", st,
	       (unsigned long long)irqs);
}

static int emu(const char *bdf, const char *op)
{
	int fd = open("/sys/kernel/debug/emu_poke/ctl", O_WRONLY), rc;
	char s[64];

	if (fd < 0)
		return -errno;
	snprintf(s, sizeof(s), "%s %s", bdf, op);
	rc = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return rc;
}

/* Wait up to 10 s for the guest's GENSTS state to read @state. */
static uint32_t wait_gensts(struct guest *g, uint32_t state)
{
	struct timespec t = { 0, 50000000 };
	uint32_t v = reg32(g, 0x90);
	int i;

	for (i = 0; i < 200 && (v & 3) != state; i++) {
		nanosleep(&t, NULL);
		v = reg32(g, 0x90);
	}
	return v;
}

/*
 * The host device halts, and its driver recovers it, under two guests
 * with work in flight on one: each guest's device halts too (GENSTS:
 * halted, software reset wanted), its vector 0 fires with INTCAUSE.halt,
 * the lost work has no record, commands but a reset are refused; after
 * RESET_DEVICE each guest goes on.
 */
static void test_host_halt(struct guest *a, struct guest *b, const char *bdf)
{
	uint32_t halt_int = 2, v;	/* GENCTRL.halt_int_en */
	struct guest *g;
	uint64_t irqs;
	uint8_t st;
	int i, lost = 0;

	for (i = 0; i < 2; i++) {
		g = i ? b : a;
		wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0x88, &halt_int, 4);
		wait_efd(g->efd[0], 0);
	}
	result("host-halt-pause", !emu(bdf, "pause"), NULL);
	submit_fills(a, 40, 0x7e7e7e7e7e7e7e7eull);
	result("host-halt", !emu(bdf, "halt"), NULL);
	for (i = 0; i < 2; i++) {
		g = i ? b : a;
		v = wait_gensts(g, 3);
		result(i ? "host-halt-b-halted" : "host-halt-a-halted", (v & 0xf) == 3,
		       "gensts %#x", v);
		irqs = wait_efd(g->efd[0], 5000);
		v = reg32(g, 0x98);
		result(i ? "host-halt-b-interrupt" : "host-halt-a-interrupt",
		       irqs >= 1 && (v & 0x10), "vector 0: %llu, intcause %#x",
		       (unsigned long long)irqs, v);
		wr(g, VFIO_PCI_BAR0_REGION_INDEX, 0x98, &v, 4);
	}
	for (i = 0; i < 6; i++)
		lost += !cr(a, 40 + i)->status;
	result("host-halt-work-lost", lost == 6, "%d of 6 without a record", lost);
	result("host-halt-refuses-but-reset", cmd(a, 6, 0) == 0x03 && cmd(a, 1, 0) == 0x03,
	       NULL);
	emu(bdf, "resume");
	for (i = 0; i < 2; i++) {
		g = i ? b : a;
		result(i ? "host-halt-b-reset" : "host-halt-a-reset",
		       cmd(g, 5, 0) == 0 && (reg32(g, 0x90) & 0xf) == 0, NULL);
		cmd(g, 1, 0);
		cmd(g, 6, 0);
		st = memmove_irq(g, 1000, 0, &irqs);
		result(i ? "host-halt-b-works-after" : "host-halt-a-works-after",
		       st == 1 && irqs == 1, "status %#x irqs %llu", st,
		       (unsigned long long)irqs);
	}
}

static void close_guest(struct guest *g);

/* Run @d on @g's WQ 0 with its record in slot @n; its status. */
static uint8_t run(struct guest *g, struct idxd_ims_desc *d, int n)
{
	memset(cr(g, n), 0, 32);
	d->completion_addr = gpa(g, cr(g, n));
	submit(g, d, 0);
	return wait_cr(g, n);
}

/*
 * Each guest's addresses are its own: the same guest address in @a and
 * @b is two different pages, and a copy in @a reads and writes @a's.
 */
static void test_own_memory(struct guest *a, struct guest *b)
{
	struct idxd_ims_desc d;
	uint8_t st;

	memset(data(a, 3), 0xaa, 4096);
	memset(data(b, 3), 0xbb, 4096);
	memset(data(a, 4), 0, 4096);
	memset(data(b, 4), 0, 4096);
	desc(&d, IDXD_IMS_OP_MEMMOVE, 0, 0);
	d.src = gpa(a, data(a, 3));
	d.dst = gpa(a, data(a, 4));
	d.size = 4096;
	st = run(a, &d, 4);
	result("own-memory-only", st == IDXD_IMS_ST_SUCCESS &&
	       data(a, 4)[0] == 0xaa && data(a, 4)[4095] == 0xaa &&
	       !data(b, 4)[0] && !data(b, 4)[4095] && data(b, 3)[0] == 0xbb,
	       "status %#x, a's copy %#x, b's page %#x", st, data(a, 4)[0],
	       data(b, 4)[0]);
}

/*
 * What a virtual DSA on a PASID runs that the bounce path cannot: a
 * transfer of 1 MiB, its pages pinned only while it runs; BATCH, whose
 * members write their own records in guest memory, fault on memory the
 * VMM never mapped and may interrupt only the guest's own vectors; and
 * the VMM unmapping memory under work: the work completes first, the
 * pages go, the device faults there, mapped again it works.
 */
static void test_pasid(struct guest *g, struct guest *other)
{
	struct idxd_ims_desc d, *list = (void *)data(g, 5);
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	uint8_t *hi = g->mem + GUEST_SIZE / 2, st;
	long pins, now, rc;
	uint64_t irqs;
	unsigned int i, ok;

	for (i = 0; i < (1u << 20); i++)
		g->mem[GUEST_SIZE / 4 + i] = (uint8_t)(i * 13 + i / 4096);
	memset(hi, 0, 1u << 20);
	pins = mdev_count(g, "pins");
	desc(&d, IDXD_IMS_OP_MEMMOVE, 0, 0);
	d.src = gpa(g, g->mem + GUEST_SIZE / 4);
	d.dst = gpa(g, hi);
	d.size = 1u << 20;
	st = run(g, &d, 5);
	result("pasid-1mib-copy", st == IDXD_IMS_ST_SUCCESS &&
	       !memcmp(hi, g->mem + GUEST_SIZE / 4, 1u << 20), "status %#x", st);
	pins = mdev_count(g, "pins") - pins;
	now = mdev_count(g, "pinned_pages");
	result("pasid-pinned-while-running", pins >= 512 && now == 0,
	       "%ld pages pinned for it, %ld still", pins, now);

	/* a batch: a copy, a copy from unmapped memory, NOOPs with RCI on a
	 * vector the guest does not have and on its own vector 1
	 */
	memset(list, 0, 4 * sizeof(*list));
	for (i = 0; i < 4; i++)
		memset(cr(g, 8 + i), 0, 32);
	desc(&list[0], IDXD_IMS_OP_MEMMOVE, 0, gpa(g, cr(g, 8)));
	list[0].src = gpa(g, data(g, 3));
	list[0].dst = gpa(g, data(g, 6));
	list[0].size = 4096;
	desc(&list[1], IDXD_IMS_OP_MEMMOVE, 0, gpa(g, cr(g, 9)));
	list[1].src = 0x80000000;
	list[1].dst = gpa(g, data(g, 6));
	list[1].size = 64;
	desc(&list[2], IDXD_IMS_OP_NOOP, IDXD_IMS_F_RCI, gpa(g, cr(g, 10)));
	list[2].int_handle = 7;
	desc(&list[3], IDXD_IMS_OP_NOOP, IDXD_IMS_F_RCI, gpa(g, cr(g, 11)));
	list[3].int_handle = 1;
	memset(data(g, 6), 0, 4096);
	wait_efd(g->efd[1], 0);
	wait_efd(other->efd[1], 0);
	desc(&d, IDXD_IMS_OP_BATCH, 0, 0);
	d.src = gpa(g, list);
	d.size = 4;
	st = run(g, &d, 7);
	irqs = wait_efd(g->efd[1], 5000);
	result("pasid-batch", st == IDXD_IMS_ST_BATCH_FAIL && cr(g, 7)->bytes_completed == 4,
	       "status %#x, %u done", st, cr(g, 7)->bytes_completed);
	result("pasid-batch-member-copies", cr(g, 8)->status == IDXD_IMS_ST_SUCCESS &&
	       data(g, 6)[0] == data(g, 3)[0] && data(g, 6)[4095] == data(g, 3)[4095],
	       "status %#x", cr(g, 8)->status);
	result("pasid-batch-member-faults", cr(g, 9)->status == IDXD_IMS_ST_PAGE_FAULT &&
	       cr(g, 9)->fault_addr == 0x80000000, "status %#x fault %#llx",
	       cr(g, 9)->status, (unsigned long long)cr(g, 9)->fault_addr);
	result("pasid-batch-member-foreign-vector",
	       cr(g, 10)->status == IDXD_IMS_ST_INT_HANDLE_INVAL, "status %#x",
	       cr(g, 10)->status);
	result("pasid-batch-member-own-vector", cr(g, 11)->status == IDXD_IMS_ST_SUCCESS &&
	       irqs == 1 && wait_efd(other->efd[1], 200) == 0,
	       "status %#x, %llu interrupts", cr(g, 11)->status, (unsigned long long)irqs);
	list[0].size = 64;
	d.size = 33;
	st = run(g, &d, 7);
	result("pasid-batch-too-many", st == IDXD_IMS_ST_DESC_CNT_ERANGE, "status %#x", st);
	d.src = gpa(g, list) + 8;
	d.size = 2;
	st = run(g, &d, 7);
	result("pasid-batch-misaligned", st == IDXD_IMS_ST_DESCLIST_ALIGN, "status %#x", st);

	/* the VMM unmaps the upper half while fills of it are in flight */
	for (i = 0; i < 4; i++) {
		memset(cr(g, 12 + i), 0, 32);
		desc(&d, IDXD_IMS_OP_MEMFILL, 0, gpa(g, cr(g, 12 + i)));
		d.src = 0x6b6b6b6b6b6b6b6bull;
		d.dst = gpa(g, hi + (i % 2) * (1u << 20));
		d.size = 1u << 20;
		submit(g, &d, 0);
	}
	unmap.iova = GUEST_IOVA + GUEST_SIZE / 2;
	unmap.size = GUEST_SIZE / 2;
	rc = ioctl(g->container, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
	for (i = 0, ok = 0; i < 4; i++)
		ok += wait_cr(g, 12 + i) == IDXD_IMS_ST_SUCCESS;
	now = mdev_count(g, "pinned_pages");
	result("pasid-vmm-unmaps-under-work", !rc && unmap.size == GUEST_SIZE / 2 &&
	       ok == 4 && hi[(1u << 20) - 1] == 0x6b && now == 0,
	       "rc %ld, %u of 4 fills done, %ld pages still pinned", rc, ok, now);
	desc(&d, IDXD_IMS_OP_MEMMOVE, 0, 0);
	d.src = gpa(g, data(g, 3));
	d.dst = gpa(g, hi);
	d.size = 64;
	st = run(g, &d, 5);
	result("pasid-unmapped-faults", st == (IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT) &&
	       cr(g, 5)->fault_addr == d.dst, "status %#x fault %#llx", st,
	       (unsigned long long)cr(g, 5)->fault_addr);
	map.vaddr = (uintptr_t)hi;
	map.iova = unmap.iova;
	map.size = unmap.size;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	rc = ioctl(g->container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
	st = run(g, &d, 5);
	result("pasid-mapped-again-works", !rc && st == IDXD_IMS_ST_SUCCESS &&
	       hi[0] == data(g, 3)[0], "rc %ld status %#x", rc, st);
}

/*
 * Removal with work in flight: the VMM is asked (request eventfd) to let
 * go, closes, the records land, the mdev goes.
 */
static void test_remove_inflight(struct guest *g)
{
	char buf[sizeof(struct vfio_irq_set) + 4], path[200];
	struct vfio_irq_set *s = (void *)buf;
	int req = eventfd(0, EFD_NONBLOCK), status = -1;
	pid_t pid;

	s->argsz = sizeof(buf);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_REQ_IRQ_INDEX;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &req, 4);
	result("remove-req-irq", !ioctl(g->dev, VFIO_DEVICE_SET_IRQS, s), NULL);
	submit_fills(g, 30, 0x3c3c3c3c3c3c3c3cull);
	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/remove", g->uuid);
	pid = fork();
	if (!pid) {
		int fd;

		/* the device must not stay open through the child's copies */
		close(g->dev);
		close(g->group);
		close(g->container);
		fd = open(path, O_WRONLY);

		_exit(fd < 0 || write(fd, "1", 1) != 1);
	}
	result("remove-requested", wait_efd(req, 10000) >= 1, NULL);
	close_guest(g);
	result("remove-records-landed", fills_landed(g, 30), NULL);
	waitpid(pid, &status, 0);
	result("remove-done", WIFEXITED(status) && !WEXITSTATUS(status) &&
	       access(path, F_OK), "status %#x", status);
	close(req);
}

static void close_guest(struct guest *g)
{
	int i;

	close(g->dev);
	for (i = 0; i < NVEC; i++)
		close(g->efd[i]);
	close(g->group);
	close(g->container);
}

/*
 * DUALCAST: the source to two destinations whose page offsets match; one
 * offset apart, or overlapping, refused as the device refuses them; a
 * second destination the guest does not have, a write fault naming it.
 * CFLUSH is not offered (OPCAP): the virtual DSA cannot flush the VMM's
 * mapping of guest memory without pinning it.
 */
static void test_dualcast(struct guest *g)
{
	struct idxd_ims_desc d, good;
	uint64_t opcap = reg64(g, 0x40), irqs = 0;
	uint64_t dst2 = gpa(g, data(g, 2)) + 0x40;
	uint8_t st;
	int i;

	result("dualcast-in-opcap", !!(opcap & (1ull << IDXD_IMS_OP_DUALCAST)),
	       "opcap %#llx", (unsigned long long)opcap);
	if (on_pasid)
		result("cflush-in-opcap", !!(opcap & (1ull << IDXD_IMS_OP_CFLUSH)), NULL);
	else
		result("cflush-not-in-opcap", !(opcap & (1ull << IDXD_IMS_OP_CFLUSH)), NULL);
	for (i = 0; i < 3000; i++)
		data(g, 0)[i] = (uint8_t)(i * 7 + 3);
	memset(data(g, 1), 0, 4096);
	memset(data(g, 2), 0, 8192);
	desc(&good, IDXD_IMS_OP_DUALCAST, IDXD_IMS_F_RCI, gpa(g, cr(g, 0)));
	good.src = gpa(g, data(g, 0));
	good.dst = gpa(g, data(g, 1)) + 0x40;
	good.size = 3000;
	good.int_handle = 1;
	memcpy(good.op, &dst2, 8);
	memset(cr(g, 0), 0, 32);
	submit(g, &good, 1);
	irqs = wait_efd(g->efd[1], 5000);
	st = wait_cr(g, 0);
	result("dualcast-copies", st == IDXD_IMS_ST_SUCCESS && irqs == 1 &&
	       !memcmp(data(g, 1) + 0x40, data(g, 0), 3000) &&
	       !memcmp(data(g, 2) + 0x40, data(g, 0), 3000) &&
	       !data(g, 1)[0x40 + 3000] && !data(g, 2)[0x40 + 3000],
	       "status %#x, %llu interrupts", st, (unsigned long long)irqs);

	d = good;
	d.flags_opcode &= ~IDXD_IMS_F_RCI;
	d.int_handle = 0;
	dst2 += 8;			/* page offsets differ */
	memcpy(d.op, &dst2, 8);
	st = refused(g, &d);
	result("dualcast-misaligned", st == IDXD_IMS_ST_DCAST_ERR, "status %#x", st);
	dst2 = d.dst;			/* the same buffer twice */
	memcpy(d.op, &dst2, 8);
	st = refused(g, &d);
	result("dualcast-overlap", st == IDXD_IMS_ST_OVERLAP_BUFFERS, "status %#x", st);
	dst2 = 0x90000040;		/* never mapped */
	memcpy(d.op, &dst2, 8);
	st = refused(g, &d);
	/* the device names the page; the bounce path, the address */
	result("dualcast-dst2-unmapped",
	       st == (IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT) &&
	       (cr(g, 2)->fault_addr == dst2 ||
		(on_pasid && cr(g, 2)->fault_addr == (dst2 & ~0xfffull))), "status %#x fault %#llx", st,
	       (unsigned long long)cr(g, 2)->fault_addr);
	d = good;
	d.flags_opcode = (IDXD_IMS_OP_CFLUSH << 24) | IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR;
	d.int_handle = 0;
	d.src = 0;			/* CFLUSH names its range by dst */
	memset(d.op, 0, sizeof(d.op));
	st = refused(g, &d);
	if (on_pasid)
		result("cflush-runs", st == IDXD_IMS_ST_SUCCESS, "status %#x", st);
	else
		result("cflush-refused", st == IDXD_IMS_ST_BAD_OPCODE, "status %#x", st);
	d = good;
	d.flags_opcode = (IDXD_IMS_OP_COPY_CRC << 24) | IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR;
	d.int_handle = 0;
	d.dst = d.src + 100;
	memset(d.op, 0, sizeof(d.op));
	st = refused(g, &d);
	result("copy-crc-overlap", st == IDXD_IMS_ST_OVERLAP_BUFFERS, "status %#x", st);
}

int main(int argc, char **argv)
{
	struct guest a = { .tag = 'a' }, b = { .tag = 'b' };
	int rc;

	result_prefix = "mdev:";
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s UUID_A UUID_B [HOST_BDF]\n", argv[0]);
		return 2;
	}
	a.uuid = argv[1];
	b.uuid = argv[2];
	rc = open_guest(&a);
	result("a-open", !rc, "%s", rc ? strerror(-rc) : "");
	rc = rc ?: open_guest(&b);
	result("b-open", !rc, "%s", rc ? strerror(-rc) : "");
	if (rc)
		return 1;
	{
		const char *want = getenv("IDXD_IMS_VDSA_MODE");
		char mode[200];

		mdev_attr(a.uuid, "dma_mode", mode, sizeof(mode));
		on_pasid = !strncmp(mode, "pasid ", 6);
		/* t_mdev says what its profile's mode must be; others need not */
		if (want)
			result("dma-mode", !strncmp(mode, want, strlen(want)),
			       "%s (expected %s)", mode, want);
	}
	test_setup(&a);
	test_setup(&b);
	test_work(&a, &b, 40);
	test_work(&b, &a, 40);
	test_own_memory(&a, &b);
	if (on_pasid)
		test_pasid(&a, &b);
	test_bad_input(&a, &b);
	test_dualcast(&a);
	test_masking(&a);
	test_retarget(&a);
	if (argc == 4)
		test_host_halt(&a, &b, argv[3]);
	test_reset_inflight(&b);
	/* close with work in flight: the records still land */
	submit_fills(&a, 20, 0x5a5a5a5a5a5a5a5aull);
	close_guest(&a);
	result("close-inflight-records-landed", fills_landed(&a, 20), NULL);
	test_remove_inflight(&b);
	return failures ? 1 : 0;
}
