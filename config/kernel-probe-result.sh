#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# configure's verdict on one kernel API probe (m4/lab_kernel.m4), after the
# two kbuild passes in PROBE_DIR (log: PROBE_DIR/probes.log):
#   kernel-probe-result.sh PROBE_DIR NAME
# prints "yes", or "no (why)": the probe's module was not built, or modpost
# found a function it calls undefined (declared by a header but not exported
# to modules) or exported only in a symbol namespace (where the kernel lets
# modpost go on: CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS; elsewhere
# modpost stops, no probe links, and configure says so).
dir=$1 n=$2
if [ ! -f "$dir/$n.ko" ]; then
	echo "no (does not build)"
	exit 0
fi
# modpost's words for it, 6.1 to 7.x:
#   "SYM" [.../NAME.ko] undefined!        NAME.ko: symbol 'SYM' undefined!
#   module NAME uses symbol SYM from namespace NS, but ...
#   NAME.ko: module uses symbol 'SYM' from namespace 'NS', but ...
why=$(sed -n \
	-e "s|.*\"\([^\"]*\)\" \[\(.*/\)*$n\.ko\] undefined.*|\1 is not exported to modules|p" \
	-e "s|.*modpost: \(.*/\)*$n\.ko: symbol '\([^']*\)' undefined.*|\2 is not exported to modules|p" \
	-e "s|.*module \(.*/\)*$n uses symbol \([^ ]*\) from namespace \([^ ,]*\),.*|\2 is exported only in namespace \3|p" \
	-e "s|.*modpost: \(.*/\)*$n\.ko: module uses symbol '\([^']*\)' from namespace '\([^']*\)'.*|\2 is exported only in namespace \3|p" \
	"$dir/probes.log" | head -n 1)
if [ -n "$why" ]; then
	echo "no ($why)"
else
	echo yes
fi
