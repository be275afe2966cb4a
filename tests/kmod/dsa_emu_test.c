// SPDX-License-Identifier: GPL-2.0
/*
 * dsa_emu_test - conformance tests for the emulated DSA device model.
 *
 * A minimal PCI driver for 8086:0b25 that programs the device directly
 * (registers, tables, portals) and checks what it does.  It knows nothing
 * of the idxd-ims driver: it pins the device model down on its own, in a
 * real kernel, through the emulated IOMMU.
 *
 * Usage: echo TEST > /sys/kernel/debug/dsa_emu_test/<bdf>/run
 * The write succeeds when the test passes; on failure it returns -EIO and
 * dmesg says which check failed.  Test names: see det_tests[].
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/interrupt.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/dma-mapping.h>
#include <linux/random.h>
#include <linux/unaligned.h>

static bool expect_ir_format;
module_param(expect_ir_format, bool, 0444);
MODULE_PARM_DESC(expect_ir_format,
		 "MSI-X messages must be in Intel remappable format");
static uint msix_spare;
module_param(msix_spare, uint, 0444);
MODULE_PARM_DESC(msix_spare, "MSI-X entries the device has past 1 + 8 WQs (its msix-spare)");

/* Register layout (public DSA spec), kept independent of the driver. */
#define R_VERSION	0x00
#define R_GENCAP	0x10
#define R_WQCAP		0x20
#define R_GRPCAP	0x30
#define R_ENGCAP	0x38
#define R_OPCAP		0x40
#define R_TABLE_OFF	0x60
#define R_GENCFG	0x80
#define R_GENCTRL	0x88
#define R_GENSTS	0x90
#define R_INTCAUSE	0x98
#define R_CMD		0xa0
#define R_CMDSTS	0xa8
#define R_CMDCAP	0xb0
#define R_SWERR		0xc0

#define EMU		0x1000
#define EMU_ID		(EMU + 0x000)
#define EMU_CTRL	(EMU + 0x004)
#define EMU_IMS_SENT	(EMU + 0x018)
#define EMU_WQ_DROPPED(w) (EMU + 0x100 + 0x20 * (w) + 0x10)
#define EMU_IMS_PENDING	(EMU + 0x800)

#define MSIX_TABLE	0x2000

#define CMD_ENABLE_DEV	1
#define CMD_DISABLE_DEV	2
#define CMD_RESET_DEV	5
#define CMD_ENABLE_WQ	6
#define CMD_DISABLE_WQ	7
#define CMD_DRAIN_WQ	8
#define CMD_ABORT_WQ	9
#define CMD_REQ_HANDLE	13
#define CMD_REL_HANDLE	14

#define F_CRAV		0x04
#define F_RCR		0x08
#define F_RCI		0x10
#define F_FENCE		0x01

#define OP_NOOP		0x00
#define OP_BATCH	0x01
#define OP_DRAIN	0x02
#define OP_MEMMOVE	0x03
#define OP_MEMFILL	0x04
#define OP_COMPARE	0x05
#define OP_COMPVAL	0x06
#define OP_CR_DELTA	0x07
#define OP_DUALCAST	0x09
#define OP_CRCGEN	0x10
#define OP_COPY_CRC	0x11
#define OP_DIF_CHECK	0x12
#define OP_CFLUSH	0x20

#define PAGE_MSIX	0
#define PAGE_MSIX_LIM	1
#define PAGE_IMS	2

#define DET_MAX_VEC	17
#define BUF_SIZE	(512 * 1024)
#define OFF_SRC		0
#define OFF_DST		(128 * 1024)
#define OFF_DST2	(256 * 1024)
#define OFF_CR		(384 * 1024)
#define OFF_LIST	(448 * 1024)

struct det_desc {
	u32 pasid;
	u32 flags_op;
	u64 cr;
	u64 a1;
	u64 a2;
	u32 size;
	u16 handle;
	u16 rsvd;
	u8 op[24];
} __packed;

struct det_dev {
	struct pci_dev *pdev;
	void __iomem *bar0;
	void __iomem *bar2;
	int nvec;
	atomic_t irqs[DET_MAX_VEC];
	u32 intcause_seen;
	bool handles;
	u8 *buf;
	dma_addr_t dma;
	struct dentry *dir;
	struct mutex lock;		/* one test at a time */
	const char *test;
};

static struct dentry *det_root;

#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			dev_err(&d->pdev->dev, "%s: line %d: %s: " fmt "\n", \
				d->test, __LINE__, #cond, ##__VA_ARGS__); \
			return -EIO;					\
		}							\
	} while (0)

#define TRY(expr)							\
	do {								\
		int __r = (expr);					\
		if (__r)						\
			return __r;					\
	} while (0)

static irqreturn_t det_irq(int irq, void *data)
{
	atomic_inc((atomic_t *)data);
	return IRQ_HANDLED;
}

static irqreturn_t det_misc_irq(int irq, void *data)
{
	struct det_dev *d = data;
	u32 cause = readl(d->bar0 + R_INTCAUSE);

	d->intcause_seen |= cause;
	writel(cause, d->bar0 + R_INTCAUSE);
	atomic_inc(&d->irqs[0]);
	return IRQ_HANDLED;
}

/* Run a command, wait for CMDSTS.active to clear; returns CMDSTS. */
static u32 det_cmd(struct det_dev *d, u32 cmd, u32 operand)
{
	int i;
	u32 sts;

	writel((cmd << 20) | (operand & 0xfffff), d->bar0 + R_CMD);
	for (i = 0; i < 2000; i++) {
		sts = readl(d->bar0 + R_CMDSTS);
		if (!(sts & BIT(31)))
			return sts;
		usleep_range(100, 200);
	}
	return 0xdeadffff;
}

static u32 det_state(struct det_dev *d)
{
	return readl(d->bar0 + R_GENSTS) & 3;
}

static void __iomem *det_wqcfg(struct det_dev *d, int wq)
{
	u64 off = readq(d->bar0 + R_TABLE_OFF);

	return d->bar0 + ((off >> 16) & 0xffff) * 0x100 + wq * 32;
}

