# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the runner's host tests (test_runner.sh, test_nvme_runner.sh):
# the source and build trees, the runner as $lab, a scratch directory $tmp
# removed on exit, fail MESSAGE, and status CMD... (its exit status on
# stdout, its output in $tmp/out).
set -u
top_srcdir=$(cd "${top_srcdir:-.}" && pwd)
export IOMMU_LAB_BUILD=$(cd "${top_builddir:-.}" && pwd)
lab="$top_srcdir/scripts/iommu-lab"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
status() { "$@" > "$tmp/out" 2>&1; echo $?; }
