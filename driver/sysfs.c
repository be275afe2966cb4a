// SPDX-License-Identifier: GPL-2.0
/*
 * The upstream idxd sysfs ABI (Documentation/ABI/stable/
 * sysfs-driver-dma-idxd) on dsa<N>, wq<N>.<M>, group<N>.<M> and
 * engine<N>.<M>.  Stores validate, refuse with -EBUSY while the object
 * (or the device) is enabled and -EINVAL when out of range, each with a
 * dmesg line that says why, and change nothing when they refuse.
 */
#include <linux/bitfield.h>
#include <linux/ctype.h>
#include <linux/string.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>
#include "idxd_ims.h"
#include "ims.h"

static const char * const idxd_dev_state_names[] = {
	[IDXD_DEV_DISABLED] = "disabled",
	[IDXD_DEV_ENABLED] = "enabled",
	[IDXD_DEV_HALTED] = "halted",
};

const char * const idxd_wq_type_names[] = {
	[IDXD_WQT_NONE] = "none",
	[IDXD_WQT_KERNEL] = "kernel",
	[IDXD_WQT_USER] = "user",
	[IDXD_WQT_MDEV] = "mdev",
};

/* Config changes need a disabled device (groups, engines, GENCFG). */
static int idxd_dev_config_check(struct idxd_dev *idev, struct device *who)
{
	if (!idev->configurable) {
		dev_err(who, "device configuration is fixed by the hardware\n");
		return -EPERM;
	}
	if (idev->state != IDXD_DEV_DISABLED) {
		dev_err(who, "cannot change: %s%d is %s (disable it first)\n",
			idxd_type_name(idev), idev->id,
			idxd_dev_state_names[idev->state]);
		return -EBUSY;
	}
	return 0;
}

static int idxd_wq_config_check(struct idxd_wq *wq)
{
	if (!wq->idev->configurable) {
		dev_err(&wq->conf_dev, "WQ configuration is fixed by the hardware\n");
		return -EPERM;
	}
	if (idxd_wq_enabled(wq)) {
		dev_err(&wq->conf_dev, "cannot change an enabled WQ (disable it first)\n");
		return -EBUSY;
	}
	return 0;
}

static int idxd_parse_uint(struct device *dev, const char *buf, u64 min,
			   u64 max, u64 *val, const char *what)
{
	if (kstrtou64(buf, 0, val) || *val < min || *val > max) {
		dev_err(dev, "%s must be a number from %llu to %llu\n", what, min, max);
		return -EINVAL;
	}
	return 0;
}

/* ---- dsa<N> ----------------------------------------------------------- */

#define IDEV_SHOW(name, fmt, expr)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct idxd_dev *idev __maybe_unused = confdev_to_idev(dev);	\
									\
	return sysfs_emit(buf, fmt "\n", expr);				\
}									\
static DEVICE_ATTR_RO(name)

IDEV_SHOW(version, "%#x", idev->caps.version);
IDEV_SHOW(max_work_queues, "%u", idev->caps.max_wqs);
IDEV_SHOW(max_work_queues_size, "%u", idev->caps.total_wq_size);
IDEV_SHOW(max_engines, "%u", idev->caps.max_engines);
IDEV_SHOW(max_groups, "%u", idev->caps.max_groups);
IDEV_SHOW(max_read_buffers, "%u", idev->caps.max_rdbufs);
IDEV_SHOW(max_tokens, "%u", idev->caps.max_rdbufs);
IDEV_SHOW(max_transfer_size, "%llu", 1ULL << idev->caps.max_xfer_shift);
IDEV_SHOW(max_batch_size, "%u", 1U << idev->caps.max_batch_shift);
IDEV_SHOW(ims_size, "%u", idev->caps.ims_size);
IDEV_SHOW(numa_node, "%d", dev_to_node(idev_dev(idev)));
IDEV_SHOW(gen_cap, "%#llx", idev->caps.gencap);
IDEV_SHOW(configurable, "%d", idev->configurable);
IDEV_SHOW(pasid_enabled, "%d", idev->va_mode);
IDEV_SHOW(cdev_major, "%d", idxd_cdev_major());
IDEV_SHOW(state, "%s", idxd_dev_state_names[idev->state]);