static void __iomem *det_grpcfg(struct det_dev *d, int g)
{
	u64 off = readq(d->bar0 + R_TABLE_OFF);

	return d->bar0 + (off & 0xffff) * 0x100 + g * 64;
}

static void __iomem *det_ims(struct det_dev *d, int slot)
{
	u64 off = readq(d->bar0 + R_TABLE_OFF);

	return d->bar0 + ((off >> 48) & 0xffff) * 0x100 + slot * 16;
}

static void det_set_wq(struct det_dev *d, int wq, u32 size, u32 thresh,
		       u32 prio, u32 xfer_shift)
{
	void __iomem *c = det_wqcfg(d, wq);

	writel(size, c);
	writel(thresh, c + 4);
	writel(1 | (prio << 4), c + 8);		/* dedicated */
	writel(xfer_shift | (10 << 5), c + 12);
}

static void det_set_group(struct det_dev *d, int g, u64 wqs, u64 engines)
{
	void __iomem *c = det_grpcfg(d, g);

	writeq(wqs, c);
	writeq(0, c + 8);
	writeq(0, c + 16);
	writeq(0, c + 24);
	writeq(engines, c + 32);
	writeq(0, c + 40);
}

static int det_reset(struct det_dev *d)
{
	u32 sts = det_cmd(d, CMD_RESET_DEV, 0);

	CHECK(sts == 0, "RESET_DEVICE status 0x%x", sts);
	CHECK(det_state(d) == 0, "state %u after reset", det_state(d));
	writel(3, d->bar0 + R_GENCTRL);		/* softerr + halt interrupts */
	writel(BIT(12), d->bar0 + R_GENCFG);	/* user_int_en: RCI from WQs */
	writel(0, d->bar0 + EMU_CTRL);
	return 0;
}

/* Reset, then one dedicated WQ (index wq) of the given size in group 0. */
static int det_bringup(struct det_dev *d, int wq, u32 size, u32 thresh)
{
	u32 sts;

	TRY(det_reset(d));
	det_set_wq(d, wq, size, thresh, 1, 21);
	det_set_group(d, 0, BIT_ULL(wq), 1);
	sts = det_cmd(d, CMD_ENABLE_DEV, 0);
	CHECK(sts == 0, "ENABLE_DEVICE 0x%x", sts);
	sts = det_cmd(d, CMD_ENABLE_WQ, wq);
	CHECK(sts == 0, "ENABLE_WQ 0x%x", sts);
	CHECK(readl(det_wqcfg(d, wq) + 24) >> 30 == 1, "wq_state not enabled");
	return 0;
}

static u16 det_handle(struct det_dev *d, bool ims, u32 index)
{
	u32 sts;

	if (!d->handles)
		return index;
	sts = det_cmd(d, CMD_REQ_HANDLE, index | (ims ? BIT(16) : 0));
	if (sts & 0xff)
		return 0xffff;
	return (sts >> 8) & 0xffff;
}

static void det_submit(struct det_dev *d, int wq, int page,
		       const struct det_desc *desc)
{
	const u64 *q = (const u64 *)desc;
	void __iomem *p = d->bar2 + wq * 0x4000 + page * 0x1000;
	int i;

	for (i = 0; i < 8; i++)
		writeq(q[i], p + i * 8);
}

static u8 *det_cr(struct det_dev *d, int n)
{
	return d->buf + OFF_CR + n * 32;
}

static u64 det_cr_dma(struct det_dev *d, int n)
{
	return d->dma + OFF_CR + n * 32;
}

/* Wait for a completion record's status byte; returns it (0: timeout). */
static u8 det_wait(struct det_dev *d, int n)
{
	int i;

	for (i = 0; i < 4000; i++) {
		u8 st = READ_ONCE(*det_cr(d, n));

		if (st)
			return st;
		usleep_range(200, 400);
	}
	return 0;
}

static void det_desc_init(struct det_desc *x, u8 op, u32 flags, int crn,
			  struct det_dev *d)
{
	memset(x, 0, sizeof(*x));
	x->flags_op = ((u32)op << 24) | flags | F_CRAV | F_RCR;
	x->cr = det_cr_dma(d, crn);
	memset(det_cr(d, crn), 0, 32);
}

/* Wait until vector vec has seen want interrupts, then a little longer. */
static int det_irq_settle(struct det_dev *d, int vec, int want)
{
	int i;

	for (i = 0; i < 500 && atomic_read(&d->irqs[vec]) < want; i++)
		usleep_range(200, 400);
	msleep(30);
	return atomic_read(&d->irqs[vec]);
}

static void det_irq_zero(struct det_dev *d)
{
	int i;

	for (i = 0; i < DET_MAX_VEC; i++)
		atomic_set(&d->irqs[i], 0);
	d->intcause_seen = 0;
}

static u32 det_crc32c(u32 crc, const u8 *p, size_t len)
{
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return crc;
}

/* ---- tests ---------------------------------------------------------------- */

