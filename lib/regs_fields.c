// SPDX-License-Identifier: GPL-2.0-only
/*
 * The layout of every capability register the library decodes: one table,
 * a row per register, walked by the generic code of lib/regs.c. Field names
 * are the specifications'; reserved bits are not described.
 *
 * Intel VT-d CAP_REG and ECAP_REG (VT-d 11.4.2, 11.4.3); Arm SMMUv3
 * SMMU_IDR0..SMMU_IDR5 as in IHI 0070 G.b (SMMUv3.0 to SMMUv3.4 and RME DA).
 */
#include "regs.h"

#define IHI "Arm IHI 0070 G.b"

/* The rows of the table, in its order (test_regs checks them against QEMU's values). */
enum { VTD_CAP, VTD_ECAP, SMMU_IDR0, NROWS = SMMU_IDR0 + 6 };

/* Each row ends at its first empty entry: the extra column keeps one. */
static const struct lab_field fields[NROWS][LAB_REG_FIELDS_MAX + 1] = {
	/*
	 * Intel VT-d CAP_REG. VT-d names follow the first-level/second-level
	 * naming (FL1GP, SLLPS, FLTS, SLTS, SLADS); recent revisions of the
	 * specification call the same bits first-stage/second-stage (FS1GP,
	 * SSLPS, FSTS, SSTS, SSADS), and the descriptions give both.
	 * Deprecated bits are not described.
	 */
	{
		{ "ND",      0,  2,  "Number of domains supported (2^(4+2*ND)); 111b Reserved" },
		{ "AFL",     3,  3,  "Advanced Fault Logging" },
		{ "RWBF",    4,  4,  "Required Write-Buffer Flushing" },
		{ "PLMR",    5,  5,  "Protected Low-Memory Region" },
		{ "PHMR",    6,  6,  "Protected High-Memory Region" },
		{ "CM",      7,  7,  "Caching Mode" },
		{ "SAGAW",   8,  12, "Supported Adjusted Guest Address Widths (bits 1/2/3: 39/48/57-bit)" },
		{ "MGAW",    16, 21, "Maximum Guest Address Width, minus one" },
		{ "ZLR",     22, 22, "Zero Length Read" },
		{ "FRO",     24, 33, "Fault-recording Register Offset, in 16-byte units" },
		{ "SLLPS",   34, 37, "Second-Level (SSLPS) Large Page Support (bit 0: 2MB, bit 1: 1GB)" },
		{ "PSI",     39, 39, "Page Selective Invalidation" },
		{ "NFR",     40, 47, "Number of Fault-recording Registers, minus one" },
		{ "MAMV",    48, 53, "Maximum Address Mask Value" },
		{ "DWD",     54, 54, "Write Draining" },
		{ "DRD",     55, 55, "Read Draining" },
		{ "FL1GP",   56, 56, "First-Level (First-Stage, FS1GP) 1-GByte Page support" },
		{ "PI",      59, 59, "Posted Interrupts support" },
		{ "FL5LP",   60, 60, "First-Level (First-Stage, FS5LP) 5-level Paging support" },
		{ "ECMDS",   61, 61, "Enhanced Command Support" },
		{ "ESIRTPS", 62, 62, "Enhanced Set Interrupt Remap Table Pointer Support" },
		{ "ESRTPS",  63, 63, "Enhanced Set Root Table Pointer Support" },
	},
	/* Intel VT-d ECAP_REG */
	{
		{ "C",      0,  0,  "Page-walk Coherency" },
		{ "QI",     1,  1,  "Queued Invalidation support" },
		{ "DT",     2,  2,  "Device-TLB support" },
		{ "IR",     3,  3,  "Interrupt Remapping support" },
		{ "EIM",    4,  4,  "Extended Interrupt Mode (x2APIC)" },
		{ "PT",     6,  6,  "Pass Through" },
		{ "SC",     7,  7,  "Snoop Control" },
		{ "IRO",    8,  17, "IOTLB Register Offset, in 16-byte units" },
		{ "MHMV",   20, 23, "Maximum Handle Mask Value" },
		{ "MTS",    25, 25, "Memory Type Support" },
		{ "NEST",   26, 26, "Nested Translation Support" },
		{ "PRS",    29, 29, "Page Request Support" },
		{ "ERS",    30, 30, "Execute Request Support" },
		{ "SRS",    31, 31, "Supervisor Request Support" },
		{ "NWFS",   33, 33, "No Write Flag Support" },
		{ "EAFS",   34, 34, "Extended Accessed Flag Support" },
		{ "PSS",    35, 39, "PASID Size Supported, minus one" },
		{ "PASID",  40, 40, "Process Address Space ID support" },
		{ "DIT",    41, 41, "Device-TLB Invalidation Throttle" },
		{ "PDS",    42, 42, "Page-request Drain Support" },
		{ "SMTS",   43, 43, "Scalable Mode Translation Support" },
		{ "VCS",    44, 44, "Virtual Command Support" },
		{ "SLADS",  45, 45, "Second-Level (Second-Stage, SSADS) Accessed/Dirty Support" },
		{ "SLTS",   46, 46, "Second-Level (Second-Stage, SSTS) Translation Support" },
		{ "FLTS",   47, 47, "First-Level (First-Stage, FSTS) Translation Support" },
		{ "SMPWCS", 48, 48, "Scalable-Mode Page-Walk Coherency Support" },
		{ "RPS",    49, 49, "RID_PASID Support" },
		{ "PMS",    51, 51, "Performance Monitoring Support" },
		{ "ADMS",   52, 52, "Abort DMA Mode Support" },
		{ "RPRIVS", 53, 53, "RID_PRIV Support" },
	},
	/* Arm SMMU_IDR0 */
	{
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
	},
	/* Arm SMMU_IDR1 */
	{
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
	},
	/* Arm SMMU_IDR2 */
	{
		{ "BA_VATOS", 0, 9, "VATOS page offset from 0x20000, in 64 KB units" },
	},
	/* Arm SMMU_IDR3 */
	{
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
	},
	/* Arm SMMU_IDR4 */
	{
		{ "IMPLEMENTATION DEFINED", 0, 31, "Implementation specific" },
	},
	/* Arm SMMU_IDR5 */
	{
		{ "OAS",       0,  2,  "Output address size: 32,36,40,42,44,48,52,56 bits" },
		{ "GRAN4K",    4,  4,  "4 KB translation granule" },
		{ "GRAN16K",   5,  5,  "16 KB translation granule" },
		{ "GRAN64K",   6,  6,  "64 KB translation granule" },
		{ "DS",        7,  7,  "52-bit addresses with 4 KB/16 KB granules (LPA2)" },
		{ "D128",      8,  8,  "128-bit (VMSAv9-128) descriptors" },
		{ "VAX",       10, 11, "VA size: 00 48-bit, 01 52-bit, 10 56-bit" },
		{ "STALL_MAX", 16, 31, "Max outstanding stalled transactions" },
	},
};

const struct lab_reg lab_vtd_cap_reg = {
	.name = "CAP_REG",
	.spec = "Intel VT-d, 11.4.2 Capability Register",
	.width = 64,
	.fields = fields[VTD_CAP],
};

const struct lab_reg lab_vtd_ecap_reg = {
	.name = "ECAP_REG",
	.spec = "Intel VT-d, 11.4.3 Extended Capability Register",
	.width = 64,
	.fields = fields[VTD_ECAP],
};

static const struct lab_reg *const vtd_regs[] = { &lab_vtd_cap_reg, &lab_vtd_ecap_reg };

const struct lab_regset lab_vtd_regset = {
	.iommu = "vtd",
	.regs = vtd_regs,
	.nregs = 2,
};

#define IDR(n, sec) {							\
	.name = "SMMU_IDR" #n,						\
	.spec = IHI ", " sec,						\
	.width = 32,							\
	.fields = fields[SMMU_IDR0 + n],				\
}

const struct lab_reg lab_smmu_idr_reg[6] = {
	IDR(0, "6.3.1"),
	IDR(1, "6.3.2"),
	IDR(2, "6.3.3"),
	IDR(3, "6.3.4"),
	IDR(4, "6.3.5"),
	IDR(5, "6.3.6"),
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
