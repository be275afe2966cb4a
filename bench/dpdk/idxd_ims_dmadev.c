// SPDX-License-Identifier: MIT
/*
 * dma_idxd_ims: DPDK dmadev driver for an idxd_ims user WQ (see
 * rte_pmd_idxd_ims.h for the devargs and the memory rule).
 *
 * One virtual channel.  Operations are written into a ring of 64-byte
 * descriptors in the WQ's own DMA memory, each with its completion record;
 * submit() hands them to the kernel (or, with MOVDIR64B and the right, to
 * the portal) through libidxdims, a burst of two or more as one BATCH.
 * The dedicated WQ holds at most wq_size units: what does not fit stays
 * queued here and goes out from a later submit() or completed() call.
 * Completion is read from the records, oldest first, as dmadev wants.
 *
 * Memory: the application's own DPDK memory works (every memseg is
 * registered with the kernel at probe, and memory DPDK adds later when
 * it is added), as does the mem= heap of driver buffers.  In the WQ's
 * virtual-address mode (a PASID per file) the device names process
 * addresses, and a page fault is mapped and the rest resubmitted;
 * without it each registration has a device address of its own, which
 * operations are translated to.  An address neither reaches completes
 * as a page fault without going to the device.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_errno.h>
#include <rte_dmadev_pmd.h>
#include <rte_kvargs.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <bus_vdev_driver.h>
#include "idxd_ims_lib.h"
#include "rte_pmd_idxd_ims.h"

RTE_LOG_REGISTER(idxd_ims_dma_log, pmd.dma.idxd_ims, INFO);
#define IDMA_LOG(lvl, ...) \
	rte_log(RTE_LOG_##lvl, idxd_ims_dma_log, "dma_idxd_ims: " __VA_ARGS__)

#define IDMA_RING_MAX		4096	/* descriptors (a power of two) */
#define IDMA_RING_MIN		32
#define IDMA_CHUNK		IDXD_IMS_BUFFER_MAX	/* one driver buffer */
#define IDMA_MEM_MAX_MB		64
#define IDMA_PAGE		4096

/* per-operation state beside the ring */
#define IDMA_OP_FENCE		0x1	/* wait for everything earlier */
#define IDMA_OP_IN_BATCH	0x2	/* sent as a member of a BATCH */
#define IDMA_OP_UNIT_END	0x4	/* last operation of its unit */

#define IDMA_OP_PRESET		0x8	/* status set here: never sent */
#define IDMA_MAX_REDO		8	/* fault fixes per operation */

/* a record status of our own: refused by the kernel or lost, not run */
#define IDMA_ST_NOT_SENT	0x7e
/* how long the oldest operation may sit without news before we ask
 * whether the WQ lost it (one poll(2) each time) */
#define IDMA_LOST_CHECK_MS	5

struct idma_chunk {
	void *va;
	uint64_t iova;
	size_t len;
};

/* DPDK memory registered with the WQ: [va, va + len) is iova for the device */
struct idma_seg {
	uint64_t va;
	uint64_t iova;
	uint64_t len;
};

/*
 * The registrations, sorted by va.  Memory events come from whichever
 * thread grows DPDK's memory while another may be enqueueing: a table is
 * never changed once published, a new one replaces it, and the old ones
 * are freed at close.
 */
struct idma_segs {
	struct idma_segs *older;
	unsigned int n;
	struct idma_seg seg[];
};

struct idma_dev {
	struct ims_wq *wq;
	const struct idxd_ims_wq_info *info;
	char heap[32];		/* DPDK's heap name limit */
	int socket;
	struct idma_chunk chunk[IDMA_MEM_MAX_MB * (1u << 20) / IDMA_CHUNK];
	unsigned int nchunks;
	struct idma_segs *segs;	/* registrations (without va_mode) */
	bool va_mode;		/* the WQ names process addresses */
	char mem_cb[32];	/* our memory-event callback's name, if set */
	uint8_t redo[IDMA_RING_MAX];	/* fault fixes of each operation */

	/* the ring, its records and the BATCH records, in DMA memory */
	struct idxd_ims_desc *ring;
	struct idxd_ims_completion *cr, *bcr;
	uint64_t ring_iova, cr_iova, bcr_iova;
	uint8_t opf[IDMA_RING_MAX];
	uint16_t batch_of[IDMA_RING_MAX];	/* its BATCH's record: at the
						 * unit's last slot, not reused
						 * before that op retires */

	uint16_t nb_desc, mask;
	uint16_t head;		/* next to enqueue (the next job index) */
	uint16_t pushed;	/* next to hand to the device */
	uint16_t submitted;	/* next the application has not submitted */
	uint16_t tail;		/* oldest not yet reported complete */
	unsigned int units;	/* units the device holds */
	unsigned int max_units, max_batch;
	bool intr, batch;

	struct rte_dma_stats stats;
	uint64_t irq_requests;
	uint64_t stall_tsc;	/* when the oldest op was first seen waiting */
};

/* dev_id -> our state, for the rte_pmd_idxd_ims_* calls */
static struct idma_dev *idma_by_id[RTE_DMADEV_DEFAULT_MAX];

static struct idma_dev *idma_lookup(int16_t dev_id)
{
	if (dev_id < 0 || dev_id >= RTE_DMADEV_DEFAULT_MAX)
		return NULL;
	return idma_by_id[dev_id];
}

static void idma_register(int16_t dev_id, struct idma_dev *d)
{
	if (dev_id >= 0 && dev_id < RTE_DMADEV_DEFAULT_MAX)
		idma_by_id[dev_id] = d;
}

