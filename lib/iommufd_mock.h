/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommufd's mock IOMMU (kernel CONFIG_IOMMUFD_TEST): a software IOMMU and mock
 * devices inside iommufd, driven by IOMMU_TEST_CMD. Nothing here issues DMA:
 * attachments and mappings are checked by asking the mock what it holds. Each
 * returns 0 or -errno; -EOPNOTSUPP when built without the kernel tree's
 * iommufd_test.h, -ENOTTY when the kernel has no IOMMUFD_TEST.
 */
#ifndef LAB_IOMMUFD_MOCK_H
#define LAB_IOMMUFD_MOCK_H

#include <stdbool.h>
#include <stdint.h>

/* A mock device with a 20-bit PASID capability, attached at its RID to a new
 * mock HWPT on ioas_id. stdev_id names it in the commands below; idev_id is
 * its iommufd device id (for IOMMU_HWPT_ALLOC). */
int lab_mock_pasid_device(int iommufd, uint32_t ioas_id, uint32_t *stdev_id, uint32_t *rid_hwpt_id,
			  uint32_t *idev_id);
/*
 * Put pt_id at the mock device's RID (pasid LAB_NO_PASID: the RID's
 * attach-or-replace, as VFIO's attach) or at a PASID: attach (EBUSY where an
 * HWPT is attached already), or with replace the replace of the one there.
 */
int lab_mock_attach(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t pt_id, bool replace);
/* Detach the HWPT at a PASID (the mock's RID cannot be detached: EINVAL). */
int lab_mock_detach(int iommufd, uint32_t stdev_id, uint32_t pasid);
/* 0 when hwpt_id's domain is the one at pasid (hwpt_id 0: nothing is),
 * -EINVAL when it is not. */
int lab_mock_pasid_check(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t hwpt_id);
/* 0 when hwpt_id's mock domain maps [iova, iova + len) to the pages of buf. */
int lab_mock_check_map(int iommufd, uint32_t hwpt_id, uint64_t iova, uint64_t len, const void *buf);

#endif
