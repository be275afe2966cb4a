// SPDX-License-Identifier: GPL-2.0
/*
 * Work queues: defaults, the checks before enabling, ENABLE_WQ and
 * DISABLE_WQ with their rollback.
 */
#include <linux/bitfield.h>
#include <asm/cpufeature.h>
#include "idxd_ims.h"

/**
 * idxd_wq_init_defaults() - a freshly reset WQ, as upstream idxd shows it
 * @wq: the work queue
 */
void idxd_wq_init_defaults(struct idxd_wq *wq)
{
	struct idxd_caps *c = &wq->idev->caps;

	wq->type = IDXD_WQT_NONE;
	wq->dedicated = !(c->wqcap & IDXD_WQCAP_SHARED);
	wq->bof = false;
	wq->ats_disable = false;
	wq->prs_disable = false;
	wq->size = 0;
	wq->threshold = 0;
	wq->priority = 1;
	wq->max_xfer_bytes = 1ULL << c->max_xfer_shift;
	wq->max_batch_size = 1U << c->max_batch_shift;
	wq->name[0] = '\0';
	wq->driver_name[0] = '\0';
	wq->msix_only = false;
	wq->group = NULL;
	wq->pasid = IOMMU_PASID_INVALID;
	wq->enqcmds_retries = IDXD_ENQCMDS_RETRIES;
}

/**
 * idxd_cpu_has_enqcmds() - can the kernel submit to shared WQs?
 *
 * ENQCMDS takes the PASID from the descriptor, so unlike user ENQCMD it
 * needs no IA32_PASID state: the CPUID bit is enough.
 */
bool idxd_cpu_has_enqcmds(void)
{
	return cpuid_ecx(7) & BIT(X86_FEATURE_ENQCMD & 31);
}

/*
 * A shared WQ takes descriptors from any process with ENQCMDS, each
 * naming the PASID of its file (virtual-address mode); kernel WQs would
 * need a PASID of the kernel's own, which this driver does not set up.
 */
static int idxd_wq_check_shared(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;

	if (!idev->va_mode) {
		dev_err(&wq->conf_dev, "cannot enable: a shared WQ needs PASIDs, and user WQs here %s\n",
			idev->va_why);
		return -EOPNOTSUPP;
	}
	if (!idxd_cpu_has_enqcmds()) {
		dev_err(&wq->conf_dev, "cannot enable: a shared WQ needs ENQCMDS, which this CPU lacks\n");
		return -EOPNOTSUPP;
	}
	if (wq->type != IDXD_WQT_USER) {
		dev_err(&wq->conf_dev, "cannot enable: only user WQs can be shared here (a kernel WQ would need a PASID of its own)\n");
		return -EOPNOTSUPP;
	}
	if (!wq->threshold) {
		dev_err(&wq->conf_dev, "cannot enable: a shared WQ needs a threshold (1..size) for user submissions\n");
		return -EINVAL;
	}
	return 0;
}

/**
 * idxd_wq_check_config() - can this WQ be enabled as configured?
 * @wq: the work queue; caller holds idev->lock
 *
 * Return: 0 or -EINVAL/-ENXIO with the reason in dmesg.
 */
