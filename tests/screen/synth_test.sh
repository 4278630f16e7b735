#!/bin/sh
# tests/screen/synth_test.sh - black-box tests of `paraneo synth`, the
# synthetic FHIR Bulk Data export generator.
#
#   PARANEO=build/paraneo tests/screen/synth_test.sh
#
# Needs sh, coreutils (sha256sum) and node (JSON checks; jq is used when node
# is missing).  Prints "ok - NAME" / "not ok - NAME" per check and last
# "synth: N passed, M failed"; exit status 1 if M > 0.  The recall check
# evaluates a sample of planted patients with `paraneo evaluate` (FHIR NDJSON
# input) and needs the planted syndrome in the top 3 for at least 80%.

set -u

PARANEO=${PARANEO:-build/paraneo}
case $PARANEO in
*/*) case $PARANEO in /*) ;; *) PARANEO=$(pwd)/$PARANEO ;; esac ;;
esac
top=$(dirname "$0")/../..
cd "$top" || exit 1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/paraneo-synth.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    printf 'ok - %s\n' "$1"
}
not_ok() {
    failed=$((failed + 1))
    printf 'not ok - %s\n' "$1"
    shift
    for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
run() {
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
}

if [ ! -x "$PARANEO" ]; then
    echo "not ok - $PARANEO is not an executable (build it first: make BUILD=... all)"
    echo "synth: 0 passed, 1 failed"
    exit 1
fi

TYPES="Patient Observation Condition MedicationStatement MedicationRequest Procedure"
TODAY=$(date -u +%F)

# ---- generation, determinism ------------------------------------------------
N=3000
run "$PARANEO" synth --patients $N --seed 42 --out "$TMP/a" --pns-rate 0.01 --mimic-rate 0.01 --as-of 2026-06-30
if [ $RC -eq 0 ] && [ -s "$TMP/a/Observation.ndjson" ]; then ok "synth writes an export"
else not_ok "synth writes an export" "exit $RC" "$(cat "$TMP/err")"; fi
grep -q 'bytes/patient' "$TMP/err" && ok "summary names bytes/patient and MB/s" || not_ok "summary" "$(cat "$TMP/err")"

for f in $TYPES manifest truth; do
    ext=ndjson; [ $f = manifest ] && ext=json
    [ -f "$TMP/a/$f.$ext" ] || not_ok "file $f.$ext exists"
done
ls -A "$TMP/a" | grep -q '^\.tmp-' && not_ok "no temporary files left" || ok "no temporary files left"

run "$PARANEO" synth --patients $N --seed 42 --out "$TMP/b" --pns-rate 0.01 --mimic-rate 0.01 --as-of 2026-06-30 --quiet
(cd "$TMP/a" && sha256sum ./*.ndjson ./*.json) >"$TMP/sa"
(cd "$TMP/b" && sha256sum ./*.ndjson ./*.json) >"$TMP/sb"
if cmp -s "$TMP/sa" "$TMP/sb"; then ok "same seed: byte-identical files"
else not_ok "same seed: byte-identical files" "$(diff "$TMP/sa" "$TMP/sb")"; fi

run "$PARANEO" synth --patients $N --seed 43 --out "$TMP/c" --pns-rate 0.01 --mimic-rate 0.01 --as-of 2026-06-30 --quiet
(cd "$TMP/c" && sha256sum ./*.ndjson) >"$TMP/sc"
if [ "$(grep Observation "$TMP/sa")" != "$(grep Observation "$TMP/sc")" ] &&
   [ "$(grep truth "$TMP/sa")" != "$(grep truth "$TMP/sc")" ]; then ok "another seed: different files"
else not_ok "another seed: different files"; fi

run "$PARANEO" synth --patients $N --seed 42 --out "$TMP/g" --pns-rate 0.01 --mimic-rate 0.01 --as-of 2026-06-30 --quiet --grouped
same=1
for f in $TYPES; do
    sort "$TMP/a/$f.ndjson" | sha256sum >"$TMP/x1"
    sort "$TMP/g/$f.ndjson" | sha256sum >"$TMP/x2"
    cmp -s "$TMP/x1" "$TMP/x2" || same=0
done
[ $same = 1 ] && ok "--grouped holds the same resources" || not_ok "--grouped holds the same resources"
# interleaved: consecutive Observations mostly belong to different patients;
# grouped: mostly to the same one
changes() { sed -n 's/.*"reference":"Patient\/\([^"]*\)".*/\1/p' "$1" | head -20000 | uniq | wc -l; }
ci=$(changes "$TMP/a/Observation.ndjson")
cg=$(changes "$TMP/g/Observation.ndjson")
if [ "$ci" -gt 15000 ] && [ "$cg" -lt 4000 ]; then ok "patients interleaved by default, grouped with --grouped ($ci vs $cg runs in 20000 lines)"
else not_ok "interleaving" "runs of one patient in 20000 lines: default $ci, grouped $cg"; fi

