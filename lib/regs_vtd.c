// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VT-d Capability (CAP_REG) and Extended Capability (ECAP_REG)
 * registers: the quantities they encode and the consistency rules the VT-d
 * specification states between their fields. Their layout is in
 * lib/regs_fields.c.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "regs_rules.h"

unsigned int lab_vtd_pasid_bits(uint64_t ecap)
{
	if (!lab_reg_get(&lab_vtd_ecap_reg, ecap, "PASID"))
		return 0;
	return lab_reg_get(&lab_vtd_ecap_reg, ecap, "PSS") + 1;
}

unsigned int lab_vtd_mgaw_bits(uint64_t cap)
{
	return lab_reg_get(&lab_vtd_cap_reg, cap, "MGAW") + 1;
}

/* 0 for the Reserved encoding 111b: there is no domain count to report. */
unsigned int lab_vtd_domains(uint64_t cap)
{
	unsigned int nd = lab_reg_get(&lab_vtd_cap_reg, cap, "ND");

	return nd == 7 ? 0 : 1U << (4 + 2 * nd);
}

/*
 * Rule helpers. Field names are unique across CAP_REG and ECAP_REG, so a rule
 * names a field without saying which register holds it.
 */
#define fld(regs, name) lab_regset_field(&lab_vtd_regset, regs, name)
#define gate(w, regs, name) lab_why_gate(w, &lab_vtd_regset, regs, name, true)
#define verdict_if lab_rule_verdict
#define RULE(fn, gate, want, ...) LAB_RULE_FIELDS(&lab_vtd_regset, fn, gate, want, __VA_ARGS__)
#define NEEDS(fn, trigger, ...) RULE(fn, trigger, LAB_NEEDS_ALL, __VA_ARGS__)
#define CLEAR_WITHOUT(fn, gate, ...) RULE(fn, gate, LAB_ZERO_WITHOUT, __VA_ARGS__)

static int cap_nd_not_reserved(const uint64_t *regs, char *why, size_t len)
{
	uint64_t nd = fld(regs, "ND");

	return verdict_if(nd != 7, why, len, "ND=%llu%s", (unsigned long long)nd,
			  nd == 7 ? " is the Reserved encoding 111b" : "");
}

static int cap_sagaw_no_reserved_bits(const uint64_t *regs, char *why, size_t len)
{
	uint64_t sagaw = fld(regs, "SAGAW");

	/* Bits 0 and 4 (formerly 30-bit and 64-bit AGAW) are Reserved. */
	return verdict_if(!(sagaw & 0x11), why, len, "SAGAW=0x%llx%s",
			  (unsigned long long)sagaw,
			  sagaw & 0x11 ? " has Reserved bit 0 or 4 Set" : "");
}

static int cap_sllps_valid(const uint64_t *regs, char *why, size_t len)
{
	uint64_t sllps = fld(regs, "SLLPS");
	int ok = sllps == 0 || sllps == 1 || sllps == 3;

	return verdict_if(ok, why, len, "SLLPS=0x%llx%s", (unsigned long long)sllps,
			  ok ? "" : " is not one of 0000b, 0001b, 0011b");
}

static int cap_rwbf_clear_with_smts(const uint64_t *regs, char *why, size_t len)
{
	uint64_t rwbf = fld(regs, "RWBF");
	struct lab_why w = lab_why_init(why, len);

	if (!gate(&w, regs, "SMTS"))
		return LAB_RULE_NA;
	lab_why_add(&w, " RWBF=%llu", (unsigned long long)rwbf);
	return rwbf ? LAB_RULE_VIOLATED : LAB_RULE_HOLDS;
}

NEEDS(cap_pi_needs_ir, "PI", "IR")
NEEDS(cap_fl1gp_needs_flts, "FL1GP", "FLTS")
NEEDS(cap_fl5lp_needs_flts, "FL5LP", "FLTS")

/*
 * The fault-recording registers (NFR+1 of 16 bytes at FRO*16) and the IOTLB
 * registers (IVA_REG and IOTLB_REG, 16 bytes at IRO*16) are distinct
 * registers of the unit's register set, so the two blocks must not overlap.
 * The register set is at least one 4 KiB page; a larger one is sized by the
 * DRHD Size field of the ACPI DMAR table (8.3), which CAP/ECAP do not show,
 * so blocks reaching past 4 KiB cannot be judged here.
 */
