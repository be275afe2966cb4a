// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs test hooks, /sys/kernel/debug/idxd_ims/dsa<N>/:
 *
 *   ims_fill  write N: take up to N free IMS slots, allocate an irq (and
 *             IRTE) for each, then request them all (a CPU vector each);
 *             stop at the first failure, saying which resource ran out.
 *             Write 0 to free them.  Read: what is held and why it stopped.
 *   irq_ctl   write "wq<N>.<M> disable|enable": disable_irq()/enable_irq()
 *             on that WQ's completion interrupt.
 *   irq_load  many IMS vectors firing at once (irq_load.c).
 *   alloc_bench  the cost of one IMS vector against one dynamic MSI-X
 *             vector, round after round (alloc_bench.c).
 *
 * For capacity and masking tests; nothing here is needed in production.
 */
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/slab.h>
#include "idxd_ims.h"
#include "ims.h"

static struct dentry *idxd_dbg_root;

struct idxd_fill {
	int *slot;
	int *irq;
	unsigned int nslots;		/* slots and irqs allocated */
	unsigned int nrequested;	/* of those, requested (vector) */
	const char *slots_why;		/* why stage 1 stopped short */
	const char *request_why;	/* why stage 2 stopped short */
};

static DEFINE_MUTEX(idxd_fill_lock);	/* every device's fill state */

static irqreturn_t idxd_fill_irq(int irq, void *data)
{
	return IRQ_HANDLED;
}

static void idxd_fill_free(struct idxd_dev *idev, struct idxd_fill *f)
{
	unsigned int i;

	for (i = 0; i < f->nrequested; i++)
		free_irq(f->irq[i], f);
	for (i = 0; i < f->nslots; i++) {
		ims_irq_free(idev->ims, f->irq[i]);
		ims_slot_put(idev->ims, f->slot[i]);
	}
	kfree(f->slot);
	kfree(f->irq);
	memset(f, 0, sizeof(*f));
}

static void idxd_fill_take(struct idxd_dev *idev, struct idxd_fill *f,
			   unsigned int n)
{
	int rc;

	f->slot = kcalloc(n, sizeof(*f->slot), GFP_KERNEL);
	f->irq = kcalloc(n, sizeof(*f->irq), GFP_KERNEL);
	if (!f->slot || !f->irq) {
		f->slots_why = "no memory";
		return;
	}
	/* Stage 1: slots and irqs (IRTEs); stage 2 activates what we got. */
	while (f->nslots < n) {
		rc = ims_slot_get(idev->ims);
		if (rc < 0) {
			f->slots_why = "no free IMS slot";
			break;
		}
		f->slot[f->nslots] = rc;
		rc = ims_irq_alloc(idev->ims, rc);
		if (rc < 0) {
			ims_slot_put(idev->ims, f->slot[f->nslots]);
			f->slots_why = rc == -ENOSPC ?
				       "no interrupt remapping entry (IRTE) left" :
				       "irq allocation failed";
			break;
		}
		f->irq[f->nslots++] = rc;
	}
	while (f->nrequested < f->nslots) {
		rc = request_irq(f->irq[f->nrequested], idxd_fill_irq, 0,
				 "idxd_ims-fill", f);
		if (rc) {
			f->request_why = rc == -ENOSPC ? "no CPU vector left" :
					 "request_irq failed";
			return;
		}
		f->nrequested++;
	}
}

static ssize_t ims_fill_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	struct idxd_fill *f;
	unsigned int n;
	int rc;

	rc = kstrtouint_from_user(ubuf, len, 0, &n);
	if (rc)
		return rc;
	if (!idev->ims)
		return -EOPNOTSUPP;
	if (n > idev->caps.ims_size)
		return -EINVAL;
	mutex_lock(&idxd_fill_lock);
	f = idev->fill;
	if (!f) {
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		idev->fill = f;
	}
	if (f) {
		idxd_fill_free(idev, f);
		if (n)
			idxd_fill_take(idev, f, n);
		dev_info(&idev->conf_dev, "ims_fill: %u of %u slots with irqs (%s), %u requested (%s)\n",
			 f->nslots, n, f->slots_why ?: "all", f->nrequested,
			 f->request_why ?: "all");
	}
	mutex_unlock(&idxd_fill_lock);
	return f ? len : -ENOMEM;
}

