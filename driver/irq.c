// SPDX-License-Identifier: GPL-2.0
/*
 * The misc interrupt (MSI-X vector 0): command completion, software
 * errors, halt.  The hard handler only reads and acknowledges INTCAUSE;
 * decoding SWERR and starting recovery happen in the thread.
 */
#include <linux/bitfield.h>
#include <linux/interrupt.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include "idxd_ims.h"

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
