// SPDX-License-Identifier: GPL-2.0
/*
 * mdev: guest descriptors.  On a PASID (mdev_pasid.c) the device uses the
 * guest's addresses itself; what follows is the path without one.
 * Without PASID the device cannot use a guest's
 * addresses, so every descriptor is checked, its sources are copied from
 * guest memory (vfio_dma_rw) into bounce buffers of the backing WQ's
 * device, and it runs on the backing WQ with a host completion record and
 * an interrupt on the host IMS slot behind the guest vector it names.
 * When that interrupt comes, results and the completion record are
 * copied back into guest memory, then the guest's eventfd is signalled.
 */
#include <linux/dma-mapping.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/sizes.h>
#include <linux/unaligned.h>
#include "mdev.h"

#define VDSA_BOUNCE		BIT(VDSA_MAX_XFER_SHIFT)
#define VDSA_GUEST_FLAGS	(IDXD_IMS_F_FENCE | IDXD_IMS_F_BOF | \
				 IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR | \
				 IDXD_IMS_F_RCI | IDXD_IMS_F_CR | \
				 IDXD_IMS_F_CC | IDXD_IMS_F_STORD)

/* Deliver vector @v to the guest, or hold it while masked; off: nothing. */
void vdsa_signal(struct vdsa_vec *v)
{
	unsigned long flags;

	spin_lock_irqsave(&v->vd->vec_lock, flags);
	if (v->trigger && v->masked)
		v->pending = true;
	else if (v->trigger)
		eventfd_signal(v->trigger);
	spin_unlock_irqrestore(&v->vd->vec_lock, flags);
}

int vdsa_slots_alloc(struct vdsa *vd, struct vdsa_wq *w)
{
	struct device *dev = idev_dev(vd->idev);
	unsigned int i, k;

	if (vd->pa) {
		vdsa_pasid_slots(vd, w - vd->wqs);
		return 0;
	}
	for (i = 0; i < w->size; i++) {
		struct vdsa_slot *s = &w->slots[i];

		for (k = 0; k < 2; k++) {
			s->buf[k] = dma_alloc_coherent(dev, VDSA_BOUNCE,
						       &s->iova[k], GFP_KERNEL);
			if (!s->buf[k])
				goto err;
		}
		s->cr = dma_alloc_coherent(dev, IDXD_IMS_COMPLETION_SIZE,
					   &s->cr_iova, GFP_KERNEL);
		if (!s->cr)
			goto err;
	}
	return 0;
err:
	vdsa_slots_free(vd, w);
	return -ENOMEM;
}

void vdsa_slots_free(struct vdsa *vd, struct vdsa_wq *w)
{
	struct device *dev = idev_dev(vd->idev);
	unsigned int i, k;

	if (vd->pa) {
		/* the window is the PASID's: freed when it is detached */
		memset(w->slots, 0, sizeof(w->slots));
		return;
	}
	for (i = 0; i < w->size; i++) {
		struct vdsa_slot *s = &w->slots[i];

		if (s->busy) {
			/* the device may still write here: it keeps them */
			dev_warn(dev, "%s: keeping the bounce buffers of a descriptor that never completed until the device is reset\n",
				 dev_name(&w->hwq->conf_dev));
			for (k = 0; k < 2; k++)
				idxd_dma_orphan(vd->idev, VDSA_BOUNCE, s->buf[k], s->iova[k]);
			idxd_dma_orphan(vd->idev, IDXD_IMS_COMPLETION_SIZE, s->cr, s->cr_iova);
			memset(s, 0, sizeof(*s));
			continue;
		}
		for (k = 0; k < 2; k++) {
			if (s->buf[k])
				dma_free_coherent(dev, VDSA_BOUNCE, s->buf[k],
						  s->iova[k]);
			s->buf[k] = NULL;
		}
		if (s->cr)
			dma_free_coherent(dev, IDXD_IMS_COMPLETION_SIZE, s->cr,
					  s->cr_iova);
		s->cr = NULL;
		s->busy = false;
	}
}

