// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the register decoders (lib/regs*.c): field extraction, the
 * VT-d CAP/ECAP and SMMUv3 IDR0..5 layouts checked against values read from
 * QEMU's emulated IOMMUs, and every consistency rule made to fail on purpose.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* open_memstream(); the harness flags may define it */
#endif
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "regs.h"

/*
 * QEMU 10.0 intel-iommu,x-scalable-mode=on,x-flts=on,x-pasid-mode=on as read
 * by a Linux guest (dmar0 cap/ecap, see TESTBED-FACTS.md).
 */
#define QEMU_VTD_CAP	0x01d2008c222f0606ULL
#define QEMU_VTD_ECAP	0x0000890000f00f4aULL

/*
 * QEMU 10.0 arm-smmuv3 on machine virt (>= 9.2: stage 1 + stage 2), at reset.
 * Derived by hand from smmuv3_init_regs() in hw/arm/smmuv3.c (the version
 * with the "nested" stage property and the S2P-guarded XNX, unchanged until
 * the register banks were split per security state) and smmuv3-internal.h
 * (SMMU_IDR1_SIDSIZE 16, SMMU_CMDQS 19, SMMU_EVENTQS 19, SMMU_IDR5_OAS 4),
 * and matched against what TESTBED-FACTS.md reports for the guest: S1+S2,
 * SSIDSIZE=0, RIL (RANGE_INV), BBML2, no FWB, no ATS/PRI/MSI, no Hyp.
 *
 * IDR0: S2P b0 + S1P b1 + TTF=2 (0x8) + COHACC b4          = 0x0000001b
 *       ASID16 b12                                          = 0x00001000
 *       VMID16 b18 + TTENDIAN=2 (2 << 21)                   = 0x00440000
 *       STALL_MODEL=1 (1 << 24) + TERM_MODEL b26 + ST_LEVEL=1 (1 << 27)
 *                                                           = 0x0d000000
 *                                                     total = 0x0d44101b
 * IDR1: SIDSIZE=16 (0x10) + EVENTQS=19 (19 << 16 = 0x130000)
 *       + CMDQS=19 (19 << 21 = 0x2600000)                   = 0x02730010
 * IDR2: nothing set                                         = 0
 * IDR3: HAD b2 (0x4) + XNX b4 (0x10) + RIL b10 (0x400) + BBML=2 (2 << 11)
 *                                                           = 0x00001414
 * IDR4: nothing set                                         = 0
 * IDR5: OAS=4 (44 bits) + GRAN4K b4 + GRAN16K b5 + GRAN64K b6 = 0x00000074
 *
 * Confirmed on the arm64 testbed guest (QEMU 10.0.2, virt, 7.3 kernel): iommufd
 * IOMMU_GET_HW_INFO returned exactly these six values.
 */
#define QEMU_IDR0	0x0d44101bULL
#define QEMU_IDR1	0x02730010ULL
#define QEMU_IDR2	0x0ULL
#define QEMU_IDR3	0x00001414ULL
#define QEMU_IDR4	0x0ULL
#define QEMU_IDR5	0x00000074ULL

static const uint64_t qemu_vtd[2] = { QEMU_VTD_CAP, QEMU_VTD_ECAP };
static const uint64_t qemu_smmu[6] = {
	QEMU_IDR0, QEMU_IDR1, QEMU_IDR2, QEMU_IDR3, QEMU_IDR4, QEMU_IDR5,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct lab_rule *find_rule(const struct lab_rule *rules, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}

/* ---- lab_field_get ---------------------------------------------------- */

TEST(field_get_edges)
{
	const struct lab_field bit63 = { "B63", 63, 63, "" };
	const struct lab_field top8 = { "TOP", 56, 63, "" };
	const struct lab_field bit0 = { "B0", 0, 0, "" };
	const struct lab_field low32 = { "LO", 0, 31, "" };
	const struct lab_field high32 = { "HI", 32, 63, "" };
	const struct lab_field all64 = { "ALL", 0, 63, "" };
	const uint64_t v = 0xdeadbeefcafef00dULL;

	EXPECT_EQ(1U, lab_field_get(0x8000000000000000ULL, &bit63));
	EXPECT_EQ(0U, lab_field_get(0x7fffffffffffffffULL, &bit63));
	EXPECT_EQ(0xdeU, lab_field_get(v, &top8));
	EXPECT_EQ(1U, lab_field_get(v, &bit0));		/* 0x...0d: bit 0 set */
	EXPECT_EQ(0U, lab_field_get(v & ~1ULL, &bit0));
	EXPECT_EQ(1U, lab_field_get(1, &bit0));
	EXPECT_EQ(0xcafef00dU, lab_field_get(v, &low32));
	EXPECT_EQ(0xffffffffU, lab_field_get(UINT64_MAX, &low32));
	EXPECT_EQ(0xdeadbeefU, lab_field_get(v, &high32));
	EXPECT_EQ(v, lab_field_get(v, &all64));
	EXPECT_EQ(UINT64_MAX, lab_field_get(UINT64_MAX, &all64));
}

/* ---- lookup ------------------------------------------------------------- */

TEST(reg_field_lookup)
{
	const struct lab_field *f;

	f = lab_reg_field(&lab_vtd_cap_reg, "SAGAW");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(8U, f->lo);
	EXPECT_EQ(12U, f->hi);
	EXPECT_STREQ("SAGAW", f->name);

	EXPECT_EQ(NULL, lab_reg_field(&lab_vtd_cap_reg, "NO_SUCH_FIELD"));
	EXPECT_EQ(NULL, lab_reg_field(&lab_vtd_cap_reg, "NEST"));	/* an ECAP field */
	EXPECT_EQ(NULL, lab_reg_field(&lab_vtd_ecap_reg, ""));
	EXPECT_EQ(NULL, lab_reg_field(&lab_vtd_ecap_reg, NULL));
	EXPECT_EQ(NULL, lab_reg_field(&lab_smmu_idr_reg[0], "SAGAW"));
	EXPECT_EQ(NULL, lab_reg_field(&lab_smmu_idr_reg[0], "S1"));	/* no prefix match */

	/* The specification spells it "Hyp"; upper case finds it too. */
	f = lab_reg_field(&lab_smmu_idr_reg[0], "HYP");
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("Hyp", f->name);
	EXPECT_EQ(1U, lab_reg_get(&lab_smmu_idr_reg[0], 1U << 9, "Hyp"));
}

/*
 * The harness reports any SIGABRT as a failed assertion, so TEST_SIGNAL cannot
 * expect one: run the call in a child of our own.
 */
TEST(reg_get_unknown_aborts)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		lab_reg_get(&lab_vtd_cap_reg, QEMU_VTD_CAP, "NO_SUCH_FIELD");
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
}

