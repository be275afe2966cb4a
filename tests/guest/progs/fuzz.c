// SPDX-License-Identifier: MIT
/*
 * fuzz: a seeded, bounded fuzzer of each of the driver's interfaces.
 *
 *   fuzz cdev  SEED ITERS /dev/dsa/wqN.M   ioctls, mmap, write() descriptors
 *   fuzz vfio  SEED ITERS UUID             an mdev's VFIO ioctls, its regions
 *                                          (config space too), guest
 *                                          descriptors through its portal,
 *                                          batch lists in guest memory that
 *                                          change under the device, and the
 *                                          VMM unmapping and mapping guest
 *                                          memory under work
 *   fuzz sysfs SEED ITERS PATH...          writes to every writable file
 *                                          under each PATH (sysfs, debugfs)
 *
 * Every input comes from one xorshift generator seeded with SEED, so a
 * run is replayed by giving the same seed and count (the kernel's state
 * before it aside).  Values are drawn at and around every limit the
 * interface has (sizes, offsets, counts, buffer edges) more often than
 * at random.  The fuzzer checks only that the kernel answers: every call
 * returns (the test's time limit catches a hang), and the answers are
 * tallied by errno.  Whether the kernel stayed sound is for the caller to
 * see: the debug kernel's checkers, dmesg, and a real client run after.
 *
 * Prints "@@ TEST fuzz:MODE PASS|FAIL seed S, N iterations, ..." and the
 * tally as "@@ INFO" lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vfio.h>
#include "../../../uapi/linux/idxd_ims.h"
#include "result.h"
#include "vfio_mdev.h"

/* ---- the generator and the values it favours ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(int percent)
{
	return below(100) < (uint64_t)percent;
}

/* A value at a limit, one either side of it, or at random. */
static uint64_t near(uint64_t limit)
{
	switch (below(8)) {
	case 0: return limit;
	case 1: return limit - 1;
	case 2: return limit + 1;
	case 3: return 0;
	case 4: return limit * 2;
	case 5: return below(limit + 1);
	case 6: return ~0ull - below(4);
	default: return rnd() >> below(64);
	}
}

/* ---- the tally of answers ---- */

static unsigned long calls, answers[200];

static void tally(long rc)
{
	calls++;
	answers[rc < 0 ? (errno < 199 ? errno : 199) : 0]++;
}

static void print_tally(void)
{
	int e;

	for (e = 0; e < 200; e++)
		if (answers[e])
			printf("@@ INFO   %-14s %lu\n", e ? strerrorname_np(e) ?: "?" : "success",
			       answers[e]);
}

/* Addresses a bad caller passes: NULL, kernel, unmapped, misaligned. */
static void *bad_ptr(void)
{
	static void *unmapped;

	if (!unmapped) {
		unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(unmapped, 4096);
	}
	switch (below(4)) {
	case 0: return NULL;
	case 1: return (void *)0xffff888000000000ull;
	case 2: return unmapped;
	default: return (void *)(uintptr_t)(rnd() | 1);
	}
}

/* ---- the char device ---- */

#define CDEV_BUFS	6

struct cdev_state {
	const char *path;
	int fd;
	struct idxd_ims_wq_info info;
	struct { uint8_t *u; uint64_t iova, len; } buf[CDEV_BUFS];
	int nbuf;
};

static void cdev_open(struct cdev_state *s)
{
	s->fd = open(s->path, O_RDWR);
	s->nbuf = 0;
	memset(&s->info, 0, sizeof(s->info));
	s->info.argsz = sizeof(s->info);
	if (s->fd >= 0)
		ioctl(s->fd, IDXD_IMS_IOC_WQ_INFO, &s->info);
}

static void cdev_close(struct cdev_state *s)
{
	int i;

	/*
	 * A buffer still mapped keeps the file open; a dedicated WQ in
	 * virtual-address mode takes one file at a time, so there all go.
	 */
	int one_file = (s->info.flags & IDXD_IMS_WQ_VA) && s->info.dedicated;

	for (i = 0; i < s->nbuf; i++)
		if (one_file || chance(80))
			munmap(s->buf[i].u, s->buf[i].len);
	close(s->fd);
	s->fd = -1;
}

