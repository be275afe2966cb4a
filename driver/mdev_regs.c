// SPDX-License-Identifier: GPL-2.0
/*
 * mdev: the guest's view of its virtual DSA.  PCI config space with an
 * MSI-X capability, a BAR0 register file (capabilities, read-only WQ
 * configuration, commands working on the backing WQs, the MSI-X table)
 * and a BAR2 of portals.  Nothing here touches the host device directly
 * except through the backing WQs' commands in mdev_desc.c.
 */
#include <linux/bitfield.h>
#include <linux/log2.h>
#include <linux/pci_regs.h>
#include <linux/unaligned.h>
#include "mdev.h"

static void cfg_put16(struct vdsa *vd, unsigned int off, u16 v)
{
	put_unaligned_le16(v, vd->cfg + off);
}

static void cfg_put32(struct vdsa *vd, unsigned int off, u32 v)
{
	put_unaligned_le32(v, vd->cfg + off);
}

static void bar0_put32(struct vdsa *vd, unsigned int off, u32 v)
{
	put_unaligned_le32(v, vd->bar0 + off);
}

static void bar0_put64(struct vdsa *vd, unsigned int off, u64 v)
{
	put_unaligned_le64(v, vd->bar0 + off);
}

static u32 bar0_get32(struct vdsa *vd, unsigned int off)
{
	return get_unaligned_le32(vd->bar0 + off);
}

/* Config space: a DSA function with one MSI-X capability. */
static void vdsa_cfg_init(struct vdsa *vd)
{
	struct pci_dev *pdev = vd->idev->pdev;

	memset(vd->cfg, 0, sizeof(vd->cfg));
	cfg_put16(vd, PCI_VENDOR_ID, pdev->vendor);
	cfg_put16(vd, PCI_DEVICE_ID, pdev->device);
	cfg_put16(vd, PCI_STATUS, PCI_STATUS_CAP_LIST);
	vd->cfg[PCI_REVISION_ID] = pdev->revision;
	cfg_put32(vd, PCI_CLASS_REVISION, (pdev->class << 8) | pdev->revision);
	cfg_put32(vd, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_64);
	cfg_put32(vd, PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_MEM_TYPE_64);
	cfg_put16(vd, PCI_SUBSYSTEM_VENDOR_ID, pdev->subsystem_vendor);
	cfg_put16(vd, PCI_SUBSYSTEM_ID, pdev->subsystem_device);
	vd->cfg[PCI_CAPABILITY_LIST] = VDSA_MSIX_CAP;
	vd->cfg[VDSA_MSIX_CAP] = PCI_CAP_ID_MSIX;
	cfg_put16(vd, VDSA_MSIX_CAP + PCI_MSIX_FLAGS, vd->nr_vecs - 1);
	cfg_put32(vd, VDSA_MSIX_CAP + PCI_MSIX_TABLE, VDSA_MSIX_TABLE);
	cfg_put32(vd, VDSA_MSIX_CAP + PCI_MSIX_PBA, VDSA_MSIX_PBA);
	vd->bar_mask[0] = ~(VDSA_BAR0_SIZE - 1);
	vd->bar_mask[1] = ~0u;
	vd->bar_mask[2] = ~(roundup_pow_of_two(vd->nr_wqs * IDXD_WQ_PORTAL_SPAN) - 1);
	vd->bar_mask[3] = ~0u;
}

