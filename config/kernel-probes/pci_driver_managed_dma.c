// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_PCI_DRIVER_MANAGED_DMA -- struct pci_driver has .driver_managed_dma */
#include <linux/pci.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	struct pci_driver d = { .driver_managed_dma = true };

	return d.driver_managed_dma;
}
MODULE_LICENSE("GPL");