static ssize_t ims_fill_read(struct file *file, char __user *ubuf, size_t len,
			     loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	struct idxd_fill *f;
	char buf[200];
	int n;

	mutex_lock(&idxd_fill_lock);
	f = idev->fill;
	n = scnprintf(buf, sizeof(buf), "slots=%u requested=%u slots_stop=%s request_stop=%s\n",
		      f ? f->nslots : 0, f ? f->nrequested : 0,
		      f && f->slots_why ? f->slots_why : "-",
		      f && f->request_why ? f->request_why : "-");
	mutex_unlock(&idxd_fill_lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations ims_fill_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = ims_fill_read,
	.write = ims_fill_write,
};

/**
 * idxd_dbg_find_wq() - a WQ of @idev by its name, as the test hooks take it
 * @idev: the device
 * @name: "wq<N>.<M>"
 *
 * Return: the WQ, or NULL if @idev has none of that name.
 */
struct idxd_wq *idxd_dbg_find_wq(struct idxd_dev *idev, const char *name)
{
	u32 i;

	for (i = 0; i < idev->caps.max_wqs; i++)
		if (!strcmp(dev_name(&idev->wqs[i]->conf_dev), name))
			return idev->wqs[i];
	return NULL;
}

static ssize_t irq_ctl_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	char buf[48], name[24], op[16];
	struct idxd_wq *wq;
	int rc = -ENOENT;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%23s %15s", name, op) != 2)
		return -EINVAL;
	mutex_lock(&idev->lock);
	wq = idxd_dbg_find_wq(idev, name);
	if (wq) {
		/*
		 * One level of disable, never nested or unbalanced: the
		 * irq core warns on an enable of an irq not disabled, and
		 * teardown gives back what is still disabled.
		 */
		rc = wq->irq < 0 ? -ENXIO : 0;
		if (!rc && !strcmp(op, "disable")) {
			if (!wq->irq_ctl_off)
				disable_irq(wq->irq);
			wq->irq_ctl_off = true;
		} else if (!rc && !strcmp(op, "enable")) {
			if (wq->irq_ctl_off)
				enable_irq(wq->irq);
			wq->irq_ctl_off = false;
		} else if (!rc) {
			rc = -EINVAL;
		}
	}
	mutex_unlock(&idev->lock);
	return rc ?: len;
}

static const struct file_operations irq_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = irq_ctl_write,
};

void idxd_debugfs_add(struct idxd_dev *idev)
{
	idev->dbg = debugfs_create_dir(dev_name(&idev->conf_dev), idxd_dbg_root);
	debugfs_create_file("ims_fill", 0600, idev->dbg, idev, &ims_fill_fops);
	debugfs_create_file("irq_ctl", 0200, idev->dbg, idev, &irq_ctl_fops);
	debugfs_create_file("irq_load", 0600, idev->dbg, idev, &idxd_irq_load_fops);
	debugfs_create_file("alloc_bench", 0600, idev->dbg, idev, &idxd_alloc_bench_fops);
}

/* Before the IMS domain goes: everything the hooks hold is freed. */
void idxd_debugfs_del(struct idxd_dev *idev)
{
	debugfs_remove_recursive(idev->dbg);
	idxd_irq_load_stop(idev);
	idxd_alloc_bench_free(idev);
	mutex_lock(&idxd_fill_lock);
	if (idev->fill) {
		idxd_fill_free(idev, idev->fill);
		kfree(idev->fill);
		idev->fill = NULL;
	}
	mutex_unlock(&idxd_fill_lock);
}

void idxd_debugfs_init(void)
{
	idxd_dbg_root = debugfs_create_dir("idxd_ims", NULL);
}

void idxd_debugfs_exit(void)
{
	debugfs_remove_recursive(idxd_dbg_root);
}
