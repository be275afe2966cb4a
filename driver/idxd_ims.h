/* SPDX-License-Identifier: GPL-2.0 */
/*
 * idxd-ims software objects: the device (dsa<N>), its groups, engines and
 * work queues as devices on the "dsa" bus, and what the files of the
 * driver share.
 */
#ifndef _IDXD_IMS_H_
#define _IDXD_IMS_H_

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "regs.h"

/**
 * DOC: Locking
 *
 * Sleeping locks, outermost first; a path may skip levels but never
 * takes one above a lock it holds:
 *
 * 1. ``idxd_load_lock``, ``idxd_fill_lock`` (debugfs test hooks).
 * 2. ``idev->lock``: the device's configuration and state, its WQs,
 *    groups and engines; WQ enable and disable; reset and halt recovery
 *    (which drops it around a function-level reset).
 * 3. ``vd->lock``: a virtual DSA's registers, WQs and vectors; taken
 *    under ``idev->lock`` when the host takes a WQ back and by the
 *    device-health callbacks (health.c), which all run under
 *    ``idev->lock``: so do a dmaengine client's callbacks for work a
 *    reset lost, and they must not take it.
 * 4. ``ctx->submit_lock``: one open WQ file's submissions, its batch-list
 *    ring and eventfd.  Held while a batch drain is awaited, never across
 *    a user access.
 * 5. ``vd->slot_lock``: a virtual DSA's bounce slots, submission against
 *    copy-back (the vector threads take it alone).
 * 6. ``ctx->bufs_lock``: one file's DMA buffers.  ``->mmap`` takes it
 *    under ``mmap_lock``, so whoever holds it must not fault.
 * 7. ``idev->vec_lock``: every vector (&struct idxd_irq_entry), its
 *    handle, and the DMA memory kept for a device that may still write.
 * 8. ``idev->cmd_lock``: one device command at a time.
 *
 * Spinlocks, innermost and never held across anything that sleeps:
 * ``wq->submit_lock`` (a portal page), ``wq->efd_lock``, ``idc->lock``
 * (a dmaengine channel's lists), ``vd->vec_lock``, ``vd->reg_lock``,
 * ``idev->err_lock``.
 *
 * Functions documented as "caller holds" a lock assert it with
 * lockdep_assert_held(); the debug-kernel test lane runs under lockdep.
 */

struct ims_domain;
struct eventfd_ctx;
struct idxd_dma_chan;
struct idxd_fill;
struct idxd_irq_load;
struct idxd_alloc_bench;
struct idxd_irq_entry;
struct vdsa;
struct vdsa_parent;

#define IDXD_WQ_NAME_SIZE	1024
#define IDXD_MAX_WQS		256
#define IDXD_DRV_NAME_SIZE	128

enum idxd_type {
	IDXD_TYPE_DSA,
	IDXD_TYPE_IAX,
};

enum idxd_dev_state {
	IDXD_DEV_DISABLED,
	IDXD_DEV_ENABLED,
	IDXD_DEV_HALTED,
};

/**
 * enum idxd_health - can the device run work?  Every path asks this one
 * state (idev->health, changed only by idxd_set_health()).
 * @IDXD_LIVE: it runs what it is given (idev->state says what is
 *	configured and enabled)
 * @IDXD_RESETTING: a halt recovery or a function-level reset is under
 *	way: nothing is submitted, and what the device held is lost
 * @IDXD_DEAD: recovery failed; the device stays halted until a later
 *	reset (sysfs "reset") brings it back or the driver is unbound
 */
enum idxd_health {
	IDXD_LIVE,
	IDXD_RESETTING,
	IDXD_DEAD,
};

struct idxd_user;

/**
 * struct idxd_user_ops - what a user of the device hears of its health
 * @quiesce: the device is about to be reset (LIVE or DEAD -> RESETTING):
 *	stop submitting; work already on the device will not complete.
 *	Must not wait for the device.
 * @resume: the reset is over (RESETTING -> @now).  With IDXD_LIVE the
 *	device has been reset and its configuration, WQs and interrupts
 *	restored: nothing submitted before the reset can be written any
 *	more, so its memory is the user's again, and the work is lost.
 *	With IDXD_DEAD recovery failed: the device may not be quiet, so
 *	what it held must stay with it (orphaned) until removal.
 *
 * Both run with idev->lock held, in the order the users registered.
 */
struct idxd_user_ops {
	void (*quiesce)(struct idxd_user *u);
	void (*resume)(struct idxd_user *u, enum idxd_health now);
};