# ---- every line valid JSON, one resource type per file, manifest, truth ------
if command -v node >/dev/null 2>&1; then
    cat >"$TMP/check.js" <<'EOF'
"use strict";
const fs = require("fs");
const dir = process.argv[2], n = +process.argv[3], rp = +process.argv[4], rm = +process.argv[5];
const types = ["Patient", "Observation", "Condition", "MedicationStatement", "MedicationRequest", "Procedure"];
const out = [];
const say = (ok, name, detail) => out.push((ok ? "ok - " : "not ok - ") + name + (ok || !detail ? "" : "\n#   " + detail));
const counts = {}, ids = new Set(), patients = new Set();
let bad = null, wrongType = null, dupId = null, badRef = null;
for (const t of types) {
  const lines = fs.readFileSync(`${dir}/${t}.ndjson`, "utf8").split("\n");
  if (lines.pop() !== "") bad = bad || `${t}.ndjson: no final newline`;
  counts[t] = lines.length;
  lines.forEach((l, i) => {
    let r;
    try { r = JSON.parse(l); } catch (e) { bad = bad || `${t}.ndjson line ${i + 1}: ${e.message}`; return; }
    if (r.resourceType !== t) wrongType = wrongType || `${t}.ndjson line ${i + 1}: ${r.resourceType}`;
    const key = `${t}/${r.id}`;
    if (ids.has(key)) dupId = dupId || key;
    ids.add(key);
    if (t === "Patient") patients.add(r.id);
    else if (!r.subject || !/^Patient\/p\d{6,}$/.test(r.subject.reference)) badRef = badRef || `${key}: ${JSON.stringify(r.subject)}`;
  });
}
say(!bad, "every line of every file is valid JSON", bad);
say(!wrongType, "each file holds one resourceType", wrongType);
say(!dupId, "resource ids are unique", dupId);
say(!badRef, "every resource references a Patient", badRef);
say(counts.Patient === n && patients.size === n, `Patient.ndjson holds ${n} patients`, `${counts.Patient}`);
const obsPer = counts.Observation / n;
say(obsPer >= 15 && obsPer <= 45, `about 20-40 Observations per patient (${obsPer.toFixed(1)})`);
let m;
try { m = JSON.parse(fs.readFileSync(`${dir}/manifest.json`, "utf8")); } catch (e) { m = null; }
const mok = m && typeof m.transactionTime === "string" && typeof m.request === "string" &&
  m.requiresAccessToken === false && Array.isArray(m.error) && m.error.length === 0 &&
  Array.isArray(m.output) && m.output.length === 6 &&
  m.output.every((o) => types.includes(o.type) && o.url === `${o.type}.ndjson` && o.count === counts[o.type]);
