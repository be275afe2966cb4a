// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor submission to a WQ portal.  Real hardware needs the 64-byte
 * descriptor in one atomic MOVDIR64B; the emulated DSA (and only it, told
 * by its subsystem ID and marker register) also assembles eight 8-byte
 * stores, which must not interleave, hence the per-WQ lock.
 */
#include <linux/bitfield.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <asm/special_insns.h>
#include "idxd_ims.h"

/**
 * idxd_wq_occupancy() - descriptors the device holds for this WQ now
 * @wq: an enabled work queue
 *
 * Return: the WQCFG occupancy field; 0 if the device does not report it.
 */
u32 idxd_wq_occupancy(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;

	if (!(idev->caps.wqcap & IDXD_WQCAP_OCCUPANCY))
		return 0;
	return FIELD_GET(IDXD_WQCFG_OCCUPANCY,
			 ioread32(idxd_wqcfg(idev, wq->id) +
				  IDXD_WQCFG_STATUS_DW * 4));
}

static void idxd_portal_write(struct idxd_wq *wq, void __iomem *portal,
			      const void *desc)
{
	const u64 *q = desc;
	int i;

	if (wq->idev->movdir64b) {
		movdir64b(portal, desc);
		return;
	}
	for (i = 0; i < 8; i++)
		writeq(q[i], portal + i * 8);
}

/*
 * A shared WQ answers each ENQCMDS: accepted, or retry (full up to its
 * threshold on the limited portal user submissions go to).  Its
 * descriptors name their PASID, so no lock orders them.
 */
static int idxd_submit_shared(struct idxd_wq *wq, const void *desc)
{
	void __iomem *portal = READ_ONCE(wq->portal);
	unsigned int tries = 0;

	if (!portal)
		return -ENXIO;
	/* Completion records and buffers before the command. */
	wmb();
	do {
		if (!enqcmds(portal + IDXD_PORTAL_SIZE, desc))
			return 0;
	} while (++tries < READ_ONCE(wq->enqcmds_retries));
	return -EAGAIN;
}

/**
 * idxd_submit() - post one descriptor to a WQ
 * @wq: an enabled work queue
 * @desc: 64 bytes, already checked
 *
 * A posted write to a full dedicated WQ is dropped silently by the
 * device, so fullness is checked first, under the same lock as the
 * write: -EAGAIN, never a lost descriptor.
 *
 * A shared WQ takes it with ENQCMDS (idxd_submit_shared()).
 *
 * Return: 0, -EAGAIN when full, -ENXIO when not enabled.
 */
int idxd_submit(struct idxd_wq *wq, const void *desc)
{
	void __iomem *portal;
	unsigned long flags;
	int rc = 0;

	if (!wq->dedicated)
		return idxd_submit_shared(wq, desc);

	spin_lock_irqsave(&wq->submit_lock, flags);
	portal = wq->portal;		/* changes only under submit_lock */
	if (!portal) {
		rc = -ENXIO;
	} else if (idxd_wq_occupancy(wq) >= wq->size) {
		rc = -EAGAIN;
	} else {
		/* Completion records and buffers before the doorbell. */
		wmb();
		idxd_portal_write(wq, portal, desc);
	}
	spin_unlock_irqrestore(&wq->submit_lock, flags);
	return rc;
}