static void cdev_mmap(struct cdev_state *s)
{
	static const uint64_t lens[] = { 4096, 8192, 65536, IDXD_IMS_BUFFER_MAX,
					 IDXD_IMS_BUFFER_MAX + 4096, 3 * 4096 };
	uint64_t len = lens[below(6)];
	uint64_t off = chance(85) ? IDXD_IMS_MMAP_BUFFER :
		       chance(50) ? 0 : near(IDXD_IMS_MMAP_BUFFER) & ~4095ull;
	int prot = chance(90) ? PROT_READ | PROT_WRITE : (int)below(8);
	struct idxd_ims_buffer b = { .argsz = sizeof(b) };
	void *p;

	p = mmap(NULL, len, prot, chance(90) ? MAP_SHARED : MAP_PRIVATE, s->fd, off);
	tally(p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	b.uaddr = (uintptr_t)p;
	/* only buffers the fuzzer can write its batch lists into are kept */
	if (off != IDXD_IMS_MMAP_BUFFER || s->nbuf == CDEV_BUFS ||
	    prot != (PROT_READ | PROT_WRITE) ||
	    ioctl(s->fd, IDXD_IMS_IOC_BUFFER, &b)) {
		munmap(p, len);
		return;
	}
	s->buf[s->nbuf].u = p;
	s->buf[s->nbuf].iova = b.iova;
	s->buf[s->nbuf].len = len;
	s->nbuf++;
}

/* A device address: in a buffer, at or across its edges, or anywhere. */
static uint64_t cdev_addr(struct cdev_state *s, uint64_t size)
{
	int i;

	if (!s->nbuf || chance(10))
		return chance(50) ? near(1ull << 32) : rnd();
	i = below(s->nbuf);
	switch (below(6)) {
	case 0: return s->buf[i].iova;
	case 1: return s->buf[i].iova + s->buf[i].len - size;
	case 2: return s->buf[i].iova + s->buf[i].len - size + 1 + below(64);
	case 3: return s->buf[i].iova - 1 - below(64);
	case 4: return s->buf[i].iova + s->buf[i].len;
	default: return s->buf[i].iova + below(s->buf[i].len);
	}
}

static void cdev_desc(struct cdev_state *s, struct idxd_ims_desc *d, int nested)
{
	static const uint8_t ops[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				       0x07, 0x09, 0x10, 0x11, 0x12, 0x13, 0x20 };
	uint8_t op = chance(90) ? ops[below(sizeof(ops))] : (uint8_t)rnd();
	uint32_t flags = chance(60) ? (1u << 2 | 1u << 3) : (uint32_t)rnd() & 0xffffff;
	uint64_t size;

	memset(d, 0, sizeof(*d));
	if (chance(70))
		flags &= 0x00ffff;	/* the operation-specific byte is refused */
	if (chance(50))
		flags |= 1u << 3;	/* RCI */
	d->flags_opcode = (uint32_t)op << 24 | flags;
	if (chance(5))
		d->pasid_priv = (uint32_t)rnd();
	if (op == 0x01) {
		size = chance(80) ? 2 + below(s->info.max_batch ?: 32) : near(s->info.max_batch);
	} else {
		size = chance(70) ? 1 + below(4096) : near(s->info.max_xfer);
	}
	d->size = (uint32_t)size;
	d->src = cdev_addr(s, op == 0x01 ? size * 64 : size);
	if (op == 0x01 && chance(20))
		d->src |= below(64);
	d->dst = cdev_addr(s, size);
	d->completion_addr = cdev_addr(s, 32);
	if (chance(70))
		d->completion_addr &= ~31ull;
	d->int_handle = (uint16_t)rnd();
	if (chance(5))
		d->rsvd = (uint16_t)rnd();
	if (chance(20))
		*(uint64_t *)d->op = chance(50) ? cdev_addr(s, size) : rnd();
	/* a batch list: fill the first buffer with descriptors of any kind */
	if (op == 0x01 && !nested && s->nbuf && chance(60)) {
		struct idxd_ims_desc *list = (void *)s->buf[0].u;
		uint64_t i, n = size < 64 ? size : 64;

		if (!chance(20)) {
			d->src = s->buf[0].iova;
			for (i = 0; i < n && (i + 1) * 64 <= s->buf[0].len; i++)
				cdev_desc(s, &list[i], 1);
		}
	}
}

static void cdev_write(struct cdev_state *s)
{
	struct idxd_ims_desc d[IDXD_IMS_DESC_SIZE + 2];
	size_t n = chance(70) ? 1 : below(sizeof(d) / sizeof(d[0]) + 1), i;
	size_t len = n * sizeof(d[0]);
	ssize_t rc;

	for (i = 0; i < n; i++)
		cdev_desc(s, &d[i], 0);
	if (chance(5))
		len += chance(50) ? 1 : -1ul;
	if (chance(5)) {
		rc = write(s->fd, bad_ptr(), len);
	} else if (chance(5) && s->nbuf) {
		/* descriptors read from the end of a DMA buffer, across into nothing */
		uint8_t *end = s->buf[0].u + s->buf[0].len - 64 * below(3);

		rc = write(s->fd, end, len);
	} else {
		rc = write(s->fd, d, len);
	}
	tally(rc);
}

static void cdev_ioctl(struct cdev_state *s)
{
	uint8_t arg[256];
	unsigned long cmd;
	long rc;

	for (size_t i = 0; i < sizeof(arg); i++)
		arg[i] = (uint8_t)rnd();
	switch (below(6)) {
	case 0:
		cmd = IDXD_IMS_IOC_WQ_INFO;
		*(uint32_t *)arg = (uint32_t)near(sizeof(struct idxd_ims_wq_info));
		break;
	case 1: {
		struct idxd_ims_buffer *b = (void *)arg;

		cmd = IDXD_IMS_IOC_BUFFER;
		b->argsz = (uint32_t)near(sizeof(*b));
		b->flags = chance(80) ? 0 : (uint32_t)rnd();
		b->uaddr = s->nbuf && chance(70) ?
			   (uintptr_t)s->buf[below(s->nbuf)].u + near(4096) : rnd();
		break;
	}
	case 2: {
		struct idxd_ims_eventfd *e = (void *)arg;

		cmd = IDXD_IMS_IOC_SET_EVENTFD;
		e->argsz = (uint32_t)near(sizeof(*e));
		e->flags = chance(80) ? 0 : (uint32_t)rnd();
		e->rsvd = chance(80) ? 0 : (uint32_t)rnd();
		e->fd = chance(50) ? eventfd(0, EFD_NONBLOCK) :
			chance(50) ? -1 : (int)near(1024);
		break;
	}
	case 3:	/* our magic, any number, direction and size */
		cmd = _IOC(below(4), IDXD_IMS_IOC_MAGIC, below(8), below(512));
		break;
	case 4: {	/* register or drop memory: ours, a buffer's, or anyone's */
		static uint8_t mine[16 * 4096] __attribute__((aligned(4096)));
		struct idxd_ims_map *m = (void *)arg;

		cmd = chance(60) ? IDXD_IMS_IOC_MAP : IDXD_IMS_IOC_UNMAP;
		m->argsz = (uint32_t)near(sizeof(*m));
		m->flags = chance(80) ? 0 : (uint32_t)rnd();
		m->addr = chance(50) ? (uintptr_t)mine + below(sizeof(mine)) :
			  s->nbuf && chance(50) ? (uintptr_t)s->buf[below(s->nbuf)].u :
			  chance(50) ? (uintptr_t)bad_ptr() : rnd();
		m->len = chance(70) ? near(4096) * (1 + below(4)) : rnd();
		break;
	}
	default:
		cmd = (unsigned long)rnd();
		break;
	}
	rc = ioctl(s->fd, cmd, chance(10) ? bad_ptr() : arg);
	tally(rc);
	if (cmd == IDXD_IMS_IOC_SET_EVENTFD) {
		int fd = ((struct idxd_ims_eventfd *)arg)->fd;

		if (fd > 2 && fd != s->fd)
			close(fd);	/* the kernel keeps its own reference */
	}
}

static void cdev_poll(struct cdev_state *s)
{
	struct pollfd p = { .fd = s->fd, .events = (short)(chance(50) ? POLLIN : rnd()) };

	tally(poll(&p, 1, 0));
}

static int fuzz_cdev(uint64_t iters, const char *path)
{
	struct cdev_state s = { .path = path };
	uint64_t i;

	cdev_open(&s);
	if (s.fd < 0) {
		result("cdev", 0, "cannot open %s: %s", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < iters; i++) {
		switch (below(20)) {
		case 0:
			cdev_close(&s);
			cdev_open(&s);
			if (s.fd < 0) {
				result("cdev", 0, "reopen failed at iteration %llu: %s",
				       (unsigned long long)i, strerror(errno));
				return 1;
			}
			break;
		case 1: case 2: case 3:
			cdev_mmap(&s);
			break;
		case 4: case 5: case 6:
			cdev_ioctl(&s);
			break;
		case 7:
			cdev_poll(&s);
			break;
		default:
			cdev_write(&s);
			break;
		}
	}
	cdev_close(&s);
	return 0;
}

/* ---- an mdev through VFIO ---- */

#define GUEST_IOVA	0x100000ull
#define GUEST_SIZE	(1u << 20)
#define NEFD		4

struct vfio_state {
	const char *uuid;
	int container, group, dev;
	uint8_t *mem;
	uint64_t off[VFIO_PCI_NUM_REGIONS], size[VFIO_PCI_NUM_REGIONS];
	int efd[NEFD];
};

static int vfio_open(struct vfio_state *v)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	int i, rc;

	rc = vfio_mdev_open(v->uuid, &v->container, &v->group);
	if (rc)
		return rc;
	v->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (v->mem == MAP_FAILED)
		return -errno;
	map.vaddr = (uintptr_t)v->mem;
	map.iova = GUEST_IOVA;
	map.size = GUEST_SIZE;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	for (i = 0; i < NEFD; i++)
		v->efd[i] = eventfd(0, EFD_NONBLOCK);
	return 0;
}

static int vfio_dev_open(struct vfio_state *v)
{
	int i;

	v->dev = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, v->uuid);
	if (v->dev < 0)
		return -errno;
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };

		if (ioctl(v->dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
			return -errno;
		v->off[i] = ri.offset;
		v->size[i] = ri.size;
	}
	return 0;
}

