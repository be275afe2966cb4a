// SPDX-License-Identifier: GPL-2.0
/*
 * The misc interrupt (MSI-X vector 0): command completion, software
 * errors, halt.  The hard handler only reads and acknowledges INTCAUSE;
 * decoding SWERR and starting recovery happen in the thread.
 */
#include <linux/bitfield.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include "idxd_ims.h"
#include "ims.h"

static const char *idxd_status_str(u8 code)
{
	switch (code) {
	case 0x03: return "page fault";
	case 0x05: return "batch failed";
	case 0x06: return "page fault reading a batch list";
	case 0x10: return "bad opcode";
	case 0x11: return "invalid flags";
	case 0x12: return "non-zero reserved field";
	case 0x13: return "transfer size out of range";
	case 0x14: return "descriptor count out of range";
	case 0x16: return "overlapping buffers";
	case 0x17: return "dualcast destinations misaligned";
	case 0x18: return "descriptor list misaligned";
	case 0x19: return "invalid interrupt handle";
	case 0x1a: return "completion record address not translatable";
	case 0x1b: return "completion record address misaligned";
	case 0x1c: return "address misaligned";
	case 0x1d: return "privileged descriptor refused";
	default: return "error";
	}
}

static void idxd_log_swerr(struct idxd_dev *idev, const u64 *e)
{
	u8 code = FIELD_GET(IDXD_SWERR_ERROR, e[0]);
	char wq[16] = "?";

	if (e[0] & IDXD_SWERR_WQ_VALID)
		snprintf(wq, sizeof(wq), "%llu", FIELD_GET(IDXD_SWERR_WQ_IDX, e[0]));
	dev_err(&idev->conf_dev,
		"software error %#x (%s) on wq%d.%s, opcode %#llx%s, address %#llx%s\n",
		code, idxd_status_str(code), idev->id, wq,
		FIELD_GET(IDXD_SWERR_OPERATION, e[0]),
		(e[0] & IDXD_SWERR_BATCH) ? " in a batch" : "", e[2],
		(e[0] & IDXD_SWERR_OVERFLOW) ? "; more errors were lost" : "");
}

static void idxd_handle_swerr(struct idxd_dev *idev)
{
	u64 e[4];
	int i;

	for (i = 0; i < 4; i++)
		e[i] = readq(idev->regs + IDXD_SWERR_OFFSET + i * 8);
	if (!(e[0] & IDXD_SWERR_VALID))
		return;
	spin_lock(&idev->err_lock);
	memcpy(idev->sw_err, e, sizeof(e));
	idev->err_count++;
	spin_unlock(&idev->err_lock);
	writeq(IDXD_SWERR_ACK, idev->regs + IDXD_SWERR_OFFSET);
	idxd_log_swerr(idev, e);
	wake_up_interruptible_all(&idev->err_wait);
}

static irqreturn_t idxd_misc_hard(int irq, void *data)
{
	struct idxd_dev *idev = data;
	u32 cause = ioread32(idev->regs + IDXD_INTCAUSE_OFFSET);

	if (!cause)
		return IRQ_NONE;
	iowrite32(cause, idev->regs + IDXD_INTCAUSE_OFFSET);
	if (cause & IDXD_INTC_CMD)
		complete(&idev->cmd_done);
	if (cause & IDXD_INTC_HANDLE_REVOKED)
		schedule_work(&idev->revoke_work);	/* commands sleep */
	if (cause & (IDXD_INTC_ERR | IDXD_INTC_HALT))
		return IRQ_WAKE_THREAD;
	return IRQ_HANDLED;
}

static irqreturn_t idxd_misc_thread(int irq, void *data)
{
	struct idxd_dev *idev = data;
	u32 gensts;

	idxd_handle_swerr(idev);
	gensts = ioread32(idev->regs + IDXD_GENSTS_OFFSET);
	if (FIELD_GET(IDXD_GENSTS_STATE, gensts) == IDXD_HW_HALT)
		schedule_work(&idev->halt_work);
	return IRQ_HANDLED;
}

/**
 * idxd_misc_irq_setup() - request MSI-X vector 0 for misc events
 * @idev: the device, MSI-X vectors allocated
 *
 * Return: 0 or a negative errno.
 */
