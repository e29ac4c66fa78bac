// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER -- iommu_device_claim_dma_owner() (6.2+): a driver_managed_dma driver claims the device before attaching */
#include <linux/iommu.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return iommu_device_claim_dma_owner((struct device *)0, (void *)0);
}
MODULE_LICENSE("GPL");
