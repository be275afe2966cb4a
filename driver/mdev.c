// SPDX-License-Identifier: GPL-2.0
/*
 * mdev: the vfio side of a virtual DSA.  Each host device in IMS mode is
 * an mdev parent with two types (one or two dedicated WQs); an mdev takes
 * that many WQs bound to the "mdev" WQ driver.  Each guest MSI-X vector
 * enabled through VFIO_DEVICE_SET_IRQS gets a host IMS slot whose threaded
 * handler copies finished work back into guest memory and then signals
 * the vector's eventfd.
 */
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/slab.h>
#include "ims.h"
#include "mdev.h"

static const struct vdsa_type vdsa_types[] = {
	{ .type = { .sysfs_name = "1dwq", .pretty_name = "DSA with one dedicated WQ" },
	  .nr_wqs = 1 },
	{ .type = { .sysfs_name = "2dwq", .pretty_name = "DSA with two dedicated WQs" },
	  .nr_wqs = 2 },
};

static struct mdev_driver vdsa_driver;

static struct vdsa *to_vdsa(struct vfio_device *vdev)
{
	return container_of(vdev, struct vdsa, vdev);
}

/* WQs bound to the "mdev" WQ driver and not yet taken; idev->lock held. */
static unsigned int vdsa_free_wqs(struct idxd_dev *idev)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&idev->lock);
	for (i = 0; i < idev->caps.max_wqs; i++) {
		struct idxd_wq *wq = idev->wqs[i];

		if (wq->type == IDXD_WQT_MDEV && idxd_wq_enabled(wq) && !wq->vdsa)
			n++;
	}
	return n;
}

unsigned int idxd_mdev_free_wqs(struct idxd_dev *idev)
{
	unsigned int n;

	mutex_lock(&idev->lock);
	n = vdsa_free_wqs(idev);
	mutex_unlock(&idev->lock);
	return n;
}

static unsigned int vdsa_get_available(struct mdev_type *mtype)
{
	struct vdsa_type *t = container_of(mtype, struct vdsa_type, type);
	struct vdsa_parent *vp = container_of(mtype->parent, struct vdsa_parent, parent);
	struct idxd_dev *idev = vp->idev;
	unsigned int wqs, slots;

	if (!idev->ims)
		return 0;
	wqs = idxd_mdev_free_wqs(idev) / t->nr_wqs;
	/* each instance: one internal slot, one per WQ vector */
	slots = (idev->caps.ims_size - ims_slots_used(idev->ims)) /
		(1 + t->nr_wqs);
	return min(wqs, slots);
}

static ssize_t vdsa_show_description(struct mdev_type *mtype, char *buf)
{
	struct vdsa_type *t = container_of(mtype, struct vdsa_type, type);

	return sysfs_emit(buf,
			  "%u dedicated WQ(s) from WQs bound to the \"mdev\" WQ driver; %u MSI-X vectors, each backed by a host IMS slot\n",
			  t->nr_wqs, 1 + t->nr_wqs);
}

/* Take @n free mdev WQs for @vd; idev->lock held.  0 or -ENOSPC. */
static int vdsa_claim_wqs(struct vdsa *vd, unsigned int n)
{
	struct idxd_dev *idev = vd->idev;
	unsigned int i;

	lockdep_assert_held(&vd->idev->lock);
	if (vdsa_free_wqs(idev) < n)
		return -ENOSPC;
	for (i = 0; i < idev->caps.max_wqs && vd->nr_wqs < n; i++) {
		struct idxd_wq *wq = idev->wqs[i];
		struct vdsa_wq *w = &vd->wqs[vd->nr_wqs];

		if (wq->type != IDXD_WQT_MDEV || !idxd_wq_enabled(wq) || wq->vdsa)
			continue;
		wq->vdsa = vd;
		w->hwq = wq;
		w->size = min_t(u32, wq->size, VDSA_WQ_SIZE_MAX);
		vd->nr_wqs++;
	}
	return 0;
}

static void vdsa_release_wqs(struct vdsa *vd)
{
	unsigned int i;

	mutex_lock(&vd->idev->lock);
	for (i = 0; i < vd->nr_wqs; i++)
		vd->wqs[i].hwq->vdsa = NULL;
	mutex_unlock(&vd->idev->lock);
	vd->nr_wqs = 0;
}

