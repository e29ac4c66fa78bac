// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_GROUP_CLAIM_DMA_OWNER -- iommu_group_claim_dma_owner() (5.19+): DMA ownership of a whole group, the only form before 6.2 */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_group_claim_dma_owner((struct iommu_group *)0, (void *)0);
}
MODULE_LICENSE("GPL");