/* The registration holding [va, va + len), or NULL: a binary search. */
static const struct idma_seg *idma_seg_find(const struct idma_dev *d,
					    uint64_t va, uint64_t len)
{
	const struct idma_segs *t = __atomic_load_n(&d->segs, __ATOMIC_ACQUIRE);
	unsigned int lo = 0, hi = t ? t->n : 0;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct idma_seg *g = &t->seg[mid];

		if (va < g->va)
			hi = mid;
		else if (va >= g->va + g->len)
			lo = mid + 1;
		else
			return va + len <= g->va + g->len ? g : NULL;
	}
	return NULL;
}

/*
 * The device address of the application's [addr, addr + len), or false:
 * the mem= heap's driver buffers as they are, registered DPDK memory
 * translated (in virtual-address mode every process address is its own
 * device address; the device faults on what it cannot reach).
 */
static bool idma_translate(const struct idma_dev *d, uint64_t addr,
			   uint64_t len, uint64_t *dev_addr)
{
	const struct idma_seg *g;
	unsigned int i;

	if (!len || addr + len < addr)
		return false;
	*dev_addr = addr;
	if (d->va_mode)
		return true;
	for (i = 0; i < d->nchunks; i++)
		if (addr >= d->chunk[i].iova &&
		    addr + len <= d->chunk[i].iova + d->chunk[i].len)
			return true;
	g = idma_seg_find(d, addr, len);
	if (!g)
		return false;
	*dev_addr = g->iova + (addr - g->va);
	return true;
}

/* ---- fast path ---- */

/*
 * The kernel refused a unit for good (not -EAGAIN): its operations
 * complete as not attempted, so the application hears of it.
 */
static void idma_unit_refused(struct idma_dev *d, uint16_t first, uint16_t n,
			      int rc)
{
	uint16_t k;

	IDMA_LOG(ERR, "submission refused: %s; %u operations not attempted\n",
		 ims_strerror(rc), n);
	for (k = 0; k < n; k++) {
		d->opf[(first + k) & d->mask] &= ~(IDMA_OP_IN_BATCH | IDMA_OP_UNIT_END);
		d->cr[(first + k) & d->mask].status = IDMA_ST_NOT_SENT;
	}
}

static int idma_push_unit(struct idma_dev *d, uint16_t first, uint16_t n)
{
	uint16_t i = first & d->mask, last = (first + n - 1) & d->mask;
	struct idxd_ims_desc b;
	int rc;

	/*
	 * An operation alone whose status is already set (the device could
	 * not reach its memory) goes nowhere: sent, its NOOP would hold a
	 * WQ slot after the operation was reported, and the slots counted
	 * here would fall behind the device's, which drops what overfills.
	 */
	if (n == 1 && (d->opf[i] & IDMA_OP_PRESET)) {
		d->opf[i] &= ~IDMA_OP_IN_BATCH;
		return 0;
	}
	if (n == 1) {
		d->ring[i].flags_opcode &= ~(uint32_t)IDXD_IMS_F_FENCE;
		if (d->intr)
			d->ring[i].flags_opcode |= IDXD_IMS_F_RCI;
		rc = ims_submit(d->wq, &d->ring[i]);
		if (rc)
			return rc;
		d->opf[i] &= ~IDMA_OP_IN_BATCH;
	} else {
		d->bcr[last].status = 0;
		ims_desc_batch(&b, d->ring_iova + (uint64_t)i * sizeof(b), n,
			       d->bcr_iova + (uint64_t)last * sizeof(*d->bcr),
			       d->intr ? IMS_INTERRUPT : 0);
		rc = ims_submit(d->wq, &b);
		if (rc)
			return rc;
		for (uint16_t k = 0; k < n; k++) {
			d->opf[(first + k) & d->mask] |= IDMA_OP_IN_BATCH;
			d->batch_of[(first + k) & d->mask] = last;
		}
	}
	d->opf[last] |= IDMA_OP_UNIT_END;
	d->units++;
	d->irq_requests += d->intr;
	return 0;
}

/*
 * Has the device finished all it was given?  The newest unit's record
 * comes last (a dedicated WQ runs in order).
 */
static bool idma_device_idle(const struct idma_dev *d)
{
	uint16_t last = (d->pushed - 1) & d->mask;

	if (d->tail == d->pushed)
		return true;
	if (d->opf[last] & IDMA_OP_IN_BATCH)
		return __atomic_load_n(&d->bcr[d->batch_of[last]].status, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&d->cr[last].status, __ATOMIC_ACQUIRE);
}

/*
 * Hand queued operations to the device while it has room.  A unit never
 * wraps the ring (a BATCH list is contiguous) and a fenced operation
 * starts a unit of its own that waits until everything before it is done.
 */
static void idma_push(struct idma_dev *d)
{
	int rc;

	while (d->pushed != d->submitted && d->units < d->max_units) {
		uint16_t first = d->pushed, n = 1;
		uint16_t avail = d->submitted - first;
		uint16_t to_wrap = d->nb_desc - (first & d->mask);

		if ((d->opf[first & d->mask] & IDMA_OP_FENCE) && !idma_device_idle(d))
			return;
		if (d->batch) {
			while (n < avail && n < to_wrap && n < d->max_batch &&
			       !(d->opf[(first + n) & d->mask] & IDMA_OP_FENCE))
				n++;
		}
		rc = idma_push_unit(d, first, n);
		if (rc == -EAGAIN || rc == -EINTR)
			return;		/* full: try again later */
		if (rc)
			idma_unit_refused(d, first, n, rc);
		d->pushed = first + n;
	}
}

