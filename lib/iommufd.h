/* SPDX-License-Identifier: GPL-2.0-only */
/* iommufd and VFIO cdev helpers. */
#ifndef LAB_IOMMUFD_H
#define LAB_IOMMUFD_H

#include <stdint.h>

/* True when built with iommufd uAPI headers (configure --with-uapi). */
int lab_iommufd_built(void);
/* True when those headers also have PASID HWPTs and VFIO attach at a PASID. */
int lab_iommufd_pasid_built(void);

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
/* The same for a device already bound to iommufd as dev_id. */
int lab_iommufd_hw_info_dev(int iommufd, uint32_t dev_id, struct lab_hw_info *info);

/*
 * IOAS, HWPT and VFIO-cdev attachment. Each returns 0 or -errno, and
 * -EOPNOTSUPP when this build's uAPI headers lack the command.
 */
#define LAB_NO_PASID 0xffffffffu	/* attach/detach at the RID */
#define LAB_IOAS_READ (1u << 0)
#define LAB_IOAS_WRITE (1u << 1)
#define LAB_HWPT_PASID (1u << 0)	/* the HWPT may be attached at PASIDs */

int lab_ioas_alloc(int iommufd, uint32_t *ioas_id);
/* Map len bytes of the caller's memory at va to the fixed IOVA iova. */
int lab_ioas_map(int iommufd, uint32_t ioas_id, void *va, uint64_t len, uint64_t iova, uint32_t prot);
int lab_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t len);
/* IOMMU_HWPT_ALLOC of a paging HWPT on an IOAS for dev_id; flags LAB_HWPT_*. */
int lab_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas_id, uint32_t flags, uint32_t *hwpt_id);
int lab_iommufd_destroy(int iommufd, uint32_t id);
/* VFIO_DEVICE_ATTACH_IOMMUFD_PT at the RID (pasid LAB_NO_PASID) or at a
 * PASID; attaching where something is attached replaces it. */
int lab_vfio_attach_pt(int devfd, uint32_t pasid, uint32_t pt_id);
int lab_vfio_detach_pt(int devfd, uint32_t pasid);

#endif