say(mok, "manifest.json: Bulk Data manifest with every file and its count", JSON.stringify(m));
const truth = fs.readFileSync(`${dir}/truth.ndjson`, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const np = truth.filter((t) => t.kind === "pns").length, nm = truth.filter((t) => t.kind === "mimic").length;
const ep = Math.floor(rp * n), em = Math.floor(rm * n);
say(Math.abs(np - ep) <= 1 && Math.abs(nm - em) <= 1, `truth holds rate x N planted patients (${np} pns, ${nm} mimics; expected ${ep}, ${em})`);
const missing = truth.filter((t) => !patients.has(t.patient));
say(missing.length === 0, "every truth patient exists", missing.slice(0, 3).map((t) => t.patient).join(" "));
const tsv = fs.readFileSync("kb/contract-syndromes.tsv", "utf8").split("\n").slice(1).map((l) => l.split("\t")[0]);
const unknown = truth.filter((t) => !tsv.includes(t.syndrome) || typeof t.pattern !== "string" || !("tumour" in t));
say(unknown.length === 0, "truth lines name contract syndromes, a pattern and a tumour", JSON.stringify(unknown[0]));
console.log(out.join("\n"));
EOF
    node "$TMP/check.js" "$TMP/a" $N 0.01 0.01 >"$TMP/res" 2>&1
    [ -s "$TMP/res" ] || echo "not ok - JSON checks ran" >"$TMP/res"
else
    # jq fallback: parse every line separately, check types
    : >"$TMP/res"
    for f in $TYPES; do
        if jq -c -R 'fromjson | .resourceType' "$TMP/a/$f.ndjson" 2>/dev/null | sort -u | grep -qvx "\"$f\""; then
            echo "not ok - $f.ndjson holds one valid resource type per line" >>"$TMP/res"
        elif ! jq -R 'fromjson' "$TMP/a/$f.ndjson" >/dev/null 2>&1; then
            echo "not ok - $f.ndjson: every line valid JSON" >>"$TMP/res"
        else
            echo "ok - $f.ndjson: every line valid JSON of one resource type" >>"$TMP/res"
        fi
    done
fi
while IFS= read -r l; do
    case $l in
    "ok - "*) ok "${l#ok - }" ;;
    "not ok - "*) not_ok "${l#not ok - }" ;;
    "#"*) printf '%s\n' "$l" ;;
    esac
done <"$TMP/res"

# ---- planted patients: does the engine find them? -------------------------
# dated today so that evaluate (which reads NDJSON as of today) sees the
# export as fresh
run "$PARANEO" synth --patients 4000 --seed 5 --out "$TMP/r" --pns-rate 0.01 --mimic-rate 0.01 --as-of "$TODAY" --quiet
mkdir -p "$TMP/pp"
if command -v node >/dev/null 2>&1; then
    node -e '
const fs = require("fs"); const [dir, out, max] = process.argv.slice(1);
const truth = fs.readFileSync(dir + "/truth.ndjson", "utf8").split("\n").filter(Boolean).map(JSON.parse).slice(0, +max);
const want = new Map(truth.map((t) => [t.patient, []]));
for (const t of ["Patient", "Observation", "Condition", "MedicationStatement", "MedicationRequest", "Procedure"])
  for (const l of fs.readFileSync(`${dir}/${t}.ndjson`, "utf8").split("\n")) {
    const m = t === "Patient" ? /"id":"(p\d+)"/.exec(l) : /"reference":"Patient\/(p\d+)"/.exec(l);
    if (m && want.has(m[1])) want.get(m[1]).push(l);
  }
for (const t of truth) fs.writeFileSync(`${out}/${t.patient}.ndjson`, want.get(t.patient).join("\n") + "\n");
fs.writeFileSync(out + "/truth.json", JSON.stringify(truth));
' "$TMP/r" "$TMP/pp" 80
    "$PARANEO" evaluate --format json $(node -e 'for (const t of JSON.parse(require("fs").readFileSync(process.argv[1]))) console.log(process.argv[2] + "/" + t.patient + ".ndjson")' "$TMP/pp/truth.json" "$TMP/pp") >"$TMP/reports" 2>"$TMP/err"
    RC=$?
    node -e '
