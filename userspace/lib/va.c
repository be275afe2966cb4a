// SPDX-License-Identifier: MIT
/*
 * libidxdims: work queues in virtual-address mode (IDXD_IMS_WQ_VA).
 *
 * The device then sees the process's memory through a PASID of the
 * file's: hugetlb memory mapped before the open, and whatever
 * ims_map() adds.  Without the mode ims_map() registers memory for the
 * device's own DMA and says at what device address.  Memory it does not see ends in a page-fault
 * completion (status 0x03, bit 7 for a write, the page in fault_addr,
 * the bytes done before it in bytes_completed): ims_run() maps the rest
 * of the operand that faulted and resubmits what is left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "idxd_ims_lib.h"
#include "wq_priv.h"

#define IMS_PAGE	4096ull
#define IMS_MAX_FAULTS	16	/* per ims_run(): a fault that maps comes back once */

bool ims_wq_va(const struct ims_wq *wq)
{
	return wq->info.flags & IDXD_IMS_WQ_VA;
}

int ims_wq_fd(const struct ims_wq *wq)
{
	return wq->fd;
}

static int ims_map_ioctl(struct ims_wq *wq, unsigned long cmd, const void *p,
			 size_t len, uint64_t *iova)
{
	struct idxd_ims_map m = {
		.argsz = sizeof(m),
		.addr = (uintptr_t)p,
		.len = len,
	};

	if (ioctl(wq->fd, cmd, &m))
		return -errno;
	if (iova)
		*iova = m.iova;
	return 0;
}

int ims_map(struct ims_wq *wq, const void *p, size_t len, uint64_t *iova)
{
	return ims_map_ioctl(wq, IDXD_IMS_IOC_MAP, p, len, iova);
}

int ims_unmap(struct ims_wq *wq, const void *p, size_t len)
{
	return ims_map_ioctl(wq, IDXD_IMS_IOC_UNMAP, p, len, NULL);
}

/* Does [base, base + len) hold addr?  Then its end. */
static bool ims_in(uint64_t addr, uint64_t base, uint64_t len, uint64_t *end)
{
	if (!len || addr < (base & ~(IMS_PAGE - 1)) || addr >= base + len)
		return false;
	*end = base + len;
	return true;
}

/*
 * The end of the operand the faulting page belongs to: the device
 * faults on whole pages, so map from there to the operand's end.
 */
static uint64_t ims_fault_end(const struct idxd_ims_desc *d, uint64_t fault)
{
	uint8_t op = d->flags_opcode >> 24;
	uint64_t end;

	if (ims_in(fault, d->completion_addr, sizeof(struct idxd_ims_completion), &end))
		return end;
	if (op == IDXD_IMS_OP_BATCH)
		return fault + IMS_PAGE;
	if (ims_in(fault, d->src, d->size, &end) || ims_in(fault, d->dst, d->size, &end))
		return end;
	if (op == IDXD_IMS_OP_DUALCAST) {
		uint64_t dst2;

		memcpy(&dst2, d->op, sizeof(dst2));
		if (ims_in(fault, dst2, d->size, &end))
			return end;
	}
	return fault + IMS_PAGE;
}

int ims_fault_fix(struct ims_wq *wq, const struct idxd_ims_desc *d,
		  const struct idxd_ims_completion *c)
{
	uint64_t fault = c->fault_addr & ~(IMS_PAGE - 1);

	if ((c->status & IDXD_IMS_ST_MASK) != IDXD_IMS_ST_PAGE_FAULT)
		return -EINVAL;
	return ims_map(wq, (const void *)(uintptr_t)fault, ims_fault_end(d, fault) - fault,
		       NULL);
}

/*
 * What is left of @d after @done bytes: MEMMOVE and MEMFILL go on from
 * there; anything else starts again (it has no partial result to keep).
 */
static void ims_desc_rest(struct idxd_ims_desc *d, uint32_t done)
{
	uint8_t op = d->flags_opcode >> 24;

	if (op != IDXD_IMS_OP_MEMMOVE && op != IDXD_IMS_OP_MEMFILL)
		return;
	if (op == IDXD_IMS_OP_MEMMOVE)
		d->src += done;
	d->dst += done;
	d->size -= done;
}

int ims_run(struct ims_wq *wq, struct idxd_ims_desc *d,
	    struct idxd_ims_completion *c, int timeout_ms, unsigned int *faults)
{
	uint64_t last = ~0ull;
	unsigned int n = 0;
	int rc;

	for (;;) {
		memset(c, 0, sizeof(*c));
		rc = ims_submit(wq, d);
		if (rc)
			break;
		rc = ims_wait(wq, c, timeout_ms);
		if (rc || (c->status & IDXD_IMS_ST_MASK) != IDXD_IMS_ST_PAGE_FAULT ||
		    !ims_wq_va(wq))
			break;
		/* mapped and faulting again at the same place: not ours to fix */
		if (c->fault_addr == last || ++n > IMS_MAX_FAULTS) {
			rc = -EFAULT;
			break;
		}
		last = c->fault_addr;
		rc = ims_fault_fix(wq, d, c);
		if (rc)
			break;
		ims_desc_rest(d, c->bytes_completed);
	}
	if (faults)
		*faults = n;
	return rc;
}