/**
 * idxd_mdev_wq_lost() - the host unbinds a WQ a virtual DSA is using
 * @wq: the WQ, about to be disabled; idev->lock held
 *
 * Work in flight finishes and lands in the guest; from then on the
 * guest's WQ drops what it is given, as a disabled WQ does.
 */
void idxd_mdev_wq_lost(struct idxd_wq *wq)
{
	struct vdsa *vd = wq->vdsa;
	unsigned int i;

	lockdep_assert_held(&wq->idev->lock);
	if (!vd)
		return;
	dev_warn(&wq->conf_dev, "taken from virtual DSA %s: its guest's WQ stops\n",
		 dev_name(vd->vdev.dev));
	mutex_lock(&vd->lock);
	for (i = 0; i < vd->nr_wqs; i++) {
		if (vd->wqs[i].hwq != wq)
			continue;
		vdsa_wq_quiesce(vd, &vd->wqs[i]);
		vd->wqs[i].dead = true;
		vd->wqs[i].enabled = false;
		/* the next user of the WQ must not inherit the guest's PASID */
		wq->pasid = IOMMU_PASID_INVALID;
	}
	mutex_unlock(&vd->lock);
}

static int vdsa_init_dev(struct vfio_device *vdev)
{
	struct vdsa *vd = to_vdsa(vdev);
	struct mdev_device *mdev = to_mdev_device(vdev->dev);
	struct vdsa_parent *vp = container_of(mdev->type->parent,
					      struct vdsa_parent, parent);
	unsigned int i;
	int rc;

	vd->idev = vp->idev;
	vd->vtype = container_of(mdev->type, struct vdsa_type, type);
	mutex_init(&vd->lock);
	mutex_init(&vd->slot_lock);
	spin_lock_init(&vd->vec_lock);
	spin_lock_init(&vd->reg_lock);
	vd->max_xfer = BIT_ULL(VDSA_MAX_XFER_SHIFT);
	xa_init(&vd->pinned);
	init_waitqueue_head(&vd->pin_wq);
	vd->bar0 = kzalloc(VDSA_BAR0_SIZE, GFP_KERNEL);
	if (!vd->bar0)
		return -ENOMEM;
	mutex_lock(&vd->idev->lock);
	rc = vd->idev->ims ? vdsa_claim_wqs(vd, vd->vtype->nr_wqs) : -EOPNOTSUPP;
	mutex_unlock(&vd->idev->lock);
	if (rc) {
		kfree(vd->bar0);
		return rc;
	}
	vd->nr_vecs = 1 + vd->nr_wqs;
	for (i = 0; i < VDSA_MAX_VECS; i++) {
		vd->vecs[i] = (struct vdsa_vec){ .vd = vd, .index = i };
		snprintf(vd->vecs[i].name, sizeof(vd->vecs[i].name), "vdsa-%s-%u",
			 dev_name(vdev->dev), i);
	}
	vd->internal = (struct vdsa_vec){ .vd = vd, .index = -1 };
	snprintf(vd->internal.name, sizeof(vd->internal.name), "vdsa-%s",
		 dev_name(vdev->dev));
	vdsa_regs_init(vd);
	return 0;
}

/* Driver memory only: this can run after the host device is gone. */
static void vdsa_release_dev(struct vfio_device *vdev)
{
	struct vdsa *vd = to_vdsa(vdev);

	kfree(vd->bar0);
	xa_destroy(&vd->pinned);
	mutex_destroy(&vd->slot_lock);
	mutex_destroy(&vd->lock);
}

/* A host IMS slot's threaded handler: copy back, then tell the guest. */
static irqreturn_t vdsa_vec_thread(int irq, void *data)
{
	struct vdsa_vec *v = data;

	vdsa_reap(v->vd);
	if (v->index >= 0)
		vdsa_signal(v);
	return IRQ_HANDLED;
}