/**
 * struct idxd_user - something that has work on the device: an open WQ
 *	file, a dmaengine channel, an open virtual DSA
 * @node: on idev->users (idev->lock)
 * @ops: its callbacks
 */
struct idxd_user {
	struct list_head node;
	const struct idxd_user_ops *ops;
};

enum idxd_wq_state {
	IDXD_WQ_DISABLED,
	IDXD_WQ_ENABLED,
};

enum idxd_wq_type {
	IDXD_WQT_NONE,
	IDXD_WQT_KERNEL,
	IDXD_WQT_USER,
	IDXD_WQT_MDEV,
};

/* Driver-side status codes shown in cmd_status (bit 31 set, like upstream). */
#define IDXD_SCMD_SOFT_ERR	BIT(31)

/* Hardware capabilities, read once at probe. */
struct idxd_caps {
	u32 version;
	u64 gencap;
	u64 wqcap;
	u64 grpcap;
	u64 engcap;
	u64 opcap[IDXD_OPCAP_WORDS];
	u32 cmdcap;
	u32 max_wqs;
	u32 max_groups;
	u32 max_engines;
	u32 total_wq_size;
	u32 max_xfer_shift;
	u32 max_batch_shift;
	u32 ims_size;
	u32 max_rdbufs;
	u32 grpcfg_offset;
	u32 wqcfg_offset;
	u32 wqcfg_size;
	u32 msix_perm_offset;
	u32 ims_offset;
};

struct idxd_dev;

struct idxd_group {
	struct device conf_dev;
	struct idxd_dev *idev;
	int id;
	int rdbufs_allowed;
	int rdbufs_reserved;
	int use_rdbuf_limit;
	int tc_a;
	int tc_b;
	int desc_progress_limit;
	int batch_progress_limit;
};

struct idxd_engine {
	struct device conf_dev;
	struct idxd_dev *idev;
	int id;
	struct idxd_group *group;
};

struct idxd_wq {
	struct device conf_dev;
	struct idxd_dev *idev;
	int id;
	struct idxd_group *group;

	/* configuration, guarded by idev->lock */
	enum idxd_wq_type type;
	bool dedicated;
	bool bof;
	bool ats_disable;
	bool prs_disable;
	u32 size;
	u32 threshold;
	u32 priority;
	u64 max_xfer_bytes;
	u32 max_batch_size;
	char name[IDXD_WQ_NAME_SIZE + 1];
	char driver_name[IDXD_DRV_NAME_SIZE + 1];
	bool msix_only;			/* completion_irq "msix": no IMS */
	u32 pasid;			/* WQCFG PASID, IOMMU_PASID_INVALID: none */
	u32 enqcmds_retries;		/* shared WQs: ENQCMDS tries per descriptor */

	/* while enabled */
	enum idxd_wq_state state;
	void __iomem *portal;		/* the page kernel submissions use */
	enum idxd_portal portal_kind;
	spinlock_t submit_lock;		/* one submitter per portal page */
	int clients;			/* open char-device files */

	/* completion interrupt, set up while enabled: vec and its copies */
	struct idxd_irq_entry *vec;	/* NULL if none */
	int irq;			/* vec's Linux irq, -1 if none */
	int ims_slot;			/* -1 unless IMS */
	int msix_vec;			/* -1 unless MSI-X */
	bool irq_ctl_off;		/* debugfs irq_ctl disabled the irq */
	atomic64_t irq_count;
	spinlock_t efd_lock;		/* efds */
	struct list_head efds;		/* eventfds of open files */

	/* kernel WQs: the dmaengine channel while bound to "dmaengine" */
	struct idxd_dma_chan *dma;

	/* user WQs: the char device of the current enable, if any */
	struct idxd_ucdev *ucdev;

	/* mdev WQs: the virtual DSA it backs, if taken (idev->lock) */
	struct vdsa *vdsa;
};

/* /dev/dsa/wq<N>.<M>: lives as long as open files need it. */
struct idxd_ucdev {
	struct device dev;
	struct cdev cdev;
	struct idxd_wq *wq;
	int minor;
	bool dead;			/* WQ disabled: files get -ENXIO */
};

struct idxd_dev {
	struct device conf_dev;		/* dsa<N> / iax<N> on the dsa bus */
	struct pci_dev *pdev;
	enum idxd_type type;
	int id;
	void __iomem *regs;
	void __iomem *portals;
	resource_size_t portals_phys;
	bool emulated;			/* the emulated DSA: 8-byte stores */
	bool movdir64b;			/* CPU can submit atomically */
	bool request_int_handles;
	bool configurable;
	bool va_mode;			/* user WQs in virtual addresses (sva.c) */
	const char *va_why;		/* "on", or why not (dmesg) */
	bool registering;		/* no auto-probe while adding devices */
	struct idxd_caps caps;

