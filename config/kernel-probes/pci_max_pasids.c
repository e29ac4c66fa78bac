// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_PCI_MAX_PASIDS -- pci_max_pasids() (5.19+) */
#include <linux/pci.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return pci_max_pasids((struct pci_dev *)0);
}
MODULE_LICENSE("GPL");
