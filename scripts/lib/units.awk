# SPDX-License-Identifier: GPL-2.0-only
# Which way a metric's unit is better, for report.awk and compare.awk.

# unit_sense(U): 1 when more is better (throughput), -1 when less is (a
# latency: ns, us, ms), 0 when the unit says nothing (counts, bool, ratio, and
# seconds, which here are durations a run was told to take, not latencies).
function unit_sense(u) {
	u = tolower(u)
	if (u ~ /^([kmgt]i?b|b|ops|1|iops)\/s$/ || u == "iops")
		return 1
	if (u == "ns" || u == "us" || u == "ms")
		return -1
	return 0
}
