// SPDX-License-Identifier: GPL-2.0
/*
 * mdev: a virtual DSA's DMA on a PASID of the host device (docs/mdev.md).
 *
 * Where the host device has PASIDs, each open virtual DSA gets one, with
 * a paging domain attached there, and its backing WQs carry that PASID
 * in WQCFG: every address in the guest's descriptors is then a guest
 * physical address the device translates through that domain.  The
 * domain maps the guest's memory as its VMM mapped it for the device,
 * while the device uses it: the pages a descriptor names are pinned
 * (vfio_pin_pages(), which finds them in the VMM's DMA mappings) and
 * mapped at their guest addresses when it is submitted, and leave the
 * domain when it completes (a page several descriptors use, when the
 * last does).  A guest address its VMM did not map is not in the
 * domain: the device faults there (completion status 0x03/0x83 with the
 * address), and no other guest's memory is in it to reach.  Data moves
 * with no bounce buffer, up to the backing WQs' own transfer size.
 *
 * Why not keep pages pinned until the VMM unmaps them, as a cache:
 * vfio's type1 calls dma_unmap with its device_list_lock held, and
 * unpinning there takes the container's lock, which type1 takes before
 * device_list_lock elsewhere (vfio_iommu_type1_register_device()): an
 * inversion lockdep reports on 6.12 (and a deadlock with a device opened
 * meanwhile).  Pinned only while in flight, a page is unpinned by the
 * completion, outside that lock; a VMM unmapping memory under work
 * (vdsa_dma_unmap()) waits for that work to complete, holding nothing.
 *
 * What the host still owns is a window at the top of the domain that no
 * guest address reaches (descriptors naming it are refused as page
 * faults): the host's completion records, which tell it a slot is free
 * and are copied into the guest's record, and the checked copies of
 * guest BATCH lists.  The copy, mapped read-only for the device, is what
 * the device runs: members' interrupt handles become the host IMS slots
 * behind the guest's own vectors (so a guest can only interrupt itself),
 * their PASID fields are cleared, and their pages are pinned; members'
 * own records go straight to guest memory.
 */
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/unaligned.h>
#include <linux/xarray.h>
#include "mdev.h"

static bool vdsa_pasid_on = true;
module_param_named(vdsa_pasid, vdsa_pasid_on, bool, 0644);
MODULE_PARM_DESC(vdsa_pasid, "Virtual DSAs work on a PASID of the host device when it has them, with no bounce buffers (default on)");

#define VDSA_WIN_REC_PAGES	1	/* VDSA_WQ_SIZE_MAX records of 32 bytes */
#define VDSA_LIST_BYTES		(64 << VDSA_MAX_BATCH_SHIFT)
#define VDSA_WIN_LIST_PAGES	(VDSA_WQ_SIZE_MAX * VDSA_LIST_BYTES / PAGE_SIZE)
#define VDSA_WIN_WQ_PAGES	(VDSA_WIN_REC_PAGES + VDSA_WIN_LIST_PAGES)
#define VDSA_WIN_PAGES		(VDSA_MAX_WQS * VDSA_WIN_WQ_PAGES)
#define VDSA_WIN_SIZE		((u64)VDSA_WIN_PAGES << PAGE_SHIFT)
#define VDSA_BAD_HANDLE		0xffff	/* no IMS table is this long */

/**
 * struct vdsa_pasid - a virtual DSA's address space on the host device
 * @dom: paging domain, attached to the host device at @pasid
 * @pasid: a global PASID of the host device
 * @window: device address of the host window (top of @dom's aperture)
 * @win: the window's pages: per guest WQ, the records page, then the
 *	batch-list pages
 * @spans: per guest WQ, VDSA_SPANS page runs per slot: what each
 *	descriptor in flight has pinned
 *
 * The pinned pages themselves are in struct vdsa (pinned, npinned), which
 * vdsa_dma_unmap() may look at while this goes away.
 */
