// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NVMe scratch range syntax (lab_nvme_scratch_parse(), lib/uengine_nvme.c):
 * "[BDF@]NSID:LBA+COUNT", comma-separated; which entry a function gets, and
 * a clear error for every malformed entry, whichever function asks.
 */
#include <errno.h>
#include <string.h>
#include "kselftest_harness.h"
#include "uengine.h"

struct range {
	uint32_t nsid;
	uint64_t lba, count;
	char err[200];
};

static int parse(const char *spec, const char *bdf, struct range *r)
{
	memset(r, 0, sizeof(*r));
	return lab_nvme_scratch_parse(spec, bdf, &r->nsid, &r->lba, &r->count, r->err, sizeof(r->err));
}

TEST(no_spec_means_no_range)
{
	struct range r;

	EXPECT_EQ(0, parse(NULL, "0000:00:07.0", &r));
	EXPECT_EQ(0, parse("", "0000:00:07.0", &r));
}

TEST(an_entry_without_a_function_applies_to_any)
{
	struct range r;

	ASSERT_EQ(1, parse("1:1024+256", "0000:00:07.0", &r));
	EXPECT_EQ(1u, r.nsid);
	EXPECT_EQ(1024u, r.lba);
	EXPECT_EQ(256u, r.count);
	ASSERT_EQ(1, parse(" 2:0x100+0x20 ", "0000:00:08.0", &r));
	EXPECT_EQ(2u, r.nsid);
	EXPECT_EQ(0x100u, r.lba);
	EXPECT_EQ(0x20u, r.count);
}

TEST(the_entry_naming_the_function_wins)
{
	const char *spec = "1:8+8,0000:00:07.0@1:1024+256,0000:00:08.0@3:2048+512";
	struct range r;

	ASSERT_EQ(1, parse(spec, "0000:00:08.0", &r));
	EXPECT_EQ(3u, r.nsid);
	EXPECT_EQ(2048u, r.lba);
	EXPECT_EQ(512u, r.count);
	ASSERT_EQ(1, parse(spec, "0000:00:07.0", &r));
	EXPECT_EQ(1024u, r.lba);
	/* Any other function: the entry without one. */
	ASSERT_EQ(1, parse(spec, "0000:00:09.0", &r));
	EXPECT_EQ(8u, r.lba);
}

TEST(a_function_may_be_named_without_domain_in_any_case)
{
	struct range r;

	ASSERT_EQ(1, parse("00:0A.0@1:5+1", "0000:00:0a.0", &r));
	EXPECT_EQ(5u, r.lba);
}

TEST(entries_for_other_functions_only_give_no_range)
{
	struct range r;

	EXPECT_EQ(0, parse("0000:00:07.0@1:1024+256", "0000:00:08.0", &r));
}

TEST(malformed_entries_are_refused_with_what_is_wrong)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{ "1:1024", "'+'" },
		{ "1+5", "':'" },
		{ "0:1+5", "NSID" },
		{ "4294967295:1+5", "NSID" },
		{ "1:5+0", "at least 1" },
		{ "1:-5+1", "LBA" },
		{ "1:0xffffffffffffffff+2", "wraps" },
		{ "x:1+1", "NSID" },
		{ "1:1+1x", "count" },
		{ "1:1+1,,2:1+1", "empty" },
		{ "1:1+1,", "empty" },
		{ "@1:1+1", "function" },
		{ "0000:00:07.0@1:1+1 junk", "count" },
	};
	struct range r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Whichever function asks: a spec is right or wrong as a whole. */
		EXPECT_EQ(-EINVAL, parse(bad[i].spec, "0000:00:07.0", &r)) TH_LOG("'%s'", bad[i].spec);
		EXPECT_NE(NULL, strstr(r.err, bad[i].says)) TH_LOG("'%s': %s", bad[i].spec, r.err);
		EXPECT_NE(NULL, strstr(r.err, "[BDF@]NSID:LBA+COUNT")) TH_LOG("'%s': %s", bad[i].spec, r.err);
	}
	/* A bad entry after a good one for this function still fails the spec. */
	EXPECT_EQ(-EINVAL, parse("0000:00:07.0@1:1+1,garbage", "0000:00:07.0", &r));
	EXPECT_NE(NULL, strstr(r.err, "entry 2")) TH_LOG("%s", r.err);
}

TEST_HARNESS_MAIN
