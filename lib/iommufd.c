// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "iommufd.h"
#include "sysfs.h"

#ifdef HAVE_IOMMUFD_UAPI
#include <linux/iommufd.h>
#include <linux/vfio.h>
#endif

int lab_iommufd_built(void)
{
#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	return 1;
#else
	return 0;
#endif
}

int lab_iommufd_open(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The vfio-dev/vfioN entry of a function bound to vfio-pci with VFIO_DEVICE_CDEV. */
static int vfio_cdev_name(const char *bdf, char *name, size_t len)
{
	char dir[128];
	struct dirent *e;
	DIR *d;
	int ret = -ENODEV;

	snprintf(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s/vfio-dev", lab_sysfs_root(), bdf);
	d = opendir(dir);
	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(name, len, "%s", e->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

int lab_vfio_cdev_bind(int iommufd, const char *bdf, uint32_t *dev_id)
{
#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	char name[32], path[64];
	int fd, ret;

	ret = vfio_cdev_name(bdf, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*dev_id = bind.out_devid;
	return fd;
#else
	(void)iommufd; (void)bdf; (void)dev_id; (void)vfio_cdev_name;
	return -EOPNOTSUPP;
#endif
}

int lab_iommufd_hw_info(const char *bdf, struct lab_hw_info *info)
{
#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	union {
#ifdef HAVE_IOMMU_HW_INFO_VTD
		struct iommu_hw_info_vtd vtd;
#endif
#ifdef HAVE_IOMMU_HW_INFO_ARM_SMMUV3
		struct iommu_hw_info_arm_smmuv3 smmu;
#endif
		uint8_t raw[256];
	} data;
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	uint32_t dev_id;
	int ifd, dfd, ret = 0;

	memset(info, 0, sizeof(*info));
	memset(&data, 0, sizeof(data));
	ifd = lab_iommufd_open();
	if (ifd < 0)
		return ifd;
	dfd = lab_vfio_cdev_bind(ifd, bdf, &dev_id);
	if (dfd < 0) {
		close(ifd);
		return dfd;
	}
	cmd.dev_id = dev_id;
	if (ioctl(ifd, IOMMU_GET_HW_INFO, &cmd)) {
		ret = -errno;
		goto out;
	}
	info->type = cmd.out_data_type;
	info->out_capabilities = cmd.out_capabilities;
#ifdef HAVE_IOMMU_HW_INFO_MAX_PASID
	info->max_pasid_log2 = cmd.out_max_pasid_log2;
	info->has_max_pasid = 1;
#endif
	switch (cmd.out_data_type) {
#ifdef HAVE_IOMMU_HW_INFO_VTD
	case IOMMU_HW_INFO_TYPE_INTEL_VTD:
		info->nregs = 2;
		info->regs[0] = data.vtd.cap_reg;
		info->regs[1] = data.vtd.ecap_reg;
		info->flags = data.vtd.flags;
		break;
#endif
#ifdef HAVE_IOMMU_HW_INFO_ARM_SMMUV3
	case IOMMU_HW_INFO_TYPE_ARM_SMMUV3:
		info->nregs = 6;
		for (int i = 0; i < 6; i++)
			info->regs[i] = data.smmu.idr[i];
		info->flags = data.smmu.flags;
		break;
#endif
	default:
		break;
	}
out:
	close(dfd);
	close(ifd);
	return ret;
#else
	(void)bdf;
	memset(info, 0, sizeof(*info));
	return -EOPNOTSUPP;
#endif
}