struct vdsa_pasid {
	struct iommu_domain *dom;
	ioasid_t pasid;
	u64 window;
	struct page *win[VDSA_WIN_PAGES];
	struct vdsa_span *spans[VDSA_MAX_WQS];
};

/* Does [addr, addr + len) meet the host window (or wrap)? */
bool vdsa_pasid_window(struct vdsa *vd, u64 addr, u64 len)
{
	u64 end = addr + max_t(u64, len, 1);

	if (!vd->pa)
		return false;
	return end < addr || (addr < vd->pa->window + VDSA_WIN_SIZE &&
			      vd->pa->window < end);
}

u32 vdsa_pasid_id(struct vdsa *vd)
{
	return vd->pa ? vd->pa->pasid : IOMMU_PASID_INVALID;
}

/*
 * A pinned page's entry in vd->pinned: how many descriptors in flight
 * use it, and whether it is mapped writable.
 */
static void *vdsa_pin_entry(unsigned long users, bool writable)
{
	return xa_mk_value(users << 1 | writable);
}

/* Unmap and unpin @gfn whoever uses it; slot_lock held, device off it. */
static void vdsa_unpin_page(struct vdsa *vd, unsigned long gfn)
{
	iommu_unmap(vd->pa->dom, (u64)gfn << PAGE_SHIFT, PAGE_SIZE);
	vfio_unpin_pages(&vd->vdev, (dma_addr_t)gfn << PAGE_SHIFT, 1);
	xa_erase(&vd->pinned, gfn);
	atomic_long_dec(&vd->npinned);
}

/* One user of @gfn less; the last one unpins it. */
static void vdsa_put_page(struct vdsa *vd, unsigned long gfn)
{
	unsigned long v = xa_to_value(xa_load(&vd->pinned, gfn));

	if (v >> 1 > 1)
		xa_store(&vd->pinned, gfn, vdsa_pin_entry((v >> 1) - 1, v & 1),
			 GFP_KERNEL);
	else
		vdsa_unpin_page(vd, gfn);
}

/*
 * Pin guest page @gfn and map it at its guest address, or count one more
 * user of it.  A page the VMM mapped read-only is mapped so; one it did
 * not map stays out, and the device faults there.
 */
static int vdsa_get_page(struct vdsa *vd, unsigned long gfn, bool write)
{
	struct vdsa_pasid *pa = vd->pa;
	dma_addr_t gpa = (dma_addr_t)gfn << PAGE_SHIFT;
	int prot = IOMMU_READ | IOMMU_WRITE;
	struct page *pg;
	void *e;
	int rc;

	e = xa_load(&vd->pinned, gfn);
	if (e) {
		unsigned long v = xa_to_value(e);

		if (write && !(v & 1))
			return -EFAULT;
		return xa_err(xa_store(&vd->pinned, gfn,
				       vdsa_pin_entry((v >> 1) + 1, v & 1), GFP_KERNEL));
	}
	if (gpa + PAGE_SIZE - 1 > pa->dom->geometry.aperture_end ||
	    vdsa_pasid_window(vd, gpa, PAGE_SIZE))
		return -EFAULT;
	rc = vfio_pin_pages(&vd->vdev, gpa, 1, prot, &pg);
	if (rc != 1 && !write) {
		prot = IOMMU_READ;
		rc = vfio_pin_pages(&vd->vdev, gpa, 1, prot, &pg);
	}
	if (rc != 1)
		return rc < 0 ? rc : -EFAULT;
	rc = iommu_map(pa->dom, gpa, page_to_phys(pg), PAGE_SIZE, prot,
		       GFP_KERNEL);
	if (rc)
		goto err_unpin;
	rc = xa_err(xa_store(&vd->pinned, gfn,
			     vdsa_pin_entry(1, prot & IOMMU_WRITE), GFP_KERNEL));
	if (rc)
		goto err_unmap;
	atomic_long_inc(&vd->npinned);
	atomic_long_inc(&vd->pins);
	return 0;
err_unmap:
	iommu_unmap(pa->dom, gpa, PAGE_SIZE);
err_unpin:
	vfio_unpin_pages(&vd->vdev, gpa, 1);
	return rc;
}