static ssize_t op_cap_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct idxd_dev *idev = confdev_to_idev(dev);
	DECLARE_BITMAP(ops, IDXD_MAX_OPCAP_BITS);

	bitmap_from_arr64(ops, idev->caps.opcap, IDXD_MAX_OPCAP_BITS);
	return sysfs_emit(buf, "%*pb\n", IDXD_MAX_OPCAP_BITS, ops);
}
static DEVICE_ATTR_RO(op_cap);

static ssize_t errors_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct idxd_dev *idev = confdev_to_idev(dev);
	DECLARE_BITMAP(bits, 256);
	u64 e[4];

	spin_lock_irq(&idev->err_lock);
	memcpy(e, idev->sw_err, sizeof(e));
	spin_unlock_irq(&idev->err_lock);
	bitmap_from_arr64(bits, e, 256);
	return sysfs_emit(buf, "%*pb\n", 256, bits);
}
static DEVICE_ATTR_RO(errors);

static ssize_t clients_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct idxd_dev *idev = confdev_to_idev(dev);
	int n = 0;
	u32 i;

	mutex_lock(&idev->lock);
	for (i = 0; i < idev->caps.max_wqs; i++)
		n += idev->wqs[i]->clients;
	mutex_unlock(&idev->lock);
	return sysfs_emit(buf, "%d\n", n);
}
static DEVICE_ATTR_RO(clients);

static ssize_t cmd_status_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#x\n", confdev_to_idev(dev)->cmd_status);
}

static ssize_t cmd_status_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	confdev_to_idev(dev)->cmd_status = 0;
	return count;
}
static DEVICE_ATTR_RW(cmd_status);

static ssize_t read_buffer_limit_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", confdev_to_idev(dev)->rdbuf_limit);
}

static ssize_t read_buffer_limit_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct idxd_dev *idev = confdev_to_idev(dev);
	u64 v;
	int rc;

	mutex_lock(&idev->lock);
	rc = idxd_dev_config_check(idev, dev) ?:
	     idxd_parse_uint(dev, buf, 0, idev->caps.max_rdbufs, &v,
			     "read_buffer_limit");
	if (!rc && !(idev->caps.grpcap & IDXD_GRPCAP_RDBUF_LIMIT)) {
		dev_err(dev, "the device has no read buffer limit\n");
		rc = -EOPNOTSUPP;
	}
	if (!rc)
		idev->rdbuf_limit = v;
	mutex_unlock(&idev->lock);
	return rc ?: count;
}
static DEVICE_ATTR_RW(read_buffer_limit);

/* Our own: which interrupts WQs get, and why. */
static ssize_t ims_mode_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", confdev_to_idev(dev)->ims ? "ims" : "msix");
}
static DEVICE_ATTR_RO(ims_mode);

static ssize_t ims_reason_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", confdev_to_idev(dev)->irq_why);
}
static DEVICE_ATTR_RO(ims_reason);

static ssize_t ims_slots_used_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct idxd_dev *idev = confdev_to_idev(dev);

	return sysfs_emit(buf, "%u\n", idev->ims ? ims_slots_used(idev->ims) : 0);
}
static DEVICE_ATTR_RO(ims_slots_used);

static struct device_attribute dev_attr_token_limit =
	__ATTR(token_limit, 0644, read_buffer_limit_show, read_buffer_limit_store);

static struct attribute *idxd_dev_attrs[] = {
	&dev_attr_version.attr,
	&dev_attr_max_work_queues.attr,
	&dev_attr_max_work_queues_size.attr,
	&dev_attr_max_engines.attr,
	&dev_attr_max_groups.attr,
	&dev_attr_max_read_buffers.attr,
	&dev_attr_max_tokens.attr,
	&dev_attr_max_transfer_size.attr,
	&dev_attr_max_batch_size.attr,
	&dev_attr_ims_size.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_gen_cap.attr,
	&dev_attr_op_cap.attr,
	&dev_attr_configurable.attr,
	&dev_attr_pasid_enabled.attr,
	&dev_attr_cdev_major.attr,
	&dev_attr_state.attr,
	&dev_attr_errors.attr,
	&dev_attr_clients.attr,
	&dev_attr_cmd_status.attr,
	&dev_attr_read_buffer_limit.attr,
	&dev_attr_token_limit.attr,
	&dev_attr_ims_mode.attr,
	&dev_attr_ims_reason.attr,
	&dev_attr_ims_slots_used.attr,
	NULL,
};

