/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMMUv3 structures a test builds for nested translation (IHI 0070): the
 * virtual STE words 0-1 handed to iommufd for a nested HWPT, the stage-1
 * context descriptor it points at, and the commands for vIOMMU invalidation.
 * Values are host-endian; the iommufd wrappers convert.
 */
#ifndef LAB_SMMUV3_DESC_H
#define LAB_SMMUV3_DESC_H

#include <stdbool.h>
#include <stdint.h>

/* STE.Config (5.2): what the vSTE asks of stage 1 (stage 2 is the host's). */
enum lab_ste_cfg { LAB_STE_ABORT = 0, LAB_STE_BYPASS = 4, LAB_STE_S1_TRANS = 5 };

/* vSTE words 0-1: V=1, Config; for S1_TRANS a linear table of one CD at
 * cd_ipa (64-byte aligned) and S1DSS=0. */
void lab_smmuv3_vste(uint64_t ste[2], enum lab_ste_cfg cfg, uint64_t cd_ipa);

/* STE.S1Fmt (5.2): one linear CD table, or two levels with 4 KB / 64 KB leaves. */
enum lab_ste_s1fmt { LAB_STE_S1FMT_LINEAR = 0, LAB_STE_S1FMT_L2_4K = 1, LAB_STE_S1FMT_L2_64K = 2 };
/* STE.S1DSS (5.2): what untagged DMA does when S1CDMax > 0. */
enum lab_ste_s1dss { LAB_STE_S1DSS_TERMINATE = 0, LAB_STE_S1DSS_BYPASS = 1, LAB_STE_S1DSS_SSID0 = 2 };

/* A vSTE for stage 1 through a CD table of 2^s1cdmax CDs (a vSVA guest's):
 * V=1, Config S1_TRANS, S1Fmt, S1ContextPtr (the table, or the L1 table, at
 * cdtab_ipa), S1CDMax, S1DSS. */
void lab_smmuv3_vste_cdtab(uint64_t ste[2], uint64_t cdtab_ipa, enum lab_ste_s1fmt fmt, unsigned int s1cdmax,
			   enum lab_ste_s1dss dss);
/* An L1CD (5.3): V=1, L2Ptr of a leaf CD table at l2_ipa (aligned to its size). */
uint64_t lab_smmuv3_l1cd(uint64_t l2_ipa);

/* A stage-1 context descriptor (5.4, 8 words): AArch64 tables at ttb0_ipa,
 * T0SZ for va_bits, 4 KiB granule, TTB1 walks disabled, 48-bit IPS, ASID;
 * MAIR attribute 0 normal write-back. */
void lab_smmuv3_cd(uint64_t cd[8], uint16_t asid, uint64_t ttb0_ipa, unsigned int va_bits);

/* Commands (4.x), two words each. */
void lab_smmuv3_cmd_cfgi_ste(uint64_t cmd[2], uint32_t sid);
void lab_smmuv3_cmd_cfgi_cd(uint64_t cmd[2], uint32_t sid, uint32_t ssid);
void lab_smmuv3_cmd_tlbi_nh_asid(uint64_t cmd[2], uint16_t asid);
void lab_smmuv3_cmd_tlbi_nh_va(uint64_t cmd[2], uint16_t asid, uint64_t va);
void lab_smmuv3_cmd_cfgi_cd_all(uint64_t cmd[2], uint32_t sid);
void lab_smmuv3_cmd_tlbi_nh_all(uint64_t cmd[2]);
/* CMD_TLBI_NH_VA with a range (4.4.2, SMMU_IDR3.RIL): (num + 1) << scale
 * pages of the 4 KB granule (TG 0b01) from va; ttl: the level of the leaf
 * entries (0: any; 3: level 3 of 4 KB tables); leaf: last-level entries only. */
void lab_smmuv3_cmd_tlbi_nh_va_range(uint64_t cmd[2], uint16_t asid, uint64_t va, unsigned int num,
				     unsigned int scale, unsigned int ttl, bool leaf);
/* The range commands that cover exactly npages 4 KB pages from va, as few
 * as the NUM/SCALE encoding allows (each a power-of-two multiple, lowest set
 * bit first), into cmds[max]: their count, or -ENOSPC. A single page with
 * ttl 0 goes as a plain NH_VA (a range of it would be Reserved). */
int lab_smmuv3_tlbi_range_cmds(uint64_t (*cmds)[2], int max, uint16_t asid, uint64_t va, uint64_t npages,
			       unsigned int ttl, bool leaf);

#endif
