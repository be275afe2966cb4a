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
 * idxd_wq_request_handle() - the handle RCI descriptors of this WQ carry
 * @wq: the work queue, its interrupt set up
 *
 * With REQUEST_INT_HANDLE the device grants it (it need not equal the
 * index); without, the handle is the table index, as on SPR.
 *
 * Return: 0 or -ENXIO with the reason logged.
 */
int idxd_wq_request_handle(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	u32 index = wq->ims_slot >= 0 ? wq->ims_slot : wq->msix_vec;
	u32 handle;
	int rc;

	if (!idev->request_int_handles) {
		wq->int_handle = index;
		return 0;
	}
	rc = idxd_cmd(idev, IDXD_CMD_REQUEST_INT_HANDLE,
		      index | (wq->ims_slot >= 0 ? IDXD_CMD_INT_HANDLE_IMS : 0),
		      &handle);
	if (rc) {
		dev_err(&wq->conf_dev, "no interrupt handle for %s %u: %s\n",
			wq->ims_slot >= 0 ? "IMS slot" : "MSI-X vector", index,
			rc < 0 ? "timeout" : idxd_cmd_err_str(rc));
		return -ENXIO;
	}
	wq->int_handle = handle;
	wq->handle_granted = true;
	return 0;
}

void idxd_wq_release_handle(struct idxd_wq *wq)
{
	u32 op = wq->int_handle | (wq->ims_slot >= 0 ? IDXD_CMD_INT_HANDLE_IMS : 0);

	if (!wq->handle_granted)
		return;
	idxd_cmd(wq->idev, IDXD_CMD_RELEASE_INT_HANDLE, op, NULL);
	wq->handle_granted = false;
}

/**
 * idxd_wq_irq_setup() - the WQ's completion interrupt: an IMS slot, or
 * its MSI-X vector
 * @wq: the work queue; caller holds idev->lock
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int idxd_wq_irq_setup(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	int slot = -1, irq, rc;

	if (idev->ims) {
		slot = ims_slot_get(idev->ims);
		if (slot < 0) {
			dev_err(&wq->conf_dev, "all %u IMS slots are in use\n",
				idev->caps.ims_size);
			return slot;
		}
		irq = ims_irq_alloc(idev->ims, slot);
		if (irq < 0) {
			dev_err(&wq->conf_dev, "no IMS irq for slot %d: %d (out of IRTEs?)\n",
				slot, irq);
			ims_slot_put(idev->ims, slot);
			return irq;
		}
	} else {
		if (1 + wq->id >= idev->nr_vectors) {
			dev_err(&wq->conf_dev, "no MSI-X vector left for this WQ\n");
			return -ENOSPC;
		}
		irq = pci_irq_vector(idev->pdev, 1 + wq->id);
		wq->msix_vec = 1 + wq->id;
	}
	rc = request_threaded_irq(irq, idxd_wq_irq, idxd_wq_irq_thread, 0,
				  dev_name(&wq->conf_dev), wq);
	if (rc) {
		dev_err(&wq->conf_dev, "cannot request irq %d: %d%s\n", irq, rc,
			rc == -ENOSPC ? " (no free vector on the CPUs)" : "");
		if (slot >= 0) {
			ims_irq_free(idev->ims, irq);
			ims_slot_put(idev->ims, slot);
		}
		wq->msix_vec = -1;
		return rc;
	}
	wq->irq = irq;
	wq->ims_slot = slot;
	return 0;
}

/* Free the interrupt of a WQ the device no longer runs. */
void idxd_wq_irq_teardown(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;

	if (wq->irq < 0)
		return;
	free_irq(wq->irq, wq);
	if (wq->ims_slot >= 0) {
		ims_irq_free(idev->ims, wq->irq);
		ims_slot_put(idev->ims, wq->ims_slot);
	}
	wq->irq = -1;
	wq->ims_slot = -1;
	wq->msix_vec = -1;
	wq->handle_granted = false;
}

/**
 * idxd_vec_alloc() - an IMS slot, its irq and handle, for a consumer other
 * than a WQ's own interrupt (a virtual DSA's guest vector)
 * @idev: the device, in IMS mode
 * @thread: threaded handler (the hard part only wakes it)
 * @data: its argument
 * @name: the irq's name; must outlive the irq
 * @irq: the Linux irq
 * @slot: the IMS slot
 * @handle: what descriptors submitted through an IMS portal carry
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int idxd_vec_alloc(struct idxd_dev *idev, irq_handler_t thread, void *data,
		   const char *name, int *irq, int *slot, u16 *handle)
{
	u32 h;
	int rc;

	if (!idev->ims)
		return -EOPNOTSUPP;
	*slot = ims_slot_get(idev->ims);
	if (*slot < 0)
		return *slot;
	*irq = ims_irq_alloc(idev->ims, *slot);
	if (*irq < 0) {
		rc = *irq;
		goto err_slot;
	}
	rc = request_threaded_irq(*irq, NULL, thread, IRQF_ONESHOT, name, data);
	if (rc)
		goto err_irq;
	*handle = *slot;
	if (idev->request_int_handles) {
		rc = idxd_cmd(idev, IDXD_CMD_REQUEST_INT_HANDLE,
			      *slot | IDXD_CMD_INT_HANDLE_IMS, &h);
		if (rc) {
			rc = -ENXIO;
			goto err_req;
		}
		*handle = h;
	}
	return 0;
err_req:
	free_irq(*irq, data);
err_irq:
	ims_irq_free(idev->ims, *irq);
err_slot:
	ims_slot_put(idev->ims, *slot);
	return rc;
}

void idxd_vec_free(struct idxd_dev *idev, int irq, int slot, u16 handle,
		   void *data)
{
	if (idev->request_int_handles)
		idxd_cmd(idev, IDXD_CMD_RELEASE_INT_HANDLE,
			 handle | IDXD_CMD_INT_HANDLE_IMS, NULL);
	free_irq(irq, data);
	ims_irq_free(idev->ims, irq);
	ims_slot_put(idev->ims, slot);
}
