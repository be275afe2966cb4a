/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mdev: a virtual DSA per guest, backed by host WQs bound to the "mdev"
 * WQ driver; each guest MSI-X vector is backed by one host IMS slot.
 */
#ifndef _IDXD_IMS_MDEV_H_
#define _IDXD_IMS_MDEV_H_

#include <linux/mdev.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include "../uapi/linux/idxd_ims.h"
#include "idxd_ims.h"

#define VDSA_MAX_WQS		2
#define VDSA_MAX_VECS		(1 + VDSA_MAX_WQS)	/* 0: misc; 1..: WQs */
#define VDSA_CFG_SIZE		256
#define VDSA_BAR0_SIZE		SZ_64K
#define VDSA_MSIX_TABLE		0x2000
#define VDSA_MSIX_PBA		0x3000
#define VDSA_WQCFG		0x600
#define VDSA_GRPCFG		0x400
#define VDSA_MSIX_CAP		0x40
#define VDSA_MAX_XFER_SHIFT	16	/* 64 KiB: bounce buffers per entry */
#define VDSA_MAX_BATCH_SHIFT	5
#define VDSA_WQ_SIZE_MAX	32

/* vfio region indexes are the PCI BAR numbers, plus config space */
#define VDSA_REGION_SHIFT	40
#define VDSA_OFF_INDEX(off)	((off) >> VDSA_REGION_SHIFT)
#define VDSA_OFF_MASK		((1ULL << VDSA_REGION_SHIFT) - 1)
#define VDSA_INDEX_OFF(i)	((u64)(i) << VDSA_REGION_SHIFT)

struct vdsa;
struct vdsa_pasid;

/* A run of guest pages a descriptor in flight has pinned (PASID path). */
struct vdsa_span {
	unsigned long gfn;
	unsigned int n;
};

/* Runs per slot: 3 buffers and a record, for a batch's every member too */
#define VDSA_SPANS		(4 + 4 * (1 << VDSA_MAX_BATCH_SHIFT))

/**
 * struct vdsa_slot - one descriptor in flight on a backing WQ
 * @busy: on the device
 * @gdesc: the descriptor as the guest wrote it (its record goes back there)
 * @buf: bounce path: source(s) and destination buffers; NULL on a PASID
 * @iova: their device addresses
 * @cr: the host's completion record (in the host window on a PASID)
 * @cr_iova: its device address
 * @list: PASID path: the checked copy of a guest BATCH list the device
 *	reads (read-only to the device)
 * @list_iova: its device address
 * @spans: PASID path: the guest pages the descriptor pinned ...
 * @nspans: ... in this many runs
 * @vec: guest vector to signal, -1: none
 */
struct vdsa_slot {
	bool busy;
	struct idxd_ims_desc gdesc;
	void *buf[2];
	dma_addr_t iova[2];
	struct idxd_ims_completion *cr;
	dma_addr_t cr_iova;
	struct idxd_ims_desc *list;
	dma_addr_t list_iova;
	struct vdsa_span *spans;
	unsigned int nspans;
	int vec;
};

/* A guest WQ and its backing host WQ. */
struct vdsa_wq {
	struct idxd_wq *hwq;
	bool enabled;			/* guest view */
	bool dead;			/* the host took its WQ back */
	u64 portal[8];			/* 8-byte stores of a descriptor */
	u8 portal_have;			/* bitmap of those stored */
	u8 portal_slot;			/* the 64-byte slot they went to */
	struct vdsa_slot slots[VDSA_WQ_SIZE_MAX];
	unsigned int size;
};

/* A guest MSI-X vector and the host IMS slot behind it. */
struct vdsa_vec {
	struct vdsa *vd;
	int index;			/* -1: the internal one */
	char name[48];			/* its host irq's name */
	struct eventfd_ctx *trigger;
	struct idxd_irq_entry *hw;	/* host IMS vector, NULL if none */
	bool masked;			/* guest's vector control */
	bool pending;			/* fired while masked */
};

struct vdsa_type {
	struct mdev_type type;
	unsigned int nr_wqs;
};

/* Per host device: the mdev parent and its types. */
struct vdsa_parent {
	struct mdev_parent parent;
	struct idxd_dev *idev;
	struct vdsa_type vtypes[2];
	struct mdev_type *types[2];
};

