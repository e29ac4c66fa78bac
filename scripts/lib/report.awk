# SPDX-License-Identifier: GPL-2.0-only
# report.awk: the body of `iommu-lab report`, in markdown (fmt=md) or HTML
# (fmt=html), from iommu-lab-results lines of one run or of the guests of a
# `vm` directory. Used with units.awk:
#   awk -v fmt=md|html -v guestlist="A B ..." -v plotdir=DIR -v outdir=DIR -v plot_note=TEXT \
#       -f units.awk -f report.awk guest=A DIR/0.run DIR/0 guest=B DIR/1.run DIR/1 ...
# guestlist names the guests in order ("." for a single run); the k-th guest's
# plots are listed in DIR/<k-1>.plots ("file<TAB>title" per plot, files in
# outdir; fmt=md links them, html inlines them).
#
# The page opens with what a lab reads first: a headline per guest, the
# verdicts by area and guest, every failure with its reason, the skips by
# reason, the plots. The long tables (metrics, DMA results) come last.

BEGIN {
	FS = "\t"
	nv = split("PASS FAIL SKIP NOTRUN TIMEOUT XFAIL", VERDICTS, " ")
	ng = split(guestlist, guests, " ")
	# a table with more rows than this is folded (HTML <details>)
	FOLD_ROWS = 12
}

# --- output in either format ---------------------------------------------------
function esc(s) {
	gsub(/&/, "\\&amp;", s)
	gsub(/</, "\\&lt;", s)
	gsub(/>/, "\\&gt;", s)
	if (fmt == "md")
		gsub(/\|/, "\\|", s)
	return s
}
function heading(n, s) {
	if (fmt == "html")
		printf "<h%d>%s</h%d>\n", n, esc(s), n
	else
		printf "\n%s %s\n\n", substr("#####", 1, n), esc(s)
}
function para(s) {
	rawpara(esc(s))
}
function rawpara(s) {
	print fmt == "html" ? "<p>" s "</p>" : s "\n"
}
# Table cells are tab-separated; verdicts and software engines get a CSS class.
# cls: the table's CSS class (HTML), e.g. "why": its last column, a reason,
# may break anywhere (a source path is one long word).
function table(hdr, cls,   c, i, n) {
	n = split(hdr, c, "\t")
	if (fmt == "html") {
		printf "<table%s><tr>", cls != "" ? " class=\"" cls "\"" : ""
		for (i = 1; i <= n; i++) printf "<th>%s</th>", esc(c[i])
		print "</tr>"
	} else {
		for (i = 1; i <= n; i++) printf "| %s ", esc(c[i])
		print "|"
		for (i = 1; i <= n; i++) printf "| --- "
		print "|"
	}
}
# raw: the cells are already escaped and may hold markup (see bad()); a
# cell holding a failure count is marked as a whole.
function row(cells, raw,   c, i, n, cls) {
	n = split(cells, c, "\t")
	if (fmt == "md") {
		for (i = 1; i <= n; i++) printf "| %s ", raw ? c[i] : esc(c[i])
		print "|"
		return
	}
	printf "<tr>"
	for (i = 1; i <= n; i++) {
		if (raw)
			cls = c[i] ~ /class="v-bad"/ ? " class=\"bad\"" : ""
		else
			cls = c[i] ~ /^(PASS|FAIL|SKIP|NOTRUN|TIMEOUT|XFAIL)$/ ? " class=\"v-" c[i] "\"" : \
				c[i] ~ /software/ ? " class=\"sw\"" : ""
		printf "<td%s>%s</td>", cls, raw ? c[i] : esc(c[i])
	}
	print "</tr>"
}
function endtable() {
	print fmt == "html" ? "</table>" : ""
}
# A long part of the HTML page starts folded; markdown has it in full.
function fold(summary, rows) {
	if (fmt != "html" || rows <= FOLD_ROWS)
		return 0
	print "<details><summary>" esc(summary) "</summary>"
	return 1
}
function endfold(folded) {
	if (folded) print "</details>"
}
# S (escaped), emphasised: a count of tests that failed, timed out or went unrun.
function bad(s) {
	return fmt == "html" ? "<span class=\"v-bad\">" s "</span>" : "**" s "**"
}
function strong(s) {
	return fmt == "html" ? "<b>" s "</b>" : "**" s "**"
}
function is_bad(v) {
	return v == "FAIL" || v == "TIMEOUT" || v == "NOTRUN"
}

