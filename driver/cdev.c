// SPDX-License-Identifier: GPL-2.0
/*
 * User work queues: /dev/dsa/wq<N>.<M>.
 *
 * Without PASID the device works in the kernel's DMA address space, so a
 * user cannot hand it virtual addresses.  Instead each open file gets DMA
 * buffers (mmap at IDXD_IMS_MMAP_BUFFER), learns their device addresses
 * (IDXD_IMS_IOC_BUFFER) and submits through write(); the kernel checks
 * that every address a descriptor names lies in the caller's own buffers,
 * that no privileged bit or PASID is set, and submits it; a batch's list
 * is checked and submitted from a kernel copy.  Mapping the
 * raw portal (offset 0) bypasses those checks, so without PASID it needs
 * CAP_SYS_RAWIO, as in upstream idxd.
 *
 * In virtual-address mode (sva.c) the file has a PASID of its own that
 * mirrors its process's memory: descriptors name the process's
 * addresses, the IOMMU is the check, and buffers report their own
 * virtual address as their device address.  A dedicated WQ then
 * serves one file at a time.  On Sapphire Rapids' device IDs (erratum,
 * INTEL-SA-01084) the portal still needs CAP_SYS_RAWIO and write() takes
 * no batches, whose members the kernel cannot check, as upstream.
 */
#include <linux/bitfield.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include "../uapi/linux/idxd_ims.h"
#include "idxd_ims.h"

#define IDXD_CDEV_MINORS	4096
#define IDXD_WRITE_MAX_DESCS	64
/* Batch lists written through write() are copied here: 64 KiB at least. */
#define IDXD_BATCH_RING_MIN	SZ_64K
#define IDXD_BATCH_DRAIN_MS	5000

static unsigned int buffer_limit_mb = 64;
module_param(buffer_limit_mb, uint, 0644);
MODULE_PARM_DESC(buffer_limit_mb, "DMA buffer MiB one open WQ file may hold (default 64)");

static dev_t idxd_cdev_base;
static DEFINE_IDA(idxd_minor_ida);

struct idxd_buf {
	struct list_head node;
	void *cpu;
	dma_addr_t iova;
	size_t len;
	unsigned long uaddr;
};

/**
 * struct idxd_ctx - one open WQ file
 * @uc: the WQ's char device
 * @submit_lock: serializes write() and IDXD_IMS_IOC_SET_EVENTFD; protects
 *	@submitted, the batch-list ring (@ring, @ring_iova, @ring_descs,
 *	@ring_used) and @efd.  Held while a batch's drain is awaited, for
 *	up to IDXD_BATCH_DRAIN_MS, but never across a user access.
 * @bufs_lock: protects @bufs and @buf_total.  ->mmap takes it under
 *	mmap_lock, so nothing holding it may touch user memory (a fault
 *	takes mmap_lock); the lock order is submit_lock, then bufs_lock.
 * @bufs: the file's DMA buffers (struct idxd_buf), freed only at release
 * @umems: user memory registered without PASID (umem.c), guarded by
 *	@bufs_lock too
 * @buf_total: their bytes, bounded by buffer_limit_mb
 * @submitted: a descriptor was submitted: release must drain the WQ
 * @leak: the device may still write: its buffers go to the device's
 *	orphans, freed after its next reset
 * @err_seen: the device's software-error count last reported to poll()
 * @ring: kernel-only copies of submitted batch lists, so a list cannot
 *	change between its check and the device's read of it; one page past
 *	its @ring_descs entries holds the completion record of the drain
 *	that frees it
 * @ring_iova: @ring's device address
 * @ring_descs: entries in @ring
 * @ring_used: entries in use since the last drain
 * @efd: the file's eventfd, on wq->efds while @efd.ctx is set
 * @user: the device's resets reach the file through it (idev->lock)
 * @lost: a reset lost what the device held: poll() says EPOLLPRI until
 *	the file asks IDXD_IMS_IOC_WQ_INFO again (a reset may change the
 *	WQ's interrupt handle).  Set by the reset (under idev->lock), cleared
 *	by the ioctl; both WRITE_ONCE, as a reset may come at any time.
 * @pm: the opener's memory mirrored on a PASID (virtual-address mode),
 *	else NULL; set at open, dropped at release
 */
struct idxd_ctx {
	struct idxd_ucdev *uc;
	struct mutex submit_lock;	/* submissions, ring, efd */
	struct mutex bufs_lock;		/* bufs, buf_total; under mmap_lock */
	struct list_head bufs;
	struct list_head umems;
	size_t buf_total;
	bool submitted;
	bool leak;
	u64 err_seen;
	struct idxd_ims_desc *ring;
	dma_addr_t ring_iova;
	unsigned int ring_descs;
	unsigned int ring_used;
	struct idxd_efd efd;
	struct idxd_user user;
	bool lost;
	struct idxd_pmap *pm;
};

/* The ring's allocation: its entries, then a page for the drain record. */
static size_t idxd_ring_bytes(struct idxd_ctx *ctx)
{
	return (size_t)ctx->ring_descs * IDXD_IMS_DESC_SIZE + PAGE_SIZE;
}

int idxd_cdev_major(void)
{
	return MAJOR(idxd_cdev_base);
}

static struct idxd_dev *ctx_idev(struct idxd_ctx *ctx)
{
	return ctx->uc->wq->idev;
}