static int cap_ecap_fault_iotlb_regs_layout(const uint64_t *regs, char *why, size_t len)
{
	uint64_t fault = fld(regs, "FRO") * 16;
	uint64_t fault_end = fault + (fld(regs, "NFR") + 1) * 16;
	uint64_t iotlb = fld(regs, "IRO") * 16;
	uint64_t iotlb_end = iotlb + 16;
	uint64_t end = fault_end > iotlb_end ? fault_end : iotlb_end;
	struct lab_why w = lab_why_init(why, len);

	lab_why_add(&w, "fault-recording 0x%llx-0x%llx, IOTLB 0x%llx-0x%llx",
		(unsigned long long)fault, (unsigned long long)fault_end - 1,
		(unsigned long long)iotlb, (unsigned long long)iotlb_end - 1);
	if (fault < iotlb_end && iotlb < fault_end) {
		lab_why_add(&w, ": blocks overlap");
		return LAB_RULE_VIOLATED;
	}
	if (end > 0x1000) {
		lab_why_add(&w, ": beyond 4 KiB, needs the DRHD register-set size");
		return LAB_RULE_NA;
	}
	return LAB_RULE_HOLDS;
}

NEEDS(ecap_dt_needs_qi, "DT", "QI")
NEEDS(ecap_ir_needs_qi, "IR", "QI")
NEEDS(ecap_eim_needs_ir, "EIM", "IR")
CLEAR_WITHOUT(ecap_mhmv_zero_without_ir, "IR", "MHMV")
NEEDS(ecap_smts_needs_qi, "SMTS", "QI")

RULE(ecap_smts_needs_translation, "SMTS", LAB_NEEDS_ANY, "FLTS", "SLTS", "PT")
CLEAR_WITHOUT(ecap_smts_clear_scalable_fields_clear, "SMTS",
	      "MTS", "NEST", "PRS", "SRS", "PASID", "FLTS", "SMPWCS", "RPS")
CLEAR_WITHOUT(ecap_pss_zero_without_smts, "SMTS", "PSS")
NEEDS(ecap_nest_needs_flts_slts, "NEST", "SMTS", "FLTS", "SLTS")
NEEDS(ecap_prs_needs_dt_smts, "PRS", "DT", "SMTS")
NEEDS(ecap_ers_needs_pasid, "ERS", "PASID")
NEEDS(ecap_nwfs_needs_dt, "NWFS", "DT")
NEEDS(ecap_dit_needs_dt, "DIT", "DT")
NEEDS(ecap_pds_needs_dt, "PDS", "DT")
NEEDS(ecap_eafs_needs_flts_smpwcs, "EAFS", "FLTS", "SMPWCS")
NEEDS(ecap_slads_needs_smpwcs, "SLADS", "SMPWCS")
NEEDS(ecap_pms_needs_ecmds, "PMS", "ECMDS")
NEEDS(ecap_rprivs_needs_srs, "RPRIVS", "SRS")

#define S_CAP "Intel VT-d 11.4.2"
#define S_ECAP "Intel VT-d 11.4.3"

