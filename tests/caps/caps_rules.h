/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The consistency rules of lib/regs_vtd.c and lib/regs_smmuv3.c, by id, so
 * that each rule is its own test in caps_registers. tests/unit/test_caps_rules
 * checks that these lists and the library's tables name the same rules.
 */
#ifndef CAPS_RULES_H
#define CAPS_RULES_H

#define CAPS_VTD_RULES(X) \
	X(cap_nd_not_reserved) \
	X(cap_sagaw_no_reserved_bits) \
	X(cap_sllps_valid) \
	X(cap_rwbf_clear_with_smts) \
	X(cap_pi_needs_ir) \
	X(cap_fl1gp_needs_flts) \
	X(cap_fl5lp_needs_flts) \
	X(cap_ecap_fault_iotlb_regs_layout) \
	X(ecap_dt_needs_qi) \
	X(ecap_ir_needs_qi) \
	X(ecap_eim_needs_ir) \
	X(ecap_mhmv_zero_without_ir) \
	X(ecap_smts_needs_qi) \
	X(ecap_smts_needs_translation) \
	X(ecap_smts_clear_scalable_fields_clear) \
	X(ecap_pss_zero_without_smts) \
	X(ecap_nest_needs_flts_slts) \
	X(ecap_prs_needs_dt_smts) \
	X(ecap_ers_needs_pasid) \
	X(ecap_nwfs_needs_dt) \
	X(ecap_dit_needs_dt) \
	X(ecap_pds_needs_dt) \
	X(ecap_eafs_needs_flts_smpwcs) \
	X(ecap_slads_needs_smpwcs) \
	X(ecap_pms_needs_ecmds) \
	X(ecap_rprivs_needs_srs)

#define CAPS_SMMUV3_RULES(X) \
	X(idr0_ttf_not_reserved) \
	X(idr0_stage_supported) \
	X(idr0_st_level_not_reserved) \
	X(idr0_stall_model_not_reserved) \
	X(idr0_ttendian_not_reserved) \
	X(idr0_pri_needs_ats) \
	X(idr0_atsrecerr_needs_ats) \
	X(idr0_ns1ats_needs_ats_s1p_s2p) \
	X(idr0_hyp_needs_s1p_s2p) \
	X(idr0_vmw_needs_s2p) \
	X(idr0_vatos_needs_atos_s1p_s2p) \
	X(idr1_cmdqs_max) \
	X(idr1_eventqs_max) \
	X(idr1_priqs_max) \
	X(idr1_ssidsize_max) \
	X(idr1_sidsize_max) \
	X(idr1_sidsize_needs_2lvl_strtab) \
	X(idr1_ecmdq_requirements) \
	X(idr1_rel_needs_preset) \
	X(idr2_ba_vatos_needs_vatos) \
	X(idr3_had_needs_s1p) \
	X(idr3_pbha_needs_had) \
	X(idr3_pps_needs_pri_ssid) \
	X(idr3_stage1_fields_need_s1p) \
	X(idr3_stage2_fields_need_s2p) \
	X(idr3_s2pi_required) \
	X(idr3_pasidtt_needs_ats_ssid) \
	X(idr3_dpt_requirements) \
	X(idr3_bbml_defined) \
	X(idr5_oas52_needs_granule) \
	X(idr5_oas56_needs_d128) \
	X(idr5_vax_not_reserved) \
	X(idr5_vax_needs_granule) \
	X(idr5_ds_requirements) \
	X(idr5_gran4k_with_aarch32) \
	X(idr5_d128_requirements)

#endif