static int t_caps(struct det_dev *d)
{
	u64 gencap = readq(d->bar0 + R_GENCAP);
	u64 wqcap = readq(d->bar0 + R_WQCAP);
	u64 opcap = readq(d->bar0 + R_OPCAP);
	u64 off = readq(d->bar0 + R_TABLE_OFF);

	CHECK(readl(d->bar0 + R_VERSION) == 0x100, "");
	CHECK(d->pdev->subsystem_vendor == 0x1af4 &&
	      d->pdev->subsystem_device == 0x1100, "subsystem %04x:%04x",
	      d->pdev->subsystem_vendor, d->pdev->subsystem_device);
	CHECK(readl(d->bar0 + EMU_ID) == 0x45415344, "");
	CHECK(((gencap >> 16) & 0x1f) == 21, "max_xfer_shift");
	CHECK(((gencap >> 21) & 0xf) == 10, "max_batch_shift");
	CHECK(((gencap >> 25) & 0x3f) * 256 == 2048, "ims size");
	CHECK(gencap & BIT(31), "config_en");
	CHECK((wqcap & 0xffff) == 128 && ((wqcap >> 16) & 0xff) == 8, "");
	CHECK(wqcap & BIT_ULL(49), "dedicated mode");
	CHECK((readq(d->bar0 + R_GRPCAP) & 0xff) == 4, "");
	CHECK((readq(d->bar0 + R_ENGCAP) & 0xff) == 4, "");
	CHECK(opcap == 0x10003027fULL, "opcap 0x%llx", opcap);
	CHECK(readq(d->bar0 + R_OPCAP + 8) == 0, "");
	CHECK(!(opcap & (BIT(OP_CR_DELTA) | BIT(8) | GENMASK_ULL(0x15, 0x12))),
	      "delta/DIF advertised");
	CHECK(((off >> 48) & 0xffff) * 0x100 == 0x8000, "ims at 0x%llx",
	      ((off >> 48) & 0xffff) * 0x100);
	CHECK(d->handles == !!(gencap & BIT(4)), "");
	if (d->handles)
		CHECK((readl(d->bar0 + R_CMDCAP) & 0x7ffe) == 0x7ffe, "cmdcap");
	CHECK(d->nvec == 9 + msix_spare, "%d MSI-X vectors, want 9 + %u", d->nvec, msix_spare);
	/* every IMS slot starts masked */
	CHECK(readl(det_ims(d, 0) + 12) & 1, "");
	CHECK(readl(det_ims(d, 2047) + 12) & 1, "");
	return 0;
}

static int expect_enable_dev(struct det_dev *d, u32 want, const char *what)
{
	u32 before = det_state(d);
	u32 sts = det_cmd(d, CMD_ENABLE_DEV, 0);

	CHECK((sts & 0xff) == want, "%s: ENABLE_DEVICE gave 0x%x, want 0x%x",
	      what, sts & 0xff, want);
	if (want)
		CHECK(det_state(d) == before, "%s: refused enable changed state",
		      what);
	return 0;
}

static int expect_enable_wq(struct det_dev *d, int wq, u32 want,
			    const char *what)
{
	u32 before = wq < 8 ? readl(det_wqcfg(d, wq) + 24) >> 30 : 0;
	u32 sts = det_cmd(d, CMD_ENABLE_WQ, wq);

	CHECK((sts & 0xff) == want, "%s: ENABLE_WQ gave 0x%x, want 0x%x",
	      what, sts & 0xff, want);
	if (want && wq < 8)
		CHECK(readl(det_wqcfg(d, wq) + 24) >> 30 == before,
		      "%s: refused enable changed wq_state", what);
	return 0;
}

static int t_bad_config(struct det_dev *d)
{
	u32 sts;

	TRY(det_reset(d));
	pci_clear_master(d->pdev);
	det_set_wq(d, 0, 16, 0, 1, 21);
	det_set_group(d, 0, 1, 1);
	TRY(expect_enable_dev(d, 0x12, "bus master off"));
	pci_set_master(d->pdev);

	det_set_wq(d, 1, 120, 0, 1, 21);
	det_set_group(d, 0, 3, 1);
	TRY(expect_enable_dev(d, 0x14, "WQ sizes over total"));
	det_set_wq(d, 1, 0, 0, 1, 21);

	det_set_wq(d, 2, 8, 0, 1, 21);
	TRY(expect_enable_dev(d, 0x15, "WQ in no group"));
	det_set_group(d, 1, 5, 2);
	TRY(expect_enable_dev(d, 0x15, "WQ in two groups"));
	det_set_group(d, 1, 4, 0);
	TRY(expect_enable_dev(d, 0x17, "group without engine"));
	det_set_group(d, 1, 4, 1);
	TRY(expect_enable_dev(d, 0x16, "engine in two groups"));
	det_set_group(d, 1, 4, BIT(9));
	TRY(expect_enable_dev(d, 0x16, "engine beyond ENGCAP"));
	det_set_group(d, 1, 4 | 8, 2);
	det_set_wq(d, 3, 4, 0, 1, 21);			/* sizes are set now */
	TRY(expect_enable_dev(d, 0, "good config"));
	TRY(expect_enable_dev(d, 0x10, "already enabled"));

	/* GRPCFG is frozen while enabled */
	writeq(0, det_grpcfg(d, 1));
	CHECK(readq(det_grpcfg(d, 1)) == 12, "GRPCFG changed while enabled");
	/* so are WQ sizes: the total was checked at enable */
	writel(100, det_wqcfg(d, 4));
	CHECK(readl(det_wqcfg(d, 4)) == 0, "WQ size changed while enabled");
	TRY(expect_enable_wq(d, 4, 0x22, "size 0"));

	det_set_wq(d, 3, 4, 0, 0, 21);
	TRY(expect_enable_wq(d, 3, 0x23, "priority 0"));
	det_set_wq(d, 3, 4, 8, 1, 21);
	TRY(expect_enable_wq(d, 3, 0x22, "threshold over size"));
	det_set_wq(d, 3, 4, 0, 1, 25);
	TRY(expect_enable_wq(d, 3, 0x28, "max_xfer_shift over GENCAP"));
	det_set_wq(d, 3, 4, 0, 1, 21);
	writel(readl(det_wqcfg(d, 3) + 8) | BIT(1), det_wqcfg(d, 3) + 8);
	TRY(expect_enable_wq(d, 3, 0x25, "block on fault"));
	det_set_wq(d, 3, 4, 0, 1, 21);
	writel(readl(det_wqcfg(d, 3) + 8) | BIT(28), det_wqcfg(d, 3) + 8);
	TRY(expect_enable_wq(d, 3, 0x26, "PASID enable without PASID"));
	det_set_wq(d, 3, 4, 0, 1, 21);
	writel(readl(det_wqcfg(d, 3) + 8) & ~1u, det_wqcfg(d, 3) + 8);
	TRY(expect_enable_wq(d, 3, 0x24, "shared mode not advertised"));
	TRY(expect_enable_wq(d, 9, 0x02, "WQ index out of range"));
	TRY(expect_enable_wq(d, 0, 0, "good WQ"));
	TRY(expect_enable_wq(d, 0, 0x21, "already enabled"));

	/* WQCFG is frozen while the WQ is enabled */
	writel(99, det_wqcfg(d, 0));
	CHECK((readl(det_wqcfg(d, 0)) & 0xffff) == 16, "WQCFG changed");

	sts = det_cmd(d, 0x1f, 0);
	CHECK((sts & 0xff) == 0x01, "invalid command gave 0x%x", sts);
	sts = det_cmd(d, CMD_DISABLE_WQ, BIT(12));
	CHECK((sts & 0xff) == 0x02, "disable WQ 12 gave 0x%x", sts);
	sts = det_cmd(d, CMD_DISABLE_DEV, 0);
	CHECK(sts == 0 && det_state(d) == 0, "disable 0x%x", sts);
	CHECK(!(readl(det_wqcfg(d, 0) + 24) >> 30), "WQ still enabled");
	sts = det_cmd(d, CMD_DISABLE_DEV, 0);
	CHECK((sts & 0xff) == 0x31, "disable twice gave 0x%x", sts);
	sts = det_cmd(d, CMD_DRAIN_WQ, 1);
	CHECK((sts & 0xff) == 0x32, "drain WQ on disabled device 0x%x", sts);
	TRY(expect_enable_wq(d, 0, 0x20, "device disabled"));
	if (d->handles) {
		sts = det_cmd(d, CMD_REQ_HANDLE, 9);
		CHECK((sts & 0xff) == 0x41, "MSI-X handle 9 gave 0x%x", sts);
		sts = det_cmd(d, CMD_REQ_HANDLE, 2048 | BIT(16));
		CHECK((sts & 0xff) == 0x41, "IMS handle 2048 gave 0x%x", sts);
	} else {
		sts = det_cmd(d, CMD_REQ_HANDLE, 1);
		CHECK((sts & 0xff) == 0x01, "REQUEST_INT_HANDLE w/o cmdcap 0x%x",
		      sts);
	}
	return det_reset(d);
}

