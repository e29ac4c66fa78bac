// SPDX-License-Identifier: GPL-2.0-only
/* configure probe: HAVE_KERNEL_BUILD_WORKS -- a module built against this tree at all (required) */
/* required: the kernel tree and compiler must build a module */
#include <linux/kernel.h>
#include <linux/module.h>

int lab_probe(void);
int lab_probe(void)
{
	return 0;
}
MODULE_LICENSE("GPL");