static void idxd_ctx_quiesce(struct idxd_user *u)
{
	/* submissions see the WQ stopped (write() says -EAGAIN) */
}

/*
 * The reset is over: whatever the file had on the device is lost (a reset
 * loses the whole device's work, every WQ's), and the device no longer
 * reads or writes it.  Say so: EPOLLPRI (pollers wake on idev->err_wait).
 * The eventfd is not signalled: its count is the WQ's interrupts, and a
 * reset is none.
 */
static void idxd_ctx_resume(struct idxd_user *u, enum idxd_health now)
{
	struct idxd_ctx *ctx = container_of(u, struct idxd_ctx, user);

	if (now == IDXD_LIVE)
		WRITE_ONCE(ctx->lost, true);
}

static const struct idxd_user_ops idxd_ctx_user_ops = {
	.quiesce = idxd_ctx_quiesce,
	.resume = idxd_ctx_resume,
};

/* Why a submission cannot go in now: -EAGAIN while the device resets. */
static int idxd_ctx_cannot_submit(struct idxd_ctx *ctx)
{
	if (READ_ONCE(ctx->uc->dead))
		return -ENXIO;
	switch (READ_ONCE(ctx_idev(ctx)->health)) {
	case IDXD_LIVE:
		return 0;
	case IDXD_RESETTING:
		return -EAGAIN;
	default:
		return -ENXIO;
	}
}

/*
 * In virtual-address mode put the file's PASID on a dedicated WQ, which
 * can hold one: a second file gets -EBUSY.  Caller holds idev->lock.
 */
static int idxd_ctx_take_wq(struct idxd_ctx *ctx, struct idxd_wq *wq)
{
	int rc;

	if (!ctx->pm || !wq->dedicated)
		return 0;
	if (wq->clients) {
		dev_dbg(&wq->conf_dev, "dedicated WQ already open (one PASID at a time)\n");
		return -EBUSY;
	}
	rc = idxd_wq_set_pasid(wq, idxd_pmap_pasid(ctx->pm));
	if (rc)
		dev_err(&wq->conf_dev, "cannot put PASID %u on the WQ: %d\n",
			idxd_pmap_pasid(ctx->pm), rc);
	return rc;
}

static int idxd_cdev_open(struct inode *inode, struct file *filp)
{
	struct idxd_ucdev *uc = container_of(inode->i_cdev, struct idxd_ucdev, cdev);
	struct idxd_dev *idev = uc->wq->idev;
	struct idxd_ctx *ctx;
	int rc = 0;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->submit_lock);
	mutex_init(&ctx->bufs_lock);
	INIT_LIST_HEAD(&ctx->bufs);
	INIT_LIST_HEAD(&ctx->umems);
	INIT_LIST_HEAD(&ctx->efd.node);
	if (idev->va_mode) {
		ctx->pm = idxd_pmap_create(idev);
		if (IS_ERR(ctx->pm)) {
			rc = PTR_ERR(ctx->pm);
			kfree(ctx);
			return rc;
		}
	}
	mutex_lock(&idev->lock);
	if (uc->dead)
		rc = -ENXIO;
	else
		rc = idxd_ctx_take_wq(ctx, uc->wq);
	if (!rc) {
		uc->wq->clients++;
		get_device(&uc->dev);
		ctx->uc = uc;
		ctx->err_seen = idev->err_count;
		idxd_user_add(idev, &ctx->user, &idxd_ctx_user_ops);
	}
	mutex_unlock(&idev->lock);
	if (rc) {
		if (ctx->pm)
			idxd_pmap_destroy(ctx->pm);
		kfree(ctx);
		return rc;
	}
	filp->private_data = ctx;
	return nonseekable_open(inode, filp);
}

/*
 * Take the file's PASID off its dedicated WQ: DISABLE_WQ finishes what
 * the file queued, and the WQ comes back without a PASID.  Caller holds
 * idev->lock.  False if the device may still use the PASID.
 */
static bool idxd_ctx_put_wq(struct idxd_ctx *ctx, struct idxd_wq *wq)
{
	u32 pasid;

	if (!ctx->pm)
		return true;
	pasid = idxd_pmap_pasid(ctx->pm);
	/* shared: everything queued with the file's PASID finishes first */
	if (!wq->dedicated)
		return !ctx->submitted || ctx->uc->dead || !idxd_wq_enabled(wq) ||
		       !idxd_cmd(wq->idev, IDXD_CMD_DRAIN_PASID, pasid, NULL);
	if (ctx->uc->dead || !idxd_wq_enabled(wq)) {
		/* disabled since (or stopped by a reset): WQCFG forgets it */
		if (!ctx->uc->dead)
			wq->pasid = IOMMU_PASID_INVALID;
		return true;
	}
	return !idxd_wq_set_pasid(wq, IOMMU_PASID_INVALID);
}