# Who moved the data: software engines are the CPU, never device DMA.
function engine_label(name, kind) {
	if (name == "") return "-"
	if (kind == "software") return name " (software: CPU, not DMA)"
	if (kind == "emulated") return name " (emulated device DMA)"
	return name " (" kind " DMA)"
}
# The area of a record: its program's name up to the first "_" (caps,
# testdev, iommufd, bench, stress), kernel_log whole (it is not about the
# kernel's caps), and "perf" for `iommu-lab perf`'s own records (fio, the
# anchors: ids ending @<mode>).
function area(prog, id,   a) {
	if (id ~ /@[a-z]+$/ && prog !~ /^bench_/) return "perf"
	a = prog != "" ? prog : id
	if (a == "kernel_log") return a
	sub(/[_.].*/, "", a)
	return a
}
function metric_range(lo, hi) {
	return lo != "" && hi != "" ? lo " .. " hi : ""
}
# The name a guest goes by in tables: a single run's is its platform.
function glabel(g) {
	return g != "." ? g : runf[g, "platform"] != "" ? runf[g, "platform"] : "run"
}
# "N PASS, N FAIL, ..." (escaped, failures emphasised) from cnt[KEY, verdict];
# PASS, FAIL and SKIP always when all, else only the verdicts that occur.
function counts(key, all,   j, v, s, n) {
	for (j = 1; j <= nv; j++) {
		v = VERDICTS[j]
		n = cnt[key, v] + 0
		if (!n && !(all && j <= 3)) continue
		s = s (s != "" ? ", " : "") (n && is_bad(v) ? bad(n " " v) : n " " v)
	}
	return s
}
# Append ITEM to the ", "-separated list in L.
function join(l, item) {
	return l (l != "" ? ", " : "") item
}

# --- input -------------------------------------------------------------------------
$1 == "K" { runf[guest, $2] = $3 }
$1 == "R" && !((guest, $2) in idx) {
	n = ++nrec[guest]
	idx[guest, $2] = n
	rid[guest, n] = $2; rprog[guest, n] = $3; rv[guest, n] = $4; rwhy[guest, n] = $5
	ren[guest, n] = $6; rek[guest, n] = $7
	if (!((guest, "platform") in runf)) runf[guest, "platform"] = $8
	if (!((guest, "kernel") in runf)) runf[guest, "kernel"] = $9
	a = area($3, $2)
	rarea[guest, n] = a
	if (!(a in aseen)) { aseen[a] = 1; areas[++nareas] = a }
	cnt[guest, $4]++
	cnt[guest, a, $4]++
	ahas[guest, a] = 1
}
$1 == "M" && (guest, $2) in idx {
	r = idx[guest, $2]
	m = ++nm[guest, r]
	mname[guest, r, m] = $3; mval[guest, r, m] = $4; munit[guest, r, m] = $5
	mlo[guest, r, m] = $6; mhi[guest, r, m] = $7
}

END {
	headline()
	matrix()
	failures()
	skips()
	plots()
	heading(2, "Details")
	if (ng > 1)
		side_by_side()
	for (k = 1; k <= ng; k++)
		details(guests[k])
}

# --- the first screen -------------------------------------------------------------
# One line per guest: kernel, platform, start, verdict counts; before them, the
# run's verdict in a sentence.
function headline(   k, g, nbad, gbad, s) {
	for (k = 1; k <= ng; k++) {
		g = guests[k]
		s = cnt[g, "FAIL"] + cnt[g, "TIMEOUT"] + cnt[g, "NOTRUN"]
		nbad += s
		if (s) gbad = join(gbad, glabel(g))
	}
	if (nbad)
		rawpara(bad(nbad " test" (nbad > 1 ? "s" : "") " failed, timed out or went unrun") \
			(ng > 1 ? ", in " esc(gbad) : "") ".")
	else
		para("No test failed, timed out or went unrun" (ng > 1 ? " in any of the " ng " guests." : "."))
	print fmt == "html" ? "<ul class=\"headline\">" : ""
	for (k = 1; k <= ng; k++) {
		g = guests[k]
		s = g != "." ? strong(esc(g)) : runf[g, "run_id"] != "" ? "run " esc(runf[g, "run_id"]) : "the run"
		s = s ": kernel " esc(runf[g, "kernel"]) ", platform " esc(runf[g, "platform"]) \
			(runf[g, "started"] != "" ? ", started " esc(runf[g, "started"]) : "") \
			": " (nrec[g] + 0) " tests: " counts(g, 1)
		print fmt == "html" ? "<li>" s "</li>" : "- " s
	}
	print fmt == "html" ? "</ul>" : ""
}

# Rows: areas; columns: guests; cells: the verdict counts.
function matrix(   k, j, line) {
	heading(2, "Verdicts by area" (ng > 1 ? " and guest" : ""))
	line = "area"
	for (k = 1; k <= ng; k++) line = line "\t" glabel(guests[k])
	table(line)
	for (j = 1; j <= nareas; j++) {
		line = esc(areas[j])
		for (k = 1; k <= ng; k++)
			line = line "\t" ((guests[k], areas[j]) in ahas ? counts(guests[k] SUBSEP areas[j], 0) : "-")
		row(line, 1)
	}
	endtable()
}

