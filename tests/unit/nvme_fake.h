/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small fake NVMe controller for the unit test of lib/drivers/nvme/
 * nvme_core.c: its BAR 0 registers behind read32/write32, and doorbell writes
 * processed at once by walking the queues in "memory", an array in which an
 * IOVA is an offset (anything beyond it fails like a blocked DMA). It does
 * just what the core uses: reset and enable, Identify CNS 0/1/2, Set and Get
 * Features Number of Queues, Create I/O CQ/SQ, Read/Write/Compare/Flush on an
 * in-memory disk with PRP1/PRP2/PRP lists, completions with the phase tag,
 * one MSI-X count per vector. It also counts what the core made it do, so
 * the tests can check which path a transfer took.
 */
#ifndef NVME_FAKE_H
#define NVME_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nvme/nvme_core.h"

#define FAKE_QUEUES	16u	/* queue ids 0 .. 15 */
#define FAKE_VECTORS	16u

struct fake_queue {
	bool live;
	uint64_t base;
	uint32_t size, head, tail;
	uint16_t cqid;		/* SQ: its CQ */
	bool ien;		/* CQ: interrupts */
	uint16_t iv;
	uint8_t phase;		/* CQ: the phase tag of the next entry */
	uint32_t wraps;		/* CQ: passes completed */
};

struct fake_nvme {
	/* The "memory": IOVA = offset. */
	uint8_t *mem;
	size_t mem_size;

	/* Knobs, set before nvme_core_init() (fake_nvme_new() picks defaults). */
	uint32_t mqes;		/* CAP.MQES: entries - 1 */
	uint32_t dstrd, to, mpsmin, css;
	uint8_t mdts;
	uint32_t nn;		/* 0: no namespace, else namespace 1 */
	uint32_t lba_shift;
	uint32_t meta_size;	/* metadata bytes per LBA of namespace 1's format */
	uint64_t nsze;
	uint16_t oncs;
	uint32_t max_pairs;	/* I/O queue pairs Set Features grants */
	uint32_t msix;		/* MSI-X vectors the function has */
	bool msix_off;		/* MSI-X Enable clear in the function: an I/O CQ
				 * on a vector above 0 is refused, as QEMU's nvme does */
	bool never_ready;	/* CSTS.RDY never follows CC.EN = 1 */
	bool fatal_on_enable;	/* CC.EN = 1 sets CSTS.CFS instead of RDY */
	bool media_error;	/* a Read of media_error_lba: Unrecovered Read Error */
	uint64_t media_error_lba;
	bool gone;		/* every register reads all ones */
	bool no_nsid_list;	/* Identify CNS 2 is an invalid field (before NVMe 1.1) */
	bool write_protected;	/* namespace 1 refuses Write */
	bool drop_io;		/* I/O commands are taken and never completed */

	/* Registers. */
	uint32_t cc, csts, aqa;
	uint64_t asq, acq;
	uint32_t granted;	/* I/O queue pairs granted since the reset */
	struct fake_queue sq[FAKE_QUEUES], cq[FAKE_QUEUES];

	uint8_t *disk;

	/* What happened. */
	uint64_t now_ns;		/* the env clock; delay_us advances it */
	uint32_t irqs[FAKE_VECTORS];	/* MSI-X messages per vector */
	uint32_t admin_cmds[256], io_cmds[256];
	uint32_t resets, enables;
	uint32_t prp2_pages;		/* commands whose PRP2 was a data page */
	uint32_t prp_lists;		/* commands with a PRP list */
	uint32_t prp_list_max;		/* most list entries one command used */
	uint32_t prp_chains;		/* lists chained to another page */
	uint32_t max_cmd_bytes;		/* the longest data command */
	uint32_t errors;		/* the core broke a rule: see last_error */
	const char *last_error;
};

struct fake_nvme *fake_nvme_new(size_t mem_size);
void fake_nvme_free(struct fake_nvme *f);
/* Whether the controller is now a fresh power-on one (after changing knobs). */
void fake_nvme_power_on(struct fake_nvme *f, bool fatal);
/* The nvme_core_env whose ctx is f. */
extern const struct nvme_core_env fake_nvme_env;

#endif
