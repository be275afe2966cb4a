// SPDX-License-Identifier: GPL-2.0
/*
 * Device-level operations: capabilities, commands, writing the
 * configuration out to GRPCFG/WQCFG, enable/disable, reset, and recovery
 * from a halt.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iopoll.h>
#include "idxd_ims.h"
#include "ims.h"

#define IDXD_CMD_TIMEOUT_MS	2000

static const char * const idxd_cmd_errs[] = {
	[IDXD_CMDERR_INVAL_CMD] = "invalid command",
	[IDXD_CMDERR_INVAL_WQIDX] = "invalid WQ index",
	[IDXD_CMDERR_HW] = "hardware error (device halted?)",
	[IDXD_CMDERR_DEV_ENABLED] = "device already enabled",
	[IDXD_CMDERR_CONFIG] = "invalid device configuration",
	[IDXD_CMDERR_BUSMASTER] = "PCI bus mastering is off",
	[IDXD_CMDERR_PASID_INVAL] = "invalid PASID",
	[IDXD_CMDERR_WQ_SIZE_ERANGE] = "WQ sizes exceed the total WQ size",
	[IDXD_CMDERR_GRP_CONFIG] = "group configuration: a WQ in no or two groups",
	[IDXD_CMDERR_GRP_CONFIG2] = "group configuration: an engine in two groups",
	[IDXD_CMDERR_GRP_CONFIG3] = "group configuration: a group with WQs but no engine",
	[IDXD_CMDERR_GRP_CONFIG4] = "group configuration: read buffers",
	[IDXD_CMDERR_DEV_NOTEN] = "device not enabled",
	[IDXD_CMDERR_WQ_ENABLED] = "WQ already enabled",
	[IDXD_CMDERR_WQ_SIZE] = "invalid WQ size or threshold",
	[IDXD_CMDERR_WQ_PRIOR] = "invalid WQ priority",
	[IDXD_CMDERR_WQ_MODE] = "WQ mode not supported",
	[IDXD_CMDERR_BOF_EN] = "block on fault not supported",
	[IDXD_CMDERR_PASID_EN] = "PASID not supported",
	[IDXD_CMDERR_MAX_BATCH] = "max batch size out of range",
	[IDXD_CMDERR_MAX_XFER] = "max transfer size out of range",
	[IDXD_CMDERR_DIS_DEV_EN] = "device already disabled",
	[IDXD_CMDERR_DEV_NOT_EN] = "device not enabled",
	[IDXD_CMDERR_INVAL_INT_IDX] = "invalid interrupt index",
	[IDXD_CMDERR_NO_HANDLE] = "no interrupt handle available",
};

const char *idxd_cmd_err_str(u32 err)
{
	if (err < ARRAY_SIZE(idxd_cmd_errs) && idxd_cmd_errs[err])
		return idxd_cmd_errs[err];
	return "unknown error";
}

/**
 * idxd_cmd() - run one device command and wait for it
 * @idev: the device
 * @cmd: command code
 * @operand: command operand (20 bits)
 * @result: where to put CMDSTS.result, or NULL
 *
 * The command requests a completion interrupt (INTCAUSE.CMD on the misc
 * vector); if that does not come in time CMDSTS is polled, so a lost
 * interrupt costs time, not correctness.  Sleeps.
 *
 * Return: the CMDSTS error code (0 on success), or -ETIMEDOUT.
 */
int idxd_cmd(struct idxd_dev *idev, enum idxd_cmd cmd, u32 operand, u32 *result)
{
	u32 sts;
	int rc = 0;

	mutex_lock(&idev->cmd_lock);
	reinit_completion(&idev->cmd_done);
	iowrite32(FIELD_PREP(IDXD_CMD_CODE, cmd) |
		  FIELD_PREP(IDXD_CMD_OPERAND, operand) | IDXD_CMD_INT_REQ,
		  idev->regs + IDXD_CMD_OFFSET);
	wait_for_completion_timeout(&idev->cmd_done,
				    msecs_to_jiffies(IDXD_CMD_TIMEOUT_MS));
	if (readl_poll_timeout(idev->regs + IDXD_CMDSTS_OFFSET, sts,
			       !(sts & IDXD_CMDSTS_ACTIVE), 100,
			       IDXD_CMD_TIMEOUT_MS * 1000)) {
		dev_err(idev_dev(idev), "command %d timed out\n", cmd);
		rc = -ETIMEDOUT;
	} else {
		rc = FIELD_GET(IDXD_CMDSTS_ERR, sts);
		if (result)
			*result = FIELD_GET(IDXD_CMDSTS_RESULT, sts);
	}
	mutex_unlock(&idev->cmd_lock);
	return rc;
}

