// SPDX-License-Identifier: GPL-2.0
/*
 * User memory registered with a user WQ's file (IDXD_IMS_IOC_MAP).
 *
 * Pinning is shared by both ways a file can let the device at ordinary
 * process memory: in virtual-address mode (sva.c) the pages are mapped
 * on the file's PASID at their own addresses; without PASID they are
 * mapped with the DMA API for the device's own requester ID, and the
 * file learns the device address (one contiguous range per
 * registration), which write() then accepts in descriptors as it
 * accepts the file's buffers.  Such a registration lives until
 * IDXD_IMS_IOC_UNMAP or the file's release, both after the WQ has
 * drained: the pages stay pinned however the process changes its
 * mappings meanwhile (as with VFIO), so the device never reaches a page
 * that went back to the system.
 */
#include <linux/dma-mapping.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include "idxd_ims.h"

/**
 * struct idxd_umem - one registration without PASID
 * @node: on the file's list (idxd_ctx.bufs_lock)
 * @uaddr: first byte registered (as the caller gave it)
 * @len: bytes registered
 * @iova: the device address of @uaddr
 * @pin: the pinned pages under it
 * @sgt: their DMA mapping, one segment
 */
struct idxd_umem {
	struct list_head node;
	u64 uaddr;
	u64 len;
	dma_addr_t iova;
	struct idxd_pin pin;
	struct sg_table sgt;
};

/**
 * idxd_pin_user() - pin whole pages of the caller's memory for DMA
 * @pin: filled in: the pages, and whether they may be written
 * @start: first page
 * @npages: pages
 *
 * Writable memory is pinned for writing; memory the caller may only read
 * is pinned read-only, so the device may read it but never write it.
 * The pages are charged to the caller's pinned memory (RLIMIT_MEMLOCK
 * unless CAP_IPC_LOCK).
 *
 * Return: 0, -EFAULT (not all of it mapped), -ENOMEM.
 */
int idxd_pin_user(struct idxd_pin *pin, unsigned long start, unsigned long npages)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	struct mm_struct *mm = current->mm;
	long got;

	if (atomic64_add_return(npages, &mm->pinned_vm) > limit &&
	    !capable(CAP_IPC_LOCK)) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	pin->pages = kvcalloc(npages, sizeof(*pin->pages), GFP_KERNEL);
	if (!pin->pages) {
		atomic64_sub(npages, &mm->pinned_vm);
		return -ENOMEM;
	}
	pin->writable = true;
	got = pin_user_pages_fast(start, npages, FOLL_WRITE | FOLL_LONGTERM, pin->pages);
	if (got >= 0 && got < npages) {
		unpin_user_pages(pin->pages, got);
		got = -EFAULT;
	}
	if (got == -EFAULT) {	/* read-only memory: the device may read it */
		pin->writable = false;
		got = pin_user_pages_fast(start, npages, FOLL_LONGTERM, pin->pages);
		if (got >= 0 && got < npages) {
			unpin_user_pages(pin->pages, got);
			got = -EFAULT;
		}
	}
	if (got < 0) {
		kvfree(pin->pages);
		pin->pages = NULL;
		atomic64_sub(npages, &mm->pinned_vm);
		return got;
	}
	pin->npages = npages;
	pin->mm = mm;
	return 0;
}

/**
 * idxd_unpin_user() - undo idxd_pin_user()
 * @pin: the pinned pages; the device no longer reaches them
 *
 * May run in another process's context (an MMU notifier, a release
 * after fork): the charge goes back to the mm it was taken from, which
 * the caller keeps alive.
 */
void idxd_unpin_user(struct idxd_pin *pin)
{
	unpin_user_pages_dirty_lock(pin->pages, pin->npages, pin->writable);
	atomic64_sub(pin->npages, &pin->mm->pinned_vm);
	kvfree(pin->pages);
	pin->pages = NULL;
}

/*
 * The CPU and the device share a registration for as long as it lives,
 * with no hand-over at which to sync caches (DSA is coherent), and the
 * same pages may be registered more than once (two files, two
 * processes, overlapping ranges), as RDMA's memory registrations may:
 * no CPU sync, which also tells DMA-API debugging that overlapping
 * mappings are meant.
 */
#define IDXD_UMEM_ATTRS		DMA_ATTR_SKIP_CPU_SYNC

static enum dma_data_direction idxd_umem_dir(struct idxd_umem *u)
{
	return u->pin.writable ? DMA_BIDIRECTIONAL : DMA_TO_DEVICE;
}

/* Do the mapped segments follow each other in device addresses? */
static bool idxd_sgt_contiguous(struct sg_table *sgt)
{
	struct scatterlist *sg;
	dma_addr_t next = sg_dma_address(sgt->sgl);
	int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (sg_dma_address(sg) != next)
			return false;
		next += sg_dma_len(sg);
	}
	return true;
}

