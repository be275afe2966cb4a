// SPDX-License-Identifier: GPL-2.0
/*
 * idxd_ims: module init and the PCI driver.  Probe reads the hardware,
 * sets up the misc interrupt, resets the device and registers dsa<N>
 * with its groups, engines and WQs on the dsa bus, all disabled until
 * configured and bound (accel-config or sysfs).
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/pci.h>
#include <asm/cpufeature.h>
#include "idxd_ims.h"
#include "mdev.h"

static DEFINE_IDA(idxd_dsa_ida);
static DEFINE_IDA(idxd_iax_ida);

static void idxd_dev_release(struct device *dev)
{
	struct idxd_dev *idev = confdev_to_idev(dev);

	ida_free(idev->type == IDXD_TYPE_DSA ? &idxd_dsa_ida : &idxd_iax_ida,
		 idev->id);
	pci_dev_put(idev->pdev);
	kfree(idev->wqs);
	kfree(idev->groups);
	kfree(idev->engines);
	kfree(idev);
}

static void idxd_wq_release(struct device *dev)
{
	kfree(confdev_to_wq(dev));
}

static void idxd_group_release(struct device *dev)
{
	kfree(confdev_to_group(dev));
}

static void idxd_engine_release(struct device *dev)
{
	kfree(confdev_to_engine(dev));
}

const struct device_type idxd_dsa_type = {
	.name = "dsa",
	.release = idxd_dev_release,
	.groups = idxd_dev_groups,
};

const struct device_type idxd_iax_type = {
	.name = "iax",
	.release = idxd_dev_release,
	.groups = idxd_dev_groups,
};

const struct device_type idxd_wq_type = {
	.name = "wq",
	.release = idxd_wq_release,
	.groups = idxd_wq_groups,
};

const struct device_type idxd_group_type = {
	.name = "group",
	.release = idxd_group_release,
	.groups = idxd_group_groups,
};

const struct device_type idxd_engine_type = {
	.name = "engine",
	.release = idxd_engine_release,
	.groups = idxd_engine_groups,
};

/* Make a child conf device of dsa<N>; the caller adds it. */
static void idxd_child_init(struct idxd_dev *idev, struct device *dev,
			    const struct device_type *type)
{
	device_initialize(dev);
	dev->parent = &idev->conf_dev;
	dev->bus = &idxd_bus;
	dev->type = type;
}

static int idxd_alloc_objects(struct idxd_dev *idev)
{
	struct idxd_caps *c = &idev->caps;
	u32 i;

	idev->wqs = kcalloc(c->max_wqs, sizeof(*idev->wqs), GFP_KERNEL);
	idev->groups = kcalloc(c->max_groups, sizeof(*idev->groups), GFP_KERNEL);
	idev->engines = kcalloc(c->max_engines, sizeof(*idev->engines), GFP_KERNEL);
	if (!idev->wqs || !idev->groups || !idev->engines)
		return -ENOMEM;
	for (i = 0; i < c->max_groups; i++) {
		struct idxd_group *g = kzalloc(sizeof(*g), GFP_KERNEL);

		if (!g)
			return -ENOMEM;
		g->idev = idev;
		g->id = i;
		g->tc_a = -1;
		g->tc_b = -1;
		idxd_child_init(idev, &g->conf_dev, &idxd_group_type);
		dev_set_name(&g->conf_dev, "group%d.%u", idev->id, i);
		idev->groups[i] = g;
	}
	for (i = 0; i < c->max_engines; i++) {
		struct idxd_engine *e = kzalloc(sizeof(*e), GFP_KERNEL);

		if (!e)
			return -ENOMEM;
		e->idev = idev;
		e->id = i;
		idxd_child_init(idev, &e->conf_dev, &idxd_engine_type);
		dev_set_name(&e->conf_dev, "engine%d.%u", idev->id, i);
		idev->engines[i] = e;
	}
	for (i = 0; i < c->max_wqs; i++) {
		struct idxd_wq *wq = kzalloc(sizeof(*wq), GFP_KERNEL);

		if (!wq)
			return -ENOMEM;
		wq->idev = idev;
		wq->id = i;
		wq->irq = -1;
		wq->ims_slot = -1;
		wq->msix_vec = -1;
		spin_lock_init(&wq->submit_lock);
		spin_lock_init(&wq->efd_lock);
		INIT_LIST_HEAD(&wq->efds);
		idxd_wq_init_defaults(wq);
		idxd_child_init(idev, &wq->conf_dev, &idxd_wq_type);
		dev_set_name(&wq->conf_dev, "wq%d.%u", idev->id, i);
		idev->wqs[i] = wq;
	}
	return 0;
}

