// SPDX-License-Identifier: GPL-2.0-only
/* KTAP writer output and the TAP line parser on kselftest harness lines. */
#include <stdlib.h>
#include "kselftest_harness.h"
#include "ktap.h"

TEST(writer_nests_and_marks_skips)
{
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);
	struct lab_ktap top, sub;

	lab_ktap_init(&top, out, 0);
	lab_ktap_header(&top, NULL, 1);
	lab_ktap_init(&sub, out, 1);
	lab_ktap_header(&sub, "prog", 4);
	lab_ktap_result(&sub, LAB_PASS, "f.v.a", NULL);
	lab_ktap_result(&sub, LAB_SKIP, "f.v.b", "ECAP.NEST not set");
	lab_ktap_result(&sub, LAB_FAIL, "f.v.c # tricky", "ignored for FAIL");
	lab_ktap_result(&sub, LAB_NOTRUN, "f.v.d", "guest panicked");
	lab_ktap_result(&top, LAB_FAIL, "prog", NULL);
	fclose(out);
	EXPECT_STREQ("KTAP version 1\n1..1\n"
		     "    KTAP version 1\n    # Subtest: prog\n    1..4\n"
		     "    ok 1 f.v.a\n"
		     "    ok 2 f.v.b # SKIP ECAP.NEST not set\n"
		     "    not ok 3 f.v.c _ tricky\n"
		     "    not ok 4 f.v.d # not run: guest panicked\n"
		     "not ok 1 prog\n", buf);
	free(buf);
}

TEST(parser_reads_harness_lines)
{
	struct lab_tap_line t;

	EXPECT_EQ(LAB_TAP_VERSION, lab_tap_parse("TAP version 13", &t));
	ASSERT_EQ(LAB_TAP_PLAN, lab_tap_parse("1..12", &t));
	EXPECT_EQ(12, t.number);
	ASSERT_EQ(LAB_TAP_RUN, lab_tap_parse("#  RUN           vtd.rules.nest ...", &t));
	EXPECT_STREQ("vtd.rules.nest", t.name);
	ASSERT_EQ(LAB_TAP_RESULT, lab_tap_parse("ok 4 f.one.c # SKIP feature X not set (x=1)", &t));
	EXPECT_TRUE(t.ok);
	EXPECT_EQ(4, t.number);
	EXPECT_STREQ("f.one.c", t.name);
	EXPECT_STREQ("SKIP", t.directive);
	EXPECT_STREQ("feature X not set (x=1)", t.reason);
	ASSERT_EQ(LAB_TAP_RESULT, lab_tap_parse("not ok 5 f.two.b", &t));
	EXPECT_FALSE(t.ok);
	EXPECT_STREQ("f.two.b", t.name);
	EXPECT_STREQ("", t.directive);
	ASSERT_EQ(LAB_TAP_DIAG, lab_tap_parse("# lab-record engine {\"name\":\"edu\"}", &t));
	EXPECT_STREQ("lab-record engine {\"name\":\"edu\"}", t.reason);
	EXPECT_EQ(LAB_TAP_OTHER, lab_tap_parse("ok x", &t));
	EXPECT_EQ(LAB_TAP_OTHER, lab_tap_parse("random text", &t));
}

TEST(verdict_names_round_trip)
{
	enum lab_verdict v;

	for (int i = LAB_PASS; i <= LAB_XFAIL; i++) {
		ASSERT_EQ(0, lab_verdict_parse(lab_verdict_name(i), &v));
		EXPECT_EQ(i, (int)v);
	}
	EXPECT_NE(0, lab_verdict_parse("MAYBE", &v));
}

TEST_HARNESS_MAIN