/* ---- register tables ------------------------------------------------------ */

static void check_regset(struct __test_metadata *_metadata, const struct lab_regset *rs)
{
	size_t r, i, j, s;

	for (r = 0; r < rs->nregs; r++) {
		const struct lab_reg *reg = rs->regs[r];
		uint64_t seen = 0;

		ASSERT_TRUE(reg->width == 32 || reg->width == 64);
		ASSERT_NE(0U, lab_reg_nfields(reg));
		ASSERT_GE((size_t)LAB_REG_FIELDS_MAX, lab_reg_nfields(reg));
		for (i = 0; reg->fields[i].name; i++) {
			const struct lab_field *f = &reg->fields[i];
			uint64_t mask;

			EXPECT_LE(f->lo, f->hi) TH_LOG("%s.%s", reg->name, f->name);
			EXPECT_LT((unsigned int)f->hi, reg->width)
				TH_LOG("%s.%s", reg->name, f->name);
			EXPECT_NE(0U, strlen(f->desc)) TH_LOG("%s.%s", reg->name, f->name);
			mask = f->hi - f->lo == 63 ? UINT64_MAX :
			       ((1ULL << (f->hi - f->lo + 1)) - 1) << f->lo;
			EXPECT_EQ(0U, seen & mask) TH_LOG("%s.%s overlaps", reg->name, f->name);
			seen |= mask;
		}
	}
	/* The rule code looks fields up by name across the whole set. */
	for (r = 0; r < rs->nregs; r++)
		for (i = 0; rs->regs[r]->fields[i].name; i++)
			for (s = 0; s < rs->nregs; s++)
				for (j = 0; rs->regs[s]->fields[j].name; j++) {
					if (s == r && j == i)
						continue;
					EXPECT_NE(0, strcasecmp(rs->regs[r]->fields[i].name,
								rs->regs[s]->fields[j].name))
						TH_LOG("duplicate %s", rs->regs[s]->fields[j].name);
				}
}

TEST(regset_tables)
{
	size_t i;

	EXPECT_STREQ("vtd", lab_vtd_regset.iommu);
	ASSERT_EQ(2U, lab_vtd_regset.nregs);
	EXPECT_EQ(&lab_vtd_cap_reg, lab_vtd_regset.regs[0]);
	EXPECT_EQ(&lab_vtd_ecap_reg, lab_vtd_regset.regs[1]);
	EXPECT_STREQ("CAP_REG", lab_vtd_cap_reg.name);
	EXPECT_STREQ("ECAP_REG", lab_vtd_ecap_reg.name);
	check_regset(_metadata, &lab_vtd_regset);

	EXPECT_STREQ("smmuv3", lab_smmuv3_regset.iommu);
	ASSERT_EQ(6U, lab_smmuv3_regset.nregs);
	for (i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "SMMU_IDR%zu", i);
		EXPECT_EQ(&lab_smmu_idr_reg[i], lab_smmuv3_regset.regs[i]);
		EXPECT_STREQ(name, lab_smmu_idr_reg[i].name);
		EXPECT_EQ(32U, lab_smmu_idr_reg[i].width);
	}
	check_regset(_metadata, &lab_smmuv3_regset);
}

/* ---- QEMU's values, field by field ------------------------------------- */

/* A field and the value a register holds in it. */
struct field_value {
	const char *name;
	uint64_t val;
};

/*
 * Every field of REG holding VALUE reads as SET (ended by an entry without a
 * name) says, and 0 where SET does not name it; every name in SET is a field
 * of REG.
 */
static void expect_fields(struct __test_metadata *_metadata, const struct lab_reg *reg,
			  uint64_t value, const struct field_value *set)
{
	const struct field_value *s;
	const struct lab_field *f;

	for (s = set; s->name; s++)
		EXPECT_NE(NULL, lab_reg_field(reg, s->name)) TH_LOG("%s.%s", reg->name, s->name);
	lab_reg_for_each_field(f, reg) {
		uint64_t want = 0;

		for (s = set; s->name; s++)
			if (!strcmp(s->name, f->name))
				want = s->val;
		EXPECT_EQ(want, lab_reg_get(reg, value, f->name))
			TH_LOG("%s.%s", reg->name, f->name);
	}
}

TEST(qemu_vtd_cap)
{
	/*
	 * CAP = 0x01d2008c222f0606, byte by byte from bit 0:
	 *  [7:0]   0x06 = 0000_0110: ND=110b=6, AFL=RWBF=PLMR=PHMR=CM=0
	 *  [15:8]  0x06: SAGAW[12:8]=00110b: 39-bit (bit 1) and 48-bit (bit 2)
	 *  [23:16] 0x2f = 0010_1111: MGAW[21:16]=101111b=47, ZLR(22)=0
	 *  [31:24] 0x22: FRO[7:0]
	 *  [39:32] 0x8c = 1000_1100: FRO[9:8]=00 -> FRO=0x022=34 (offset 0x220),
	 *          SLLPS[37:34]=0011b (2MB+1GB), PSI(39)=1
	 *  [47:40] 0x00: NFR=0 (one fault-recording register)
	 *  [55:48] 0xd2 = 1101_0010: MAMV[53:48]=010010b=18, DWD(54)=1, DRD(55)=1
	 *  [63:56] 0x01: FL1GP(56)=1, PI=FL5LP=ECMDS=ESIRTPS=ESRTPS=0
	 */
	static const struct field_value set[] = {
		{ "ND", 6 }, { "SAGAW", 0x6 }, { "MGAW", 47 },
		{ "FRO", 34 }, { "SLLPS", 3 }, { "PSI", 1 },
		{ "MAMV", 18 }, { "DWD", 1 }, { "DRD", 1 }, { "FL1GP", 1 },
		{ NULL, 0 },
	};

	expect_fields(_metadata, &lab_vtd_cap_reg, QEMU_VTD_CAP, set);
}

