// SPDX-License-Identifier: GPL-2.0-only
/*
 * Arm SMMUv3 identification registers SMMU_IDR0..SMMU_IDR5: the quantities
 * they encode and the consistency rules the SMMU architecture specification
 * (IHI 0070 G.b) states between their fields. Their layout is in
 * lib/regs_fields.c.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "regs_rules.h"

#define IHI "Arm IHI 0070 G.b"

/* Every OAS encoding is defined in G.b (0b111 = 56 bits since SMMUv3.4). */
unsigned int lab_smmu_oas_bits(uint32_t idr5)
{
	static const unsigned char bits[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };

	return bits[lab_reg_get(&lab_smmu_idr_reg[5], idr5, "OAS")];
}

unsigned int lab_smmu_ssid_bits(uint32_t idr1)
{
	return lab_reg_get(&lab_smmu_idr_reg[1], idr1, "SSIDSIZE");
}

unsigned int lab_smmu_sid_bits(uint32_t idr1)
{
	return lab_reg_get(&lab_smmu_idr_reg[1], idr1, "SIDSIZE");
}

/*
 * Rule helpers. Field names are unique across SMMU_IDR0..5, so a rule names a
 * field without saying which register holds it.
 */
#define fld(regs, name) lab_regset_field(&lab_smmuv3_regset, regs, name)
#define gate(w, regs, name) lab_why_gate(w, &lab_smmuv3_regset, regs, name, true)
#define show(w, regs, names) lab_why_fields(w, &lab_smmuv3_regset, regs, names)
#define count lab_names_count
#define verdict_if lab_rule_verdict
#define RULE(fn, gate, want, ...) LAB_RULE_FIELDS(&lab_smmuv3_regset, fn, gate, want, __VA_ARGS__)
#define NEEDS(fn, trigger, ...) RULE(fn, trigger, LAB_NEEDS_ALL, __VA_ARGS__)
#define ZERO_WITHOUT(fn, gate, ...) RULE(fn, gate, LAB_ZERO_WITHOUT, __VA_ARGS__)

static int not_encoding(const uint64_t *regs, char *why, size_t len, const char *name,
			uint64_t reserved)
{
	uint64_t v = fld(regs, name);

	return verdict_if(v != reserved, why, len, "%s=%llu%s", name, (unsigned long long)v,
			  v == reserved ? " is a Reserved encoding" : "");
}

static int at_most(const uint64_t *regs, char *why, size_t len, const char *name,
		   uint64_t max)
{
	uint64_t v = fld(regs, name);

	return verdict_if(v <= max, why, len, "%s=%llu (maximum %llu)", name,
			  (unsigned long long)v, (unsigned long long)max);
}

/* SMMU_IDR0 */

static int idr0_ttf_not_reserved(const uint64_t *regs, char *why, size_t len)
{
	return not_encoding(regs, why, len, "TTF", 0);
}

static int idr0_stage_supported(const uint64_t *regs, char *why, size_t len)
{
	uint64_t s1p = fld(regs, "S1P"), s2p = fld(regs, "S2P");

	return verdict_if(s1p || s2p, why, len, "S1P=%llu S2P=%llu%s", (unsigned long long)s1p,
			  (unsigned long long)s2p, s1p || s2p ? "" : ": no translation stage");
}

static int idr0_st_level_not_reserved(const uint64_t *regs, char *why, size_t len)
{
	uint64_t v = fld(regs, "ST_LEVEL");

	return verdict_if(v < 2, why, len, "ST_LEVEL=%llu%s", (unsigned long long)v,
			  v < 2 ? "" : " is a Reserved encoding (0b1x)");
}

static int idr0_stall_model_not_reserved(const uint64_t *regs, char *why, size_t len)
{
	return not_encoding(regs, why, len, "STALL_MODEL", 3);
}

static int idr0_ttendian_not_reserved(const uint64_t *regs, char *why, size_t len)
{
	return not_encoding(regs, why, len, "TTENDIAN", 1);
}

