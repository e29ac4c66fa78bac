// SPDX-License-Identifier: GPL-2.0-only
/* The JSON writer: nesting, commas, escaping, numbers. */
#include <math.h>
#include <stdlib.h>
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

TEST_HARNESS_MAIN
