# SPDX-License-Identifier: GPL-2.0-only
# LAB_KSELFTEST: find the kernel's kselftest harness (kselftest_harness.h and
# kselftest.h). It ships only inside kernel source trees, so look in the
# directory given, the target kernel's source tree, unpacked linux-source-*
# trees under /usr/src, and the testbed cache.
AC_DEFUN([LAB_KSELFTEST], [
AC_ARG_WITH([kselftest],
	[AS_HELP_STRING([--with-kselftest=DIR], [directory holding kselftest_harness.h (a kernel tree's tools/testing/selftests)])],
	[], [with_kselftest=auto])
KSELFTEST_DIR=
AC_MSG_CHECKING([for kselftest_harness.h])
AS_IF([test "x$with_kselftest" != xauto], [
	for d in "$with_kselftest" "$with_kselftest/tools/testing/selftests"; do
		test -f "$d/kselftest_harness.h" && { KSELFTEST_DIR=`cd "$d" && pwd`; break; }
	done
	AS_IF([test -z "$KSELFTEST_DIR"], [AC_MSG_RESULT([no])
		AC_MSG_ERROR([--with-kselftest=$with_kselftest: no kselftest_harness.h there])])
], [
	cache_dir=${IOMMU_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommu-lab}
	for d in "$with_linux/source" "$with_linux" /usr/src/linux-source-* "$cache_dir"/src/linux-source-*; do
		test -f "$d/tools/testing/selftests/kselftest_harness.h" &&
			{ KSELFTEST_DIR=`cd "$d/tools/testing/selftests" && pwd`; break; }
	done
	AS_IF([test -z "$KSELFTEST_DIR"], [AC_MSG_RESULT([no])
		AC_MSG_ERROR([kselftest_harness.h not found. It ships only in kernel source trees: install the Debian package linux-source-6.1 (or newer) and unpack /usr/src/linux-source-*.tar.xz there, or pass --with-kselftest=DIR])])
])
AC_MSG_RESULT([$KSELFTEST_DIR])
AC_SUBST([KSELFTEST_DIR])
])