static umode_t idxd_dev_attr_visible(struct kobject *kobj,
				     struct attribute *attr, int n)
{
	struct idxd_dev *idev = confdev_to_idev(kobj_to_dev(kobj));

	if ((attr == &dev_attr_read_buffer_limit.attr ||
	     attr == &dev_attr_token_limit.attr) &&
	    !(idev->caps.grpcap & IDXD_GRPCAP_RDBUF_LIMIT))
		return 0;
	return attr->mode;
}

static const struct attribute_group idxd_dev_group = {
	.attrs = idxd_dev_attrs,
	.is_visible = idxd_dev_attr_visible,
};

const struct attribute_group *idxd_dev_groups[] = {
	&idxd_dev_group,
	NULL,
};

/* ---- group<N>.<M> ------------------------------------------------------- */

static ssize_t engines_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct idxd_group *g = confdev_to_group(dev);
	struct idxd_dev *idev = g->idev;
	int len = 0;
	u32 i;

	for (i = 0; i < idev->caps.max_engines; i++)
		if (idev->engines[i]->group == g)
			len += sysfs_emit_at(buf, len, "engine%d.%u ", idev->id, i);
	if (len)	/* "a b\n"; an empty list is an empty file */
		len += sysfs_emit_at(buf, len - 1, "\n") - 1;
	return len;
}
static DEVICE_ATTR_RO(engines);

static ssize_t work_queues_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_group *g = confdev_to_group(dev);
	struct idxd_dev *idev = g->idev;
	int len = 0;
	u32 i;

	for (i = 0; i < idev->caps.max_wqs; i++)
		if (idev->wqs[i]->group == g)
			len += sysfs_emit_at(buf, len, "wq%d.%u ", idev->id, i);
	if (len)	/* "a b\n"; an empty list is an empty file */
		len += sysfs_emit_at(buf, len - 1, "\n") - 1;
	return len;
}
static DEVICE_ATTR_RO(work_queues);

static ssize_t idxd_group_int_show(int *field, char *buf)
{
	return sysfs_emit(buf, "%d\n", *field);
}

/* Stores of group integers need a disabled device and a value in range. */
static ssize_t idxd_group_int_store(struct device *dev, int *field, u64 max,
				    const char *buf, size_t count,
				    const char *what)
{
	struct idxd_dev *idev = confdev_to_group(dev)->idev;
	u64 v;
	int rc;

	mutex_lock(&idev->lock);
	rc = idxd_dev_config_check(idev, dev) ?:
	     idxd_parse_uint(dev, buf, 0, max, &v, what);
	if (!rc)
		*field = v;
	mutex_unlock(&idev->lock);
	return rc ?: count;
}

/* A group integer attribute: the field and the largest value it takes. */
#define GROUP_INT_ATTR(name, member, max)				\
static int *name##_field(struct device *dev)				\
{									\
	return (int *)((char *)confdev_to_group(dev) +			\
		       offsetof(struct idxd_group, member));		\
}									\
static u64 name##_max(struct idxd_dev *idev)				\
{									\
	return max;							\
}									\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return idxd_group_int_show(name##_field(dev), buf);		\
}									\
static ssize_t name##_store(struct device *dev,				\
			    struct device_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	return idxd_group_int_store(dev, name##_field(dev),		\
				    name##_max(confdev_to_group(dev)->idev), \
				    buf, count, #name);			\
}									\
static DEVICE_ATTR_RW(name)

GROUP_INT_ATTR(read_buffers_allowed, rdbufs_allowed, idev->caps.max_rdbufs);
GROUP_INT_ATTR(read_buffers_reserved, rdbufs_reserved, idev->caps.max_rdbufs);
GROUP_INT_ATTR(tokens_allowed, rdbufs_allowed, idev->caps.max_rdbufs);
GROUP_INT_ATTR(tokens_reserved, rdbufs_reserved, idev->caps.max_rdbufs);
GROUP_INT_ATTR(use_read_buffer_limit, use_rdbuf_limit, 1);
GROUP_INT_ATTR(use_token_limit, use_rdbuf_limit, 1);
/*
 * Traffic classes: -1 means the device default.  They are fixed on
 * version 1.0 devices, where only writing back the current value (as
 * accel-config's load-config does with a saved -1) is accepted.
 */