static int idxd_cdev_release(struct inode *inode, struct file *filp)
{
	struct idxd_ctx *ctx = filp->private_data;
	struct idxd_ucdev *uc = ctx->uc;
	struct idxd_wq *wq = uc->wq;
	struct idxd_dev *idev = wq->idev;
	struct idxd_buf *b, *tmp;

	mutex_lock(&idev->lock);
	if (!idxd_ctx_put_wq(ctx, wq)) {
		dev_warn(&wq->conf_dev, "PASID %u could not be taken off the WQ: the WQ stays disabled\n",
			 idxd_pmap_pasid(ctx->pm));
		ctx->leak = true;
	}
	/*
	 * The device may still be writing into our buffers: drain first.
	 * A WQ marked stopped (a halt or reset under way, idxd_quiesce())
	 * cannot be drained, and the device is quiet only once the reset
	 * is done: so are buffers whose drain failed.  The device keeps
	 * those and frees them after its reset (idxd_vecs_quiet()).
	 */
	if (ctx->submitted && !uc->dead && idxd_wq_enabled(wq) &&
	    (!READ_ONCE(wq->portal) ||
	     idxd_cmd(idev, IDXD_CMD_DRAIN_WQ, BIT(wq->id % 16) |
		      ((wq->id / 16) << 16), NULL))) {
		dev_warn(&wq->conf_dev, "%s: a closed file's DMA buffers are kept until the device is reset\n",
			 READ_ONCE(wq->portal) ? "drain failed" : "WQ stopped");
		ctx->leak = true;
	}
	idxd_user_del(idev, &ctx->user);
	wq->clients--;
	mutex_unlock(&idev->lock);
	/*
	 * The WQ is off the file's PASID: its mirror goes, before the
	 * buffers it maps.  One the device may still use is kept for good
	 * (ctx->leak), as the buffers are.
	 */
	if (ctx->pm && !ctx->leak)
		idxd_pmap_destroy(ctx->pm);
	if (ctx->efd.ctx) {
		idxd_wq_efd_del(wq, &ctx->efd);
		eventfd_ctx_put(ctx->efd.ctx);
	}

	list_for_each_entry_safe(b, tmp, &ctx->bufs, node) {
		if (ctx->leak)
			idxd_dma_orphan(idev, b->len, b->cpu, b->iova);
		else
			dma_free_coherent(idev_dev(idev), b->len, b->cpu, b->iova);
		kfree(b);
	}
	if (ctx->leak)
		idxd_umem_leak(&ctx->umems);
	else
		idxd_umem_remove(idev_dev(idev), &ctx->umems, 0, U64_MAX);
	if (ctx->ring && ctx->leak)
		idxd_dma_orphan(idev, idxd_ring_bytes(ctx), ctx->ring, ctx->ring_iova);
	else if (ctx->ring)
		dma_free_coherent(idev_dev(idev), idxd_ring_bytes(ctx),
				  ctx->ring, ctx->ring_iova);
	put_device(&uc->dev);
	kfree(ctx);
	return 0;
}

static int idxd_mmap_portal(struct idxd_ctx *ctx, struct vm_area_struct *vma)
{
	struct idxd_wq *wq = ctx->uc->wq;
	struct idxd_dev *idev = wq->idev;
	unsigned long pfn;

	if (!wq->dedicated) {
		dev_dbg(&wq->conf_dev, "portal mmap refused: a shared WQ takes ENQCMD, whose PASID (IA32_PASID) this kernel gives no process: submit with write()\n");
		return -EOPNOTSUPP;
	}
	if (!capable(CAP_SYS_RAWIO)) {
		dev_dbg(&wq->conf_dev, "portal mmap refused: %s, needs CAP_SYS_RAWIO\n",
			ctx->pm ? "this device's user submissions are unsafe (erratum)" :
				   "no PASID");
		return -EPERM;
	}
	if (vma->vm_end - vma->vm_start > PAGE_SIZE)
		return -EINVAL;
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_IO);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	pfn = (idev->portals_phys + wq->id * IDXD_WQ_PORTAL_SPAN +
	       wq->portal_kind * IDXD_PORTAL_SIZE) >> PAGE_SHIFT;
	return io_remap_pfn_range(vma, vma->vm_start, pfn, PAGE_SIZE,
				  vma->vm_page_prot);
}

static int idxd_mmap_buffer(struct idxd_ctx *ctx, struct vm_area_struct *vma)
{
	struct idxd_dev *idev = ctx_idev(ctx);
	size_t len = vma->vm_end - vma->vm_start;
	struct idxd_buf *b;
	int rc;

	if (len > IDXD_IMS_BUFFER_MAX)
		return -EINVAL;
	mutex_lock(&ctx->bufs_lock);
	if (ctx->buf_total + len > (size_t)buffer_limit_mb << 20) {
		rc = -ENOMEM;
		goto out;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		rc = -ENOMEM;
		goto out;
	}
	b->cpu = dma_alloc_coherent(idev_dev(idev), len, &b->iova, GFP_KERNEL);
	if (!b->cpu) {
		kfree(b);
		rc = -ENOMEM;
		goto out;
	}
	b->len = len;
	b->uaddr = vma->vm_start;
	vma->vm_pgoff = 0;
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND);
	rc = dma_mmap_coherent(idev_dev(idev), vma, b->cpu, b->iova, len);
	if (!rc && ctx->pm)
		rc = idxd_pmap_add_buffer(ctx->pm, vma->vm_start, b->cpu, len);
	if (rc) {
		dma_free_coherent(idev_dev(idev), len, b->cpu, b->iova);
		kfree(b);
		goto out;
	}
	list_add_tail(&b->node, &ctx->bufs);
	ctx->buf_total += len;
out:
	mutex_unlock(&ctx->bufs_lock);
	return rc;
}

static int idxd_cdev_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct idxd_ctx *ctx = filp->private_data;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;

	if (ctx->uc->dead)
		return -ENXIO;
	if (off == 0)
		return idxd_mmap_portal(ctx, vma);
	if (off == IDXD_IMS_MMAP_BUFFER)
		return idxd_mmap_buffer(ctx, vma);
	return -EINVAL;
}