/* Writable config bits: command, BAR addresses (sized), MSI-X control. */
static void vdsa_cfg_write(struct vdsa *vd, unsigned int off, const u8 *p,
			   size_t n)
{
	unsigned int i, bar;
	u32 v;

	for (i = 0; i < n; i++) {
		unsigned int o = off + i;

		if (o == PCI_COMMAND)
			vd->cfg[o] = p[i] & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		else if (o == PCI_COMMAND + 1)
			vd->cfg[o] = p[i] & (PCI_COMMAND_INTX_DISABLE >> 8);
		else if (o == VDSA_MSIX_CAP + PCI_MSIX_FLAGS + 1)
			vd->cfg[o] = p[i] & ((PCI_MSIX_FLAGS_ENABLE |
					      PCI_MSIX_FLAGS_MASKALL) >> 8);
		else if (o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_4)
			vd->cfg[o] = p[i];
	}
	/* BARs read back as address & size mask (sizing), type bits kept */
	for (bar = 0; bar < 4; bar++) {
		v = get_unaligned_le32(vd->cfg + PCI_BASE_ADDRESS_0 + bar * 4);
		v &= vd->bar_mask[bar];
		if (!(bar & 1))
			v |= PCI_BASE_ADDRESS_MEM_TYPE_64;
		cfg_put32(vd, PCI_BASE_ADDRESS_0 + bar * 4, v);
	}
}

ssize_t vdsa_cfg_rw(struct vdsa *vd, char *buf, size_t count, loff_t off,
		    bool write)
{
	if (off < 0 || off >= VDSA_CFG_SIZE)
		return -EINVAL;
	count = min_t(size_t, count, VDSA_CFG_SIZE - off);
	if (write)
		vdsa_cfg_write(vd, off, buf, count);
	else
		memcpy(buf, vd->cfg + off, count);
	return count;
}

/* The guest's limits: the bounce buffers', or on a PASID the host WQs'. */
static unsigned int vdsa_xfer_shift(struct vdsa *vd)
{
	return vd->pa ? ilog2(vd->max_xfer) : VDSA_MAX_XFER_SHIFT;
}

static unsigned int vdsa_batch_shift(struct vdsa *vd)
{
	return vd->pa ? vd->max_batch_shift : VDSA_MAX_BATCH_SHIFT;
}

/* What the guest's driver reads at probe: one group, one engine, N WQs. */
static void vdsa_caps_init(struct vdsa *vd)
{
	struct idxd_dev *idev = vd->idev;
	unsigned int i, total = 0;
	u64 gencap, wqcap;

	u64 opcap = 0;
	u8 op;

	for (i = 0; i < vd->nr_wqs; i++)
		total += vd->wqs[i].size;
	bar0_put32(vd, IDXD_VERSION_OFFSET, IDXD_VERSION_1_0);
	gencap = FIELD_PREP(IDXD_GENCAP_MAX_XFER, vdsa_xfer_shift(vd)) |
		 FIELD_PREP(IDXD_GENCAP_MAX_BATCH, vdsa_batch_shift(vd)) |
		 IDXD_GENCAP_CMD_CAP;
	bar0_put64(vd, IDXD_GENCAP_OFFSET, gencap);
	wqcap = FIELD_PREP(IDXD_WQCAP_TOTAL_SIZE, total) |
		FIELD_PREP(IDXD_WQCAP_NUM_WQS, vd->nr_wqs) |
		FIELD_PREP(IDXD_WQCAP_WQCFG_SIZE, 0) | IDXD_WQCAP_DEDICATED;
	bar0_put64(vd, IDXD_WQCAP_OFFSET, wqcap);
	bar0_put64(vd, IDXD_GRPCAP_OFFSET, FIELD_PREP(IDXD_GRPCAP_NUM_GROUPS, 1));
	bar0_put64(vd, IDXD_ENGCAP_OFFSET, FIELD_PREP(IDXD_ENGCAP_NUM_ENGINES, 1));
	/* the operations mdev_desc.c runs for the guest */
	for (op = 0; op < 64; op++)
		if (vdsa_op_supported(vd, op))
			opcap |= BIT_ULL(op);
	bar0_put64(vd, IDXD_OPCAP_OFFSET, opcap);
	bar0_put64(vd, IDXD_TABLE_OFFSET,
		   FIELD_PREP(IDXD_TABLE_GRPCFG, VDSA_GRPCFG / IDXD_TABLE_MULT) |
		   FIELD_PREP(IDXD_TABLE_WQCFG, VDSA_WQCFG / IDXD_TABLE_MULT));
	bar0_put32(vd, IDXD_CMDCAP_OFFSET,
		   BIT(IDXD_CMD_ENABLE_DEVICE) | BIT(IDXD_CMD_DISABLE_DEVICE) |
		   BIT(IDXD_CMD_DRAIN_ALL) | BIT(IDXD_CMD_ABORT_ALL) |
		   BIT(IDXD_CMD_RESET_DEVICE) | BIT(IDXD_CMD_ENABLE_WQ) |
		   BIT(IDXD_CMD_DISABLE_WQ) | BIT(IDXD_CMD_DRAIN_WQ) |
		   BIT(IDXD_CMD_ABORT_WQ) | BIT(IDXD_CMD_RESET_WQ));
	/* group 0 holds every WQ and engine 0 */
	bar0_put64(vd, VDSA_GRPCFG + IDXD_GRPCFG_WQS(0), BIT_ULL(vd->nr_wqs) - 1);
	bar0_put64(vd, VDSA_GRPCFG + IDXD_GRPCFG_ENGINES, 1);
	(void)idev;
}