static int idma_submit(void *priv, uint16_t vchan);

/*
 * Queue one operation.  @desc NULL: the operation names memory the
 * device cannot reach; it completes as a page fault, as it would on a
 * device that tried.  Inside a BATCH a NOOP without a record takes its
 * place (keeping the list as it is); alone it is not sent at all.
 */
static int idma_enqueue(struct idma_dev *d, struct idxd_ims_desc *desc,
			uint64_t flags)
{
	uint16_t job = d->head, i = job & d->mask;

	if ((uint16_t)(d->head - d->tail) >= d->nb_desc)
		return -ENOSPC;
	d->opf[i] = (flags & RTE_DMA_OP_FLAG_FENCE) ? IDMA_OP_FENCE : 0;
	d->redo[i] = 0;
	if (desc) {
		d->ring[i] = *desc;
		d->cr[i].status = 0;
	} else {
		memset(&d->ring[i], 0, sizeof(d->ring[i]));
		d->cr[i].status = IDXD_IMS_ST_PAGE_FAULT;
		d->opf[i] |= IDMA_OP_PRESET;
	}
	d->head++;
	if (flags & RTE_DMA_OP_FLAG_SUBMIT)
		idma_submit(d, 0);
	return job;
}

static int idma_copy(void *priv, uint16_t vchan, rte_iova_t src,
		     rte_iova_t dst, uint32_t length, uint64_t flags)
{
	struct idma_dev *d = priv;
	struct idxd_ims_desc desc;
	uint16_t i = d->head & d->mask;
	uint64_t s, t;

	RTE_SET_USED(vchan);
	if (!length || length > d->info->max_xfer)
		return -EINVAL;
	if (!idma_translate(d, src, length, &s) || !idma_translate(d, dst, length, &t))
		return idma_enqueue(d, NULL, flags);
	ims_desc_memmove(&desc, t, s, length,
			 d->cr_iova + (uint64_t)i * sizeof(*d->cr), 0);
	return idma_enqueue(d, &desc, flags);
}

static int idma_fill(void *priv, uint16_t vchan, uint64_t pattern,
		     rte_iova_t dst, uint32_t length, uint64_t flags)
{
	struct idma_dev *d = priv;
	struct idxd_ims_desc desc;
	uint16_t i = d->head & d->mask;
	uint64_t t;

	RTE_SET_USED(vchan);
	if (!length || length > d->info->max_xfer)
		return -EINVAL;
	if (!idma_translate(d, dst, length, &t))
		return idma_enqueue(d, NULL, flags);
	ims_desc_memfill(&desc, t, pattern, length,
			 d->cr_iova + (uint64_t)i * sizeof(*d->cr), 0);
	return idma_enqueue(d, &desc, flags);
}

static int idma_copy_sg(void *priv, uint16_t vchan,
			const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
			uint16_t nb_src, uint16_t nb_dst, uint64_t flags)
{
	RTE_SET_USED(priv);
	RTE_SET_USED(vchan);
	RTE_SET_USED(src);
	RTE_SET_USED(dst);
	RTE_SET_USED(nb_src);
	RTE_SET_USED(nb_dst);
	RTE_SET_USED(flags);
	return -ENOTSUP;	/* not in dev_capa: DSA has no scatter-gather */
}

/* dmadev counts as submitted what the application submitted, gone out or not */
static int idma_submit(void *priv, uint16_t vchan)
{
	struct idma_dev *d = priv;

	RTE_SET_USED(vchan);
	d->stats.submitted += (uint16_t)(d->head - d->submitted);
	d->submitted = d->head;
	idma_push(d);
	return 0;
}

static enum rte_dma_status_code idma_status(uint8_t st)
{
	switch (st & IDXD_IMS_ST_MASK) {
	case IDXD_IMS_ST_SUCCESS:
		return RTE_DMA_STATUS_SUCCESSFUL;
	case IDXD_IMS_ST_PAGE_FAULT:
	case IDXD_IMS_ST_PAGE_FAULT_IR:
	case IDXD_IMS_ST_TRANSLATION_FAIL:
		return RTE_DMA_STATUS_PAGE_FAULT;
	case IDXD_IMS_ST_BAD_OPCODE:
		return RTE_DMA_STATUS_INVALID_OPCODE;
	case IDXD_IMS_ST_XFER_ERANGE:
		return RTE_DMA_STATUS_INVALID_LENGTH;
	case IDXD_IMS_ST_ADDR_ALIGN:
	case IDXD_IMS_ST_OVERLAP_BUFFERS:
		return RTE_DMA_STATUS_INVALID_ADDR;
	case IDMA_ST_NOT_SENT:
		return RTE_DMA_STATUS_NOT_ATTEMPTED;
	case IDXD_IMS_ST_DESCLIST_ALIGN:
	case IDXD_IMS_ST_DESC_CNT_ERANGE:
		return RTE_DMA_STATUS_DESCRIPTOR_READ_ERROR;
	default:
		return RTE_DMA_STATUS_ERROR_UNKNOWN;
	}
}

/*
 * The status of the oldest unreported operation, 0 while it runs.  A
 * member of a BATCH the device refused as a whole never gets its own
 * record: it takes the BATCH's status.  The last operation of a unit is
 * done only when the device has let go of the unit.
 */