/*
 * Make the guest buffer [addr, addr + len) reachable for @s's descriptor,
 * as far as its VMM mapped it (the device faults where that ends); past
 * max_xfer the device refuses the descriptor anyway.
 */
static void vdsa_pin_range(struct vdsa *vd, struct vdsa_slot *s, u64 addr,
			   u64 len, bool write)
{
	struct vdsa_span *sp;
	unsigned long gfn, last;

	if (!len || len > vd->max_xfer || addr + len < addr ||
	    s->nspans == VDSA_SPANS)
		return;
	sp = &s->spans[s->nspans];
	sp->gfn = addr >> PAGE_SHIFT;
	sp->n = 0;
	last = (addr + len - 1) >> PAGE_SHIFT;
	for (gfn = sp->gfn; gfn <= last; gfn++) {
		if (vdsa_get_page(vd, gfn, write))
			break;
		sp->n++;
	}
	if (sp->n)
		s->nspans++;
}

/**
 * vdsa_pasid_slot_done() - the device is done with @s's pages
 * @vd: the virtual device, slot_lock held
 * @s: its slot, completed, refused, or lost with the device's reset
 */
void vdsa_pasid_slot_done(struct vdsa *vd, struct vdsa_slot *s)
{
	unsigned int i, k;

	if (!vd->pa || !s->nspans)
		return;
	for (i = 0; i < s->nspans; i++)
		for (k = 0; k < s->spans[i].n; k++)
			vdsa_put_page(vd, s->spans[i].gfn + k);
	s->nspans = 0;
	wake_up_all(&vd->pin_wq);
}

/* One buffer: where, how long, and whether the device writes it. */
static void vdsa_buf(u64 *addr, u64 *len, bool *write, unsigned int *n,
		     u64 a, u64 l, bool w)
{
	addr[*n] = a;
	len[*n] = l;
	write[*n] = w;
	(*n)++;
}

/* The guest buffers @d names, each with the direction the device uses. */
static unsigned int vdsa_buffers(const struct idxd_ims_desc *d, u64 addr[3],
				 u64 len[3], bool write[3])
{
	u8 op = d->flags_opcode >> 24;
	unsigned int n = 0;

	switch (op) {
	case IDXD_IMS_OP_MEMMOVE:
	case IDXD_IMS_OP_COPY_CRC:
	case IDXD_IMS_OP_DUALCAST:
	case IDXD_IMS_OP_COMPARE:
		vdsa_buf(addr, len, write, &n, d->src, d->size, false);
		vdsa_buf(addr, len, write, &n, d->dst, d->size,
			 op != IDXD_IMS_OP_COMPARE);
		if (op == IDXD_IMS_OP_DUALCAST)
			vdsa_buf(addr, len, write, &n, get_unaligned_le64(d->op),
				 d->size, true);
		break;
	case IDXD_IMS_OP_COMPVAL:
	case IDXD_IMS_OP_CRCGEN:
		vdsa_buf(addr, len, write, &n, d->src, d->size, false);
		break;
	case IDXD_IMS_OP_MEMFILL:
		vdsa_buf(addr, len, write, &n, d->dst, d->size, true);
		break;
	case IDXD_IMS_OP_CFLUSH:
		vdsa_buf(addr, len, write, &n, d->dst, d->size, false);
		break;
	}
	return n;
}

/*
 * A buffer of @d in the host window: the guest gets the page fault it
 * would get for any address its VMM never mapped.
 */