TEST(qemu_vtd_ecap)
{
	/*
	 * ECAP = 0x0000890000f00f4a, byte by byte from bit 0:
	 *  [7:0]   0x4a = 0100_1010: C=0, QI(1)=1, DT(2)=0, IR(3)=1, EIM(4)=0,
	 *          PT(6)=1, SC(7)=0
	 *  [15:8]  0x0f: IRO[7:0]
	 *  [23:16] 0xf0: IRO[9:8]=00 -> IRO=0x00f=15 (offset 0xf0), MHMV[23:20]=0xf
	 *  [31:24] 0x00: MTS=NEST=PRS=ERS=SRS=0
	 *  [39:32] 0x00: NWFS=EAFS=0, PSS[39:35]=0
	 *  [47:40] 0x89 = 1000_1001: PASID(40)=1, DIT=PDS=0, SMTS(43)=1, VCS=0,
	 *          SLADS=0, SLTS(46)=0, FLTS(47)=1
	 *  [63:48] 0x0000: SMPWCS=RPS=PMS=ADMS=RPRIVS=0
	 */
	static const struct field_value set[] = {
		{ "QI", 1 }, { "IR", 1 }, { "PT", 1 },
		{ "IRO", 15 }, { "MHMV", 15 },
		{ "PASID", 1 }, { "SMTS", 1 }, { "FLTS", 1 },
		{ NULL, 0 },
	};

	expect_fields(_metadata, &lab_vtd_ecap_reg, QEMU_VTD_ECAP, set);
}

TEST(qemu_vtd_derived)
{
	/* PASID=1, PSS=0 -> 1-bit PASIDs: Linux computes 2 PASIDs. */
	EXPECT_EQ(1U, lab_vtd_pasid_bits(QEMU_VTD_ECAP));
	EXPECT_EQ(2U, 1U << lab_vtd_pasid_bits(QEMU_VTD_ECAP));
	/* Without PASID the size is 0, whatever PSS says. */
	EXPECT_EQ(0U, lab_vtd_pasid_bits((QEMU_VTD_ECAP & ~(1ULL << 40)) | (19ULL << 35)));
	/* PSS=19 (bits 39:35) -> 20-bit PASIDs. */
	EXPECT_EQ(20U, lab_vtd_pasid_bits(QEMU_VTD_ECAP | (19ULL << 35)));
	/* MGAW=47 -> 48 bits. */
	EXPECT_EQ(48U, lab_vtd_mgaw_bits(QEMU_VTD_CAP));
	/* ND=6 -> 2^(4+2*6) = 2^16 = 65536 domains; ND=0 -> 16; ND=7 Reserved. */
	EXPECT_EQ(65536U, lab_vtd_domains(QEMU_VTD_CAP));
	EXPECT_EQ(16U, lab_vtd_domains(QEMU_VTD_CAP & ~7ULL));
	EXPECT_EQ(0U, lab_vtd_domains(QEMU_VTD_CAP | 7));
}

TEST(qemu_smmuv3_idr)
{
	/* IDR0 0x0d44101b: 0x1b = 0001_1011 -> S2P, S1P, TTF=10b, COHACC; 0x10 in
	 * [15:8]: only ASID16 (bit 12); 0x44 in [23:16] = 0100_0100: VMID16 (18),
	 * TTENDIAN[22:21]=10b; 0x0d in [31:24] = 0000_1101: STALL_MODEL=01b,
	 * TERM_MODEL, ST_LEVEL=01b */
	static const struct field_value idr0[] = {
		{ "S2P", 1 }, { "S1P", 1 }, { "TTF", 2 }, { "COHACC", 1 },
		{ "ASID16", 1 }, { "VMID16", 1 }, { "TTENDIAN", 2 },
		{ "STALL_MODEL", 1 }, { "TERM_MODEL", 1 }, { "ST_LEVEL", 1 },
		{ NULL, 0 },
	};
	/* IDR1 0x02730010: [5:0]=0x10; [20:16]=0x273&0x1f=19; [25:21]=0x273>>5=19 */
	static const struct field_value idr1[] = {
		{ "SIDSIZE", 16 }, { "EVENTQS", 19 }, { "CMDQS", 19 },
		{ NULL, 0 },
	};
	/* IDR3 0x1414: 0x14 = 0001_0100 -> HAD(2), XNX(4); 0x14<<8 -> RIL(10), BBML=10b */
	static const struct field_value idr3[] = {
		{ "HAD", 1 }, { "XNX", 1 }, { "RIL", 1 }, { "BBML", 2 },
		{ NULL, 0 },
	};
	/* IDR5 0x74: OAS=100b (44 bits), 0x70 -> GRAN4K, GRAN16K, GRAN64K */
	static const struct field_value idr5[] = {
		{ "OAS", 4 }, { "GRAN4K", 1 }, { "GRAN16K", 1 }, { "GRAN64K", 1 },
		{ NULL, 0 },
	};
	/* IDR2 and IDR4 (one IMPLEMENTATION DEFINED field) are 0. */
	static const struct field_value none[] = { { NULL, 0 } };
	static const struct field_value *const set[6] = { idr0, idr1, none, idr3, none, idr5 };

	for (size_t n = 0; n < 6; n++)
		expect_fields(_metadata, &lab_smmu_idr_reg[n], qemu_smmu[n], set[n]);
}