int idxd_misc_irq_setup(struct idxd_dev *idev)
{
	int rc;

	idev->misc_irq = pci_irq_vector(idev->pdev, 0);
	rc = request_threaded_irq(idev->misc_irq, idxd_misc_hard,
				  idxd_misc_thread, IRQF_ONESHOT,
				  "idxd_ims-misc", idev);
	if (rc)
		dev_err(idev_dev(idev), "cannot request the misc interrupt: %d\n", rc);
	return rc;
}

void idxd_misc_irq_teardown(struct idxd_dev *idev)
{
	iowrite32(0, idev->regs + IDXD_GENCTRL_OFFSET);
	free_irq(idev->misc_irq, idev);
	cancel_work_sync(&idev->halt_work);
	cancel_work_sync(&idev->revoke_work);
}

/**
 * idxd_revoke_work() - the device revoked every interrupt handle
 * @work: idev->revoke_work
 *
 * A VMM does this to the device it presents (e.g. before migrating it);
 * each vector asks for a handle again, and descriptors submitted from
 * then on carry the new ones.
 */
void idxd_revoke_work(struct work_struct *work)
{
	struct idxd_dev *idev = container_of(work, struct idxd_dev, revoke_work);

	if (!idev->request_int_handles)
		return;
	dev_info(&idev->conf_dev, "interrupt handles revoked: asking for new ones\n");
	idxd_vecs_revoked(idev);
	if (idxd_vecs_regrant(idev))
		dev_err(&idev->conf_dev, "not every interrupt handle came back after the revocation\n");
}

/* ---- per-WQ completion interrupts ----------------------------------------- */

static bool force_msix;
module_param(force_msix, bool, 0444);
MODULE_PARM_DESC(force_msix, "Use MSI-X per WQ even where IMS would work (for comparison)");

static void __iomem *idxd_ims_entry(struct idxd_dev *idev, unsigned int slot)
{
	return idev->regs + idev->caps.ims_offset + slot * IDXD_IMS_ENTRY_SIZE;
}

static void idxd_ims_write_msg(void *priv, unsigned int slot,
			       const struct msi_msg *msg)
{
	void __iomem *e = idxd_ims_entry(priv, slot);

	iowrite32(msg->address_lo, e + IDXD_IMS_ADDR_LO);
	iowrite32(msg->address_hi, e + IDXD_IMS_ADDR_HI);
	iowrite32(msg->data, e + IDXD_IMS_DATA);
}

static void idxd_ims_set_mask(void *priv, unsigned int slot, bool masked)
{
	void __iomem *e = idxd_ims_entry(priv, slot);

	/* PASID fields stay 0: IMS writes carry no PASID. */
	iowrite32(masked ? IDXD_IMS_CTRL_MASK : 0, e + IDXD_IMS_CTRL);
	ioread32(e + IDXD_IMS_CTRL);		/* flush the posted write */
}

static const struct ims_slot_ops idxd_ims_ops = {
	.write_msg = idxd_ims_write_msg,
	.set_mask = idxd_ims_set_mask,
};

/**
 * idxd_irq_mode_init() - choose IMS or MSI-X for WQ completion interrupts
 * @idev: the device, MSI-X vectors allocated
 *
 * IMS needs interrupt remapping; without it (or with force_msix) WQs use
 * MSI-X vectors 1..N.  The choice and its reason are logged once and shown
 * in sysfs (ims_mode, ims_reason).
 */
void idxd_irq_mode_init(struct idxd_dev *idev)
{
	const char *why = NULL;
	struct ims_domain *id;

	if (force_msix) {
		idev->irq_why = "forced by the force_msix module parameter";
	} else {
		id = ims_domain_create(idev->pdev, idev->caps.ims_size,
				       &idxd_ims_ops, idev, &why);
		if (!IS_ERR(id)) {
			idev->ims = id;
			idev->irq_why = ims_parent_name(id);
			dev_info(idev_dev(idev), "%s%d: WQ completion interrupts through IMS (%u slots) and %s\n",
				 idxd_type_name(idev), idev->id,
				 idev->caps.ims_size, idev->irq_why);
			return;
		}
		idev->irq_why = PTR_ERR(id) == -EOPNOTSUPP ? why :
				"the IMS domain could not be created";
	}
	dev_info(idev_dev(idev), "%s%d: IMS not used (%s); WQ completion interrupts use MSI-X\n",
		 idxd_type_name(idev), idev->id, idev->irq_why);
}

