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

#include <stdint.h>

/* A mock device with a 20-bit PASID capability, attached at its RID to a new
 * mock HWPT on ioas_id. stdev_id names it in the PASID commands; idev_id is
 * its iommufd device id (for IOMMU_HWPT_ALLOC). */
int lab_mock_pasid_device(int iommufd, uint32_t ioas_id, uint32_t *stdev_id, uint32_t *rid_hwpt_id,
			  uint32_t *idev_id);
/* Move the mock device's RID to pt_id (attach-or-replace at the RID). */
int lab_mock_replace_rid(int iommufd, uint32_t stdev_id, uint32_t pt_id);
int lab_mock_pasid_attach(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t pt_id);
int lab_mock_pasid_replace(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t pt_id);
int lab_mock_pasid_detach(int iommufd, uint32_t stdev_id, uint32_t pasid);
/* 0 when hwpt_id's domain is the one at pasid (hwpt_id 0: nothing is),
 * -EINVAL when it is not. */
int lab_mock_pasid_check(int iommufd, uint32_t stdev_id, uint32_t pasid, uint32_t hwpt_id);
/* 0 when hwpt_id's mock domain maps [iova, iova + len) to the pages of buf. */
int lab_mock_check_map(int iommufd, uint32_t hwpt_id, uint64_t iova, uint64_t len, const void *buf);

#endif
