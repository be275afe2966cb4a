// SPDX-License-Identifier: GPL-2.0
/*
 * The device's health (live, resetting, dead) and the users that hear
 * when it changes: open WQ files, dmaengine channels, virtual DSAs.
 */
#include "idxd_ims.h"

/**
 * DOC: Device health
 *
 * A device halt or a function-level reset loses everything the device
 * held: descriptors in its WQs, batches in flight, interrupts not yet
 * sent.  Whoever submitted that work must hear of it, and must not free
 * memory the device might still write before the reset has happened.
 * So the device has one health state, and everything with work on it
 * registers a &struct idxd_user whose callbacks run as it changes:
 *
 * - LIVE or DEAD to RESETTING: a halt, or the PCI core's reset_prepare;
 * - RESETTING to LIVE: the reset is done and the configuration restored;
 * - RESETTING to DEAD: the reset or the restore failed.
 *
 * Entering RESETTING runs every user's ->quiesce(); leaving it runs
 * ->resume() with the new state.  Both run under idev->lock, so a user
 * registers and unregisters under it too and never sees a callback after
 * idxd_user_del() returns.  A user that goes away while the device is
 * RESETTING (a file closed in the window) cannot know when the device is
 * quiet, so it leaves its DMA memory with the device (idxd_dma_orphan()),
 * which frees it once reset.
 */

static const char * const idxd_health_names[] = {
	[IDXD_LIVE] = "live",
	[IDXD_RESETTING] = "resetting",
	[IDXD_DEAD] = "dead",
};

const char *idxd_health_name(enum idxd_health h)
{
	return h < ARRAY_SIZE(idxd_health_names) ? idxd_health_names[h] : "?";
}

static bool idxd_health_may(enum idxd_health from, enum idxd_health to)
{
	switch (to) {
	case IDXD_RESETTING:
		return from == IDXD_LIVE || from == IDXD_DEAD;
	case IDXD_LIVE:
	case IDXD_DEAD:
		return from == IDXD_RESETTING;
	}
	return false;
}

/**
 * idxd_set_health() - move the device to another health state
 * @idev: the device; caller holds idev->lock
 * @to: the new state
 *
 * Runs the users' callbacks (see "Device health") and wakes pollers.  A
 * transition the state machine does not allow is a driver bug: it WARNs
 * and changes nothing.
 */
void idxd_set_health(struct idxd_dev *idev, enum idxd_health to)
{
	enum idxd_health from = idev->health;
	struct idxd_user *u;

	lockdep_assert_held(&idev->lock);
	if (WARN(!idxd_health_may(from, to), "%s: health %s -> %s\n",
		 dev_name(&idev->conf_dev), idxd_health_name(from),
		 idxd_health_name(to)))
		return;
	WRITE_ONCE(idev->health, to);
	dev_dbg(&idev->conf_dev, "health %s -> %s\n", idxd_health_name(from),
		idxd_health_name(to));
	list_for_each_entry(u, &idev->users, node) {
		if (to == IDXD_RESETTING)
			u->ops->quiesce(u);
		else
			u->ops->resume(u, to);
	}
	wake_up_interruptible_all(&idev->err_wait);
}

/**
 * idxd_user_add() - hear of the device's resets from now on
 * @idev: the device; caller holds idev->lock
 * @u: the user's entry, embedded in the user
 * @ops: its callbacks
 */
void idxd_user_add(struct idxd_dev *idev, struct idxd_user *u,
		   const struct idxd_user_ops *ops)
{
	lockdep_assert_held(&idev->lock);
	u->ops = ops;
	list_add_tail(&u->node, &idev->users);
}

/**
 * idxd_user_del() - no more callbacks for @u
 * @idev: the device; caller holds idev->lock
 * @u: a user idxd_user_add() added
 */
void idxd_user_del(struct idxd_dev *idev, struct idxd_user *u)
{
	lockdep_assert_held(&idev->lock);
	list_del_init(&u->node);
}