/* What a guest may ask of its virtual DSA (OPCAP). */
bool vdsa_op_supported(struct vdsa *vd, u8 op)
{
	if (op == IDXD_IMS_OP_BATCH)
		return vd->pa && vd->max_batch_shift;
	if (op == IDXD_IMS_OP_CFLUSH)
		return vd->pa;
	switch (op) {
	case IDXD_IMS_OP_NOOP:
	case IDXD_IMS_OP_DRAIN:
	case IDXD_IMS_OP_MEMMOVE:
	case IDXD_IMS_OP_MEMFILL:
	case IDXD_IMS_OP_COMPARE:
	case IDXD_IMS_OP_COMPVAL:
	case IDXD_IMS_OP_CRCGEN:
	case IDXD_IMS_OP_COPY_CRC:
	case IDXD_IMS_OP_DUALCAST:
		return true;
	default:
		return false;
	}
}

/* Does @op move data (so needs 0 < size <= max)?  And what does it write? */
static bool vdsa_op_sized(u8 op)
{
	return op != IDXD_IMS_OP_NOOP && op != IDXD_IMS_OP_DRAIN;
}

static bool vdsa_op_writes_dst(u8 op)
{
	return op == IDXD_IMS_OP_MEMMOVE || op == IDXD_IMS_OP_MEMFILL ||
	       op == IDXD_IMS_OP_COPY_CRC || op == IDXD_IMS_OP_DUALCAST;
}

/* DUALCAST's second destination, in the operation-specific bytes. */
static u64 vdsa_dst2(const struct idxd_ims_desc *d)
{
	return get_unaligned_le64(d->op);
}

static bool vdsa_overlap(u64 a, u64 b, u32 len)
{
	return a < b + len && b < a + len;
}

/*
 * What the device checks of a guest's buffers before it starts, and
 * cannot see on bounce buffers: DUALCAST's destinations share their page
 * offset, and neither it nor COPY_CRC may overlap its own buffers.
 */
static u8 vdsa_check_buffers(const struct idxd_ims_desc *d)
{
	u8 op = d->flags_opcode >> 24;
	u64 dst2 = vdsa_dst2(d);

	if (op == IDXD_IMS_OP_DUALCAST) {
		if ((d->dst ^ dst2) & (SZ_4K - 1))
			return IDXD_IMS_ST_DCAST_ERR;
		if (vdsa_overlap(d->src, d->dst, d->size) ||
		    vdsa_overlap(d->src, dst2, d->size) ||
		    vdsa_overlap(d->dst, dst2, d->size))
			return IDXD_IMS_ST_OVERLAP_BUFFERS;
	}
	if (op == IDXD_IMS_OP_COPY_CRC && vdsa_overlap(d->src, d->dst, d->size))
		return IDXD_IMS_ST_OVERLAP_BUFFERS;
	return 0;
}

/**
 * vdsa_check() - what the device would refuse in a guest descriptor
 * @vd: the virtual device
 * @d: the guest's descriptor
 * @vec: the guest vector its interrupt goes to, or -1
 *
 * Return: 0, or the completion status the guest gets instead.
 */
static u8 vdsa_check(struct vdsa *vd, const struct idxd_ims_desc *d, int *vec)
{
	u32 flags = d->flags_opcode & 0xffffff;
	u8 op = d->flags_opcode >> 24;
	u8 st;

	*vec = -1;
	if (d->pasid_priv || (flags & ~VDSA_GUEST_FLAGS))
		return IDXD_IMS_ST_INVALID_FLAGS;
	if (!vdsa_op_supported(vd, op))
		return IDXD_IMS_ST_BAD_OPCODE;
	/* a batch's size is its count, checked with its list */
	if (vdsa_op_sized(op) && op != IDXD_IMS_OP_BATCH &&
	    (!d->size || d->size > vd->max_xfer))
		return IDXD_IMS_ST_XFER_ERANGE;
	/* on a PASID the device checks the buffers itself */
	st = vd->pa ? 0 : vdsa_check_buffers(d);
	if (st)
		return st;
	if (flags & IDXD_IMS_F_RCI) {
		u16 unused;

		if (!vdsa_vec_handle(vd, d->int_handle, &unused))
			return IDXD_IMS_ST_INT_HANDLE_INVAL;
		*vec = d->int_handle;
	}
	return 0;
}

