// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS -- iommu_paging_domain_alloc_flags(dev, flags), needed for PASID-capable domains */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return IS_ERR(iommu_paging_domain_alloc_flags((struct device *)0, IOMMU_HWPT_ALLOC_PASID));
}
MODULE_LICENSE("GPL");
