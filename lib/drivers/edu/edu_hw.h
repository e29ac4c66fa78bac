/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * edu: QEMU's educational PCI device (1234:11e8), as iommu-lab's engines use
 * it: identity, the BAR 0 registers of its DMA engine and interrupt, and its
 * limits. Included by the module's engine (drivers/testdev/engine_edu.c) and
 * the userspace engine (lib/uengine_edu.c); the device itself is stock QEMU.
 *
 * Its DMA engine moves data between memory and a 4 KiB buffer inside the
 * device, at device address EDU_BUF_ADDR: a copy from memory to memory is two
 * DMAs, memory -> buffer (EDU_CMD_RUN) and buffer -> memory (EDU_CMD_RUN |
 * EDU_CMD_TO_RAM). It reports no DMA errors: a faulting transfer completes
 * and shows only in the data and in the IOMMU's fault reporting. QEMU masks
 * its DMA addresses with the dma_mask property (28 bits by default): run it
 * with dma_mask=0xffffffffffffffff, as the testbed does.
 */
#ifndef EDU_HW_H
#define EDU_HW_H

#define EDU_NAME		"edu"		/* the engine's name in records */
#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8
#define EDU_ID_MASK		0xff		/* ID reads 0xRRrr00ed: major, minor, 0xed */
#define EDU_ID_VALUE		0xed

/* BAR 0. The DMA address and count registers take 8-byte accesses only: a
 * 4-byte write replaces the whole register, so split writes would lose the
 * upper half. */
#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60	/* sets the written bits and sends the MSI */
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80	/* 64 bits */
#define EDU_REG_DMA_DST		0x88	/* 64 bits */
#define EDU_REG_DMA_COUNT	0x90	/* 64 bits */
#define EDU_REG_DMA_CMD		0x98
#define EDU_REG_END		0xa0	/* the registers end here */

#define EDU_CMD_RUN		0x1	/* start; the device clears it when done */
#define EDU_CMD_TO_RAM		0x2	/* direction: device buffer -> memory */

#define EDU_BUF_ADDR		0x40000	/* the device buffer, as DMA_SRC/DST name it */
#define EDU_BUF_SIZE		4096
#define EDU_LEN_MAX		EDU_BUF_SIZE	/* largest copy: one buffer */

/* One DMA takes about 100 ms of the emulator's virtual time; give up after: */
#define EDU_DMA_TIMEOUT_MS	5000

#endif
