// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_PAGING_DOMAIN_ALLOC -- iommu_paging_domain_alloc(dev) (6.11+) */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return IS_ERR(iommu_paging_domain_alloc((struct device *)0));
}
MODULE_LICENSE("GPL");