static u32 idxd_hw_state(struct idxd_dev *idev)
{
	return FIELD_GET(IDXD_GENSTS_STATE,
			 ioread32(idev->regs + IDXD_GENSTS_OFFSET));
}

/**
 * idxd_read_caps() - read VERSION and the capability registers
 * @idev: the device
 *
 * Return: 0, or -ENODEV for a version or layout the driver does not know.
 */
int idxd_read_caps(struct idxd_dev *idev)
{
	struct idxd_caps *c = &idev->caps;
	u64 off;
	int i;

	c->version = ioread32(idev->regs + IDXD_VERSION_OFFSET);
	if (c->version != IDXD_VERSION_1_0 && c->version != IDXD_VERSION_2_0) {
		dev_err(idev_dev(idev), "unsupported device version %#x (1.0 and 2.0 are known)\n",
			c->version);
		return -ENODEV;
	}
	c->gencap = readq(idev->regs + IDXD_GENCAP_OFFSET);
	c->wqcap = readq(idev->regs + IDXD_WQCAP_OFFSET);
	c->grpcap = readq(idev->regs + IDXD_GRPCAP_OFFSET);
	c->engcap = readq(idev->regs + IDXD_ENGCAP_OFFSET);
	for (i = 0; i < IDXD_OPCAP_WORDS; i++)
		c->opcap[i] = readq(idev->regs + IDXD_OPCAP_OFFSET + i * 8);
	c->cmdcap = (c->gencap & IDXD_GENCAP_CMD_CAP) ?
		    ioread32(idev->regs + IDXD_CMDCAP_OFFSET) : 0;

	c->max_wqs = FIELD_GET(IDXD_WQCAP_NUM_WQS, c->wqcap);
	c->total_wq_size = FIELD_GET(IDXD_WQCAP_TOTAL_SIZE, c->wqcap);
	c->wqcfg_size = 32 << FIELD_GET(IDXD_WQCAP_WQCFG_SIZE, c->wqcap);
	c->max_groups = FIELD_GET(IDXD_GRPCAP_NUM_GROUPS, c->grpcap);
	c->max_rdbufs = FIELD_GET(IDXD_GRPCAP_TOTAL_RDBUFS, c->grpcap);
	c->max_engines = FIELD_GET(IDXD_ENGCAP_NUM_ENGINES, c->engcap);
	c->max_xfer_shift = FIELD_GET(IDXD_GENCAP_MAX_XFER, c->gencap);
	c->max_batch_shift = FIELD_GET(IDXD_GENCAP_MAX_BATCH, c->gencap);
	c->ims_size = FIELD_GET(IDXD_GENCAP_IMS_MULT, c->gencap) * IDXD_IMS_MULT_UNIT;

	off = readq(idev->regs + IDXD_TABLE_OFFSET);
	c->grpcfg_offset = FIELD_GET(IDXD_TABLE_GRPCFG, off) * IDXD_TABLE_MULT;
	c->wqcfg_offset = FIELD_GET(IDXD_TABLE_WQCFG, off) * IDXD_TABLE_MULT;
	c->msix_perm_offset = FIELD_GET(IDXD_TABLE_MSIX_PERM, off) * IDXD_TABLE_MULT;
	c->ims_offset = FIELD_GET(IDXD_TABLE_IMS, off) * IDXD_TABLE_MULT;

	if (!c->max_wqs || !c->max_groups || !c->max_engines ||
	    !c->grpcfg_offset || !c->wqcfg_offset) {
		dev_err(idev_dev(idev), "capabilities report no WQs, groups, engines or tables\n");
		return -ENODEV;
	}
	idev->request_int_handles =
		!!(c->cmdcap & BIT(IDXD_CMD_REQUEST_INT_HANDLE));
	idev->configurable = !!(c->gencap & IDXD_GENCAP_CONFIG_EN);
	return 0;
}