/* WQCFG: read-only, the backing WQ's shape; the state bit follows enable. */
static void vdsa_wqcfg_update(struct vdsa *vd)
{
	unsigned int i;

	for (i = 0; i < vd->nr_wqs; i++) {
		unsigned int base = VDSA_WQCFG + i * 32;

		bar0_put32(vd, base + IDXD_WQCFG_SIZE_DW * 4, vd->wqs[i].size);
		bar0_put32(vd, base + IDXD_WQCFG_MODE_DW * 4,
			   IDXD_WQCFG_MODE_DEDICATED);
		bar0_put32(vd, base + IDXD_WQCFG_LIMITS_DW * 4,
			   FIELD_PREP(IDXD_WQCFG_MAX_XFER, vdsa_xfer_shift(vd)) |
			   FIELD_PREP(IDXD_WQCFG_MAX_BATCH, vdsa_batch_shift(vd)));
		bar0_put32(vd, base + IDXD_WQCFG_STATUS_DW * 4,
			   FIELD_PREP(IDXD_WQCFG_STATE, vd->wqs[i].enabled));
	}
	bar0_put32(vd, IDXD_GENSTS_OFFSET,
		   vd->halted ? IDXD_HW_HALT |
				FIELD_PREP(IDXD_GENSTS_RESET_TYPE, vd->halt_reset) :
		   vd->dev_enabled ? IDXD_HW_ENABLED : IDXD_HW_DISABLED);
}

void vdsa_regs_init(struct vdsa *vd)
{
	memset(vd->bar0, 0, VDSA_BAR0_SIZE);
	vdsa_cfg_init(vd);
	vdsa_caps_init(vd);
	vdsa_wqcfg_update(vd);
}

/* A software error the guest can read in SWERR (and on vector 0). */
void vdsa_swerr(struct vdsa *vd, unsigned int wq, u8 err,
		const struct idxd_ims_desc *d)
{
	u64 e0 = IDXD_SWERR_VALID | IDXD_SWERR_WQ_VALID |
		 FIELD_PREP(IDXD_SWERR_ERROR, err) |
		 FIELD_PREP(IDXD_SWERR_WQ_IDX, wq);

	unsigned long flags;

	if (d)
		e0 |= IDXD_SWERR_DESC_VALID |
		      FIELD_PREP(IDXD_SWERR_OPERATION, d->flags_opcode >> 24);
	/* also from irq threads, which cannot take vd->lock */
	spin_lock_irqsave(&vd->reg_lock, flags);
	if (get_unaligned_le64(vd->bar0 + IDXD_SWERR_OFFSET) & IDXD_SWERR_VALID)
		e0 |= IDXD_SWERR_OVERFLOW;
	bar0_put64(vd, IDXD_SWERR_OFFSET, e0);
	if (d)
		bar0_put64(vd, IDXD_SWERR_OFFSET + 16, d->completion_addr);
	bar0_put32(vd, IDXD_INTCAUSE_OFFSET,
		   bar0_get32(vd, IDXD_INTCAUSE_OFFSET) | IDXD_INTC_ERR);
	spin_unlock_irqrestore(&vd->reg_lock, flags);
	vdsa_signal(&vd->vecs[0]);
}

