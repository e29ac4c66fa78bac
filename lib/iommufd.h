/* SPDX-License-Identifier: GPL-2.0-only */
/* iommufd and VFIO cdev helpers. */
#ifndef LAB_IOMMUFD_H
#define LAB_IOMMUFD_H

#include <stdint.h>

/* True when built with iommufd uAPI headers (configure --with-uapi). */
int lab_iommufd_built(void);

/* Open /dev/iommu. fd or -errno. */
int lab_iommufd_open(void);
/* Open the VFIO cdev of PCI function BDF and bind it to IOMMUFD; returns the
 * device fd and stores the iommufd device id. -ENODEV: not bound to vfio-pci
 * with a cdev. */
int lab_vfio_cdev_bind(int iommufd, const char *bdf, uint32_t *dev_id);

struct lab_hw_info {
	uint32_t type;		/* IOMMU_HW_INFO_TYPE_* */
	int nregs;
	uint64_t regs[6];	/* VT-d: CAP, ECAP; SMMUv3: IDR0..5 */
	uint32_t flags;
	uint64_t out_capabilities;
	uint8_t max_pasid_log2;	/* valid when has_max_pasid */
	int has_max_pasid;	/* this build's headers know out_max_pasid_log2 */
};
/* IOMMU_GET_HW_INFO for BDF (bound to vfio-pci with a cdev). 0 or -errno;
 * -EOPNOTSUPP when built without the uAPI. */
int lab_iommufd_hw_info(const char *bdf, struct lab_hw_info *info);

#endif