/**
 * idxd_device_reset() - RESET_DEVICE: configuration back to power-on
 * @idev: the device
 *
 * Return: 0 or -EIO.
 */
int idxd_device_reset(struct idxd_dev *idev)
{
	int rc = idxd_cmd(idev, IDXD_CMD_RESET_DEVICE, 0, NULL);

	if (rc) {
		dev_err(idev_dev(idev), "device reset failed: %s\n",
			rc < 0 ? "timeout" : idxd_cmd_err_str(rc));
		return -EIO;
	}
	/* Error and halt events on the misc vector (reset clears GENCTRL). */
	iowrite32(IDXD_GENCTRL_SOFTERR_INT_EN | IDXD_GENCTRL_HALT_INT_EN,
		  idev->regs + IDXD_GENCTRL_OFFSET);
	return 0;
}

/* Refuse a configuration the hardware would refuse, saying why. */
static int idxd_check_config(struct idxd_dev *idev)
{
	u32 total = 0, i;

	for (i = 0; i < idev->caps.max_wqs; i++) {
		struct idxd_wq *wq = idev->wqs[i];

		if (!wq->size)
			continue;
		if (!wq->group) {
			dev_err(&idev->conf_dev, "wq%d.%d has size %u but no group\n",
				idev->id, wq->id, wq->size);
			return -EINVAL;
		}
		total += wq->size;
	}
	if (total > idev->caps.total_wq_size) {
		dev_err(&idev->conf_dev, "WQ sizes add up to %u, more than the device's %u\n",
			total, idev->caps.total_wq_size);
		return -EINVAL;
	}
	for (i = 0; i < idev->caps.max_groups; i++) {
		struct idxd_group *g = idev->groups[i];
		bool has_wq = false, has_engine = false;
		u32 j;

		for (j = 0; j < idev->caps.max_wqs; j++)
			has_wq |= idev->wqs[j]->group == g && idev->wqs[j]->size;
		for (j = 0; j < idev->caps.max_engines; j++)
			has_engine |= idev->engines[j]->group == g;
		if (has_wq && !has_engine) {
			dev_err(&idev->conf_dev, "group%d.%d has WQs but no engine\n",
				idev->id, g->id);
			return -EINVAL;
		}
	}
	return 0;
}

static u64 idxd_group_flags(struct idxd_group *g)
{
	return FIELD_PREP(IDXD_GRPFLG_TC_A, g->tc_a < 0 ? 1 : g->tc_a) |
	       FIELD_PREP(IDXD_GRPFLG_TC_B, g->tc_b < 0 ? 1 : g->tc_b) |
	       (g->use_rdbuf_limit ? IDXD_GRPFLG_USE_RDBUF_LIMIT : 0) |
	       FIELD_PREP(IDXD_GRPFLG_RDBUFS_RESERVED, g->rdbufs_reserved) |
	       FIELD_PREP(IDXD_GRPFLG_RDBUFS_ALLOWED, g->rdbufs_allowed) |
	       FIELD_PREP(IDXD_GRPFLG_DESC_PROGRESS, g->desc_progress_limit) |
	       FIELD_PREP(IDXD_GRPFLG_BATCH_PROGRESS, g->batch_progress_limit);
}

static void idxd_write_groups(struct idxd_dev *idev)
{
	u32 i, j;

	for (i = 0; i < idev->caps.max_groups; i++) {
		struct idxd_group *g = idev->groups[i];
		void __iomem *cfg = idxd_grpcfg(idev, i);
		u64 wqs[4] = { 0 }, engines = 0;

		for (j = 0; j < idev->caps.max_wqs; j++)
			if (idev->wqs[j]->group == g && idev->wqs[j]->size)
				wqs[j / 64] |= BIT_ULL(j % 64);
		for (j = 0; j < idev->caps.max_engines; j++)
			if (idev->engines[j]->group == g)
				engines |= BIT_ULL(j);
		for (j = 0; j < 4; j++)
			writeq(wqs[j], cfg + IDXD_GRPCFG_WQS(j));
		writeq(engines, cfg + IDXD_GRPCFG_ENGINES);
		writeq(idxd_group_flags(g), cfg + IDXD_GRPCFG_FLAGS);
	}
}