/*
 * The kernel's address of [addr, addr + len) in this file's buffers, or
 * NULL.  A buffer lives until release, so the address stays good after
 * the lock is dropped.
 */
static void *idxd_ctx_cpu(struct idxd_ctx *ctx, u64 addr, u64 len)
{
	struct idxd_buf *b;
	void *cpu = NULL;

	if (addr + len < addr)
		return NULL;
	mutex_lock(&ctx->bufs_lock);
	list_for_each_entry(b, &ctx->bufs, node) {
		if (addr >= b->iova && addr + len <= b->iova + b->len) {
			cpu = b->cpu + (addr - b->iova);
			break;
		}
	}
	mutex_unlock(&ctx->bufs_lock);
	return cpu;
}

/*
 * Is [addr, addr + len) the caller's own, for the device to read (or,
 * @write, to write)?  Its buffers, or memory it registered (only memory
 * it may write for a destination).
 */
static int idxd_check_access(struct idxd_ctx *ctx, const char *what, u64 addr,
			     u64 len, bool write)
{
	bool reg;

	/* VA mode: the device sees only what the file's PASID mirrors */
	if (ctx->pm || idxd_ctx_cpu(ctx, addr, len))
		return 0;
	mutex_lock(&ctx->bufs_lock);
	reg = addr + len >= addr && idxd_umem_holds(&ctx->umems, addr, len, write);
	mutex_unlock(&ctx->bufs_lock);
	if (reg)
		return 0;
	dev_dbg(&ctx->uc->wq->conf_dev, "descriptor %s %#llx+%llu outside the caller's %s\n",
		what, addr, len, write ? "writable memory" : "memory");
	return -EFAULT;
}

static int idxd_check_range(struct idxd_ctx *ctx, const char *what, u64 addr,
			    u64 len)
{
	return idxd_check_access(ctx, what, addr, len, false);
}

static int idxd_check_dst(struct idxd_ctx *ctx, const char *what, u64 addr,
			  u64 len)
{
	return idxd_check_access(ctx, what, addr, len, true);
}

/* Bytes of the 24-byte operation area an opcode reads. */
size_t idxd_op_bytes_used(u8 op)
{
	switch (op) {
	case IDXD_IMS_OP_COMPARE:
	case IDXD_IMS_OP_COMPVAL:
		return 1;		/* expected result */
	case IDXD_IMS_OP_CRCGEN:
	case IDXD_IMS_OP_COPY_CRC:
		return 4;		/* CRC seed */
	case IDXD_IMS_OP_DUALCAST:
		return 8;		/* second destination */
	default:
		return 0;
	}
}

static int idxd_check_user_desc(struct idxd_ctx *ctx, struct idxd_ims_desc *d,
				bool in_batch);

/* Why the reclaim wait should stop early, or 0 to go on waiting. */
static int idxd_ring_wait_stop(struct idxd_ctx *ctx)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	return idxd_ctx_cannot_submit(ctx);
}

/**
 * idxd_ring_reclaim() - free every batch-list copy of this file
 * @ctx: the submitter's file, ring allocated, ctx->submit_lock held
 *
 * A DRAIN descriptor completes only after every descriptor submitted to
 * the WQ before it, so once its record (past the ring's entries) is
 * written the device has read all earlier lists and the ring can be
 * rewritten.  Until then the ring stays full: should the wait give up,
 * nothing is queued behind a drain that may still complete late.
 *
 * Return: 0, or -ETIMEDOUT, -EINTR, -EAGAIN (the device is resetting),
 * -ENXIO (the WQ or the device went away).
 */
static int idxd_ring_reclaim(struct idxd_ctx *ctx)
{
	struct idxd_ims_completion *cr = (void *)&ctx->ring[ctx->ring_descs];
	unsigned long end = jiffies + msecs_to_jiffies(IDXD_BATCH_DRAIN_MS);
	struct idxd_wq *wq = ctx->uc->wq;
	struct idxd_ims_desc d = {
		.flags_opcode = IDXD_IMS_OP_DRAIN << 24 | IDXD_IMS_F_CRAV |
				IDXD_IMS_F_RCR,
		.completion_addr = ctx->ring_iova +
				   (u64)ctx->ring_descs * sizeof(d),
	};
	int rc;

	lockdep_assert_held(&ctx->submit_lock);
	ctx->ring_used = ctx->ring_descs;
	WRITE_ONCE(cr->status, 0);
	while ((rc = idxd_submit(wq, &d)) == -EAGAIN) {
		rc = idxd_ring_wait_stop(ctx);
		if (rc)
			return rc;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(50, 200);
	}
	if (rc == -ENXIO)		/* the portal closed: why? */
		rc = idxd_ctx_cannot_submit(ctx) ?: -ENXIO;
	if (rc)
		return rc;
	ctx->submitted = true;		/* release must drain for it too */
	while (!READ_ONCE(cr->status)) {
		rc = idxd_ring_wait_stop(ctx);
		if (!rc && time_after(jiffies, end))
			rc = -ETIMEDOUT;
		if (rc) {
			dev_dbg(&wq->conf_dev, "batch list ring: drain did not complete: %d\n", rc);
			return rc;
		}
		usleep_range(20, 100);
	}
	dma_rmb();
	ctx->ring_used = 0;
	return 0;
}

