// SPDX-License-Identifier: GPL-2.0-only
/* Fault records parsed from kernel log lines as VT-d and SMMUv3 print them. */
#include <string.h>
#include "kselftest_harness.h"
#include "faultlog.h"
#include "testdev.h"

#define SMMU "arm-smmu-v3 9050000.smmuv3: "
/* The raw event record as Linux prints it: its type, then its four words. */
#define SMMU_RAW(type, w0, w1, w2, w3)                                                        \
	SMMU "event 0x" type " received:", SMMU "\t0x" w0, SMMU "\t0x" w1, SMMU "\t0x" w2,   \
	SMMU "\t0x" w3

/* Feed lines in order; returns the number of records, flushed at the end. */
static int feed(const char *const *lines, int nlines, struct lab_fault_rec *recs, int max)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;
	int i, n = 0;

	for (i = 0; i < nlines; i++)
		if (lab_fault_parse_line(lines[i], &r, &ctx) == 1 && n < max)
			recs[n++] = r;
	while (lab_fault_flush(&ctx, &r))
		if (n < max)
			recs[n++] = r;
	return n;
}
/* All of lines fed; at most ARRAY_SIZE(recs) records kept. */
#define FEED(lines, recs) feed(lines, ARRAY_SIZE(lines), recs, ARRAY_SIZE(recs))

/* Lines that are not faults of ours, or malformed ones: fed in order, no record comes out. */
static void expect_no_record(struct __test_metadata *_metadata, const char *const *lines, int n)
{
	struct lab_fault_rec r;

	EXPECT_EQ(0, feed(lines, n, &r, 1));
}

/* Every field of a parsed record as the case expects it. */
static void expect_rec(struct __test_metadata *_metadata, const struct lab_fault_rec *want,
		       const struct lab_fault_rec *got)
{
	EXPECT_STREQ(want->bdf, got->bdf);
	EXPECT_EQ(want->iova, got->iova);
	EXPECT_EQ(want->write, got->write);
	EXPECT_EQ(want->has_pasid, got->has_pasid);
	EXPECT_EQ(want->pasid, got->pasid);
	EXPECT_STREQ(want->iommu, got->iommu);
	EXPECT_EQ(want->stage, got->stage);
	EXPECT_STREQ(want->reason, got->reason);
}

/* A VT-d line is a whole record: out at once, nothing left to flush. */
static void expect_vtd_line(struct __test_metadata *_metadata, const char *line,
			    const struct lab_fault_rec *want)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;

	ASSERT_EQ(1, lab_fault_parse_line(line, &r, &ctx));
	expect_rec(_metadata, want, &r);
	EXPECT_EQ(0, lab_fault_flush(&ctx, &r));
}

/* A test of one VT-d line: its name, the line, the record's fields but iommu
 * (those not given are 0: .write 0 is a read). */
#define VTD_LINE_TEST(name, line, ...)                                                       \
	TEST(name)                                                                           \
	{                                                                                    \
		expect_vtd_line(_metadata, line,                                             \
				&(struct lab_fault_rec){ .iommu = "vtd", __VA_ARGS__ });     \
	}

VTD_LINE_TEST(vtd_write_no_pasid, "DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr 0x12345000 [fault reason 0x05] PTE Write access is not set",
	      .bdf = "0000:00:10.0", .iova = 0x12345000, .write = 1, .reason = "0x05 PTE Write access is not set")
VTD_LINE_TEST(vtd_read_pasid, "DMAR: [DMA Read PASID 0x5] Request device [0000:00:10.0] fault addr 0xdead000 [fault reason 0x06] PTE Read access is not set",
	      .bdf = "0000:00:10.0", .iova = 0xdead000, .has_pasid = 1, .pasid = 5, .reason = "0x06 PTE Read access is not set")
VTD_LINE_TEST(vtd_linux_6_1_short_bdf, "DMAR: [DMA Read NO_PASID] Request device [3a:02.7] fault addr 0xfffff000 [fault reason 0x06] PTE Read access is not set",
	      .bdf = "0000:3a:02.7", .iova = 0xfffff000, .reason = "0x06 PTE Read access is not set")