/* Drop children that were initialised but never added (probe failure). */
static void idxd_put_objects(struct idxd_dev *idev)
{
	u32 i;

	for (i = 0; idev->wqs && i < idev->caps.max_wqs; i++)
		if (idev->wqs[i])
			put_device(&idev->wqs[i]->conf_dev);
	for (i = 0; idev->engines && i < idev->caps.max_engines; i++)
		if (idev->engines[i])
			put_device(&idev->engines[i]->conf_dev);
	for (i = 0; idev->groups && i < idev->caps.max_groups; i++)
		if (idev->groups[i])
			put_device(&idev->groups[i]->conf_dev);
}

static void idxd_unregister_children(struct idxd_dev *idev, u32 nwqs,
				     u32 nengines, u32 ngroups)
{
	while (nwqs)
		device_unregister(&idev->wqs[--nwqs]->conf_dev);
	while (nengines)
		device_unregister(&idev->engines[--nengines]->conf_dev);
	while (ngroups)
		device_unregister(&idev->groups[--ngroups]->conf_dev);
}

static int idxd_register_devices(struct idxd_dev *idev)
{
	struct idxd_caps *c = &idev->caps;
	u32 g = 0, e = 0, w = 0;
	int rc;

	idev->registering = true;
	rc = device_add(&idev->conf_dev);
	if (rc)
		goto err_put_children;
	for (; g < c->max_groups; g++) {
		rc = device_add(&idev->groups[g]->conf_dev);
		if (rc)
			goto err_unwind;
	}
	for (; e < c->max_engines; e++) {
		rc = device_add(&idev->engines[e]->conf_dev);
		if (rc)
			goto err_unwind;
	}
	for (; w < c->max_wqs; w++) {
		rc = device_add(&idev->wqs[w]->conf_dev);
		if (rc)
			goto err_unwind;
	}
	idev->registering = false;
	return 0;

err_unwind:
	/* The one that failed to add, and those never added, are only put. */
	idxd_unregister_children(idev, w, e, g);
	for (; w < c->max_wqs; w++)
		put_device(&idev->wqs[w]->conf_dev);
	for (; e < c->max_engines; e++)
		put_device(&idev->engines[e]->conf_dev);
	for (; g < c->max_groups; g++)
		put_device(&idev->groups[g]->conf_dev);
	device_del(&idev->conf_dev);
	return rc;
err_put_children:
	idxd_put_objects(idev);
	return rc;
}

static bool idxd_is_emulated(struct pci_dev *pdev, void __iomem *regs)
{
	return pdev->subsystem_vendor == IDXD_EMU_SUBSYS_VENDOR &&
	       pdev->subsystem_device == IDXD_EMU_SUBSYS_DEVICE &&
	       pci_resource_len(pdev, IDXD_MMIO_BAR) > IDXD_EMU_ID_OFFSET &&
	       ioread32(regs + IDXD_EMU_ID_OFFSET) == IDXD_EMU_ID_VALUE;
}