/* Room for @n list entries in the ring (allocated on first use). */
static struct idxd_ims_desc *idxd_ring_get(struct idxd_ctx *ctx, u32 n)
{
	int rc;

	if (!ctx->ring) {
		ctx->ring_descs = max_t(u32, IDXD_BATCH_RING_MIN / IDXD_IMS_DESC_SIZE,
					ctx->uc->wq->max_batch_size);
		ctx->ring = dma_alloc_coherent(idev_dev(ctx_idev(ctx)),
					       idxd_ring_bytes(ctx),
					       &ctx->ring_iova, GFP_KERNEL);
		if (!ctx->ring)
			return ERR_PTR(-ENOMEM);
	}
	if (ctx->ring_used + n > ctx->ring_descs) {
		rc = idxd_ring_reclaim(ctx);
		if (rc)
			return ERR_PTR(rc);
	}
	return ctx->ring + ctx->ring_used;
}

/**
 * idxd_copy_batch() - check a batch and point it at a kernel copy of its list
 * @ctx: the submitter's file, ctx->submit_lock held
 * @d: the BATCH descriptor; on success its list address is the copy's
 *
 * The list lives in the caller's buffer, which the caller can rewrite at
 * any time; checking it there and letting the device read it there would
 * let a member's addresses change after the check.  So the list is copied
 * into memory only the kernel maps, every member is checked in the copy,
 * and the device is given the copy.
 *
 * Return: 0, -EINVAL (count out of range, misaligned list, a bad member),
 * -EFAULT (list or member address outside the caller's buffers), or an
 * error from idxd_ring_get().
 */
static int idxd_copy_batch(struct idxd_ctx *ctx, struct idxd_ims_desc *d)
{
	struct idxd_wq *wq = ctx->uc->wq;
	struct idxd_ims_desc *copy;
	u32 i, n = d->size;
	const void *list;
	int rc;

	lockdep_assert_held(&ctx->submit_lock);
	if (n < 2 || n > wq->max_batch_size) {
		dev_dbg(&wq->conf_dev, "batch of %u descriptors refused (2 to %u)\n",
			n, wq->max_batch_size);
		return -EINVAL;
	}
	if (d->src % IDXD_IMS_DESC_SIZE) {
		dev_dbg(&wq->conf_dev, "batch list %#llx not 64-byte aligned\n", d->src);
		return -EINVAL;
	}
	list = idxd_ctx_cpu(ctx, d->src, (u64)n * sizeof(*d));
	if (!list)
		return idxd_check_range(ctx, "batch list", d->src,
					(u64)n * sizeof(*d));
	copy = idxd_ring_get(ctx, n);
	if (IS_ERR(copy))
		return PTR_ERR(copy);
	memcpy(copy, list, n * sizeof(*d));
	for (i = 0; i < n; i++) {
		rc = idxd_check_user_desc(ctx, &copy[i], true);
		if (rc)
			return rc;	/* nothing submitted: the slots stay free */
	}
	d->src = ctx->ring_iova + (copy - ctx->ring) * sizeof(*d);
	ctx->ring_used += n;
	return 0;
}

/**
 * idxd_check_user_desc() - may this user submit this descriptor?
 * @ctx: the submitter's file
 * @d: the descriptor; its interrupt handle is replaced by the WQ's own,
 *     and a batch's list address by that of the kernel's copy
 * @in_batch: @d is a member of a batch
 *
 * Return: 0, or -EINVAL (privileged bit, PASID, interrupt request, bad
 * batch), -EOPNOTSUPP (an operation user submissions cannot be checked
 * for), -EFAULT (an address outside the caller's buffers) or an error
 * making room for a batch list.
 */