VTD_LINE_TEST(vtd_unknown_direction_and_segment, "DMAR: [DMA Read/Write NO_PASID] Request device [0001:80:00.1] fault addr 0x1000 [fault reason 0x02] Present bit in context entry is clear",
	      .bdf = "0001:80:00.1", .iova = 0x1000, .write = -1, .reason = "0x02 Present bit in context entry is clear")
/* Captured from Debian's 6.12.95+deb12-amd64 in the testbed (scalable mode,
 * first-stage tables): untagged requests are reported as PASID 0x0. */
VTD_LINE_TEST(vtd_linux_6_12_scalable_write, "DMAR: [DMA Write PASID 0x0] Request device [00:11.0] fault addr 0x20000000 [fault reason 0x85] SM: No write permission for Write/AtomicOp request",
	      .bdf = "0000:00:11.0", .iova = 0x20000000, .write = 1, .has_pasid = 1, .pasid = 0,
	      .reason = "0x85 SM: No write permission for Write/AtomicOp request")
VTD_LINE_TEST(vtd_linux_6_12_scalable_read, "DMAR: [DMA Read PASID 0x0] Request device [00:11.0] fault addr 0x10005000 [fault reason 0x71] SM: Present bit in first-level paging entry is clear",
	      .bdf = "0000:00:11.0", .iova = 0x10005000, .write = 0, .has_pasid = 1, .pasid = 0,
	      .stage = 1, .reason = "0x71 SM: Present bit in first-level paging entry is clear")
/* Captured from Debian's 6.1.0-57-amd64 in the testbed (the same machine). */
VTD_LINE_TEST(vtd_linux_6_1_scalable_write, "DMAR: [DMA Write PASID 0x0] Request device [00:11.0] fault addr 0x20001000 [fault reason 0x71] SM: Present bit in first-level paging entry is clear",
	      .bdf = "0000:00:11.0", .iova = 0x20001000, .write = 1, .has_pasid = 1, .pasid = 0,
	      .stage = 1, .reason = "0x71 SM: Present bit in first-level paging entry is clear")
/* Nested translation (the testbed's QEMU, patch 0018; Linux 7.3's text): a
 * second-stage failure names stage 2, a permission fault neither stage. */
VTD_LINE_TEST(vtd_nested_second_stage, "DMAR: [DMA Write PASID 0x0] Request device [00:13.0] fault addr 0x10003000 [fault reason 0x79] SM: Read/Write permission error in second-level paging entry",
	      .bdf = "0000:00:13.0", .iova = 0x10003000, .write = 1, .has_pasid = 1, .pasid = 0, .stage = 2,
	      .reason = "0x79 SM: Read/Write permission error in second-level paging entry")
VTD_LINE_TEST(vtd_nested_first_stage_root, "DMAR: [DMA Read PASID 0x0] Request device [00:13.0] fault addr 0x10000000 [fault reason 0x75] SM: Read permission error in FL-PML4 entry in Nested translation",
	      .bdf = "0000:00:13.0", .iova = 0x10000000, .write = 0, .has_pasid = 1, .pasid = 0, .stage = 2,
	      .reason = "0x75 SM: Read permission error in FL-PML4 entry in Nested translation")

TEST(vtd_ignored_lines)
{
	static const char *const lines[] = {
		"DMAR: [INTR-REMAP] Request device [0000:f0:1f.0] fault index 0x2a [fault reason 0x25] Blocked a compatibility format interrupt request",
		"DMAR: DRHD: handling fault status reg 2",
		"DMAR: [Firmware Bug]: No firmware reserved region can cover this RMRR",
		"DMAR: pte level: 1, pte value: 0x0",
		"DMAR: [DMA Write NO_PASID] Request device [zz:10.0] fault addr 0x1000 [fault reason 0x05] x",
		"DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr [fault reason 0x05] x",
		"",
		"random text [ ] : event: iova:",
	};
	expect_no_record(_metadata, lines, ARRAY_SIZE(lines));
}