static int idxd_map(struct idxd_dev *idev)
{
	struct pci_dev *pdev = idev->pdev;
	int rc;

	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	rc = pcim_iomap_regions(pdev, BIT(IDXD_MMIO_BAR) | BIT(IDXD_WQ_BAR),
				KBUILD_MODNAME);
	if (rc) {
		dev_err(&pdev->dev, "cannot map BARs 0 and 2: %d\n", rc);
		return rc;
	}
	idev->regs = pcim_iomap_table(pdev)[IDXD_MMIO_BAR];
	idev->portals = pcim_iomap_table(pdev)[IDXD_WQ_BAR];
	idev->portals_phys = pci_resource_start(pdev, IDXD_WQ_BAR);
	rc = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (rc)
		return rc;
	/* a descriptor moves up to max_xfer bytes from one address: user
	 * memory registered for it (umem.c) is mapped as one range
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	pci_set_master(pdev);
	return 0;
}

static struct idxd_dev *idxd_alloc_dev(struct pci_dev *pdev, enum idxd_type type)
{
	struct idxd_dev *idev = kzalloc(sizeof(*idev), GFP_KERNEL);
	int id;

	if (!idev)
		return NULL;
	id = ida_alloc(type == IDXD_TYPE_DSA ? &idxd_dsa_ida : &idxd_iax_ida,
		       GFP_KERNEL);
	if (id < 0) {
		kfree(idev);
		return NULL;
	}
	idev->pdev = pci_dev_get(pdev);	/* open WQ files may outlive the driver */
	idev->type = type;
	idev->id = id;
	mutex_init(&idev->lock);
	mutex_init(&idev->cmd_lock);
	mutex_init(&idev->vec_lock);
	INIT_LIST_HEAD(&idev->vectors);
	INIT_LIST_HEAD(&idev->orphans);
	INIT_LIST_HEAD(&idev->users);
	init_completion(&idev->cmd_done);
	spin_lock_init(&idev->err_lock);
	init_waitqueue_head(&idev->err_wait);
	INIT_WORK(&idev->halt_work, idxd_halt_work);
	INIT_WORK(&idev->revoke_work, idxd_revoke_work);
	device_initialize(&idev->conf_dev);
	idev->conf_dev.parent = &pdev->dev;
	idev->conf_dev.bus = &idxd_bus;
	idev->conf_dev.type = type == IDXD_TYPE_DSA ? &idxd_dsa_type : &idxd_iax_type;
	dev_set_name(&idev->conf_dev, "%s%d", type == IDXD_TYPE_DSA ? "dsa" : "iax", id);
	return idev;
}

static int idxd_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct idxd_dev *idev;
	int rc, nvec;

	idev = idxd_alloc_dev(pdev, id->driver_data);
	if (!idev)
		return -ENOMEM;
	rc = idxd_map(idev);
	if (rc)
		goto err_put;
	rc = idxd_read_caps(idev);
	if (rc)
		goto err_put;
	idev->emulated = idxd_is_emulated(pdev, idev->regs);
	idev->movdir64b = boot_cpu_has(X86_FEATURE_MOVDIR64B);
	nvec = pci_alloc_irq_vectors(pdev, 1, 1 + idev->caps.max_wqs, PCI_IRQ_MSIX);
	if (nvec < 0) {
		dev_err(&pdev->dev, "no MSI-X vectors: %d\n", nvec);
		rc = nvec;
		goto err_put;
	}
	idev->nr_vectors = nvec;
	rc = idxd_misc_irq_setup(idev);
	if (rc)
		goto err_vectors;
	rc = idxd_device_reset(idev);
	if (rc)
		goto err_misc;
	idxd_irq_mode_init(idev);
	idxd_va_init(idev);
	rc = idxd_alloc_objects(idev);
	if (rc)
		goto err_objects;
	rc = idxd_register_devices(idev);
	if (rc)
		goto err_misc;
	pci_set_drvdata(pdev, idev);
	idev->ready = true;		/* halt recovery may run from now on */
	idxd_debugfs_add(idev);
	/* virtual DSAs are an extra: the device works without them */
	if (idxd_mdev_parent_add(idev))
		dev_warn(&pdev->dev, "no virtual DSAs (mdev) on this device\n");
	dev_info(&pdev->dev, "%s%d: version %#x, %u WQs, %u groups, %u engines, %u IMS entries%s%s\n",
		 idxd_type_name(idev), idev->id, idev->caps.version,
		 idev->caps.max_wqs, idev->caps.max_groups,
		 idev->caps.max_engines, idev->caps.ims_size,
		 idev->emulated ? ", emulated" : "",
		 idev->movdir64b ? "" : ", no MOVDIR64B");
	return 0;

err_objects:
	disable_work_sync(&idev->halt_work);
	disable_work_sync(&idev->revoke_work);
	idxd_put_objects(idev);
err_misc:
	idxd_irq_mode_exit(idev);
	idxd_misc_irq_teardown(idev);
err_vectors:
	pci_free_irq_vectors(pdev);
err_put:
	put_device(&idev->conf_dev);
	return rc;
}