static int idxd_check_user_desc(struct idxd_ctx *ctx, struct idxd_ims_desc *d,
				bool in_batch)
{
	struct idxd_wq *wq = ctx->uc->wq;
	u32 flags = d->flags_opcode & 0xffffff;
	u8 op = d->flags_opcode >> 24;
	u64 size = d->size;
	bool sized = size && size <= wq->max_xfer_bytes;
	int rc = 0;

	if (d->pasid_priv & IDXD_IMS_DESC_PRIV) {
		dev_dbg(&wq->conf_dev, "user descriptor with the privileged bit refused\n");
		return -EINVAL;
	}
	if (d->pasid_priv & IDXD_IMS_DESC_PASID_MASK) {
		dev_dbg(&wq->conf_dev, "user descriptor with a PASID refused (the kernel sets it)\n");
		return -EINVAL;
	}
	/* A misaligned record confuses SPR's engine (INTEL-SA-01084). */
	if ((flags & IDXD_IMS_F_CRAV) &&
	    !IS_ALIGNED(d->completion_addr, IDXD_IMS_COMPLETION_SIZE)) {
		dev_dbg(&wq->conf_dev, "completion record address %#llx not aligned\n",
			d->completion_addr);
		return -EINVAL;
	}
	/*
	 * Bits 23:16 are operation-specific (e.g. "read the CRC seed from
	 * memory", an address nothing here checks): none is allowed, and
	 * operation bytes an opcode does not use must be zero.
	 */
	if ((flags & 0xff0000) ||
	    memchr_inv(d->op + idxd_op_bytes_used(op), 0,
		       sizeof(d->op) - idxd_op_bytes_used(op))) {
		dev_dbg(&wq->conf_dev, "user descriptor with operation-specific flags or fields refused\n");
		return -EINVAL;
	}
	if (flags & IDXD_IMS_F_RCI) {
		if (wq->irq < 0) {
			dev_dbg(&wq->conf_dev, "completion interrupt requested but this WQ has none\n");
			return -EINVAL;
		}
		/* Only the WQ's own interrupt, whatever the user wrote. */
		d->int_handle = idxd_wq_handle(wq);
	}
	if ((flags & IDXD_IMS_F_CRAV) &&
	    idxd_check_dst(ctx, "completion record", d->completion_addr,
			   IDXD_IMS_COMPLETION_SIZE))
		return -EFAULT;
	/* Oversized transfers are refused by the device before any DMA. */
	switch (op) {
	case IDXD_IMS_OP_DRAIN:
	case IDXD_IMS_OP_BATCH:
		if (in_batch) {
			dev_dbg(&wq->conf_dev, "opcode %#x inside a batch refused\n", op);
			return -EINVAL;
		}
		if (op == IDXD_IMS_OP_BATCH && ctx->pm) {
			if (idxd_user_submission_safe(wq->idev))
				break;
			dev_dbg(&wq->conf_dev, "BATCH through write() refused on this device (erratum)\n");
			return -EINVAL;
		}
		if (op == IDXD_IMS_OP_BATCH)
			return idxd_copy_batch(ctx, d);
		fallthrough;
	case IDXD_IMS_OP_NOOP:
		if (flags & IDXD_IMS_F_DRDBK)
			return -EOPNOTSUPP;
		break;
	case IDXD_IMS_OP_MEMMOVE:
	case IDXD_IMS_OP_COPY_CRC:
		if (sized)
			rc = idxd_check_range(ctx, "source", d->src, size) ?:
			     idxd_check_dst(ctx, "destination", d->dst, size);
		break;
	case IDXD_IMS_OP_COMPARE:
		if (sized)
			rc = idxd_check_range(ctx, "source", d->src, size) ?:
			     idxd_check_range(ctx, "source 2", d->dst, size);
		break;
	case IDXD_IMS_OP_MEMFILL:
	case IDXD_IMS_OP_CFLUSH:
		if (sized)
			rc = idxd_check_dst(ctx, "destination", d->dst, size);
		break;
	case IDXD_IMS_OP_COMPVAL:
	case IDXD_IMS_OP_CRCGEN:
		if (sized)
			rc = idxd_check_range(ctx, "source", d->src, size);
		break;
	case IDXD_IMS_OP_DUALCAST:
		if (sized)
			rc = idxd_check_range(ctx, "source", d->src, size) ?:
			     idxd_check_dst(ctx, "destination", d->dst, size) ?:
			     idxd_check_dst(ctx, "destination 2",
					    get_unaligned_le64(d->op), size);
		break;
	default:
		dev_dbg(&wq->conf_dev, "opcode %#x cannot be submitted through write()\n", op);
		return -EOPNOTSUPP;
	}
	return rc;
}

/*
 * Descriptors are copied in before any lock is taken: a fault on the
 * caller's buffer takes mmap_lock, under which ->mmap takes bufs_lock.
 * Those that were copied are submitted in order up to the first one
 * refused; an unreadable tail is -EFAULT once all before it went in.
 */
static ssize_t idxd_cdev_write(struct file *filp, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct idxd_ctx *ctx = filp->private_data;
	struct idxd_wq *wq = ctx->uc->wq;
	struct idxd_ims_desc *descs;
	size_t n, i, done = 0;
	int rc = 0;

	if (!len || len % sizeof(*descs))
		return -EINVAL;
	len = min_t(size_t, len, IDXD_WRITE_MAX_DESCS * sizeof(*descs));
	descs = kmalloc(len, GFP_KERNEL);
	if (!descs)
		return -ENOMEM;
	n = (len - copy_from_user(descs, ubuf, len)) / sizeof(*descs);
	if (n < len / sizeof(*descs))
		rc = -EFAULT;

	mutex_lock(&ctx->submit_lock);
	for (i = 0; i < n; i++) {
		/* a batch refused or not submitted gives its list copy back */
		unsigned int ring_used = ctx->ring_used;
		int err;

		err = idxd_ctx_cannot_submit(ctx) ?: idxd_check_user_desc(ctx, &descs[i], false);
		/* a shared WQ learns the file's PASID from the descriptor */
		if (!err && !wq->dedicated)
			descs[i].pasid_priv = idxd_pmap_pasid(ctx->pm);
		if (!err)
			err = idxd_submit(wq, &descs[i]);
		/* the portal closed under us: a reset began, or the WQ went */
		if (err == -ENXIO)
			err = idxd_ctx_cannot_submit(ctx) ?: -ENXIO;
		if (err && ctx->ring_used > ring_used)
			ctx->ring_used = ring_used;
		if (err) {
			rc = err;
			break;
		}
		ctx->submitted = true;
		done += sizeof(*descs);
	}
	mutex_unlock(&ctx->submit_lock);
	kfree(descs);
	return done ? done : rc;
}