/* Quiesce the WQs in @mask; disable them too if @disable. */
static void vdsa_wqs_stop(struct vdsa *vd, u32 mask, bool disable)
{
	unsigned int i;

	for (i = 0; i < vd->nr_wqs; i++) {
		if (!(mask & BIT(i)))
			continue;
		vdsa_wq_quiesce(vd, &vd->wqs[i]);
		if (disable)
			vd->wqs[i].enabled = false;
	}
}

/* The WQs a WQ-command operand names (16 per group of operand bits). */
static int vdsa_wq_mask(struct vdsa *vd, u32 operand, u32 *mask)
{
	if (operand >> 16 || !(operand & 0xffff) ||
	    operand & ~(BIT(vd->nr_wqs) - 1))
		return IDXD_CMDERR_INVAL_WQIDX;
	*mask = operand;
	return 0;
}

/* Run one guest command; returns the CMDSTS error code. */
static u32 vdsa_run_cmd(struct vdsa *vd, u32 code, u32 operand)
{
	u32 all = BIT(vd->nr_wqs) - 1, mask;
	u32 err;

	/* a halted device takes nothing but a reset, as the hardware */
	if (vd->halted && code != IDXD_CMD_RESET_DEVICE)
		return IDXD_CMDERR_HW;
	switch (code) {
	case IDXD_CMD_ENABLE_DEVICE:
		if (vd->dev_enabled)
			return IDXD_CMDERR_DEV_ENABLED;
		if (!(vd->cfg[PCI_COMMAND] & PCI_COMMAND_MASTER))
			return IDXD_CMDERR_BUSMASTER;
		if (!idxd_live(vd->idev))
			return IDXD_CMDERR_HW;	/* the host device is not well */
		vd->dev_enabled = true;
		return 0;
	case IDXD_CMD_DISABLE_DEVICE:
		if (!vd->dev_enabled)
			return IDXD_CMDERR_DIS_DEV_EN;
		vdsa_wqs_stop(vd, all, true);
		vd->dev_enabled = false;
		return 0;
	case IDXD_CMD_DRAIN_ALL:
	case IDXD_CMD_ABORT_ALL:
		vdsa_wqs_stop(vd, all, false);
		return 0;
	case IDXD_CMD_RESET_DEVICE:
		vdsa_reset(vd);
		return 0;
	case IDXD_CMD_ENABLE_WQ:
		if (!vd->dev_enabled)
			return IDXD_CMDERR_DEV_NOTEN;
		if (operand >= vd->nr_wqs)
			return IDXD_CMDERR_INVAL_WQIDX;
		if (vd->wqs[operand].enabled)
			return IDXD_CMDERR_WQ_ENABLED;
		vd->wqs[operand].enabled = true;
		return 0;
	case IDXD_CMD_DISABLE_WQ:
	case IDXD_CMD_DRAIN_WQ:
	case IDXD_CMD_ABORT_WQ:
	case IDXD_CMD_RESET_WQ:
		err = vdsa_wq_mask(vd, operand, &mask);
		if (err)
			return err;
		vdsa_wqs_stop(vd, mask, code == IDXD_CMD_DISABLE_WQ ||
			      code == IDXD_CMD_RESET_WQ);
		return 0;
	default:
		return IDXD_CMDERR_INVAL_CMD;
	}
}