static uint8_t idma_peek_once(struct idma_dev *d)
{
	uint16_t i = d->tail & d->mask;
	uint8_t st, bst = 0;

	if (d->tail == d->pushed)
		return 0;
	st = __atomic_load_n(&d->cr[i].status, __ATOMIC_ACQUIRE);
	if (d->opf[i] & IDMA_OP_IN_BATCH) {
		bst = __atomic_load_n(&d->bcr[d->batch_of[i]].status,
				      __ATOMIC_ACQUIRE) & IDXD_IMS_ST_MASK;
		if (!st && bst && bst != IDXD_IMS_ST_SUCCESS &&
		    bst != IDXD_IMS_ST_BATCH_FAIL)
			st = bst;
		if (st && (d->opf[i] & IDMA_OP_UNIT_END) && !bst)
			return 0;
	}
	return st;
}

/*
 * What the device holds is lost when its WQ is disabled or the device
 * halts: no record will ever come.  Without the kernel in the path (the
 * portal) nothing else says so, so once the oldest operation has waited a
 * while, ask the WQ; if it is broken, every operation still on the device
 * completes as not attempted.
 */
static bool idma_lost(struct idma_dev *d)
{
	uint64_t now = rte_get_tsc_cycles();
	uint16_t k;

	if (!d->stall_tsc) {
		d->stall_tsc = now;
		return false;
	}
	if (now - d->stall_tsc < rte_get_tsc_hz() / 1000 * IDMA_LOST_CHECK_MS)
		return false;
	d->stall_tsc = now;
	if (!ims_wq_broken(d->wq))
		return false;
	IDMA_LOG(ERR, "the WQ is disabled or the device halted: %u operations lost\n",
		 (uint16_t)(d->pushed - d->tail));
	for (k = d->tail; k != d->pushed; k++) {
		uint16_t i = k & d->mask;

		if (!d->cr[i].status)
			d->cr[i].status = IDMA_ST_NOT_SENT;
		if ((d->opf[i] & IDMA_OP_IN_BATCH) && !d->bcr[d->batch_of[i]].status)
			d->bcr[d->batch_of[i]].status = IDMA_ST_NOT_SENT;
	}
	return true;
}

/*
 * Virtual-address mode: the oldest operation faulted on a page the WQ's
 * PASID does not map (memory DPDK did not register: the application's
 * own).  Map the rest of what faulted and send what is left as a unit of
 * its own; true if it went.  Only once its own unit is done (a BATCH
 * member's BATCH has its record) and while the WQ has room for one more.
 */
static bool idma_refault(struct idma_dev *d, uint8_t st)
{
	uint16_t i = d->tail & d->mask;
	struct idxd_ims_desc x = d->ring[i];
	struct idxd_ims_completion c = d->cr[i];
	uint8_t op = x.flags_opcode >> 24;

	if (!d->va_mode || (st & IDXD_IMS_ST_MASK) != IDXD_IMS_ST_PAGE_FAULT ||
	    (d->opf[i] & IDMA_OP_PRESET) || d->redo[i] >= IDMA_MAX_REDO ||
	    ((d->opf[i] & IDMA_OP_IN_BATCH) && !d->bcr[d->batch_of[i]].status) ||
	    (!(d->opf[i] & IDMA_OP_UNIT_END) && d->units >= d->max_units))
		return false;
	if (ims_fault_fix(d->wq, &x, &c))
		return false;	/* not the process's memory: a fault it is */
	if (op == IDXD_IMS_OP_MEMMOVE || op == IDXD_IMS_OP_MEMFILL) {
		if (op == IDXD_IMS_OP_MEMMOVE)
			x.src += c.bytes_completed;
		x.dst += c.bytes_completed;
		x.size -= c.bytes_completed;
	}
	x.flags_opcode &= ~(uint32_t)(IDXD_IMS_F_FENCE | IDXD_IMS_F_RCI);
	x.flags_opcode |= IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR | (d->intr ? IDXD_IMS_F_RCI : 0);
	x.completion_addr = d->cr_iova + (uint64_t)i * sizeof(*d->cr);
	d->cr[i].status = 0;
	if (ims_submit(d->wq, &x)) {
		d->cr[i] = c;
		return false;
	}
	d->ring[i] = x;
	d->redo[i]++;
	if (!(d->opf[i] & IDMA_OP_UNIT_END))
		d->units++;	/* the old unit ends with its own last op */
	d->opf[i] = (d->opf[i] & ~IDMA_OP_IN_BATCH) | IDMA_OP_UNIT_END;
	d->irq_requests += d->intr;
	return true;
}

static uint8_t idma_peek(struct idma_dev *d)
{
	uint8_t st = idma_peek_once(d);

	if (!st && d->tail != d->pushed && idma_lost(d))
		st = idma_peek_once(d);
	if (st && idma_refault(d, st))
		return 0;
	return st;
}

static void idma_retire(struct idma_dev *d, bool ok)
{
	uint16_t i = d->tail & d->mask;

	d->stall_tsc = 0;

	if (d->opf[i] & IDMA_OP_UNIT_END)
		d->units--;
	d->cr[i].status = 0;
	d->opf[i] = 0;
	d->tail++;
	d->stats.completed++;
	if (!ok)
		d->stats.errors++;
}

static uint16_t idma_completed(void *priv, uint16_t vchan, uint16_t nb_cpls,
			       uint16_t *last_idx, bool *has_error)
{
	struct idma_dev *d = priv;
	uint16_t n = 0;
	uint8_t st;

	RTE_SET_USED(vchan);
	while (n < nb_cpls && (st = idma_peek(d))) {
		if ((st & IDXD_IMS_ST_MASK) != IDXD_IMS_ST_SUCCESS) {
			*has_error = true;
			break;
		}
		idma_retire(d, true);
		n++;
	}
	*last_idx = d->tail - 1;
	idma_push(d);
	return n;
}

