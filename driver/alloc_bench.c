// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs alloc_bench, /sys/kernel/debug/idxd_ims/dsa<N>/alloc_bench (the
 * tests' build only): what getting one completion-interrupt vector costs,
 * IMS against dynamic MSI-X, on the same device.
 *
 *   echo N > alloc_bench   N rounds (1..10000).  Each round takes, in
 *                          random order, one IMS vector (slot, irq and
 *                          IRTE, request_irq(), interrupt handle:
 *                          idxd_vec_alloc()) and one dynamic MSI-X vector
 *                          (pci_msix_alloc_irq_at(), then the same
 *                          idxd_vec_alloc() on it), each timed from the
 *                          first call to a vector ready to fire, then
 *                          frees both (not timed).
 *   cat alloc_bench        one line per round, "IMS_NS MSIX_NS FIRST"
 *                          (FIRST 0: the IMS vector was taken first), the
 *                          layout of ims-bench --raw, for bench/stats.py.
 *
 * -EOPNOTSUPP if the device has no IMS or its MSI-X table cannot grow
 * (pci_msix_can_alloc_dyn(), and a spare entry: silicon has none; the
 * emulated device's msix-spare property gives some).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "idxd_ims.h"

#define ABENCH_MAX	10000
#define ABENCH_LINE	48	/* "%llu %llu %u\n" at most */

/**
 * struct idxd_alloc_bench - the last run's rounds, as text
 * @len: bytes of @text
 * @text: one line per round
 *
 * idev->alloc_bench points to it; idxd_abench_lock protects the pointer
 * and the runs (one at a time, any device).
 */
struct idxd_alloc_bench {
	size_t len;
	char text[];
};

static DEFINE_MUTEX(idxd_abench_lock);

static irqreturn_t idxd_abench_irq(int irq, void *data)
{
	return IRQ_HANDLED;	/* nothing fires these */
}

/* One IMS vector: the time to a vector ready to fire, freed after. */
static int idxd_abench_ims(struct idxd_dev *idev, u64 *ns)
{
	struct idxd_irq_entry *v;
	u64 t0 = ktime_get_ns();

	v = idxd_vec_alloc(idev, -1, idxd_abench_irq, NULL, idev, "idxd_ims-abench");
	*ns = ktime_get_ns() - t0;
	if (IS_ERR(v))
		return PTR_ERR(v);
	idxd_vec_free(v);
	return 0;
}

/* One dynamic MSI-X vector, the same way. */
static int idxd_abench_msix(struct idxd_dev *idev, u64 *ns)
{
	struct idxd_irq_entry *v;
	struct msi_map map;
	u64 t0 = ktime_get_ns();

	map = pci_msix_alloc_irq_at(idev->pdev, MSI_ANY_INDEX, NULL);
	if (map.index < 0) {
		*ns = ktime_get_ns() - t0;
		return map.index;
	}
	v = idxd_vec_alloc(idev, map.index, idxd_abench_irq, NULL, idev, "idxd_ims-abench");
	*ns = ktime_get_ns() - t0;
	if (!IS_ERR(v))
		idxd_vec_free(v);
	pci_msix_free_irq(idev->pdev, map);
	return PTR_ERR_OR_ZERO(v);
}

static int idxd_abench_failed(struct idxd_dev *idev, unsigned int round,
			      const char *what, int rc)
{
	dev_err(&idev->conf_dev, "alloc_bench: round %u: no %s vector: %d%s\n", round, what, rc,
		(rc == -EBUSY || rc == -ENOSPC) && what[0] == 'M' ?
		" (no spare MSI-X table entry)" : "");
	return rc;
}

/* One round: both vectors, in the order @msix_first says. */
static int idxd_abench_round(struct idxd_dev *idev, unsigned int round, bool msix_first,
			     u64 *ims_ns, u64 *msix_ns)
{
	int rc;

	if (msix_first) {
		rc = idxd_abench_msix(idev, msix_ns);
		if (rc)
			return idxd_abench_failed(idev, round, "MSI-X", rc);
	}
	rc = idxd_abench_ims(idev, ims_ns);
	if (rc)
		return idxd_abench_failed(idev, round, "IMS", rc);
	if (!msix_first) {
		rc = idxd_abench_msix(idev, msix_ns);
		if (rc)
			return idxd_abench_failed(idev, round, "MSI-X", rc);
	}
	return 0;
}

static int idxd_abench_run(struct idxd_dev *idev, unsigned int n)
{
	struct idxd_alloc_bench *ab;
	u64 ims_ns, msix_ns;
	unsigned int i;
	bool msix_first;
	int rc;

	ab = kvzalloc(struct_size(ab, text, (size_t)n * ABENCH_LINE), GFP_KERNEL);
	if (!ab)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		msix_first = get_random_u32() & 1;
		rc = idxd_abench_round(idev, i, msix_first, &ims_ns, &msix_ns);
		if (rc) {
			kvfree(ab);
			return rc;
		}
		ab->len += scnprintf(ab->text + ab->len, ABENCH_LINE, "%llu %llu %u\n",
				     ims_ns, msix_ns, msix_first);
		cond_resched();
	}
	kvfree(idev->alloc_bench);
	idev->alloc_bench = ab;
	return 0;
}

static ssize_t alloc_bench_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	unsigned int n;
	int rc;

	rc = kstrtouint_from_user(ubuf, len, 0, &n);
	if (rc)
		return rc;
	if (!n || n > ABENCH_MAX)
		return -EINVAL;
	if (!idev->ims || !pci_msix_can_alloc_dyn(idev->pdev)) {
		dev_err(&idev->conf_dev, "alloc_bench: needs IMS and dynamic MSI-X (%s)\n",
			idev->ims ? "this MSI-X cannot grow" : "no IMS");
		return -EOPNOTSUPP;
	}
	mutex_lock(&idxd_abench_lock);
	rc = idxd_abench_run(idev, n);
	mutex_unlock(&idxd_abench_lock);
	return rc ?: len;
}

static ssize_t alloc_bench_read(struct file *file, char __user *ubuf, size_t len,
				loff_t *ppos)
{
	struct idxd_dev *idev = file->private_data;
	struct idxd_alloc_bench *ab;
	ssize_t rc;

	mutex_lock(&idxd_abench_lock);
	ab = idev->alloc_bench;
	rc = ab ? simple_read_from_buffer(ubuf, len, ppos, ab->text, ab->len) : 0;
	mutex_unlock(&idxd_abench_lock);
	return rc;
}

const struct file_operations idxd_alloc_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = alloc_bench_read,
	.write = alloc_bench_write,
};

/**
 * idxd_alloc_bench_free() - drop @idev's last alloc_bench results
 * @idev: the device, going away
 */
void idxd_alloc_bench_free(struct idxd_dev *idev)
{
	mutex_lock(&idxd_abench_lock);
	kvfree(idev->alloc_bench);
	idev->alloc_bench = NULL;
	mutex_unlock(&idxd_abench_lock);
}