	struct mutex lock;		/* configuration and state */
	enum idxd_dev_state state;
	u32 rdbuf_limit;
	u32 cmd_status;			/* last failed command, for sysfs */

	struct mutex cmd_lock;		/* one command at a time */
	struct completion cmd_done;

	spinlock_t err_lock;		/* sw_err, err_count */
	u64 sw_err[4];
	u64 err_count;
	wait_queue_head_t err_wait;

	enum idxd_health health;	/* idxd_set_health(); under lock */
	struct list_head users;		/* struct idxd_user (lock) */
	struct work_struct halt_work;
	struct work_struct revoke_work;	/* INTCAUSE: handles revoked */
	struct task_struct *resetter;	/* halt work doing its own FLR */
	bool ready;			/* objects registered: recovery allowed */
	bool dev_was_on;		/* across a reset: device enabled */
	DECLARE_BITMAP(was_on, IDXD_MAX_WQS);	/* ... and these WQs */
	struct dentry *dbg;
	struct idxd_fill *fill;		/* debugfs ims_fill */
	struct idxd_irq_load *irq_load;	/* debugfs irq_load */
	struct idxd_alloc_bench *alloc_bench;	/* debugfs alloc_bench */
	int misc_irq;
	int nr_vectors;			/* MSI-X vectors allocated */

	/* per-WQ interrupts: IMS through remapping, else MSI-X */
	struct ims_domain *ims;		/* NULL in MSI-X mode */
	const char *irq_why;		/* why this mode */

	struct vdsa_parent *mdev;	/* virtual DSAs offered, if any */

	struct mutex vec_lock;		/* vectors, orphans, every vector's handle */
	struct list_head vectors;	/* struct idxd_irq_entry, all of them */
	struct list_head orphans;	/* struct idxd_orphan: DMA memory kept */

	struct idxd_wq **wqs;
	struct idxd_group **groups;
	struct idxd_engine **engines;
};

/**
 * struct idxd_irq_entry - one interrupt vector of the device
 * @node: on idev->vectors (idev->vec_lock)
 * @idev: the device
 * @slot: the IMS slot, or -1 for an MSI-X vector
 * @msix: the MSI-X table index, or -1 for an IMS slot
 * @irq: the Linux irq, requested for the entry's whole life
 * @handle: what descriptors naming this vector carry.  A reset or a
 *	revocation makes the device grant a new one (idev->vec_lock), so
 *	submitters read it (READ_ONCE) for each descriptor, never keep it.
 * @granted: REQUEST_INT_HANDLE gave @handle: release it when freed
 * @hard: the owner's hard handler, or NULL for a threaded one only
 * @thread: the owner's threaded handler, or NULL
 * @owner: the handlers' argument; NULL once orphaned
 * @name: the irq's name (/proc/interrupts), owned here so that it lives
 *	exactly as long as the irq
 *
 * Every completion interrupt is one of these: a WQ's own, a virtual DSA's
 * guest vector, a test hook's.  All are on one list, so a reset or a
 * handle revocation reaches every handle, and a vector whose owner goes
 * away while descriptors may still name it is orphaned (its handlers no
 * longer run; the owner's memory can go) and freed once the device has
 * been reset or removed, when nothing can name it any more.
 */
struct idxd_irq_entry {
	struct list_head node;
	struct idxd_dev *idev;
	int slot;
	int msix;
	int irq;
	u16 handle;
	bool granted;
	irq_handler_t hard;
	irq_handler_t thread;
	void *owner;
	char name[48];
};

/* DMA memory the device may still write: freed once it cannot. */
struct idxd_orphan {
	struct list_head node;
	size_t size;
	void *cpu;
	dma_addr_t iova;
};

/* An eventfd an open WQ file registered for completion interrupts. */
struct idxd_efd {
	struct list_head node;
	struct eventfd_ctx *ctx;
};

extern const struct bus_type idxd_bus;
extern const struct device_type idxd_dsa_type;
extern const struct device_type idxd_iax_type;
extern const struct device_type idxd_wq_type;
extern const struct device_type idxd_group_type;
extern const struct device_type idxd_engine_type;
extern const struct device_type idxd_cdev_type;

static inline struct idxd_dev *confdev_to_idev(struct device *dev)
{
	return container_of(dev, struct idxd_dev, conf_dev);
}

