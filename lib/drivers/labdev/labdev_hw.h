/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * labdev (QEMU type "iommu-lab-dev", 1234:1ab0): iommu-lab's PCIe DMA test
 * device. Its one description: identity, BAR 0 registers, limits and the test
 * pattern, as docs/labdev.md documents them. Three programs include it: the
 * QEMU model (scripts/testbed/qemu/iommu-lab-dev.c; build-qemu.sh copies this
 * file next to it), the module's engine (drivers/testdev/engine_labdev.c) and
 * the userspace engine (lib/uengine_labdev.c). So it holds only macros and
 * static inline functions on fixed-width types, with plain shifts (QEMU and
 * the kernel each have their own BIT()). The engines' generic half reads it
 * through LAB_DEVICE_DESC(LABDEV) (lib/drivers/device_desc.h).
 */
#ifndef LABDEV_HW_H
#define LABDEV_HW_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

/* Identity. 0x1234 is the vendor ID QEMU uses for its test devices. */
#define LABDEV_NAME		"labdev"	/* the engine's name in records */
#define LABDEV_VENDOR_ID	0x1234
#define LABDEV_DEVICE_ID	0x1ab0
#define LABDEV_REVISION		0x01
#define LABDEV_ID_MASK		0xffffffffu
#define LABDEV_ID_VALUE		0x1ab00001u	/* what the ID register reads */

/* BAR 0: 32-bit registers, little endian, aligned 4-byte accesses only. */
#define LABDEV_BAR_SIZE		0x1000
#define LABDEV_REG_ID		0x00	/* RO */
#define LABDEV_REG_CAPS		0x04	/* RO */
#define LABDEV_REG_SRC_LO	0x08
#define LABDEV_REG_SRC_HI	0x0c
#define LABDEV_REG_DST_LO	0x10
#define LABDEV_REG_DST_HI	0x14
#define LABDEV_REG_LEN		0x18
#define LABDEV_REG_PASID	0x1c
#define LABDEV_REG_SEED		0x20
#define LABDEV_REG_OP		0x24	/* a write runs the operation */
#define LABDEV_REG_STATUS	0x28	/* RO */
#define LABDEV_REG_RESULT	0x2c	/* RO */
#define LABDEV_REG_FAULT_LO	0x30	/* RO */
#define LABDEV_REG_FAULT_HI	0x34	/* RO */
#define LABDEV_REG_FAULT_INFO	0x38	/* RO */
#define LABDEV_REG_CTRL		0x3c
#define LABDEV_REG_IRQ_STATUS	0x40	/* RO */
#define LABDEV_REG_IRQ_ACK	0x44	/* W1C, reads 0 */
#define LABDEV_REG_IRQ_RAISE	0x48	/* W, reads 0 */
#define LABDEV_REG_COUNT	0x4c	/* RO */
#define LABDEV_REG_END		0x50	/* the registers end here */

#define LABDEV_CAPS_PASID	(1u << 0)	/* the PASID capability is present */
#define LABDEV_CAPS_WIDTH_SHIFT	8		/* bits 12:8: its Max PASID Width */

#define LABDEV_LEN_MAX		0x200000u	/* 2 MiB */

#define LABDEV_PASID_BITS_MAX	20
#define LABDEV_PASID_VALUE_MASK	((1u << LABDEV_PASID_BITS_MAX) - 1)
#define LABDEV_PASID_VALID	(1u << 31)	/* tag the transfer with the PASID */

#define LABDEV_OP_WRITE		1	/* the pattern for SEED -> DST */
#define LABDEV_OP_READ		2	/* SRC compared with the pattern; RESULT: bytes that differ */
#define LABDEV_OP_COPY		3	/* SRC -> DST, as memmove */
#define LABDEV_OP_PAIR		4	/* WRITE, then read DST back and compare */

#define LABDEV_STATUS_OK		0
#define LABDEV_STATUS_FAULT		1	/* FAULT_* say which access */
#define LABDEV_STATUS_MISMATCH		2	/* PAIR: RESULT = first differing offset */
#define LABDEV_STATUS_BAD_REQUEST	3	/* refused before any DMA */

#define LABDEV_FAULT_INFO_WRITE	(1u << 0)	/* the failed access wrote memory */
#define LABDEV_FAULT_INFO_PASID	(1u << 1)	/* it was PASID-tagged */

#define LABDEV_CTRL_IRQ_ON_DONE	(1u << 0)
#define LABDEV_IRQ_DONE		(1u << 0)	/* IRQ_STATUS: an operation completed */

/*
 * The test pattern: byte i (offset from the start of the transfer) for seed,
 * in 32-bit arithmetic. Neighbouring bytes and seeds differ, so a stale or
 * shifted page shows.
 */
static inline uint8_t labdev_pattern_byte(uint32_t seed, uint32_t i)
{
	uint32_t mix = seed * 0x9E3779B1u + i * 0x85EBCA77u;

	return (uint8_t)(mix >> 24) ^ (uint8_t)i;
}

/* The offset of the first of len bytes at buf that is not the pattern for
 * seed; len if they all are. */
static inline size_t labdev_pattern_first_diff(const uint8_t *buf, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != labdev_pattern_byte(seed, (uint32_t)i))
			break;
	return i;
}

#endif