static void vfio_set_irqs(struct vfio_state *v)
{
	static const uint32_t types[] = { VFIO_IRQ_SET_DATA_NONE, VFIO_IRQ_SET_DATA_BOOL,
					  VFIO_IRQ_SET_DATA_EVENTFD };
	static const uint32_t actions[] = { VFIO_IRQ_SET_ACTION_MASK,
					    VFIO_IRQ_SET_ACTION_UNMASK,
					    VFIO_IRQ_SET_ACTION_TRIGGER };
	uint8_t buf[sizeof(struct vfio_irq_set) + 64 * sizeof(int)];
	struct vfio_irq_set *s = (void *)buf;
	uint32_t i, ndata;

	memset(buf, 0, sizeof(buf));
	s->index = chance(60) ? VFIO_PCI_MSIX_IRQ_INDEX : (uint32_t)near(VFIO_PCI_NUM_IRQS);
	s->flags = chance(85) ? types[below(3)] | actions[below(3)] : (uint32_t)rnd();
	if (chance(10))
		s->flags |= VFIO_IRQ_SET_DATA_TYPE_MASK & (uint32_t)rnd();
	s->start = chance(70) ? (uint32_t)below(4) : (uint32_t)near(UINT32_MAX);
	s->count = chance(70) ? (uint32_t)below(5) : (uint32_t)near(UINT32_MAX);
	ndata = s->count < 64 ? s->count : 64;
	for (i = 0; i < ndata; i++) {
		if (s->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			((int *)s->data)[i] = chance(70) ? v->efd[below(NEFD)] :
					      chance(50) ? -1 : (int)near(1024);
		else
			s->data[i] = (uint8_t)(chance(80) ? below(2) : rnd());
	}
	s->argsz = sizeof(*s) + ndata * (s->flags & VFIO_IRQ_SET_DATA_EVENTFD ? 4 :
					 s->flags & VFIO_IRQ_SET_DATA_BOOL ? 1 : 0);
	if (chance(10))
		s->argsz = (uint32_t)near(s->argsz);
	if (s->argsz > sizeof(buf) && chance(50))
		s->argsz = sizeof(buf);
	tally(ioctl(v->dev, VFIO_DEVICE_SET_IRQS, chance(3) ? bad_ptr() : s));
}

static void vfio_other_ioctl(struct vfio_state *v)
{
	uint8_t arg[512];
	unsigned long cmd;
	size_t i;

	for (i = 0; i < sizeof(arg); i++)
		arg[i] = (uint8_t)rnd();
	switch (below(6)) {
	case 0: {
		struct vfio_device_info *di = (void *)arg;

		cmd = VFIO_DEVICE_GET_INFO;
		di->argsz = (uint32_t)near(sizeof(*di));
		break;
	}
	case 1: {
		struct vfio_region_info *ri = (void *)arg;

		cmd = VFIO_DEVICE_GET_REGION_INFO;
		ri->argsz = (uint32_t)near(sizeof(*ri));
		ri->index = (uint32_t)near(VFIO_PCI_NUM_REGIONS);
		break;
	}
	case 2: {
		struct vfio_irq_info *ii = (void *)arg;

		cmd = VFIO_DEVICE_GET_IRQ_INFO;
		ii->argsz = (uint32_t)near(sizeof(*ii));
		ii->index = (uint32_t)near(VFIO_PCI_NUM_IRQS);
		break;
	}
	case 3:
		cmd = VFIO_DEVICE_RESET;
		break;
	case 4:	/* VFIO's own numbers, any of them */
		cmd = _IO(VFIO_TYPE, VFIO_BASE + below(40));
		break;
	default:
		cmd = (unsigned long)rnd();
		break;
	}
	tally(ioctl(v->dev, cmd, chance(5) ? bad_ptr() : arg));
}

static const size_t access_sizes[] = { 1, 2, 3, 4, 5, 7, 8, 9, 16, 32, 63, 64, 65, 128, 4096 };

/* A region access at and around its end, of every size. */
static void vfio_region_access(struct vfio_state *v)
{
	uint32_t idx = chance(90) ? (uint32_t)below(VFIO_PCI_NUM_REGIONS) :
		       (uint32_t)near(VFIO_PCI_NUM_REGIONS);
	uint64_t size = idx < VFIO_PCI_NUM_REGIONS ? v->size[idx] : 0;
	uint64_t base = idx < VFIO_PCI_NUM_REGIONS ? v->off[idx] : (uint64_t)idx << 40;
	size_t len = access_sizes[below(sizeof(access_sizes) / sizeof(access_sizes[0]))];
	uint64_t off = chance(60) ? below(size ? size : 256) : near(size);
	uint8_t buf[4096];
	ssize_t rc;

	if (chance(50))
		off &= ~(uint64_t)(len - 1 < 8 ? len - 1 : 7);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rnd();
	if (idx == VFIO_PCI_BAR0_REGION_INDEX && chance(30)) {
		/* a command: any code, any operand */
		uint32_t c = (uint32_t)below(0x22) << 20 | (uint32_t)(rnd() & 0xfffff);

		off = 0xa0;
		len = 4;
		memcpy(buf, &c, 4);
	}
	if (chance(50))
		rc = pread(v->dev, chance(3) ? bad_ptr() : buf, len, base + off);
	else
		rc = pwrite(v->dev, chance(3) ? bad_ptr() : buf, len, base + off);
	tally(rc);
}

/* A guest descriptor through a portal: addresses in guest memory and not. */
/* A guest descriptor: random, or mostly plausible (addresses in guest memory). */
static void guest_desc(uint8_t *d)
{
	uint64_t a;
	uint32_t sz;
	int i;

	for (i = 0; i < 64; i++)
		d[i] = (uint8_t)rnd();
	if (!chance(80))
		return;
	/* the DSA 1.0 operations, BATCH among them, and CFLUSH */
	d[7] = chance(10) ? 0x20 : (uint8_t)below(0x12);
	d[4] = chance(50) ? 0x0c : d[4];	/* CRAV | RCR */
	for (i = 0; i < 3; i++) {
		a = chance(80) ? GUEST_IOVA + near(GUEST_SIZE - 64) : rnd();
		if (chance(30))
			a &= ~63ull;			/* a batch list's alignment */
		memcpy(d + 8 + 8 * i, &a, 8);
	}
	if (chance(70)) {
		if (d[7] == 0x01)			/* BATCH: a count */
			sz = (uint32_t)below(40);
		else
			sz = (uint32_t)(chance(70) ? below(4096) : near(1u << 17));
		memcpy(d + 32, &sz, 4);
	}
	if (chance(70))
		memset(d, 0, 4);		/* no PASID, not privileged */
}

static void vfio_portal(struct vfio_state *v)
{
	uint8_t d[64];

	guest_desc(d);
	tally(pwrite(v->dev, d, chance(90) ? 64 : access_sizes[below(15)],
		     v->off[VFIO_PCI_BAR2_REGION_INDEX] +
		     (chance(90) ? 4096 * below(4) : near(v->size[VFIO_PCI_BAR2_REGION_INDEX]))));
}

/*
 * The guest rewrites its own memory: batch lists (and the rest) change
 * while the device may be reading them.
 */
static void vfio_guest_memory(struct vfio_state *v)
{
	uint64_t off = below(GUEST_SIZE - 64 * 40) & ~63ull;
	unsigned int n = 1 + (unsigned int)below(40), i;

	for (i = 0; i < n; i++)
		guest_desc(v->mem + off + 64 * i);
}

/* The VMM unmaps guest memory under the device's work, and maps it again. */
static void vfio_dma_churn(struct vfio_state *v)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = GUEST_IOVA, .size = GUEST_SIZE,
	};
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .vaddr = (uintptr_t)v->mem, .iova = GUEST_IOVA,
		.size = GUEST_SIZE,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
	};

	if (chance(80))
		tally(ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap));
	if (chance(90)) {
		if (chance(20))
			map.flags = VFIO_DMA_MAP_FLAG_READ;	/* read-only to the device */
		tally(ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map));
	}
}

