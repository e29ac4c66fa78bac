// SPDX-License-Identifier: GPL-2.0-only
/* Fault records parsed from kernel log lines as VT-d and SMMUv3 print them. */
#include <string.h>
#include "kselftest_harness.h"
#include "faultlog.h"
#include "testdev.h"

#define SMMU "arm-smmu-v3 9050000.smmuv3: "

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

TEST(vtd_write_no_pasid)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;

	ASSERT_EQ(1, lab_fault_parse_line("DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr 0x12345000 [fault reason 0x05] PTE Write access is not set",
					  &r, &ctx));
	EXPECT_STREQ("0000:00:10.0", r.bdf);
	EXPECT_EQ(0x12345000ull, r.iova);
	EXPECT_EQ(1, r.write);
	EXPECT_EQ(0, r.has_pasid);
	EXPECT_STREQ("vtd", r.iommu);
	EXPECT_STREQ("0x05 PTE Write access is not set", r.reason);
	EXPECT_EQ(0, lab_fault_flush(&ctx, &r));
}

TEST(vtd_read_pasid)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;

	ASSERT_EQ(1, lab_fault_parse_line("DMAR: [DMA Read PASID 0x5] Request device [0000:00:10.0] fault addr 0xdead000 [fault reason 0x06] PTE Read access is not set",
					  &r, &ctx));
	EXPECT_STREQ("0000:00:10.0", r.bdf);
	EXPECT_EQ(0xdead000ull, r.iova);
	EXPECT_EQ(0, r.write);
	EXPECT_EQ(1, r.has_pasid);
	EXPECT_EQ(5u, r.pasid);
	EXPECT_STREQ("0x06 PTE Read access is not set", r.reason);
}

TEST(vtd_linux_6_1_short_bdf)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;

	ASSERT_EQ(1, lab_fault_parse_line("DMAR: [DMA Read NO_PASID] Request device [3a:02.7] fault addr 0xfffff000 [fault reason 0x06] PTE Read access is not set",
					  &r, &ctx));
	EXPECT_STREQ("0000:3a:02.7", r.bdf);
	EXPECT_EQ(0xfffff000ull, r.iova);
	EXPECT_EQ(0, r.write);
}

TEST(vtd_unknown_direction_and_segment)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;

	ASSERT_EQ(1, lab_fault_parse_line("DMAR: [DMA Read/Write NO_PASID] Request device [0001:80:00.1] fault addr 0x1000 [fault reason 0x02] Present bit in context entry is clear",
					  &r, &ctx));
	EXPECT_STREQ("0001:80:00.1", r.bdf);
	EXPECT_EQ(-1, r.write);
}

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
	struct lab_fault_rec recs[4];

	EXPECT_EQ(0, feed(lines, 8, recs, 4));
}

TEST(smmuv3_write_s1)
{
	static const char *const lines[] = {
		SMMU "event 0x10 received:",
		SMMU "\t0x0000008000000010",
		SMMU "\t0x0000020880000000",
		SMMU "\t0x0000000012345000",
		SMMU "\t0x0000000000000000",
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x12345000 ipa: 0x0",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
	};
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;
	int i;

	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, lab_fault_parse_line(lines[i], &r, &ctx));
	ASSERT_EQ(1, lab_fault_parse_line(lines[6], &r, &ctx));
	EXPECT_STREQ("0000:00:10.0", r.bdf);
	EXPECT_EQ(0x12345000ull, r.iova);
	EXPECT_EQ(1, r.write);
	EXPECT_EQ(0, r.has_pasid);
	EXPECT_STREQ("smmuv3", r.iommu);
	EXPECT_STREQ("F_TRANSLATION", r.reason);
	EXPECT_EQ(1, r.stage);
	EXPECT_EQ(0, lab_fault_flush(&ctx, &r));
}

TEST(smmuv3_read_s2_ssid)
{
	static const char *const lines[] = {
		"arm-smmu-v3 arm-smmu-v3.0.auto: event: F_PERMISSION client: 0000:00:03.0 sid: 0x18 ssid: 0x7 iova: 0x8000a123 ipa: 0x8000a000",
		"arm-smmu-v3 arm-smmu-v3.0.auto: priv data read s2 \"Input address caused fault\" ttd_read stall stag: 0x3",
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(1, feed(lines, 2, recs, 4));
	EXPECT_STREQ("0000:00:03.0", recs[0].bdf);
	EXPECT_EQ(0x8000a123ull, recs[0].iova);
	EXPECT_EQ(0, recs[0].write);
	EXPECT_EQ(1, recs[0].has_pasid);
	EXPECT_EQ(7u, recs[0].pasid);
	EXPECT_STREQ("F_PERMISSION", recs[0].reason);
	EXPECT_EQ(2, recs[0].stage);
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

	ASSERT_EQ(3, feed(lines, 4, recs, 4));
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

	ASSERT_EQ(1, feed(lines, 2, recs, 2));
	EXPECT_EQ(-1, recs[0].write);
}

TEST(smmuv3_unassigned_sid)
{
	static const char *const lines[] = {
		SMMU "event: F_TRANSLATION client: (unassigned sid) sid: 0x99 ssid: 0x0 iova: 0x4000 ipa: 0x0",
		SMMU "unpriv data write s1 \"Input address caused fault\" stag: 0x0",
	};
	struct lab_fault_rec recs[2];

	ASSERT_EQ(1, feed(lines, 2, recs, 2));
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
	struct lab_fault_rec recs[4];

	EXPECT_EQ(0, feed(lines, 7, recs, 4));
}

TEST(mixed_formats_keep_order)
{
	static const char *const lines[] = {
		SMMU "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x1000 ipa: 0x0",
		"DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr 0x2000 [fault reason 0x05] PTE Write access is not set",
		"DMAR: [DMA Read NO_PASID] Request device [0000:00:10.0] fault addr 0x3000 [fault reason 0x06] PTE Read access is not set",
	};
	struct lab_fault_rec recs[4];

	ASSERT_EQ(3, feed(lines, 3, recs, 4));
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
	EXPECT_STREQ("unknown", lab_td_engine_kind_name(7));
	EXPECT_STREQ("default", lab_td_state_name(ITD_STATE_DEFAULT));
	EXPECT_STREQ("blocked", lab_td_state_name(ITD_STATE_BLOCKED));
	EXPECT_STREQ("domain", lab_td_state_name(ITD_STATE_DOMAIN));
	EXPECT_STREQ("unknown", lab_td_state_name(3));
	EXPECT_EQ(-EINVAL, lab_td_open("../kmsg"));
	EXPECT_EQ(-EINVAL, lab_td_open(""));
}

TEST_HARNESS_MAIN