static int run_memmove(struct det_dev *d, u32 size, u32 src_off, u32 dst_off)
{
	struct det_desc x;
	u8 st;

	get_random_bytes(d->buf + OFF_SRC + src_off, size);
	memset(d->buf + OFF_DST + dst_off, 0, size + 64);
	det_desc_init(&x, OP_MEMMOVE, 0, 0, d);
	x.a1 = d->dma + OFF_SRC + src_off;
	x.a2 = d->dma + OFF_DST + dst_off;
	x.size = size;
	det_submit(d, 0, PAGE_MSIX, &x);
	st = det_wait(d, 0);
	CHECK(st == 1, "size %u: status 0x%x", size, st);
	CHECK(!memcmp(d->buf + OFF_SRC + src_off, d->buf + OFF_DST + dst_off,
		      size), "size %u: data differs", size);
	CHECK(!memchr_inv(d->buf + OFF_DST + dst_off + size, 0, 64),
	      "size %u: wrote past the end", size);
	return 0;
}

static int t_memmove(struct det_dev *d)
{
	TRY(det_bringup(d, 0, 16, 0));
	TRY(run_memmove(d, 64, 0, 0));
	TRY(run_memmove(d, 4096 + 100, 4000, 17));	/* crosses pages */
	TRY(run_memmove(d, 65536, 0, 0));
	TRY(run_memmove(d, 1, 5, 3));
	return det_reset(d);
}