static inline struct idxd_wq *confdev_to_wq(struct device *dev)
{
	return container_of(dev, struct idxd_wq, conf_dev);
}

static inline struct idxd_group *confdev_to_group(struct device *dev)
{
	return container_of(dev, struct idxd_group, conf_dev);
}

static inline struct idxd_engine *confdev_to_engine(struct device *dev)
{
	return container_of(dev, struct idxd_engine, conf_dev);
}

static inline bool is_idxd_dev(struct device *dev)
{
	return dev->type == &idxd_dsa_type || dev->type == &idxd_iax_type;
}

static inline bool is_idxd_wq(struct device *dev)
{
	return dev->type == &idxd_wq_type;
}

static inline struct device *idev_dev(struct idxd_dev *idev)
{
	return &idev->pdev->dev;
}

static inline const char *idxd_type_name(struct idxd_dev *idev)
{
	return idev->type == IDXD_TYPE_DSA ? "dsa" : "iax";
}

static inline void __iomem *idxd_wqcfg(struct idxd_dev *idev, int wq)
{
	return idev->regs + idev->caps.wqcfg_offset + wq * idev->caps.wqcfg_size;
}

static inline void __iomem *idxd_grpcfg(struct idxd_dev *idev, int g)
{
	return idev->regs + idev->caps.grpcfg_offset + g * IDXD_GRPCFG_SIZE;
}

static inline bool idxd_wq_enabled(struct idxd_wq *wq)
{
	return wq->state == IDXD_WQ_ENABLED;
}

/* bus.c */
int idxd_bus_init(void);
void idxd_bus_exit(void);

/* device.c */
int idxd_cmd(struct idxd_dev *idev, enum idxd_cmd cmd, u32 operand, u32 *result);
const char *idxd_cmd_err_str(u32 err);
int idxd_device_reset(struct idxd_dev *idev);
int idxd_device_enable(struct idxd_dev *idev);
void idxd_device_disable(struct idxd_dev *idev);
int idxd_read_caps(struct idxd_dev *idev);
void idxd_wq_write_config(struct idxd_wq *wq);
bool idxd_hw_enabled(struct idxd_dev *idev);
void idxd_halt_work(struct work_struct *work);
void idxd_revoke_work(struct work_struct *work);
void idxd_reset_prepare(struct pci_dev *pdev);
void idxd_reset_done(struct pci_dev *pdev);

/* health.c */
void idxd_set_health(struct idxd_dev *idev, enum idxd_health to);
const char *idxd_health_name(enum idxd_health h);
void idxd_user_add(struct idxd_dev *idev, struct idxd_user *u,
		   const struct idxd_user_ops *ops);
void idxd_user_del(struct idxd_dev *idev, struct idxd_user *u);

/* Can work be submitted now?  (Lockless: a hint; submission re-checks.) */
static inline bool idxd_live(struct idxd_dev *idev)
{
	return READ_ONCE(idev->health) == IDXD_LIVE;
}

/* wq.c */
int idxd_wq_enable(struct idxd_wq *wq);
int idxd_wq_hw_enable(struct idxd_wq *wq);
void idxd_wq_set_stopped(struct idxd_wq *wq);
u32 idxd_wq_operand(struct idxd_wq *wq);
bool idxd_cpu_has_enqcmds(void);
int idxd_wq_set_pasid(struct idxd_wq *wq, u32 pasid);

/**
 * struct idxd_pin - user pages pinned for the device (umem.c)
 * @pages: the pages
 * @npages: how many
 * @writable: pinned for writing (else the device may only read them)
 * @mm: whose pinned_vm they are charged to
 */
struct idxd_pin {
	struct page **pages;
	unsigned long npages;
	bool writable;
	struct mm_struct *mm;
};

/* umem.c */
int idxd_pin_user(struct idxd_pin *pin, unsigned long start, unsigned long npages);
void idxd_unpin_user(struct idxd_pin *pin);
int idxd_umem_add(struct device *dev, struct list_head *list, struct mutex *lock,
		  u64 addr, u64 len, u64 *iova);
int idxd_umem_remove(struct device *dev, struct list_head *list, u64 addr, u64 len);
bool idxd_umem_holds(struct list_head *list, u64 iova, u64 len, bool write);
void idxd_umem_leak(struct list_head *list);