static void vdsa_cmd_write(struct vdsa *vd, u32 v)
{
	u32 err = vdsa_run_cmd(vd, FIELD_GET(IDXD_CMD_CODE, v),
			       FIELD_GET(IDXD_CMD_OPERAND, v));

	unsigned long flags;

	bar0_put32(vd, IDXD_CMD_OFFSET, v);
	bar0_put32(vd, IDXD_CMDSTS_OFFSET, FIELD_PREP(IDXD_CMDSTS_ERR, err));
	vdsa_wqcfg_update(vd);
	if (v & IDXD_CMD_INT_REQ) {
		spin_lock_irqsave(&vd->reg_lock, flags);
		bar0_put32(vd, IDXD_INTCAUSE_OFFSET,
			   bar0_get32(vd, IDXD_INTCAUSE_OFFSET) | IDXD_INTC_CMD);
		spin_unlock_irqrestore(&vd->reg_lock, flags);
		vdsa_signal(&vd->vecs[0]);
	}
}

/* Vector control in the MSI-X table: the guest masks and unmasks. */
static void vdsa_vector_ctrl(struct vdsa *vd, unsigned int vec)
{
	struct vdsa_vec *v = &vd->vecs[vec];
	bool masked = bar0_get32(vd, VDSA_MSIX_TABLE + vec * PCI_MSIX_ENTRY_SIZE +
				 PCI_MSIX_ENTRY_VECTOR_CTRL) &
		      PCI_MSIX_ENTRY_CTRL_MASKBIT;
	unsigned long flags;
	bool fire;

	/* against vdsa_signal(): a held interrupt is never lost */
	spin_lock_irqsave(&vd->vec_lock, flags);
	v->masked = masked;
	fire = !masked && v->pending;
	v->pending = false;
	spin_unlock_irqrestore(&vd->vec_lock, flags);
	if (fire)
		vdsa_signal(v);
}

ssize_t vdsa_bar0_rw(struct vdsa *vd, char *buf, size_t count, loff_t off,
		     bool write)
{
	unsigned int tbl_end = VDSA_MSIX_TABLE + vd->nr_vecs * PCI_MSIX_ENTRY_SIZE;

	/* registers are 4 or 8 bytes wide, naturally aligned */
	if ((count != 4 && count != 8) || off < 0 || off % count ||
	    off + count > VDSA_BAR0_SIZE)
		return -EINVAL;
	unsigned long flags;
	u64 v;

	if (!write) {
		spin_lock_irqsave(&vd->reg_lock, flags);
		memcpy(buf, vd->bar0 + off, count);
		spin_unlock_irqrestore(&vd->reg_lock, flags);
		return count;
	}
	v = count == 8 ? get_unaligned_le64(buf) : get_unaligned_le32(buf);
	if (off == IDXD_CMD_OFFSET && count == 4) {
		vdsa_cmd_write(vd, v);
	} else if (off == IDXD_INTCAUSE_OFFSET || off == IDXD_SWERR_OFFSET) {
		/* write 1 to clear; SWERR: VALID/OVERFLOW acknowledge it */
		if (off == IDXD_SWERR_OFFSET)
			v &= IDXD_SWERR_ACK;
		spin_lock_irqsave(&vd->reg_lock, flags);
		if (count == 8)
			bar0_put64(vd, off, get_unaligned_le64(vd->bar0 + off) & ~v);
		else
			bar0_put32(vd, off, bar0_get32(vd, off) & ~(u32)v);
		spin_unlock_irqrestore(&vd->reg_lock, flags);
	} else if (off == IDXD_GENCFG_OFFSET || off == IDXD_GENCTRL_OFFSET) {
		memcpy(vd->bar0 + off, buf, count);
	} else if (off >= VDSA_MSIX_TABLE && off < tbl_end) {
		memcpy(vd->bar0 + off, buf, count);
		vdsa_vector_ctrl(vd, (off - VDSA_MSIX_TABLE) / PCI_MSIX_ENTRY_SIZE);
	}
	/* anything else is read-only: ignored, as the device does */
	return count;
}

/*
 * Portals: a descriptor arrives as one 64-byte write or as eight 8-byte
 * stores (a VMM splitting a guest's MOVDIR64B), at any 64-byte slot of a
 * portal page: upstream idxd moves along the page with each descriptor.
 * Once whole, it goes to mdev_desc.c.  Stores to another slot before a
 * descriptor is whole start a new one: the torn one is dropped, as the
 * device drops a torn write.
 */