const struct lab_rule lab_vtd_rules[] = {
	{ "cap_nd_not_reserved", S_CAP " (ND)",
	  "ND does not report the Reserved encoding 111b.", cap_nd_not_reserved },
	{ "cap_sagaw_no_reserved_bits", S_CAP " (SAGAW)",
	  "SAGAW sets only defined widths (bits 1-3); bits 0 and 4 are Reserved.",
	  cap_sagaw_no_reserved_bits },
	{ "cap_sllps_valid", S_CAP " (SLLPS)",
	  "SLLPS is 0000b, 0001b or 0011b: a supported large-page size implies all smaller ones.",
	  cap_sllps_valid },
	{ "cap_rwbf_clear_with_smts", S_CAP " (RWBF)",
	  "Hardware reporting SMTS Set reports RWBF Clear.", cap_rwbf_clear_with_smts },
	{ "cap_pi_needs_ir", S_CAP " (PI)",
	  "Hardware reporting ECAP.IR Clear reports PI Clear.", cap_pi_needs_ir },
	{ "cap_fl1gp_needs_flts", S_CAP " (FL1GP)",
	  "Hardware reporting ECAP.FLTS Clear reports FL1GP Clear.", cap_fl1gp_needs_flts },
	{ "cap_fl5lp_needs_flts", S_CAP " (FL5LP)",
	  "Hardware reporting ECAP.FLTS Clear reports FL5LP Clear.", cap_fl5lp_needs_flts },
	{ "cap_ecap_fault_iotlb_regs_layout",
	  S_CAP " (FRO, NFR), " S_ECAP " (IRO), 8.3 (DRHD Size)",
	  "The NFR+1 fault-recording registers at FRO*16 and the 16-byte IOTLB registers at "
	  "IRO*16 are disjoint; judged only inside the first 4 KiB of the register set.",
	  cap_ecap_fault_iotlb_regs_layout },
	{ "ecap_dt_needs_qi", S_ECAP " (DT)",
	  "Hardware reporting QI Clear reports DT Clear.", ecap_dt_needs_qi },
	{ "ecap_ir_needs_qi", S_ECAP " (IR)",
	  "Hardware reporting QI Clear reports IR Clear.", ecap_ir_needs_qi },
	{ "ecap_eim_needs_ir", S_ECAP " (EIM)",
	  "Hardware reporting IR Clear reports EIM Clear.", ecap_eim_needs_ir },
	{ "ecap_mhmv_zero_without_ir", S_ECAP " (MHMV)",
	  "MHMV is unused and reported as 0 when IR is Clear.", ecap_mhmv_zero_without_ir },
	{ "ecap_smts_needs_qi", S_ECAP " (SMTS)",
	  "Hardware reporting QI Clear reports SMTS Clear.", ecap_smts_needs_qi },
	{ "ecap_smts_needs_translation", S_ECAP " (SMTS)",
	  "Hardware reporting FLTS, SLTS and PT all Clear reports SMTS Clear.",
	  ecap_smts_needs_translation },
	{ "ecap_smts_clear_scalable_fields_clear",
	  S_ECAP " (MTS, NEST, PRS, SRS, PASID, FLTS, SMPWCS, RPS)",
	  "Hardware reporting SMTS Clear reports MTS, NEST, PRS, SRS, PASID, FLTS, SMPWCS and "
	  "RPS Clear.", ecap_smts_clear_scalable_fields_clear },
	{ "ecap_pss_zero_without_smts", S_ECAP " (PSS)",
	  "PSS is unused and reported as 0 when SMTS is Clear.", ecap_pss_zero_without_smts },
	{ "ecap_nest_needs_flts_slts", S_ECAP " (NEST)",
	  "Hardware reporting SMTS, FLTS or SLTS Clear reports NEST Clear.",
	  ecap_nest_needs_flts_slts },
	{ "ecap_prs_needs_dt_smts", S_ECAP " (PRS)",
	  "Hardware reporting DT or SMTS Clear reports PRS Clear.", ecap_prs_needs_dt_smts },
	{ "ecap_ers_needs_pasid", S_ECAP " (ERS)",
	  "Hardware reporting PASID Clear reports ERS Clear.", ecap_ers_needs_pasid },
	{ "ecap_nwfs_needs_dt", S_ECAP " (NWFS)",
	  "Hardware reporting DT Clear reports NWFS Clear.", ecap_nwfs_needs_dt },
	{ "ecap_dit_needs_dt", S_ECAP " (DIT)",
	  "Hardware reporting DT Clear reports DIT Clear.", ecap_dit_needs_dt },
	{ "ecap_pds_needs_dt", S_ECAP " (PDS)",
	  "Hardware reporting DT Clear reports PDS Clear.", ecap_pds_needs_dt },
	{ "ecap_eafs_needs_flts_smpwcs", S_ECAP " (EAFS)",
	  "Hardware reporting FLTS or SMPWCS Clear reports EAFS Clear.",
	  ecap_eafs_needs_flts_smpwcs },
	{ "ecap_slads_needs_smpwcs", S_ECAP " (SLADS)",
	  "Hardware reporting SMPWCS Clear reports SLADS Clear.", ecap_slads_needs_smpwcs },
	{ "ecap_pms_needs_ecmds", S_ECAP " (PMS)",
	  "Hardware reporting CAP.ECMDS Clear reports PMS Clear.", ecap_pms_needs_ecmds },
	{ "ecap_rprivs_needs_srs", S_ECAP " (RPRIVS)",
	  "Hardware reporting SRS Clear reports RPRIVS Clear.", ecap_rprivs_needs_srs },
};

const size_t lab_vtd_nrules = sizeof(lab_vtd_rules) / sizeof(lab_vtd_rules[0]);
