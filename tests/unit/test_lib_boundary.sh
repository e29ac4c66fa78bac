#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# libiommulab's boundary (docs/architecture.md): test programs and tools
# include only its four public headers (lab_platform.h, lab_iommufd.h,
# lab_engines.h, lab_results.h) or iommulab.h, which has all four; the
# library's other headers are its inside. Unit tests (tests/unit) test the
# inside and may include any.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
fail() { echo "FAIL: $*"; exit 1; }
public=" lab_platform.h lab_iommufd.h lab_engines.h lab_results.h iommulab.h "

bad=0 n=0
for f in "$top_srcdir"/tests/{bench,caps,iommufd,kernel,runner,stress,testdev}/*.[ch] "$top_srcdir"/tools/*.[ch]; do
	while IFS= read -r inc; do
		n=$((n + 1))
		[ -f "$top_srcdir/lib/$inc" ] || continue	# the program's own, or the harness
		[[ "$public" == *" $inc "* ]] && continue
		echo "${f#"$top_srcdir/"}: includes lib/$inc, inside the library (use its public header)"
		bad=$((bad + 1))
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[ $n -gt 0 ] || fail "no include read: wrong top_srcdir?"
[ $bad = 0 ] || fail "$bad includes cross the library's boundary"
echo "test_lib_boundary: $n includes, every one of lib/ through a public header"
