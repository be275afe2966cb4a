// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs irq_load, /sys/kernel/debug/idxd_ims/dsa<N>/irq_load: many IMS
 * interrupts active at once, for the benchmark's scale runs.
 *
 *   write "N wq<N>.<M>"  take N IMS vectors the way an mdev's guest
 *                        vectors get them (slot, irq, IRTE, handle,
 *                        threaded handler), then, round after round,
 *                        complete one NOOP with RCI per vector through
 *                        that enabled kernel WQ, waiting for all N
 *                        interrupts before the next round
 *   write "0"            stop and free everything
 *   read                 vectors, rounds, interrupts taken and missed
 *                        (a round's interrupt not seen within a second),
 *                        and why the load stopped on its own, if it did
 *
 * A test and benchmark hook; nothing here is needed in production.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include "../uapi/linux/idxd_ims.h"
#include "idxd_ims.h"

#define IRQ_LOAD_MAX	2048

struct idxd_load_vec {
	struct idxd_irq_load *ld;
	struct idxd_irq_entry *hw;
};

struct idxd_irq_load {
	struct idxd_dev *idev;
	struct idxd_wq *wq;
	struct task_struct *task;
	struct idxd_load_vec *vec;
	unsigned int n;
	struct idxd_ims_completion *cr;
	dma_addr_t cr_dma;
	atomic_t got;			/* interrupts this round */
	atomic64_t total;		/* interrupts since the start */
	wait_queue_head_t wait;
	unsigned int posted;		/* descriptors of the current round */
	u64 rounds, missed;
	const char *stopped;		/* why it stopped by itself */
};

static DEFINE_MUTEX(idxd_load_lock);	/* every device's load */

static irqreturn_t idxd_load_irq(int irq, void *data)
{
	struct idxd_load_vec *v = data;

	atomic_inc(&v->ld->got);
	atomic64_inc(&v->ld->total);
	wake_up(&v->ld->wait);
	return IRQ_HANDLED;
}

static int idxd_load_post(struct idxd_irq_load *ld, unsigned int i)
{
	struct idxd_ims_desc d = {
		.flags_opcode = (u32)IDXD_IMS_OP_NOOP << 24 | IDXD_IMS_F_CRAV |
				IDXD_IMS_F_RCR | IDXD_IMS_F_RCI,
		.completion_addr = ld->cr_dma + i * sizeof(*ld->cr),
		.int_handle = READ_ONCE(ld->vec[i].hw->handle),
	};
	int rc, tries = 0;

	/* the WQ may have been given to users meanwhile: ours no more */
	if (READ_ONCE(ld->wq->type) != IDXD_WQT_KERNEL)
		return -ENXIO;
	WRITE_ONCE(ld->cr[i].status, 0);
	while ((rc = idxd_submit(ld->wq, &d)) == -EAGAIN && tries++ < 100000)
		usleep_range(5, 20);
	return rc;
}

static int idxd_load_main(void *arg)
{
	struct idxd_irq_load *ld = arg;
	unsigned int i;
	long left;

	while (!kthread_should_stop()) {
		atomic_set(&ld->got, 0);
		ld->posted = 0;
		for (i = 0; i < ld->n && !ld->stopped; i++) {
			if (idxd_load_post(ld, i))
				ld->stopped = "the WQ stopped taking descriptors";
			else
				ld->posted = i + 1;
		}
		if (ld->stopped)
			break;
		left = wait_event_timeout(ld->wait, atomic_read(&ld->got) >= ld->n ||
					  kthread_should_stop(), HZ);
		if (!left && atomic_read(&ld->got) < ld->n)
			ld->missed += ld->n - atomic_read(&ld->got);
		ld->rounds++;
		cond_resched();
	}
	/* kthread_stop() must find us: park until asked */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* Has the device written every record of the last round (1 s at most)? */
static bool idxd_load_idle(struct idxd_irq_load *ld)
{
	unsigned long end = jiffies + HZ;
	unsigned int i;

	for (i = 0; i < ld->posted; i++)
		while (!READ_ONCE(ld->cr[i].status)) {
			if (time_after(jiffies, end))
				return false;
			usleep_range(100, 200);
		}
	return true;
}

static void idxd_load_free(struct idxd_irq_load *ld)
{
	bool idle;
	unsigned int i;

	if (ld->task)
		kthread_stop(ld->task);
	idle = !ld->cr || idxd_load_idle(ld);
	if (!idle)
		dev_warn(&ld->idev->conf_dev,
			 "irq_load: descriptors still on the device: their vectors and records are kept until it is reset\n");
	/*
	 * A late completion may still name a vector or write a record:
	 * the device keeps them (orphaned, not reused) until it is reset,
	 * and @ld, the handlers' old data, can go now.
	 */
	for (i = 0; i < ld->n; i++) {
		if (idle)
			idxd_vec_free(ld->vec[i].hw);
		else
			idxd_vec_orphan(ld->vec[i].hw);
	}
	if (ld->cr && idle)
		dma_free_coherent(&ld->idev->pdev->dev, IRQ_LOAD_MAX * sizeof(*ld->cr),
				  ld->cr, ld->cr_dma);
	else if (ld->cr)
		idxd_dma_orphan(ld->idev, IRQ_LOAD_MAX * sizeof(*ld->cr), ld->cr, ld->cr_dma);
	kfree(ld->vec);
	kfree(ld);
}

static int idxd_load_start(struct idxd_dev *idev, unsigned int n,
			   const char *wqname)
{
	struct idxd_irq_load *ld;
	int rc;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return -ENOMEM;
	ld->idev = idev;
	init_waitqueue_head(&ld->wait);
	ld->wq = idxd_dbg_find_wq(idev, wqname);
	if (!ld->wq || ld->wq->type != IDXD_WQT_KERNEL || !ld->wq->portal) {
		dev_err(&idev->conf_dev, "irq_load: %s is not an enabled kernel WQ\n",
			wqname);
		kfree(ld);
		return -EINVAL;
	}
	/*
	 * The portal a descriptor is written to decides which table its
	 * interrupt handle indexes: our IMS handles need the IMS portal.
	 * Through a WQ on MSI-X they would name MSI-X entries instead.
	 */
	if (ld->wq->portal_kind != IDXD_PORTAL_IMS) {
		dev_err(&idev->conf_dev,
			"irq_load: %s submits through its MSI-X portal, where IMS handles mean nothing; use a kernel WQ on IMS\n",
			wqname);
		kfree(ld);
		return -EINVAL;
	}
	ld->vec = kcalloc(n, sizeof(*ld->vec), GFP_KERNEL);
	ld->cr = dma_alloc_coherent(&idev->pdev->dev, IRQ_LOAD_MAX * sizeof(*ld->cr),
				    &ld->cr_dma, GFP_KERNEL);
	if (!ld->vec || !ld->cr) {
		rc = -ENOMEM;
		goto err;
	}
	for (ld->n = 0; ld->n < n; ld->n++) {
		struct idxd_load_vec *v = &ld->vec[ld->n];

		v->ld = ld;
		v->hw = idxd_vec_alloc(idev, -1, NULL, idxd_load_irq, v, "idxd_ims-load");
		if (IS_ERR(v->hw)) {
			rc = PTR_ERR(v->hw);
			v->hw = NULL;
			dev_err(&idev->conf_dev, "irq_load: vector %u of %u: %d (no slot, IRTE or CPU vector left?)\n",
				ld->n, n, rc);
			goto err;
		}
	}
	ld->task = kthread_run(idxd_load_main, ld, "idxd_ims-load/%d", idev->id);
	if (IS_ERR(ld->task)) {
		rc = PTR_ERR(ld->task);
		ld->task = NULL;
		goto err;
	}
	idev->irq_load = ld;
	dev_info(&idev->conf_dev, "irq_load: %u IMS vectors fired through %s\n",
		 n, wqname);
	return 0;
err:
	idxd_load_free(ld);
	return rc;
}

/* Stop the load and free what it holds; under idxd_load_lock. */
static void idxd_load_stop_locked(struct idxd_dev *idev)
{
	if (idev->irq_load) {
		idxd_load_free(idev->irq_load);
		idev->irq_load = NULL;
	}
}

/**
 * idxd_irq_load_stop() - stop @idev's irq_load, if any, and free what it holds
 * @idev: the device; called before its IMS domain goes
 *
 * Vectors a descriptor still on the device could name are orphaned, not
 * freed (see idxd_load_free()).
 */
void idxd_irq_load_stop(struct idxd_dev *idev)
{
	mutex_lock(&idxd_load_lock);
	idxd_load_stop_locked(idev);
	mutex_unlock(&idxd_load_lock);
}

static ssize_t irq_load_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	char buf[48], wq[24] = "";
	unsigned int n;
	int rc, f;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	f = sscanf(buf, "%u %23s", &n, wq);
	if (f < 1 || (n && f != 2) || n > IRQ_LOAD_MAX)
		return -EINVAL;
	if (n && !idev->ims)
		return -EOPNOTSUPP;
	mutex_lock(&idxd_load_lock);
	idxd_load_stop_locked(idev);
	rc = n ? idxd_load_start(idev, n, wq) : 0;
	mutex_unlock(&idxd_load_lock);
	return rc ?: len;
}

static ssize_t irq_load_read(struct file *file, char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	struct idxd_irq_load *ld;
	const char *why;
	char buf[200];
	int n;

	mutex_lock(&idxd_load_lock);
	ld = idev->irq_load;
	why = ld ? READ_ONCE(ld->stopped) : NULL;
	n = scnprintf(buf, sizeof(buf),
		      "vectors=%u rounds=%llu interrupts=%lld missed=%llu stopped=%s\n",
		      ld ? ld->n : 0, ld ? ld->rounds : 0,
		      ld ? (long long)atomic64_read(&ld->total) : 0LL,
		      ld ? READ_ONCE(ld->missed) : 0, why ?: "-");
	mutex_unlock(&idxd_load_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

const struct file_operations idxd_irq_load_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = irq_load_read,
	.write = irq_load_write,
};