/* Enable the virtual device and its WQ, as a guest driver would. */
static void vfio_guest_enable(struct vfio_state *v)
{
	uint32_t c;
	uint16_t cmdreg = 0x6;

	pwrite(v->dev, &cmdreg, 2, v->off[VFIO_PCI_CONFIG_REGION_INDEX] + 4);
	c = 1u << 20;					/* ENABLE_DEVICE */
	pwrite(v->dev, &c, 4, v->off[VFIO_PCI_BAR0_REGION_INDEX] + 0xa0);
	c = 6u << 20;					/* ENABLE_WQ 0 */
	pwrite(v->dev, &c, 4, v->off[VFIO_PCI_BAR0_REGION_INDEX] + 0xa0);
}

static int fuzz_vfio(uint64_t iters, const char *uuid)
{
	struct vfio_state v = { .uuid = uuid };
	uint64_t i;
	int rc;

	rc = vfio_open(&v);
	if (!rc)
		rc = vfio_dev_open(&v);
	if (rc) {
		result("vfio", 0, "cannot open mdev %s: %s", uuid, strerror(-rc));
		return 1;
	}
	vfio_guest_enable(&v);
	for (i = 0; i < iters; i++) {
		switch (below(27)) {
		case 24: case 25:
			vfio_guest_memory(&v);
			break;
		case 26:
			vfio_dma_churn(&v);
			break;
		case 0:		/* close with whatever vectors are set, reopen */
			close(v.dev);
			rc = vfio_dev_open(&v);
			if (rc) {
				result("vfio", 0, "reopen failed at iteration %llu: %s",
				       (unsigned long long)i, strerror(-rc));
				return 1;
			}
			if (chance(70))
				vfio_guest_enable(&v);
			break;
		case 1:
			vfio_guest_enable(&v);
			break;
		case 2: case 3: case 4: case 5: case 6:
			vfio_set_irqs(&v);
			break;
		case 7: case 8: case 9:
			vfio_other_ioctl(&v);
			break;
		case 10: case 11: case 12: case 13: case 14: case 15:
			vfio_portal(&v);
			break;
		default:
			vfio_region_access(&v);
			break;
		}
	}
	close(v.dev);
	close(v.group);
	close(v.container);
	return 0;
}

