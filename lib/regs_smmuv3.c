// SPDX-License-Identifier: GPL-2.0-only
/*
 * Arm SMMUv3 identification registers SMMU_IDR0..SMMU_IDR5 and the
 * consistency rules the SMMU architecture specification (IHI 0070) states
 * between their fields. Layout as in issue G.b (SMMUv3.0 to SMMUv3.4 and RME
 * DA); reserved bits are not described.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "regs_rules.h"

#define IHI "Arm IHI 0070 G.b"

static const struct lab_field idr0_fields[] = {
	{ "S2P",         0,  0,  "Stage 2 translation supported" },
	{ "S1P",         1,  1,  "Stage 1 translation supported" },
	{ "TTF",         2,  3,  "Table formats: 01 VMSAv8-32 LPAE, 10 VMSAv8-64, 11 both" },
	{ "COHACC",      4,  4,  "Coherent access to translations, structures and queues" },
	{ "BTM",         5,  5,  "Broadcast TLB Maintenance" },
	{ "HTTU",        6,  7,  "Hardware table update: 01 AF, 10 AF+dirty, 11 also table AF" },
	{ "DORMHINT",    8,  8,  "Dormant hint supported" },
	{ "Hyp",         9,  9,  "Hypervisor (EL2) stage 1 contexts supported" },
	{ "ATS",         10, 10, "PCIe ATS supported" },
	{ "NS1ATS",      11, 11, "Split-stage (stage 1-only) ATS NOT supported" },
	{ "ASID16",      12, 12, "16-bit ASID supported" },
	{ "MSI",         13, 13, "Message Signalled Interrupts supported" },
	{ "SEV",         14, 14, "WFE wake-up events to PEs supported" },
	{ "ATOS",        15, 15, "Address Translation Operations supported" },
	{ "PRI",         16, 16, "PCIe Page Request Interface supported" },
	{ "VMW",         17, 17, "VMID wildcard-matching for TLB invalidation" },
	{ "VMID16",      18, 18, "16-bit VMID supported" },
	{ "CD2L",        19, 19, "2-level Context Descriptor table supported" },
	{ "VATOS",       20, 20, "Virtual ATOS page interface supported" },
	{ "TTENDIAN",    21, 22, "Table walk endianness: 00 mixed, 10 little, 11 big" },
	{ "ATSRECERR",   23, 23, "Records configuration errors for ATS and PRI" },
	{ "STALL_MODEL", 24, 25, "00 stall+terminate, 01 terminate only, 10 stall forced" },
	{ "TERM_MODEL",  26, 26, "1: terminated transactions always abort (no RAZ/WI)" },
	{ "ST_LEVEL",    27, 28, "Stream table: 00 linear, 01 2-level too" },
	{ "RME_IMPL",    30, 30, "RME features exposed to the programming interfaces" },
};

static const struct lab_field idr1_fields[] = {
	{ "SIDSIZE",        0,  5,  "Max StreamID bits" },
	{ "SSIDSIZE",       6,  10, "Max SubstreamID bits (0: no substreams)" },
	{ "PRIQS",          11, 15, "PRI queue size, log2(entries)" },
	{ "EVENTQS",        16, 20, "Event queue size, log2(entries)" },
	{ "CMDQS",          21, 25, "Command queue size, log2(entries)" },
	{ "ATTR_PERMS_OVR", 26, 26, "Incoming permission attributes can be overridden" },
	{ "ATTR_TYPES_OVR", 27, 27, "Incoming type/shareability/hints can be overridden" },
	{ "REL",            28, 28, "Preset base addresses are relative to Page 0" },
	{ "QUEUES_PRESET",  29, 29, "Queue base addresses fixed" },
	{ "TABLES_PRESET",  30, 30, "Table base addresses fixed" },
	{ "ECMDQ",          31, 31, "Enhanced Command queue interfaces (see SMMU_IDR6)" },
};

static const struct lab_field idr2_fields[] = {
	{ "BA_VATOS", 0, 9, "VATOS page offset from 0x20000, in 64 KB units" },
};

static const struct lab_field idr3_fields[] = {
	{ "HAD",     2,  2,  "Hierarchical Attribute Disable" },
	{ "PBHA",    3,  3,  "Page-Based Hardware Attributes" },
	{ "XNX",     4,  4,  "EL0/EL1 execute-never distinction at stage 2" },
	{ "PPS",     5,  5,  "PASID always used on PRI auto-generated responses" },
	{ "MPAM",    7,  7,  "Memory Partitioning And Monitoring" },
	{ "FWB",     8,  8,  "Stage 2 control of memory types (S2FWB)" },
	{ "STT",     9,  9,  "Small translation tables" },
	{ "RIL",     10, 10, "Range-based invalidation and level hint" },
	{ "BBML",    11, 12, "Break-Before-Make level (00, 01, 10)" },
	{ "E0PD",    13, 13, "E0PD mechanism" },
	{ "PTWNNC",  14, 14, "S2PTW=0 treats Device-memory table walks as Normal-NC" },
	{ "DPT",     15, 15, "Device Permission Table for Non-secure streams" },
	{ "PASIDTT", 16, 16, "PASID TLP prefix on ATS Translated transactions" },
	{ "EPAN",    17, 17, "Enhanced PAN" },
	{ "S1PI",    18, 18, "Stage 1 permission indirections" },
	{ "S2PI",    19, 19, "Stage 2 permission indirections" },
	{ "S2PO",    20, 20, "Stage 2 permission overlays" },
	{ "THE",     21, 21, "Translation hardening extension" },
	{ "MTEPERM", 22, 22, "Stage 2 MemAttr NoTagAccess encodings" },
	{ "AIE",     23, 23, "Stage 1 Attribute Index Extension" },
};

static const struct lab_field idr4_fields[] = {
	{ "IMPLEMENTATION DEFINED", 0, 31, "Implementation specific" },
};

static const struct lab_field idr5_fields[] = {
	{ "OAS",       0,  2,  "Output address size: 32,36,40,42,44,48,52,56 bits" },
	{ "GRAN4K",    4,  4,  "4 KB translation granule" },
	{ "GRAN16K",   5,  5,  "16 KB translation granule" },
	{ "GRAN64K",   6,  6,  "64 KB translation granule" },
	{ "DS",        7,  7,  "52-bit addresses with 4 KB/16 KB granules (LPA2)" },
	{ "D128",      8,  8,  "128-bit (VMSAv9-128) descriptors" },
	{ "VAX",       10, 11, "VA size: 00 48-bit, 01 52-bit, 10 56-bit" },
	{ "STALL_MAX", 16, 31, "Max outstanding stalled transactions" },
};

#define IDR(n, sec, f) {						\
	.name = "SMMU_IDR" #n,						\
	.spec = IHI ", " sec,						\
	.width = 32,							\
	.fields = f,							\
	.nfields = sizeof(f) / sizeof(f[0]),				\
}

const struct lab_reg lab_smmu_idr_reg[6] = {
	IDR(0, "6.3.1", idr0_fields),
	IDR(1, "6.3.2", idr1_fields),
	IDR(2, "6.3.3", idr2_fields),
	IDR(3, "6.3.4", idr3_fields),
	IDR(4, "6.3.5", idr4_fields),
	IDR(5, "6.3.6", idr5_fields),
};

static const struct lab_reg *const smmu_regs[] = {
	&lab_smmu_idr_reg[0], &lab_smmu_idr_reg[1], &lab_smmu_idr_reg[2],
	&lab_smmu_idr_reg[3], &lab_smmu_idr_reg[4], &lab_smmu_idr_reg[5],
};

const struct lab_regset lab_smmuv3_regset = {
	.iommu = "smmuv3",
	.regs = smmu_regs,
	.nregs = 6,
};

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
static uint64_t fld(const uint64_t *regs, const char *name)
{
	return lab_regset_field(&lab_smmuv3_regset, regs, name);
}

#define show(w, regs, names) lab_why_fields(w, &lab_smmuv3_regset, regs, names)
#define count lab_names_count
#define needs(regs, buf, len, trigger, req) \
	lab_rule_needs(&lab_smmuv3_regset, regs, buf, len, trigger, req)
#define zero_without(regs, buf, len, gate, list) \
	lab_rule_zero_without(&lab_smmuv3_regset, regs, buf, len, gate, list)
#define verdict_if lab_rule_verdict

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

#define NEEDS(fn, trigger, ...)							\
static int fn(const uint64_t *regs, char *why, size_t len)			\
{										\
	static const char *const req[] = { __VA_ARGS__, NULL };			\
	return needs(regs, why, len, trigger, req);				\
}

#define ZERO_WITHOUT(fn, gate, ...)						\
static int fn(const uint64_t *regs, char *why, size_t len)			\
{										\
	static const char *const list[] = { __VA_ARGS__, NULL };		\
	return zero_without(regs, why, len, gate, list);			\
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

	if (!fld(regs, "ECMDQ")) {
		lab_why_add(&w, "ECMDQ=0: rule not exercised");
		return LAB_RULE_NA;
	}
	lab_why_add(&w, "ECMDQ=1");
	ok = show(&w, regs, req) == count(req);
	ok &= show(&w, regs, preset) == 0;
	return ok ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

static int idr1_rel_needs_preset(const uint64_t *regs, char *why, size_t len)
{
	uint64_t t = fld(regs, "TABLES_PRESET"), q = fld(regs, "QUEUES_PRESET");

	if (!fld(regs, "REL")) {
		verdict_if(1, why, len, "REL=0: rule not exercised");
		return LAB_RULE_NA;
	}
	return verdict_if(t || q, why, len, "REL=1 TABLES_PRESET=%llu QUEUES_PRESET=%llu",
			  (unsigned long long)t, (unsigned long long)q);
}

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
	uint64_t ats = fld(regs, "ATS"), ttf = fld(regs, "TTF");

	if (!fld(regs, "DPT")) {
		verdict_if(1, why, len, "DPT=0: rule not exercised");
		return LAB_RULE_NA;
	}
	return verdict_if(ats && !(ttf & 1), why, len, "DPT=1 ATS=%llu TTF=%llu",
			  (unsigned long long)ats, (unsigned long long)ttf);
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

	if (!fld(regs, "DS")) {
		verdict_if(1, why, len, "DS=0: rule not exercised");
		return LAB_RULE_NA;
	}
	return verdict_if(small && vax >= 1, why, len, "DS=1 GRAN4K|GRAN16K=%llu VAX=%llu",
			  (unsigned long long)small, (unsigned long long)vax);
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
	uint64_t ttf = fld(regs, "TTF"), s2po = fld(regs, "S2PO");
	struct lab_why w = lab_why_init(why, len);
	int ok;

	if (!fld(regs, "D128")) {
		lab_why_add(&w, "D128=0: rule not exercised");
		return LAB_RULE_NA;
	}
	lab_why_add(&w, "D128=1 TTF=%llu S2PO=%llu", (unsigned long long)ttf,
		(unsigned long long)s2po);
	ok = ttf == 2 && s2po;
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