static int t_ops(struct det_dev *d)
{
	struct det_desc x, *list;
	u8 *src = d->buf + OFF_SRC, *dst = d->buf + OFF_DST;
	u8 *dst2 = d->buf + OFF_DST2;
	u32 crc;
	int i;

	TRY(det_bringup(d, 0, 16, 0));

	/* MEMFILL: 8-byte pattern over an odd length */
	memset(dst, 0, 1100);
	det_desc_init(&x, OP_MEMFILL, 0, 0, d);
	x.a1 = 0x0807060504030201ULL;
	x.a2 = d->dma + OFF_DST;
	x.size = 1027;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "memfill status");
	for (i = 0; i < 1027; i++)
		CHECK(dst[i] == (i & 7) + 1, "memfill byte %d", i);
	CHECK(dst[1027] == 0, "memfill overran");

	/* COMPARE: equal, then a difference at 777 */
	get_random_bytes(src, 2048);
	memcpy(dst, src, 2048);
	det_desc_init(&x, OP_COMPARE, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	x.size = 2048;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1 && det_cr(d, 0)[1] == 0, "compare equal");
	dst[777] ^= 0xff;
	det_desc_init(&x, OP_COMPARE, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	x.size = 2048;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "compare status");
	CHECK(det_cr(d, 0)[1] == 1, "compare result");
	CHECK(get_unaligned_le32(det_cr(d, 0) + 4) == 777, "first difference %u",
	      get_unaligned_le32(det_cr(d, 0) + 4));

	/* COMPVAL against a pattern */
	for (i = 0; i < 512; i++)
		src[i] = 0xa0 + (i & 7);
	det_desc_init(&x, OP_COMPVAL, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = 0xa7a6a5a4a3a2a1a0ULL;
	x.size = 512;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1 && det_cr(d, 0)[1] == 0, "compval");

	/* DUALCAST: same low 12 bits on both destinations */
	get_random_bytes(src, 3000);
	memset(dst, 0, 3000);
	memset(dst2, 0, 3000);
	det_desc_init(&x, OP_DUALCAST, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	put_unaligned_le64(d->dma + OFF_DST2, x.op);
	x.size = 3000;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "dualcast status");
	CHECK(!memcmp(src, dst, 3000) && !memcmp(src, dst2, 3000), "dualcast");

	/* CRCGEN and COPY_CRC against a bitwise reference */
	get_random_bytes(src, 5000);
	crc = ~det_crc32c(~0x12345678u, src, 5000);	/* DSA: ~crc(~seed) */
	det_desc_init(&x, OP_CRCGEN, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.size = 5000;
	put_unaligned_le32(0x12345678, x.op);
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "crcgen status");
	CHECK(get_unaligned_le32(det_cr(d, 0) + 16) == crc, "crc 0x%x want 0x%x",
	      get_unaligned_le32(det_cr(d, 0) + 16), crc);
	memset(dst, 0, 5000);
	det_desc_init(&x, OP_COPY_CRC, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	x.size = 5000;
	put_unaligned_le32(0x12345678, x.op);
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "copy_crc status");
	CHECK(get_unaligned_le32(det_cr(d, 0) + 16) == crc, "copy_crc crc");
	CHECK(!memcmp(src, dst, 5000), "copy_crc data");

	/* CFLUSH, NOOP, DRAIN */
	det_desc_init(&x, OP_CFLUSH, 0, 0, d);
	x.a2 = d->dma + OFF_DST;
	x.size = 4096;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "cflush");
	det_desc_init(&x, OP_NOOP, 0, 0, d);
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "noop");
	det_desc_init(&x, OP_DRAIN, 0, 0, d);
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "drain");

	/* BATCH of three, each with its own completion record */
	list = (struct det_desc *)(d->buf + OFF_LIST);
	get_random_bytes(src, 4096);
	memset(dst, 0, 8192);
	det_desc_init(&list[0], OP_MEMMOVE, 0, 1, d);
	list[0].a1 = d->dma + OFF_SRC;
	list[0].a2 = d->dma + OFF_DST;
	list[0].size = 4096;
	det_desc_init(&list[1], OP_MEMFILL, F_FENCE, 2, d);
	list[1].a1 = 0x5a5a5a5a5a5a5a5aULL;
	list[1].a2 = d->dma + OFF_DST + 4096;
	list[1].size = 100;
	det_desc_init(&list[2], OP_NOOP, 0, 3, d);
	det_desc_init(&x, OP_BATCH, 0, 0, d);
	x.a1 = d->dma + OFF_LIST;
	x.size = 3;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 1, "batch status 0x%x", det_cr(d, 0)[0]);
	CHECK(get_unaligned_le32(det_cr(d, 0) + 4) == 3, "descs completed");
	CHECK(det_cr(d, 1)[0] == 1 && det_cr(d, 2)[0] == 1 &&
	      det_cr(d, 3)[0] == 1, "member records");
	CHECK(!memcmp(src, dst, 4096) && dst[4096 + 99] == 0x5a, "batch data");

	/* a failing member: the fenced one after it is not run */
	det_desc_init(&list[0], OP_CR_DELTA, 0, 1, d);
	det_desc_init(&list[1], OP_NOOP, F_FENCE, 2, d);
	det_desc_init(&x, OP_BATCH, 0, 0, d);
	x.a1 = d->dma + OFF_LIST;
	x.size = 2;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_wait(d, 0) == 5, "batch fail status 0x%x", det_cr(d, 0)[0]);
	CHECK(det_cr(d, 1)[0] == 0x10 && det_cr(d, 2)[0] == 0, "fence");
	return det_reset(d);
}

/* Submit x expecting completion status want (and return the record). */
static int expect_status(struct det_dev *d, struct det_desc *x, int page,
			 u8 want, const char *what)
{
	u8 st;

	memset(det_cr(d, 0), 0, 32);
	det_submit(d, 0, page, x);
	st = det_wait(d, 0);
	CHECK(st == want, "%s: status 0x%x want 0x%x", what, st, want);
	return 0;
}

static int t_bad_desc(struct det_dev *d)
{
	struct det_desc x;
	u64 swerr;

	TRY(det_bringup(d, 0, 16, 0));
	det_desc_init(&x, OP_CR_DELTA, 0, 0, d);
	TRY(expect_status(d, &x, PAGE_MSIX, 0x10, "CR_DELTA"));
	det_desc_init(&x, OP_DIF_CHECK, 0, 0, d);
	TRY(expect_status(d, &x, PAGE_MSIX, 0x10, "DIF check"));
	det_desc_init(&x, 0x7f, 0, 0, d);
	TRY(expect_status(d, &x, PAGE_MSIX, 0x10, "opcode 0x7f"));
	det_desc_init(&x, OP_MEMMOVE, 0x40 | BIT(20), 0, d);
	x.size = 64;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x11, "reserved flags"));
	CHECK(get_unaligned_le32(det_cr(d, 0) + 16) == (0x40 | BIT(20)),
	      "invalid_flags 0x%x", get_unaligned_le32(det_cr(d, 0) + 16));
	det_desc_init(&x, OP_MEMMOVE, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	x.size = 64;
	x.op[10] = 1;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x12, "reserved byte"));
	x.op[10] = 0;
	x.rsvd = 1;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x12, "reserved word"));
	x.rsvd = 0;
	x.size = 0;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x13, "size 0"));
	x.size = (2u << 20) + 1;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x13, "size over max"));
	det_desc_init(&x, OP_DUALCAST, 0, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	put_unaligned_le64(d->dma + OFF_DST2 + 8, x.op);
	x.size = 64;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x17, "dualcast low bits"));
	det_desc_init(&x, OP_BATCH, 0, 0, d);
	x.a1 = d->dma + OFF_LIST;
	x.size = 1;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x14, "batch of one"));
	x.size = 2;
	x.a1 += 32;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x18, "misaligned list"));

	/* DMA fault: an address no IOMMU mapping or RAM backs */
	det_desc_init(&x, OP_MEMMOVE, 0, 0, d);
	x.a1 = 1ULL << 46;
	x.a2 = d->dma + OFF_DST;
	x.size = 256;
	TRY(expect_status(d, &x, PAGE_MSIX, 0x03, "read fault"));
	CHECK(get_unaligned_le64(det_cr(d, 0) + 8) == 1ULL << 46,
	      "fault address 0x%llx", get_unaligned_le64(det_cr(d, 0) + 8));
	x.a1 = d->dma + OFF_SRC;
	x.a2 = (1ULL << 46) + 4096;
	memset(det_cr(d, 0), 0, 32);
	TRY(expect_status(d, &x, PAGE_MSIX, 0x83, "write fault"));

	/* misaligned completion record: reported through SWERR */
	det_irq_zero(d);
	CHECK(!(readq(d->bar0 + R_SWERR) & 1), "SWERR already valid");
	det_desc_init(&x, OP_NOOP, 0, 0, d);
	x.cr += 8;
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_irq_settle(d, 0, 1) == 1, "misc interrupts %d",
	      atomic_read(&d->irqs[0]));
	CHECK(d->intcause_seen & 1, "INTCAUSE 0x%x", d->intcause_seen);
	swerr = readq(d->bar0 + R_SWERR);
	CHECK((swerr & 0xf) == 0xd, "SWERR valid/desc/wq bits 0x%llx", swerr);
	CHECK(((swerr >> 8) & 0xff) == 0x1b, "SWERR error 0x%llx", swerr);
	CHECK(readq(d->bar0 + R_SWERR + 16) == det_cr_dma(d, 0) + 8, "address");

	/* a second error before the ack sets overflow; ack clears */
	det_desc_init(&x, OP_CR_DELTA, 0, 0, d);
	x.flags_op &= ~F_CRAV;
	det_submit(d, 0, PAGE_MSIX, &x);
	det_irq_settle(d, 0, 2);
	swerr = readq(d->bar0 + R_SWERR);
	CHECK((swerr & 3) == 3 && ((swerr >> 8) & 0xff) == 0x1b, "overflow");
	writeq(3, d->bar0 + R_SWERR);
	CHECK(!(readq(d->bar0 + R_SWERR) & 3), "ack");
	det_submit(d, 0, PAGE_MSIX, &x);
	det_irq_settle(d, 0, 3);
	swerr = readq(d->bar0 + R_SWERR);
	CHECK(((swerr >> 8) & 0xff) == 0x10 && ((swerr >> 32) & 0xff) == 7,
	      "SWERR for bad opcode without record 0x%llx", swerr);
	writeq(3, d->bar0 + R_SWERR);
	return det_reset(d);
}