static int vdsa_vec_hw_on(struct vdsa_vec *v)
{
	struct idxd_irq_entry *hw;

	hw = idxd_vec_alloc(v->vd->idev, -1, NULL, vdsa_vec_thread, v, v->name);
	if (IS_ERR(hw)) {
		dev_err(v->vd->vdev.dev, "no host IMS slot for vector %d: %pe\n",
			v->index, hw);
		return PTR_ERR(hw);
	}
	v->hw = hw;
	return 0;
}

/*
 * Give the host vector back; with @busy (descriptors naming it may still
 * be on the device) the device keeps it, orphaned, until it is reset.
 */
static void vdsa_vec_hw_off(struct vdsa_vec *v, bool busy)
{
	if (!v->hw)
		return;
	if (busy)
		idxd_vec_orphan(v->hw);
	else
		idxd_vec_free(v->hw);
	v->hw = NULL;
}

/* Let every guest WQ's work finish; -EBUSY if some did not. */
static int vdsa_quiesce_all(struct vdsa *vd)
{
	unsigned int i;
	int busy = 0;

	for (i = 0; i < vd->nr_wqs; i++)
		busy |= vdsa_wq_quiesce(vd, &vd->wqs[i]);
	return busy ? -EBUSY : 0;
}

/* Point vector @v at eventfd @fd (-1: off); keeps its slot on re-target. */
static int vdsa_vec_set(struct vdsa *vd, struct vdsa_vec *v, int fd)
{
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned long flags;
	int rc, busy;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		/* vector 0 is signalled by the registers, not by a slot */
		if (v->index > 0 && !v->hw) {
			rc = vdsa_vec_hw_on(v);
			if (rc) {
				eventfd_ctx_put(ctx);
				return rc;
			}
		}
	}
	spin_lock_irqsave(&vd->vec_lock, flags);
	old = v->trigger;
	v->trigger = ctx;
	v->pending = false;
	spin_unlock_irqrestore(&vd->vec_lock, flags);
	if (!ctx && v->index > 0 && v->hw) {
		/*
		 * Descriptors in flight carry this slot's handle: let them
		 * finish before the slot can go to anyone else; if they do
		 * not, the host device keeps the slot until it is reset.
		 */
		busy = vdsa_quiesce_all(vd);
		if (busy)
			dev_warn(vd->vdev.dev, "vector %d: work naming it did not finish\n",
				 v->index);
		vdsa_vec_hw_off(v, busy);
	}
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static int vdsa_set_msix(struct vdsa *vd, u32 flags, unsigned int start,
			 unsigned int count, void *data)
{
	unsigned int i;
	int rc = 0;

	if (!(flags & VFIO_IRQ_SET_ACTION_TRIGGER))
		return -EINVAL;		/* MSI-X cannot be masked through vfio */
	if (start + count > vd->nr_vecs)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!count) {
			for (i = 0; i < vd->nr_vecs; i++)
				vdsa_vec_set(vd, &vd->vecs[i], -1);
			return 0;
		}
		for (i = start; i < start + count; i++)
			vdsa_signal(&vd->vecs[i]);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		for (i = 0; i < count; i++)
			if (((u8 *)data)[i])
				vdsa_signal(&vd->vecs[start + i]);
		return 0;
	}
	for (i = 0; i < count && !rc; i++)
		rc = vdsa_vec_set(vd, &vd->vecs[start + i], ((s32 *)data)[i]);
	return rc;
}

/* The request interrupt: how removal asks the VFIO user to let go. */
/**
 * vdsa_set_req() - SET_IRQS on the request index, as vfio-pci does it
 * @vd: the virtual DSA; caller holds vd->lock
 * @flags: the data type (ACTION_TRIGGER, checked by the caller)
 * @count: 0 or 1 (the index has one irq)
 * @data: @count booleans or eventfds, NULL when @count is 0
 *
 * DATA_NONE fires the trigger (count 1) or removes it (count 0, which
 * needs one to be there); DATA_BOOL fires it if true; DATA_EVENTFD sets
 * it (fd -1 removes it).  DATA_BOOL and DATA_EVENTFD need count 1.
 *
 * Return: 0, -EINVAL, or the eventfd lookup's error.
 */