static __poll_t idxd_cdev_poll(struct file *filp, struct poll_table_struct *wait)
{
	struct idxd_ctx *ctx = filp->private_data;
	struct idxd_dev *idev = ctx_idev(ctx);
	__poll_t mask = 0;

	poll_wait(filp, &idev->err_wait, wait);
	/* gone for good; a reset in progress is not (see EPOLLPRI) */
	if (READ_ONCE(ctx->uc->dead) || READ_ONCE(idev->health) == IDXD_DEAD)
		mask |= EPOLLERR;
	/* a reset lost the file's work: until it asks WQ_INFO again */
	if (READ_ONCE(ctx->lost))
		mask |= EPOLLPRI;
	/*
	 * Each new software error is reported once per file, to a caller
	 * that asks for EPOLLIN: one polling only for EPOLLERR (libidxdims
	 * checking whether the WQ is gone) must not take it.
	 */
	if ((poll_requested_events(wait) & EPOLLIN) &&
	    READ_ONCE(idev->err_count) != ctx->err_seen) {
		mask |= EPOLLIN | EPOLLRDNORM;
		ctx->err_seen = READ_ONCE(idev->err_count);
	}
	return mask;
}

static long idxd_ioctl_wq_info(struct idxd_ctx *ctx, void __user *arg)
{
	struct idxd_wq *wq = ctx->uc->wq;
	struct idxd_ims_wq_info info = { };
	u32 argsz;

	if (get_user(argsz, (u32 __user *)arg))
		return -EFAULT;
	if (argsz < offsetofend(struct idxd_ims_wq_info, flags))
		return -EINVAL;
	/* the handle below is the one after any reset reported so far */
	WRITE_ONCE(ctx->lost, false);
	info.argsz = sizeof(info);
	info.abi_version = IDXD_IMS_ABI_VERSION;
	info.dev_id = wq->idev->id;
	info.wq_id = wq->id;
	info.wq_size = wq->size;
	info.max_xfer = wq->max_xfer_bytes;
	info.max_batch = wq->max_batch_size;
	info.dedicated = wq->dedicated;
	if (ctx->pm)
		info.flags |= IDXD_IMS_WQ_VA;
	info.irq_mode = wq->irq < 0 ? IDXD_IMS_IRQ_NONE :
			wq->ims_slot >= 0 ? IDXD_IMS_IRQ_IMS : IDXD_IMS_IRQ_MSIX;
	info.irq = wq->irq;
	info.ims_slot = wq->ims_slot;
	info.int_handle = idxd_wq_handle(wq);
	info.irq_count = atomic64_read(&wq->irq_count);
	if (copy_to_user(arg, &info, min_t(u32, argsz, sizeof(info))))
		return -EFAULT;
	return 0;
}

static long idxd_ioctl_buffer(struct idxd_ctx *ctx, void __user *arg)
{
	struct idxd_ims_buffer req;
	struct idxd_buf *b;
	long rc = -ENOENT;
	u32 argsz;

	if (get_user(argsz, (u32 __user *)arg))
		return -EFAULT;
	if (argsz < sizeof(req))
		return -EINVAL;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	mutex_lock(&ctx->bufs_lock);
	list_for_each_entry(b, &ctx->bufs, node) {
		if (req.uaddr >= b->uaddr && req.uaddr < b->uaddr + b->len) {
			/* VA mode: the device uses the process's addresses */
			req.iova = ctx->pm ? req.uaddr : b->iova + (req.uaddr - b->uaddr);
			req.len = b->len - (req.uaddr - b->uaddr);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&ctx->bufs_lock);
	if (!rc && copy_to_user(arg, &req, sizeof(req)))
		rc = -EFAULT;
	return rc;
}

static long idxd_ioctl_set_eventfd(struct idxd_ctx *ctx, void __user *arg)
{
	struct idxd_wq *wq = ctx->uc->wq;
	struct idxd_ims_eventfd req;
	struct eventfd_ctx *efd = NULL;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.argsz < sizeof(req) || req.flags || req.rsvd || req.fd < -1)
		return -EINVAL;
	if (req.fd >= 0) {
		efd = eventfd_ctx_fdget(req.fd);
		if (IS_ERR(efd))
			return PTR_ERR(efd);
	}
	mutex_lock(&ctx->submit_lock);
	if (ctx->efd.ctx) {
		idxd_wq_efd_del(wq, &ctx->efd);
		eventfd_ctx_put(ctx->efd.ctx);
	}
	ctx->efd.ctx = efd;
	if (efd)
		idxd_wq_efd_add(wq, &ctx->efd);
	mutex_unlock(&ctx->submit_lock);
	return 0;
}

/*
 * Drop registrations without PASID: the WQ first finishes whatever the
 * file submitted (a DRAIN through the file's own submission lock, so
 * nothing new goes in meanwhile), then the pages go.
 */
static long idxd_umem_unmap(struct idxd_ctx *ctx, u64 addr, u64 len)
{
	struct idxd_wq *wq = ctx->uc->wq;
	long rc = 0;

	if (!len || addr + len < addr)
		return -EINVAL;
	mutex_lock(&ctx->submit_lock);
	if (ctx->submitted) {
		mutex_lock(&wq->idev->lock);
		if (idxd_wq_enabled(wq) && READ_ONCE(wq->portal))
			rc = idxd_cmd(wq->idev, IDXD_CMD_DRAIN_WQ, idxd_wq_operand(wq), NULL);
		else if (idxd_wq_enabled(wq))
			rc = -EAGAIN;	/* stopped by a reset under way */
		mutex_unlock(&wq->idev->lock);
	}
	if (!rc) {
		mutex_lock(&ctx->bufs_lock);
		idxd_umem_remove(idev_dev(ctx_idev(ctx)), &ctx->umems, addr, len);
		mutex_unlock(&ctx->bufs_lock);
	}
	mutex_unlock(&ctx->submit_lock);
	return rc > 0 ? -EIO : rc;
}

