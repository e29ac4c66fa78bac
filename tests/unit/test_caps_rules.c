// SPDX-License-Identifier: GPL-2.0-only
/* tests/caps/caps_rules.h and the library's rule tables name the same rules. */
#include "kselftest_harness.h"
#include "regs.h"
#include "../caps/caps_rules.h"

#define NAME(id) #id,
static const char *const vtd_ids[] = { CAPS_VTD_RULES(NAME) };
static const char *const smmuv3_ids[] = { CAPS_SMMUV3_RULES(NAME) };

static void same_sets(struct __test_metadata *_metadata, const struct lab_rule *rules, size_t n,
		      const char *const *ids, size_t nids)
{
	EXPECT_EQ(n, nids);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < nids; k++)
			found |= !strcmp(rules[i].id, ids[k]);
		EXPECT_TRUE(found) TH_LOG("library rule %s has no test in caps_rules.h", rules[i].id);
		EXPECT_NE(NULL, rules[i].spec);
		EXPECT_NE(NULL, rules[i].check);
	}
}

TEST(vtd_rules_all_tested)
{
	same_sets(_metadata, lab_vtd_rules, lab_vtd_nrules, vtd_ids, sizeof(vtd_ids) / sizeof(vtd_ids[0]));
}

TEST(smmuv3_rules_all_tested)
{
	same_sets(_metadata, lab_smmuv3_rules, lab_smmuv3_nrules, smmuv3_ids,
		  sizeof(smmuv3_ids) / sizeof(smmuv3_ids[0]));
}

TEST_HARNESS_MAIN