TEST(qemu_smmuv3_derived)
{
	static const unsigned int oas[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };
	unsigned int i;

	EXPECT_EQ(44U, lab_smmu_oas_bits(QEMU_IDR5));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(oas[i], lab_smmu_oas_bits((QEMU_IDR5 & ~7U) | i));
	EXPECT_EQ(16U, lab_smmu_sid_bits(QEMU_IDR1));
	EXPECT_EQ(0U, lab_smmu_ssid_bits(QEMU_IDR1));
	/* SSIDSIZE=20 in bits 10:6 */
	EXPECT_EQ(20U, lab_smmu_ssid_bits(QEMU_IDR1 | (20U << 6)));
	/* IDR4 is one 32-bit IMPLEMENTATION DEFINED field */
	EXPECT_EQ(0xffffffffU, lab_reg_get(&lab_smmu_idr_reg[4], 0xffffffff,
					  "IMPLEMENTATION DEFINED"));
}

/* ---- lab_reg_print ------------------------------------------------------ */

TEST(reg_print)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	size_t lines = 0;
	char *p;

	ASSERT_NE(NULL, out);
	lab_reg_print(out, &lab_vtd_cap_reg, QEMU_VTD_CAP);
	lab_reg_print(out, &lab_smmu_idr_reg[0], QEMU_IDR0 | 0xffffffff00000000ULL);
	ASSERT_EQ(0, fclose(out));

	EXPECT_EQ(0, strncmp(text, "CAP_REG = 0x01d2008c222f0606  (Intel VT-d, 11.4.2", 49));
	/* Name padded to the longest CAP name (ESIRTPS), bits to 7, value to 3 digits. */
	EXPECT_NE(NULL, strstr(text, "\n  SAGAW   [12:8]  = 0x6    Supported"));
	EXPECT_NE(NULL, strstr(text, "\n  FRO     [33:24] = 0x22   Fault-recording"));
	EXPECT_NE(NULL, strstr(text, "\n  ESRTPS  [63]    = 0x0    Enhanced"));
	/* A 32-bit register prints 8 digits and ignores bits above its width. */
	EXPECT_NE(NULL, strstr(text, "\nSMMU_IDR0 = 0x0d44101b  (Arm IHI 0070"));
	EXPECT_NE(NULL, strstr(text, "\n  STALL_MODEL [25:24] = 0x1  "));
	for (p = text; *p; p++)
		lines += *p == '\n';
	EXPECT_EQ(2 + lab_reg_nfields(&lab_vtd_cap_reg) + lab_reg_nfields(&lab_smmu_idr_reg[0]),
		  lines);
	free(text);
}

/* ---- rules --------------------------------------------------------------- */

/*
 * A rule case starts from the QEMU register values and changes a few fields
 * by name (field names are unique within a register set), written as the
 * rules explain themselves: "PI=1 IR=0"; a field the verdict hinges on is
 * named even where QEMU's value already has it. "" is a case on the QEMU values.
 */
struct rule_case {
	const char *rule;
	int expect;
	const char *set;
};

#define V LAB_RULE_VIOLATED
#define H LAB_RULE_HOLDS
#define NA LAB_RULE_NA