const fs = require("fs"); const truth = JSON.parse(fs.readFileSync(process.argv[1]));
const reps = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map(JSON.parse);
let top1 = 0, top3 = 0; const per = {};
truth.forEach((t, i) => {
  const ids = reps[i] ? reps[i].differential.map((d) => d.id) : [];
  const k = ids.indexOf(t.syndrome);
  const p = per[t.pattern] = per[t.pattern] || [0, 0];
  p[0]++;
  if (k === 0) top1++;
  if (k >= 0 && k < 3) { top3++; p[1]++; }
});
for (const [k, v] of Object.entries(per).sort()) console.log(`#   ${k}: ${v[1]}/${v[0]} in the top 3`);
console.log(`RESULT ${truth.length} ${top1} ${top3}`);
' "$TMP/pp/truth.json" "$TMP/reports" >"$TMP/recall"
    grep '^#' "$TMP/recall"
    set -- $(grep '^RESULT' "$TMP/recall")
    n=${2:-0}; t1=${3:-0}; t3=${4:-0}
    if [ $RC -eq 0 ] && [ "$n" -gt 0 ] && [ $((t3 * 100)) -ge $((n * 80)) ]; then
        ok "planted syndrome in the engine's top 3: $t3/$n (top 1: $t1/$n)"
    else
        not_ok "planted syndrome in the engine's top 3 for >= 80%" "top 3: $t3/$n, top 1: $t1/$n, evaluate exit $RC" "$(head -3 "$TMP/err")"
    fi
else
    not_ok "recall check needs node"
fi

# ---- bad arguments ---------------------------------------------------------
bad_args() {
    name=$1
    shift
    run "$PARANEO" synth "$@"
    if [ $RC -eq 2 ] && grep -q "paraneo: synth: " "$TMP/err" && [ ! -e "$TMP/never" ]; then ok "bad arguments: $name -> exit 2"
    else not_ok "bad arguments: $name -> exit 2" "exit $RC" "$(cat "$TMP/err")"; fi
}
bad_args "missing --out" --patients 10
bad_args "missing --patients" --out "$TMP/never"
bad_args "--patients 0" --patients 0 --out "$TMP/never"
bad_args "--patients -5" --patients -5 --out "$TMP/never"
bad_args "--patients 1e3" --patients 1e3 --out "$TMP/never"
bad_args "garbage seed" --patients 10 --seed abc --out "$TMP/never"
bad_args "negative seed" --patients 10 --seed -1 --out "$TMP/never"
bad_args "--pns-rate 2" --patients 10 --pns-rate 2 --out "$TMP/never"
bad_args "rates above 1 together" --patients 10 --pns-rate 0.6 --mimic-rate 0.6 --out "$TMP/never"
bad_args "bad --as-of" --patients 10 --as-of 2026-13-01 --out "$TMP/never"
bad_args "unknown option" --patients 10 --out "$TMP/never" --fast
bad_args "option without value" --patients 10 --out
run "$PARANEO" synth --help
[ $RC -eq 0 ] && grep -q -- "--grouped" "$TMP/out" && ok "synth --help" || not_ok "synth --help" "exit $RC"

# ---- write failure: a file-size limit stands in for a full disk ------------
mkdir -p "$TMP/full"
echo keep >"$TMP/full/Observation.ndjson"
(
    trap '' XFSZ
    ulimit -f 1024 2>/dev/null || exit 99
    exec "$PARANEO" synth --patients 2000 --out "$TMP/full" >"$TMP/out" 2>"$TMP/err"
)
RC=$?
if [ $RC -eq 99 ]; then
    ok "write failure # SKIP ulimit -f not available"
elif [ $RC -ne 0 ] && grep -q "cannot write" "$TMP/err" && ! ls -A "$TMP/full" | grep -q '^\.tmp-' &&
     [ "$(cat "$TMP/full/Observation.ndjson")" = keep ] && [ ! -e "$TMP/full/manifest.json" ]; then
    ok "write failure: clear error, non-zero exit, old export untouched, no temporary files ($(cat "$TMP/err"))"
else
    not_ok "write failure" "exit $RC" "$(cat "$TMP/err")" "$(ls -A "$TMP/full")"
fi
run "$PARANEO" synth --patients 10 --out /dev/null/x
[ $RC -eq 2 ] && grep -q "cannot create directory" "$TMP/err" && ok "unusable --out: clear error, exit 2" ||
    not_ok "unusable --out: clear error, exit 2" "exit $RC" "$(cat "$TMP/err")"
run "$PARANEO" synth --patients 10 --out "$TMP/a/manifest.json"
[ $RC -eq 2 ] && grep -q "is not a directory" "$TMP/err" && ok "--out naming a file: clear error, exit 2" ||
    not_ok "--out naming a file: clear error, exit 2" "exit $RC" "$(cat "$TMP/err")"

echo "synth: $passed passed, $failed failed"
[ $failed -eq 0 ]
