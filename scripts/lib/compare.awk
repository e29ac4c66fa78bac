# SPDX-License-Identifier: GPL-2.0-only
# compare.awk: what changed from run A to run B, from their iommu-lab-results
# lines: awk -v threshold=PCT -v min_change=PCT -v verdicts=0|1 -v metrics=0|1 -f units.awk -f compare.awk side=A A.tsv side=B B.tsv
# Prints the changes; exits 1 when B regressed, else 0.

BEGIN { FS = "\t"; bad = 0 }

$1 == "R" {
	if (!((side, $2) in verdict))
		order[side, ++nrec[side]] = $2
	verdict[side, $2] = $4
	reason[side, $2] = $5
}

$1 == "M" {
	k = $2 SUBSEP $3
	if (!((side, k) in value))
		morder[side, ++nmet[side]] = k
	value[side, k] = $4 + 0
	unit[side, k] = $5
	ranged[side, k] = $6 != "" && $7 != ""
	lo[side, k] = $6 + 0
	hi[side, k] = $7 + 0
}

function regress(what) {
	print "  REGRESSION " what
	bad++
}

# The relative change from a to b, as text.
function pct(a, b) {
	return a == 0 ? "from 0" : sprintf("%+.1f%%", (b - a) * 100 / (a < 0 ? -a : a))
}

# Beyond the run-to-run spread: with both ranges, B's value outside A's range
# and A's outside B's (so the two spreads do not explain it), and by more than
# min_change percent (a range from a few samples, such as a short fio job's,
# is narrower than what repeated runs move); otherwise a relative change above
# the threshold.
function changed(k,   a, b) {
	a = value["A", k]; b = value["B", k]
	if (ranged["A", k] && ranged["B", k])
		return (b < lo["A", k] || b > hi["A", k]) && (a < lo["B", k] || a > hi["B", k]) && \
		       (a == 0 || (b - a) / a * 100 > min_change || (a - b) / a * 100 > min_change)
	if (a == 0)
		return b != 0
	return (b - a) / a * 100 > threshold || (a - b) / a * 100 > threshold
}

function range(s, k) {
	return ranged[s, k] ? sprintf(" [%g..%g]", lo[s, k], hi[s, k]) : ""
}

END {
	if (verdicts) {
		for (i = 1; i <= nrec["A"]; i++) {
			id = order["A", i]; a = verdict["A", id]
			if (!(("B", id) in verdict)) {
				only_a = only_a "\n    " id " (" a ")"
				continue
			}
			b = verdict["B", id]; nboth++
			if (a == b)
				continue
			line = id ": " a " -> " b (reason["B", id] != "" ? " (" reason["B", id] ")" : "")
			if (a == "PASS" && (b == "FAIL" || b == "TIMEOUT" || b == "NOTRUN"))
				regress(line)
			else
				print "  changed    " line
			nchanged++
		}
		for (i = 1; i <= nrec["B"]; i++) {
			id = order["B", i]
			if (!(("A", id) in verdict))
				only_b = only_b "\n    " id " (" verdict["B", id] (reason["B", id] != "" ? ": " reason["B", id] : "") ")"
		}
		if (only_a != "") print "  only in A:" only_a
		if (only_b != "") print "  only in B:" only_b
		printf "  verdicts: %d tests in both, %d changed\n", nboth, nchanged
	}
	if (metrics) {
		for (i = 1; i <= nmet["A"]; i++) {
			k = morder["A", i]
			if (!(("B", k) in value))
				continue
			split(k, part, SUBSEP)
			ncmp++
			if (unit["A", k] != unit["B", k]) {
				print "  unit changed " part[1] " " part[2] ": " unit["A", k] " -> " unit["B", k] " (not compared)"
				continue
			}
			if (!changed(k))
				continue
			a = value["A", k]; b = value["B", k]; sense = unit_sense(unit["A", k])
			line = sprintf("%s %s: %g%s -> %g%s%s (%s", part[1], part[2], a, range("A", k), b, range("B", k),
				unit["A", k] != "" ? " " unit["A", k] : "", pct(a, b))
			if (sense == 0) {
				print "  changed    " line ", not judged: unit)"
			} else if ((b - a) * sense < 0) {
				regress(line ", worse)")
			} else {
				print "  better     " line ", better)"
			}
			nmchanged++
		}
		printf "  metrics: %d in both, %d beyond the run-to-run spread (or %g%% without one)\n", ncmp, nmchanged, threshold
	}
	exit bad > 0
}