static const struct rule_case vtd_cases[] = {
	{ "cap_nd_not_reserved", V, "ND=7" },
	{ "cap_nd_not_reserved", H, "ND=0" },
	{ "cap_sagaw_no_reserved_bits", V, "SAGAW=0x16" },	/* bit 4 */
	{ "cap_sagaw_no_reserved_bits", V, "SAGAW=0x07" },	/* bit 0 */
	{ "cap_sagaw_no_reserved_bits", H, "SAGAW=0x0e" },	/* 39/48/57 */
	{ "cap_sllps_valid", V, "SLLPS=2" },	/* 1GB without 2MB */
	{ "cap_sllps_valid", V, "SLLPS=4" },	/* Reserved bit 2 */
	{ "cap_sllps_valid", H, "SLLPS=1" },
	{ "cap_sllps_valid", H, "SLLPS=0" },
	{ "cap_rwbf_clear_with_smts", V, "RWBF=1" },
	{ "cap_rwbf_clear_with_smts", NA, "SMTS=0 RWBF=1" },
	{ "cap_pi_needs_ir", V, "PI=1 IR=0" },
	{ "cap_pi_needs_ir", H, "PI=1" },
	{ "cap_fl1gp_needs_flts", V, "FLTS=0" },
	{ "cap_fl1gp_needs_flts", NA, "FL1GP=0" },
	{ "cap_fl5lp_needs_flts", V, "FL5LP=1 FLTS=0" },
	{ "cap_fl5lp_needs_flts", H, "FL5LP=1" },
	/* IOTLB moved onto the fault-recording register at 0x220 */
	{ "cap_ecap_fault_iotlb_regs_layout", V, "IRO=0x22" },
	/* fault-recording register moved onto the IOTLB registers at 0xf0 */
	{ "cap_ecap_fault_iotlb_regs_layout", V, "FRO=0x0f" },
	/* 16 records from 0x100 run into IOTLB registers placed at 0x1f0 */
	{ "cap_ecap_fault_iotlb_regs_layout", V, "FRO=0x10 NFR=15 IRO=0x1f" },
	/* last record at 0xff0..0xfff still inside the first 4 KiB */
	{ "cap_ecap_fault_iotlb_regs_layout", H, "FRO=0xff" },
	/* 0x3f00 + 16 records ends at 0x4000: needs the DRHD size */
	{ "cap_ecap_fault_iotlb_regs_layout", NA, "FRO=0x3f0 NFR=15" },
	{ "ecap_dt_needs_qi", V, "DT=1 QI=0" },
	{ "ecap_dt_needs_qi", H, "DT=1" },
	{ "ecap_ir_needs_qi", V, "QI=0" },
	{ "ecap_ir_needs_qi", NA, "IR=0" },
	{ "ecap_eim_needs_ir", V, "EIM=1 IR=0" },
	{ "ecap_eim_needs_ir", H, "EIM=1" },
	{ "ecap_mhmv_zero_without_ir", V, "IR=0 MHMV=0xf" },
	{ "ecap_mhmv_zero_without_ir", H, "IR=0 MHMV=0" },
	{ "ecap_smts_needs_qi", V, "QI=0" },
	{ "ecap_smts_needs_qi", NA, "SMTS=0" },
	{ "ecap_smts_needs_translation", V, "FLTS=0 PT=0" },
	{ "ecap_smts_needs_translation", H, "FLTS=0" },	/* PT alone */
	{ "ecap_smts_needs_translation", NA, "SMTS=0" },
	{ "ecap_smts_clear_scalable_fields_clear", V, "SMTS=0" },  /* PASID, FLTS */
	{ "ecap_smts_clear_scalable_fields_clear", V, "SMTS=0 PASID=0 FLTS=0 RPS=1" },
	{ "ecap_smts_clear_scalable_fields_clear", H, "SMTS=0 PASID=0 FLTS=0" },
	{ "ecap_pss_zero_without_smts", V, "SMTS=0 PSS=19" },
	{ "ecap_pss_zero_without_smts", H, "SMTS=0" },
	{ "ecap_pss_zero_without_smts", NA, "PSS=19" },
	{ "ecap_nest_needs_flts_slts", V, "NEST=1 SLTS=0" },
	{ "ecap_nest_needs_flts_slts", V, "NEST=1 SLTS=1 SMTS=0" },
	{ "ecap_nest_needs_flts_slts", H, "NEST=1 SLTS=1" },
	{ "ecap_prs_needs_dt_smts", V, "PRS=1 DT=0" },
	{ "ecap_prs_needs_dt_smts", H, "PRS=1 DT=1" },
	{ "ecap_ers_needs_pasid", V, "ERS=1 PASID=0" },
	{ "ecap_ers_needs_pasid", H, "ERS=1" },
	{ "ecap_nwfs_needs_dt", V, "NWFS=1" },
	{ "ecap_nwfs_needs_dt", H, "NWFS=1 DT=1" },
	{ "ecap_dit_needs_dt", V, "DIT=1" },
	{ "ecap_dit_needs_dt", H, "DIT=1 DT=1" },
	{ "ecap_pds_needs_dt", V, "PDS=1" },
	{ "ecap_pds_needs_dt", H, "PDS=1 DT=1" },
	{ "ecap_eafs_needs_flts_smpwcs", V, "EAFS=1 SMPWCS=0" },
	{ "ecap_eafs_needs_flts_smpwcs", H, "EAFS=1 SMPWCS=1" },
	{ "ecap_slads_needs_smpwcs", V, "SLADS=1" },
	{ "ecap_slads_needs_smpwcs", H, "SLADS=1 SMPWCS=1" },
	{ "ecap_pms_needs_ecmds", V, "PMS=1" },
	{ "ecap_pms_needs_ecmds", H, "PMS=1 ECMDS=1" },
	{ "ecap_rprivs_needs_srs", V, "RPRIVS=1" },
	{ "ecap_rprivs_needs_srs", H, "RPRIVS=1 SRS=1" },

	/* The QEMU values themselves (no change). */
	{ "cap_nd_not_reserved", H, "" },
	{ "cap_sagaw_no_reserved_bits", H, "" },
	{ "cap_sllps_valid", H, "" },
	{ "cap_rwbf_clear_with_smts", H, "" },
	{ "cap_pi_needs_ir", NA, "" },
	{ "cap_fl1gp_needs_flts", H, "" },
	{ "cap_fl5lp_needs_flts", NA, "" },
	{ "cap_ecap_fault_iotlb_regs_layout", H, "" },	/* 0x220-0x22f, 0xf0-0xff */
	{ "ecap_dt_needs_qi", NA, "" },
	{ "ecap_ir_needs_qi", H, "" },
	{ "ecap_eim_needs_ir", NA, "" },
	{ "ecap_mhmv_zero_without_ir", NA, "" },
	{ "ecap_smts_needs_qi", H, "" },
	{ "ecap_smts_needs_translation", H, "" },
	{ "ecap_smts_clear_scalable_fields_clear", NA, "" },
	{ "ecap_pss_zero_without_smts", NA, "" },
	{ "ecap_nest_needs_flts_slts", NA, "" },
	{ "ecap_prs_needs_dt_smts", NA, "" },
	{ "ecap_ers_needs_pasid", NA, "" },
	{ "ecap_nwfs_needs_dt", NA, "" },
	{ "ecap_dit_needs_dt", NA, "" },
	{ "ecap_pds_needs_dt", NA, "" },
	{ "ecap_eafs_needs_flts_smpwcs", NA, "" },
	{ "ecap_slads_needs_smpwcs", NA, "" },
	{ "ecap_pms_needs_ecmds", NA, "" },
	{ "ecap_rprivs_needs_srs", NA, "" },
};