TEST(smmuv3_write_s1)
{
	static const char *const lines[] = {
		SMMU_RAW("10", "0000008000000010", "0000020880000000", "0000000012345000", "0000000000000000"),
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x12345000 ipa: 0x0",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
	};
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;
	int i;

	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, lab_fault_parse_line(lines[i], &r, &ctx));
	ASSERT_EQ(1, lab_fault_parse_line(lines[6], &r, &ctx));
	expect_rec(_metadata, &(struct lab_fault_rec){ .bdf = "0000:00:10.0", .iova = 0x12345000, .write = 1,
						       .iommu = "smmuv3", .stage = 1, .reason = "F_TRANSLATION" },
		   &r);
	EXPECT_EQ(0, lab_fault_flush(&ctx, &r));
}

/* Linux 6.1 and 6.12 print only the raw event record: captured from Debian's
 * 6.12.95+deb12-arm64 in the testbed (testdev_faults, labdev at 00:11.0,
 * StreamID 0x88): a write, then a read. */
TEST(smmuv3_raw_record_of_linux_6_12)
{
	static const char *const lines[] = {
		SMMU_RAW("13", "0000008800000013", "0000020000000000", "0000000020000024", "0000000000000000"),
		SMMU_RAW("10", "0000009000000010", "0000020800000000", "0000000010005000", "0000000000000000"),
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(2, FEED(lines, recs));
	expect_rec(_metadata, &(struct lab_fault_rec){ .iova = 0x20000024, .write = 1, .iommu = "smmuv3",
						       .stage = 1, .reason = "F_PERMISSION" },
		   &recs[0]);
	EXPECT_EQ(1, recs[0].has_sid);
	EXPECT_EQ(0x88u, recs[0].sid);
	expect_rec(_metadata, &(struct lab_fault_rec){ .iova = 0x10005000, .write = 0, .iommu = "smmuv3",
						       .stage = 1, .reason = "F_TRANSLATION" },
		   &recs[1]);
	EXPECT_EQ(0x90u, recs[1].sid);
}

/* Linux 6.13 and later print the raw record and then decode it: captured from
 * the testbed's 7.3 guest. One record per fault, the decoded one (it names
 * the device). */
TEST(smmuv3_raw_then_decoded_is_one_fault)
{
	static const char *const lines[] = {
		SMMU_RAW("13", "0000008800000013", "0000020000000000", "0000000020000000", "0000000000000000"),
		SMMU "event: F_PERMISSION client: 0000:00:11.0 sid: 0x88 ssid: 0x0 iova: 0x20000000 ipa: 0x0",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
		SMMU_RAW("13", "0000008800000013", "0000020000000000", "0000000020000004", "0000000000000000"),
		SMMU "event: F_PERMISSION client: 0000:00:11.0 sid: 0x88 ssid: 0x0 iova: 0x20000004 ipa: 0x0",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(2, FEED(lines, recs));
	for (int i = 0; i < 2; i++) {
		EXPECT_STREQ("0000:00:11.0", recs[i].bdf);
		EXPECT_EQ(0x20000000ull + 4 * i, recs[i].iova);
		EXPECT_EQ(1, recs[i].write);
		EXPECT_EQ(0, recs[i].has_sid);
	}
}

/* Fields the captures above leave at zero, set as IHI 0070 lays them out:
 * SSV with SubstreamID 0x5, a stage-2 read; and an event type without an
 * input address (C_BAD_STE, 0x04), which is not a fault of ours. */
TEST(smmuv3_raw_record_substream_and_stage_2)
{
	static const char *const lines[] = {
		SMMU_RAW("12", "0000001800005812", "0000028800000000", "000000008000a123", "000000008000a000"),
		SMMU_RAW("04", "0000001800000004", "0000000000000000", "0000000000000000", "0000000000000000"),
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(1, FEED(lines, recs));
	expect_rec(_metadata, &(struct lab_fault_rec){ .iova = 0x8000a123, .write = 0, .has_pasid = 1, .pasid = 5,
						       .iommu = "smmuv3", .stage = 2, .reason = "F_ACCESS" },
		   &recs[0]);
	EXPECT_EQ(0x18u, recs[0].sid);
}

TEST(smmuv3_read_s2_ssid)
{
	static const char *const lines[] = {
		"arm-smmu-v3 arm-smmu-v3.0.auto: event: F_PERMISSION client: 0000:00:03.0 sid: 0x18 ssid: 0x7 iova: 0x8000a123 ipa: 0x8000a000",
		"arm-smmu-v3 arm-smmu-v3.0.auto: priv data read s2 \"Input address caused fault\" ttd_read stall stag: 0x3",
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(1, FEED(lines, recs));
	expect_rec(_metadata, &(struct lab_fault_rec){ .bdf = "0000:00:03.0", .iova = 0x8000a123, .write = 0,
						       .has_pasid = 1, .pasid = 7, .iommu = "smmuv3", .stage = 2,
						       .reason = "F_PERMISSION" },
		   &recs[0]);
}

TEST(smmuv3_lone_event_line)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;

	EXPECT_EQ(0, lab_fault_parse_line(SMMU "event: F_ADDR_SIZE client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0xffff00000000 ipa: 0x0",
					  &r, &ctx));
	/* An unrelated line: the event is reported without a direction. */
	ASSERT_EQ(1, lab_fault_parse_line("virtio_net virtio0 enp0s1: renamed from eth0", &r, &ctx));
	EXPECT_STREQ("0000:00:10.0", r.bdf);
	EXPECT_EQ(0xffff00000000ull, r.iova);
	EXPECT_EQ(-1, r.write);
	EXPECT_STREQ("F_ADDR_SIZE", r.reason);
	/* Its access line arriving late is not attached to anything. */
	EXPECT_EQ(0, lab_fault_parse_line(SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0", &r, &ctx));
	EXPECT_EQ(0, lab_fault_flush(&ctx, &r));
}

TEST(smmuv3_back_to_back_and_end_of_log)
{
	static const char *const lines[] = {
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x1000 ipa: 0x0",
		SMMU "event: F_ACCESS client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x2000 ipa: 0x0",
		SMMU "unpriv data read s1 \"Input address caused fault\" stag: 0x0",
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x3000 ipa: 0x0",
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(3, FEED(lines, recs));
	EXPECT_EQ(0x1000ull, recs[0].iova);
	EXPECT_EQ(-1, recs[0].write);
	EXPECT_EQ(0x2000ull, recs[1].iova);
	EXPECT_EQ(0, recs[1].write);
	EXPECT_STREQ("F_ACCESS", recs[1].reason);
	EXPECT_EQ(0x3000ull, recs[2].iova);
	EXPECT_EQ(-1, recs[2].write);
}

TEST(smmuv3_access_line_of_another_smmu)
{
	static const char *const lines[] = {
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x1000 ipa: 0x0",
		"arm-smmu-v3 9060000.smmuv3: unpriv data write s1 \"Input address caused fault\" stag: 0x0",
	};
	struct lab_fault_rec recs[2];

	ASSERT_EQ(1, FEED(lines, recs));
	EXPECT_EQ(-1, recs[0].write);
}

TEST(smmuv3_unassigned_sid)
{
	static const char *const lines[] = {
		SMMU "event: F_TRANSLATION client: (unassigned sid) sid: 0x99 ssid: 0x0 iova: 0x4000 ipa: 0x0",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
	};
	struct lab_fault_rec recs[2];

	ASSERT_EQ(1, FEED(lines, recs));
	EXPECT_STREQ("", recs[0].bdf);
	EXPECT_EQ(0x4000ull, recs[0].iova);
	EXPECT_EQ(1, recs[0].write);
}

TEST(smmuv3_ignored_lines)
{
	static const char *const lines[] = {
		SMMU "event: F_STE_FETCH client: 0000:00:10.0 sid: 0x80 ssid: 0x0 fetch_addr: 0x1000",
		SMMU "event: C_BAD_STE client: 0000:00:10.0 sid: 0x80 ssid: 0x0",
		SMMU "ias 48-bit, oas 48-bit (features 0x00001fef)",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
		SMMU "unpriv data sideways s1 \"x\" stag: 0x0",
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: nope ipa: 0x0",
		"arm-smmu-v3 no colon here",
	};
	expect_no_record(_metadata, lines, ARRAY_SIZE(lines));
}

TEST(mixed_formats_keep_order)
{
	static const char *const lines[] = {
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x1000 ipa: 0x0",
		"DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr 0x2000 [fault reason 0x05] PTE Write access is not set",
		"DMAR: [DMA Read NO_PASID] Request device [0000:00:10.0] fault addr 0x3000 [fault reason 0x06] PTE Read access is not set",
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(3, FEED(lines, recs));
	EXPECT_EQ(0x1000ull, recs[0].iova);
	EXPECT_EQ(0x2000ull, recs[1].iova);
	EXPECT_EQ(0x3000ull, recs[2].iova);
}

TEST(find)
{
	struct lab_fault_rec recs[] = {
		{ .bdf = "0000:00:10.0", .iova = 0x12345678, .write = 0 },
		{ .bdf = "0000:00:11.0", .iova = 0x12345000, .write = 1 },
		{ .bdf = "0000:00:10.0", .iova = 0x12345ff8, .write = 1 },
		{ .bdf = "0000:00:10.0", .iova = 0x99000, .write = -1 },
	};

	EXPECT_EQ(0, lab_faults_find(recs, 4, "0000:00:10.0", 0x12345000, -1));
	EXPECT_EQ(0, lab_faults_find(recs, 4, "0000:00:10.0", 0x12345000, 0));
	EXPECT_EQ(2, lab_faults_find(recs, 4, "0000:00:10.0", 0x12345000, 1));
	EXPECT_EQ(1, lab_faults_find(recs, 4, "0000:00:11.0", 0x12345000, 1));
	EXPECT_EQ(1, lab_faults_find(recs, 4, NULL, 0x12345000, 1));
	EXPECT_EQ(-1, lab_faults_find(recs, 4, "0000:00:11.0", 0x12345000, 0));
	EXPECT_EQ(-1, lab_faults_find(recs, 4, "0000:00:10.0", 0x12346000, -1));
	/* Unknown direction matches only "any". */
	EXPECT_EQ(3, lab_faults_find(recs, 4, "0000:00:10.0", 0x99000, -1));
	EXPECT_EQ(-1, lab_faults_find(recs, 4, "0000:00:10.0", 0x99000, 1));
	EXPECT_EQ(-1, lab_faults_find(recs, 0, NULL, 0x12345000, -1));
}

TEST(testdev_names)
{
	EXPECT_STREQ("hardware", lab_td_engine_kind_name(ITD_ENGINE_HARDWARE));
	EXPECT_STREQ("emulated", lab_td_engine_kind_name(ITD_ENGINE_EMULATED));
	EXPECT_STREQ("software", lab_td_engine_kind_name(ITD_ENGINE_SOFTWARE));
	EXPECT_STREQ("device", lab_td_engine_kind_name(ITD_ENGINE_DEVICE));
	EXPECT_STREQ("unknown", lab_td_engine_kind_name(7));
	EXPECT_STREQ("default", lab_td_state_name(ITD_STATE_DEFAULT));
	EXPECT_STREQ("blocked", lab_td_state_name(ITD_STATE_BLOCKED));
	EXPECT_STREQ("domain", lab_td_state_name(ITD_STATE_DOMAIN));
	EXPECT_STREQ("unknown", lab_td_state_name(3));
	EXPECT_EQ(-EINVAL, lab_td_open("../kmsg"));
	EXPECT_EQ(-EINVAL, lab_td_open(""));
}

TEST_HARNESS_MAIN
