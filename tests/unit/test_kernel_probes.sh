#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# configure's verdict on a kernel API probe (config/kernel-probe-result.sh):
# built or not, and modpost's words for an unexported or namespaced function
# as 6.1 and 7.x print them. The probe files themselves: each has its
# description line, and every HAVE_ macro a probe defines is used by the module.
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
verdict() { "$top_srcdir/config/kernel-probe-result.sh" "$tmp" "$1"; }

touch "$tmp"/{new_undef,old_undef,old_ns,new_ns,fine,xfine}.ko
cat > "$tmp/probes.log" <<'EOT'
WARNING: modpost: new_undef.ko: symbol 'kallsyms_lookup_name' undefined!
WARNING: modpost: "foo_bar" [/build/probes/old_undef.ko] undefined!
WARNING: modpost: module old_ns uses symbol iommufd_x from namespace IOMMUFD, but does not import it.
WARNING: modpost: new_ns.ko: module uses symbol 'iommufd_y' from namespace 'IOMMUFD_INTERNAL', but does not import it.
WARNING: modpost: xfine.ko: missing MODULE_DESCRIPTION()
WARNING: modpost: "bar" [/build/probes/not_fine.ko] undefined!
EOT
[ "$(verdict new_undef)" = "no (kallsyms_lookup_name is not exported to modules)" ] || fail "7.x undefined: $(verdict new_undef)"
[ "$(verdict old_undef)" = "no (foo_bar is not exported to modules)" ] || fail "6.1 undefined: $(verdict old_undef)"
[ "$(verdict old_ns)" = "no (iommufd_x is exported only in namespace IOMMUFD)" ] || fail "6.1 namespace: $(verdict old_ns)"
[ "$(verdict new_ns)" = "no (iommufd_y is exported only in namespace IOMMUFD_INTERNAL)" ] || fail "7.x namespace: $(verdict new_ns)"
[ "$(verdict fine)" = yes ] || fail "a linked probe without complaints: $(verdict fine)"
[ "$(verdict xfine)" = yes ] || fail "another module's warnings are not this one's: $(verdict xfine)"
[ "$(verdict missing)" = "no (does not build)" ] || fail "no module: $(verdict missing)"

# Every probe says what it checks; every optional probe's HAVE_ is used.
for f in "$top_srcdir"/config/kernel-probes/*.c; do
	n=$(basename "$f" .c); N=HAVE_$(echo "$n" | tr a-z A-Z)
	grep -q "^/\* configure probe: $N -- .* \*/$" "$f" || fail "$n: no description line"
	grep -q '^/\* required: ' "$f" && continue
	grep -rq "\b$N\b" "$top_srcdir/drivers/testdev" || fail "$N: probed but never used (remove the probe)"
done
echo "test_kernel_probes: all checks passed"
