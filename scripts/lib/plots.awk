# SPDX-License-Identifier: GPL-2.0-only
# plots.awk: a gnuplot script drawing one run's figures, from its
# iommu-lab-results lines. Used with units.awk:
#   awk -v outdir=DIR -v prefix=NAME- -v label=TEXT -v list=FILE -f units.awk -f plots.awk RUN.tsv > plots.gp
# Throughput (a unit unit_sense calls better when higher) by transfer size,
# the size taken from a token such as 4k, 64k or 2m in the metric name or the
# record id: one plot per unit, one line per series (the id and the name
# without the size), error bars from lo..hi. Latency percentiles (names
# ending in p50, p99, p999, ...): one plot per time unit, program and perf
# mode, one line per series.
# Writes "file<TAB>caption" per plot to FILE.

BEGIN {
	FS = "\t"
	# gnuplot's default colours repeat after 8; a latency plot has 9 lines or more
	NCOLOURS = split("#9400d3 #009e73 #56b4e9 #e69f00 #6b8e23 #0072b2 #e51e10 #000000 #ff66cc #8b4513 #00cccc #808080", COLOURS, " ")
}

# size_of(S): the transfer size in bytes a token in S names (4k, 64k, 2m), 0
# without one; RSTART and RLENGTH are left on the token for drop_size.
function size_of(s,   t, n) {
	if (!match(s, /(^|[._@-])[0-9]+[kKmMgG]([._@-]|$)/))
		return 0
	t = substr(s, RSTART, RLENGTH)
	gsub(/[._@-]/, "", t)
	n = substr(t, 1, length(t) - 1) + 0
	t = tolower(substr(t, length(t)))
	return n * (t == "k" ? 1024 : t == "m" ? 1048576 : 1073741824)
}
# S without its size token (call after size_of matched): one separator stays between the parts.
function drop_size(s,   head, tail) {
	head = substr(s, 1, RSTART - 1)
	tail = substr(s, RSTART + RLENGTH)
	if (head == "") return tail
	if (tail == "") return head
	return head substr(s, RSTART, 1) tail
}
function size_label(b) {
	return b >= 1073741824 ? b / 1073741824 " GiB" : b >= 1048576 ? b / 1048576 " MiB" : b / 1024 " KiB"
}
# A record id without its program (the part before the first dot).
function short_id(id) {
	sub(/^[^.]*\./, "", id)
	return id
}

# add(plot, series, x, x's tic label, y, lo, hi): one point
function add(p, s, x, tic, y, lo, hi,   k, n) {
	if (!(p in pn)) { plots[++np] = p; pn[p] = 0 }
	if (!((p, s) in sn)) { sn[p, s] = ++pn[p]; sname[p, pn[p]] = s }
	if (!((p, x) in tics)) { tics[p, x] = 1; ptics[p] = ptics[p] (ptics[p] != "" ? ", " : "") q(tic) " " x }
	k = sn[p, s]
	n = ++npt[p, k]
	px[p, k, n] = x; py[p, k, n] = y
	plo[p, k, n] = lo != "" ? lo : y
	phi[p, k, n] = hi != "" ? hi : y
	if (lo != "") pranged[p] = 1
}

function q(s) {
	gsub(/"/, "'", s)
	return "\"" s "\""
}

$1 == "M" {
	id = $2; name = $3; unit = $5; sense = unit_sense(unit)
	if (sense > 0) {
		b = size_of(name)
		if (b) name = drop_size(name)
		if (size_of(id)) { if (!b) b = size_of(id); id = drop_size(id) }
		if (!b) next
		p = "throughput " unit
		pkind[p] = "throughput"; punit[p] = unit
		add(p, short_id(id) "\t" name, b, size_label(b), $4, $6, $7)
	} else if (sense < 0 && match(name, /[._]p[0-9]+$/)) {
		pct = substr(name, RSTART + 2)
		# p999 is the 99.9th percentile, p9999 the 99.99th
		if (length(pct) > 2 && substr(pct, 1, 2) == "99") pct = "99." substr(pct, 3)
		name = substr(name, 1, RSTART - 1)
		# one plot per program and perf mode (id suffix @mode): dozens of
		# lines in one plot cannot be told apart
		prog = id; sub(/\..*/, "", prog)
		mode = ""
		if (match(id, /@[a-z]+$/)) { mode = substr(id, RSTART + 1); id = substr(id, 1, RSTART - 1) }
		p = "latency " unit " " prog (mode != "" ? " " mode : "")
		pkind[p] = "latency"; punit[p] = unit; pwhat[p] = prog (mode != "" ? ", " mode " default domain" : "")
		# x: the number of nines (p90 = 1, p99 = 2, p99.9 = 3) spreads the tail
		add(p, short_id(id) "\t" name, -log(1 - pct / 100) / log(10), "p" pct, $4, $6, $7)
	}
}

END {
	for (i = 1; i <= np; i++) {
		p = plots[i]
		file = prefix pkind[p] "-" punit[p] (pwhat[p] != "" ? "-" pwhat[p] : "")
		gsub(/ default domain/, "", file)
		gsub(/[^A-Za-z0-9_.-]/, "_", file)
		file = file ".svg"
		title = label ": " (pkind[p] == "throughput" ? "throughput by transfer size" : "latency percentiles") \
			(pwhat[p] != "" ? ", " pwhat[p] : "") " (" punit[p] ")"
		print "reset"
		# the legend sits below the plot: the taller the more lines
		printf "set terminal svg size 960,%d dynamic noenhanced font 'sans,13' background '#ffffff'\n", 480 + 22 * pn[p]
		print "set output " q(outdir "/" file)
		print "set title " q(title)
		print "set grid"
		print "set key outside below center Left reverse height 1.5"
		print "set ylabel " q(pkind[p] " (" punit[p] ")")
		print "set xtics (" ptics[p] ")"
		if (pkind[p] == "throughput") {
			print "set xlabel 'transfer size (log scale)'"
			print "set logscale x"
			print "set yrange [0:*]"
			print "set offsets graph 0.05, graph 0.05, graph 0.05, 0"
		} else {
			print "set xlabel 'percentile'"
			print "set logscale y"
			print "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05"
		}
		# a metric name alone in this plot names its line; else the record id too
		for (k = 1; k <= pn[p]; k++) {
			split(sname[p, k], a, "\t")
			names[p, a[2]]++
		}
		cmd = "plot"
		for (k = 1; k <= pn[p]; k++) {
			print "$d" k " << EOD"
			# points in x order (insertion sort: a handful per series)
			for (j = 1; j <= npt[p, k]; j++) ord[j] = j
			for (j = 2; j <= npt[p, k]; j++)
				for (m = j; m > 1 && px[p, k, ord[m]] < px[p, k, ord[m - 1]]; m--) { t = ord[m]; ord[m] = ord[m - 1]; ord[m - 1] = t }
			for (j = 1; j <= npt[p, k]; j++)
				print px[p, k, ord[j]], py[p, k, ord[j]], plo[p, k, ord[j]], phi[p, k, ord[j]]
			print "EOD"
			split(sname[p, k], a, "\t")
			cmd = cmd (k > 1 ? "," : "") " $d" k " using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.8 lc rgb " \
				q(COLOURS[(k - 1) % NCOLOURS + 1]) " title " q(names[p, a[2]] > 1 ? a[1] " " a[2] : a[2])
		}
		print cmd
		print "unset output"
		printf "%s\t%s%s\n", file, title, pranged[p] ? " (error bars: lowest and highest of the repeats)" : "" > list
	}
}