static long idxd_ioctl_map(struct idxd_ctx *ctx, void __user *arg, bool map)
{
	struct idxd_ims_map req;
	long rc;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.argsz < sizeof(req) || req.flags)
		return -EINVAL;
	if (!map)
		return ctx->pm ? idxd_pmap_remove(ctx->pm, req.addr, req.len) :
				 idxd_umem_unmap(ctx, req.addr, req.len);
	if (ctx->pm) {
		rc = idxd_pmap_add(ctx->pm, req.addr, req.len);
		req.iova = req.addr;
	} else {
		rc = idxd_umem_add(idev_dev(ctx_idev(ctx)), &ctx->umems,
				   &ctx->bufs_lock, req.addr, req.len, &req.iova);
	}
	if (!rc && copy_to_user(arg, &req, sizeof(req)))
		rc = -EFAULT;	/* registered: UNMAP or close drops it */
	return rc;
}

static long idxd_cdev_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct idxd_ctx *ctx = filp->private_data;

	if (ctx->uc->dead)
		return -ENXIO;
	switch (cmd) {
	case IDXD_IMS_IOC_WQ_INFO:
		return idxd_ioctl_wq_info(ctx, (void __user *)arg);
	case IDXD_IMS_IOC_BUFFER:
		return idxd_ioctl_buffer(ctx, (void __user *)arg);
	case IDXD_IMS_IOC_SET_EVENTFD:
		return idxd_ioctl_set_eventfd(ctx, (void __user *)arg);
	case IDXD_IMS_IOC_MAP:
	case IDXD_IMS_IOC_UNMAP:
		return idxd_ioctl_map(ctx, (void __user *)arg, cmd == IDXD_IMS_IOC_MAP);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations idxd_cdev_fops = {
	.owner = THIS_MODULE,
	.open = idxd_cdev_open,
	.release = idxd_cdev_release,
	.mmap = idxd_cdev_mmap,
	.write = idxd_cdev_write,
	.poll = idxd_cdev_poll,
	.unlocked_ioctl = idxd_cdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void idxd_ucdev_release(struct device *dev)
{
	struct idxd_ucdev *uc = container_of(dev, struct idxd_ucdev, dev);

	ida_free(&idxd_minor_ida, uc->minor);
	put_device(&uc->wq->idev->conf_dev);
	put_device(&uc->wq->conf_dev);
	kfree(uc);
}

const struct device_type idxd_cdev_type = {
	.name = "wq_cdev",
	.release = idxd_ucdev_release,
};

/**
 * idxd_wq_cdev_add() - create /dev/dsa/wq<N>.<M> for an enabled user WQ
 * @wq: the work queue; caller holds idev->lock
 *
 * Return: 0 or a negative errno.
 */
int idxd_wq_cdev_add(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	struct idxd_ucdev *uc;
	int rc, minor;

	lockdep_assert_held(&wq->idev->lock);
	minor = ida_alloc_max(&idxd_minor_ida, IDXD_CDEV_MINORS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;
	uc = kzalloc(sizeof(*uc), GFP_KERNEL);
	if (!uc) {
		ida_free(&idxd_minor_ida, minor);
		return -ENOMEM;
	}
	uc->wq = wq;
	uc->minor = minor;
	/* Open files may outlive the WQ's and the device's registration. */
	get_device(&wq->conf_dev);
	get_device(&idev->conf_dev);
	device_initialize(&uc->dev);
	uc->dev.parent = &wq->conf_dev;
	uc->dev.bus = &idxd_bus;
	uc->dev.type = &idxd_cdev_type;
	uc->dev.devt = MKDEV(MAJOR(idxd_cdev_base), minor);
	rc = dev_set_name(&uc->dev, "%s/wq%d.%d", idxd_type_name(idev),
			  idev->id, wq->id);
	if (rc)
		goto err_put;
	cdev_init(&uc->cdev, &idxd_cdev_fops);
	uc->cdev.owner = THIS_MODULE;
	rc = cdev_device_add(&uc->cdev, &uc->dev);
	if (rc)
		goto err_put;
	wq->ucdev = uc;
	return 0;

err_put:
	put_device(&uc->dev);
	return rc;
}

/**
 * idxd_wq_cdev_del() - remove the char device; open files get -ENXIO
 * @wq: the work queue; caller holds idev->lock
 */
void idxd_wq_cdev_del(struct idxd_wq *wq)
{
	struct idxd_ucdev *uc = wq->ucdev;

	lockdep_assert_held(&wq->idev->lock);
	if (!uc)
		return;
	uc->dead = true;
	wake_up_interruptible_all(&wq->idev->err_wait);
	cdev_device_del(&uc->cdev, &uc->dev);
	wq->ucdev = NULL;
	put_device(&uc->dev);
}

int idxd_cdev_init(void)
{
	return alloc_chrdev_region(&idxd_cdev_base, 0, IDXD_CDEV_MINORS, "dsa");
}

void idxd_cdev_exit(void)
{
	unregister_chrdev_region(idxd_cdev_base, IDXD_CDEV_MINORS);
	ida_destroy(&idxd_minor_ida);
}
