// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_DEV_ENABLE_FEATURE -- iommu_dev_enable_feature() (removed in 6.16; PASID/SVA enabled implicitly after it) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_dev_enable_feature((struct device *)0, IOMMU_DEV_FEAT_SVA);
}
MODULE_LICENSE("GPL");