/* ---- writable files: sysfs attributes, debugfs hooks, parameters ---- */

#define MAX_FILES	4096

static char *files[MAX_FILES];
static int nfiles;

static void collect(const char *dir, int depth)
{
	struct dirent *e;
	struct stat st;
	char path[PATH_MAX];
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) && nfiles < MAX_FILES) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "power") ||
		    !strcmp(e->d_name, "subsystem") || !strcmp(e->d_name, "driver") ||
		    !strcmp(e->d_name, "firmware_node") || !strcmp(e->d_name, "iommu") ||
		    !strcmp(e->d_name, "iommu_group") || !strcmp(e->d_name, "uevent"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 3)
			collect(path, depth + 1);
		else if (S_ISLNK(st.st_mode) && depth == 0 && !stat(path, &st) &&
			 S_ISDIR(st.st_mode))
			collect(path, depth + 1);	/* /sys/bus/.../devices/X */
		else if (S_ISREG(st.st_mode) && (st.st_mode & 0222))
			files[nfiles++] = strdup(path);
	}
	closedir(d);
}

static const char *const words[] = {
	"", "\n", " ", "0", "1", "-1", "2", "8", "16", "32", "64", "128", "255",
	"256", "1024", "4096", "65535", "65536", "2147483647", "2147483648",
	"4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
	"-2147483649", "0x10", "010", "1e3", "1 2", "+5", "dedicated", "shared",
	"kernel", "user", "mdev", "dmaengine", "idxd", "enabled", "disabled",
	"dsa0", "dsa1", "wq0.0", "wq0.1", "wq0.7", "wq1.0", "engine0.0", "group0.0",
	"disable", "enable", "halt", "wq0.0 disable", "wq0.0 enable", "4 wq0.0",
	"100000 wq0.0", "0 wq0.0", "1 wq9.9", "yes", "no", "on", "off", "y", "n",
	"6f1c3a1e-0000-4000-8000-0000000000ff", "not-a-uuid",
};

