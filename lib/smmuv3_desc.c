// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include "smmuv3_desc.h"

void lab_smmuv3_vste(uint64_t ste[2], enum lab_ste_cfg cfg, uint64_t cd_ipa)
{
	ste[0] = 1ull | (uint64_t)cfg << 1;			/* V, Config[3:1] */
	ste[1] = 0;
	if (cfg == LAB_STE_S1_TRANS)
		ste[0] |= cd_ipa & 0x000fffffffffffc0ull;	/* S1ContextPtr[51:6]; S1Fmt 0, S1CDMax 0 */
}

void lab_smmuv3_vste_cdtab(uint64_t ste[2], uint64_t cdtab_ipa, enum lab_ste_s1fmt fmt, unsigned int s1cdmax,
			   enum lab_ste_s1dss dss)
{
	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, cdtab_ipa);
	ste[0] |= (uint64_t)(fmt & 3) << 4		/* S1Fmt[5:4] */
		  | (uint64_t)(s1cdmax & 0x1f) << 59;	/* S1CDMax[63:59] */
	ste[1] |= dss & 3;				/* S1DSS[1:0] */
}

uint64_t lab_smmuv3_l1cd(uint64_t l2_ipa)
{
	return 1ull | (l2_ipa & 0x00fffffffffff000ull);	/* V, L2Ptr[55:12] */
}

void lab_smmuv3_cd(uint64_t cd[8], uint16_t asid, uint64_t ttb0_ipa, unsigned int va_bits)
{
	memset(cd, 0, 8 * sizeof(cd[0]));
	cd[0] = (uint64_t)(64 - va_bits)	/* T0SZ[5:0] */
		| 0ull << 6			/* TG0: 4 KiB */
		| 1ull << 8 | 1ull << 10	/* IR0, OR0: write-back, write-allocate */
		| 3ull << 12			/* SH0: inner shareable */
		| 1ull << 30			/* EPD1: no TTB1 walks */
		| 1ull << 31			/* V */
		| 5ull << 32			/* IPS: 48 bits */
		| 1ull << 41			/* AA64 */
		| 1ull << 45			/* R: record faults */
		| 1ull << 46			/* A: abort on fault (no stall) */
		| 1ull << 47			/* ASET: ASID not shared with the CPU */
		| (uint64_t)asid << 48;
	cd[1] = ttb0_ipa & 0x000ffffffffffff0ull;	/* TTB0[51:4] */
	cd[3] = 0xff;					/* MAIR0 attribute 0: normal WB */
}

void lab_smmuv3_cmd_cfgi_ste(uint64_t cmd[2], uint32_t sid)
{
	cmd[0] = 0x03 | (uint64_t)sid << 32;
	cmd[1] = 1;	/* Leaf: this STE only */
}

void lab_smmuv3_cmd_cfgi_cd(uint64_t cmd[2], uint32_t sid, uint32_t ssid)
{
	cmd[0] = 0x05 | (uint64_t)(ssid & 0xfffff) << 12 | (uint64_t)sid << 32;
	cmd[1] = 1;	/* Leaf */
}

void lab_smmuv3_cmd_tlbi_nh_asid(uint64_t cmd[2], uint16_t asid)
{
	cmd[0] = 0x11 | (uint64_t)asid << 48;
	cmd[1] = 0;
}

void lab_smmuv3_cmd_tlbi_nh_va(uint64_t cmd[2], uint16_t asid, uint64_t va)
{
	cmd[0] = 0x12 | (uint64_t)asid << 48;
	cmd[1] = va & ~0xfffull;	/* Address[63:12]; Leaf 0, TTL 0: any level */
}

void lab_smmuv3_cmd_cfgi_cd_all(uint64_t cmd[2], uint32_t sid)
{
	cmd[0] = 0x06 | (uint64_t)sid << 32;
	cmd[1] = 0;
}

void lab_smmuv3_cmd_tlbi_nh_all(uint64_t cmd[2])
{
	cmd[0] = 0x10;	/* the VMID is the vIOMMU's: the kernel puts it in */
	cmd[1] = 0;
}

void lab_smmuv3_cmd_tlbi_nh_va_range(uint64_t cmd[2], uint16_t asid, uint64_t va, unsigned int num,
				     unsigned int scale, unsigned int ttl, bool leaf)
{
	cmd[0] = 0x12 | (uint64_t)(num & 0x1f) << 12	/* NUM[16:12] */
		 | (uint64_t)(scale & 0x1f) << 20	/* SCALE[24:20] (bit 25 needs IDR5.DS) */
		 | (uint64_t)asid << 48;
	cmd[1] = (leaf ? 1ull : 0)
		 | (uint64_t)(ttl & 3) << 8		/* TTL[9:8] */
		 | 1ull << 10				/* TG[11:10]: 4 KB */
		 | (va & ~0xfffull);
}

int lab_smmuv3_tlbi_range_cmds(uint64_t (*cmds)[2], int max, uint16_t asid, uint64_t va, uint64_t npages,
			       unsigned int ttl, bool leaf)
{
	int n = 0;

	while (npages) {
		/* The lowest set bit of what is left gives SCALE, the next
		 * bits the multiple of it (NUM + 1, odd, at most 31). */
		unsigned int scale = __builtin_ctzll(npages);
		uint64_t mult = (npages >> scale) & 0x1f;

		if (n == max)
			return -ENOSPC;
		/* NUM = SCALE = TTL = 0 with a TG is Reserved: one page
		 * without a level hint goes as a plain NH_VA (TG 0). */
		if (mult == 1 && !scale && !ttl) {
			lab_smmuv3_cmd_tlbi_nh_va(cmds[n], asid, va);
			cmds[n++][1] |= leaf ? 1 : 0;
		} else {
			lab_smmuv3_cmd_tlbi_nh_va_range(cmds[n++], asid, va, mult - 1, scale, ttl, leaf);
		}
		va += (mult << scale) * 4096;
		npages -= mult << scale;
	}
	return n;
}
