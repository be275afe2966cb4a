/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * idxd-ims user/kernel ABI: hardware descriptors and completion records
 * (layout-compatible with the DSA specification and upstream
 * <linux/idxd.h>), and the ioctls of the work-queue character devices
 * /dev/dsa/wq<N>.<M>.
 *
 * poll() on a WQ file: EPOLLIN once per new software error of the device
 * (to a caller asking for EPOLLIN); EPOLLPRI after a device reset (a halt
 * recovered from, an FLR), which lost whatever the device held and may
 * have changed the WQ's int_handle, until the file asks
 * IDXD_IMS_IOC_WQ_INFO again; EPOLLERR for good once the WQ is disabled
 * or the device is dead.  While the device resets, write() says -EAGAIN.
 *
 * Versioning: every ioctl argument starts with argsz (the size the caller
 * knows) and flags.  The kernel reads and writes only min(argsz, its own
 * size); fields are only ever appended, so old binaries keep working.
 */
#ifndef _UAPI_LINUX_IDXD_IMS_H
#define _UAPI_LINUX_IDXD_IMS_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define IDXD_IMS_ABI_VERSION		1

/* Opcodes (DSA) */
enum idxd_ims_opcode {
	IDXD_IMS_OP_NOOP = 0x00,
	IDXD_IMS_OP_BATCH = 0x01,
	IDXD_IMS_OP_DRAIN = 0x02,
	IDXD_IMS_OP_MEMMOVE = 0x03,
	IDXD_IMS_OP_MEMFILL = 0x04,
	IDXD_IMS_OP_COMPARE = 0x05,
	IDXD_IMS_OP_COMPVAL = 0x06,
	IDXD_IMS_OP_CR_DELTA = 0x07,
	IDXD_IMS_OP_AP_DELTA = 0x08,
	IDXD_IMS_OP_DUALCAST = 0x09,
	IDXD_IMS_OP_CRCGEN = 0x10,
	IDXD_IMS_OP_COPY_CRC = 0x11,
	IDXD_IMS_OP_DIF_CHECK = 0x12,
	IDXD_IMS_OP_DIF_INS = 0x13,
	IDXD_IMS_OP_DIF_STRP = 0x14,
	IDXD_IMS_OP_DIF_UPDT = 0x15,
	IDXD_IMS_OP_CFLUSH = 0x20,
};

/* Descriptor flags */
#define IDXD_IMS_F_FENCE		0x0001
#define IDXD_IMS_F_BOF			0x0002
#define IDXD_IMS_F_CRAV			0x0004
#define IDXD_IMS_F_RCR			0x0008
#define IDXD_IMS_F_RCI			0x0010
#define IDXD_IMS_F_CRSTS		0x0020
#define IDXD_IMS_F_CR			0x0080
#define IDXD_IMS_F_CC			0x0100
#define IDXD_IMS_F_STORD		0x2000
#define IDXD_IMS_F_DRDBK		0x4000
#define IDXD_IMS_F_DSTS			0x8000

#define IDXD_IMS_DESC_PRIV		0x80000000u
#define IDXD_IMS_DESC_PASID_MASK	0x000fffffu

/**
 * struct idxd_ims_desc - a 64-byte DSA descriptor
 * @pasid_priv: PASID in bits 19:0, privileged in bit 31
 * @flags_opcode: flags in bits 23:0, opcode in bits 31:24
 * @completion_addr: completion record address (32-byte aligned)
 * @src: source, fill pattern, or descriptor list address
 * @dst: destination, second source, or compare pattern
 * @size: transfer size in bytes, or descriptor count for BATCH
 * @int_handle: completion interrupt handle (with IDXD_IMS_F_RCI)
 * @rsvd: reserved, zero
 * @op: operation-specific: expected result (byte 0), CRC seed (bytes 0-3),
 *      second destination for DUALCAST (bytes 0-7)
 */
struct idxd_ims_desc {
	__u32 pasid_priv;
	__u32 flags_opcode;
	__u64 completion_addr;
	__u64 src;
	__u64 dst;
	__u32 size;
	__u16 int_handle;
	__u16 rsvd;
	__u8 op[24];
};

/* Completion status codes (low 7 bits of status) */
enum idxd_ims_status {
	IDXD_IMS_ST_NONE = 0x00,
	IDXD_IMS_ST_SUCCESS = 0x01,
	IDXD_IMS_ST_SUCCESS_PRED = 0x02,
	IDXD_IMS_ST_PAGE_FAULT = 0x03,
	IDXD_IMS_ST_PAGE_FAULT_IR = 0x04,
	IDXD_IMS_ST_BATCH_FAIL = 0x05,
	IDXD_IMS_ST_BATCH_PAGE_FAULT = 0x06,
	IDXD_IMS_ST_DIF_ERR = 0x09,
	IDXD_IMS_ST_BAD_OPCODE = 0x10,
	IDXD_IMS_ST_INVALID_FLAGS = 0x11,
	IDXD_IMS_ST_NONZERO_RESERVED = 0x12,
	IDXD_IMS_ST_XFER_ERANGE = 0x13,
	IDXD_IMS_ST_DESC_CNT_ERANGE = 0x14,
	IDXD_IMS_ST_DR_ERANGE = 0x15,
	IDXD_IMS_ST_OVERLAP_BUFFERS = 0x16,
	IDXD_IMS_ST_DCAST_ERR = 0x17,
	IDXD_IMS_ST_DESCLIST_ALIGN = 0x18,
	IDXD_IMS_ST_INT_HANDLE_INVAL = 0x19,
	IDXD_IMS_ST_CRA_XLAT = 0x1a,
	IDXD_IMS_ST_CRA_ALIGN = 0x1b,
	IDXD_IMS_ST_ADDR_ALIGN = 0x1c,
	IDXD_IMS_ST_PRIV_BAD = 0x1d,
	IDXD_IMS_ST_TRANSLATION_FAIL = 0x22,
};