NEEDS(idr0_pri_needs_ats, "PRI", "ATS")
NEEDS(idr0_atsrecerr_needs_ats, "ATSRECERR", "ATS")
NEEDS(idr0_ns1ats_needs_ats_s1p_s2p, "NS1ATS", "ATS", "S1P", "S2P")
NEEDS(idr0_hyp_needs_s1p_s2p, "Hyp", "S1P", "S2P")
NEEDS(idr0_vmw_needs_s2p, "VMW", "S2P")
NEEDS(idr0_vatos_needs_atos_s1p_s2p, "VATOS", "ATOS", "S1P", "S2P")

/* SMMU_IDR1 */

static int idr1_cmdqs_max(const uint64_t *regs, char *why, size_t len)
{
	return at_most(regs, why, len, "CMDQS", 19);
}

static int idr1_eventqs_max(const uint64_t *regs, char *why, size_t len)
{
	return at_most(regs, why, len, "EVENTQS", 19);
}

/* Without PRI the field has an IMPLEMENTATION SPECIFIC value. */
static int idr1_priqs_max(const uint64_t *regs, char *why, size_t len)
{
	if (!fld(regs, "PRI")) {
		verdict_if(1, why, len, "PRI=0: PRIQS is IMPLEMENTATION SPECIFIC");
		return LAB_RULE_NA;
	}
	return at_most(regs, why, len, "PRIQS", 19);
}

static int idr1_ssidsize_max(const uint64_t *regs, char *why, size_t len)
{
	return at_most(regs, why, len, "SSIDSIZE", 20);
}

static int idr1_sidsize_max(const uint64_t *regs, char *why, size_t len)
{
	return at_most(regs, why, len, "SIDSIZE", 32);
}

static int idr1_sidsize_needs_2lvl_strtab(const uint64_t *regs, char *why, size_t len)
{
	uint64_t sid = fld(regs, "SIDSIZE"), lvl = fld(regs, "ST_LEVEL");

	if (sid < 7) {
		verdict_if(1, why, len, "SIDSIZE=%llu < 7: rule not exercised",
			   (unsigned long long)sid);
		return LAB_RULE_NA;
	}
	return verdict_if(lvl != 0, why, len, "SIDSIZE=%llu ST_LEVEL=%llu",
			  (unsigned long long)sid, (unsigned long long)lvl);
}

