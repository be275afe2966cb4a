/* SPDX-License-Identifier: MIT */
/*
 * libidxdims: use an idxd_ims user work queue from C.
 *
 *   struct ims_wq *wq;
 *   ims_wq_open("/dev/dsa/wq0.0", &wq);
 *   void *buf = ims_buf_alloc(wq, 1 << 20, &iova);
 *   ims_desc_memmove(&d, dst_iova, src_iova, len, cr_iova, IMS_INTERRUPT);
 *   ims_submit(wq, &d);
 *   ims_wait(wq, cr, 1000);
 *
 * Functions return 0 or a negative errno; ims_strerror() explains it in
 * the terms of this driver.  Descriptors carry device (IOVA) addresses of
 * buffers from ims_buf_alloc() (in virtual-address mode, ims_wq_va(),
 * those are the buffers' own addresses, and any memory ims_map() maps
 * works too).
 */
#ifndef IDXD_IMS_LIB_H
#define IDXD_IMS_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/idxd_ims.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ims_wq;

/* Builder flags: a completion record is always requested. */
#define IMS_INTERRUPT	0x1u	/* completion interrupt (wakes ims_wait) */
#define IMS_FENCE	0x2u	/* wait for earlier descriptors (in batches) */

int ims_wq_open(const char *path, struct ims_wq **out);
void ims_wq_close(struct ims_wq *wq);
const struct idxd_ims_wq_info *ims_wq_info(const struct ims_wq *wq);
bool ims_wq_uses_movdir64b(const struct ims_wq *wq);
/* The eventfd the WQ's completion interrupt signals (for an event loop's
 * own epoll), or -1 without one.  Owned by the library. */
int ims_wq_eventfd(const struct ims_wq *wq);
/*
 * Has the WQ stopped for good what was submitted to it?  True once the
 * WQ was disabled (after its drain: what had not completed by then never
 * will), and once the device is dead (a reset it could not recover from).
 * A reset it recovers from (a halt, an FLR) is not "broken": ims_wait()
 * reports the work it lost as -EIO.  One poll(2): for an occasional
 * check, not per completion.
 */
bool ims_wq_broken(const struct ims_wq *wq);

void *ims_buf_alloc(struct ims_wq *wq, size_t len, uint64_t *iova);
int ims_buf_iova(struct ims_wq *wq, const void *p, uint64_t *iova);

/*
 * Submit one descriptor.  Through write() the kernel checks it and says
 * -EAGAIN when the WQ is full, -ENXIO when it is gone.  Through the
 * portal (ims_wq_uses_movdir64b()) nothing is checked and a full or
 * disabled WQ drops it silently, as the hardware does: keep at most
 * ims_wq_info()->size descriptors in flight.
 */
int ims_submit(struct ims_wq *wq, const struct idxd_ims_desc *d);
/*
 * Wait for the record: 0, -ETIMEDOUT, -ENXIO when ims_wq_broken(), or
 * -EIO when a device reset (halt recovery, FLR) lost it.  Learning of
 * the reset, the library takes the WQ's interrupt handle again (a reset
 * may change it; portal submissions carry it) and lets a DRAIN pass, so
 * that what has no record then never will get one; from then on every
 * record not yet written gives -EIO at once, until the next ims_submit()
 * (so wait for all of them before submitting again: a lost record waited
 * for after that only times out).
 */
int ims_wait(struct ims_wq *wq, const struct idxd_ims_completion *c,
	     int timeout_ms);
int ims_poll(const struct idxd_ims_completion *c, int timeout_ms);
/*
 * Sleep until the WQ's completion interrupt has fired since the last
 * call: the number of interrupts (> 0), -ETIMEDOUT, or -ENODEV when the
 * WQ has none.  ims_wait() may return on the record alone; this waits
 * for the interrupt itself.
 */
int ims_wait_irq(struct ims_wq *wq, int timeout_ms);