static ssize_t idxd_tc_store(struct device *dev, const char *buf, size_t count,
			     int *field, const char *what)
{
	struct idxd_dev *idev = confdev_to_group(dev)->idev;
	long v;
	int rc;

	if (kstrtol(buf, 0, &v) || v < -1 || v > 7) {
		dev_err(dev, "%s must be -1 (default) or 0 to 7\n", what);
		return -EINVAL;
	}
	mutex_lock(&idev->lock);
	rc = idxd_dev_config_check(idev, dev);
	if (!rc && v != *field && idev->caps.version < IDXD_VERSION_2_0) {
		dev_err(dev, "%s cannot be changed on version %#x devices\n",
			what, idev->caps.version);
		rc = -EPERM;
	}
	if (!rc)
		*field = v;
	mutex_unlock(&idev->lock);
	return rc ?: count;
}

static ssize_t traffic_class_a_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", confdev_to_group(dev)->tc_a);
}

static ssize_t traffic_class_a_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return idxd_tc_store(dev, buf, count, &confdev_to_group(dev)->tc_a,
			     "traffic_class_a");
}
static DEVICE_ATTR_RW(traffic_class_a);

static ssize_t traffic_class_b_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", confdev_to_group(dev)->tc_b);
}

static ssize_t traffic_class_b_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	return idxd_tc_store(dev, buf, count, &confdev_to_group(dev)->tc_b,
			     "traffic_class_b");
}
static DEVICE_ATTR_RW(traffic_class_b);
GROUP_INT_ATTR(desc_progress_limit, desc_progress_limit, 3);
GROUP_INT_ATTR(batch_progress_limit, batch_progress_limit, 3);

static struct attribute *idxd_group_attrs[] = {
	&dev_attr_engines.attr,
	&dev_attr_work_queues.attr,
	&dev_attr_read_buffers_allowed.attr,
	&dev_attr_read_buffers_reserved.attr,
	&dev_attr_use_read_buffer_limit.attr,
	&dev_attr_tokens_allowed.attr,
	&dev_attr_tokens_reserved.attr,
	&dev_attr_use_token_limit.attr,
	&dev_attr_traffic_class_a.attr,
	&dev_attr_traffic_class_b.attr,
	&dev_attr_desc_progress_limit.attr,
	&dev_attr_batch_progress_limit.attr,
	NULL,
};

static umode_t idxd_group_attr_visible(struct kobject *kobj,
				       struct attribute *attr, int n)
{
	struct idxd_group *g = confdev_to_group(kobj_to_dev(kobj));
	u64 grpcap = g->idev->caps.grpcap;

	if ((attr == &dev_attr_desc_progress_limit.attr ||
	     attr == &dev_attr_batch_progress_limit.attr) &&
	    !(grpcap & IDXD_GRPCAP_PROGRESS_LIMIT))
		return 0;
	if ((attr == &dev_attr_use_read_buffer_limit.attr ||
	     attr == &dev_attr_use_token_limit.attr) &&
	    !(grpcap & IDXD_GRPCAP_RDBUF_LIMIT))
		return 0;
	return attr->mode;
}

static const struct attribute_group idxd_group_group = {
	.attrs = idxd_group_attrs,
	.is_visible = idxd_group_attr_visible,
};

const struct attribute_group *idxd_group_groups[] = {
	&idxd_group_group,
	NULL,
};

/* ---- engine<N>.<M> ---------------------------------------------------- */

/* Parse a group_id store: -1 for none, else a group of this device. */
static int idxd_parse_group(struct idxd_dev *idev, struct device *dev,
			    const char *buf, struct idxd_group **out)
{
	long v;

	if (kstrtol(buf, 0, &v) || v < -1 || v >= (long)idev->caps.max_groups) {
		dev_err(dev, "group_id must be -1 (none) or 0 to %u\n",
			idev->caps.max_groups - 1);
		return -EINVAL;
	}
	*out = v < 0 ? NULL : idev->groups[v];
	return 0;
}