static int t_msix_irq(struct det_dev *d)
{
	struct det_desc x;
	u16 h;
	int i, n;

	TRY(det_bringup(d, 0, 16, 0));
	h = det_handle(d, false, 1);
	CHECK(h != 0xffff, "no handle");
	if (d->handles)
		CHECK(h != 1, "handle is the bare index");
	det_irq_zero(d);
	for (i = 0; i < 100; i++) {
		det_desc_init(&x, OP_MEMMOVE, F_RCI, 0, d);
		x.a1 = d->dma + OFF_SRC;
		x.a2 = d->dma + OFF_DST;
		x.size = 128;
		x.handle = h;
		det_submit(d, 0, PAGE_MSIX, &x);
		CHECK(det_wait(d, 0) == 1, "status");
		n = det_irq_settle(d, 1, i + 1);
		CHECK(n == i + 1, "after %d completions %d interrupts", i + 1, n);
	}
	for (i = 0; i < d->nvec; i++)
		CHECK(i == 1 || !atomic_read(&d->irqs[i]), "vector %d fired", i);
	return det_reset(d);
}

/* Copy MSI-X entry vec's message (as the device holds it) into IMS slot. */
static int det_ims_from_msix(struct det_dev *d, int slot, int vec)
{
	void __iomem *m = d->bar0 + MSIX_TABLE + vec * 16;
	void __iomem *e = det_ims(d, slot);
	u32 lo = readl(m), hi = readl(m + 4), data = readl(m + 8);

	CHECK((lo & 0xfff00000) == 0xfee00000, "MSI-X address 0x%x", lo);
	if (expect_ir_format)
		CHECK(lo & BIT(4), "not a remappable message: 0x%x", lo);
	writel(lo, e);
	writel(hi, e + 4);
	writel(data, e + 8);
	CHECK(readl(e) == lo && readl(e + 8) == data, "IMS slot readback");
	dev_info(&d->pdev->dev, "IMS slot %d <- addr 0x%08x%08x data 0x%x\n",
		 slot, hi, lo, data);
	return 0;
}

static int ims_fire(struct det_dev *d, u16 h, u8 want_status)
{
	struct det_desc x;

	det_desc_init(&x, OP_MEMMOVE, F_RCI, 0, d);
	x.a1 = d->dma + OFF_SRC;
	x.a2 = d->dma + OFF_DST;
	x.size = 64;
	x.handle = h;
	det_submit(d, 0, PAGE_IMS, &x);
	CHECK(det_wait(d, 0) == want_status, "status 0x%x", det_cr(d, 0)[0]);
	return 0;
}

static int t_ims_irq(struct det_dev *d)
{
	const int slot = 1500, vec = 2;
	u64 sent;
	u16 h;
	int i;

	TRY(det_bringup(d, 0, 16, 0));
	TRY(det_ims_from_msix(d, slot, vec));
	h = det_handle(d, true, slot);
	CHECK(h != 0xffff, "no IMS handle");
	writel(0, det_ims(d, slot) + 12);		/* unmask */
	det_irq_zero(d);
	sent = readq(d->bar0 + EMU_IMS_SENT);
	for (i = 0; i < 20; i++) {
		TRY(ims_fire(d, h, 1));
		CHECK(det_irq_settle(d, vec, i + 1) == i + 1,
		      "after %d IMS completions %d interrupts", i + 1,
		      atomic_read(&d->irqs[vec]));
	}
	CHECK(readq(d->bar0 + EMU_IMS_SENT) - sent == 20, "device sent %llu",
	      readq(d->bar0 + EMU_IMS_SENT) - sent);
	for (i = 0; i < d->nvec; i++)
		CHECK(i == vec || !atomic_read(&d->irqs[i]), "vector %d fired", i);
	return det_reset(d);
}

