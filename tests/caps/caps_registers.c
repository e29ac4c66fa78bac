// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability registers against the consistency rules their specifications
 * state between fields (docs/registers.md lists each rule and its section).
 * One test per rule; each checks every IOMMU instance of its type. A rule
 * whose premise no instance exercises (e.g. "X needs Y" with X Clear
 * everywhere) is a SKIP naming why, not a PASS.
 */
#include "kselftest_harness.h"
#include "caps_common.h"
#include "caps_rules.h"

static void caps_check_rule(struct __test_metadata *_metadata, struct caps_units *u,
			    const struct lab_rule *rules, size_t nrules, const char *id)
{
	const struct lab_rule *rule = NULL;
	char why[256] = "";
	int applied = 0;

	for (size_t i = 0; i < nrules && !rule; i++)
		if (!strcmp(rules[i].id, id))
			rule = &rules[i];
	ASSERT_NE(NULL, rule) TH_LOG("rule %s is not in the library's table", id);
	TH_LOG("%s: %s", rule->spec, rule->text);
	for (int i = 0; i < u->n; i++) {
		int r = rule->check(u->unit[i]->regs, why, sizeof(why));

		TH_LOG("%s: %s %s", u->unit[i]->name,
		       r == LAB_RULE_HOLDS ? "holds" : r == LAB_RULE_NA ? "n/a" : "VIOLATED", why);
		EXPECT_NE(LAB_RULE_VIOLATED, r) TH_LOG("%s violates %s (%s): %s", u->unit[i]->name,
						       rule->id, rule->spec, why);
		applied += r != LAB_RULE_NA;
	}
	/* A violation counts as applied, so nothing has failed here. */
	if (!applied)
		SKIP(return, "not applicable on this platform: %s", why);
}

CAPS_UNITS_FIXTURE(vtd, LAB_IOMMU_VTD, "VT-d")

#define CAPS_VTD_RULE_TEST(id) \
	TEST_F(vtd, id) { caps_check_rule(_metadata, &self->u, lab_vtd_rules, lab_vtd_nrules, #id); }
CAPS_VTD_RULES(CAPS_VTD_RULE_TEST)

CAPS_UNITS_FIXTURE(smmuv3, LAB_IOMMU_SMMUV3, "SMMUv3")

#define CAPS_SMMUV3_RULE_TEST(id) \
	TEST_F(smmuv3, id) { caps_check_rule(_metadata, &self->u, lab_smmuv3_rules, lab_smmuv3_nrules, #id); }
CAPS_SMMUV3_RULES(CAPS_SMMUV3_RULE_TEST)

TEST_HARNESS_MAIN
