#!/bin/sh
# tests/screen/run.sh - paraneo screen: planted patients found, the same
# output for 1 and 2 threads and for 1, 2 and 4 MPI ranks, bad lines counted
# and located, bounded memory, an unwritable output refused cleanly.
# PARANEO names the binary (default build/paraneo).  About a minute.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
P=${PARANEO:-$top/build/paraneo}
case $P in /*) ;; *) P=$(pwd)/$P ;; esac
export PARANEO_KB="${PARANEO_KB:-$top/kb}"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
no() { fail=$((fail + 1)); echo "  FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }
num() { jq -r "$1" "$2"; }

if [ -x "$top/tests/screen/synth_test.sh" ] || [ -f "$top/tests/screen/synth_test.sh" ]; then
    PARANEO=$P sh "$top/tests/screen/synth_test.sh" >"$w/synth.log" 2>&1 &&
        ok "synth tests (tests/screen/synth_test.sh)" || { no "synth tests"; tail -n 20 "$w/synth.log"; }
fi

# ---- a small export: threads, ranks, bad lines ----------------------------
"$P" synth --patients 1000 --seed 11 --pns-rate 0.05 --mimic-rate 0.05 --as-of 2026-01-01 \
    --out "$w/s" --quiet || { echo "screen: synth failed"; exit 1; }
"$P" screen "$w/s" --out "$w/t1.ndjson" --threads 1 --summary "$w/t1.json" 2>/dev/null
check "1 thread: exit 0, rows written" '[ -s "$w/t1.ndjson" ] && [ "$(num .patients "$w/t1.json")" = 1000 ]'
"$P" screen "$w/s" --out "$w/t2.ndjson" --threads 2 --partitions 7 2>/dev/null
check "2 threads, 7 partitions: identical output" 'cmp -s "$w/t1.ndjson" "$w/t2.ndjson"'
check "rows sorted by patient id, one per patient" \
    '[ "$(jq -r .patient "$w/t1.ndjson" | LC_ALL=C sort -u)" = "$(jq -r .patient "$w/t1.ndjson")" ]'
check "rows have the fields of the contract" \
    'jq -e "has(\"patient\") and has(\"top\") and has(\"pns_care\") and has(\"suspected_cancer\") and has(\"evidence\") and has(\"missing\") and has(\"triage\")" "$w/t1.ndjson" >/dev/null'
# a partition larger than --mem is split again: same output
"$P" screen "$w/s" --out "$w/t3.ndjson" --threads 2 --partitions 2 --mem 2M 2>/dev/null
check "partitions split under --mem 2M: identical output" 'cmp -s "$w/t1.ndjson" "$w/t3.ndjson"'
# the same data as one grouped file and as explicit files
"$P" screen "$w/s/Patient.ndjson" "$w/s/Observation.ndjson" "$w/s/Condition.ndjson" \
    "$w/s/MedicationStatement.ndjson" "$w/s/MedicationRequest.ndjson" "$w/s/Procedure.ndjson" \
    --as-of 2026-01-01 --out "$w/t4.ndjson" 2>/dev/null
check "files named one by one: identical output" 'cmp -s "$w/t1.ndjson" "$w/t4.ndjson"'

if command -v mpirun >/dev/null 2>&1; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
    for np in 1 2 4; do
        timeout 120 mpirun --oversubscribe -np $np "$P" screen --mpi "$w/s" --out "$w/m$np.ndjson" \
            --threads 1 --summary "$w/m$np.json" >/dev/null 2>"$w/m$np.err"
        check "mpirun -np $np: identical output" 'cmp -s "$w/t1.ndjson" "$w/m$np.ndjson"'
        check "mpirun -np $np: same counts" \
            '[ "$(jq -c "[.patients,.resources,.flagged]" "$w/m$np.json")" = "$(jq -c "[.patients,.resources,.flagged]" "$w/t1.json")" ]'
    done
else
    echo "  skip mpirun not installed"
fi

# ---- bad lines ---------------------------------------------------------------
b="$w/bad"
mkdir -p "$b"
cp "$w/s"/*.ndjson "$w/s/manifest.json" "$b/"
obs="$b/Observation.ndjson"
good=$(sed -n 5p "$obs")
pid=$(printf '%s' "$good" | jq -r .subject.reference)
base=$(wc -l <"$obs")
{
    printf '%s\n' "$good" | cut -c1-60                                    # truncated
    printf '%s\n' "$good" | sed 's/"status"/"sta}}tus/'                   # garbled
    printf '%s\n' "$good" | sed 's/"final"/"fi\xff\xfenal"/'              # not UTF-8
    printf '%s\n' "$good" | jq -c 'del(.subject)'                          # no patient
    printf '\n'                                                           # blank: ignored
    printf '{"resourceType":"Encounter","id":"e1","subject":{"reference":"%s"}}\n' "$pid"  # not read
    printf '%s\n' "$good" | jq -c '.id="dup1"' | sed 's/"status":"final"/"status":"final","status":"final"/'  # duplicate key
    printf '{"resourceType":"Observation","subject":{"reference":"%s"},"note":"%s"}\n' "$pid" \
        "$(head -c 300000 /dev/zero | tr '\0' x)"                          # huge
    printf '%s\r\n' "$(printf '%s' "$good" | jq -c '.id="crlf1"')"         # CRLF: valid
} >>"$obs"
"$P" screen "$b" --out "$w/b.ndjson" --summary "$w/b.json" --max-line 200K --threads 2 2>/dev/null
rc=$?
check "bad lines: exit 0" '[ $rc = 0 ]'
check "bad lines: 7 skipped, 1 blank" '[ "$(num .skipped.lines "$w/b.json")" = 7 ] && [ "$(num .skipped.blank "$w/b.json")" = 1 ]'
for spec in "$((base + 1)):not valid JSON" "$((base + 2)):not valid JSON" "$((base + 3)):not valid JSON at column .*UTF-8" \
    "$((base + 4)):no subject or patient" "$((base + 6)):resource type Encounter" \
    "$((base + 7)):refused by the FHIR reader" "$((base + 8)):line longer than"; do
    n=${spec%%:*} what=${spec#*:}
    check "bad line $n reported as Observation.ndjson:$n: $what" \
        'jq -r ".skipped.first[]" "$w/b.json" | grep -q "Observation.ndjson:$n: $what"'
done
# the duplicate-key line passes the scanner (jansson's default) and is then
# refused by the FHIR reader: resources = before + CRLF line + that line
check "bad lines: valid resources all read (+1 CRLF line)" \
    '[ "$(num .resources "$w/b.json")" = "$(( $(num .resources "$w/t1.json") + 2 ))" ] && [ "$(num .failed "$w/b.json")" = 0 ]'
check "bad lines: the flagged patients are the same" \
    '[ "$(jq -r .patient "$w/b.ndjson")" = "$(jq -r .patient "$w/t1.ndjson")" ]'

# ---- output that cannot be written ---------------------------------------------
mkdir -p "$w/ro"
chmod 500 "$w/ro"
if [ "$(id -u)" = 0 ]; then ro="/proc/paraneo-no-such-dir"; else ro="$w/ro"; fi
"$P" screen "$w/s" --out "$ro/flags.ndjson" 2>"$w/ro.err"
rc=$?
check "unwritable output: exit 2 and a clear error" '[ $rc = 2 ] && grep -q "cannot write the output" "$w/ro.err"'
check "unwritable output: no file" '[ ! -e "$ro/flags.ndjson" ]'
"$P" screen "$w/s" --out "$w/x.ndjson" --tmp "$w/no-such-tmp" 2>"$w/tmp.err"
rc=$?
check "missing --tmp: exit 2, no output file" '[ $rc = 2 ] && [ ! -e "$w/x.ndjson" ] && grep -q "temporary directory" "$w/tmp.err"'

# a device or pipe is written in place, never renamed over
"$P" screen "$w/s" --out /dev/stdout --summary /dev/stderr 2>"$w/stderr.json" | cat >"$w/pipe.ndjson"
check "--out /dev/stdout, --summary /dev/stderr: written in place" \
    'cmp -s "$w/pipe.ndjson" "$w/t1.ndjson" && [ -c /dev/null ] && grep -q screen-summary "$w/stderr.json"'

# Disk full (a file-size limit stands in: writes fail with EFBIG, as with
# ENOSPC): a clear error, a failing exit, and no output under the final name.
( trap '' XFSZ; ulimit -f 200; "$P" screen "$w/s" --out "$w/full.ndjson" --tmp "$w" 2>"$w/full.err" ); rc=$?
check "disk full: failing exit and a clear error" '[ $rc != 0 ] && grep -qi "cannot write\|too large\|no space" "$w/full.err"'
check "disk full: no output file" '[ ! -e "$w/full.ndjson" ]'
check "disk full: no temporary files left" '! ls -d "$w"/paraneo-screen.* >/dev/null 2>&1'

# ---- planted patients at scale, bounded memory ---------------------------------
"$P" synth --patients 12000 --seed 5 --pns-rate 0.01 --mimic-rate 0.01 --out "$w/big" --quiet
"$P" screen "$w/big" --out "$w/big.ndjson" --summary "$w/big.json" --threads 2 \
    --block 4M --max-line 1M --mem 32M 2>/dev/null
jq -r 'select(.kind=="pns") | .patient' "$w/big/truth.ndjson" | LC_ALL=C sort >"$w/pns.txt"
jq -r .patient "$w/big.ndjson" | LC_ALL=C sort >"$w/flag.txt"
planted=$(wc -l <"$w/pns.txt")
found=$(LC_ALL=C comm -12 "$w/pns.txt" "$w/flag.txt" | wc -l)
flagged=$(wc -l <"$w/flag.txt")
mimics=$(jq -r 'select(.kind=="mimic") | .patient' "$w/big/truth.ndjson" | LC_ALL=C sort | LC_ALL=C comm -12 - "$w/flag.txt" | wc -l)
echo "  planted PNS $planted, found $found (recall $(awk "BEGIN{printf \"%.3f\", $found/$planted}")), flagged $flagged," \
    "precision $(awk "BEGIN{printf \"%.3f\", $found/($flagged>0?$flagged:1)}") ($mimics planted mimics flagged)"
check "recall of planted PNS >= 99%" '[ $((found * 100)) -ge $((planted * 99)) ]'
rss=$(num .peak_rss_mb "$w/big.json")
bytes=$(num .bytes "$w/big.json")
echo "  $(awk "BEGIN{printf \"%.0f\", $bytes/1e6}") MB of input, peak RSS ${rss} MB (bound: KB + 2 x (4M block + 1M line) + 2 x 64 x 64K buffers + 32M partitions + per-patient work)"
check "peak RSS under 160 MB for $(awk "BEGIN{printf \"%.0f\", $bytes/1e6}") MB of input" \
    'awk "BEGIN{exit !($rss < 160)}"'

echo "screen: $pass passed, $fail failed"
[ $fail = 0 ]