static void idxd_pci_remove(struct pci_dev *pdev)
{
	struct idxd_dev *idev = pci_get_drvdata(pdev);
	struct idxd_caps *c = &idev->caps;

	/* No more halt recovery: it would race the teardown below. */
	iowrite32(0, idev->regs + IDXD_GENCTRL_OFFSET);
	disable_work_sync(&idev->halt_work);
	disable_work_sync(&idev->revoke_work);
	idxd_debugfs_del(idev);
	idxd_mdev_parent_del(idev);	/* guests off before their WQs go */
	/* Unbind dsa<N> first (it unbinds the WQs), then remove the children. */
	device_release_driver(&idev->conf_dev);
	idxd_unregister_children(idev, c->max_wqs, c->max_engines, c->max_groups);
	device_del(&idev->conf_dev);
	idxd_device_reset(idev);
	pci_clear_master(pdev);		/* quiet even if the reset failed */
	idxd_vecs_quiet(idev);
	WARN_ON(!list_empty(&idev->vectors));	/* an owner forgot one */
	idxd_irq_mode_exit(idev);
	idxd_misc_irq_teardown(idev);
	pci_free_irq_vectors(pdev);
	put_device(&idev->conf_dev);
}

static const struct pci_device_id idxd_pci_ids[] = {
	{ PCI_DEVICE_DATA(INTEL, DSA_SPR, IDXD_TYPE_DSA) },
	{ }
};
MODULE_DEVICE_TABLE(pci, idxd_pci_ids);

static const struct pci_error_handlers idxd_err_handlers = {
	.reset_prepare = idxd_reset_prepare,
	.reset_done = idxd_reset_done,
};

static struct pci_driver idxd_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = idxd_pci_ids,
	.probe = idxd_pci_probe,
	.remove = idxd_pci_remove,
	.err_handler = &idxd_err_handlers,
};

/* Upstream's idxd_bus owns the same bus name; say so instead of a splat. */
static bool idxd_dsa_bus_taken(void)
{
	struct path path;

	if (kern_path("/sys/bus/dsa", LOOKUP_FOLLOW, &path))
		return false;
	path_put(&path);
	return true;
}

/*
 * accel-config (3.5.x) refuses to run unless /sys/module/idxd exists, the
 * name of upstream's module.  A plain directory of that name among the
 * modules keeps it working with idxd_ims, and also keeps upstream idxd
 * from loading beside us.
 */
static struct kobject *idxd_alias;

static void idxd_alias_release(struct kobject *kobj)
{
	kfree(kobj);
}

static const struct kobj_type idxd_alias_ktype = {
	.release = idxd_alias_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

static int idxd_alias_add(void)
{
	int rc;

	idxd_alias = kzalloc(sizeof(*idxd_alias), GFP_KERNEL);
	if (!idxd_alias)
		return -ENOMEM;
	kobject_init(idxd_alias, &idxd_alias_ktype);
	idxd_alias->kset = THIS_MODULE->mkobj.kobj.kset;
	rc = kobject_add(idxd_alias, NULL, "idxd");
	if (rc) {
		pr_err("cannot create /sys/module/idxd (is upstream idxd loaded?): %d\n", rc);
		kobject_put(idxd_alias);
		idxd_alias = NULL;
	}
	return rc;
}

static void idxd_alias_del(void)
{
	kobject_put(idxd_alias);
}

static int __init idxd_init(void)
{
	int rc;

	if (idxd_dsa_bus_taken()) {
		pr_err("the dsa bus already exists, most likely from the upstream idxd driver: run 'modprobe -r idxd idxd_bus' first\n");
		return -EBUSY;
	}
	rc = idxd_alias_add();
	if (rc)
		return rc;
	rc = idxd_cdev_init();
	if (rc)
		goto err_alias;
	idxd_debugfs_init();
	rc = idxd_bus_init();
	if (rc)
		goto err_cdev;
	rc = idxd_mdev_init();
	if (rc)
		goto err_bus;
	rc = pci_register_driver(&idxd_pci_driver);
	if (rc)
		goto err_mdev;
	return 0;

err_mdev:
	idxd_mdev_exit();
err_bus:
	idxd_bus_exit();
err_cdev:
	idxd_debugfs_exit();
	idxd_cdev_exit();
err_alias:
	idxd_alias_del();
	return rc;
}

static void __exit idxd_exit(void)
{
	pci_unregister_driver(&idxd_pci_driver);
	idxd_mdev_exit();
	idxd_bus_exit();
	idxd_debugfs_exit();
	idxd_cdev_exit();
	idxd_alias_del();
}

module_init(idxd_init);
module_exit(idxd_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Intel DSA/IAA driver with IMS completion interrupts through interrupt remapping");
