/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NVMe, as much of it as iommu-lab's NVMe engines use: the controller
 * registers in BAR 0, the submission and completion queue entries, the admin
 * and NVM opcodes, Identify and Feature fields, completion status codes.
 * Written from the NVMe Base Specification 2.0 and the NVM Command Set
 * Specification 1.0 (section numbers below are the Base Specification's).
 *
 * Included by the portable controller driver (nvme_core.c, in the module and
 * in the library), the engines and the host unit test's fake controller. So
 * it holds only macros, structs and static inline functions on fixed-width
 * types, with plain shifts. All multi-byte fields are little endian; the
 * structs are used in place on little-endian hosts only (nvme_core.c asserts
 * it), and Identify data is read byte by byte (nvme_hw_le16() ...).
 *
 * Names: NVME_BAR_* (registers), NVME_ADMIN_* / NVME_CMD_* (opcodes),
 * NVME_IDCTRL_* / NVME_IDNS_* (Identify offsets), NVME_FID_* (features),
 * NVME_STS_* (status). None is spelled like a name of the kernel's
 * include/linux/nvme.h, which this file never includes and does not replace.
 */
#ifndef NVME_HW_H
#define NVME_HW_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* Identity: any PCI function of class 01h (mass storage), subclass 08h
 * (non-volatile memory), programming interface 02h (NVM Express). */
#define NVME_NAME		"nvme"		/* the engine's name in records */
#define NVME_CLASS_CODE		0x010802u

/* Controller registers (3.1.4), BAR 0. 64-bit ones may be accessed as two
 * 32-bit halves, low half first. */
#define NVME_BAR_CAP		0x00	/* Controller Capabilities, 64-bit, RO */
#define NVME_BAR_VS		0x08	/* Version */
#define NVME_BAR_INTMS		0x0c	/* Interrupt Mask Set (not with MSI-X) */
#define NVME_BAR_INTMC		0x10	/* Interrupt Mask Clear (not with MSI-X) */
#define NVME_BAR_CC		0x14	/* Controller Configuration */
#define NVME_BAR_CSTS		0x1c	/* Controller Status */
#define NVME_BAR_NSSR		0x20	/* NVM Subsystem Reset (never written) */
#define NVME_BAR_AQA		0x24	/* Admin Queue Attributes */
#define NVME_BAR_ASQ		0x28	/* Admin Submission Queue base, 64-bit */
#define NVME_BAR_ACQ		0x30	/* Admin Completion Queue base, 64-bit */
#define NVME_BAR_DOORBELLS	0x1000	/* the first doorbell (SQ 0 tail) */
#define NVME_BAR_MIN_SIZE	0x2000	/* registers plus a page of doorbells */

/* CAP: extract a field from the 64-bit value. */
#define NVME_BAR_CAP_MQES(cap)		((uint32_t)((cap) & 0xffff))	/* entries - 1 */
#define NVME_BAR_CAP_CQR(cap)		((uint32_t)((cap) >> 16) & 1u)	/* contiguous */
#define NVME_BAR_CAP_TO(cap)		((uint32_t)((cap) >> 24) & 0xffu)	/* 500 ms */
#define NVME_BAR_CAP_DSTRD(cap)		((uint32_t)((cap) >> 32) & 0xfu)	/* 4 << n */
#define NVME_BAR_CAP_CSS(cap)		((uint32_t)((cap) >> 37) & 0xffu)
#define NVME_BAR_CAP_MPSMIN(cap)	((uint32_t)((cap) >> 48) & 0xfu)	/* 4K << n */
#define NVME_BAR_CAP_MPSMAX(cap)	((uint32_t)((cap) >> 52) & 0xfu)
#define NVME_BAR_CAP_TO_UNIT_MS		500u
/* Bits of CAP.CSS. */
#define NVME_BAR_CAP_CSS_NVM		(1u << 0)	/* the NVM Command Set */
#define NVME_BAR_CAP_CSS_IO_SETS	(1u << 6)	/* one or more I/O Command Sets */
#define NVME_BAR_CAP_CSS_ADMIN_ONLY	(1u << 7)	/* no I/O Command Set */

/* VS */
#define NVME_BAR_VS_MAJOR(vs)		((uint32_t)(vs) >> 16)
#define NVME_BAR_VS_MINOR(vs)		(((uint32_t)(vs) >> 8) & 0xffu)

/* CC */
#define NVME_BAR_CC_EN			(1u << 0)
#define NVME_BAR_CC_CSS(x)		((uint32_t)(x) << 4)	/* 3 bits */
#define NVME_BAR_CC_CSS_NVM		0u			/* the NVM Command Set */
#define NVME_BAR_CC_MPS(x)		((uint32_t)(x) << 7)	/* page 4 KiB << x */
#define NVME_BAR_CC_AMS(x)		((uint32_t)(x) << 11)	/* 0: round robin */
#define NVME_BAR_CC_SHN_MASK		(3u << 14)
#define NVME_BAR_CC_SHN_NORMAL		(1u << 14)
#define NVME_BAR_CC_SHN_ABRUPT		(2u << 14)
#define NVME_BAR_CC_IOSQES(x)		((uint32_t)(x) << 16)	/* log2 of the SQE size */
#define NVME_BAR_CC_IOCQES(x)		((uint32_t)(x) << 20)	/* log2 of the CQE size */

/* CSTS */
#define NVME_BAR_CSTS_RDY		(1u << 0)
#define NVME_BAR_CSTS_CFS		(1u << 1)	/* Controller Fatal Status */
#define NVME_BAR_CSTS_SHST_MASK		(3u << 2)
#define NVME_BAR_CSTS_SHST_DONE		(2u << 2)
#define NVME_BAR_CSTS_NSSRO		(1u << 4)
#define NVME_BAR_CSTS_GONE		0xffffffffu	/* a function gone from the bus */

/* AQA: queue sizes in entries (the register holds them 0's based). */
#define NVME_BAR_AQA_VALUE(sq_entries, cq_entries)			\
	((((uint32_t)(sq_entries) - 1u) & 0xfffu) |			\
	 ((((uint32_t)(cq_entries) - 1u) & 0xfffu) << 16))
#define NVME_BAR_AQA_MAX_ENTRIES	4096u

/* Doorbells (3.1.4.x): SQ y Tail and CQ y Head, stride bytes apart. */
static inline uint32_t nvme_bar_sq_tail_db(uint32_t qid, uint32_t stride)
{
	return NVME_BAR_DOORBELLS + (2u * qid) * stride;
}

static inline uint32_t nvme_bar_cq_head_db(uint32_t qid, uint32_t stride)
{
	return NVME_BAR_DOORBELLS + (2u * qid + 1u) * stride;
}

/*
 * Submission Queue Entry (4.2, Common Command Format), 64 bytes. Only PRPs
 * are used (PSDT = 0), never fused commands.
 */
struct nvme_sqe {
	uint8_t opcode;		/* CDW0 7:0 */
	uint8_t flags;		/* CDW0 15:8: FUSE 9:8, PSDT 15:14; 0 here */
	uint16_t cid;		/* CDW0 31:16: Command Identifier */
	uint32_t nsid;		/* CDW1 */
	uint32_t cdw2, cdw3;
	uint64_t mptr;		/* CDW4-5: Metadata Pointer */
	uint64_t prp1;		/* CDW6-7: Data Pointer, PRP Entry 1 */
	uint64_t prp2;		/* CDW8-9: PRP Entry 2 */
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* Completion Queue Entry (4.6), 16 bytes. */
struct nvme_cqe {
	uint32_t dw0;		/* command specific */
	uint32_t dw1;
	uint16_t sq_head;	/* DW2 15:0: SQ Head Pointer */
	uint16_t sq_id;		/* DW2 31:16 */
	uint16_t cid;		/* DW3 15:0 */
	uint16_t status;	/* DW3 31:16: bit 0 Phase Tag, 15:1 Status Field */
};

#define NVME_SQE_SIZE		64u
#define NVME_SQE_SIZE_LOG2	6u	/* CC.IOSQES */
#define NVME_CQE_SIZE		16u
#define NVME_CQE_SIZE_LOG2	4u	/* CC.IOCQES */

_Static_assert(sizeof(struct nvme_sqe) == NVME_SQE_SIZE, "an NVMe SQE is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == NVME_CQE_SIZE, "an NVMe CQE is 16 bytes");

/* The upper half of CQE DW3 (struct nvme_cqe.status, CPU order). */
#define NVME_CQE_PHASE		(1u << 0)
#define NVME_CQE_MORE		(1u << 14)	/* M: more status in a log page */
#define NVME_CQE_DNR		(1u << 15)	/* Do Not Retry */

/* The status of a completion as SCT << 8 | SC (the form NVME_STS_* use). */
static inline uint16_t nvme_cqe_status(uint16_t dw3_hi)
{
	return (uint16_t)((dw3_hi >> 1) & 0x7ffu);
}

/* Admin Command Set opcodes (5, Figure 138). */
#define NVME_ADMIN_DELETE_SQ		0x00
#define NVME_ADMIN_CREATE_SQ		0x01
#define NVME_ADMIN_DELETE_CQ		0x04
#define NVME_ADMIN_CREATE_CQ		0x05
#define NVME_ADMIN_IDENTIFY		0x06
#define NVME_ADMIN_SET_FEATURES		0x09
#define NVME_ADMIN_GET_FEATURES		0x0a

/* NVM Command Set I/O opcodes (NVM Command Set 1.0, 3). */
#define NVME_CMD_FLUSH			0x00
#define NVME_CMD_WRITE			0x01
#define NVME_CMD_READ			0x02
#define NVME_CMD_COMPARE		0x05

/* Read, Write, Compare: CDW10-11 SLBA, CDW12 15:0 the LBA count 0's based. */
#define NVME_NLB(count)			(((uint32_t)(count) - 1u) & 0xffffu)
#define NVME_NLB_MAX			65536u

/* Create I/O CQ / SQ (5.4, 5.5): CDW10 QID 15:0, QSIZE 31:16 (0's based). */
#define NVME_CREATEQ_CDW10(qid, entries) \
	(((uint32_t)(qid) & 0xffffu) | ((((uint32_t)(entries) - 1u) & 0xffffu) << 16))
#define NVME_CREATEQ_PC			(1u << 0)	/* physically contiguous */
#define NVME_CREATEQ_IEN		(1u << 1)	/* CQ: interrupts enabled */
#define NVME_CREATEQ_IV(v)		((uint32_t)(v) << 16)	/* CQ: MSI-X vector */
#define NVME_CREATEQ_CQID(q)		((uint32_t)(q) << 16)	/* SQ: its CQ */
/* Delete I/O SQ / CQ: CDW10 QID 15:0. */

/* Identify (5.17): CDW10 CNS 7:0, CNTID 31:16; data is one 4 KiB page. */
#define NVME_CNS_NS			0x00	/* Identify Namespace (NVM), CDW1 NSID */
#define NVME_CNS_CTRL			0x01	/* Identify Controller */
#define NVME_CNS_ACTIVE_NSIDS		0x02	/* active NSIDs above CDW1 NSID */
#define NVME_IDDATA_SIZE		4096u
#define NVME_ACTIVE_NSIDS_MAX		1024u	/* 32-bit entries, 0 ends the list */
#define NVME_BROADCAST_NSID		0xffffffffu

/* Identify Controller data structure: byte offsets and lengths. */
#define NVME_IDCTRL_VID			0	/* 2 bytes */
#define NVME_IDCTRL_SN			4	/* ASCII, space padded */
#define NVME_IDCTRL_SN_LEN		20
#define NVME_IDCTRL_MN			24
#define NVME_IDCTRL_MN_LEN		40
#define NVME_IDCTRL_FR			64
#define NVME_IDCTRL_FR_LEN		8
#define NVME_IDCTRL_MDTS		77	/* 1 byte: 2^n CAP.MPSMIN pages, 0: no limit */
#define NVME_IDCTRL_CNTLID		78	/* 2 bytes */
#define NVME_IDCTRL_VER			80	/* 4 bytes */
#define NVME_IDCTRL_SQES		512	/* 1 byte: max 7:4, required 3:0 (log2) */
#define NVME_IDCTRL_CQES		513
#define NVME_IDCTRL_NN			516	/* 4 bytes: Number of Namespaces */
#define NVME_IDCTRL_ONCS		520	/* 2 bytes: Optional NVM Command Support */
#define NVME_IDCTRL_ONCS_COMPARE	(1u << 0)

/* Identify Namespace data structure (NVM Command Set 1.0, 4.1.5.1). */
#define NVME_IDNS_NSZE			0	/* 8 bytes: size in LBAs */
#define NVME_IDNS_NCAP			8
#define NVME_IDNS_NUSE			16
#define NVME_IDNS_NLBAF			25	/* 1 byte: LBA formats - 1 */
#define NVME_IDNS_FLBAS			26	/* 1 byte: the formatted LBA size */
#define NVME_IDNS_FLBAS_EXT_META	(1u << 4)	/* metadata inside the data buffer */
#define NVME_IDNS_DPS			29	/* 1 byte: protection information */
#define NVME_IDNS_LBAF(i)		(128 + 4 * (i))	/* 4 bytes each, 64 formats */
#define NVME_IDNS_LBAF_MAX		64u
/* The LBA format index FLBAS selects: bits 3:0, and 6:5 as its bits 5:4. */
#define NVME_IDNS_FLBAS_INDEX(flbas) \
	(((uint32_t)(flbas) & 0xfu) | ((((uint32_t)(flbas) >> 5) & 3u) << 4))
#define NVME_IDNS_LBAF_MS(lbaf)		((uint32_t)(lbaf) & 0xffffu)	/* metadata B */
#define NVME_IDNS_LBAF_LBADS(lbaf)	(((uint32_t)(lbaf) >> 16) & 0xffu)	/* log2 bytes */

/* Feature Identifiers (5.27.1), Set/Get Features CDW10 7:0. */
#define NVME_FID_ARBITRATION		0x01
#define NVME_FID_NUM_QUEUES		0x07
/* Number of Queues: CDW11 and completion DW0, NSQ 15:0 and NCQ 31:16,
 * both 0's based. */
#define NVME_FID_NUM_QUEUES_VALUE(nsq, ncq)				\
	((((uint32_t)(nsq) - 1u) & 0xffffu) | ((((uint32_t)(ncq) - 1u) & 0xffffu) << 16))
#define NVME_FID_NUM_QUEUES_NSQA(dw0)	(((uint32_t)(dw0) & 0xffffu) + 1u)
#define NVME_FID_NUM_QUEUES_NCQA(dw0)	(((uint32_t)(dw0) >> 16) + 1u)

/*
 * Completion status (4.6.1.2) as SCT << 8 | SC. Status Code Types:
 * 0 generic, 1 command specific, 2 media and data integrity, 3 path related,
 * 7 vendor specific.
 */
#define NVME_STS(sct, sc)		((uint16_t)(((sct) & 7u) << 8 | ((sc) & 0xffu)))
#define NVME_STS_SCT(st)		(((uint32_t)(st) >> 8) & 7u)
#define NVME_STS_SC(st)			((uint32_t)(st) & 0xffu)
#define NVME_STS_SCT_GENERIC		0u
#define NVME_STS_SCT_CMD_SPECIFIC	1u
#define NVME_STS_SCT_MEDIA		2u
#define NVME_STS_SCT_PATH		3u
#define NVME_STS_SCT_VENDOR		7u

/* Generic Command Status (4.6.1.2.1), SCT 0. */
#define NVME_STS_SUCCESS		0x000
#define NVME_STS_INVALID_OPCODE		0x001
#define NVME_STS_INVALID_FIELD		0x002
#define NVME_STS_CID_CONFLICT		0x003
#define NVME_STS_DATA_XFER_ERROR	0x004	/* the controller could not move the data */
#define NVME_STS_ABORTED_POWER_LOSS	0x005
#define NVME_STS_INTERNAL_ERROR		0x006
#define NVME_STS_ABORT_REQUESTED	0x007
#define NVME_STS_ABORTED_SQ_DELETED	0x008
#define NVME_STS_INVALID_NS_OR_FORMAT	0x00b
#define NVME_STS_CMD_SEQUENCE_ERROR	0x00c
#define NVME_STS_PRP_OFFSET_INVALID	0x013
#define NVME_STS_OPERATION_DENIED	0x015
#define NVME_STS_SANITIZE_IN_PROGRESS	0x01d
#define NVME_STS_NS_WRITE_PROTECTED	0x020
#define NVME_STS_COMMAND_INTERRUPTED	0x021
#define NVME_STS_TRANSIENT_TRANSPORT	0x022
/* ... NVM Command Set specific, SCT 0. */
#define NVME_STS_LBA_OUT_OF_RANGE	0x080
#define NVME_STS_CAPACITY_EXCEEDED	0x081
#define NVME_STS_NS_NOT_READY		0x082
#define NVME_STS_RESERVATION_CONFLICT	0x083
#define NVME_STS_FORMAT_IN_PROGRESS	0x084

/* Command Specific Status (4.6.1.2.2), SCT 1. */
#define NVME_STS_INVALID_CQ		0x100	/* Completion Queue Invalid */
#define NVME_STS_INVALID_QID		0x101
#define NVME_STS_INVALID_QSIZE		0x102
#define NVME_STS_INVALID_VECTOR		0x108
#define NVME_STS_READ_ONLY_RANGE	0x182	/* NVM: write to a read only range */

/* Media and Data Integrity Errors (4.6.1.2.3), SCT 2. */
#define NVME_STS_WRITE_FAULT		0x280
#define NVME_STS_UNRECOVERED_READ	0x281
#define NVME_STS_GUARD_CHECK		0x282
#define NVME_STS_APP_TAG_CHECK		0x283
#define NVME_STS_REF_TAG_CHECK		0x284
#define NVME_STS_COMPARE_FAILURE	0x285
#define NVME_STS_ACCESS_DENIED		0x286
#define NVME_STS_DEALLOCATED		0x287

/* Path Related Status (4.6.1.2.4), SCT 3. */
#define NVME_STS_INTERNAL_PATH_ERROR	0x300

/* Little-endian fields of Identify data, read byte by byte. */
static inline uint16_t nvme_hw_le16(const uint8_t *buf, uint32_t off)
{
	return (uint16_t)(buf[off] | (uint16_t)buf[off + 1] << 8);
}

static inline uint32_t nvme_hw_le32(const uint8_t *buf, uint32_t off)
{
	return (uint32_t)nvme_hw_le16(buf, off) | (uint32_t)nvme_hw_le16(buf, off + 2) << 16;
}

static inline uint64_t nvme_hw_le64(const uint8_t *buf, uint32_t off)
{
	return (uint64_t)nvme_hw_le32(buf, off) | (uint64_t)nvme_hw_le32(buf, off + 4) << 32;
}

#endif