static const struct rule_case smmu_cases[] = {
	{ "idr0_ttf_not_reserved", V, "TTF=0" },
	{ "idr0_ttf_not_reserved", H, "TTF=3" },
	{ "idr0_stage_supported", V, "S1P=0 S2P=0" },
	{ "idr0_stage_supported", H, "S1P=0" },
	{ "idr0_st_level_not_reserved", V, "ST_LEVEL=2" },
	{ "idr0_st_level_not_reserved", V, "ST_LEVEL=3" },
	{ "idr0_st_level_not_reserved", H, "ST_LEVEL=0" },
	{ "idr0_stall_model_not_reserved", V, "STALL_MODEL=3" },
	{ "idr0_stall_model_not_reserved", H, "STALL_MODEL=2" },
	{ "idr0_ttendian_not_reserved", V, "TTENDIAN=1" },
	{ "idr0_ttendian_not_reserved", H, "TTENDIAN=0" },
	{ "idr0_pri_needs_ats", V, "PRI=1" },
	{ "idr0_pri_needs_ats", H, "PRI=1 ATS=1" },
	{ "idr0_atsrecerr_needs_ats", V, "ATSRECERR=1" },
	{ "idr0_atsrecerr_needs_ats", H, "ATSRECERR=1 ATS=1" },
	{ "idr0_ns1ats_needs_ats_s1p_s2p", V, "NS1ATS=1 ATS=1 S2P=0" },
	{ "idr0_ns1ats_needs_ats_s1p_s2p", V, "NS1ATS=1 ATS=0" },
	{ "idr0_ns1ats_needs_ats_s1p_s2p", H, "NS1ATS=1 ATS=1" },
	{ "idr0_hyp_needs_s1p_s2p", V, "Hyp=1 S2P=0" },
	{ "idr0_hyp_needs_s1p_s2p", H, "Hyp=1" },
	{ "idr0_vmw_needs_s2p", V, "VMW=1 S2P=0" },
	{ "idr0_vmw_needs_s2p", H, "VMW=1" },
	{ "idr0_vatos_needs_atos_s1p_s2p", V, "VATOS=1 ATOS=0" },
	{ "idr0_vatos_needs_atos_s1p_s2p", V, "VATOS=1 ATOS=1 S1P=0" },
	{ "idr0_vatos_needs_atos_s1p_s2p", H, "VATOS=1 ATOS=1" },
	{ "idr1_cmdqs_max", V, "CMDQS=20" },
	{ "idr1_eventqs_max", V, "EVENTQS=31" },
	{ "idr1_priqs_max", V, "PRI=1 ATS=1 PRIQS=20" },
	{ "idr1_priqs_max", H, "PRI=1 ATS=1 PRIQS=19" },
	{ "idr1_priqs_max", NA, "PRIQS=25 PRI=0" },
	{ "idr1_ssidsize_max", V, "SSIDSIZE=21" },
	{ "idr1_ssidsize_max", H, "SSIDSIZE=20" },
	{ "idr1_sidsize_max", V, "SIDSIZE=33" },
	{ "idr1_sidsize_max", H, "SIDSIZE=32" },
	{ "idr1_sidsize_needs_2lvl_strtab", V, "ST_LEVEL=0 SIDSIZE=16" },
	{ "idr1_sidsize_needs_2lvl_strtab", V, "ST_LEVEL=0 SIDSIZE=7" },
	{ "idr1_sidsize_needs_2lvl_strtab", NA, "ST_LEVEL=0 SIDSIZE=6" },
	{ "idr1_ecmdq_requirements", V, "ECMDQ=1 MSI=0" },
	{ "idr1_ecmdq_requirements", V, "ECMDQ=1 MSI=1 QUEUES_PRESET=1" },
	{ "idr1_ecmdq_requirements", H, "ECMDQ=1 MSI=1" },
	{ "idr1_rel_needs_preset", V, "REL=1" },
	{ "idr1_rel_needs_preset", H, "REL=1 TABLES_PRESET=1" },
	{ "idr2_ba_vatos_needs_vatos", V, "BA_VATOS=1" },
	{ "idr2_ba_vatos_needs_vatos", H, "BA_VATOS=1 VATOS=1 ATOS=1" },
	{ "idr3_had_needs_s1p", V, "S1P=0 HAD=1" },
	{ "idr3_had_needs_s1p", NA, "S1P=0 HAD=0" },
	{ "idr3_pbha_needs_had", V, "PBHA=1 HAD=0" },
	{ "idr3_pbha_needs_had", H, "PBHA=1" },
	{ "idr3_pps_needs_pri_ssid", V, "PPS=1 PRI=1 ATS=1" },
	{ "idr3_pps_needs_pri_ssid", H, "PPS=1 PRI=1 ATS=1 SSIDSIZE=20" },
	{ "idr3_stage1_fields_need_s1p", V, "S1P=0 S1PI=1" },
	{ "idr3_stage1_fields_need_s1p", H, "S1P=0 HAD=0" },
	{ "idr3_stage2_fields_need_s2p", V, "S2P=0 PTWNNC=1" },
	{ "idr3_stage2_fields_need_s2p", H, "S2P=0" },
	{ "idr3_s2pi_required", V, "S2PO=1" },
	{ "idr3_s2pi_required", V, "THE=1 S2P=1" },
	{ "idr3_s2pi_required", H, "S2PO=1 S2PI=1" },
	{ "idr3_s2pi_required", NA, "THE=1 S2P=0" },
	{ "idr3_pasidtt_needs_ats_ssid", V, "PASIDTT=1 ATS=1" },
	{ "idr3_pasidtt_needs_ats_ssid", H, "PASIDTT=1 ATS=1 SSIDSIZE=16" },
	{ "idr3_dpt_requirements", V, "DPT=1 ATS=0" },
	{ "idr3_dpt_requirements", V, "DPT=1 ATS=1 TTF=3" },
	{ "idr3_dpt_requirements", H, "DPT=1 ATS=1" },
	{ "idr3_bbml_defined", V, "BBML=3" },
	{ "idr3_bbml_defined", H, "BBML=0" },
	{ "idr5_oas52_needs_granule", V, "OAS=6 GRAN64K=0" },
	{ "idr5_oas52_needs_granule", H, "OAS=6" },
	{ "idr5_oas52_needs_granule", H, "OAS=6 GRAN64K=0 DS=1" },
	{ "idr5_oas56_needs_d128", V, "OAS=7" },
	{ "idr5_oas56_needs_d128", H, "OAS=7 D128=1" },
	{ "idr5_vax_not_reserved", V, "VAX=3" },
	{ "idr5_vax_not_reserved", H, "VAX=2" },
	{ "idr5_vax_needs_granule", V, "VAX=1 GRAN64K=0 DS=0" },
	{ "idr5_vax_needs_granule", V, "VAX=2 D128=0" },
	{ "idr5_vax_needs_granule", H, "VAX=1" },
	{ "idr5_vax_needs_granule", H, "VAX=1 GRAN64K=0 DS=1" },
	{ "idr5_ds_requirements", V, "DS=1 VAX=0" },
	{ "idr5_ds_requirements", V, "DS=1 VAX=1 GRAN4K=0 GRAN16K=0" },
	{ "idr5_ds_requirements", H, "DS=1 VAX=1" },
	{ "idr5_gran4k_with_aarch32", V, "TTF=3 GRAN4K=0" },
	{ "idr5_gran4k_with_aarch32", H, "TTF=1" },
	{ "idr5_d128_requirements", V, "D128=1" },
	/* everything present, but VMSAv8-32 LPAE still advertised in TTF[0] */
	{ "idr5_d128_requirements", V, "D128=1 TTF=3 S2PO=1 S1PI=1 AIE=1 S2PI=1" },
	{ "idr5_d128_requirements", H, "D128=1 S2PO=1 S1PI=1 AIE=1 S2PI=1 MTEPERM=1" },
	{ "idr5_d128_requirements", H, "D128=1 S1P=0 HAD=0 S2PO=1 S2PI=1 MTEPERM=1" },

	/* The QEMU values themselves (no change). */
	{ "idr0_ttf_not_reserved", H, "" },
	{ "idr0_stage_supported", H, "" },
	{ "idr0_st_level_not_reserved", H, "" },
	{ "idr0_stall_model_not_reserved", H, "" },
	{ "idr0_ttendian_not_reserved", H, "" },
	{ "idr0_pri_needs_ats", NA, "" },
	{ "idr0_atsrecerr_needs_ats", NA, "" },
	{ "idr0_ns1ats_needs_ats_s1p_s2p", NA, "" },
	{ "idr0_hyp_needs_s1p_s2p", NA, "" },
	{ "idr0_vmw_needs_s2p", NA, "" },
	{ "idr0_vatos_needs_atos_s1p_s2p", NA, "" },
	{ "idr1_cmdqs_max", H, "" },	/* 19, the maximum */
	{ "idr1_eventqs_max", H, "" },
	{ "idr1_priqs_max", NA, "" },
	{ "idr1_ssidsize_max", H, "" },
	{ "idr1_sidsize_max", H, "" },
	{ "idr1_sidsize_needs_2lvl_strtab", H, "" },	/* SIDSIZE 16, ST_LEVEL 1 */
	{ "idr1_ecmdq_requirements", NA, "" },
	{ "idr1_rel_needs_preset", NA, "" },
	{ "idr2_ba_vatos_needs_vatos", NA, "" },
	{ "idr3_had_needs_s1p", H, "" },
	{ "idr3_pbha_needs_had", NA, "" },
	{ "idr3_pps_needs_pri_ssid", NA, "" },
	{ "idr3_stage1_fields_need_s1p", NA, "" },
	{ "idr3_stage2_fields_need_s2p", NA, "" },
	{ "idr3_s2pi_required", NA, "" },
	{ "idr3_pasidtt_needs_ats_ssid", NA, "" },
	{ "idr3_dpt_requirements", NA, "" },
	{ "idr3_bbml_defined", H, "" },
	{ "idr5_oas52_needs_granule", NA, "" },
	{ "idr5_oas56_needs_d128", NA, "" },
	{ "idr5_vax_not_reserved", H, "" },
	{ "idr5_vax_needs_granule", NA, "" },
	{ "idr5_ds_requirements", NA, "" },
	{ "idr5_gran4k_with_aarch32", NA, "" },
	{ "idr5_d128_requirements", NA, "" },
};