/**
 * vdsa_vec_handle() - the host interrupt handle behind a guest's
 * @vd: the virtual device
 * @guest: the handle a guest descriptor names: its vector
 * @host: the host IMS slot's handle
 *
 * Vector 0 is the device's own; a guest's descriptors name 1..N-1, and
 * only vectors it has set up.
 *
 * Return: whether @guest is such a vector.
 */
bool vdsa_vec_handle(struct vdsa *vd, u16 guest, u16 *host)
{
	struct idxd_irq_entry *hw;

	if (!guest || guest >= vd->nr_vecs ||
	    !READ_ONCE(vd->vecs[guest].trigger))
		return false;
	hw = READ_ONCE(vd->vecs[guest].hw);
	if (!hw)
		return false;
	*host = READ_ONCE(hw->handle);
	return true;
}

/* Copy @len guest bytes at @gaddr into @buf; a read fault on failure. */
static u8 vdsa_read_guest(struct vdsa *vd, u64 gaddr, void *buf, u32 len,
			  u64 *fault)
{
	if (vfio_dma_rw(&vd->vdev, gaddr, buf, len, false)) {
		*fault = gaddr;
		return IDXD_IMS_ST_PAGE_FAULT;
	}
	return 0;
}

/*
 * Bring the sources in and build the host descriptor on @s's bounce
 * buffers.  Return: 0 or a completion status (with *fault).
 */
static u8 vdsa_stage(struct vdsa *vd, struct vdsa_slot *s,
		     const struct idxd_ims_desc *g, struct idxd_ims_desc *h,
		     u64 *fault)
{
	u8 op = g->flags_opcode >> 24;
	u8 st = 0;

	*h = *g;
	/* only what the operation uses reaches the device */
	memset(h->op + idxd_op_bytes_used(op), 0, sizeof(h->op) - idxd_op_bytes_used(op));
	switch (op) {
	case IDXD_IMS_OP_NOOP:
	case IDXD_IMS_OP_DRAIN:
		h->src = 0;
		h->dst = 0;
		h->size = 0;
		break;
	case IDXD_IMS_OP_MEMMOVE:
	case IDXD_IMS_OP_COPY_CRC:
		st = vdsa_read_guest(vd, g->src, s->buf[0], g->size, fault);
		h->src = s->iova[0];
		h->dst = s->iova[1];
		break;
	case IDXD_IMS_OP_MEMFILL:
		h->dst = s->iova[1];	/* src is the pattern */
		break;
	case IDXD_IMS_OP_DUALCAST:
		/*
		 * One bounce copy serves both destinations: the host moves
		 * it, and vdsa_finish() writes it to each.
		 */
		st = vdsa_read_guest(vd, g->src, s->buf[0], g->size, fault);
		h->flags_opcode = (h->flags_opcode & 0xffffff) |
				  IDXD_IMS_OP_MEMMOVE << 24;
		memset(h->op, 0, sizeof(h->op));
		h->src = s->iova[0];
		h->dst = s->iova[1];
		break;
	case IDXD_IMS_OP_COMPARE:
		st = vdsa_read_guest(vd, g->src, s->buf[0], g->size, fault) ?:
		     vdsa_read_guest(vd, g->dst, s->buf[1], g->size, fault);
		h->src = s->iova[0];
		h->dst = s->iova[1];
		break;
	case IDXD_IMS_OP_COMPVAL:
	case IDXD_IMS_OP_CRCGEN:
		st = vdsa_read_guest(vd, g->src, s->buf[0], g->size, fault);
		h->src = s->iova[0];
		break;
	}
	return st;
}

/*
 * Write a completion record into guest memory, status byte last so the
 * guest never sees a status before the rest.  Unwritable: SWERR.
 */