/**
 * idxd_wq_write_config() - write one WQ's WQCFG entry
 * @wq: the work queue (must be disabled in hardware)
 */
void idxd_wq_write_config(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	void __iomem *cfg = idxd_wqcfg(idev, wq->id);
	u32 mode = 0;

	if (wq->dedicated)
		mode |= IDXD_WQCFG_MODE_DEDICATED;
	if (wq->bof)
		mode |= IDXD_WQCFG_BOF;
	if (wq->ats_disable)
		mode |= IDXD_WQCFG_ATS_DISABLE;
	if (wq->prs_disable)
		mode |= IDXD_WQCFG_PRS_DISABLE;
	mode |= FIELD_PREP(IDXD_WQCFG_PRIORITY, wq->priority);
	/* kernel WQs submit privileged descriptors; user WQs never */
	if (wq->type == IDXD_WQT_KERNEL)
		mode |= IDXD_WQCFG_PRIV;
	if (wq->pasid != IOMMU_PASID_INVALID)
		mode |= IDXD_WQCFG_PASID_EN | FIELD_PREP(IDXD_WQCFG_PASID, wq->pasid);
	/* a shared WQ's descriptors carry their own PASID (ENQCMDS) */
	if (!wq->dedicated)
		mode |= IDXD_WQCFG_PASID_EN;
	iowrite32(wq->size, cfg + IDXD_WQCFG_SIZE_DW * 4);
	iowrite32(wq->threshold, cfg + IDXD_WQCFG_THRESH_DW * 4);
	iowrite32(mode, cfg + IDXD_WQCFG_MODE_DW * 4);
	iowrite32(FIELD_PREP(IDXD_WQCFG_MAX_XFER, ilog2(wq->max_xfer_bytes)) |
		  FIELD_PREP(IDXD_WQCFG_MAX_BATCH, ilog2(wq->max_batch_size)),
		  cfg + IDXD_WQCFG_LIMITS_DW * 4);
}

static void idxd_write_config(struct idxd_dev *idev)
{
	u32 i;

	/* user_int_en: user WQs' descriptors may request interrupts */
	iowrite32(FIELD_PREP(IDXD_GENCFG_RDBUF_LIMIT, idev->rdbuf_limit) |
		  IDXD_GENCFG_USER_INT_EN, idev->regs + IDXD_GENCFG_OFFSET);
	idxd_write_groups(idev);
	for (i = 0; i < idev->caps.max_wqs; i++)
		idxd_wq_write_config(idev->wqs[i]);
}

/**
 * idxd_device_enable() - write the configuration and ENABLE_DEVICE
 * @idev: the device, disabled; caller holds idev->lock
 *
 * On any failure the device is left disabled and the reason is in dmesg
 * and (for a hardware refusal) in cmd_status.
 *
 * Return: 0, -EBUSY if not disabled, -EINVAL for a configuration the
 * driver refuses, -ENXIO if the device refuses it.
 */
int idxd_device_enable(struct idxd_dev *idev)
{
	int rc;

	lockdep_assert_held(&idev->lock);
	if (idev->state != IDXD_DEV_DISABLED) {
		dev_err(&idev->conf_dev, "cannot enable: device is %s\n",
			idev->state == IDXD_DEV_HALTED ? "halted" : "enabled");
		return -EBUSY;
	}
	if (idev->configurable) {
		rc = idxd_check_config(idev);
		if (rc)
			return rc;
		idxd_write_config(idev);
	}
	rc = idxd_cmd(idev, IDXD_CMD_ENABLE_DEVICE, 0, NULL);
	if (rc) {
		idev->cmd_status = rc < 0 ? IDXD_SCMD_SOFT_ERR : rc;
		dev_err(&idev->conf_dev, "device refused to enable: %s (CMDSTS %#x)\n",
			rc < 0 ? "timeout" : idxd_cmd_err_str(rc), rc);
		return -ENXIO;
	}
	idev->cmd_status = 0;
	idev->state = IDXD_DEV_ENABLED;
	dev_info(&idev->conf_dev, "enabled\n");
	return 0;
}