ssize_t vdsa_portal_write(struct vdsa *vd, const char *buf, size_t count,
			  loff_t off)
{
	unsigned int wq = off / IDXD_WQ_PORTAL_SPAN;
	unsigned int in_page = off % IDXD_PORTAL_SIZE;
	struct idxd_ims_desc d;
	struct vdsa_wq *w;

	if (off < 0 || wq >= vd->nr_wqs)
		return -EINVAL;
	w = &vd->wqs[wq];
	if (count == sizeof(d) && !(in_page % sizeof(d))) {
		memcpy(&d, buf, sizeof(d));
		vdsa_submit(vd, wq, &d);
		return count;
	}
	if (count != 8 || in_page % 8)
		return -EINVAL;
	if (w->portal_slot != in_page / sizeof(d)) {
		w->portal_slot = in_page / sizeof(d);
		w->portal_have = 0;
	}
	in_page %= sizeof(d);
	w->portal[in_page / 8] = get_unaligned_le64(buf);
	w->portal_have |= BIT(in_page / 8);
	if (w->portal_have == 0xff) {
		memcpy(&d, w->portal, sizeof(d));
		w->portal_have = 0;
		vdsa_submit(vd, wq, &d);
	}
	return count;
}

/* RESET_DEVICE, VFIO_DEVICE_RESET: everything stops, registers as new. */
void vdsa_reset(struct vdsa *vd)
{
	unsigned long flags;
	unsigned int i;
	u32 cmdcap;

	vdsa_wqs_stop(vd, BIT(vd->nr_wqs) - 1, true);
	vd->dev_enabled = false;
	vd->halted = false;
	for (i = 0; i < vd->nr_wqs; i++)
		vd->wqs[i].portal_have = 0;
	spin_lock_irqsave(&vd->reg_lock, flags);
	/* the state registers clear; CMDCAP among them is a capability */
	cmdcap = bar0_get32(vd, IDXD_CMDCAP_OFFSET);
	memset(vd->bar0 + IDXD_GENCFG_OFFSET, 0, 0x100 - IDXD_GENCFG_OFFSET);
	bar0_put32(vd, IDXD_CMDCAP_OFFSET, cmdcap);
	spin_unlock_irqrestore(&vd->reg_lock, flags);
	vdsa_wqcfg_update(vd);
}

/**
 * vdsa_halt() - the guest's device halts (its host device was reset)
 * @vd: the virtual device; caller holds vd->lock
 * @reset_type: the GENSTS reset type the guest must do (IDXD_RESET_*)
 *
 * The WQs and the device read disabled but GENSTS says halted; only
 * RESET_DEVICE (or a VFIO reset) brings the device back.  Vector 0 fires
 * with INTCAUSE.halt if the guest enabled halt interrupts in GENCTRL.
 */
void vdsa_halt(struct vdsa *vd, u8 reset_type)
{
	unsigned long flags;
	unsigned int i;
	bool irq;

	lockdep_assert_held(&vd->lock);
	for (i = 0; i < vd->nr_wqs; i++) {
		vd->wqs[i].enabled = false;
		vd->wqs[i].portal_have = 0;
	}
	vd->dev_enabled = false;
	vd->halted = true;
	vd->halt_reset = reset_type;
	vdsa_wqcfg_update(vd);
	spin_lock_irqsave(&vd->reg_lock, flags);
	irq = bar0_get32(vd, IDXD_GENCTRL_OFFSET) & IDXD_GENCTRL_HALT_INT_EN;
	if (irq)
		bar0_put32(vd, IDXD_INTCAUSE_OFFSET,
			   bar0_get32(vd, IDXD_INTCAUSE_OFFSET) | IDXD_INTC_HALT);
	spin_unlock_irqrestore(&vd->reg_lock, flags);
	if (irq)
		vdsa_signal(&vd->vecs[0]);
}