static void vdsa_write_cr(struct vdsa *vd, unsigned int wq,
			  const struct idxd_ims_desc *g,
			  const struct idxd_ims_completion *c)
{
	if (!(g->flags_opcode & IDXD_IMS_F_CRAV))
		return;
	if (g->completion_addr % IDXD_IMS_COMPLETION_ALIGN) {
		vdsa_swerr(vd, wq, IDXD_IMS_ST_CRA_ALIGN, g);
		return;
	}
	if (vfio_dma_rw(&vd->vdev, g->completion_addr + 1, (u8 *)c + 1,
			sizeof(*c) - 1, true) ||
	    vfio_dma_rw(&vd->vdev, g->completion_addr, (void *)c, 1, true))
		vdsa_swerr(vd, wq, IDXD_IMS_ST_CRA_XLAT, g);
}

/* A descriptor refused before it reached the device. */
static void vdsa_fail(struct vdsa *vd, unsigned int wq,
		      const struct idxd_ims_desc *g, u8 status, u64 fault)
{
	struct idxd_ims_completion c = {
		.status = status,
		.fault_addr = fault,
	};
	u16 h = g->int_handle;

	if (g->flags_opcode & IDXD_IMS_F_CRAV)
		vdsa_write_cr(vd, wq, g, &c);
	else
		vdsa_swerr(vd, wq, status, g);
	/* an interrupt was asked for: deliver it if the vector is real */
	if ((g->flags_opcode & IDXD_IMS_F_RCI) && h && h < vd->nr_vecs)
		vdsa_signal(&vd->vecs[h]);
}

/**
 * vdsa_submit() - a whole descriptor arrived on guest WQ @wq's portal
 * @vd: the virtual device, vd->lock held
 * @wq: guest WQ index
 * @g: the descriptor
 *
 * As on the device, a descriptor for a disabled or full WQ is dropped.
 */
void vdsa_submit(struct vdsa *vd, unsigned int wq, const struct idxd_ims_desc *g)
{
	struct vdsa_wq *w = &vd->wqs[wq];
	struct idxd_ims_desc h;
	struct vdsa_slot *s = NULL;
	unsigned int i;
	u64 fault = 0;
	int vec;
	u8 st;

	lockdep_assert_held(&vd->lock);
	if (!vd->dev_enabled || !w->enabled || w->dead || vd->host_stopped)
		return;
	mutex_lock(&vd->slot_lock);
	for (i = 0; i < w->size && !s; i++)
		if (!w->slots[i].busy)
			s = &w->slots[i];
	if (!s)
		goto out;
	st = vdsa_check(vd, g, &vec) ?:
	     (vd->pa ? vdsa_pasid_stage(vd, s, g, &h, &fault) :
		       vdsa_stage(vd, s, g, &h, &fault));
	if (st) {
		vdsa_pasid_slot_done(vd, s);
		vdsa_fail(vd, wq, g, st, fault);
		goto out;
	}
	/* the host always wants the record and an interrupt: it copies back */
	h.pasid_priv = 0;
	h.flags_opcode = (h.flags_opcode & ~0xffffffu) |
			 (g->flags_opcode & (IDXD_IMS_F_CR | IDXD_IMS_F_CC)) |
			 IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR | IDXD_IMS_F_RCI;
	h.completion_addr = s->cr_iova;
	/* the handle now: a host reset may have brought another */
	h.int_handle = READ_ONCE((vec >= 0 ? vd->vecs[vec].hw : vd->internal.hw)->handle);
	memset(s->cr, 0, sizeof(*s->cr));
	s->gdesc = *g;
	s->vec = vec;
	s->busy = true;
	/* a host WQ that stopped under us drops it, as a disabled one does */
	if (idxd_submit(w->hwq, &h)) {
		s->busy = false;
		vdsa_pasid_slot_done(vd, s);
	}
out:
	mutex_unlock(&vd->slot_lock);
}