# Every FAIL, TIMEOUT and NOTRUN, by area; a test that failed the same way in
# several guests is one row naming them.
function failures(   k, g, i, j, id, key, nf, fid, farea, fseen, nfk, fkeys, fk) {
	heading(2, "Failures")
	for (k = 1; k <= ng; k++) {
		g = guests[k]
		for (i = 1; i <= nrec[g]; i++) {
			if (!is_bad(rv[g, i])) continue
			id = rid[g, i]
			if (!(id in fseen)) { fseen[id] = 1; fid[++nf] = id; farea[id] = rarea[g, i] }
			key = id "\t" rv[g, i] "\t" engine_label(ren[g, i], rek[g, i]) "\t" rwhy[g, i]
			if (!(key in fk)) fkeys[id, ++nfk[id]] = key
			fk[key] = join(fk[key], glabel(g))
		}
	}
	if (!nf) {
		para("No test failed, timed out or went unrun.")
		return
	}
	table("test\t" (ng > 1 ? "guest\t" : "") "verdict\tengine\treason", "why")
	for (k = 1; k <= nareas; k++)
		for (i = 1; i <= nf; i++) {
			if (farea[fid[i]] != areas[k]) continue
			for (j = 1; j <= nfk[fid[i]]; j++) {
				key = fkeys[fid[i], j]
				if (ng > 1) sub(/\t/, "\t" fk[key] "\t", key)
				row(key)
			}
		}
	endtable()
}

# The SKIPs grouped by reason, the most frequent first: a lab checks that each
# names a real lack of the platform or kernel.
function skips(   k, g, i, j, t, why, nr, reasons, rc, rg, rng, rt, rn, rts, order, cell, hdr, folded) {
	heading(2, "Skips by reason")
	for (k = 1; k <= ng; k++) {
		g = guests[k]
		for (i = 1; i <= nrec[g]; i++) {
			if (rv[g, i] != "SKIP") continue
			why = rwhy[g, i] != "" ? rwhy[g, i] : "(no reason given)"
			if (!(why in rc)) { reasons[++nr] = why; rc[why] = 0 }
			rc[why]++
			if (!rg[why, g]++) { rg[why] = join(rg[why], glabel(g)); rng[why]++ }
			if (!rts[why, rid[g, i]]++) { rt[why] = join(rt[why], rid[g, i]); rn[why]++ }
		}
	}
	if (!nr) {
		para("No test skipped.")
		return
	}
	# most frequent first (insertion sort: a hundred reasons at most)
	for (i = 1; i <= nr; i++) order[i] = reasons[i]
	for (i = 2; i <= nr; i++)
		for (j = i; j > 1 && rc[order[j]] > rc[order[j - 1]]; j--) { t = order[j]; order[j] = order[j - 1]; order[j - 1] = t }
	# the most frequent reasons open, the long tail of rare ones folded
	hdr = "count\treason\t" (ng > 1 ? "guests\t" : "") "tests"
	t = 0
	table(hdr)
	for (i = 1; i <= nr; i++) {
		if (i == FOLD_ROWS + 1 && fmt == "html") {
			endtable()
			for (j = i; j <= nr; j++) t += rc[order[j]]
			folded = fold((nr - FOLD_ROWS) " more reasons (" t " skips, at most " rc[order[i]] " each)", nr)
			table(hdr)
		}
		why = order[i]
		cell = esc(rt[why])
		# a long list of tests stays folded
		if (fmt == "html" && rn[why] > 3)
			cell = "<details><summary>" rn[why] " tests</summary>" cell "</details>"
		row(rc[why] "\t" esc(why) "\t" (ng > 1 ? esc(rng[why] == ng ? "all" : rg[why]) "\t" : "") cell, 1)
	}
	endtable()
	endfold(folded)
}

function plots(   k, g, t, line, f) {
	heading(2, "Plots")
	for (k = 1; k <= ng; k++) {
		g = guests[k]
		if (ng > 1) heading(3, g " (" runf[g, "platform"] ", kernel " runf[g, "kernel"] ")")
		t = 0
		while ((getline line < (plotdir "/" (k - 1) ".plots")) > 0) {
			split(line, f, "\t")
			t++
			if (fmt == "md") {
				printf "![%s](%s)\n\n", esc(f[2]), f[1]
				continue
			}
			print "<figure>"
			inline_svg(f[1])
			print "<figcaption>" esc(f[2]) "</figcaption></figure>"
		}
		close(plotdir "/" (k - 1) ".plots")
		if (!t) para(plot_note != "" ? plot_note : "No metric to plot: no throughput by transfer size, no latency percentiles.")
	}
}

