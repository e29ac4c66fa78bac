// SPDX-License-Identifier: GPL-2.0-only
/* The JSON writer: nesting, commas, escaping, numbers, records from arguments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kselftest_harness.h"
#include "json.h"

FIXTURE(json) {
	char *buf;
	size_t len;
	FILE *out;
	struct lab_json j;
};

FIXTURE_SETUP(json)
{
	self->buf = NULL;
	self->out = open_memstream(&self->buf, &self->len);
	ASSERT_NE(NULL, self->out);
	lab_json_init(&self->j, self->out, false);
}

FIXTURE_TEARDOWN(json)
{
	free(self->buf);
}

static const char *text(struct _test_data_json *self)
{
	fflush(self->out);
	return self->buf;
}

TEST_F(json, nested_members_are_comma_separated)
{
	lab_json_obj(&self->j, NULL);
	lab_json_str(&self->j, "a", "x");
	lab_json_arr(&self->j, "b");
	lab_json_int(&self->j, NULL, -1);
	lab_json_uint(&self->j, NULL, 18446744073709551615ull);
	lab_json_obj(&self->j, NULL);
	lab_json_end(&self->j);
	lab_json_end(&self->j);
	lab_json_bool(&self->j, "c", true);
	lab_json_null(&self->j, "d");
	lab_json_hex(&self->j, "e", 0x1d2008c222f0606ull);
	lab_json_end(&self->j);
	fclose(self->out);
	EXPECT_STREQ("{\"a\":\"x\",\"b\":[-1,18446744073709551615,{}],\"c\":true,\"d\":null,"
		     "\"e\":\"0x1d2008c222f0606\"}", self->buf);
}

TEST_F(json, strings_are_escaped)
{
	lab_json_str(&self->j, NULL, "q\"b\\n\nt\tc\x01");
	EXPECT_STREQ("\"q\\\"b\\\\n\\nt\\tc\\u0001\"", text(self));
	fclose(self->out);
}

TEST_F(json, null_string_and_non_finite_numbers_are_null)
{
	lab_json_arr(&self->j, NULL);
	lab_json_str(&self->j, NULL, NULL);
	lab_json_double(&self->j, NULL, NAN);
	lab_json_double(&self->j, NULL, 1.5);
	lab_json_end(&self->j);
	EXPECT_STREQ("[null,null,1.5]", text(self));
	fclose(self->out);
}

TEST_F(json, pretty_output_indents_members)
{
	lab_json_init(&self->j, self->out, true);
	lab_json_obj(&self->j, NULL);
	lab_json_int(&self->j, "a", 1);
	lab_json_arr(&self->j, "b");
	lab_json_end(&self->j);
	lab_json_end(&self->j);
	EXPECT_STREQ("{\n  \"a\": 1,\n  \"b\": []\n}", text(self));
	fclose(self->out);
}

TEST_F(json, every_control_character_is_escaped_and_utf8_kept)
{
	char in[40], want[256] = "\"";

	for (int c = 1; c < 0x20; c++)
		in[c - 1] = (char)c;
	in[31] = '\0';
	for (int c = 1; c < 0x20; c++) {
		const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		size_t n = strlen(want);

		if (named)
			snprintf(want + n, sizeof(want) - n, "%s", named);
		else
			snprintf(want + n, sizeof(want) - n, "\\u%04x", c);
	}
	strcat(want, "\"");
	lab_json_str(&self->j, NULL, in);
	EXPECT_STREQ(want, text(self));
	fclose(self->out);
	free(self->buf);
	self->out = open_memstream(&self->buf, &self->len);
	lab_json_quote(self->out, "\xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e \x7f");
	EXPECT_STREQ("\"\xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e \x7f\"", text(self));
	fclose(self->out);
}

TEST_F(json, numbers_are_json_syntax_only)
{
	const char *good[] = { "0", "-1", "1.5", "1e3", "2.5E-7", "-0.0" };
	const char *bad[] = { "", "-", "01", ".5", "1.", "0x10", "inf", "nan", "+1" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *end = lab_json_number_end(good[i]);

		ASSERT_NE(NULL, end) TH_LOG("%s", good[i]);
		EXPECT_EQ(0, *end) TH_LOG("%s", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *end = lab_json_number_end(bad[i]);

		EXPECT_TRUE(!end || *end) TH_LOG("%s", bad[i]);
	}
	fclose(self->out);
}

TEST_F(json, record_from_arguments)
{
	char *argv[] = { "id=p.t", "reason=a \"b\"", "n:=-2.5e3", "ok:=true", "none:=null",
			 "engine:{", "name=edu", "kind=emulated", "}",
			 "metrics:[", "{", "name=x", "value:=1", "}", "{", "}", "]", "e:[", "]" };
	int bad = -1;

	EXPECT_EQ(NULL, lab_json_args(&self->j, sizeof(argv) / sizeof(argv[0]), argv, &bad));
	EXPECT_EQ(sizeof(argv) / sizeof(argv[0]), bad);
	EXPECT_STREQ("{\"id\":\"p.t\",\"reason\":\"a \\\"b\\\"\",\"n\":-2.5e3,\"ok\":true,\"none\":null,"
		     "\"engine\":{\"name\":\"edu\",\"kind\":\"emulated\"},"
		     "\"metrics\":[{\"name\":\"x\",\"value\":1},{}],\"e\":[]}", text(self));
	fclose(self->out);
}

/* Each refused argument list, and which argument is named (argc: none). */
TEST_F(json, bad_record_arguments_are_refused)
{
	struct {
		char *argv[4];
		int argc, bad;
	} cases[] = {
		{ { "n:=inf" }, 1, 0 },			/* not a JSON number */
		{ { "a=1", "n:=0x1" }, 2, 1 },
		{ { "=x" }, 1, 0 },			/* no key */
		{ { "plain" }, 1, 0 },			/* no = */
		{ { "a:{", "b=1" }, 2, 2 },		/* not closed */
		{ { "a=1", "}" }, 2, 1 },		/* closes nothing */
		{ { "a:[", "}" }, 2, 1 },		/* the wrong bracket */
		{ { "a:[", "b=1", "]" }, 3, 1 },	/* an array holds objects */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lab_json j;
		int bad = -1;

		lab_json_init(&j, self->out, false);
		EXPECT_NE(NULL, lab_json_args(&j, cases[i].argc, cases[i].argv, &bad)) TH_LOG("case %zu", i);
		EXPECT_EQ(cases[i].bad, bad) TH_LOG("case %zu", i);
	}
	fclose(self->out);
}

TEST_HARNESS_MAIN