void ims_desc_noop(struct idxd_ims_desc *d, uint64_t cr, unsigned int flags);
void ims_desc_drain(struct idxd_ims_desc *d, uint64_t cr, unsigned int flags);
void ims_desc_memmove(struct idxd_ims_desc *d, uint64_t dst, uint64_t src,
		      uint32_t len, uint64_t cr, unsigned int flags);
void ims_desc_memfill(struct idxd_ims_desc *d, uint64_t dst, uint64_t pattern,
		      uint32_t len, uint64_t cr, unsigned int flags);
void ims_desc_compare(struct idxd_ims_desc *d, uint64_t a, uint64_t b,
		      uint32_t len, uint64_t cr, unsigned int flags);
void ims_desc_compval(struct idxd_ims_desc *d, uint64_t src, uint64_t pattern,
		      uint32_t len, uint64_t cr, unsigned int flags);
void ims_desc_dualcast(struct idxd_ims_desc *d, uint64_t dst1, uint64_t dst2,
		       uint64_t src, uint32_t len, uint64_t cr,
		       unsigned int flags);
void ims_desc_crcgen(struct idxd_ims_desc *d, uint64_t src, uint32_t len,
		     uint32_t seed, uint64_t cr, unsigned int flags);
void ims_desc_copy_crc(struct idxd_ims_desc *d, uint64_t dst, uint64_t src,
		       uint32_t len, uint32_t seed, uint64_t cr,
		       unsigned int flags);
void ims_desc_cflush(struct idxd_ims_desc *d, uint64_t dst, uint32_t len,
		     uint64_t cr, unsigned int flags);
void ims_desc_batch(struct idxd_ims_desc *d, uint64_t list, uint32_t count,
		    uint64_t cr, unsigned int flags);

/*
 * Virtual-address mode (the kernel put the file on a PASID of its own:
 * ims_wq_va()): descriptors name the process's own addresses.  The
 * device sees hugetlb memory mapped before ims_wq_open() and what
 * ims_map() adds (pinned until ims_unmap(), ims_wq_close(), or until the
 * process unmaps or changes it).  Completion records must be mapped
 * before use: a record the device cannot write is a software error of
 * the device's, not a fault here.
 *
 * Without the mode ims_map() registers memory for the device's DMA:
 * *iova (if not NULL) is the device address of @p, contiguous for @len
 * bytes (-EINVAL when the range would not be one device range: register
 * a hugepage at a time), which write() accepts until ims_unmap() (after
 * the WQ drained) or ims_wq_close().
 */
bool ims_wq_va(const struct ims_wq *wq);
/* The WQ's file, for the caller's own poll(2) or ioctl(2); owned by the library. */
int ims_wq_fd(const struct ims_wq *wq);
int ims_map(struct ims_wq *wq, const void *p, size_t len, uint64_t *iova);
int ims_unmap(struct ims_wq *wq, const void *p, size_t len);
/* After a page-fault record for @d: map the rest of the operand that faulted. */
int ims_fault_fix(struct ims_wq *wq, const struct idxd_ims_desc *d,
		  const struct idxd_ims_completion *c);
/*
 * Submit @d and wait for @c, handling page faults: map what faulted and
 * resubmit the rest (MEMMOVE and MEMFILL go on where the device stopped,
 * so @d is advanced; others run again whole).  0 with @c's final status,
 * -EFAULT when a mapped page still faults or memory is not the
 * process's, or an error of ims_submit()/ims_wait()/ims_map().  @faults,
 * if not NULL, gets the number of faults handled.
 */
int ims_run(struct ims_wq *wq, struct idxd_ims_desc *d,
	    struct idxd_ims_completion *c, int timeout_ms, unsigned int *faults);

uint8_t ims_status(const struct idxd_ims_completion *c);
const char *ims_status_str(uint8_t status);
const char *ims_strerror(int err);
uint32_t ims_crc32c(uint32_t seed, const void *buf, size_t len);
bool ims_cpu_has_movdir64b(void);

#ifdef __cplusplus
}
#endif

#endif /* IDXD_IMS_LIB_H */