int idxd_wq_check_config(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;

	lockdep_assert_held(&wq->idev->lock);
	if (!idxd_live(idev)) {
		dev_err(&wq->conf_dev, "cannot enable: %s%d is %s\n",
			idxd_type_name(idev), idev->id, idxd_health_name(idev->health));
		return -EBUSY;
	}
	if (idev->state != IDXD_DEV_ENABLED) {
		dev_err(&wq->conf_dev, "cannot enable: %s%d is not enabled\n",
			idxd_type_name(idev), idev->id);
		return -ENXIO;
	}
	if (!wq->size) {
		dev_err(&wq->conf_dev, "cannot enable: size is 0\n");
		return -EINVAL;
	}
	if (!wq->group) {
		dev_err(&wq->conf_dev, "cannot enable: no group\n");
		return -EINVAL;
	}
	if (wq->type == IDXD_WQT_NONE) {
		dev_err(&wq->conf_dev, "cannot enable: type is none (set kernel or user)\n");
		return -EINVAL;
	}
	if (!wq->name[0]) {
		dev_err(&wq->conf_dev, "cannot enable: the WQ needs a name\n");
		return -EINVAL;
	}
	if (!wq->dedicated) {
		int rc = idxd_wq_check_shared(wq);

		if (rc)
			return rc;
	}
	if (!idev->movdir64b && !idev->emulated) {
		dev_err(&wq->conf_dev, "cannot enable: the CPU has no MOVDIR64B to submit with\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

u32 idxd_wq_operand(struct idxd_wq *wq)
{
	return BIT(wq->id % 16) | ((wq->id / 16) << 16);
}

/* state and portal change under submit_lock: idxd_submit() reads them. */
static void idxd_wq_set_portal(struct idxd_wq *wq, void __iomem *portal)
{
	unsigned long flags;

	spin_lock_irqsave(&wq->submit_lock, flags);
	wq->portal = portal;
	wq->state = portal ? IDXD_WQ_ENABLED : IDXD_WQ_DISABLED;
	spin_unlock_irqrestore(&wq->submit_lock, flags);
}

/**
 * idxd_wq_set_stopped() - the device no longer runs this WQ (reset, halt)
 * @wq: the work queue; its interrupt stays for idxd_wq_hw_enable()
 */
void idxd_wq_set_stopped(struct idxd_wq *wq)
{
	idxd_wq_set_portal(wq, NULL);
}

/**
 * idxd_wq_hw_enable() - write WQCFG, ENABLE_WQ, open the portal
 * @wq: the work queue, its interrupt (and so its handle) set up; caller
 *	holds idev->lock
 *
 * Also what halt recovery runs: the interrupt (and IMS slot) survive, and
 * recovery asks for their handles again first.
 *
 * Return: 0, or -ENXIO with the WQ left disabled and the reason logged.
 */
int idxd_wq_hw_enable(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	int rc;

	idxd_wq_write_config(wq);
	rc = idxd_cmd(idev, IDXD_CMD_ENABLE_WQ, wq->id, NULL);
	if (rc) {
		idev->cmd_status = rc < 0 ? IDXD_SCMD_SOFT_ERR : rc;
		dev_err(&wq->conf_dev, "device refused to enable the WQ: %s (CMDSTS %#x)\n",
			rc < 0 ? "timeout" : idxd_cmd_err_str(rc), rc);
		return -ENXIO;
	}
	/* The portal page decides which table the handle indexes. */
	wq->portal_kind = wq->ims_slot >= 0 ? IDXD_PORTAL_IMS : IDXD_PORTAL_MSIX;
	idxd_wq_set_portal(wq, idev->portals + wq->id * IDXD_WQ_PORTAL_SPAN +
			   wq->portal_kind * IDXD_PORTAL_SIZE);
	idev->cmd_status = 0;
	return 0;
}

/**
 * idxd_wq_enable() - completion interrupt, then the WQ itself
 * @wq: the work queue; caller holds idev->lock
 *
 * Return: 0, or a negative errno with the WQ disabled and nothing held.
 */
int idxd_wq_enable(struct idxd_wq *wq)
{
	int rc;

	lockdep_assert_held(&wq->idev->lock);
	if (idxd_wq_enabled(wq))
		return -EBUSY;
	rc = idxd_wq_check_config(wq);
	if (rc)
		return rc;
	rc = idxd_wq_irq_setup(wq);
	if (rc)
		return rc;
	rc = idxd_wq_hw_enable(wq);
	if (rc) {
		idxd_wq_irq_teardown(wq);
		return rc;
	}
	dev_info(&wq->conf_dev, "enabled (%s, size %u, irq %d, %s %d, handle %#x)\n",
		 idxd_wq_type_names[wq->type], wq->size, wq->irq,
		 wq->ims_slot >= 0 ? "IMS slot" : "MSI-X vector",
		 wq->ims_slot >= 0 ? wq->ims_slot : wq->msix_vec, idxd_wq_handle(wq));
	return 0;
}

/**
 * idxd_wq_disable() - DISABLE_WQ (the device drains it first)
 * @wq: the work queue; caller holds idev->lock
 */
void idxd_wq_disable(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	int rc;

	lockdep_assert_held(&idev->lock);
	if (idxd_wq_enabled(wq)) {
		rc = idxd_cmd(idev, IDXD_CMD_DISABLE_WQ, idxd_wq_operand(wq), NULL);
		if (rc)
			dev_warn(&wq->conf_dev, "DISABLE_WQ failed: %s\n",
				 rc < 0 ? "timeout" : idxd_cmd_err_str(rc));
		dev_info(&wq->conf_dev, "disabled\n");
	}
	/* Also after a failed halt recovery, which left the irq in place. */
	idxd_wq_set_portal(wq, NULL);
	__clear_bit(wq->id, idev->was_on);
	wq->pasid = IOMMU_PASID_INVALID;	/* an open file's is gone with it */
	idxd_wq_irq_teardown(wq);
}

/**
 * idxd_wq_set_pasid() - move a dedicated WQ to a PASID (or off one)
 * @wq: the enabled dedicated user WQ; caller holds idev->lock
 * @pasid: the PASID, or IOMMU_PASID_INVALID for none
 *
 * WQCFG can change only while the WQ is disabled: DISABLE_WQ (the device
 * finishes what was queued first), the new WQCFG, ENABLE_WQ.  The WQ's
 * completion interrupt stays as it was.
 *
 * Return: 0, or -ENXIO with the WQ left disabled (logged).
 */
int idxd_wq_set_pasid(struct idxd_wq *wq, u32 pasid)
{
	struct idxd_dev *idev = wq->idev;
	int rc;

	lockdep_assert_held(&idev->lock);
	if (!idxd_wq_enabled(wq))
		return -ENXIO;
	idxd_wq_set_stopped(wq);
	rc = idxd_cmd(idev, IDXD_CMD_DISABLE_WQ, idxd_wq_operand(wq), NULL);
	if (rc) {
		dev_err(&wq->conf_dev, "DISABLE_WQ for a PASID change failed: %s\n",
			rc < 0 ? "timeout" : idxd_cmd_err_str(rc));
		return -ENXIO;
	}
	wq->pasid = pasid;
	return idxd_wq_hw_enable(wq);
}
