// SPDX-License-Identifier: MIT
/*
 * libidxdims: descriptor builders, status and error strings, CRC-32C.
 */
#include <errno.h>
#include <string.h>
#include "idxd_ims_lib.h"

static void ims_desc(struct idxd_ims_desc *d, uint8_t op, uint64_t cr,
		     unsigned int flags)
{
	uint32_t f = IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR;

	if (flags & IMS_INTERRUPT)
		f |= IDXD_IMS_F_RCI;
	if (flags & IMS_FENCE)
		f |= IDXD_IMS_F_FENCE;
	memset(d, 0, sizeof(*d));
	d->flags_opcode = (uint32_t)op << 24 | f;
	d->completion_addr = cr;
}

void ims_desc_noop(struct idxd_ims_desc *d, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_NOOP, cr, flags);
}

void ims_desc_drain(struct idxd_ims_desc *d, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_DRAIN, cr, flags);
}

void ims_desc_memmove(struct idxd_ims_desc *d, uint64_t dst, uint64_t src,
		      uint32_t len, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_MEMMOVE, cr, flags);
	d->src = src;
	d->dst = dst;
	d->size = len;
}

void ims_desc_memfill(struct idxd_ims_desc *d, uint64_t dst, uint64_t pattern,
		      uint32_t len, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_MEMFILL, cr, flags);
	d->src = pattern;
	d->dst = dst;
	d->size = len;
}

void ims_desc_compare(struct idxd_ims_desc *d, uint64_t a, uint64_t b,
		      uint32_t len, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_COMPARE, cr, flags);
	d->src = a;
	d->dst = b;
	d->size = len;
}

void ims_desc_compval(struct idxd_ims_desc *d, uint64_t src, uint64_t pattern,
		      uint32_t len, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_COMPVAL, cr, flags);
	d->src = src;
	d->dst = pattern;
	d->size = len;
}

void ims_desc_dualcast(struct idxd_ims_desc *d, uint64_t dst1, uint64_t dst2,
		       uint64_t src, uint32_t len, uint64_t cr,
		       unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_DUALCAST, cr, flags);
	d->src = src;
	d->dst = dst1;
	d->size = len;
	memcpy(d->op, &dst2, sizeof(dst2));
}

void ims_desc_crcgen(struct idxd_ims_desc *d, uint64_t src, uint32_t len,
		     uint32_t seed, uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_CRCGEN, cr, flags);
	d->src = src;
	d->size = len;
	memcpy(d->op, &seed, sizeof(seed));
}

void ims_desc_copy_crc(struct idxd_ims_desc *d, uint64_t dst, uint64_t src,
		       uint32_t len, uint32_t seed, uint64_t cr,
		       unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_COPY_CRC, cr, flags);
	d->src = src;
	d->dst = dst;
	d->size = len;
	memcpy(d->op, &seed, sizeof(seed));
}

void ims_desc_cflush(struct idxd_ims_desc *d, uint64_t dst, uint32_t len,
		     uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_CFLUSH, cr, flags);
	d->dst = dst;
	d->size = len;
}

void ims_desc_batch(struct idxd_ims_desc *d, uint64_t list, uint32_t count,
		    uint64_t cr, unsigned int flags)
{
	ims_desc(d, IDXD_IMS_OP_BATCH, cr, flags);
	d->src = list;
	d->size = count;
}

uint8_t ims_status(const struct idxd_ims_completion *c)
{
	return c->status & IDXD_IMS_ST_MASK;
}

const char *ims_status_str(uint8_t status)
{
	switch (status & IDXD_IMS_ST_MASK) {
	case IDXD_IMS_ST_NONE: return "not completed";
	case IDXD_IMS_ST_SUCCESS: return "success";
	case IDXD_IMS_ST_SUCCESS_PRED: return "success, result not as expected";
	case IDXD_IMS_ST_PAGE_FAULT: return (status & IDXD_IMS_ST_WRITE_FAULT) ?
		"fault writing memory" : "fault reading memory";
	case IDXD_IMS_ST_BATCH_FAIL: return "a descriptor in the batch failed";
	case IDXD_IMS_ST_BATCH_PAGE_FAULT: return "fault reading the batch list";
	case IDXD_IMS_ST_BAD_OPCODE: return "operation not supported";
	case IDXD_IMS_ST_INVALID_FLAGS: return "invalid flags";
	case IDXD_IMS_ST_NONZERO_RESERVED: return "a reserved field is not zero";
	case IDXD_IMS_ST_XFER_ERANGE: return "transfer size out of range";
	case IDXD_IMS_ST_DESC_CNT_ERANGE: return "batch count out of range";
	case IDXD_IMS_ST_OVERLAP_BUFFERS: return "buffers overlap";
	case IDXD_IMS_ST_DCAST_ERR: return "dualcast destinations differ in bits 11:0";
	case IDXD_IMS_ST_DESCLIST_ALIGN: return "batch list not 64-byte aligned";
	case IDXD_IMS_ST_INT_HANDLE_INVAL: return "invalid interrupt handle";
	case IDXD_IMS_ST_CRA_XLAT: return "completion record address not translatable";
	case IDXD_IMS_ST_CRA_ALIGN: return "completion record not 32-byte aligned";
	default: return "device error";
	}
}

const char *ims_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "success";
	case ENOENT: return "no such work queue (is idxd_ims loaded and the WQ enabled as user?)";
	case ENXIO: return "the work queue is disabled";
	case EAGAIN: return "the work queue is full: retry after a completion";
	case EINVAL: return "descriptor refused: privileged bit, PASID, operation-specific flags or unused fields set, an interrupt on a WQ without one, or a bad batch (count, alignment, nested batch or drain)";
	case EFAULT: return "an address lies outside this file's DMA buffers and registered memory (or is not the caller's)";
	case EOPNOTSUPP: return "this operation cannot be submitted through write()";
	case EPERM:
	case EACCES: return "permission denied";
	case ETIMEDOUT: return "no completion in time";
	case ENOTTY: return "not an idxd_ims work queue";
	case ENOMEM: return "out of memory or DMA buffer allowance";
	default: return strerror(err < 0 ? -err : err);
	}
}

/* DSA's CRC-32C: ~crc(~seed), reflected polynomial 0x82F63B78. */
uint32_t ims_crc32c(uint32_t seed, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = ~seed;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
	}
	return ~crc;
}