static ssize_t idxd_group_id_show(struct idxd_group *g, char *buf)
{
	return sysfs_emit(buf, "%d\n", g ? g->id : -1);
}

/*
 * group_id of an engine (@wq NULL: needs a disabled device) or of a WQ
 * (needs the WQ disabled): -1 or a group of this device.
 */
static ssize_t idxd_group_id_store(struct device *dev, struct idxd_dev *idev,
				   struct idxd_wq *wq, struct idxd_group **field,
				   const char *buf, size_t count)
{
	struct idxd_group *g;
	int rc;

	mutex_lock(&idev->lock);
	rc = (wq ? idxd_wq_config_check(wq) : idxd_dev_config_check(idev, dev)) ?:
	     idxd_parse_group(idev, dev, buf, &g);
	if (!rc)
		*field = g;
	mutex_unlock(&idev->lock);
	return rc ?: count;
}

static ssize_t engine_group_id_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return idxd_group_id_show(confdev_to_engine(dev)->group, buf);
}

static ssize_t engine_group_id_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct idxd_engine *e = confdev_to_engine(dev);

	return idxd_group_id_store(dev, e->idev, NULL, &e->group, buf, count);
}

static struct device_attribute dev_attr_engine_group_id =
	__ATTR(group_id, 0644, engine_group_id_show, engine_group_id_store);

static struct attribute *idxd_engine_attrs[] = {
	&dev_attr_engine_group_id.attr,
	NULL,
};

static const struct attribute_group idxd_engine_group = {
	.attrs = idxd_engine_attrs,
};

const struct attribute_group *idxd_engine_groups[] = {
	&idxd_engine_group,
	NULL,
};

/* ---- wq<N>.<M> ---------------------------------------------------------- */

static ssize_t wq_group_id_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return idxd_group_id_show(confdev_to_wq(dev)->group, buf);
}

static ssize_t wq_group_id_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);

	return idxd_group_id_store(dev, wq->idev, wq, &wq->group, buf, count);
}

static struct device_attribute dev_attr_wq_group_id =
	__ATTR(group_id, 0644, wq_group_id_show, wq_group_id_store);

static ssize_t wq_state_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct idxd_wq *wq = confdev_to_wq(dev);

	return sysfs_emit(buf, "%s\n", idxd_wq_enabled(wq) ? "enabled" : "disabled");
}

static struct device_attribute dev_attr_wq_state =
	__ATTR(state, 0444, wq_state_show, NULL);

static ssize_t wq_clients_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", confdev_to_wq(dev)->clients);
}

static struct device_attribute dev_attr_wq_clients =
	__ATTR(clients, 0444, wq_clients_show, NULL);

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  confdev_to_wq(dev)->dedicated ? "dedicated" : "shared");
}

static ssize_t mode_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	struct idxd_dev *idev = wq->idev;
	int rc;

	mutex_lock(&idev->lock);
	rc = idxd_wq_config_check(wq);
	if (!rc && sysfs_streq(buf, "dedicated")) {
		wq->dedicated = true;
		wq->threshold = 0;
	} else if (!rc && sysfs_streq(buf, "shared")) {
		if (!(idev->caps.wqcap & IDXD_WQCAP_SHARED)) {
			dev_err(dev, "the device has no shared WQs\n");
			rc = -EINVAL;
		} else {
			wq->dedicated = false;
		}
	} else if (!rc) {
		dev_err(dev, "mode must be 'dedicated' or 'shared'\n");
		rc = -EINVAL;
	}
	mutex_unlock(&idev->lock);
	return rc ?: count;
}
static DEVICE_ATTR_RW(mode);

static ssize_t type_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", idxd_wq_type_names[confdev_to_wq(dev)->type]);
}

static ssize_t type_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	struct idxd_dev *idev = wq->idev;
	int rc, t;

	mutex_lock(&idev->lock);
	rc = idxd_wq_config_check(wq);
	if (!rc) {
		t = sysfs_match_string(idxd_wq_type_names, buf);
		if (t < 0) {
			dev_err(dev, "type must be none, kernel, user or mdev\n");
			rc = -EINVAL;
		} else {
			if (wq->type != t)
				wq->name[0] = '\0';
			wq->type = t;
		}
	}
	mutex_unlock(&idev->lock);
	return rc ?: count;
}
static DEVICE_ATTR_RW(type);

