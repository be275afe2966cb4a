// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual-address mode for user WQs: a process's memory on a PASID.
 *
 * DSA's user space (DPDK's dma_idxd on /dev/dsa, DML, DTO) hands the
 * device its own virtual addresses and expects the device to see its
 * address space through a PASID.  Upstream does that with SVA
 * (iommu_sva_bind_device(): the IOMMU walks the process's page tables),
 * but Debian's 6.12.118 refuses SVA on x86 outright
 * (drivers/iommu/iommu-sva.c: "if (IS_ENABLED(CONFIG_X86)) return
 * ERR_PTR(-EOPNOTSUPP)"), so this driver mirrors instead: each open
 * file gets a PASID of its own with a paging domain attached there, in
 * which the process's pages are mapped, pinned, at their own virtual
 * addresses.  What is mirrored:
 *  - at open, every hugetlb mapping of the process (where DPDK keeps its
 *    memory; map it before opening the WQ, e.g. EAL's -m);
 *  - on request, any range (IDXD_IMS_IOC_MAP), e.g. malloc'ed buffers:
 *    libidxdims and the PMD register what they use, or register a page
 *    when its completion record reports a page fault and resubmit the
 *    rest.
 * An address nothing mapped faults in the device (completion status
 * 0x03 with the address), never reaching other memory.  When the
 * process unmaps or changes a mirrored range, an MMU notifier drops the
 * whole range from the domain before the pages go back.
 *
 * A dedicated WQ carries one PASID in WQCFG, so it serves one file at a
 * time; the PASID is put on the WQ at open and taken off at release.
 * Without PASID (no IOMMU translation, legacy VT-d, no PASID capability)
 * user WQs keep the kernel-checked buffers of cdev.c; idxd_va_init()
 * says why.
 */
#include <linux/iommu.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "idxd_ims.h"

static bool va_mode = true;
module_param(va_mode, bool, 0444);
MODULE_PARM_DESC(va_mode, "User WQs work in their process's virtual addresses on a PASID when the IOMMU allows (default on)");

/**
 * struct idxd_prange - one mirrored range
 * @node: on idxd_pmap.ranges
 * @start: first byte (page aligned)
 * @npages: its pages, all mapped at their virtual address
 * @pin: the pinned pages; none (pin.pages NULL) for a file buffer's,
 *	which the file owns
 */
struct idxd_prange {
	struct list_head node;
	unsigned long start;
	unsigned long npages;
	struct idxd_pin pin;
};

/**
 * struct idxd_pmap - a file's mirror of its process's memory
 * @dev: the PCI function
 * @dom: paging domain, attached to @dev at @pasid
 * @pasid: a global PASID of @dev's
 * @mm: the process's address space (mmgrab'ed)
 * @mn: notifier on @mm; registered while @mm lives
 * @lock: protects @ranges; taken in the notifier (which sleeps only
 *	when the invalidation may block) and never held across a pin
 *	(pinning may take mmap_lock)
 * @ranges: struct idxd_prange, disjoint
 */
struct idxd_pmap {
	struct device *dev;
	struct iommu_domain *dom;
	ioasid_t pasid;
	struct mm_struct *mm;
	struct mmu_notifier mn;
	struct mutex lock;		/* ranges */
	struct list_head ranges;
};

/**
 * idxd_pasid_why_not() - why this device cannot tag its DMA with PASIDs
 * @pdev: the PCI function
 *
 * Return: NULL if it can (PASID enabled, an IOMMU translating), else why.
 */
const char *idxd_pasid_why_not(struct pci_dev *pdev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(&pdev->dev);

	if (!dom || dom->type == IOMMU_DOMAIN_BLOCKED)
		return "no IOMMU translates this device";
	if (pci_pasid_features(pdev) < 0)
		return "the device has no PASID capability";
	if (!pdev->pasid_enabled)
		return "the IOMMU did not enable PASID (VT-d in legacy mode? intel_iommu=sm_on)";
	return NULL;
}

/**
 * idxd_va_init() - can user WQs work in virtual addresses here?
 * @idev: the device, at probe
 *
 * Never fails the probe: without it user WQs work with buffers.
 */
void idxd_va_init(struct idxd_dev *idev)
{
	const char *why = va_mode ? idxd_pasid_why_not(idev->pdev) : "off (va_mode=0)";

	idev->va_mode = !why;
	idev->va_why = why ?: "on";
	if (why)
		dev_info(idev_dev(idev), "user WQs use kernel-checked buffers: %s\n", why);
	else
		dev_info(idev_dev(idev), "user WQs work in their process's virtual addresses (a PASID each)\n");
}

static void idxd_prange_unmap(struct idxd_pmap *pm, struct idxd_prange *r)
{
	iommu_unmap(pm->dom, r->start, r->npages << PAGE_SHIFT);
	list_del(&r->node);
	if (r->pin.pages)	/* a file buffer's pages are the file's */
		idxd_unpin_user(&r->pin);
	kfree(r);
}

/* Drop every range that meets [start, end); caller holds pm->lock. */
static void idxd_pmap_drop(struct idxd_pmap *pm, unsigned long start,
			   unsigned long end)
{
	struct idxd_prange *r, *tmp;

	list_for_each_entry_safe(r, tmp, &pm->ranges, node)
		if (r->start < end && start < r->start + (r->npages << PAGE_SHIFT))
			idxd_prange_unmap(pm, r);
}

/* Any range that meets [start, end)?  Caller holds pm->lock. */
static bool idxd_pmap_meets(struct idxd_pmap *pm, unsigned long start,
			    unsigned long end)
{
	struct idxd_prange *r;

	list_for_each_entry(r, &pm->ranges, node)
		if (r->start < end && start < r->start + (r->npages << PAGE_SHIFT))
			return true;
	return false;
}

/*
 * The process changes or unmaps part of its memory: the device must stop
 * reaching those pages before they go anywhere else.  A range is dropped
 * whole; a later access faults and user space maps it again.  Two events
 * leave every mirrored page where it is: fork write-protecting the
 * parent for copy-on-write (pinned pages are copied for the child
 * instead, the parent keeps its own) and soft-dirty tracking.
 */
static int idxd_pmap_invalidate(struct mmu_notifier *mn,
				const struct mmu_notifier_range *range)
{
	struct idxd_pmap *pm = container_of(mn, struct idxd_pmap, mn);
	int rc = 0;

	if (range->event == MMU_NOTIFY_PROTECTION_PAGE ||
	    range->event == MMU_NOTIFY_SOFT_DIRTY)
		return 0;

	/* unpinning may sleep: a caller that cannot wait must come back */
	if (!mmu_notifier_range_blockable(range)) {
		if (!mutex_trylock(&pm->lock))
			return -EAGAIN;
		if (idxd_pmap_meets(pm, range->start, range->end))
			rc = -EAGAIN;
		mutex_unlock(&pm->lock);
		return rc;
	}
	mutex_lock(&pm->lock);
	idxd_pmap_drop(pm, range->start, range->end);
	mutex_unlock(&pm->lock);
	return 0;
}

static void idxd_pmap_release_mm(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct idxd_pmap *pm = container_of(mn, struct idxd_pmap, mn);

	mutex_lock(&pm->lock);
	idxd_pmap_drop(pm, 0, ULONG_MAX);
	mutex_unlock(&pm->lock);
}

static const struct mmu_notifier_ops idxd_pmap_mn_ops = {
	.invalidate_range_start = idxd_pmap_invalidate,
	.release = idxd_pmap_release_mm,
};

/* Map the pinned pages of @r, physically contiguous runs at a time. */
static int idxd_prange_iommu_map(struct idxd_pmap *pm, struct idxd_prange *r)
{
	int prot = IOMMU_READ | (r->pin.writable ? IOMMU_WRITE : 0);
	unsigned long i = 0, n;
	int rc;

	while (i < r->npages) {
		phys_addr_t pa = page_to_phys(r->pin.pages[i]);

		for (n = 1; i + n < r->npages &&
		     page_to_phys(r->pin.pages[i + n]) == pa + (n << PAGE_SHIFT); n++)
			;
		rc = iommu_map(pm->dom, r->start + (i << PAGE_SHIFT), pa,
			       n << PAGE_SHIFT, prot, GFP_KERNEL);
		if (rc) {
			if (i)
				iommu_unmap(pm->dom, r->start, i << PAGE_SHIFT);
			return rc;
		}
		i += n;
	}
	return 0;
}

/**
 * idxd_pmap_add() - mirror [addr, addr + len) of the caller's memory
 * @pm: the caller's file's mirror (current->mm is pm->mm)
 * @addr: start, rounded down to a page
 * @len: bytes, the end rounded up to a page
 *
 * Pages already mirrored are dropped and mapped again with the rest.
 *
 * Return: 0, -EINVAL (empty, wrapping or beyond the domain), -EFAULT
 * (not mapped by the process), -ENOMEM (incl. RLIMIT_MEMLOCK), or an
 * IOMMU error.
 */
int idxd_pmap_add(struct idxd_pmap *pm, u64 addr, u64 len)
{
	unsigned long start = addr & PAGE_MASK, end, npages;
	struct idxd_prange *r;
	int rc;

	if (!len || addr + len < addr || addr + len > TASK_SIZE_MAX ||
	    addr + len - 1 > pm->dom->geometry.aperture_end)
		return -EINVAL;
	if (current->mm != pm->mm)
		return -EPERM;
	end = PAGE_ALIGN(addr + len);
	npages = (end - start) >> PAGE_SHIFT;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->start = start;
	r->npages = npages;
	rc = idxd_pin_user(&r->pin, start, npages);
	if (rc) {
		kfree(r);
		return rc;
	}
	mutex_lock(&pm->lock);
	idxd_pmap_drop(pm, start, end);
	rc = idxd_prange_iommu_map(pm, r);
	if (!rc)
		list_add(&r->node, &pm->ranges);
	mutex_unlock(&pm->lock);
	if (rc) {
		idxd_unpin_user(&r->pin);
		kfree(r);
	}
	return rc;
}

/**
 * idxd_pmap_remove() - stop mirroring every range that meets [addr, addr + len)
 * @pm: the caller's file's mirror
 * @addr: start
 * @len: bytes
 *
 * Return: 0, or -EINVAL for an empty or wrapping range.
 */
int idxd_pmap_remove(struct idxd_pmap *pm, u64 addr, u64 len)
{
	if (!len || addr + len < addr)
		return -EINVAL;
	mutex_lock(&pm->lock);
	idxd_pmap_drop(pm, addr, addr + len);
	mutex_unlock(&pm->lock);
	return 0;
}

/**
 * idxd_pmap_add_buffer() - map a file's DMA buffer at its user address
 * @pm: the file's mirror
 * @uaddr: where the buffer is mapped in the process (page aligned)
 * @cpu: the buffer's kernel address (dma_alloc_coherent())
 * @len: its bytes (whole pages)
 *
 * The buffer's pages belong to the file until release, which drops the
 * mirror first; an munmap of the buffer drops the range as any other.
 *
 * Return: 0 or an IOMMU error.
 */
int idxd_pmap_add_buffer(struct idxd_pmap *pm, unsigned long uaddr, void *cpu,
			 size_t len)
{
	struct idxd_prange *r;
	size_t off;
	int rc = 0;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->start = uaddr;
	r->npages = len >> PAGE_SHIFT;
	mutex_lock(&pm->lock);
	idxd_pmap_drop(pm, uaddr, uaddr + len);
	for (off = 0; off < len && !rc; off += PAGE_SIZE) {
		void *p = cpu + off;
		struct page *pg = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);

		rc = iommu_map(pm->dom, uaddr + off, page_to_phys(pg), PAGE_SIZE,
			       IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	}
	if (rc) {
		if (off > PAGE_SIZE)
			iommu_unmap(pm->dom, uaddr, off - PAGE_SIZE);
		kfree(r);
	} else {
		list_add(&r->node, &pm->ranges);
	}
	mutex_unlock(&pm->lock);
	return rc;
}

/* Mirror the process's hugetlb mappings as they are now (DPDK's memory). */
static void idxd_pmap_add_hugetlb(struct idxd_pmap *pm)
{
	struct vm_area_struct *vma;
	unsigned long spans[16][2];
	unsigned int n = 0, i;
	unsigned long from = 0;
	struct vma_iterator vmi;

	/* pinning takes mmap_lock itself: collect first, a batch at a time */
	do {
		n = 0;
		mmap_read_lock(pm->mm);
		vma_iter_init(&vmi, pm->mm, from);
		for_each_vma(vmi, vma) {
			if (!is_vm_hugetlb_page(vma))
				continue;
			spans[n][0] = vma->vm_start;
			spans[n][1] = vma->vm_end - vma->vm_start;
			if (++n == ARRAY_SIZE(spans))
				break;
		}
		mmap_read_unlock(pm->mm);
		for (i = 0; i < n; i++) {
			int rc = idxd_pmap_add(pm, spans[i][0], spans[i][1]);

			if (rc)
				dev_dbg(pm->dev, "hugetlb %#lx+%#lx not mirrored: %d\n",
					spans[i][0], spans[i][1], rc);
		}
		if (n)
			from = spans[n - 1][0] + spans[n - 1][1];
	} while (n == ARRAY_SIZE(spans));
}

/**
 * idxd_pmap_create() - a PASID for the calling process's file
 * @idev: the device (idev->va_mode)
 *
 * Return: the mirror, its hugetlb memory already mapped, or an ERR_PTR.
 */
struct idxd_pmap *idxd_pmap_create(struct idxd_dev *idev)
{
	struct device *dev = idev_dev(idev);
	struct idxd_pmap *pm;
	int rc;

	pm = kzalloc(sizeof(*pm), GFP_KERNEL);
	if (!pm)
		return ERR_PTR(-ENOMEM);
	pm->dev = dev;
	mutex_init(&pm->lock);
	INIT_LIST_HEAD(&pm->ranges);
	pm->pasid = iommu_alloc_global_pasid(dev);
	if (pm->pasid == IOMMU_PASID_INVALID) {
		rc = -ENOSPC;
		goto err_free;
	}
	pm->dom = iommu_paging_domain_alloc(dev);
	if (IS_ERR(pm->dom)) {
		rc = PTR_ERR(pm->dom);
		goto err_pasid;
	}
	rc = iommu_attach_device_pasid(pm->dom, dev, pm->pasid, NULL);
	if (rc)
		goto err_dom;
	pm->mm = current->mm;
	mmgrab(pm->mm);
	pm->mn.ops = &idxd_pmap_mn_ops;
	rc = mmu_notifier_register(&pm->mn, pm->mm);
	if (rc)
		goto err_attach;
	idxd_pmap_add_hugetlb(pm);
	return pm;

err_attach:
	mmdrop(pm->mm);
	iommu_detach_device_pasid(pm->dom, dev, pm->pasid);
err_dom:
	iommu_domain_free(pm->dom);
err_pasid:
	iommu_free_global_pasid(pm->pasid);
err_free:
	kfree(pm);
	dev_dbg(dev, "no PASID for this process: %d\n", rc);
	return ERR_PTR(rc);
}

/**
 * idxd_pmap_destroy() - drop the mirror and its PASID
 * @pm: the mirror; the device no longer uses its PASID (the WQ is off it)
 */
void idxd_pmap_destroy(struct idxd_pmap *pm)
{
	/* the notifier's release may have emptied it already */
	mmu_notifier_unregister(&pm->mn, pm->mm);
	mutex_lock(&pm->lock);
	idxd_pmap_drop(pm, 0, ULONG_MAX);
	mutex_unlock(&pm->lock);
	iommu_detach_device_pasid(pm->dom, pm->dev, pm->pasid);
	iommu_domain_free(pm->dom);
	iommu_free_global_pasid(pm->pasid);
	mmdrop(pm->mm);
	kfree(pm);
}

u32 idxd_pmap_pasid(struct idxd_pmap *pm)
{
	return pm->pasid;
}

/**
 * idxd_user_submission_safe() - may user space submit unchecked descriptors?
 * @idev: the device
 *
 * Sapphire Rapids' DSA and IAA (device IDs 0x0b25, 0x0cfe) can be upset by
 * some descriptor contents (INTEL-SA-01084): their portals need
 * CAP_SYS_RAWIO, and write() refuses what the kernel cannot check, as in
 * upstream idxd.
 */
bool idxd_user_submission_safe(struct idxd_dev *idev)
{
	switch (idev->pdev->device) {
	case 0x0b25:
	case 0x0cfe:
		return false;
	default:
		return true;
	}
}