#undef V
#undef H
#undef NA

static const char *verdict_name(int v)
{
	return v == LAB_RULE_HOLDS ? "HOLDS" : v == LAB_RULE_NA ? "NA" :
	       v == LAB_RULE_VIOLATED ? "VIOLATED" : "?";
}

/* Writes VALUE into field NAME, wherever it is in the set; 0 if unknown. */
static int set_field(const struct lab_regset *rs, uint64_t *regs, const char *name,
		     uint64_t value)
{
	size_t i;

	for (i = 0; i < rs->nregs; i++) {
		const struct lab_field *f = lab_reg_field(rs->regs[i], name);
		unsigned int width;
		uint64_t mask;

		if (!f)
			continue;
		width = f->hi - f->lo + 1;
		mask = width == 64 ? UINT64_MAX : (1ULL << width) - 1;
		regs[i] = (regs[i] & ~(mask << f->lo)) | ((value & mask) << f->lo);
		return 1;
	}
	return 0;
}

FIXTURE(rules) {
	uint64_t regs[6];
	char why[256];
};

FIXTURE_VARIANT(rules) {
	const struct lab_regset *set;
	const struct lab_rule *rules;
	const size_t *nrules;
	const uint64_t *qemu;
	const struct rule_case *cases;
	size_t ncases;
	const char *spec_prefix;
};

/* The register set IOMMU with its rules, QEMU's values and the cases above. */
#define RULES_VARIANT(iommu, values, case_table, prefix)			\
	FIXTURE_VARIANT_ADD(rules, iommu) {					\
		.set = &lab_##iommu##_regset,					\
		.rules = lab_##iommu##_rules,					\
		.nrules = &lab_##iommu##_nrules,				\
		.qemu = values,							\
		.cases = case_table,						\
		.ncases = ARRAY_LEN(case_table),				\
		.spec_prefix = prefix,						\
	}

RULES_VARIANT(vtd, qemu_vtd, vtd_cases, "Intel VT-d ");
RULES_VARIANT(smmuv3, qemu_smmu, smmu_cases, "Arm IHI 0070 ");

FIXTURE_SETUP(rules)
{
	memset(self, 0, sizeof(*self));
}

FIXTURE_TEARDOWN(rules)
{
}