static int idr1_ecmdq_requirements(const uint64_t *regs, char *why, size_t len)
{
	static const char *const req[] = { "COHACC", "MSI", NULL };
	static const char *const preset[] = { "QUEUES_PRESET", NULL };
	struct lab_why w = lab_why_init(why, len);
	int ok;

	if (!gate(&w, regs, "ECMDQ"))
		return LAB_RULE_NA;
	ok = show(&w, regs, req) == count(req);
	ok &= show(&w, regs, preset) == 0;
	return ok ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

RULE(idr1_rel_needs_preset, "REL", LAB_NEEDS_ANY, "TABLES_PRESET", "QUEUES_PRESET")

/* SMMU_IDR2 */

NEEDS(idr2_ba_vatos_needs_vatos, "BA_VATOS", "VATOS")

/* SMMU_IDR3 */

NEEDS(idr3_had_needs_s1p, "HAD", "S1P")
NEEDS(idr3_pbha_needs_had, "PBHA", "HAD")
NEEDS(idr3_pps_needs_pri_ssid, "PPS", "PRI", "SSIDSIZE")
ZERO_WITHOUT(idr3_stage1_fields_need_s1p, "S1P", "AIE", "THE", "S1PI")
ZERO_WITHOUT(idr3_stage2_fields_need_s2p, "S2P", "MTEPERM", "S2PI", "PTWNNC")
NEEDS(idr3_pasidtt_needs_ats_ssid, "PASIDTT", "ATS", "SSIDSIZE")

static int idr3_s2pi_required(const uint64_t *regs, char *why, size_t len)
{
	uint64_t s2po = fld(regs, "S2PO"), the = fld(regs, "THE"), s2p = fld(regs, "S2P");
	uint64_t s2pi = fld(regs, "S2PI");
	struct lab_why w = lab_why_init(why, len);

	lab_why_add(&w, "S2PO=%llu THE=%llu S2P=%llu S2PI=%llu", (unsigned long long)s2po,
		(unsigned long long)the, (unsigned long long)s2p, (unsigned long long)s2pi);
	if (!s2po && !(the && s2p)) {
		lab_why_add(&w, ": rule not exercised");
		return LAB_RULE_NA;
	}
	return s2pi ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

static int idr3_dpt_requirements(const uint64_t *regs, char *why, size_t len)
{
	static const char *const seen[] = { "ATS", "TTF", NULL };
	struct lab_why w = lab_why_init(why, len);

	if (!gate(&w, regs, "DPT"))
		return LAB_RULE_NA;
	show(&w, regs, seen);
	return fld(regs, "ATS") && !(fld(regs, "TTF") & 1) ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

static int idr3_bbml_defined(const uint64_t *regs, char *why, size_t len)
{
	return not_encoding(regs, why, len, "BBML", 3);
}

/* SMMU_IDR5 */

static int idr5_oas52_needs_granule(const uint64_t *regs, char *why, size_t len)
{
	uint64_t g64 = fld(regs, "GRAN64K"), ds = fld(regs, "DS"), d128 = fld(regs, "D128");

	if (fld(regs, "OAS") != 6) {
		verdict_if(1, why, len, "OAS is not 52 bits: rule not exercised");
		return LAB_RULE_NA;
	}
	return verdict_if(g64 || ds || d128, why, len, "OAS=52 bits GRAN64K=%llu DS=%llu "
			  "D128=%llu", (unsigned long long)g64, (unsigned long long)ds,
			  (unsigned long long)d128);
}

static int idr5_oas56_needs_d128(const uint64_t *regs, char *why, size_t len)
{
	uint64_t d128 = fld(regs, "D128");

	if (fld(regs, "OAS") != 7) {
		verdict_if(1, why, len, "OAS is not 56 bits: rule not exercised");
		return LAB_RULE_NA;
	}
	return verdict_if(d128, why, len, "OAS=56 bits D128=%llu", (unsigned long long)d128);
}

static int idr5_vax_not_reserved(const uint64_t *regs, char *why, size_t len)
{
	return not_encoding(regs, why, len, "VAX", 3);
}

static int idr5_vax_needs_granule(const uint64_t *regs, char *why, size_t len)
{
	uint64_t vax = fld(regs, "VAX"), g64 = fld(regs, "GRAN64K"), ds = fld(regs, "DS");
	uint64_t small = fld(regs, "GRAN4K") || fld(regs, "GRAN16K");
	uint64_t d128 = fld(regs, "D128");
	int ok;

	if (vax == 0 || vax == 3) {
		verdict_if(1, why, len, "VAX=%llu: rule not exercised", (unsigned long long)vax);
		return LAB_RULE_NA;
	}
	ok = (g64 || (ds && small)) && (vax != 2 || d128);
	return verdict_if(ok, why, len, "VAX=%llu GRAN64K=%llu DS=%llu GRAN4K|GRAN16K=%llu "
			  "D128=%llu", (unsigned long long)vax, (unsigned long long)g64,
			  (unsigned long long)ds, (unsigned long long)small,
			  (unsigned long long)d128);
}

static int idr5_ds_requirements(const uint64_t *regs, char *why, size_t len)
{
	uint64_t small = fld(regs, "GRAN4K") || fld(regs, "GRAN16K");
	uint64_t vax = fld(regs, "VAX");
	struct lab_why w = lab_why_init(why, len);

	if (!gate(&w, regs, "DS"))
		return LAB_RULE_NA;
	lab_why_add(&w, " GRAN4K|GRAN16K=%llu VAX=%llu", (unsigned long long)small,
		    (unsigned long long)vax);
	return small && vax >= 1 ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

static int idr5_gran4k_with_aarch32(const uint64_t *regs, char *why, size_t len)
{
	uint64_t ttf = fld(regs, "TTF"), g4 = fld(regs, "GRAN4K");

	if (!(ttf & 1)) {
		verdict_if(1, why, len, "TTF=%llu: no VMSAv8-32 LPAE, rule not exercised",
			   (unsigned long long)ttf);
		return LAB_RULE_NA;
	}
	return verdict_if(g4, why, len, "TTF=%llu GRAN4K=%llu", (unsigned long long)ttf,
			  (unsigned long long)g4);
}

/*
 * SMMU_IDR5.D128 lists S1PI, S2PO, AIE and MTEPERM as 1, while S1PI and AIE
 * are RES0 without stage 1 and MTEPERM and S2PI RES0 without stage 2; the
 * per-stage bits are therefore required only for the stages present.
 */
static int idr5_d128_requirements(const uint64_t *regs, char *why, size_t len)
{
	static const char *const s1[] = { "S1PI", "AIE", NULL };
	static const char *const s2[] = { "S2PI", "MTEPERM", NULL };
	static const char *const base[] = { "TTF", "S2PO", NULL };
	struct lab_why w = lab_why_init(why, len);
	int ok;

	if (!gate(&w, regs, "D128"))
		return LAB_RULE_NA;
	show(&w, regs, base);
	ok = fld(regs, "TTF") == 2 && fld(regs, "S2PO");
	if (fld(regs, "S1P"))
		ok &= show(&w, regs, s1) == count(s1);
	if (fld(regs, "S2P"))
		ok &= show(&w, regs, s2) == count(s2);
	return ok ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

#define S0 IHI " 6.3.1"
#define S1 IHI " 6.3.2"
#define S2 IHI " 6.3.3"
#define S3 IHI " 6.3.4"
#define S5 IHI " 6.3.6"

const struct lab_rule lab_smmuv3_rules[] = {
	{ "idr0_ttf_not_reserved", S0 " (TTF)",
	  "TTF is not the Reserved encoding 0b00.", idr0_ttf_not_reserved },
	{ "idr0_stage_supported", IHI " 2.2",
	  "Implementations support stage 1, stage 2 or both: S1P or S2P is 1.",
	  idr0_stage_supported },
	{ "idr0_st_level_not_reserved", S0 " (ST_LEVEL)",
	  "ST_LEVEL is not a Reserved encoding 0b1x.", idr0_st_level_not_reserved },
	{ "idr0_stall_model_not_reserved", S0 " (STALL_MODEL)",
	  "STALL_MODEL is not the Reserved encoding 0b11.", idr0_stall_model_not_reserved },
	{ "idr0_ttendian_not_reserved", S0 " (TTENDIAN)",
	  "TTENDIAN is not the Reserved encoding 0b01.", idr0_ttendian_not_reserved },
	{ "idr0_pri_needs_ats", S0 " (PRI)",
	  "When ATS is 0, PRI is RES0.", idr0_pri_needs_ats },
	{ "idr0_atsrecerr_needs_ats", S0 " (ATSRECERR)",
	  "When ATS is 0, ATSRECERR is RES0.", idr0_atsrecerr_needs_ats },
	{ "idr0_ns1ats_needs_ats_s1p_s2p", S0 " (NS1ATS)",
	  "NS1ATS is RES0 when ATS, S1P or S2P is 0.", idr0_ns1ats_needs_ats_s1p_s2p },
	{ "idr0_hyp_needs_s1p_s2p", S0 " (Hyp)",
	  "Hyp is RES0 when S1P or S2P is 0.", idr0_hyp_needs_s1p_s2p },
	{ "idr0_vmw_needs_s2p", S0 " (VMW)",
	  "When S2P is 0, VMW is RES0.", idr0_vmw_needs_s2p },
	{ "idr0_vatos_needs_atos_s1p_s2p", S0 " (VATOS, ATOS)",
	  "VATOS requires ATOS and both translation stages.", idr0_vatos_needs_atos_s1p_s2p },
	{ "idr1_cmdqs_max", S1 " (CMDQS)",
	  "CMDQS is at most 19.", idr1_cmdqs_max },
	{ "idr1_eventqs_max", S1 " (EVENTQS)",
	  "EVENTQS is at most 19.", idr1_eventqs_max },
	{ "idr1_priqs_max", S1 " (PRIQS)",
	  "With PRI supported, PRIQS is at most 19.", idr1_priqs_max },
	{ "idr1_ssidsize_max", S1 " (SSIDSIZE)",
	  "SSIDSIZE is in the range 0 to 20.", idr1_ssidsize_max },
	{ "idr1_sidsize_max", S1 " (SIDSIZE)",
	  "SIDSIZE is in the range 0 to 32.", idr1_sidsize_max },
	{ "idr1_sidsize_needs_2lvl_strtab", S1 " (SIDSIZE)",
	  "When SIDSIZE >= 7, ST_LEVEL is not 0b00.", idr1_sidsize_needs_2lvl_strtab },
	{ "idr1_ecmdq_requirements", S1 " (ECMDQ, QUEUES_PRESET)",
	  "ECMDQ implies COHACC == 1, MSI == 1 and QUEUES_PRESET == 0.",
	  idr1_ecmdq_requirements },
	{ "idr1_rel_needs_preset", S1 " (REL)",
	  "REL is RES0 when TABLES_PRESET and QUEUES_PRESET are both 0.",
	  idr1_rel_needs_preset },
	{ "idr2_ba_vatos_needs_vatos", S2 " (BA_VATOS)",
	  "BA_VATOS is RES0 unless VATOS is 1.", idr2_ba_vatos_needs_vatos },
	{ "idr3_had_needs_s1p", S3 " (HAD)",
	  "When S1P is 0, HAD is 0.", idr3_had_needs_s1p },
	{ "idr3_pbha_needs_had", S3 " (PBHA)",
	  "If PBHA is 1, HAD is 1.", idr3_pbha_needs_had },
	{ "idr3_pps_needs_pri_ssid", S3 " (PPS)",
	  "PPS is RES0 when PRI is 0 or SSIDSIZE is 0.", idr3_pps_needs_pri_ssid },
	{ "idr3_stage1_fields_need_s1p", S3 " (AIE, THE, S1PI)",
	  "When S1P is 0, AIE, THE and S1PI are RES0.", idr3_stage1_fields_need_s1p },
	{ "idr3_stage2_fields_need_s2p", S3 " (MTEPERM, S2PI, PTWNNC)",
	  "When S2P is 0, MTEPERM, S2PI and PTWNNC are RES0.", idr3_stage2_fields_need_s2p },
	{ "idr3_s2pi_required", S3 " (S2PO, THE)",
	  "S2PO == 1, or THE == 1 with S2P == 1, implies S2PI == 1.", idr3_s2pi_required },
	{ "idr3_pasidtt_needs_ats_ssid", S3 " (PASIDTT)",
	  "PASIDTT is RES0 when ATS is 0 or SSIDSIZE is 0.", idr3_pasidtt_needs_ats_ssid },
	{ "idr3_dpt_requirements", S3 " (DPT), " S0 " (TTF)",
	  "DPT == 1 implies ATS == 1 and TTF[0] == 0.", idr3_dpt_requirements },
	{ "idr3_bbml_defined", S3 " (BBML)",
	  "BBML is one of the defined levels 0b00, 0b01, 0b10.", idr3_bbml_defined },
	{ "idr5_oas52_needs_granule", S5 " (OAS)",
	  "A 52-bit OAS requires GRAN64K, DS or D128.", idr5_oas52_needs_granule },
	{ "idr5_oas56_needs_d128", S5 " (OAS)",
	  "A 56-bit OAS requires D128.", idr5_oas56_needs_d128 },
	{ "idr5_vax_not_reserved", S5 " (VAX)",
	  "VAX is not the reserved value 0b11.", idr5_vax_not_reserved },
	{ "idr5_vax_needs_granule", S5 " (VAX)",
	  "VAX >= 0b01 requires GRAN64K, or DS with GRAN4K or GRAN16K; 56-bit VAX requires D128.",
	  idr5_vax_needs_granule },
	{ "idr5_ds_requirements", S5 " (DS)",
	  "DS requires GRAN4K or GRAN16K, and a VA size of at least 52 bits (VAX >= 0b01).",
	  idr5_ds_requirements },
	{ "idr5_gran4k_with_aarch32", S5 " (GRAN4K)",
	  "When TTF[0] is 1 (VMSAv8-32 LPAE), GRAN4K is RES1.", idr5_gran4k_with_aarch32 },
	{ "idr5_d128_requirements", S5 " (D128), " S3,
	  "D128 implies TTF == 0b10, S2PO, and S1PI/AIE with stage 1, S2PI/MTEPERM with stage 2.",
	  idr5_d128_requirements },
};

const size_t lab_smmuv3_nrules = sizeof(lab_smmuv3_rules) / sizeof(lab_smmuv3_rules[0]);