struct vdsa {
	struct vfio_device vdev;
	struct idxd_dev *idev;
	const struct vdsa_type *vtype;
	struct mutex lock;		/* registers, WQs, vectors */
	struct mutex slot_lock;		/* slots: submit vs copy-back */
	spinlock_t vec_lock;		/* vectors' triggers vs signals */
	spinlock_t reg_lock;		/* INTCAUSE, SWERR: guest vs irq threads */
	u8 cfg[VDSA_CFG_SIZE];
	u32 bar_mask[4];		/* BAR0 lo/hi, BAR2 lo/hi: sizing */
	u8 *bar0;			/* the guest's register file */
	unsigned int nr_wqs;
	struct vdsa_wq wqs[VDSA_MAX_WQS];
	unsigned int nr_vecs;
	struct vdsa_vec vecs[VDSA_MAX_VECS];
	struct vdsa_vec internal;	/* completions no guest vector asked for */
	struct eventfd_ctx *req_trigger;	/* VFIO request: please close */
	bool dev_enabled;
	struct idxd_user user;		/* host resets, while open */
	bool host_stopped;		/* the host device is resetting */
	bool halted;			/* the guest's device is halted ... */
	u8 halt_reset;			/* ... and needs this reset type */
	struct vdsa_pasid *pa;		/* guest DMA on a PASID; NULL: bounce */
	struct xarray pinned;		/* PASID: guest pages pinned (slot_lock) */
	atomic_long_t npinned;		/* ... how many now */
	atomic_long_t pins;		/* ... pinned since open */
	wait_queue_head_t pin_wq;	/* ... a descriptor's pages unpinned */
	const char *why_bounce;		/* why not, while open without @pa */
	u64 max_xfer;			/* what the guest may move at once */
	unsigned int max_batch_shift;	/* 0: no BATCH */
};

/* mdev.c */
int idxd_mdev_init(void);
void idxd_mdev_exit(void);
int idxd_mdev_parent_add(struct idxd_dev *idev);
void idxd_mdev_parent_del(struct idxd_dev *idev);
unsigned int idxd_mdev_free_wqs(struct idxd_dev *idev);
void idxd_mdev_wq_lost(struct idxd_wq *wq);

/* mdev_regs.c */
void vdsa_regs_init(struct vdsa *vd);
ssize_t vdsa_cfg_rw(struct vdsa *vd, char *buf, size_t count, loff_t off,
		    bool write);
ssize_t vdsa_bar0_rw(struct vdsa *vd, char *buf, size_t count, loff_t off,
		     bool write);
ssize_t vdsa_portal_write(struct vdsa *vd, const char *buf, size_t count,
			  loff_t off);
void vdsa_reset(struct vdsa *vd);
void vdsa_halt(struct vdsa *vd, u8 reset_type);
void vdsa_swerr(struct vdsa *vd, unsigned int wq, u8 err, const struct idxd_ims_desc *d);

/* mdev_desc.c */
int vdsa_slots_alloc(struct vdsa *vd, struct vdsa_wq *w);
void vdsa_slots_free(struct vdsa *vd, struct vdsa_wq *w);
void vdsa_submit(struct vdsa *vd, unsigned int wq, const struct idxd_ims_desc *d);
void vdsa_reap(struct vdsa *vd);
int vdsa_wq_quiesce(struct vdsa *vd, struct vdsa_wq *w);
void vdsa_slots_lost(struct vdsa *vd);
void vdsa_signal(struct vdsa_vec *v);
bool vdsa_op_supported(struct vdsa *vd, u8 op);
bool vdsa_vec_handle(struct vdsa *vd, u16 guest, u16 *host);

/* mdev_pasid.c */
int vdsa_pasid_open(struct vdsa *vd);
void vdsa_pasid_close(struct vdsa *vd);
void vdsa_pasid_slots(struct vdsa *vd, unsigned int wq);
bool vdsa_pasid_window(struct vdsa *vd, u64 addr, u64 len);
u8 vdsa_pasid_stage(struct vdsa *vd, struct vdsa_slot *s,
		    const struct idxd_ims_desc *g, struct idxd_ims_desc *h,
		    u64 *fault);
void vdsa_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length);
void vdsa_pasid_slot_done(struct vdsa *vd, struct vdsa_slot *s);
u32 vdsa_pasid_id(struct vdsa *vd);

#endif /* _IDXD_IMS_MDEV_H_ */
