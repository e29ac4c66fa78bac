/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the generic half of a DMA engine needs to know of its device: which
 * PCI function it is, how to confirm it through BAR 0, and where its
 * interrupt registers are. The module's engines (drivers/testdev/engine_pci.c)
 * and the userspace ones (lib/uengine.c) both read it, filled from the
 * device's header (lib/drivers/<dev>/<dev>_hw.h) by LAB_DEVICE_DESC().
 */
#ifndef LAB_DEVICE_DESC_H
#define LAB_DEVICE_DESC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

struct lab_device_desc {
	uint16_t vendor, device;	/* the PCI IDs the engine drives ... */
	uint32_t class_code;		/* ... or, when non-zero, any function of this
					 * class code (base << 16 | sub << 8 | prog-if):
					 * a standard interface such as NVMe */
	uint32_t regs_end;		/* BAR 0 must span at least this many bytes */
	uint32_t id_reg, id_mask, id_value;	/* the function is the device when
						 * (read32(id_reg) & id_mask) == id_value */
	uint32_t irq_status;		/* reads the pending interrupt bits */
	uint32_t irq_ack;		/* a write clears the written bits */
	uint32_t irq_raise;		/* a write of 1 sends one MSI */
};

/* Whether the function with these IDs and class code is one desc describes. */
static inline int lab_device_desc_matches(const struct lab_device_desc *desc, uint16_t vendor,
					  uint16_t device, uint32_t class_code)
{
	if (desc->class_code)
		return desc->class_code == class_code;
	return desc->vendor == vendor && desc->device == device;
}

/*
 * The description of device D from the macros its header defines under the
 * prefix D: D_VENDOR_ID, D_DEVICE_ID, D_REG_END, D_REG_ID, D_ID_MASK,
 * D_ID_VALUE, D_REG_IRQ_STATUS, D_REG_IRQ_ACK, D_REG_IRQ_RAISE.
 */
#define LAB_DEVICE_DESC(D) {								\
	.vendor = D##_VENDOR_ID, .device = D##_DEVICE_ID, .regs_end = D##_REG_END,	\
	.id_reg = D##_REG_ID, .id_mask = D##_ID_MASK, .id_value = D##_ID_VALUE,		\
	.irq_status = D##_REG_IRQ_STATUS, .irq_ack = D##_REG_IRQ_ACK,			\
	.irq_raise = D##_REG_IRQ_RAISE,							\
}

#endif