static void fuzz_value(char *buf, size_t cap, size_t *len)
{
	size_t i, n;

	switch (below(6)) {
	case 0:		/* a number near a power of two */
		*len = snprintf(buf, cap, "%llu", (unsigned long long)near(1ull << below(33)));
		break;
	case 1:		/* random bytes, NUL and newline included */
		n = below(64);
		for (i = 0; i < n; i++)
			buf[i] = (char)rnd();
		*len = n;
		break;
	case 2:		/* long */
		n = chance(50) ? 4095 : 4096 + below(64);
		n = n < cap ? n : cap - 1;
		memset(buf, '7', n);
		*len = n;
		break;
	default:
		*len = snprintf(buf, cap, "%s%s", words[below(sizeof(words) / sizeof(words[0]))],
				chance(50) ? "\n" : "");
		break;
	}
}

static int fuzz_files(uint64_t iters, int ndirs, char **dirs)
{
	static char buf[8192];
	uint64_t i;
	size_t len;
	int k, fd;

	for (k = 0; k < ndirs; k++)
		collect(dirs[k], 0);
	printf("@@ INFO fuzz: %d writable files\n", nfiles);
	if (!nfiles) {
		result("sysfs", 0, "no writable file under the paths given");
		return 1;
	}
	for (i = 0; i < iters; i++) {
		const char *f = files[below(nfiles)];

		fuzz_value(buf, sizeof(buf), &len);
		fd = open(f, O_WRONLY);
		if (fd < 0) {
			tally(-1);	/* gone with a device, or never writable */
			continue;
		}
		tally(write(fd, buf, len));
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed, iters;
	char name[64];
	int rc;

	if (argc < 5) {
		fprintf(stderr,
			"usage: fuzz cdev SEED ITERS /dev/dsa/wqN.M\n"
			"       fuzz vfio SEED ITERS MDEV-UUID\n"
			"       fuzz sysfs SEED ITERS DIR...\n");
		return 2;
	}
	result_prefix = "fuzz:";
	seed = strtoull(argv[2], NULL, 0);
	iters = strtoull(argv[3], NULL, 0);
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ull;
	printf("@@ INFO fuzz %s: seed %llu, %llu iterations (replay: fuzz %s %llu %llu ...)\n",
	       argv[1], (unsigned long long)seed, (unsigned long long)iters, argv[1],
	       (unsigned long long)seed, (unsigned long long)iters);
	fflush(stdout);
	if (!strcmp(argv[1], "cdev"))
		rc = fuzz_cdev(iters, argv[4]);
	else if (!strcmp(argv[1], "vfio"))
		rc = fuzz_vfio(iters, argv[4]);
	else if (!strcmp(argv[1], "sysfs"))
		rc = fuzz_files(iters, argc - 4, argv + 4);
	else
		return 2;
	print_tally();
	snprintf(name, sizeof(name), "%s", argv[1]);
	if (!rc)
		result(name, 1, "seed %llu, %llu iterations, %lu calls answered",
		       (unsigned long long)seed, (unsigned long long)iters, calls);
	return failures ? 1 : 0;
}