static uint16_t idma_completed_status(void *priv, uint16_t vchan,
				      uint16_t nb_cpls, uint16_t *last_idx,
				      enum rte_dma_status_code *status)
{
	struct idma_dev *d = priv;
	uint16_t n = 0;
	uint8_t st;

	RTE_SET_USED(vchan);
	while (n < nb_cpls && (st = idma_peek(d))) {
		status[n] = idma_status(st);
		idma_retire(d, status[n] == RTE_DMA_STATUS_SUCCESSFUL);
		n++;
	}
	*last_idx = d->tail - 1;
	idma_push(d);
	return n;
}

static uint16_t idma_burst_capacity(const void *priv, uint16_t vchan)
{
	const struct idma_dev *d = priv;

	RTE_SET_USED(vchan);
	return d->nb_desc - (uint16_t)(d->head - d->tail);
}

/* ---- control path ---- */

static int idma_info_get(const struct rte_dma_dev *dev,
			 struct rte_dma_info *info, uint32_t size)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(size);
	/* errors: every failure is reported per operation, the rest go on */
	info->dev_capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
			 RTE_DMA_CAPA_OPS_FILL | RTE_DMA_CAPA_HANDLES_ERRORS;
	if (((const struct idma_dev *)dev->data->dev_private)->va_mode)
		info->dev_capa |= RTE_DMA_CAPA_SVA;
	info->max_vchans = 1;
	info->max_desc = IDMA_RING_MAX;
	info->min_desc = IDMA_RING_MIN;
	info->max_sges = 0;
	return 0;
}

static int idma_configure(struct rte_dma_dev *dev,
			  const struct rte_dma_conf *conf, uint32_t size)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(size);
	if (conf->enable_silent) {
		IDMA_LOG(ERR, "silent mode is not supported\n");
		return -ENOTSUP;
	}
	return 0;
}

static int idma_vchan_setup(struct rte_dma_dev *dev, uint16_t vchan,
			    const struct rte_dma_vchan_conf *conf,
			    uint32_t size)
{
	struct idma_dev *d = dev->data->dev_private;

	RTE_SET_USED(vchan);
	RTE_SET_USED(size);
	if (conf->direction != RTE_DMA_DIR_MEM_TO_MEM)
		return -EINVAL;
	if (d->head != d->tail) {
		IDMA_LOG(ERR, "%s: operations still in flight\n",
			 dev->data->dev_name);
		return -EBUSY;
	}
	d->nb_desc = rte_align32pow2(conf->nb_desc);
	if (d->nb_desc > IDMA_RING_MAX)
		d->nb_desc = IDMA_RING_MAX;
	d->mask = d->nb_desc - 1;
	d->head = d->pushed = d->tail = 0;
	memset(d->opf, 0, sizeof(d->opf));
	return 0;
}

/* dmadev: job indices start again from 0 after a stop */
static int idma_start(struct rte_dma_dev *dev)
{
	struct idma_dev *d = dev->data->dev_private;

	if (d->head != d->tail) {
		IDMA_LOG(ERR, "%s: %u operations not yet reported complete\n",
			 dev->data->dev_name, (uint16_t)(d->head - d->tail));
		return -EBUSY;
	}
	d->head = d->pushed = d->tail = 0;
	return 0;
}

static int idma_stop(struct rte_dma_dev *dev)
{
	struct idma_dev *d = dev->data->dev_private;

	if (d->pushed != d->tail)
		IDMA_LOG(WARNING, "%s: stopped with %u operations on the device\n",
			 dev->data->dev_name, (uint16_t)(d->pushed - d->tail));
	return 0;
}

/*
 * Give the heap's memory back to the driver, then close the WQ (which
 * unmaps every buffer).  While the application still holds allocations
 * from the heap, nothing is unmapped: -EBUSY.
 */
static void idma_unregister_memory(struct idma_dev *d);

static int idma_release(struct idma_dev *d)
{
	idma_unregister_memory(d);
	while (d->nchunks) {
		struct idma_chunk *c = &d->chunk[d->nchunks - 1];

		if (rte_malloc_heap_memory_remove(d->heap, c->va, c->len)) {
			IDMA_LOG(ERR, "heap %s still in use (%s): free its buffers first\n",
				 d->heap, rte_strerror(rte_errno));
			return -EBUSY;
		}
		d->nchunks--;
	}
	if (d->heap[0] && rte_malloc_heap_destroy(d->heap)) {
		IDMA_LOG(ERR, "heap %s: %s\n", d->heap, rte_strerror(rte_errno));
		return -EBUSY;
	}
	d->heap[0] = 0;
	if (d->wq)
		ims_wq_close(d->wq);
	d->wq = NULL;
	return 0;
}

static int idma_close(struct rte_dma_dev *dev)
{
	struct idma_dev *d = dev->data->dev_private;
	int rc = idma_release(d);

	if (!rc)
		idma_register(dev->data->dev_id, NULL);
	return rc;
}

static int idma_stats_get(const struct rte_dma_dev *dev, uint16_t vchan,
			  struct rte_dma_stats *stats, uint32_t size)
{
	const struct idma_dev *d = dev->data->dev_private;

	RTE_SET_USED(vchan);
	RTE_SET_USED(size);
	*stats = d->stats;
	return 0;
}

static int idma_stats_reset(struct rte_dma_dev *dev, uint16_t vchan)
{
	struct idma_dev *d = dev->data->dev_private;

	RTE_SET_USED(vchan);
	memset(&d->stats, 0, sizeof(d->stats));
	return 0;
}

/*
 * Active while the device holds work without a record, or submitted work
 * still waits here (for room, or a fence for the device to finish: it
 * goes out from here once the device is done).  Records not yet gathered
 * leave it idle.
 */