/**
 * idxd_device_disable() - DISABLE_DEVICE; WQs must be disabled already
 * @idev: the device; caller holds idev->lock
 */
void idxd_device_disable(struct idxd_dev *idev)
{
	int rc;

	lockdep_assert_held(&idev->lock);
	if (idev->state == IDXD_DEV_DISABLED)
		return;
	idev->dev_was_on = false;
	rc = idxd_cmd(idev, IDXD_CMD_DISABLE_DEVICE, 0, NULL);
	if (rc && rc != IDXD_CMDERR_DIS_DEV_EN) {
		dev_warn(&idev->conf_dev, "disable failed (%s), resetting\n",
			 rc < 0 ? "timeout" : idxd_cmd_err_str(rc));
		idxd_device_reset(idev);
	}
	idev->state = IDXD_DEV_DISABLED;
	dev_info(&idev->conf_dev, "disabled\n");
}

/*
 * Stop using the device: WQs are marked stopped (their interrupts and IMS
 * slots stay), what was on is remembered for idxd_restore(), and the
 * device's users hear that it is RESETTING.  Caller holds idev->lock.
 */
static void idxd_quiesce(struct idxd_dev *idev)
{
	u32 i;

	lockdep_assert_held(&idev->lock);
	/* after a failed recovery, what was on before it is what comes back */
	if (idev->health != IDXD_DEAD) {
		bitmap_zero(idev->was_on, IDXD_MAX_WQS);
		idev->dev_was_on = idev->state == IDXD_DEV_ENABLED;
		for (i = 0; i < idev->caps.max_wqs; i++)
			if (idxd_wq_enabled(idev->wqs[i]))
				__set_bit(i, idev->was_on);
	}
	/* the users stop first: a submission then fails as "resetting" */
	idxd_set_health(idev, IDXD_RESETTING);
	for (i = 0; i < idev->caps.max_wqs; i++)
		idxd_wq_set_stopped(idev->wqs[i]);
	idxd_vecs_revoked(idev);	/* a reset revokes every handle */
}

/*
 * The FLR a halt asks for.  Only a try: PCI remove holds the device lock
 * and waits for the halt work.  If someone else holds it to reset the
 * function themselves (sysfs reset), their reset_done restores the
 * device, and the health is no longer RESETTING: that is success too.
 */
static int idxd_try_flr(struct idxd_dev *idev)
{
	int rc, tries;

	for (tries = 0; tries < 50; tries++) {
		rc = pci_try_reset_function(idev->pdev);
		if (rc != -EAGAIN || READ_ONCE(idev->health) != IDXD_RESETTING)
			break;
		msleep(100);
		if (READ_ONCE(idev->health) != IDXD_RESETTING)
			return 0;
	}
	return rc;
}

/*
 * After the device lost its state: reset it, enable it and every WQ that
 * was on, and put the IMS slots back from their cached messages (the PCI
 * core restores MSI-X but knows nothing of IMS).  Caller holds idev->lock
 * and then moves the health on: LIVE on success (the users' ->resume()
 * fails what the device dropped), else DEAD.
 */
static int idxd_restore(struct idxd_dev *idev)
{
	u32 i;
	int rc;

	lockdep_assert_held(&idev->lock);
	rc = idxd_device_reset(idev);
	if (rc)
		return rc;
	/* Only now can the device no longer write: what was kept goes. */
	idxd_vecs_quiet(idev);
	idev->state = IDXD_DEV_DISABLED;
	if (idev->ims)
		ims_restore(idev->ims);
	if (!idev->dev_was_on)
		return 0;
	rc = idxd_device_enable(idev);
	if (rc)
		return rc;
	/* the device may grant other handles than before the reset */
	if (idxd_vecs_regrant(idev))
		dev_err(&idev->conf_dev, "not every interrupt handle came back after the reset\n");
	for_each_set_bit(i, idev->was_on, idev->caps.max_wqs)
		if (idev->wqs[i]->irq >= 0 && idxd_wq_hw_enable(idev->wqs[i]))
			dev_err(&idev->conf_dev, "wq%d.%u could not be re-enabled\n",
				idev->id, i);
	return 0;
}