static int t_ims_mask(struct det_dev *d)
{
	const int slot = 7, vec = 3;
	void __iomem *ctrl = det_ims(d, slot) + 12;
	void __iomem *pend = d->bar0 + EMU_IMS_PENDING + (slot / 32) * 4;
	u16 h;

	TRY(det_bringup(d, 0, 16, 0));
	TRY(det_ims_from_msix(d, slot, vec));
	h = det_handle(d, true, slot);
	det_irq_zero(d);
	CHECK(readl(ctrl) & 1, "slot not masked after reset");
	TRY(ims_fire(d, h, 1));
	CHECK(det_irq_settle(d, vec, 1) == 0, "masked slot delivered");
	CHECK(readl(pend) & BIT(slot % 32), "pending bit not latched");
	TRY(ims_fire(d, h, 1));			/* still one pending */
	writel(0, ctrl);
	CHECK(det_irq_settle(d, vec, 1) == 1, "unmask delivered %d",
	      atomic_read(&d->irqs[vec]));
	CHECK(!(readl(pend) & BIT(slot % 32)), "pending bit not cleared");
	msleep(50);
	CHECK(atomic_read(&d->irqs[vec]) == 1, "extra interrupt");
	return det_reset(d);
}

static int t_bad_handle(struct det_dev *d)
{
	u16 hm, hi;
	u32 sts;

	TRY(det_bringup(d, 0, 16, 0));
	TRY(det_ims_from_msix(d, 9, 4));
	writel(0, det_ims(d, 9) + 12);
	hm = det_handle(d, false, 4);
	hi = det_handle(d, true, 9);
	det_irq_zero(d);
	if (d->handles) {
		TRY(ims_fire(d, 9, 0x19));		/* bare index */
		TRY(ims_fire(d, hm, 0x19));		/* MSI-X handle on IMS */
		sts = det_cmd(d, CMD_REL_HANDLE, hi | BIT(16));
		CHECK(sts == 0, "release 0x%x", sts);
		TRY(ims_fire(d, hi, 0x19));		/* released */
		sts = det_cmd(d, CMD_REL_HANDLE, hi | BIT(16));
		CHECK((sts & 0xff) == 0x41, "double release 0x%x", sts);
	}
	TRY(ims_fire(d, 2048, 0x19));			/* beyond the table */
	CHECK(det_irq_settle(d, 4, 0) == 0, "an invalid handle interrupted");

	/*
	 * a user-privilege WQ may request interrupts only with user_int_en:
	 * refused as an invalid flag, and no interrupt
	 */
	TRY(det_reset(d));
	writel(0, d->bar0 + R_GENCFG);
	det_set_wq(d, 0, 16, 0, 1, 21);
	det_set_group(d, 0, 1, 1);
	CHECK(det_cmd(d, CMD_ENABLE_DEV, 0) == 0, "enable");
	CHECK(det_cmd(d, CMD_ENABLE_WQ, 0) == 0, "enable wq");
	TRY(det_ims_from_msix(d, 9, 4));
	writel(0, det_ims(d, 9) + 12);
	det_irq_zero(d);
	TRY(ims_fire(d, det_handle(d, true, 9), 0x11));
	CHECK(det_irq_settle(d, 4, 0) == 0, "a refused RCI interrupted");
	return det_reset(d);
}

static int t_wq_full(struct det_dev *d)
{
	struct det_desc x;
	u64 dropped;
	int i;

	TRY(det_bringup(d, 0, 4, 2));
	writel(1, d->bar0 + EMU_CTRL);			/* pause engines */
	dropped = readq(d->bar0 + EMU_WQ_DROPPED(0));
	for (i = 0; i < 9; i++) {
		det_desc_init(&x, OP_NOOP, 0, i, d);
		det_submit(d, 0, PAGE_MSIX, &x);
	}
	CHECK(readq(d->bar0 + EMU_WQ_DROPPED(0)) - dropped == 5, "dropped %llu",
	      readq(d->bar0 + EMU_WQ_DROPPED(0)) - dropped);
	CHECK((readl(det_wqcfg(d, 0) + 24) & 0xffff) == 4, "occupancy %u",
	      readl(det_wqcfg(d, 0) + 24) & 0xffff);
	writel(0, d->bar0 + EMU_CTRL);
	for (i = 0; i < 4; i++)
		CHECK(det_wait(d, i) == 1, "descriptor %d", i);
	msleep(20);
	for (i = 4; i < 9; i++)
		CHECK(!*det_cr(d, i), "dropped descriptor %d ran", i);
	CHECK((readl(det_wqcfg(d, 0) + 24) & 0xffff) == 0, "occupancy");

	/* thresholds are for shared WQs: a dedicated one takes its size */
	writel(1, d->bar0 + EMU_CTRL);
	for (i = 0; i < 3; i++) {
		det_desc_init(&x, OP_NOOP, 0, i, d);
		det_submit(d, 0, PAGE_MSIX_LIM, &x);
	}
	CHECK((readl(det_wqcfg(d, 0) + 24) & 0xffff) == 3, "limited occupancy %u",
	      readl(det_wqcfg(d, 0) + 24) & 0xffff);

	/* ABORT_WQ drops queued work; DRAIN_WQ runs it even while paused */
	CHECK(det_cmd(d, CMD_ABORT_WQ, 1) == 0, "abort");
	writel(0, d->bar0 + EMU_CTRL);
	msleep(20);
	CHECK(!*det_cr(d, 0) && !*det_cr(d, 1) && !*det_cr(d, 2),
	      "aborted descriptors ran");
	writel(1, d->bar0 + EMU_CTRL);
	det_desc_init(&x, OP_NOOP, 0, 5, d);
	det_submit(d, 0, PAGE_MSIX, &x);
	CHECK(det_cmd(d, CMD_DRAIN_WQ, 1) == 0, "drain");
	CHECK(*det_cr(d, 5) == 1, "drain did not complete the queue");
	return det_reset(d);
}

static int t_reset(struct det_dev *d)
{
	int rc;

	TRY(det_bringup(d, 2, 8, 0));
	TRY(det_ims_from_msix(d, 3, 1));
	writel(0, det_ims(d, 3) + 12);
	TRY(det_reset(d));
	CHECK(readl(det_wqcfg(d, 2)) == 0, "WQCFG survived RESET_DEVICE");
	CHECK(readq(det_grpcfg(d, 0)) == 0, "GRPCFG survived");
	CHECK(readl(det_ims(d, 3)) == 0 && (readl(det_ims(d, 3) + 12) & 1),
	      "IMS slot survived");

	TRY(det_bringup(d, 2, 8, 0));
	TRY(det_ims_from_msix(d, 3, 1));
	rc = pci_reset_function(d->pdev);
	CHECK(rc == 0, "FLR failed: %d", rc);
	CHECK(det_state(d) == 0, "enabled after FLR");
	CHECK(readl(det_wqcfg(d, 2)) == 0, "WQCFG survived FLR");
	CHECK(readl(det_ims(d, 3)) == 0 && (readl(det_ims(d, 3) + 12) & 1),
	      "IMS slot survived FLR");
	pci_set_master(d->pdev);
	return det_bringup(d, 0, 16, 0) ?: det_reset(d);
}