static u8 vdsa_window_fault(struct vdsa *vd, const struct idxd_ims_desc *d,
			    u64 *fault)
{
	u64 addr[3], len[3];
	bool write[3];
	unsigned int i, n = vdsa_buffers(d, addr, len, write);

	for (i = 0; i < n; i++) {
		if (vdsa_pasid_window(vd, addr[i], len[i])) {
			*fault = addr[i];
			return IDXD_IMS_ST_PAGE_FAULT |
			       (write[i] ? IDXD_IMS_ST_WRITE_FAULT : 0);
		}
	}
	if ((d->flags_opcode & IDXD_IMS_F_CRAV) &&
	    vdsa_pasid_window(vd, d->completion_addr, IDXD_IMS_COMPLETION_SIZE)) {
		*fault = d->completion_addr;
		return IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT;
	}
	return 0;
}

static void vdsa_pin_desc(struct vdsa *vd, struct vdsa_slot *s,
			  const struct idxd_ims_desc *d)
{
	u64 addr[3], len[3];
	bool write[3];
	unsigned int i, n = vdsa_buffers(d, addr, len, write);

	for (i = 0; i < n; i++)
		vdsa_pin_range(vd, s, addr[i], len[i], write[i]);
	if (d->flags_opcode & IDXD_IMS_F_CRAV)
		vdsa_pin_range(vd, s, d->completion_addr, IDXD_IMS_COMPLETION_SIZE,
			       true);
}

/*
 * A guest BATCH: copy its list into @s's window slot and make that copy
 * safe to run.  Return: 0 or the batch's status (with *fault).
 */
static u8 vdsa_stage_batch(struct vdsa *vd, struct vdsa_slot *s,
			   const struct idxd_ims_desc *g, u64 *fault)
{
	u32 n = g->size, i;
	u8 st;

	if (n < 2 || n > BIT(vd->max_batch_shift))
		return IDXD_IMS_ST_DESC_CNT_ERANGE;
	if (g->src % 64)
		return IDXD_IMS_ST_DESCLIST_ALIGN;
	if (vdsa_pasid_window(vd, g->src, n * 64ULL) ||
	    vfio_dma_rw(&vd->vdev, g->src, s->list, n * 64, false)) {
		*fault = g->src;
		return IDXD_IMS_ST_BATCH_PAGE_FAULT;
	}
	for (i = 0; i < n; i++) {
		struct idxd_ims_desc *m = &s->list[i];

		st = vdsa_window_fault(vd, m, fault);
		if (st)
			return st;
		/* the WQ's PASID is the guest's: none of its own */
		m->pasid_priv = 0;
		if ((m->flags_opcode & IDXD_IMS_F_RCI) &&
		    !vdsa_vec_handle(vd, m->int_handle, &m->int_handle))
			m->int_handle = VDSA_BAD_HANDLE;
		vdsa_pin_desc(vd, s, m);
	}
	return 0;
}

/**
 * vdsa_pasid_stage() - the host descriptor for a guest's, on the PASID
 * @vd: the virtual device, vd->lock held
 * @s: the slot it goes in
 * @g: the guest's descriptor, checked by vdsa_check()
 * @h: the descriptor to submit: the guest's, its addresses unchanged
 * @fault: the fault address if the guest gets a fault status instead
 *
 * The pages it names are pinned for @s until vdsa_pasid_slot_done().
 *
 * Return: 0 or the status the guest gets without the device.
 */
u8 vdsa_pasid_stage(struct vdsa *vd, struct vdsa_slot *s,
		    const struct idxd_ims_desc *g, struct idxd_ims_desc *h,
		    u64 *fault)
{
	u8 op = g->flags_opcode >> 24;
	u8 st;

	*h = *g;
	if (op == IDXD_IMS_OP_BATCH) {
		st = vdsa_stage_batch(vd, s, g, fault);
		h->src = s->list_iova;
		return st;
	}
	st = vdsa_window_fault(vd, g, fault);
	if (!st)
		vdsa_pin_desc(vd, s, g);
	return st;
}

/**
 * vdsa_pasid_slots() - point guest WQ @wq's slots into the host window
 * @vd: the virtual device, on a PASID
 * @wq: guest WQ index
 */