/* A WQ string attribute: name or driver_name. */
static ssize_t wq_store_string(struct device *dev, const char *buf,
			       size_t count, char *field, size_t size,
			       const char *what)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	struct idxd_dev *idev = wq->idev;
	const char *start = skip_spaces(buf);
	size_t len = strnlen(start, count - (start - buf));
	int rc;

	while (len && isspace(start[len - 1]))
		len--;
	mutex_lock(&idev->lock);
	rc = idxd_wq_config_check(wq);
	if (!rc && (!len || len > size)) {
		dev_err(dev, "%s must be 1 to %zu characters\n", what, size);
		rc = -EINVAL;
	}
	if (!rc) {
		memcpy(field, start, len);
		field[len] = '\0';
	}
	mutex_unlock(&idev->lock);
	return rc ?: count;
}

static ssize_t name_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", confdev_to_wq(dev)->name);
}

static ssize_t name_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);

	return wq_store_string(dev, buf, count, wq->name, IDXD_WQ_NAME_SIZE, "name");
}
static DEVICE_ATTR_RW(name);

static ssize_t driver_name_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", confdev_to_wq(dev)->driver_name);
}

static ssize_t driver_name_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);

	return wq_store_string(dev, buf, count, wq->driver_name,
			       IDXD_DRV_NAME_SIZE, "driver_name");
}
static DEVICE_ATTR_RW(driver_name);

/*
 * A WQ numeric attribute: show and a validated store.  The store's range
 * may depend on the device and on other fields (checked in validate).
 */
#define WQ_NUM_ATTR(name, fmt, get, lo, hi, set)			\
static ssize_t wq_##name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct idxd_wq *wq = confdev_to_wq(dev);			\
									\
	return sysfs_emit(buf, fmt "\n", get);				\
}									\
static ssize_t wq_##name##_store(struct device *dev,				\
			    struct device_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	struct idxd_wq *wq = confdev_to_wq(dev);			\
	struct idxd_dev *idev = wq->idev;				\
	u64 v;								\
	int rc;								\
									\
	mutex_lock(&idev->lock);					\
	rc = idxd_wq_config_check(wq) ?:				\
	     idxd_parse_uint(dev, buf, (lo), (hi), &v, #name);		\
	if (!rc)							\
		rc = (set);						\
	mutex_unlock(&idev->lock);					\
	return rc ?: count;						\
}									\
static struct device_attribute dev_attr_wq_##name =		\
	__ATTR(name, 0644, wq_##name##_show, wq_##name##_store)

/* Sum of the other WQs' sizes: a size may not push the total over. */
static u32 idxd_other_wq_sizes(struct idxd_wq *wq)
{
	struct idxd_dev *idev = wq->idev;
	u32 i, sum = 0;

	for (i = 0; i < idev->caps.max_wqs; i++)
		if (idev->wqs[i] != wq)
			sum += idev->wqs[i]->size;
	return sum;
}

static int idxd_set_size(struct idxd_wq *wq, u64 v)
{
	struct idxd_dev *idev = wq->idev;

	if (idev->state != IDXD_DEV_DISABLED) {
		dev_err(&wq->conf_dev, "size can only change while %s%d is disabled\n",
			idxd_type_name(idev), idev->id);
		return -EBUSY;
	}
	if (v + idxd_other_wq_sizes(wq) > idev->caps.total_wq_size) {
		dev_err(&wq->conf_dev, "size %llu: only %u entries are left of %u\n",
			v, idev->caps.total_wq_size - idxd_other_wq_sizes(wq),
			idev->caps.total_wq_size);
		return -EINVAL;
	}
	wq->size = v;
	return 0;
}

static int idxd_set_threshold(struct idxd_wq *wq, u64 v)
{
	if (wq->dedicated) {
		dev_err(&wq->conf_dev, "a dedicated WQ has no threshold\n");
		return -EINVAL;
	}
	if (!v || v > wq->size) {
		dev_err(&wq->conf_dev, "threshold %llu: must be 1..size (%u)\n",
			v, wq->size);
		return -EINVAL;
	}
	wq->threshold = v;
	return 0;
}

static int idxd_set_pow2(struct idxd_wq *wq, u64 v, u64 *field32, u32 *f32,
			 const char *what)
{
	v = roundup_pow_of_two(v);
	if (field32)
		*field32 = v;
	else
		*f32 = v;
	return 0;
}

WQ_NUM_ATTR(size, "%u", wq->size, 0, idev->caps.total_wq_size,
	    idxd_set_size(wq, v));
WQ_NUM_ATTR(threshold, "%u", wq->threshold, 0, idev->caps.total_wq_size,
	    idxd_set_threshold(wq, v));
WQ_NUM_ATTR(priority, "%u", wq->priority, 1, 15, (wq->priority = v, 0));
WQ_NUM_ATTR(max_transfer_size, "%llu", wq->max_xfer_bytes, 32,
	    1ULL << idev->caps.max_xfer_shift,
	    idxd_set_pow2(wq, v, &wq->max_xfer_bytes, NULL, "max_transfer_size"));
WQ_NUM_ATTR(max_batch_size, "%u", wq->max_batch_size, 2,
	    1ULL << idev->caps.max_batch_shift,
	    idxd_set_pow2(wq, v, NULL, &wq->max_batch_size, "max_batch_size"));
WQ_NUM_ATTR(block_on_fault, "%d", wq->bof, 0, 1,
	    (v && !(idev->caps.gencap & IDXD_GENCAP_BOF)) ?
	    (dev_err(dev, "the device has no block on fault\n"), -EINVAL) :
	    (wq->bof = v, 0));
WQ_NUM_ATTR(ats_disable, "%d", wq->ats_disable, 0, 1,
	    (wq->ats_disable = v, 0));
WQ_NUM_ATTR(prs_disable, "%d", wq->prs_disable, 0, 1,
	    (wq->prs_disable = v, 0));
static ssize_t enqcmds_retries_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	/* ENQCMDS retries only mean something for shared WQs. */
	if (confdev_to_wq(dev)->dedicated)
		return -EOPNOTSUPP;
	return sysfs_emit(buf, "%u\n", READ_ONCE(confdev_to_wq(dev)->enqcmds_retries));
}

