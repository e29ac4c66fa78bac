#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Results files are never torn: iommu-lab-collect, writing a program's
# records into results.jsonl and its KTAP block (and --commit, the scripts'
# writer of run.json and the rest), is killed with SIGKILL at random points,
# hundreds of times; after each kill every line of the files is a whole
# record, and what was there before is still there, unchanged.
set -u
collect="${top_builddir:-.}/tools/iommu-lab-collect"
results="${top_builddir:-.}/tools/iommu-lab-results"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
rounds=${IOMMU_LAB_UNTORN_ROUNDS:-40}

# Harness output of 300 tests, each with 16 long metrics: records longer
# than stdio's buffer, which a plain append writes in several write()s.
pad=$(printf 'x%.0s' $(seq 1500))
{
	echo "TAP version 13"; echo "1..300"
	for i in $(seq 300); do
		echo "#  RUN           f.t$i ..."
		for m in a b c d e f g h i j k l m n o p; do
			echo "# lab-record metric {\"name\":\"$m$i\",\"value\":$i,\"unit\":\"$pad\"}"
		done
		echo "#            OK  f.t$i"
		echo "ok $i f.t$i"
	done
} > "$tmp/tap"

# whole FILE: every line a record iommu-lab-results reads, the file ending
# in a newline. The number of lines on stdout.
whole() {
	[ -s "$1" ] || { echo 0; return 0; }
	[ -z "$(tail -c1 "$1")" ] || { echo "$1: the last line has no newline (torn)" >&2; return 1; }
	awk '!/^\{.*\}$/ { bad = 1; print FILENAME ": line " NR " is not a whole record" > "/dev/stderr" }
		END { exit bad }' "$1" || return 1
	"$results" --get id "$1" > /dev/null 2>&1 || { echo "$1: unreadable by iommu-lab-results" >&2; return 1; }
	wc -l < "$1"
}

j="$tmp/results.jsonl" k="$tmp/ktap.txt" c="$tmp/run.json"
"$collect" --record run_id=before n:=0 > "$j"
cp "$j" "$tmp/prefix"
: > "$k"
prev=1 killed=0 grew=0 blocks=0
for r in $(seq "$rounds"); do
	"$collect" --program p --index 1 --run-id r --json "$j" --ktap "$k" < "$tmp/tap" > /dev/null 2>&1 &
	pid=$!
	sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
	kill -KILL "$pid" 2> /dev/null && killed=$((killed + 1))
	wait "$pid" 2> /dev/null
	n=$(whole "$j") || fail "round $r: results.jsonl torn"
	[ "$n" -ge "$prev" ] || fail "round $r: results.jsonl lost records ($prev -> $n)"
	[ "$n" -gt "$prev" ] && grew=$((grew + 1))
	cmp -s -n "$(stat -c %s "$tmp/prefix")" "$tmp/prefix" "$j" || fail "round $r: the earlier content changed"
	# The KTAP block is committed whole or not at all: its header and plan come in pairs.
	# (A killed program's block may plan fewer tests: it lists those it saw.)
	[ "$(grep -c '^    # Subtest: p$' "$k")" = "$(grep -c '^ok 1 p$' "$k")" ] &&
		[ "$(grep -c '^    # Subtest: p$' "$k")" = "$(grep -c '^    1\.\.[0-9]*$' "$k")" ] || fail "round $r: a torn KTAP block"
	prev=$n blocks=$(grep -c '^ok 1 p$' "$k")
	# --commit: replaced whole (the previous record or the new one), appended whole.
	"$collect" --record run_id="r$r" pad="$pad$pad$pad" | "$collect" --commit "$c" &
	pid=$!
	sleep "0.00$((RANDOM % 5))"
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	[ ! -e "$c" ] || [ "$(whole "$c")" = 1 ] || fail "round $r: run.json torn"
done

# Only regular files are renamed over. A FIFO named as the output (as
# /dev/null or /dev/stdout would be) is written in place and stays a FIFO;
# a symbolic link stays a link, to the committed file.
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" > "$tmp/from-fifo" &
echo '{"a":1}' | "$collect" --commit "$tmp/fifo" || fail "--commit to a FIFO"
wait $! || fail "the FIFO's reader never got its end of file"
[ -p "$tmp/fifo" ] || fail "--commit replaced a FIFO with a regular file"
[ "$(cat "$tmp/from-fifo")" = '{"a":1}' ] || fail "--commit to a FIFO: the reader got '$(cat "$tmp/from-fifo")'"
echo '{"a":1}' > "$tmp/target"; ln -s target "$tmp/link"
echo '{"b":2}' | "$collect" --commit "$tmp/link" --append || fail "--commit --append through a symbolic link"
[ -L "$tmp/link" ] || fail "--commit replaced a symbolic link with a file"
[ "$(whole "$tmp/target")" = 2 ] || fail "--commit through a link did not append to the file it names"

[ "$killed" -gt 0 ] || fail "the writer was never killed while writing (too fast a machine?)"
[ "$grew" -gt 0 ] || fail "no round wrote a record before the kill"
echo "test_untorn: $rounds rounds, $killed writers killed mid-way, results.jsonl grew in $grew, never torn ($prev records, $blocks whole KTAP blocks)"