static int vdsa_set_req(struct vdsa *vd, u32 flags, unsigned int count,
			void *data)
{
	struct eventfd_ctx *ctx = NULL, *old;
	s32 fd;

	lockdep_assert_held(&vd->lock);
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!vd->req_trigger)
			return -EINVAL;
		if (count) {
			eventfd_signal(vd->req_trigger);
			return 0;
		}
		goto replace;		/* count 0: remove it */
	}
	if (!count || !data)
		return -EINVAL;		/* a bool or an fd needs count 1 */
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data && vd->req_trigger)
			eventfd_signal(vd->req_trigger);
		return 0;
	}
	fd = *(s32 *)data;
	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
replace:
	old = vd->req_trigger;
	vd->req_trigger = ctx;
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

static unsigned int vdsa_irq_count(struct vdsa *vd, unsigned int index)
{
	if (index == VFIO_PCI_MSIX_IRQ_INDEX)
		return vd->nr_vecs;
	return index == VFIO_PCI_REQ_IRQ_INDEX ? 1 : 0;
}

static long vdsa_ioctl_set_irqs(struct vdsa *vd, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count), size = 0;
	struct vfio_irq_set hdr;
	void *data = NULL;
	int rc;

	if (copy_from_user(&hdr, (void __user *)arg, minsz))
		return -EFAULT;
	if (hdr.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	rc = vfio_set_irqs_validate_and_prepare(&hdr, vdsa_irq_count(vd, hdr.index),
						VFIO_PCI_NUM_IRQS, &size);
	if (rc)
		return rc;
	if (hdr.index != VFIO_PCI_MSIX_IRQ_INDEX &&
	    hdr.index != VFIO_PCI_REQ_IRQ_INDEX)
		return -EINVAL;
	if (size) {
		data = memdup_user((void __user *)(arg + minsz), size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	mutex_lock(&vd->lock);
	if (hdr.index == VFIO_PCI_REQ_IRQ_INDEX)
		rc = (hdr.flags & VFIO_IRQ_SET_ACTION_TRIGGER) ?
		     vdsa_set_req(vd, hdr.flags, hdr.count, data) : -EINVAL;
	else
		rc = vdsa_set_msix(vd, hdr.flags, hdr.start, hdr.count, data);
	mutex_unlock(&vd->lock);
	kfree(data);
	return rc;
}

/* Removal waits for the user to close the device: ask it to. */
static void vdsa_request(struct vfio_device *vdev, unsigned int count)
{
	struct vdsa *vd = to_vdsa(vdev);

	mutex_lock(&vd->lock);
	if (vd->req_trigger) {
		if (!(count % 10))
			dev_notice(vdev->dev, "asking the VFIO user to release the device (%u)\n",
				   count);
		eventfd_signal(vd->req_trigger);
	} else if (!count) {
		dev_notice(vdev->dev, "removal waits for the VFIO user to close the device\n");
	}
	mutex_unlock(&vd->lock);
}

static u64 vdsa_region_size(struct vdsa *vd, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return VDSA_CFG_SIZE;
	case VFIO_PCI_BAR0_REGION_INDEX:
		return VDSA_BAR0_SIZE;
	case VFIO_PCI_BAR2_REGION_INDEX:
		return vd->nr_wqs * IDXD_WQ_PORTAL_SPAN;
	default:
		return 0;
	}
}

static long vdsa_ioctl(struct vfio_device *vdev, unsigned int cmd,
		       unsigned long arg)
{
	struct vdsa *vd = to_vdsa(vdev);
	unsigned long minsz;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;

		minsz = offsetofend(struct vfio_device_info, num_irqs);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;

		minsz = offsetofend(struct vfio_region_info, offset);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		info.offset = VDSA_INDEX_OFF(info.index);
		info.size = vdsa_region_size(vd, info.index);
		info.flags = info.size ? VFIO_REGION_INFO_FLAG_READ |
					 VFIO_REGION_INFO_FLAG_WRITE : 0;
		info.cap_offset = 0;
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;

		minsz = offsetofend(struct vfio_irq_info, count);
		if (copy_from_user(&info, (void __user *)arg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		/*
		 * Not NORESIZE: vectors come and go one at a time (each its
		 * own IMS slot), so a VMM adding one need not tear the others
		 * down, which would drain them and lose what they carry.
		 */
		info.flags = VFIO_IRQ_INFO_EVENTFD;
		info.count = vdsa_irq_count(vd, info.index);
		return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return vdsa_ioctl_set_irqs(vd, arg);
	case VFIO_DEVICE_RESET:
		mutex_lock(&vd->lock);
		vdsa_reset(vd);
		mutex_unlock(&vd->lock);
		return 0;
	}
	return -ENOTTY;
}

/* Region access: config space, BAR0 registers, BAR2 portals (write-only). */
static ssize_t vdsa_rw(struct vdsa *vd, char *kbuf, size_t count, loff_t pos,
		       bool write)
{
	unsigned int index = VDSA_OFF_INDEX(pos);
	loff_t off = pos & VDSA_OFF_MASK;

	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return vdsa_cfg_rw(vd, kbuf, count, off, write);
	case VFIO_PCI_BAR0_REGION_INDEX:
		return vdsa_bar0_rw(vd, kbuf, count, off, write);
	case VFIO_PCI_BAR2_REGION_INDEX:
		if (!write) {
			memset(kbuf, 0xff, count);	/* portals read all-ones */
			return count;
		}
		return vdsa_portal_write(vd, kbuf, count, off);
	default:
		return -EINVAL;
	}
}

/* Bytes one vdsa_rw() call moves: a descriptor, or a slice of config space. */
#define VDSA_RW_CHUNK	64

/*
 * The next piece of an access at @pos with @left bytes to go.  A VMM
 * reads all of config space at once (QEMU's vfio-pci: 256 bytes);
 * registers are 4 or 8 bytes wide, so BAR0 goes a register at a time
 * (vdsa_bar0_rw() refuses what is not one); a portal takes 64-byte
 * descriptors or 8-byte stores.
 */
static size_t vdsa_piece(loff_t pos, size_t left)
{
	if (VDSA_OFF_INDEX(pos) == VFIO_PCI_BAR0_REGION_INDEX)
		return left >= 8 && !(pos % 8) ? 8 : min_t(size_t, left, 4);
	return min_t(size_t, left, VDSA_RW_CHUNK);
}

/**
 * vdsa_access() - a read or write of any length, in vdsa_rw() pieces
 * @vd: the virtual DSA
 * @ubuf: the user's buffer
 * @count: its length
 * @ppos: the file position (region index and offset), advanced by what moved
 * @write: true for a write
 *
 * Each piece is done under vd->lock on its own, as a VMM's separate
 * accesses would be.  A piece the region refuses or cuts short ends the
 * access: what moved before it is returned, else its error.
 *
 * Return: bytes moved, or a negative errno when none did.
 */
static ssize_t vdsa_access(struct vdsa *vd, char __user *ubuf, size_t count,
			   loff_t *ppos, bool write)
{
	u8 kbuf[VDSA_RW_CHUNK];
	size_t done = 0, n;
	ssize_t rc = -EINVAL;

	while (done < count) {
		n = vdsa_piece(*ppos + done, count - done);
		if (write && copy_from_user(kbuf, ubuf + done, n)) {
			rc = -EFAULT;
			break;
		}
		mutex_lock(&vd->lock);
		rc = vdsa_rw(vd, kbuf, n, *ppos + done, write);
		mutex_unlock(&vd->lock);
		if (rc <= 0)
			break;
		if (!write && copy_to_user(ubuf + done, kbuf, rc)) {
			rc = -EFAULT;
			break;
		}
		done += rc;
		if (rc < n)
			break;		/* the end of the region */
		cond_resched();
	}
	if (!done)
		return rc;
	*ppos += done;
	return done;
}

static ssize_t vdsa_read(struct vfio_device *vdev, char __user *buf,
			 size_t count, loff_t *ppos)
{
	return vdsa_access(to_vdsa(vdev), buf, count, ppos, false);
}

static ssize_t vdsa_write(struct vfio_device *vdev, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	return vdsa_access(to_vdsa(vdev), (char __user *)buf, count, ppos, true);
}

static void vdsa_host_quiesce(struct idxd_user *u)
{
	struct vdsa *vd = container_of(u, struct vdsa, user);

	mutex_lock(&vd->lock);
	vd->host_stopped = true;	/* the guest's descriptors are dropped */
	mutex_unlock(&vd->lock);
}

/*
 * The host device was reset under the guest: what the guest had on it is
 * lost, so its device halts, as a DSA does; the guest resets it and goes
 * on (its vectors kept their host slots).  After a failed host recovery
 * the halt asks for more than the guest can do, and work in flight stays
 * with the host device, which may still write it.
 */
static void vdsa_host_resume(struct idxd_user *u, enum idxd_health now)
{
	struct vdsa *vd = container_of(u, struct vdsa, user);

	mutex_lock(&vd->lock);
	vd->host_stopped = false;
	if (now == IDXD_LIVE) {
		vdsa_reap(vd);		/* records written before the halt land */
		vdsa_slots_lost(vd);
	}
	if (vd->dev_enabled) {
		dev_warn(vd->vdev.dev, "host device %s reset: the guest's device halts\n",
			 now == IDXD_LIVE ? "was" : "could not be");
		vdsa_halt(vd, now == IDXD_LIVE ? IDXD_RESET_SOFTWARE : IDXD_RESET_WARM);
	}
	mutex_unlock(&vd->lock);
}

static const struct idxd_user_ops vdsa_user_ops = {
	.quiesce = vdsa_host_quiesce,
	.resume = vdsa_host_resume,
};

static int vdsa_open(struct vfio_device *vdev)
{
	struct vdsa *vd = to_vdsa(vdev);
	unsigned int i;
	int rc;

	/* idev->lock comes before vd->lock: register first */
	mutex_lock(&vd->idev->lock);
	vd->host_stopped = vd->idev->health != IDXD_LIVE;
	idxd_user_add(vd->idev, &vd->user, &vdsa_user_ops);
	mutex_unlock(&vd->idev->lock);
	atomic_long_set(&vd->pins, 0);
	rc = vdsa_pasid_open(vd);
	if (rc)
		goto err_user;
	mutex_lock(&vd->lock);
	for (i = 0; i < vd->nr_wqs; i++) {
		rc = vdsa_slots_alloc(vd, &vd->wqs[i]);
		if (rc)
			goto err;
	}
	rc = vdsa_vec_hw_on(&vd->internal);
	if (rc)
		goto err;
	vdsa_regs_init(vd);
	mutex_unlock(&vd->lock);
	return 0;
err:
	while (i--)
		vdsa_slots_free(vd, &vd->wqs[i]);
	mutex_unlock(&vd->lock);
	vdsa_pasid_close(vd);
err_user:
	mutex_lock(&vd->idev->lock);
	idxd_user_del(vd->idev, &vd->user);
	mutex_unlock(&vd->idev->lock);
	return rc;
}

/* Close and remove: stop the WQs, drop every vector and slot. */
static void vdsa_close(struct vfio_device *vdev)
{
	struct vdsa *vd = to_vdsa(vdev);
	unsigned int i;

	/* from here a host reset does not reach us: work left is orphaned */
	mutex_lock(&vd->idev->lock);
	idxd_user_del(vd->idev, &vd->user);
	mutex_unlock(&vd->idev->lock);
	mutex_lock(&vd->lock);
	vdsa_reset(vd);
	for (i = 0; i < vd->nr_vecs; i++)
		vdsa_vec_set(vd, &vd->vecs[i], -1);
	/* completions no guest vector asked for name the internal one */
	vdsa_vec_hw_off(&vd->internal, vdsa_quiesce_all(vd));
	if (vd->req_trigger)
		eventfd_ctx_put(vd->req_trigger);
	vd->req_trigger = NULL;
	for (i = 0; i < vd->nr_wqs; i++)
		vdsa_slots_free(vd, &vd->wqs[i]);
	mutex_unlock(&vd->lock);
	/* the WQs go off the PASID before its pages and domain go */
	vdsa_pasid_close(vd);
	vd->why_bounce = NULL;
}

static const struct vfio_device_ops vdsa_ops = {
	.name = "idxd-ims-vdsa",
	.init = vdsa_init_dev,
	.release = vdsa_release_dev,
	.open_device = vdsa_open,
	.close_device = vdsa_close,
	.read = vdsa_read,
	.write = vdsa_write,
	.ioctl = vdsa_ioctl,
	.request = vdsa_request,
	.dma_unmap = vdsa_dma_unmap,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

static int vdsa_probe(struct mdev_device *mdev)
{
	struct vdsa *vd;
	int rc;

	vd = vfio_alloc_device(vdsa, vdev, &mdev->dev, &vdsa_ops);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	rc = vfio_register_emulated_iommu_dev(&vd->vdev);
	if (rc) {
		/* the WQs point at @vd: give them back before it goes */
		vdsa_release_wqs(vd);
		vfio_put_device(&vd->vdev);
		return rc;
	}
	dev_set_drvdata(&mdev->dev, vd);
	dev_info(&mdev->dev, "virtual DSA on %s%d: %u WQ(s) from %s%s%s\n",
		 idxd_type_name(vd->idev), vd->idev->id, vd->nr_wqs,
		 dev_name(&vd->wqs[0].hwq->conf_dev), vd->nr_wqs > 1 ? ", " : "",
		 vd->nr_wqs > 1 ? dev_name(&vd->wqs[1].hwq->conf_dev) : "");
	return 0;
}

static void vdsa_remove(struct mdev_device *mdev)
{
	struct vdsa *vd = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&vd->vdev);
	vdsa_release_wqs(vd);
	vfio_put_device(&vd->vdev);
}

/*
 * dma_mode: how the open virtual DSA's guest reaches memory: "pasid N",
 * "bounce: why", or "closed"; on a PASID, pinned_pages: guest pages
 * pinned now (while descriptors use them), pins: pinned since open.
 */
static ssize_t dma_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct vdsa *vd = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&vd->lock);
	if (vd->pa)
		n = sysfs_emit(buf, "pasid %u\n", vdsa_pasid_id(vd));
	else if (vd->why_bounce)
		n = sysfs_emit(buf, "bounce: %s\n", vd->why_bounce);
	else
		n = sysfs_emit(buf, "closed\n");
	mutex_unlock(&vd->lock);
	return n;
}
static DEVICE_ATTR_RO(dma_mode);