void vdsa_pasid_slots(struct vdsa *vd, unsigned int wq)
{
	struct vdsa_pasid *pa = vd->pa;
	struct vdsa_wq *w = &vd->wqs[wq];
	unsigned int first = wq * VDSA_WIN_WQ_PAGES, k;
	u64 base = pa->window + ((u64)first << PAGE_SHIFT);

	for (k = 0; k < w->size; k++) {
		struct vdsa_slot *s = &w->slots[k];
		unsigned int lp = VDSA_WIN_REC_PAGES + k * VDSA_LIST_BYTES / PAGE_SIZE;
		unsigned int lo = k * VDSA_LIST_BYTES % PAGE_SIZE;

		memset(s, 0, sizeof(*s));
		s->spans = pa->spans[wq] + k * VDSA_SPANS;
		s->cr = page_address(pa->win[first]) + k * IDXD_IMS_COMPLETION_SIZE;
		s->cr_iova = base + k * IDXD_IMS_COMPLETION_SIZE;
		s->list = page_address(pa->win[first + lp]) + lo;
		s->list_iova = base + ((u64)lp << PAGE_SHIFT) + lo;
	}
}

/* The host window: records writable, lists read-only to the device. */
static int vdsa_window_map(struct vdsa_pasid *pa)
{
	unsigned int i;
	int rc;

	for (i = 0; i < VDSA_WIN_PAGES; i++) {
		bool rec = i % VDSA_WIN_WQ_PAGES < VDSA_WIN_REC_PAGES;

		pa->win[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pa->win[i])
			return -ENOMEM;
		rc = iommu_map(pa->dom, pa->window + ((u64)i << PAGE_SHIFT),
			       page_to_phys(pa->win[i]), PAGE_SIZE,
			       IOMMU_READ | (rec ? IOMMU_WRITE : 0), GFP_KERNEL);
		if (rc)
			return rc;
	}
	return 0;
}

static void vdsa_window_free(struct vdsa_pasid *pa)
{
	unsigned int i;

	iommu_unmap(pa->dom, pa->window, VDSA_WIN_SIZE);
	for (i = 0; i < VDSA_WIN_PAGES; i++)
		if (pa->win[i])
			__free_page(pa->win[i]);
}

/*
 * Put the backing WQs on @pasid, stopping at the first that fails; or
 * take every one off its PASID, also those the device would not move
 * (left disabled): a WQ the host enables later must not come back on a
 * PASID that is freed, and may be another's by then.  idev->lock taken.
 */
static int vdsa_wqs_set_pasid(struct vdsa *vd, u32 pasid)
{
	bool off = pasid == IOMMU_PASID_INVALID;
	unsigned int i;
	int rc = 0, err;

	mutex_lock(&vd->idev->lock);
	for (i = 0; i < vd->nr_wqs && (off || !rc); i++) {
		if (vd->wqs[i].dead)
			continue;
		err = idxd_wq_set_pasid(vd->wqs[i].hwq, pasid);
		if (err && off)
			vd->wqs[i].hwq->pasid = IOMMU_PASID_INVALID;
		rc = rc ?: err;
	}
	mutex_unlock(&vd->idev->lock);
	return rc;
}

/*
 * The host window: the top of the domain's aperture, kept below bit 47
 * (first-stage tables take canonical lower-half addresses only).
 */
static u64 vdsa_window_base(struct iommu_domain *dom)
{
	u64 end = min_t(u64, dom->geometry.aperture_end, BIT_ULL(47) - 1);

	return (end + 1 - VDSA_WIN_SIZE) & PAGE_MASK;
}

/* Why this virtual DSA cannot work on a PASID, or NULL. */
static const char *vdsa_pasid_why_not(struct vdsa *vd)
{
	if (!vdsa_pasid_on)
		return "off (vdsa_pasid=0)";
	return idxd_pasid_why_not(vd->idev->pdev);
}

