/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SMMUv3 structures a test builds for nested translation (IHI 0070): the
 * virtual STE words 0-1 handed to iommufd for a nested HWPT, the stage-1
 * context descriptor it points at, and the commands for vIOMMU invalidation.
 * Values are host-endian; the iommufd wrappers convert.
 */
#ifndef LAB_SMMUV3_DESC_H
#define LAB_SMMUV3_DESC_H

#include <stdint.h>

/* STE.Config (5.2): what the vSTE asks of stage 1 (stage 2 is the host's). */
enum lab_ste_cfg { LAB_STE_ABORT = 0, LAB_STE_BYPASS = 4, LAB_STE_S1_TRANS = 5 };

/* vSTE words 0-1: V=1, Config; for S1_TRANS a linear table of one CD at
 * cd_ipa (64-byte aligned) and S1DSS=0. */
void lab_smmuv3_vste(uint64_t ste[2], enum lab_ste_cfg cfg, uint64_t cd_ipa);

/* A stage-1 context descriptor (5.4, 8 words): AArch64 tables at ttb0_ipa,
 * T0SZ for va_bits, 4 KiB granule, TTB1 walks disabled, 48-bit IPS, ASID;
 * MAIR attribute 0 normal write-back. */
void lab_smmuv3_cd(uint64_t cd[8], uint16_t asid, uint64_t ttb0_ipa, unsigned int va_bits);

/* Commands (4.x), two words each. */
void lab_smmuv3_cmd_cfgi_ste(uint64_t cmd[2], uint32_t sid);
void lab_smmuv3_cmd_cfgi_cd(uint64_t cmd[2], uint32_t sid, uint32_t ssid);
void lab_smmuv3_cmd_tlbi_nh_asid(uint64_t cmd[2], uint16_t asid);
void lab_smmuv3_cmd_tlbi_nh_va(uint64_t cmd[2], uint16_t asid, uint64_t va);

#endif