static int t_halt(struct det_dev *d)
{
	struct det_desc x;
	u32 sts;

	TRY(det_bringup(d, 0, 16, 0));
	det_irq_zero(d);
	writel(2, d->bar0 + EMU_CTRL);			/* halt, software reset */
	CHECK(readl(d->bar0 + R_GENSTS) == 3, "GENSTS 0x%x",
	      readl(d->bar0 + R_GENSTS));
	CHECK(det_irq_settle(d, 0, 1) == 1, "halt interrupt");
	CHECK(d->intcause_seen & 0x10, "INTCAUSE 0x%x", d->intcause_seen);
	det_desc_init(&x, OP_NOOP, 0, 0, d);
	det_submit(d, 0, PAGE_MSIX, &x);
	msleep(20);
	CHECK(!*det_cr(d, 0), "halted device ran a descriptor");
	sts = det_cmd(d, CMD_ENABLE_WQ, 0);
	CHECK((sts & 0xff) == 0x03, "command on halted device 0x%x", sts);
	TRY(det_reset(d));
	TRY(det_bringup(d, 0, 16, 0));
	writel(6, d->bar0 + EMU_CTRL);			/* halt, FLR needed */
	CHECK(readl(d->bar0 + R_GENSTS) == (3 | (1 << 2)), "reset type");
	return det_reset(d);
}

struct det_test {
	const char *name;
	int (*fn)(struct det_dev *d);
};

static const struct det_test det_tests[] = {
	{ "caps", t_caps },
	{ "bad_config", t_bad_config },
	{ "memmove", t_memmove },
	{ "ops", t_ops },
	{ "bad_desc", t_bad_desc },
	{ "msix_irq", t_msix_irq },
	{ "ims_irq", t_ims_irq },
	{ "ims_mask", t_ims_mask },
	{ "bad_handle", t_bad_handle },
	{ "wq_full", t_wq_full },
	{ "reset", t_reset },
	{ "halt", t_halt },
};

static ssize_t det_run_write(struct file *f, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct det_dev *d = f->private_data;
	char name[32];
	size_t n = min(len, sizeof(name) - 1);
	int i, rc = -EINVAL;

	if (copy_from_user(name, ubuf, n))
		return -EFAULT;
	name[n] = 0;
	strim(name);
	mutex_lock(&d->lock);
	for (i = 0; i < ARRAY_SIZE(det_tests); i++) {
		if (strcmp(name, det_tests[i].name))
			continue;
		d->test = det_tests[i].name;
		rc = det_tests[i].fn(d);
		dev_info(&d->pdev->dev, "%s: %s\n", d->test,
			 rc ? "FAIL" : "PASS");
		break;
	}
	mutex_unlock(&d->lock);
	return rc ?: len;
}

static const struct file_operations det_run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = det_run_write,
};

static int det_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct det_dev *d;
	int rc, i;

	d = devm_kzalloc(&pdev->dev, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->pdev = pdev;
	mutex_init(&d->lock);
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	d->bar0 = pcim_iomap(pdev, 0, 0);
	d->bar2 = pcim_iomap(pdev, 2, 0);
	if (!d->bar0 || !d->bar2)
		return -ENOMEM;
	pci_set_master(pdev);
	rc = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (rc)
		return rc;
	d->buf = dmam_alloc_coherent(&pdev->dev, BUF_SIZE, &d->dma, GFP_KERNEL);
	if (!d->buf)
		return -ENOMEM;
	d->handles = readq(d->bar0 + R_GENCAP) & BIT(4);
	d->nvec = pci_alloc_irq_vectors(pdev, 1, DET_MAX_VEC, PCI_IRQ_MSIX);
	if (d->nvec < 0)
		return d->nvec;
	rc = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, 0), det_misc_irq,
			      0, "dsa_emu_test-misc", d);
	for (i = 1; !rc && i < d->nvec; i++)
		rc = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, i),
				      det_irq, 0, "dsa_emu_test", &d->irqs[i]);
	if (rc)
		goto err_vectors;
	pci_set_drvdata(pdev, d);
	d->dir = debugfs_create_dir(pci_name(pdev), det_root);
	debugfs_create_file("run", 0200, d->dir, d, &det_run_fops);
	return 0;

err_vectors:
	for (i = 0; i < d->nvec; i++)
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, i),
			      i ? (void *)&d->irqs[i] : d);
	pci_free_irq_vectors(pdev);
	return rc;
}

static void det_remove(struct pci_dev *pdev)
{
	struct det_dev *d = pci_get_drvdata(pdev);
	int i;

	debugfs_remove_recursive(d->dir);
	det_cmd(d, CMD_RESET_DEV, 0);
	for (i = 0; i < d->nvec; i++)
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, i),
			      i ? (void *)&d->irqs[i] : d);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id det_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, 0x0b25) },
	{ }
};

static struct pci_driver det_driver = {
	.name = "dsa_emu_test",
	.id_table = det_ids,
	.probe = det_probe,
	.remove = det_remove,
};

static int __init det_init(void)
{
	int rc;

	det_root = debugfs_create_dir("dsa_emu_test", NULL);
	rc = pci_register_driver(&det_driver);
	if (rc)
		debugfs_remove_recursive(det_root);
	return rc;
}

static void __exit det_exit(void)
{
	pci_unregister_driver(&det_driver);
	debugfs_remove_recursive(det_root);
}

module_init(det_init);
module_exit(det_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Conformance tests for the emulated DSA device model");
