# SPDX-License-Identifier: GPL-2.0-only
# LAB_KSELFTEST: find the kernel's kselftest harness (kselftest_harness.h and
# kselftest.h). It ships only inside kernel source trees, so look in the
# directory given, the target kernel's source tree, unpacked linux-source-*
# trees under /usr/src (newest first), and the testbed cache. A candidate is
# taken only when a program using what the tests use (fixtures with
# variants, per-test timeouts, SKIP, TH_LOG) builds against it, so an old or
# partial tree is named with the reason instead of failing later in make.

# LAB_KSELFTEST_USABLE(DIR): compile the probe against DIR; sets lab_ks_ok
AC_DEFUN([LAB_KSELFTEST_USABLE], [
	lab_ks_save_CPPFLAGS=$CPPFLAGS
	CPPFLAGS="-I$1 $CPPFLAGS"
	AC_COMPILE_IFELSE([AC_LANG_SOURCE([[
#include "kselftest_harness.h"
FIXTURE(probe) { int n; };
FIXTURE_VARIANT(probe) { int n; };
FIXTURE_VARIANT_ADD(probe, one) { .n = 1, };
FIXTURE_SETUP(probe) { self->n = variant->n; }
FIXTURE_TEARDOWN(probe) { }
TEST_F_TIMEOUT(probe, runs, 10)
{
	if (!self->n)
		SKIP(return, "never");
	TH_LOG("%d", self->n);
	ASSERT_EQ(1, self->n);
	EXPECT_NE(0, self->n);
}
TEST_HARNESS_MAIN
]])], [lab_ks_ok=yes], [lab_ks_ok=no])
	CPPFLAGS=$lab_ks_save_CPPFLAGS
])

AC_DEFUN([LAB_KSELFTEST], [
AC_ARG_WITH([kselftest],
	[AS_HELP_STRING([--with-kselftest=DIR], [directory holding kselftest_harness.h (a kernel tree's tools/testing/selftests)])],
	[], [with_kselftest=auto])
KSELFTEST_DIR=
lab_ks_rejected=
AS_IF([test "x$with_kselftest" != xauto], [
	lab_ks_candidates="$with_kselftest $with_kselftest/tools/testing/selftests"
], [
	cache_dir=${IOMMU_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-lab}
	lab_ks_candidates=
	# Unpacked linux-source trees, the newest version first.
	for d in "$with_linux/source" "$with_linux" \
		 `for t in /usr/src/linux-source-* "$cache_dir"/src/linux-source-*; do
			test -d "$t" && echo "${t##*/linux-source-} $t"; done | sort -V -r | cut -d' ' -f2-`; do
		lab_ks_candidates="$lab_ks_candidates $d/tools/testing/selftests"
	done
])
for d in $lab_ks_candidates; do
	test -f "$d/kselftest_harness.h" || continue
	AC_MSG_CHECKING([whether the kselftest harness in $d has what the tests use])
	LAB_KSELFTEST_USABLE([$d])
	AC_MSG_RESULT([$lab_ks_ok])
	AS_IF([test $lab_ks_ok = yes], [KSELFTEST_DIR=`cd "$d" && pwd`; break],
	      [lab_ks_rejected="$lab_ks_rejected $d"])
done
AC_MSG_CHECKING([for kselftest_harness.h])
AS_IF([test -n "$KSELFTEST_DIR"], [AC_MSG_RESULT([$KSELFTEST_DIR])], [
	AC_MSG_RESULT([no])
	AS_IF([test -n "$lab_ks_rejected"],
		[AC_MSG_ERROR([the kselftest harness in$lab_ks_rejected does not build the suite's tests (see config.log); use a newer kernel source tree: linux-source-6.1 or newer, unpacked under /usr/src, or --with-kselftest=DIR])],
	      [test "x$with_kselftest" != xauto],
		[AC_MSG_ERROR([--with-kselftest=$with_kselftest: no kselftest_harness.h there])],
		[AC_MSG_ERROR([kselftest_harness.h not found. It ships only in kernel source trees: install the Debian package linux-source-6.1 (or newer) and unpack /usr/src/linux-source-*.tar.xz there, or pass --with-kselftest=DIR])])
])
AC_SUBST([KSELFTEST_DIR])
])