TEST_F(rules, table_well_formed)
{
	size_t i, j, n = *variant->nrules;

	ASSERT_NE(0U, n);
	for (i = 0; i < n; i++) {
		const struct lab_rule *r = &variant->rules[i];
		const char *c;

		ASSERT_NE(NULL, r->id);
		ASSERT_NE(NULL, r->check) TH_LOG("%s", r->id);
		for (c = r->id; *c; c++)
			EXPECT_TRUE((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
				    *c == '_') TH_LOG("%s is not snake_case", r->id);
		EXPECT_EQ(0, strncmp(r->spec, variant->spec_prefix,
				     strlen(variant->spec_prefix))) TH_LOG("%s", r->id);
		EXPECT_NE(0U, strlen(r->text)) TH_LOG("%s", r->id);
		EXPECT_EQ('.', r->text[strlen(r->text) - 1]) TH_LOG("%s", r->id);
		for (j = i + 1; j < n; j++)
			EXPECT_NE(0, strcmp(r->id, variant->rules[j].id)) TH_LOG("%s", r->id);
	}
}

TEST_F(rules, qemu_values_violate_nothing)
{
	size_t i;

	for (i = 0; i < *variant->nrules; i++) {
		const struct lab_rule *r = &variant->rules[i];
		int v;

		memcpy(self->regs, variant->qemu, variant->set->nregs * sizeof(uint64_t));
		v = r->check(self->regs, self->why, sizeof(self->why));
		EXPECT_NE(LAB_RULE_VIOLATED, v) TH_LOG("%s: %s", r->id, self->why);
		EXPECT_NE(0U, strlen(self->why)) TH_LOG("%s", r->id);
	}
}

TEST_F(rules, cases)
{
	const char *p;
	char name[32];
	uint64_t val;
	size_t i;
	int n;

	for (i = 0; i < variant->ncases; i++) {
		const struct rule_case *c = &variant->cases[i];
		const struct lab_rule *r = find_rule(variant->rules, *variant->nrules, c->rule);
		int v;

		ASSERT_NE(NULL, r) TH_LOG("no rule %s", c->rule);
		memcpy(self->regs, variant->qemu, variant->set->nregs * sizeof(uint64_t));
		for (p = c->set; sscanf(p, " %31[^=]=%" SCNi64 "%n", name, &val, &n) == 2; p += n)
			ASSERT_TRUE(set_field(variant->set, self->regs, name, val))
				TH_LOG("%s", name);
		ASSERT_EQ(0, p[strspn(p, " ")])
			TH_LOG("case %zu %s: cannot read \"%s\"", i, c->rule, p);
		memset(self->why, 0, sizeof(self->why));
		v = r->check(self->regs, self->why, sizeof(self->why));
		EXPECT_EQ(c->expect, v)
			TH_LOG("case %zu %s: want %s, got %s (%s)", i, c->rule,
			       verdict_name(c->expect), verdict_name(v), self->why);
		if (v == LAB_RULE_VIOLATED)
			EXPECT_NE(0U, strlen(self->why)) TH_LOG("%s", c->rule);
	}
}

TEST_F(rules, every_rule_has_violation_case)
{
	size_t i, j;

	for (i = 0; i < *variant->nrules; i++) {
		int found = 0;

		for (j = 0; j < variant->ncases; j++)
			found |= !strcmp(variant->cases[j].rule, variant->rules[i].id) &&
				 variant->cases[j].expect == LAB_RULE_VIOLATED;
		EXPECT_TRUE(found) TH_LOG("%s", variant->rules[i].id);
	}
}

TEST_F(rules, why_is_bounded)
{
	size_t i;

	for (i = 0; i < *variant->nrules; i++) {
		const struct lab_rule *r = &variant->rules[i];
		char small[8];

		memset(small, 'x', sizeof(small));
		memcpy(self->regs, variant->qemu, variant->set->nregs * sizeof(uint64_t));
		r->check(self->regs, small, 5);
		EXPECT_EQ('\0', small[4]) TH_LOG("%s", r->id);
		EXPECT_EQ('x', small[5]) TH_LOG("%s wrote past len", r->id);
		/* No buffer at all is allowed too. */
		r->check(self->regs, NULL, 0);
	}
}

/*
 * Raw register values, independent of the field tables: rule ID of RULES
 * is violated by REGS, explaining it with MISSING ("FIELD=0"), and holds
 * once bit BIT of register REG (that field) is set.
 */
static void raw_violation(struct __test_metadata *_metadata, const struct lab_rule *rules,
			  size_t nrules, const char *id, uint64_t *regs, const char *missing,
			  int reg, unsigned int bit)
{
	const struct lab_rule *r = find_rule(rules, nrules, id);
	char why[128] = "";

	ASSERT_NE(NULL, r);
	EXPECT_EQ(LAB_RULE_VIOLATED, r->check(regs, why, sizeof(why)));
	EXPECT_NE(NULL, strstr(why, missing)) TH_LOG("%s", why);
	regs[reg] |= 1ULL << bit;
	EXPECT_EQ(LAB_RULE_HOLDS, r->check(regs, why, sizeof(why)));
}

TEST(raw_violations)
{
	uint64_t vtd[2] = { QEMU_VTD_CAP, QEMU_VTD_ECAP | (1ULL << 26) };	/* NEST */
	uint64_t smmu[6] = { QEMU_IDR0 | (1U << 16), QEMU_IDR1, QEMU_IDR2,	/* PRI */
			     QEMU_IDR3, QEMU_IDR4, QEMU_IDR5 };

	/* ECAP bit 46 is SLTS; IDR0 bit 10 is ATS. */
	raw_violation(_metadata, lab_vtd_rules, lab_vtd_nrules, "ecap_nest_needs_flts_slts", vtd,
		      "SLTS=0", 1, 46);
	raw_violation(_metadata, lab_smmuv3_rules, lab_smmuv3_nrules, "idr0_pri_needs_ats", smmu,
		      "ATS=0", 0, 10);
}

TEST_HARNESS_MAIN