/* sva.c */
struct idxd_pmap;
void idxd_va_init(struct idxd_dev *idev);
struct idxd_pmap *idxd_pmap_create(struct idxd_dev *idev);
void idxd_pmap_destroy(struct idxd_pmap *pm);
int idxd_pmap_add(struct idxd_pmap *pm, u64 addr, u64 len);
int idxd_pmap_remove(struct idxd_pmap *pm, u64 addr, u64 len);
int idxd_pmap_add_buffer(struct idxd_pmap *pm, unsigned long uaddr, void *cpu,
			 size_t len);
u32 idxd_pmap_pasid(struct idxd_pmap *pm);
const char *idxd_pasid_why_not(struct pci_dev *pdev);
bool idxd_user_submission_safe(struct idxd_dev *idev);
void idxd_wq_disable(struct idxd_wq *wq);
int idxd_wq_check_config(struct idxd_wq *wq);
void idxd_wq_init_defaults(struct idxd_wq *wq);

/* irq.c */
int idxd_misc_irq_setup(struct idxd_dev *idev);
void idxd_misc_irq_teardown(struct idxd_dev *idev);
void idxd_irq_mode_init(struct idxd_dev *idev);
void idxd_irq_mode_exit(struct idxd_dev *idev);
int idxd_wq_irq_setup(struct idxd_wq *wq);
void idxd_wq_irq_teardown(struct idxd_wq *wq);
void idxd_wq_efd_add(struct idxd_wq *wq, struct idxd_efd *efd);
void idxd_wq_efd_del(struct idxd_wq *wq, struct idxd_efd *efd);
struct idxd_irq_entry *idxd_vec_alloc(struct idxd_dev *idev, int msix,
				      irq_handler_t hard, irq_handler_t thread,
				      void *owner, const char *name);
void idxd_vec_free(struct idxd_irq_entry *v);
void idxd_vec_orphan(struct idxd_irq_entry *v);
void idxd_vecs_revoked(struct idxd_dev *idev);
int idxd_vecs_regrant(struct idxd_dev *idev);
void idxd_vecs_quiet(struct idxd_dev *idev);
void idxd_dma_orphan(struct idxd_dev *idev, size_t size, void *cpu, dma_addr_t iova);

/* The handle a WQ's RCI descriptors carry now (0 without an interrupt). */
static inline u16 idxd_wq_handle(struct idxd_wq *wq)
{
	return wq->vec ? READ_ONCE(wq->vec->handle) : 0;
}

/* submit.c */
int idxd_submit(struct idxd_wq *wq, const void *desc);
u32 idxd_wq_occupancy(struct idxd_wq *wq);

/* dma.c */
int idxd_dma_register(struct idxd_wq *wq);
void idxd_dma_unregister(struct idxd_wq *wq);
void idxd_dma_irq(struct idxd_wq *wq);

/*
 * The test hooks (debugfs.c, irq_load.c, alloc_bench.c: ims_fill,
 * irq_ctl, irq_load, alloc_bench)
 * are built only into the tests' module (IDXD_IMS_TEST_HOOKS=y, see
 * driver/Kbuild); the module users load has none.
 */
#ifdef IDXD_IMS_TEST_HOOKS
/* debugfs.c */
void idxd_debugfs_init(void);
void idxd_debugfs_exit(void);
void idxd_debugfs_add(struct idxd_dev *idev);
void idxd_debugfs_del(struct idxd_dev *idev);
struct idxd_wq *idxd_dbg_find_wq(struct idxd_dev *idev, const char *name);

/* irq_load.c */
extern const struct file_operations idxd_irq_load_fops;
void idxd_irq_load_stop(struct idxd_dev *idev);

/* alloc_bench.c */
extern const struct file_operations idxd_alloc_bench_fops;
void idxd_alloc_bench_free(struct idxd_dev *idev);
#else
static inline void idxd_debugfs_init(void) { }
static inline void idxd_debugfs_exit(void) { }
static inline void idxd_debugfs_add(struct idxd_dev *idev) { }
static inline void idxd_debugfs_del(struct idxd_dev *idev) { }
#endif

/* cdev.c */
int idxd_cdev_init(void);
void idxd_cdev_exit(void);
int idxd_cdev_major(void);
size_t idxd_op_bytes_used(u8 op);
int idxd_wq_cdev_add(struct idxd_wq *wq);
void idxd_wq_cdev_del(struct idxd_wq *wq);

/* sysfs.c */
extern const char * const idxd_wq_type_names[];
extern const struct attribute_group *idxd_dev_groups[];
extern const struct attribute_group *idxd_wq_groups[];
extern const struct attribute_group *idxd_group_groups[];
extern const struct attribute_group *idxd_engine_groups[];

#endif /* _IDXD_IMS_H_ */