static ssize_t enqcmds_retries_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	unsigned int v;

	if (wq->dedicated)
		return -EOPNOTSUPP;
	if (kstrtouint(buf, 0, &v) || v > IDXD_ENQCMDS_MAX_RETRIES) {
		dev_err(dev, "enqcmds_retries must be 0..%d\n", IDXD_ENQCMDS_MAX_RETRIES);
		return -EINVAL;
	}
	/* read without the lock by submitters: one word */
	WRITE_ONCE(wq->enqcmds_retries, v);
	return count;
}
static DEVICE_ATTR_RW(enqcmds_retries);

static ssize_t cdev_minor_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	int minor = -ENXIO;

	mutex_lock(&wq->idev->lock);
	if (wq->ucdev)
		minor = wq->ucdev->minor;
	mutex_unlock(&wq->idev->lock);
	return minor < 0 ? minor : sysfs_emit(buf, "%d\n", minor);
}
static DEVICE_ATTR_RO(cdev_minor);

static ssize_t occupancy_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct idxd_wq *wq = confdev_to_wq(dev);

	return sysfs_emit(buf, "%u\n", idxd_wq_enabled(wq) ? idxd_wq_occupancy(wq) : 0);
}
static DEVICE_ATTR_RO(occupancy);

/* Our own per-WQ interrupt details: -1 while the WQ has no interrupt. */
static ssize_t ims_irq_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", confdev_to_wq(dev)->irq);
}
static DEVICE_ATTR_RO(ims_irq);

static ssize_t ims_slot_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", confdev_to_wq(dev)->ims_slot);
}
static DEVICE_ATTR_RO(ims_slot);

static ssize_t ims_handle_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct idxd_wq *wq = confdev_to_wq(dev);

	if (wq->irq < 0)
		return sysfs_emit(buf, "-1\n");
	return sysfs_emit(buf, "%#x\n", idxd_wq_handle(wq));
}
static DEVICE_ATTR_RO(ims_handle);