/**
 * idxd_halt_work() - recover from a halt: reset, then re-enable what was on
 * @work: idev->halt_work
 *
 * The configuration lives in the driver, so after a software reset (or an
 * FLR when the device asks for one) the device and every WQ that was
 * enabled come back as they were, with the same interrupts and IMS slots.
 */
void idxd_halt_work(struct work_struct *work)
{
	struct idxd_dev *idev = container_of(work, struct idxd_dev, halt_work);
	u32 gensts = ioread32(idev->regs + IDXD_GENSTS_OFFSET);
	u32 reset = FIELD_GET(IDXD_GENSTS_RESET_TYPE, gensts);
	int rc = -EIO;

	if (!idev->ready || FIELD_GET(IDXD_GENSTS_STATE, gensts) != IDXD_HW_HALT)
		return;
	dev_err(&idev->conf_dev, "device halted (GENSTS %#x): recovering with %s\n",
		gensts, reset == IDXD_RESET_SOFTWARE ? "a device reset" :
		reset == IDXD_RESET_FLR ? "a function-level reset" :
		"nothing: a warm/cold reset of the platform is needed");
	mutex_lock(&idev->lock);
	if (idev->health == IDXD_RESETTING) {
		/* a function-level reset is under way: reset_done restores */
		mutex_unlock(&idev->lock);
		return;
	}
	idxd_quiesce(idev);		/* remembers what was on */
	idev->state = IDXD_DEV_HALTED;
	if (reset == IDXD_RESET_FLR) {
		/* our own reset: reset_prepare/done leave it to us */
		WRITE_ONCE(idev->resetter, current);
		mutex_unlock(&idev->lock);
		rc = idxd_try_flr(idev);
		mutex_lock(&idev->lock);
		WRITE_ONCE(idev->resetter, NULL);
		if (idev->health != IDXD_RESETTING) {
			/* another reset's reset_done restored it meanwhile */
			mutex_unlock(&idev->lock);
			return;
		}
	}
	if ((reset == IDXD_RESET_SOFTWARE || (reset == IDXD_RESET_FLR && !rc)))
		rc = idxd_restore(idev);
	if (rc)
		idev->state = IDXD_DEV_HALTED;
	idxd_set_health(idev, rc ? IDXD_DEAD : IDXD_LIVE);
	mutex_unlock(&idev->lock);
	if (rc)
		dev_err(&idev->conf_dev, "recovery from halt failed; device stays halted\n");
	else
		dev_info(&idev->conf_dev, "recovered from halt\n");
}

/**
 * idxd_reset_prepare() - a function-level reset is coming (e.g. sysfs reset)
 * @pdev: the PCI function
 */
void idxd_reset_prepare(struct pci_dev *pdev)
{
	struct idxd_dev *idev = pci_get_drvdata(pdev);

	if (!idev || READ_ONCE(idev->resetter) == current)
		return;
	mutex_lock(&idev->lock);
	if (idev->health != IDXD_RESETTING)	/* not inside a halt recovery */
		idxd_quiesce(idev);
	mutex_unlock(&idev->lock);
}

/**
 * idxd_reset_done() - the reset is over: bring everything back
 * @pdev: the PCI function
 */
void idxd_reset_done(struct pci_dev *pdev)
{
	struct idxd_dev *idev = pci_get_drvdata(pdev);
	int rc;

	if (!idev || READ_ONCE(idev->resetter) == current)
		return;
	mutex_lock(&idev->lock);
	if (idev->health == IDXD_LIVE) {	/* restored already */
		mutex_unlock(&idev->lock);
		return;
	}
	/* dead: a halt recovery failed meanwhile, but the function was reset */
	if (idev->health == IDXD_DEAD)
		idxd_quiesce(idev);
	rc = idxd_restore(idev);
	if (rc)
		idev->state = IDXD_DEV_HALTED;
	idxd_set_health(idev, rc ? IDXD_DEAD : IDXD_LIVE);
	mutex_unlock(&idev->lock);
	if (rc)
		dev_err(&idev->conf_dev, "not restored after a function-level reset: %d\n", rc);
	else
		dev_info(&idev->conf_dev, "restored after a function-level reset\n");
}

/* For callers that must know the device really is where we think. */
bool idxd_hw_enabled(struct idxd_dev *idev)
{
	return idxd_hw_state(idev) == IDXD_HW_ENABLED;
}