#define IDXD_IMS_ST_MASK		0x7f
#define IDXD_IMS_ST_WRITE_FAULT		0x80

/**
 * struct idxd_ims_completion - a 32-byte DSA completion record
 * @status: status code, bit 7 set for a fault on write
 * @result: result of COMPARE/COMPVAL (0 equal, 1 different)
 * @fault_info: fault details
 * @rsvd: reserved
 * @bytes_completed: bytes done before a fault; first difference for
 *                   COMPARE; descriptors processed for BATCH
 * @fault_addr: faulting address
 * @op: invalid flags (status 0x11) or CRC value (bytes 0-3)
 */
struct idxd_ims_completion {
	__u8 status;
	__u8 result;
	__u8 fault_info;
	__u8 rsvd;
	__u32 bytes_completed;
	__u64 fault_addr;
	__u64 op[2];
};

#define IDXD_IMS_DESC_SIZE		64
#define IDXD_IMS_COMPLETION_SIZE	32
#define IDXD_IMS_COMPLETION_ALIGN	32

/*
 * mmap offsets of /dev/dsa/wq<N>.<M>:
 *   0                       the WQ's submission portal (one page, write
 *                           only; needs CAP_SYS_RAWIO without PASID)
 *   IDXD_IMS_MMAP_BUFFER    a new DMA buffer of the mapping's length
 *                           (at most IDXD_IMS_BUFFER_MAX), owned by the
 *                           open file; IDXD_IMS_IOC_BUFFER gives its IOVA
 */
#define IDXD_IMS_MMAP_BUFFER		0x100000000ULL
#define IDXD_IMS_BUFFER_MAX		(4U << 20)

#define IDXD_IMS_IOC_MAGIC		0xd5

/* Interrupt mode of a WQ */
enum idxd_ims_irq_mode {
	IDXD_IMS_IRQ_NONE = 0,
	IDXD_IMS_IRQ_MSIX = 1,
	IDXD_IMS_IRQ_IMS = 2,
};

/**
 * struct idxd_ims_wq_info - IDXD_IMS_IOC_WQ_INFO: what the WQ is
 * @argsz: sizeof(struct idxd_ims_wq_info) as the caller knows it
 * @flags: out: IDXD_IMS_WQ_VA if descriptors name the process's own
 *	virtual addresses (the file has a PASID mirroring its memory:
 *	hugetlb mappings from the open, others once IDXD_IMS_IOC_MAP maps
 *	them)
 * @abi_version: IDXD_IMS_ABI_VERSION of the kernel
 * @dev_id: N of dsa<N>
 * @wq_id: M of wq<N>.<M>
 * @wq_size: WQ entries
 * @max_xfer: largest transfer in bytes
 * @max_batch: largest batch in descriptors
 * @dedicated: 1 for a dedicated WQ
 * @irq_mode: enum idxd_ims_irq_mode
 * @irq: Linux irq of the WQ's completion interrupt, -1 if none
 * @ims_slot: IMS slot, -1 if not IMS
 * @int_handle: the handle the kernel puts in RCI descriptors
 * @pasid_enabled: 1 if descriptors use the caller's address space
 * @irq_count: completion interrupts the WQ has taken since enabled
 */
#define IDXD_IMS_WQ_VA			0x1U

struct idxd_ims_wq_info {
	__u32 argsz;
	__u32 flags;
	__u32 abi_version;
	__u32 dev_id;
	__u32 wq_id;
	__u32 wq_size;
	__u32 max_xfer;
	__u32 max_batch;
	__u32 dedicated;
	__u32 irq_mode;
	__s32 irq;
	__s32 ims_slot;
	__u32 int_handle;
	__u32 pasid_enabled;
	__u64 irq_count;
};

/**
 * struct idxd_ims_buffer - IDXD_IMS_IOC_BUFFER: device address of a buffer
 * @argsz: sizeof(struct idxd_ims_buffer) as the caller knows it
 * @flags: zero
 * @uaddr: in: an address inside an IDXD_IMS_MMAP_BUFFER mapping
 * @iova: out: the device (DMA) address of @uaddr
 * @len: out: bytes from @uaddr to the end of that buffer
 */