static ssize_t ims_irq_count_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&confdev_to_wq(dev)->irq_count));
}
static DEVICE_ATTR_RO(ims_irq_count);

/*
 * Our own: "auto" (IMS where the device has an IMS domain, else MSI-X) or
 * "msix" (this WQ's MSI-X vector even so), chosen while the WQ is
 * disabled.  Two WQs of one device, one of each, let a benchmark compare
 * IMS and MSI-X side by side in one run; ims_slot says what was used.
 */
static ssize_t completion_irq_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", confdev_to_wq(dev)->msix_only ? "msix" : "auto");
}

static ssize_t completion_irq_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	struct idxd_dev *idev = wq->idev;
	int rc = 0;

	mutex_lock(&idev->lock);
	if (idxd_wq_enabled(wq)) {	/* not WQCFG: fixed devices choose too */
		dev_err(dev, "cannot change an enabled WQ (disable it first)\n");
		rc = -EBUSY;
	}
	if (!rc && sysfs_streq(buf, "auto")) {
		wq->msix_only = false;
	} else if (!rc && sysfs_streq(buf, "msix")) {
		wq->msix_only = true;
	} else if (!rc) {
		dev_err(dev, "completion_irq must be 'auto' or 'msix'\n");
		rc = -EINVAL;
	}
	mutex_unlock(&idev->lock);
	return rc ?: count;
}
static DEVICE_ATTR_RW(completion_irq);

/* The irq domains of the WQ's interrupt, outermost first. */
static ssize_t ims_hierarchy_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct idxd_wq *wq = confdev_to_wq(dev);
	int irq, n;

	mutex_lock(&wq->idev->lock);
	irq = wq->irq;
	n = irq < 0 ? 0 : ims_irq_hierarchy(irq, buf, PAGE_SIZE - 1);
	mutex_unlock(&wq->idev->lock);
	if (n <= 0)
		return sysfs_emit(buf, "none\n");
	return n + sysfs_emit_at(buf, n, "\n");
}
static DEVICE_ATTR_RO(ims_hierarchy);

static struct attribute *idxd_wq_attrs[] = {
	&dev_attr_wq_clients.attr,
	&dev_attr_wq_state.attr,
	&dev_attr_wq_group_id.attr,
	&dev_attr_mode.attr,
	&dev_attr_wq_size.attr,
	&dev_attr_wq_priority.attr,
	&dev_attr_wq_block_on_fault.attr,
	&dev_attr_wq_threshold.attr,
	&dev_attr_type.attr,
	&dev_attr_name.attr,
	&dev_attr_cdev_minor.attr,
	&dev_attr_wq_max_transfer_size.attr,
	&dev_attr_wq_max_batch_size.attr,
	&dev_attr_wq_ats_disable.attr,
	&dev_attr_wq_prs_disable.attr,
	&dev_attr_occupancy.attr,
	&dev_attr_enqcmds_retries.attr,
	&dev_attr_driver_name.attr,
	&dev_attr_ims_irq.attr,
	&dev_attr_ims_slot.attr,
	&dev_attr_ims_handle.attr,
	&dev_attr_ims_irq_count.attr,
	&dev_attr_ims_hierarchy.attr,
	&dev_attr_completion_irq.attr,
	NULL,
};

static umode_t idxd_wq_attr_visible(struct kobject *kobj,
				    struct attribute *attr, int n)
{
	struct idxd_wq *wq = confdev_to_wq(kobj_to_dev(kobj));
	u64 wqcap = wq->idev->caps.wqcap;

	if (attr == &dev_attr_occupancy.attr && !(wqcap & IDXD_WQCAP_OCCUPANCY))
		return 0;
	if (attr == &dev_attr_wq_prs_disable.attr && !(wqcap & IDXD_WQCAP_PRS))
		return 0;
	if (attr == &dev_attr_wq_ats_disable.attr && !(wqcap & IDXD_WQCAP_ATS))
		return 0;
	return attr->mode;
}

static const struct attribute_group idxd_wq_group = {
	.attrs = idxd_wq_attrs,
	.is_visible = idxd_wq_attr_visible,
};

const struct attribute_group *idxd_wq_groups[] = {
	&idxd_wq_group,
	NULL,
};
