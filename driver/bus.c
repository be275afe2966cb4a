// SPDX-License-Identifier: GPL-2.0
/*
 * The "dsa" bus and its drivers, as upstream idxd presents them so that
 * accel-config works unchanged: binding dsa<N> to the "idxd" driver
 * enables the device; binding wq<N>.<M> to "user" or "dmaengine" enables
 * the WQ for that use; unbinding disables.
 */
#include <linux/device.h>
#include "idxd_ims.h"
#include "mdev.h"

struct idxd_drv {
	struct device_driver drv;
	bool for_wq;			/* else for dsa/iax devices */
	enum idxd_wq_type wq_type;
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
};

#define to_idxd_drv(d) container_of_const(d, struct idxd_drv, drv)

static int idxd_bus_match(struct device *dev, const struct device_driver *drv)
{
	const struct idxd_drv *idrv = to_idxd_drv(drv);

	if (is_idxd_dev(dev))
		return !idrv->for_wq;
	if (is_idxd_wq(dev)) {
		struct idxd_wq *wq = confdev_to_wq(dev);

		if (!idrv->for_wq)
			return 0;
		/* An explicit driver_name wins; else the type decides. */
		if (wq->driver_name[0])
			return !strcmp(wq->driver_name, drv->name);
		return wq->type == idrv->wq_type;
	}
	return 0;
}

static int idxd_bus_probe(struct device *dev)
{
	return to_idxd_drv(dev->driver)->probe(dev);
}

static void idxd_bus_remove(struct device *dev)
{
	to_idxd_drv(dev->driver)->remove(dev);
}

const struct bus_type idxd_bus = {
	.name = "dsa",
	.match = idxd_bus_match,
	.probe = idxd_bus_probe,
	.remove = idxd_bus_remove,
};

/* ---- idxd: the device driver ------------------------------------------ */

static int idxd_dev_probe(struct device *dev)
{
	struct idxd_dev *idev = confdev_to_idev(dev);
	int rc;

	/* Adding the device must not enable it: only an explicit bind. */
	if (idev->registering)
		return -ENODEV;
	mutex_lock(&idev->lock);
	rc = idxd_device_enable(idev);
	mutex_unlock(&idev->lock);
	return rc;
}

static void idxd_dev_remove(struct device *dev)
{
	struct idxd_dev *idev = confdev_to_idev(dev);
	u32 i;

	for (i = 0; i < idev->caps.max_wqs; i++)
		device_release_driver(&idev->wqs[i]->conf_dev);
	mutex_lock(&idev->lock);
	idxd_device_disable(idev);
	mutex_unlock(&idev->lock);
}

static struct idxd_drv idxd_dev_drv = {
	.drv = { .name = "idxd" },
	.probe = idxd_dev_probe,
	.remove = idxd_dev_remove,
};

/* ---- user and dmaengine: the WQ drivers --------------------------------- */

static int idxd_wq_drv_probe(struct device *dev)
{
	const struct idxd_drv *idrv = to_idxd_drv(dev->driver);
	struct idxd_wq *wq = confdev_to_wq(dev);
	struct idxd_dev *idev = wq->idev;
	int rc;

	mutex_lock(&idev->lock);
	if (wq->type != idrv->wq_type) {
		dev_err(dev, "type is %s, the %s driver takes %s WQs\n",
			idxd_wq_type_names[wq->type], idrv->drv.name,
			idxd_wq_type_names[idrv->wq_type]);
		rc = -EINVAL;
		goto out;
	}
	if (wq->type == IDXD_WQT_MDEV && !idev->ims) {
		dev_err(dev, "mdev WQs need IMS for their guests' vectors (%s)\n",
			idev->irq_why);
		rc = -EOPNOTSUPP;
		goto out;
	}
	rc = idxd_wq_enable(wq);
	if (rc)
		goto out;
	if (wq->type == IDXD_WQT_USER) {
		rc = idxd_wq_cdev_add(wq);
		if (rc)
			dev_err(dev, "cannot create the char device: %d\n", rc);
	} else if (wq->type == IDXD_WQT_KERNEL) {
		rc = idxd_dma_register(wq);
	}
	if (rc)
		idxd_wq_disable(wq);
out:
	mutex_unlock(&idev->lock);
	return rc;
}

static void idxd_wq_drv_remove(struct device *dev)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	struct idxd_dev *idev = wq->idev;

	mutex_lock(&idev->lock);
	idxd_mdev_wq_lost(wq);
	idxd_wq_disable(wq);		/* drains: no more completions */
	/*
	 * Only now do open files hear of it (POLLERR): what they have not
	 * seen complete by then never will, whether it went through write()
	 * or straight to the portal.
	 */
	idxd_wq_cdev_del(wq);
	idxd_dma_unregister(wq);
	mutex_unlock(&idev->lock);
}

static struct idxd_drv idxd_user_drv = {
	.drv = { .name = "user" },
	.for_wq = true,
	.wq_type = IDXD_WQT_USER,
	.probe = idxd_wq_drv_probe,
	.remove = idxd_wq_drv_remove,
};

static struct idxd_drv idxd_dmaengine_drv = {
	.drv = { .name = "dmaengine" },
	.for_wq = true,
	.wq_type = IDXD_WQT_KERNEL,
	.probe = idxd_wq_drv_probe,
	.remove = idxd_wq_drv_remove,
};

/* WQs a virtual DSA (mdev.c) may take for a guest */
static struct idxd_drv idxd_mdev_drv = {
	.drv = { .name = "mdev" },
	.for_wq = true,
	.wq_type = IDXD_WQT_MDEV,
	.probe = idxd_wq_drv_probe,
	.remove = idxd_wq_drv_remove,
};

static struct idxd_drv *idxd_drvs[] = {
	&idxd_dev_drv, &idxd_user_drv, &idxd_dmaengine_drv, &idxd_mdev_drv,
};

/**
 * idxd_bus_init() - register the dsa bus and its drivers
 *
 * Return: 0, or a negative errno with nothing left registered.
 */
int idxd_bus_init(void)
{
	int rc, i;

	rc = bus_register(&idxd_bus);
	if (rc)
		return rc;
	for (i = 0; i < ARRAY_SIZE(idxd_drvs); i++) {
		idxd_drvs[i]->drv.bus = &idxd_bus;
		idxd_drvs[i]->drv.owner = THIS_MODULE;
		idxd_drvs[i]->drv.suppress_bind_attrs = false;
		rc = driver_register(&idxd_drvs[i]->drv);
		if (rc)
			goto err_unwind;
	}
	return 0;

err_unwind:
	while (--i >= 0)
		driver_unregister(&idxd_drvs[i]->drv);
	bus_unregister(&idxd_bus);
	return rc;
}

void idxd_bus_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(idxd_drvs) - 1; i >= 0; i--)
		driver_unregister(&idxd_drvs[i]->drv);
	bus_unregister(&idxd_bus);
}