/**
 * idxd_umem_add() - register [addr, addr + len) of the caller's memory
 * @dev: the device that will reach it
 * @list: the file's registrations; caller holds the lock that guards it
 *	only around the final insertion (see @lock)
 * @lock: that lock (pinning may fault, which takes mmap_lock, under
 *	which ->mmap takes it: not held while pinning)
 * @addr: start
 * @len: bytes
 * @iova: out: the device address of @addr
 *
 * Return: 0, -EINVAL (empty, wrapping, or more than one device range:
 * register less at a time, e.g. a hugepage), -EFAULT, -ENOMEM.
 */
int idxd_umem_add(struct device *dev, struct list_head *list, struct mutex *lock,
		  u64 addr, u64 len, u64 *iova)
{
	unsigned long start = addr & PAGE_MASK;
	struct idxd_umem *u;
	int rc;

	if (!len || addr + len < addr || addr + len > TASK_SIZE_MAX)
		return -EINVAL;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->uaddr = addr;
	u->len = len;
	rc = idxd_pin_user(&u->pin, start, (PAGE_ALIGN(addr + len) - start) >> PAGE_SHIFT);
	if (rc)
		goto err_free;
	rc = sg_alloc_table_from_pages(&u->sgt, u->pin.pages, u->pin.npages, 0,
				       u->pin.npages << PAGE_SHIFT, GFP_KERNEL);
	if (rc)
		goto err_unpin;
	/* memory the caller may only read, the device may only read */
	rc = dma_map_sgtable(dev, &u->sgt, idxd_umem_dir(u), IDXD_UMEM_ATTRS);
	if (rc)
		goto err_sgt;
	if (!idxd_sgt_contiguous(&u->sgt)) {
		dev_dbg(dev, "registration %#llx+%#llx is more than one device range\n",
			addr, len);
		rc = -EINVAL;
		goto err_map;
	}
	u->iova = sg_dma_address(u->sgt.sgl) + (addr - start);
	*iova = u->iova;
	mutex_lock(lock);
	list_add(&u->node, list);
	mutex_unlock(lock);
	return 0;

err_map:
	dma_unmap_sgtable(dev, &u->sgt, idxd_umem_dir(u), IDXD_UMEM_ATTRS);
err_sgt:
	sg_free_table(&u->sgt);
err_unpin:
	idxd_unpin_user(&u->pin);
err_free:
	kfree(u);
	return rc;
}

static void idxd_umem_free(struct device *dev, struct idxd_umem *u)
{
	dma_unmap_sgtable(dev, &u->sgt, idxd_umem_dir(u), IDXD_UMEM_ATTRS);
	sg_free_table(&u->sgt);
	idxd_unpin_user(&u->pin);
	kfree(u);
}

/**
 * idxd_umem_remove() - drop the registrations that meet [addr, addr + len)
 * @dev: the device
 * @list: the file's registrations, its lock held; the device has
 *	finished with them (the caller drained the WQ)
 * @addr: start
 * @len: bytes
 *
 * Return: the number dropped.
 */
int idxd_umem_remove(struct device *dev, struct list_head *list, u64 addr, u64 len)
{
	struct idxd_umem *u, *tmp;
	int n = 0;

	list_for_each_entry_safe(u, tmp, list, node) {
		if (u->uaddr < addr + len && addr < u->uaddr + u->len) {
			list_del(&u->node);
			idxd_umem_free(dev, u);
			n++;
		}
	}
	return n;
}

/**
 * idxd_umem_holds() - is [iova, iova + len) inside one registration?
 * @list: the file's registrations, its lock held
 * @iova: device address
 * @len: bytes
 * @write: the device will write there: only memory the caller may write
 */
bool idxd_umem_holds(struct list_head *list, u64 iova, u64 len, bool write)
{
	struct idxd_umem *u;

	list_for_each_entry(u, list, node)
		if (iova >= u->iova && iova + len <= u->iova + u->len &&
		    (u->pin.writable || !write))
			return true;
	return false;
}

/**
 * idxd_umem_leak() - forget registrations the device may still reach
 * @list: the file's registrations
 *
 * The pages stay pinned and mapped for good (the device could not be
 * drained; a reset would be needed to know it is quiet).
 */
void idxd_umem_leak(struct list_head *list)
{
	struct idxd_umem *u, *tmp;

	list_for_each_entry_safe(u, tmp, list, node) {
		list_del_init(&u->node);
		kmemleak_not_leak(u);
		kmemleak_not_leak(u->pin.pages);
	}
}
