// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_PCI_DRIVER_MANAGED_DMA -- struct pci_driver.driver_managed_dma (5.19+, required) */
/* required: iommu_testdev takes a function's DMA only through driver_managed_dma (Linux 5.19 or later) */
#include <linux/pci.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	struct pci_driver d = { .driver_managed_dma = true };

	return d.driver_managed_dma;
}
MODULE_LICENSE("GPL");