static ssize_t pinned_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vdsa *vd = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(&vd->npinned));
}
static DEVICE_ATTR_RO(pinned_pages);

static ssize_t pins_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct vdsa *vd = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(&vd->pins));
}
static DEVICE_ATTR_RO(pins);

static struct attribute *vdsa_attrs[] = {
	&dev_attr_dma_mode.attr,
	&dev_attr_pinned_pages.attr,
	&dev_attr_pins.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vdsa);

static struct mdev_driver vdsa_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "idxd_ims_vdsa",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = vdsa_groups,
	},
	.probe = vdsa_probe,
	.remove = vdsa_remove,
	.get_available = vdsa_get_available,
	.show_description = vdsa_show_description,
};

/**
 * idxd_mdev_parent_add() - offer virtual DSAs on a device in IMS mode
 * @idev: the device, probed
 *
 * Return: 0 (also when the device has no IMS: then it offers none).
 */
int idxd_mdev_parent_add(struct idxd_dev *idev)
{
	struct vdsa_parent *vp;
	unsigned int i;
	int rc;

	if (!idev->ims)
		return 0;
	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	vp->idev = idev;
	/* the core keeps per-parent state in each type: copies per device */
	for (i = 0; i < ARRAY_SIZE(vdsa_types); i++) {
		vp->vtypes[i] = vdsa_types[i];
		vp->types[i] = &vp->vtypes[i].type;
	}
	rc = mdev_register_parent(&vp->parent, idev_dev(idev), &vdsa_driver,
				  vp->types, ARRAY_SIZE(vdsa_types));
	if (rc) {
		kfree(vp);
		return rc;
	}
	idev->mdev = vp;
	return 0;
}

void idxd_mdev_parent_del(struct idxd_dev *idev)
{
	if (!idev->mdev)
		return;
	mdev_unregister_parent(&idev->mdev->parent);
	kfree(idev->mdev);
	idev->mdev = NULL;
}

int idxd_mdev_init(void)
{
	return mdev_register_driver(&vdsa_driver);
}

void idxd_mdev_exit(void)
{
	mdev_unregister_driver(&vdsa_driver);
}