static int idma_vchan_status(const struct rte_dma_dev *dev, uint16_t vchan,
			     enum rte_dma_vchan_status *status)
{
	struct idma_dev *d = dev->data->dev_private;

	RTE_SET_USED(vchan);
	if (d->pushed != d->submitted && idma_device_idle(d))
		idma_push(d);
	*status = idma_device_idle(d) && d->pushed == d->submitted ?
		  RTE_DMA_VCHAN_IDLE : RTE_DMA_VCHAN_ACTIVE;
	return 0;
}

static int idma_dump(const struct rte_dma_dev *dev, FILE *f)
{
	const struct idma_dev *d = dev->data->dev_private;

	fprintf(f, "  wq dsa%u/wq%u.%u size %u max_batch %u irq %d ims_slot %d\n",
		d->info->dev_id, d->info->dev_id, d->info->wq_id,
		d->info->wq_size, d->info->max_batch, d->info->irq,
		d->info->ims_slot);
	fprintf(f, "  ring %u: head %u pushed %u tail %u units %u; heap %s, %u MiB\n",
		d->nb_desc, d->head, d->pushed, d->tail, d->units, d->heap,
		(unsigned int)(d->nchunks * IDMA_CHUNK >> 20));
	return 0;
}

static const struct rte_dma_dev_ops idma_ops = {
	.dev_info_get = idma_info_get,
	.dev_configure = idma_configure,
	.dev_start = idma_start,
	.dev_stop = idma_stop,
	.dev_close = idma_close,
	.vchan_setup = idma_vchan_setup,
	.stats_get = idma_stats_get,
	.stats_reset = idma_stats_reset,
	.vchan_status = idma_vchan_status,
	.dev_dump = idma_dump,
};

/* ---- probe ---- */

struct idma_args {
	char wq[256];
	unsigned int mem_mb, intr, batch;
};

static int idma_arg_wq(const char *key, const char *v, void *out)
{
	struct idma_args *a = out;
	int n;

	RTE_SET_USED(key);
	if (!v)
		return -EINVAL;		/* a bare "wq" */
	if (strchr(v, '/'))
		n = snprintf(a->wq, sizeof(a->wq), "%s", v);
	else
		n = snprintf(a->wq, sizeof(a->wq), "/dev/dsa/%s", v);
	return n > 0 && (size_t)n < sizeof(a->wq) ? 0 : -EINVAL;
}

