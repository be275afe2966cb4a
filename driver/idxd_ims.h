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
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "regs.h"

struct ims_domain;
struct eventfd_ctx;
struct idxd_dma_chan;
struct idxd_fill;
struct idxd_irq_load;
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

	/* while enabled */
	enum idxd_wq_state state;
	void __iomem *portal;		/* the page kernel submissions use */
	enum idxd_portal portal_kind;
	spinlock_t submit_lock;		/* one submitter per portal page */
	int clients;			/* open char-device files */

	/* completion interrupt, set up while enabled */
	int irq;			/* Linux irq, -1 if none */
	int ims_slot;			/* -1 unless IMS */
	int msix_vec;			/* -1 unless MSI-X */
	u16 int_handle;			/* what RCI descriptors carry */
	bool handle_granted;		/* REQUEST_INT_HANDLE gave it */
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

	struct work_struct halt_work;
	bool recovering;		/* the driver itself is resetting */
	bool ready;			/* objects registered: recovery allowed */
	bool dev_was_on;		/* across a reset: device enabled */
	DECLARE_BITMAP(was_on, IDXD_MAX_WQS);	/* ... and these WQs */
	struct dentry *dbg;
	struct idxd_fill *fill;		/* debugfs ims_fill */
	struct idxd_irq_load *irq_load;	/* debugfs irq_load */
	int misc_irq;
	int nr_vectors;			/* MSI-X vectors allocated */

	/* per-WQ interrupts: IMS through remapping, else MSI-X */
	struct ims_domain *ims;		/* NULL in MSI-X mode */
	const char *irq_why;		/* why this mode */

	struct vdsa_parent *mdev;	/* virtual DSAs offered, if any */

	struct idxd_wq **wqs;
	struct idxd_group **groups;
	struct idxd_engine **engines;
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
void idxd_reset_prepare(struct pci_dev *pdev);
void idxd_reset_done(struct pci_dev *pdev);

/* wq.c */
int idxd_wq_enable(struct idxd_wq *wq);
int idxd_wq_hw_enable(struct idxd_wq *wq);
void idxd_wq_set_stopped(struct idxd_wq *wq);
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
int idxd_wq_request_handle(struct idxd_wq *wq);
void idxd_wq_release_handle(struct idxd_wq *wq);
void idxd_wq_efd_add(struct idxd_wq *wq, struct idxd_efd *efd);
void idxd_wq_efd_del(struct idxd_wq *wq, struct idxd_efd *efd);
int idxd_vec_alloc(struct idxd_dev *idev, irq_handler_t thread, void *data,
		   const char *name, int *irq, int *slot, u16 *handle);
void idxd_vec_free(struct idxd_dev *idev, int irq, int slot, u16 handle,
		   void *data);

/* submit.c */
int idxd_submit(struct idxd_wq *wq, const void *desc);
u32 idxd_wq_occupancy(struct idxd_wq *wq);

/* dma.c */
int idxd_dma_register(struct idxd_wq *wq);
void idxd_dma_unregister(struct idxd_wq *wq);
void idxd_dma_irq(struct idxd_wq *wq);
void idxd_dma_abort(struct idxd_wq *wq);

/* debugfs.c */
void idxd_debugfs_init(void);
void idxd_debugfs_exit(void);
void idxd_debugfs_add(struct idxd_dev *idev);

/* irq_load.c */
extern const struct file_operations idxd_irq_load_fops;
void idxd_irq_load_stop(struct idxd_dev *idev);
void idxd_debugfs_del(struct idxd_dev *idev);
struct idxd_wq *idxd_dbg_find_wq(struct idxd_dev *idev, const char *name);

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