void idxd_irq_mode_exit(struct idxd_dev *idev)
{
	ims_domain_destroy(idev->ims);
	idev->ims = NULL;
}

static irqreturn_t idxd_wq_irq(int irq, void *data)
{
	struct idxd_wq *wq = data;
	struct idxd_efd *efd;

	atomic64_inc(&wq->irq_count);
	spin_lock(&wq->efd_lock);
	list_for_each_entry(efd, &wq->efds, node)
		eventfd_signal(efd->ctx);
	spin_unlock(&wq->efd_lock);
	/* dmaengine callbacks must not run in hard irq context */
	return READ_ONCE(wq->dma) ? IRQ_WAKE_THREAD : IRQ_HANDLED;
}

static irqreturn_t idxd_wq_irq_thread(int irq, void *data)
{
	struct idxd_wq *wq = data;

	if (READ_ONCE(wq->dma))
		idxd_dma_irq(wq);
	return IRQ_HANDLED;
}

void idxd_wq_efd_add(struct idxd_wq *wq, struct idxd_efd *efd)
{
	unsigned long flags;

	spin_lock_irqsave(&wq->efd_lock, flags);
	list_add_tail(&efd->node, &wq->efds);
	spin_unlock_irqrestore(&wq->efd_lock, flags);
}

void idxd_wq_efd_del(struct idxd_wq *wq, struct idxd_efd *efd)
{
	unsigned long flags;

	spin_lock_irqsave(&wq->efd_lock, flags);
	list_del_init(&efd->node);
	spin_unlock_irqrestore(&wq->efd_lock, flags);
}

/**
 * idxd_wq_irq_setup() - the WQ's completion interrupt: an IMS slot, or
 * its MSI-X vector
 * @wq: the work queue; caller holds idev->lock
 *
 * MSI-X where the device has no IMS domain or the WQ asks for it
 * (completion_irq "msix", so that one device can compare the two).
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int idxd_wq_irq_setup(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	struct idxd_irq_entry *v;
	int msix = -1;

	lockdep_assert_held(&wq->idev->lock);
	if (!idev->ims || wq->msix_only) {
		if (1 + wq->id >= idev->nr_vectors) {
			dev_err(&wq->conf_dev, "no MSI-X vector left for this WQ\n");
			return -ENOSPC;
		}
		msix = 1 + wq->id;
	}
	v = idxd_vec_alloc(idev, msix, idxd_wq_irq, idxd_wq_irq_thread, wq,
			   dev_name(&wq->conf_dev));
	if (IS_ERR(v)) {
		dev_err(&wq->conf_dev, "no completion interrupt: %pe%s\n", v,
			PTR_ERR(v) == -ENOSPC ? " (no IMS slot, IRTE or CPU vector left)" : "");
		return PTR_ERR(v);
	}
	wq->vec = v;
	wq->irq = v->irq;
	wq->ims_slot = v->slot;
	wq->msix_vec = v->msix;
	return 0;
}

/* Free the interrupt of a WQ the device no longer runs. */
void idxd_wq_irq_teardown(struct idxd_wq *wq)
{
	if (!wq->vec)
		return;
	if (wq->irq_ctl_off)
		enable_irq(wq->irq);	/* balance irq_ctl before the irq goes */
	wq->irq_ctl_off = false;
	idxd_vec_free(wq->vec);
	wq->vec = NULL;
	wq->irq = -1;
	wq->ims_slot = -1;
	wq->msix_vec = -1;
}

/* ---- the vector object ------------------------------------------------------ */