/* One finished slot: results, then the record, into guest memory. */
static void vdsa_finish(struct vdsa *vd, unsigned int wq, struct vdsa_slot *s)
{
	const struct idxd_ims_desc *g = &s->gdesc;
	struct idxd_ims_completion c = *s->cr;
	u8 op = g->flags_opcode >> 24;
	u64 bad = 0;

	if (vd->pa) {
		/* results are in guest memory; faults at guest addresses */
		vdsa_pasid_slot_done(vd, s);
		vdsa_write_cr(vd, wq, g, &c);
		s->busy = false;
		return;
	}
	if ((c.status & IDXD_IMS_ST_MASK) == IDXD_IMS_ST_SUCCESS &&
	    vdsa_op_writes_dst(op)) {
		if (vfio_dma_rw(&vd->vdev, g->dst, s->buf[1], g->size, true))
			bad = g->dst;
		else if (op == IDXD_IMS_OP_DUALCAST &&
			 vfio_dma_rw(&vd->vdev, vdsa_dst2(g), s->buf[1], g->size, true))
			bad = vdsa_dst2(g);
	}
	if (bad) {
		c.status = IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT;
		c.fault_addr = bad;
		c.bytes_completed = 0;
	} else if (c.fault_addr) {
		/* a fault in a bounce buffer is one in the guest's buffer */
		c.fault_addr = (c.fault_addr - s->iova[0] < VDSA_BOUNCE ?
				g->src + (c.fault_addr - s->iova[0]) :
				g->dst + (c.fault_addr - s->iova[1]));
	}
	vdsa_write_cr(vd, wq, g, &c);
	s->busy = false;
}

/* Copy back every slot the device has completed. */
void vdsa_reap(struct vdsa *vd)
{
	unsigned int i, k;

	mutex_lock(&vd->slot_lock);
	for (i = 0; i < vd->nr_wqs; i++) {
		struct vdsa_wq *w = &vd->wqs[i];

		for (k = 0; k < w->size; k++) {
			struct vdsa_slot *s = &w->slots[k];

			if (s->busy && READ_ONCE(s->cr->status)) {
				dma_rmb();
				vdsa_finish(vd, i, s);
			}
		}
	}
	mutex_unlock(&vd->slot_lock);
}

/**
 * vdsa_slots_lost() - the host device was reset: free every busy slot
 * @vd: the virtual device; caller holds vd->lock
 *
 * The device lost those descriptors and, reset, writes none of their
 * buffers any more.  No record is written for them, as a halted DSA
 * writes none.
 */
void vdsa_slots_lost(struct vdsa *vd)
{
	unsigned int i, k, n = 0;

	lockdep_assert_held(&vd->lock);
	mutex_lock(&vd->slot_lock);
	for (i = 0; i < vd->nr_wqs; i++) {
		for (k = 0; k < vd->wqs[i].size; k++) {
			struct vdsa_slot *s = &vd->wqs[i].slots[k];

			if (s->busy)
				vdsa_pasid_slot_done(vd, s);
			n += s->busy;
			s->busy = false;
		}
	}
	mutex_unlock(&vd->slot_lock);
	if (n)
		dev_info(vd->vdev.dev, "%u descriptor(s) lost to the host device's reset\n", n);
}

static bool vdsa_wq_busy(struct vdsa *vd, struct vdsa_wq *w)
{
	unsigned int k;
	bool busy = false;

	mutex_lock(&vd->slot_lock);
	for (k = 0; k < w->size; k++)
		busy |= w->slots[k].busy;
	mutex_unlock(&vd->slot_lock);
	return busy;
}

/**
 * vdsa_wq_quiesce() - let everything in flight on @w finish and land
 * @vd: the virtual device
 * @w: the guest WQ
 *
 * DRAIN_WQ on the backing WQ returns when the device has completed all
 * its descriptors; their records are then copied back here rather than
 * waiting for the interrupt threads.  Only with work in flight: a guest
 * must not keep the host's command register busy for nothing.
 *
 * Return: 0, or -EBUSY if work is still in flight (the drain failed).
 */
int vdsa_wq_quiesce(struct vdsa *vd, struct vdsa_wq *w)
{
	struct idxd_wq *hwq = w->hwq;

	w->portal_have = 0;
	if (!vdsa_wq_busy(vd, w))
		return 0;
	if (idxd_wq_enabled(hwq))
		idxd_cmd(vd->idev, IDXD_CMD_DRAIN_WQ,
			 BIT(hwq->id % 16) | ((hwq->id / 16) << 16), NULL);
	vdsa_reap(vd);
	return vdsa_wq_busy(vd, w) ? -EBUSY : 0;
}