/* Free @pa; its PASID is off the WQs and nothing of the guest is pinned. */
static void vdsa_pasid_free(struct vdsa *vd, struct vdsa_pasid *pa,
			    bool attached)
{
	struct device *dev = idev_dev(vd->idev);
	unsigned int i;

	if (attached)
		iommu_detach_device_pasid(pa->dom, dev, pa->pasid);
	vdsa_window_free(pa);
	iommu_domain_free(pa->dom);
	iommu_free_global_pasid(pa->pasid);
	for (i = 0; i < VDSA_MAX_WQS; i++)
		kfree(pa->spans[i]);
	kfree(pa);
}

/* The guest's transfer and batch limits: the backing WQs' own. */
static void vdsa_pasid_limits(struct vdsa *vd)
{
	u64 xfer = U64_MAX;
	u32 batch = BIT(VDSA_MAX_BATCH_SHIFT);
	unsigned int i;

	for (i = 0; i < vd->nr_wqs; i++) {
		xfer = min(xfer, vd->wqs[i].hwq->max_xfer_bytes);
		batch = min(batch, vd->wqs[i].hwq->max_batch_size);
	}
	vd->max_xfer = rounddown_pow_of_two(max_t(u64, xfer, SZ_4K));
	vd->max_batch_shift = batch >= 2 ? ilog2(batch) : 0;
}

/**
 * vdsa_pasid_open() - give an opening virtual DSA a PASID of its own
 * @vd: the virtual device, vd->lock not held (idev->lock is taken)
 *
 * Without one (the host device has no PASIDs, vdsa_pasid=0, or it could
 * not be set up) the virtual DSA works through bounce buffers and says
 * why.
 *
 * Return: 0, or -ENXIO if a backing WQ could not be moved (it is left
 * disabled, logged).
 */
int vdsa_pasid_open(struct vdsa *vd)
{
	struct device *dev = idev_dev(vd->idev);
	struct vdsa_pasid *pa;
	const char *why;
	unsigned int i;
	int rc = 0;

	vd->pa = NULL;
	vd->max_xfer = BIT_ULL(VDSA_MAX_XFER_SHIFT);
	vd->max_batch_shift = 0;
	why = vdsa_pasid_why_not(vd);
	if (why)
		goto bounce;
	why = "no memory";
	pa = kzalloc(sizeof(*pa), GFP_KERNEL);
	if (!pa)
		goto bounce;
	for (i = 0; i < vd->nr_wqs; i++) {
		pa->spans[i] = kcalloc(vd->wqs[i].size * VDSA_SPANS,
				       sizeof(struct vdsa_span), GFP_KERNEL);
		if (!pa->spans[i]) {
			while (i--)
				kfree(pa->spans[i]);
			kfree(pa);
			goto bounce;
		}
	}
	why = "no PASID left";
	pa->pasid = iommu_alloc_global_pasid(dev);
	if (pa->pasid == IOMMU_PASID_INVALID)
		goto err_spans;
	why = "no paging domain";
	pa->dom = iommu_paging_domain_alloc(dev);
	if (IS_ERR(pa->dom)) {
		iommu_free_global_pasid(pa->pasid);
		goto err_spans;
	}
	pa->window = vdsa_window_base(pa->dom);
	why = "the host window could not be mapped";
	rc = vdsa_window_map(pa);
	if (!rc) {
		why = "the domain could not be attached at the PASID";
		rc = iommu_attach_device_pasid(pa->dom, dev, pa->pasid, NULL);
	}
	if (rc) {
		vdsa_pasid_free(vd, pa, false);
		goto bounce;
	}
	vd->pa = pa;
	rc = vdsa_wqs_set_pasid(vd, pa->pasid);
	if (rc) {
		vdsa_wqs_set_pasid(vd, IOMMU_PASID_INVALID);
		vd->pa = NULL;
		vdsa_pasid_free(vd, pa, true);
		return rc;
	}
	vdsa_pasid_limits(vd);
	vd->why_bounce = NULL;
	dev_info(vd->vdev.dev, "guest DMA on PASID %u of %s: no bounce buffers, transfers up to %llu bytes, batches of %lu\n",
		 pa->pasid, dev_name(dev), vd->max_xfer, BIT(vd->max_batch_shift));
	return 0;
err_spans:
	for (i = 0; i < VDSA_MAX_WQS; i++)
		kfree(pa->spans[i]);
	kfree(pa);
bounce:
	vd->why_bounce = why;
	if (rc)
		dev_info(vd->vdev.dev, "guest DMA through bounce buffers: %s (%pe)\n",
			 why, ERR_PTR(rc));
	else
		dev_info(vd->vdev.dev, "guest DMA through bounce buffers: %s\n", why);
	return 0;
}