struct idxd_ims_buffer {
	__u32 argsz;
	__u32 flags;
	__u64 uaddr;
	__u64 iova;
	__u64 len;
};

/**
 * struct idxd_ims_map - IDXD_IMS_IOC_MAP / _UNMAP: let the device at the
 *	caller's own memory
 * @argsz: sizeof(struct idxd_ims_map)
 * @flags: zero
 * @addr: start of the range in the caller's address space
 * @len: bytes
 * @iova: out (MAP): the device address of @addr, for descriptors
 *
 * MAP pins the pages of [addr, addr + len) (whole pages): writable where
 * the caller can write, else read-only for the device too.
 * - In virtual-address mode (IDXD_IMS_WQ_VA) they are mapped on the
 *   file's PASID at their own addresses (@iova = @addr); a range the
 *   caller unmaps or changes (munmap, mprotect, ...) is dropped by itself.
 * - Otherwise they are mapped for the device's DMA in one device range
 *   (@iova), which write() then accepts in descriptors; the pages stay
 *   pinned until UNMAP or close whatever the caller does meanwhile, and
 *   a range that would be several device ranges is refused (EINVAL:
 *   register less at a time, e.g. a hugepage).
 * Errors: EFAULT (not mapped by the caller), ENOMEM (incl. RLIMIT_MEMLOCK
 * without CAP_IPC_LOCK), EINVAL.  UNMAP drops every registration that
 * meets [addr, addr + len), whole, once the WQ has finished with it.
 */
struct idxd_ims_map {
	__u32 argsz;
	__u32 flags;
	__u64 addr;
	__u64 len;
	__u64 iova;
};

/**
 * struct idxd_ims_eventfd - IDXD_IMS_IOC_SET_EVENTFD: wake on completions
 * @argsz: sizeof(struct idxd_ims_eventfd) as the caller knows it
 * @flags: zero
 * @fd: an eventfd the WQ's completion interrupt signals, or -1 to stop
 * @rsvd: zero
 *
 * One eventfd per open file; a new one replaces the old.  Every
 * completion interrupt of the WQ signals it (a count above 1 on read()
 * means several interrupts).  Descriptors submitted through write() with
 * IDXD_IMS_F_RCI get the WQ's own handle, whatever they carried.
 */
struct idxd_ims_eventfd {
	__u32 argsz;
	__u32 flags;
	__s32 fd;
	__u32 rsvd;
};

#define IDXD_IMS_IOC_WQ_INFO	_IOWR(IDXD_IMS_IOC_MAGIC, 0x00, struct idxd_ims_wq_info)
#define IDXD_IMS_IOC_BUFFER	_IOWR(IDXD_IMS_IOC_MAGIC, 0x01, struct idxd_ims_buffer)
#define IDXD_IMS_IOC_SET_EVENTFD _IOW(IDXD_IMS_IOC_MAGIC, 0x02, struct idxd_ims_eventfd)
#define IDXD_IMS_IOC_MAP	_IOWR(IDXD_IMS_IOC_MAGIC, 0x03, struct idxd_ims_map)
#define IDXD_IMS_IOC_UNMAP	_IOW(IDXD_IMS_IOC_MAGIC, 0x04, struct idxd_ims_map)

/*
 * The hardware structures' layout is the device's, not the compiler's:
 * pin it.  (Outside the kernel's own build; C11 or C++11.)
 */
#ifndef __KERNEL__
#ifdef __cplusplus
#define IDXD_IMS_ASSERT(c, m) static_assert(c, m)
#else
#define IDXD_IMS_ASSERT(c, m) _Static_assert(c, m)
#endif
#define IDXD_IMS_OFF(t, f) __builtin_offsetof(struct t, f)
IDXD_IMS_ASSERT(sizeof(struct idxd_ims_desc) == 64, "descriptor is 64 bytes");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, flags_opcode) == 4, "flags at 4");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, completion_addr) == 8, "completion at 8");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, src) == 16, "source at 16");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, dst) == 24, "destination at 24");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, size) == 32, "size at 32");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, int_handle) == 36, "handle at 36");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_desc, op) == 40, "operation area at 40");
IDXD_IMS_ASSERT(sizeof(struct idxd_ims_completion) == 32, "record is 32 bytes");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_completion, bytes_completed) == 4,
		"bytes completed at 4");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_completion, fault_addr) == 8, "fault at 8");
IDXD_IMS_ASSERT(IDXD_IMS_OFF(idxd_ims_completion, op) == 16, "result area at 16");
IDXD_IMS_ASSERT(sizeof(struct idxd_ims_wq_info) == 64, "wq_info is 64 bytes");
IDXD_IMS_ASSERT(sizeof(struct idxd_ims_buffer) == 32, "buffer is 32 bytes");
IDXD_IMS_ASSERT(sizeof(struct idxd_ims_eventfd) == 16, "eventfd is 16 bytes");
#undef IDXD_IMS_OFF
#undef IDXD_IMS_ASSERT
#endif /* !__KERNEL__ */

#endif /* _UAPI_LINUX_IDXD_IMS_H */
