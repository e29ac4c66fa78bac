// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_KERNEL_BUILD_WORKS -- the kernel tree and compiler can build a module at all (required) */
#include <linux/kernel.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return 0;
}
MODULE_LICENSE("GPL");
