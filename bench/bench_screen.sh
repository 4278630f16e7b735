#!/bin/sh
# bench_screen.sh - make bench-screen: the bulk screener on a synthetic export
# of >= 2 GB (BENCH_PATIENTS, default 120000; generated once, cached in
# $BUILD/bench-data), in one run:
#   scan stage: GB/s on all cores and per core (paraneo screen --scan-only),
#               and the scanner alone on one core over data in memory;
#   end to end: patients/s, peak RSS (paraneo screen);
#   ratios against cat FILES >/dev/null (the read limit), jansson json_loadb
#   on every line (one core), and jq -c .resourceType (timed on the first
#   JQ_MB of each file and extrapolated: jq is slow).
set -eu
BUILD=${BUILD:-build}
P=$BUILD/paraneo
N=${BENCH_PATIENTS:-120000}
JQ_MB=${JQ_MB:-64}
d=$BUILD/bench-data/synth-$N
if [ ! -f "$d/manifest.json" ]; then
    echo "bench-screen: generating $N patients into $d"
    mkdir -p "$BUILD/bench-data"
    "$P" synth --patients "$N" --seed 42 --as-of 2026-01-01 --out "$d" --quiet
fi
files=$(ls "$d"/*.ndjson | grep -v truth | tr "\n" " ")
bytes=$(cat $files | wc -c)
cores=$(nproc)
echo "bench-screen: $N patients, $(awk "BEGIN{printf \"%.2f\", $bytes/1e9}") GB in $(echo $files | wc -w) files, $cores cores"
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk "BEGIN{print $e-$s}"; }
cat $files >/dev/null # warm the page cache
tcat=$(t sh -c "cat $files > /dev/null")
scan=$("$P" screen "$d" --scan-only --threads "$cores" --no-progress 2>&1 >/dev/null | tail -n 1)
scan1=$("$P" screen "$d" --scan-only --threads 1 --no-progress 2>&1 >/dev/null | tail -n 1)
mem=$("$BUILD/bench/bench_screen" $files)
jan=$("$BUILD/bench/bench_jansson_ndjson" $files)
# jq on a fixed subset, extrapolated by bytes
sub=$BUILD/bench-data/jq-subset.ndjson
: >"$sub"
for f in $files; do head -c $((JQ_MB * 1048576)) "$f" | sed '$d' >>"$sub"; done
subbytes=$(wc -c <"$sub")
tjq=$(t sh -c "jq -c .resourceType '$sub' > /dev/null")
rm -f "$sub"
tmp=$(mktemp -d)
sumf=$tmp/summary.json
"$P" screen "$d" --out "$tmp/flags.ndjson" --summary "$sumf" --threads "$cores" --no-progress 2>/dev/null
rm -rf "$tmp/flags.ndjson"
gb() { awk "BEGIN{printf \"%.3f\", $1}"; }
j() { printf '%s' "$1" | jq -r "$2"; }
scan_s=$(j "$scan" .seconds.scan)
scan1_s=$(j "$scan1" .seconds.scan)
echo
echo "read limit   cat FILES >/dev/null        $(gb "$bytes/$tcat/1e9") GB/s"
echo "scan stage   paraneo screen --scan-only  $(gb "$bytes/$scan_s/1e9") GB/s on $cores threads, $(gb "$bytes/$scan_s/1e9/$cores") GB/s per core; 1 thread $(gb "$bytes/$scan1_s/1e9") GB/s (mmap'd files, includes page faults)"
echo "scanner      in memory, 1 core           $(j "$mem" .gb_per_s) GB/s"
echo "jansson      json_loadb per line, 1 core $(j "$jan" .gb_per_s) GB/s"
echo "jq           jq -c .resourceType         $(gb "$subbytes/$tjq/1e9") GB/s (timed on $(gb "$subbytes/1e6") MB, extrapolated: $(gb "$tjq*$bytes/$subbytes") s for all)"
echo "ratios       scanner/jansson $(gb "$(j "$mem" .gb_per_s)/$(j "$jan" .gb_per_s)")x, scanner/jq $(gb "$(j "$mem" .gb_per_s)/($subbytes/$tjq/1e9)")x, scan stage per core/cat $(gb "($bytes/$scan_s/$cores)/($bytes/$tcat)")"
echo "end to end   $(jq -r .patients "$sumf") patients in $(jq -r .seconds.total "$sumf") s: $(jq -r .patients_per_s "$sumf") patients/s, $(jq -r .flagged "$sumf") flagged, peak RSS $(jq -r .peak_rss_mb "$sumf") MB"
echo "             phases: scan $(jq -r .seconds.scan "$sumf") s, evaluate $(jq -r .seconds.evaluate "$sumf") s, merge $(jq -r .seconds.merge "$sumf") s; spilled $(gb "$(jq -r .spill_bytes "$sumf")/1e9") GB"
echo "summary      $(cat "$sumf")"
rm -rf "$tmp"