/*
 * Unpin and unmap every guest page still pinned, whoever used it; the
 * device no longer uses the PASID.  slot_lock held.
 */
static void vdsa_unpin_all(struct vdsa *vd)
{
	unsigned long gfn;
	void *e;

	xa_for_each(&vd->pinned, gfn, e)
		vdsa_unpin_page(vd, gfn);
}

/**
 * vdsa_pasid_close() - take the closing virtual DSA off its PASID
 * @vd: the virtual device, its guest WQs stopped; vd->lock not held
 *
 * Descriptors that never completed keep their pages until the device is
 * off the PASID: DISABLE_WQ lets what is queued finish first, and after
 * the domain is detached nothing reaches them.
 */
void vdsa_pasid_close(struct vdsa *vd)
{
	struct vdsa_pasid *pa = vd->pa;

	if (!pa)
		return;
	vdsa_wqs_set_pasid(vd, IOMMU_PASID_INVALID);
	iommu_detach_device_pasid(pa->dom, idev_dev(vd->idev), pa->pasid);
	mutex_lock(&vd->lock);
	mutex_lock(&vd->slot_lock);
	vdsa_unpin_all(vd);
	vd->pa = NULL;
	mutex_unlock(&vd->slot_lock);
	mutex_unlock(&vd->lock);
	wake_up_all(&vd->pin_wq);
	vdsa_pasid_free(vd, pa, false);
}

/* Is any page of guest frames [first, last] pinned? */
static bool vdsa_pinned_in(struct vdsa *vd, unsigned long first,
			   unsigned long last)
{
	return xa_find(&vd->pinned, &first, last, XA_PRESENT);
}

/**
 * vdsa_dma_unmap() - the VMM unmaps guest memory from the device
 * @vdev: the virtual device
 * @iova: guest address
 * @length: bytes
 *
 * vfio calls this only while pages of the range are pinned, that is with
 * descriptors using them in flight, and waits for them to be unpinned.
 * Their completions unpin them; this waits for that, holding nothing of
 * ours (vfio holds its device_list_lock here: see the top of the file).
 * A device that never completes them: after 10 s they are unpinned here
 * and the device faults on them.
 */
void vdsa_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct vdsa *vd = container_of(vdev, struct vdsa, vdev);
	unsigned long first = iova >> PAGE_SHIFT;
	unsigned long last = (iova + length - 1) >> PAGE_SHIFT;
	unsigned long gfn;
	void *e;

	if (!length || !vdsa_pinned_in(vd, first, last))
		return;
	if (wait_event_timeout(vd->pin_wq, !vdsa_pinned_in(vd, first, last),
			       10 * HZ))
		return;
	dev_err(vdev->dev, "work on guest memory %#llx+%#llx did not complete: unpinning it under the device\n",
		iova, length);
	mutex_lock(&vd->slot_lock);
	if (vd->pa)
		xa_for_each_range(&vd->pinned, gfn, e, first, last)
			vdsa_unpin_page(vd, gfn);
	mutex_unlock(&vd->slot_lock);
}