static int idma_arg_uint(const char *v, unsigned int lo, unsigned int hi,
			 unsigned int *out)
{
	char *end;
	unsigned long x;

	if (!v)
		return -EINVAL;		/* a key without "=value" */
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

static int idma_arg_mem(const char *key, const char *v, void *out)
{
	RTE_SET_USED(key);
	return idma_arg_uint(v, 1, IDMA_MEM_MAX_MB,
			     &((struct idma_args *)out)->mem_mb);
}

static int idma_arg_intr(const char *key, const char *v, void *out)
{
	RTE_SET_USED(key);
	return idma_arg_uint(v, 0, 1, &((struct idma_args *)out)->intr);
}

static int idma_arg_batch(const char *key, const char *v, void *out)
{
	RTE_SET_USED(key);
	return idma_arg_uint(v, 0, 1, &((struct idma_args *)out)->batch);
}

static int idma_parse(const char *name, const char *params,
		      struct idma_args *a)
{
	static const char * const keys[] = { "wq", "mem", "intr", "batch", NULL };
	struct rte_kvargs *kv = rte_kvargs_parse(params, keys);
	int rc = 0;

	*a = (struct idma_args){ .mem_mb = 8, .batch = 1 };
	if (!kv) {
		IDMA_LOG(ERR, "%s: bad arguments '%s' (known: wq, mem, intr, batch)\n",
			 name, params);
		return -EINVAL;
	}
	if (rte_kvargs_count(kv, "wq") != 1) {
		IDMA_LOG(ERR, "%s: needs exactly one wq=<wqN.M or path>\n", name);
		rc = -EINVAL;
	} else if (rte_kvargs_process(kv, "wq", idma_arg_wq, a)) {
		IDMA_LOG(ERR, "%s: bad wq=\n", name);
		rc = -EINVAL;
	} else if (rte_kvargs_process(kv, "mem", idma_arg_mem, a)) {
		IDMA_LOG(ERR, "%s: mem= takes 1..%u (MiB)\n", name, IDMA_MEM_MAX_MB);
		rc = -EINVAL;
	} else if (rte_kvargs_process(kv, "intr", idma_arg_intr, a) ||
		   rte_kvargs_process(kv, "batch", idma_arg_batch, a)) {
		IDMA_LOG(ERR, "%s: intr= and batch= take 0 or 1\n", name);
		rc = -EINVAL;
	}
	rte_kvargs_free(kv);
	return rc;
}

/* The ring, records and BATCH records: one driver buffer, at most size. */
static int idma_ring_alloc(struct idma_dev *d)
{
	size_t rl = IDMA_RING_MAX * sizeof(*d->ring);
	size_t cl = IDMA_RING_MAX * sizeof(*d->cr);
	uint64_t iova;
	char *p = ims_buf_alloc(d->wq, rl + 2 * cl, &iova);

	if (!p)
		return -errno;
	d->ring = (void *)p;
	d->cr = (void *)(p + rl);
	d->bcr = (void *)(p + rl + cl);
	d->ring_iova = iova;
	d->cr_iova = iova + rl;
	d->bcr_iova = iova + rl + cl;
	d->nb_desc = IDMA_RING_MAX;
	d->mask = IDMA_RING_MAX - 1;
	return 0;
}

/* The application's DMA memory: driver buffers added to a named heap. */
static int idma_heap_create(struct idma_dev *d, const char *name,
			    unsigned int mem_mb)
{
	rte_iova_t iovas[IDMA_CHUNK / IDMA_PAGE];
	size_t left = (size_t)mem_mb << 20;

	snprintf(d->heap, sizeof(d->heap), "%s", name);
	if (rte_malloc_heap_create(d->heap)) {
		IDMA_LOG(ERR, "%s: cannot create heap: %s\n", name,
			 rte_strerror(rte_errno));
		d->heap[0] = 0;
		return -rte_errno;
	}
	while (left) {
		struct idma_chunk *c = &d->chunk[d->nchunks];
		size_t i;

		c->len = RTE_MIN(left, (size_t)IDMA_CHUNK);
		c->va = ims_buf_alloc(d->wq, c->len, &c->iova);
		if (!c->va) {
			int err = errno;

			IDMA_LOG(ERR, "%s: DMA buffer: %s\n", name, strerror(err));
			return -err;
		}
		for (i = 0; i < c->len / IDMA_PAGE; i++)
			iovas[i] = c->iova + i * IDMA_PAGE;
		if (rte_malloc_heap_memory_add(d->heap, c->va, c->len, iovas,
					       c->len / IDMA_PAGE, IDMA_PAGE)) {
			IDMA_LOG(ERR, "%s: heap memory: %s\n", name,
				 rte_strerror(rte_errno));
			return -rte_errno;
		}
		d->nchunks++;
		left -= c->len;
	}
	d->socket = rte_malloc_heap_get_socket(d->heap);
	return 0;
}

/* Publish a copy of the table with @add put in (or, @add NULL, @drop taken out). */
static int idma_segs_update(struct idma_dev *d, const struct idma_seg *add,
			    uint64_t drop)
{
	struct idma_segs *old = d->segs, *t;
	unsigned int n = old ? old->n : 0, i, k = 0;

	t = malloc(sizeof(*t) + (n + 1) * sizeof(t->seg[0]));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (add || old->seg[i].va != drop)
			t->seg[k++] = old->seg[i];
	t->n = k;
	if (add) {	/* sorted insert */
		for (i = t->n; i > 0 && t->seg[i - 1].va > add->va; i--)
			t->seg[i] = t->seg[i - 1];
		t->seg[i] = *add;
		t->n++;
	}
	t->older = old;
	__atomic_store_n(&d->segs, t, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Let the device at [va, va + len) of DPDK's memory.  Without
 * virtual-address mode the kernel wants one device range per
 * registration: a range it refuses as several goes a page at a time.
 */
static int idma_seg_add(struct idma_dev *d, uint64_t va, uint64_t len,
			uint64_t pgsz)
{
	struct idma_seg g = { .va = va, .len = len };
	uint64_t off;
	int rc;

	rc = ims_map(d->wq, (void *)(uintptr_t)va, len, &g.iova);
	if (rc == -EINVAL && !d->va_mode && len > pgsz) {
		for (rc = 0, off = 0; off < len && !rc; off += pgsz)
			rc = idma_seg_add(d, va + off, pgsz, pgsz);
		return rc;
	}
	if (rc || d->va_mode)
		return rc;
	return idma_segs_update(d, &g, 0);
}

static int idma_walk(const struct rte_memseg_list *msl,
		     const struct rte_memseg *ms, size_t len, void *arg)
{
	struct idma_dev *d = arg;
	int rc;

	if (msl->external)	/* the mem= heap's buffers: the WQ's already */
		return 0;
	rc = idma_seg_add(d, (uintptr_t)ms->addr, len, msl->page_sz);
	if (rc)
		IDMA_LOG(ERR, "DPDK memory %p+%#zx: %s\n", ms->addr, len, ims_strerror(rc));
	return rc ? -1 : 0;
}

/* DPDK added or freed memory: the device's view follows. */
static void idma_mem_event(enum rte_mem_event type, const void *addr,
			   size_t len, void *arg)
{
	struct idma_dev *d = arg;
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	uint64_t va = (uintptr_t)addr, pg = msl ? msl->page_sz : IDMA_PAGE;
	const struct idma_segs *t;
	unsigned int i;

	if (type == RTE_MEM_EVENT_ALLOC) {
		if (idma_seg_add(d, va, len, pg))
			IDMA_LOG(ERR, "new DPDK memory %p+%#zx not registered\n", addr, len);
		return;
	}
	ims_unmap(d->wq, addr, len);
	for (;;) {	/* drop each registration inside the freed range */
		t = d->segs;
		for (i = 0; t && i < t->n; i++)
			if (t->seg[i].va >= va && t->seg[i].va < va + len)
				break;
		if (!t || i == t->n || idma_segs_update(d, NULL, t->seg[i].va))
			break;
	}
}

/* Every memseg DPDK has now, and those it adds later. */
static int idma_register_memory(struct idma_dev *d, const char *name)
{
	int rc;

	if (rte_memseg_contig_walk(idma_walk, d))
		return -EIO;
	snprintf(d->mem_cb, sizeof(d->mem_cb), "%s", name);
	rc = rte_mem_event_callback_register(d->mem_cb, idma_mem_event, d);
	if (rc) {	/* legacy or static memory: it never changes */
		d->mem_cb[0] = 0;
		if (rte_errno != ENOTSUP)
			IDMA_LOG(WARNING, "%s: memory DPDK adds later will not be registered: %s\n",
				 name, rte_strerror(rte_errno));
	}
	return 0;
}

static void idma_unregister_memory(struct idma_dev *d)
{
	struct idma_segs *t = d->segs, *older;

	if (d->mem_cb[0])
		rte_mem_event_callback_unregister(d->mem_cb, d);
	d->mem_cb[0] = 0;
	for (; t; t = older) {
		older = t->older;
		free(t);
	}
	d->segs = NULL;
}

static int idma_setup(struct idma_dev *d, const char *name,
		      const struct idma_args *a)
{
	int rc = ims_wq_open(a->wq, &d->wq);

	if (rc) {
		IDMA_LOG(ERR, "%s: %s: %s\n", name, a->wq, ims_strerror(rc));
		d->wq = NULL;
		return rc;
	}
	d->info = ims_wq_info(d->wq);
	d->va_mode = ims_wq_va(d->wq);
	if (a->intr && d->info->irq < 0) {
		IDMA_LOG(ERR, "%s: intr=1 but %s has no completion interrupt\n",
			 name, a->wq);
		return -ENXIO;
	}
	d->intr = a->intr;
	/*
	 * In virtual-address mode write() takes no BATCH on Sapphire Rapids'
	 * device IDs (the kernel cannot check its members: INTEL-SA-01084).
	 */
	d->batch = a->batch && d->info->max_batch >= 2 &&
		   !(d->va_mode && !ims_wq_uses_movdir64b(d->wq));
	d->max_batch = d->batch ? RTE_MIN(d->info->max_batch, 256u) : 1;
	d->max_units = d->info->wq_size;
	rc = idma_ring_alloc(d);
	if (rc) {
		IDMA_LOG(ERR, "%s: ring buffer: %s\n", name, strerror(-rc));
		return rc;
	}
	rc = idma_heap_create(d, name, a->mem_mb);
	if (rc)
		return rc;
	/* the heap first: its memsegs are external, not registered twice */
	rc = idma_register_memory(d, name);
	if (rc)
		IDMA_LOG(ERR, "%s: cannot register DPDK's memory\n", name);
	return rc;
}

static int idma_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_dma_dev *dev;
	struct idma_args a;
	struct idma_dev *d;
	int rc;

	rc = idma_parse(name, rte_vdev_device_args(vdev), &a);
	if (rc)
		return rc;
	dev = rte_dma_pmd_allocate(name, rte_socket_id(), sizeof(*d));
	if (!dev) {
		IDMA_LOG(ERR, "%s: cannot allocate the dmadev\n", name);
		return -ENOMEM;
	}
	d = dev->data->dev_private;
	memset(d, 0, sizeof(*d));
	rc = idma_setup(d, name, &a);
	if (rc) {
		idma_release(d);
		rte_dma_pmd_release(name);
		return rc;
	}
	dev->device = &vdev->device;
	dev->dev_ops = &idma_ops;
	dev->fp_obj->dev_private = d;
	dev->fp_obj->copy = idma_copy;
	dev->fp_obj->copy_sg = idma_copy_sg;
	dev->fp_obj->fill = idma_fill;
	dev->fp_obj->submit = idma_submit;
	dev->fp_obj->completed = idma_completed;
	dev->fp_obj->completed_status = idma_completed_status;
	dev->fp_obj->burst_capacity = idma_burst_capacity;
	dev->state = RTE_DMA_DEV_READY;
	idma_register(dev->data->dev_id, d);
	IDMA_LOG(INFO, "%s: %s (size %u, %s irq %d), %u MiB heap, intr=%u batch=%u, submits %s\n",
		 name, a.wq, d->info->wq_size,
		 d->info->ims_slot >= 0 ? "IMS" : "MSI-X", d->info->irq,
		 a.mem_mb, d->intr, d->batch,
		 ims_wq_uses_movdir64b(d->wq) ? "with MOVDIR64B" : "through write()");
	return 0;
}

static int idma_remove(struct rte_vdev_device *vdev)
{
	return rte_dma_pmd_release(rte_vdev_device_name(vdev));
}

int rte_pmd_idxd_ims_socket(int16_t dev_id)
{
	struct idma_dev *d = idma_lookup(dev_id);

	return d ? d->socket : -ENODEV;
}

int rte_pmd_idxd_ims_eventfd(int16_t dev_id)
{
	struct idma_dev *d = idma_lookup(dev_id);
	int fd;

	if (!d)
		return -ENODEV;
	if (!d->intr)
		return -ENXIO;
	fd = ims_wq_eventfd(d->wq);
	return fd >= 0 ? fd : -ENXIO;
}

uint64_t rte_pmd_idxd_ims_interrupts(int16_t dev_id)
{
	struct idma_dev *d = idma_lookup(dev_id);

	return d ? d->irq_requests : 0;
}

const char *rte_pmd_idxd_ims_submission(int16_t dev_id)
{
	struct idma_dev *d = idma_lookup(dev_id);

	if (!d)
		return NULL;
	return ims_wq_uses_movdir64b(d->wq) ? "movdir64b" : "write";
}

/* Applications hand the device IOVAs: as VAs they can be registered. */
static struct rte_vdev_driver idma_driver = {
	.probe = idma_probe,
	.remove = idma_remove,
	.drv_flags = RTE_VDEV_DRV_NEED_IOVA_AS_VA,
};

RTE_PMD_REGISTER_VDEV(dma_idxd_ims, idma_driver);
RTE_PMD_REGISTER_PARAM_STRING(dma_idxd_ims,
			      "wq=<wqN.M|path> mem=<MiB> intr=<0|1> batch=<0|1>");