static irqreturn_t idxd_vec_hard(int irq, void *data)
{
	struct idxd_irq_entry *v = data;
	void *owner = READ_ONCE(v->owner);

	if (!owner)
		return IRQ_HANDLED;	/* orphaned: a late completion */
	if (v->hard)
		return v->hard(irq, owner);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t idxd_vec_thread(int irq, void *data)
{
	struct idxd_irq_entry *v = data;
	void *owner = READ_ONCE(v->owner);

	if (!owner || !v->thread)
		return IRQ_HANDLED;
	return v->thread(irq, owner);
}

static int idxd_vec_request_handle(struct idxd_irq_entry *v)
{
	struct idxd_dev *idev = v->idev;
	u32 index = v->slot >= 0 ? v->slot : v->msix;
	u32 handle;
	int rc;

	lockdep_assert_held(&idev->vec_lock);
	if (!idev->request_int_handles) {
		v->handle = index;	/* SPR: the handle is the table index */
		return 0;
	}
	rc = idxd_cmd(idev, IDXD_CMD_REQUEST_INT_HANDLE,
		      index | (v->slot >= 0 ? IDXD_CMD_INT_HANDLE_IMS : 0), &handle);
	if (rc) {
		dev_err(&idev->conf_dev, "no interrupt handle for %s %u (%s): %s\n",
			v->slot >= 0 ? "IMS slot" : "MSI-X vector", index, v->name,
			rc < 0 ? "timeout" : idxd_cmd_err_str(rc));
		return -ENXIO;
	}
	WRITE_ONCE(v->handle, handle);
	v->granted = true;
	return 0;
}

static void idxd_vec_release_handle(struct idxd_irq_entry *v)
{
	lockdep_assert_held(&v->idev->vec_lock);
	if (!v->granted)
		return;
	idxd_cmd(v->idev, IDXD_CMD_RELEASE_INT_HANDLE,
		 v->handle | (v->slot >= 0 ? IDXD_CMD_INT_HANDLE_IMS : 0), NULL);
	v->granted = false;
}

/**
 * idxd_vec_alloc() - a completion-interrupt vector: slot, irq, handle
 * @idev: the device
 * @msix: the MSI-X table index to use, or -1 for an IMS slot
 * @hard: hard handler, or NULL to run @thread only
 * @thread: threaded handler, or NULL
 * @owner: the handlers' argument
 * @name: the irq's name (copied)
 *
 * Return: the vector, on idev->vectors, or an ERR_PTR with nothing left
 * allocated.
 */
struct idxd_irq_entry *idxd_vec_alloc(struct idxd_dev *idev, int msix,
				      irq_handler_t hard, irq_handler_t thread,
				      void *owner, const char *name)
{
	struct idxd_irq_entry *v;
	int rc;

	if (msix < 0 && !idev->ims)
		return ERR_PTR(-EOPNOTSUPP);
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return ERR_PTR(-ENOMEM);
	v->idev = idev;
	v->msix = msix;
	v->slot = -1;
	v->hard = hard;
	v->thread = thread;
	v->owner = owner;
	strscpy(v->name, name, sizeof(v->name));
	if (msix >= 0) {
		v->irq = pci_irq_vector(idev->pdev, msix);
	} else {
		v->slot = ims_slot_get(idev->ims);
		if (v->slot < 0) {
			rc = v->slot;
			goto err_free;
		}
		v->irq = ims_irq_alloc(idev->ims, v->slot);
		if (v->irq < 0) {
			rc = v->irq;
			goto err_slot;
		}
	}
	rc = request_threaded_irq(v->irq, idxd_vec_hard, thread ? idxd_vec_thread : NULL,
				  0, v->name, v);
	if (rc)
		goto err_irq;
	mutex_lock(&idev->vec_lock);
	rc = idxd_vec_request_handle(v);
	if (!rc)
		list_add_tail(&v->node, &idev->vectors);
	mutex_unlock(&idev->vec_lock);
	if (rc)
		goto err_req;
	return v;

err_req:
	free_irq(v->irq, v);
err_irq:
	if (v->slot >= 0)
		ims_irq_free(idev->ims, v->irq);
err_slot:
	if (v->slot >= 0)
		ims_slot_put(idev->ims, v->slot);
err_free:
	kfree(v);
	return ERR_PTR(rc);
}

/*
 * The one teardown order: free_irq() first (it masks the slot and waits
 * for a running handler, so no late message reaches an owner being torn
 * down), then the handle (the device may give it to someone else), then
 * the IRTE and the slot.
 */
static void idxd_vec_destroy(struct idxd_irq_entry *v)
{
	struct idxd_dev *idev = v->idev;

	lockdep_assert_held(&idev->vec_lock);
	list_del(&v->node);
	free_irq(v->irq, v);
	idxd_vec_release_handle(v);
	if (v->slot >= 0) {
		ims_irq_free(idev->ims, v->irq);
		ims_slot_put(idev->ims, v->slot);
	}
	kfree(v);
}

/**
 * idxd_vec_free() - free a vector no descriptor on the device names
 * @v: the vector (NULL: nothing)
 */
void idxd_vec_free(struct idxd_irq_entry *v)
{
	struct idxd_dev *idev;

	if (IS_ERR_OR_NULL(v))
		return;
	idev = v->idev;
	mutex_lock(&idev->vec_lock);
	idxd_vec_destroy(v);
	mutex_unlock(&idev->vec_lock);
}

/**
 * idxd_vec_orphan() - let go of a vector descriptors may still name
 * @v: the vector
 *
 * Its handlers stop calling the owner, whose memory may then go; the
 * slot, irq and handle stay taken until idxd_vecs_quiet() (after a reset
 * or at removal), so a late completion finds nobody rather than the
 * slot's next owner.
 */
void idxd_vec_orphan(struct idxd_irq_entry *v)
{
	if (IS_ERR_OR_NULL(v))
		return;
	disable_irq(v->irq);		/* no handler runs past this */
	WRITE_ONCE(v->owner, NULL);
	enable_irq(v->irq);
	dev_warn(&v->idev->conf_dev, "%s: descriptors may still name this vector: kept until the device is reset\n",
		 v->name);
}

/**
 * idxd_vecs_revoked() - the device forgot every handle (reset, revocation)
 * @idev: the device
 */
void idxd_vecs_revoked(struct idxd_dev *idev)
{
	struct idxd_irq_entry *v;

	mutex_lock(&idev->vec_lock);
	list_for_each_entry(v, &idev->vectors, node)
		v->granted = false;
	mutex_unlock(&idev->vec_lock);
}

/**
 * idxd_vecs_regrant() - ask the device for every vector's handle again
 * @idev: the device, enabled
 *
 * After a reset or a revocation the device may grant other handles than
 * before; submitters read the new ones from the vectors.
 *
 * Return: 0, or the first error (every vector is still tried).
 */
int idxd_vecs_regrant(struct idxd_dev *idev)
{
	struct idxd_irq_entry *v;
	int rc = 0, err;

	mutex_lock(&idev->vec_lock);
	list_for_each_entry(v, &idev->vectors, node) {
		if (v->granted)
			continue;
		err = idxd_vec_request_handle(v);
		rc = rc ?: err;
	}
	mutex_unlock(&idev->vec_lock);
	return rc;
}

/**
 * idxd_dma_orphan() - keep DMA memory the device may still write
 * @idev: the device
 * @size: its size
 * @cpu: its kernel address (dma_alloc_coherent())
 * @iova: its device address
 *
 * Freed by idxd_vecs_quiet(), once the device cannot write any more.  The
 * record is small and must not fail: there is no right way to drop memory
 * a device may still write.
 */
void idxd_dma_orphan(struct idxd_dev *idev, size_t size, void *cpu, dma_addr_t iova)
{
	struct idxd_orphan *o = kzalloc(sizeof(*o), GFP_KERNEL | __GFP_NOFAIL);

	o->size = size;
	o->cpu = cpu;
	o->iova = iova;
	mutex_lock(&idev->vec_lock);
	list_add_tail(&o->node, &idev->orphans);
	mutex_unlock(&idev->vec_lock);
}

/**
 * idxd_vecs_quiet() - the device can no longer write or interrupt
 * @idev: the device, just reset (or removed, bus mastering off)
 *
 * Frees the orphaned vectors and DMA memory.
 */
void idxd_vecs_quiet(struct idxd_dev *idev)
{
	struct idxd_irq_entry *v, *vt;
	struct idxd_orphan *o, *ot;

	mutex_lock(&idev->vec_lock);
	list_for_each_entry_safe(v, vt, &idev->vectors, node)
		if (!v->owner)
			idxd_vec_destroy(v);
	list_for_each_entry_safe(o, ot, &idev->orphans, node) {
		list_del(&o->node);
		dma_free_coherent(&idev->pdev->dev, o->size, o->cpu, o->iova);
		kfree(o);
	}
	mutex_unlock(&idev->vec_lock);
}