# The SVG element of a gnuplot file, without its XML prologue, for inlining.
function inline_svg(file,   line, on) {
	while ((getline line < (outdir "/" file)) > 0) {
		if (line ~ /<svg/) on = 1
		if (on) print line
	}
	close(outdir "/" file)
}

# --- the details, last ----------------------------------------------------------
# Every throughput and latency figure, one row per (test, metric), a column per guest.
function side_by_side(   i, j, k, g, r, line, key, nkeys, keys, val, folded) {
	for (k = 1; k <= ng; k++) {
		g = guests[k]
		for (r = 1; r <= nrec[g]; r++)
			for (j = 1; j <= nm[g, r]; j++) {
				if (!unit_sense(munit[g, r, j])) continue
				key = rid[g, r] "\t" mname[g, r, j] "\t" munit[g, r, j]
				if (!(key in val)) { keys[++nkeys] = key; val[key] = 1 }
				val[key, g] = mval[g, r, j] (mlo[g, r, j] != "" ? " (" metric_range(mlo[g, r, j], mhi[g, r, j]) ")" : "")
			}
	}
	if (!nkeys) return
	heading(3, "Throughput and latency by guest")
	folded = fold(nkeys " figures side by side", nkeys)
	line = "test\tmetric\tunit"
	for (k = 1; k <= ng; k++) line = line "\t" guests[k]
	table(line)
	for (i = 1; i <= nkeys; i++) {
		line = keys[i]
		for (k = 1; k <= ng; k++) line = line "\t" ((keys[i], guests[k]) in val ? val[keys[i], guests[k]] : "-")
		row(line)
	}
	endtable()
	endfold(folded)
}

# One run: its metadata, its DMA engines and its metrics.
function details(g) {
	heading(3, g == "." ? "Run " runf[g, "run_id"] : "Guest " g " (" runf[g, "platform"] ", kernel " runf[g, "kernel"] ")")
	table("field\tvalue")
	row("run id\t" runf[g, "run_id"])
	row("platform\t" runf[g, "platform"])
	row("kernel\t" runf[g, "kernel"])
	row("disposable\t" (runf[g, "disposable"] != "" ? runf[g, "disposable"] : "unknown"))
	if (runf[g, "started"] != "") row("started\t" runf[g, "started"])
	if (runf[g, "filter"] != "") row("filter\t" runf[g, "filter"])
	endtable()
	engines(g)
	metrics(g)
}

function engines(g,   i, k, t, n, ne, names, es, folded) {
	heading(4, "DMA engines")
	for (i = 1; i <= nrec[g]; i++) {
		if (ren[g, i] == "") continue
		k = engine_label(ren[g, i], rek[g, i])
		if (!(k in es)) { names[++ne] = k; es[k] = 0 }
		es[k]++
		es[k, rv[g, i]]++
		n++
	}
	if (!ne) {
		para("No test recorded a DMA engine.")
		return
	}
	para("Results with kind software come from the CPU walking the translations: they exercise the kernel's IOMMU code, never device DMA.")
	table("engine\ttests\tPASS\tFAIL\tSKIP\tother")
	for (k = 1; k <= ne; k++) {
		t = names[k]
		row(t "\t" es[t] "\t" (es[t, "PASS"] + 0) "\t" (es[t, "FAIL"] + 0) "\t" (es[t, "SKIP"] + 0) "\t" \
			(es[t] - es[t, "PASS"] - es[t, "FAIL"] - es[t, "SKIP"]))
	}
	endtable()
	folded = fold("Every DMA result with its engine (" n ")", n)
	if (!folded) para("Every DMA result with its engine:")
	table("test\tverdict\tengine")
	for (i = 1; i <= nrec[g]; i++)
		if (ren[g, i] != "") row(rid[g, i] "\t" rv[g, i] "\t" engine_label(ren[g, i], rek[g, i]))
	endtable()
	endfold(folded)
}

function metrics(g,   i, j, t, n, folded) {
	heading(4, "Metrics")
	for (i = 1; i <= nrec[g]; i++)
		if (nm[g, i]) { t++; n += nm[g, i] }
	if (!t) {
		para("No test recorded metrics.")
		return
	}
	folded = fold("Metrics of " t " tests (" n " figures)", n)
	for (i = 1; i <= nrec[g]; i++) {
		if (!nm[g, i]) continue
		heading(5, rid[g, i])
		para("verdict " rv[g, i] ", engine " engine_label(ren[g, i], rek[g, i]))
		table("metric\tvalue\tunit\trange of the repeats (lo .. hi)")
		for (j = 1; j <= nm[g, i]; j++)
			row(mname[g, i, j] "\t" mval[g, i, j] "\t" munit[g, i, j] "\t" metric_range(mlo[g, i, j], mhi[g, i, j]))
		endtable()
	}
	endfold(folded)
}
