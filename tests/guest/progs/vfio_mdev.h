/* SPDX-License-Identifier: MIT */
/*
 * The in-guest programs' way to reach an mdev as a VMM does: its IOMMU
 * group from sysfs, a type-1 container, the group set on it.
 */
#ifndef TEST_VFIO_MDEV_H
#define TEST_VFIO_MDEV_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

/* 0 with *container and *group open and joined, or -errno. */
static int vfio_mdev_open(const char *uuid, int *container, int *group)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char link[256], path[300];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	*container = open("/dev/vfio/vfio", O_RDWR);
	*group = open(path, O_RDWR);
	if (*container < 0 || *group < 0)
		return -errno;
	if (ioctl(*group, VFIO_GROUP_GET_STATUS, &gs))
		return -errno;
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EINVAL;
	if (ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) ||
	    ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	return 0;
}

#endif /* TEST_VFIO_MDEV_H */
