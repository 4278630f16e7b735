#!/bin/sh
# tests/cli/run.sh - black-box tests of the paraneo command line.
#
# Run from the top of the repository:   PARANEO=build/paraneo tests/cli/run.sh
# (or `make cli-test`).  Needs only sh, coreutils and jq.  Every check prints
# "ok - NAME" or "not ok - NAME" followed by "#" lines with what differed; the
# last line is "cli: N passed, M failed" and the exit status is 1 if M > 0.
# Everything runs against the small fixture KB tests/fixtures/kb-min.
#
# Adding a bad-input case:
#   1. write tests/bad/NNN-short-name.json (.txt if it is not JSON at all): a
#      valid case with exactly one thing wrong, small;
#   2. run  build/paraneo --kb tests/fixtures/kb-min case check tests/bad/FILE
#      from the top of the repository and read the message: it must name the
#      field and its JSON path and say plainly what is wrong (if it does not,
#      or the input is accepted, report a parser bug instead of recording it);
#   3. append one line to tests/bad/expected.tsv:
#      FILE<TAB>EXIT-STATUS<TAB>the exact single line printed on stderr
#      e.g. printf '%s\t2\t%s\n' FILE "$(build/paraneo --kb tests/fixtures/kb-min \
#               case check tests/bad/FILE 2>&1 >/dev/null)" >> tests/bad/expected.tsv
# Every file in tests/bad must have exactly one line there, and no line may
# name a missing file.  Inputs too big to commit are made below in a temp dir.

set -u

PARANEO=${PARANEO:-build/paraneo}
case $PARANEO in
*/*) case $PARANEO in /*) ;; *) PARANEO=$(pwd)/$PARANEO ;; esac ;;
esac
top=$(dirname "$0")/../..
cd "$top" || exit 1
KB=tests/fixtures/kb-min
TAB=$(printf '\t')

TMP=$(mktemp -d "${TMPDIR:-/tmp}/paraneo-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

passed=0
failed=0

ok() {
    passed=$((passed + 1))
    printf 'ok - %s\n' "$1"
}

# not_ok NAME [DETAIL-LINE...]
not_ok() {
    failed=$((failed + 1))
    printf 'not ok - %s\n' "$1"
    shift
    for l in "$@"; do
        printf '%s\n' "$l" | sed 's/^/#   /'
    done
}

# run CMD ARGS...: stdout to $TMP/out, stderr to $TMP/err, status to $RC.
run() {
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    RC=$?
}

# run_in FILE CMD ARGS...: the same with standard input from FILE.
run_in() {
    _in=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err" <"$_in"
    RC=$?
}

# expect NAME EXIT STDERR: the last run exited EXIT and wrote exactly STDERR
# (one or more lines, no trailing newline in the argument) on standard error.
# A failing run (EXIT != 0) must write nothing on standard output.
expect() {
    _name=$1 _rc=$2 _want=$3
    _got=$(cat "$TMP/err")
    _lines=$(wc -l <"$TMP/err")
    _wantlines=0
    [ -z "$_want" ] || _wantlines=$(printf '%s\n' "$_want" | wc -l)
    _outbytes=$(wc -c <"$TMP/out")
    if [ "$RC" != "$_rc" ]; then
        not_ok "$_name" "exit status: want $_rc, got $RC" "stderr: $_got"
    elif [ "$_got" != "$_want" ] || [ "$_lines" != "$_wantlines" ]; then
        not_ok "$_name" "stderr want: $_want" "stderr got:  $_got"
    elif [ "$_rc" != 0 ] && [ "$_outbytes" != 0 ]; then
        not_ok "$_name" "failed run wrote $_outbytes bytes on stdout:" "$(head -c 300 "$TMP/out")"
    else
        ok "$_name"
    fi
}

# expect_rc NAME EXIT [TEXT]: the last run exited EXIT, and when TEXT is
# given, standard output contains it.
expect_rc() {
    _name=$1 _rc=$2
    if [ "$RC" != "$_rc" ]; then
        not_ok "$_name" "exit status: want $_rc, got $RC" "stderr: $(head -c 500 "$TMP/err")"
        return
    fi
    if [ $# -ge 3 ]; then
        case $(cat "$TMP/out") in
        *"$3"*) ;;
        *)
            not_ok "$_name" "stdout does not contain: $3" "stdout: $(head -c 500 "$TMP/out")"
            return
            ;;
        esac
    fi
    ok "$_name"
}

# jq_eq NAME FILE EXPR JSON: jq EXPR on FILE gives JSON (compared compactly).
jq_eq() {
    _name=$1 _file=$2 _expr=$3
    _want=$(printf '%s' "$4" | jq -c .)
    _got=$(jq -c "$_expr" "$_file" 2>&1)
    if [ "$_got" = "$_want" ]; then
        ok "$_name"
    else
        not_ok "$_name" "jq '$_expr': want $_want, got $_got"
    fi
}

# ---- 1. the bad-input corpus ------------------------------------------------

if [ ! -x "$PARANEO" ] && ! command -v "$PARANEO" >/dev/null 2>&1; then
    not_ok "paraneo binary $PARANEO exists" "build it first: make"
    printf 'cli: %d passed, %d failed\n' "$passed" "$failed"
    exit 1
fi

cut -f1 tests/bad/expected.tsv | sort >"$TMP/listed"
ls tests/bad | sort >"$TMP/present.all"
: >"$TMP/present"
while read -r f; do
    [ "$f" = expected.tsv ] || printf '%s\n' "$f" >>"$TMP/present"
done <"$TMP/present.all"
missing=$(comm -13 "$TMP/listed" "$TMP/present")
stale=$(comm -23 "$TMP/listed" "$TMP/present")
dups=$(uniq -d "$TMP/listed")
if [ -z "$missing$stale$dups" ]; then
    ok "tests/bad: every file has exactly one line in expected.tsv"
else
    not_ok "tests/bad: every file has exactly one line in expected.tsv" \
        "files without a line: $missing" "lines without a file: $stale" "duplicate lines: $dups"
fi

while IFS=$TAB read -r file rc msg; do
    [ -n "$file" ] || continue
    if [ ! -f "tests/bad/$file" ]; then
        continue # reported above
    fi
    run "$PARANEO" --kb "$KB" case check "tests/bad/$file"
    expect "bad input tests/bad/$file" "$rc" "$msg"
done <tests/bad/expected.tsv

# the same defect read from standard input names <stdin>
run_in tests/bad/016-missing-paraneo.json "$PARANEO" --kb "$KB" case check -
expect "bad input from stdin names <stdin>" 2 \
    'paraneo: <stdin>: $: missing "paraneo": "case/1" (the document type)'

run "$PARANEO" --kb "$KB" case check "$TMP/no-such-file.json"
expect "case check of a missing file" 2 \
    "paraneo: $TMP/no-such-file.json: cannot open: No such file or directory"

# ---- 2. inputs made at test time (too big to commit) -------------------------

big="$TMP/big-label.json"
{
    printf '{"paraneo": "case/1", "as_of": "2026-03-01", "findings": [{"label": "'
    head -c 10485760 /dev/zero | tr '\0' a
    printf '"}]}\n'
} >"$big"
n=$(wc -c <"$big")
run "$PARANEO" --kb "$KB" case check "$big"
expect "10 MB label: case too large" 2 \
    "paraneo: $big: \$: case of $n bytes is larger than the limit of 4194304 bytes"

spaces="$TMP/spaces.json"
head -c 5242880 /dev/zero | tr '\0' ' ' >"$spaces"
run "$PARANEO" --kb "$KB" case check "$spaces"
expect "5 MB of spaces: case too large" 2 \
    "paraneo: $spaces: \$: case of 5242880 bytes is larger than the limit of 4194304 bytes"

run_in "$spaces" "$PARANEO" --kb "$KB" case check -
expect "5 MB of spaces on stdin: case too large" 2 \
    'paraneo: <stdin>: $: case of 5242880 bytes is larger than the limit of 4194304 bytes'

# exactly at the 4 MiB limit is accepted, one byte more is not
edge="$TMP/edge.json"
head='{"paraneo": "case/1", "as_of": "2026-03-01"}'
{
    printf '%s' "$head"
    head -c $((4194304 - ${#head})) /dev/zero | tr '\0' ' '
} >"$edge"
run "$PARANEO" --kb "$KB" case check "$edge"
expect_rc "case of exactly 4194304 bytes is accepted" 0 '"as_of": "2026-03-01"'
printf ' ' >>"$edge"
run "$PARANEO" --kb "$KB" case check "$edge"
expect "case of 4194305 bytes is refused" 2 \
    "paraneo: $edge: \$: case of 4194305 bytes is larger than the limit of 4194304 bytes"

long="$TMP/long-id.json"
{
    printf '{"paraneo": "case/1", "as_of": "2026-03-01", "id": "'
    head -c 65537 /dev/zero | tr '\0' x
    printf '"}\n'
} >"$long"
run "$PARANEO" --kb "$KB" case check "$long"
expect "string over 64 KiB refused" 2 \
    "paraneo: $long: \$.id: string of 65537 bytes is longer than the limit of 65536"

many="$TMP/many-phenotypes.json"
jq -n '{paraneo: "case/1", as_of: "2026-03-01", phenotypes: [range(10001) | "siadh"]}' >"$many"
run "$PARANEO" --kb "$KB" case check "$many"
expect "array over 10000 entries refused" 2 \
    "paraneo: $many: \$.phenotypes: 10001 entries is more than the limit of 10000"

# ---- 3. help, version, unknown commands ---------------------------------------

run "$PARANEO" --version
expect_rc "--version" 0 "paraneo "
run "$PARANEO" --kb "$KB" --version
expect_rc "--kb DIR --version names the KB version" 0 "knowledge base test.1 (sha256:"
run "$PARANEO" --help
expect_rc "--help" 0 "usage: paraneo"
run "$PARANEO" kb --help
expect_rc "kb --help" 0 "kb check"
run "$PARANEO" case --help
expect_rc "case --help" 0 "case check"
run "$PARANEO" frobnicate
if [ "$RC" = 2 ] && [ "$(head -n 1 "$TMP/err")" = 'paraneo: unknown command "frobnicate"' ]; then
    ok "unknown command exits 2"
else
    not_ok "unknown command exits 2" "exit $RC" "stderr: $(head -n 1 "$TMP/err")"
fi
run "$PARANEO"
expect_rc "no command exits 2" 2
run "$PARANEO" --frobnicate
expect_rc "unknown option exits 2" 2

# ---- 4. the knowledge base ------------------------------------------------------

run "$PARANEO" --kb "$KB" kb check
expect_rc "kb check of the fixture" 0 "knowledge base OK: version test.1"

# broken_kb NAME JQ-FILTER: a copy of the fixture with kb.json passed through jq.
broken_kb() {
    mkdir -p "$TMP/kb-$1"
    cp "$KB/contract-syndromes.tsv" "$TMP/kb-$1/"
    jq "$2" "$KB/kb.json" >"$TMP/kb-$1/kb.json"
}

# kb_refused NAME MESSAGE: kb check of $TMP/kb-NAME exits 2 with these lines.
kb_refused() {
    run "$PARANEO" --kb "$TMP/kb-$1" kb check
    expect "kb check refuses: $1" 2 "paraneo: the knowledge base in $TMP/kb-$1 is not usable
$2"
}

broken_kb duplicate-id '.syndromes += [.syndromes[0]]'
kb_refused duplicate-id \
    'paraneo: kb.json: $.syndromes[2]: duplicate id "siadh": already defined in kb.json at $.syndromes[0]'

broken_kb dangling-antibody \
    '.syndromes[0].evidence += [{"antibody": "Zz", "lr_pos": 2, "src": "PMID:1", "grade": "provisional"}]'
kb_refused dangling-antibody \
    'paraneo: kb.json: $.syndromes[0].evidence[3].antibody: unknown antibodies id "Zz" (define it in a "antibodies" section)'

broken_kb fact-without-src 'del(.terms[1].src)'
kb_refused fact-without-src 'paraneo: kb.json: $.terms[1]: missing required field "src"'

broken_kb contract-syndrome-removed 'del(.syndromes[] | select(.id == "drug-induced-hyponatremia"))'
kb_refused contract-syndrome-removed \
    'paraneo: contract-syndromes.tsv: $: line 3: contract syndrome "drug-induced-hyponatremia" has no entry in the KB: add it to a "syndromes" section'

broken_kb loinc-check-digit '.labs[0].loinc = ["2951-3"]'
kb_refused loinc-check-digit \
    'paraneo: kb.json: $.labs[0].loinc[0]: "2951-3" is not a valid LOINC code (pattern nnnnn-n with the mod-10 check digit)'

broken_kb snomed-verhoeff '.syndromes[0].codes.snomed[0].code = "55004004"'
kb_refused snomed-verhoeff \
    'paraneo: kb.json: $.syndromes[0].codes.snomed[0]: "55004004" is not a SNOMED CT id (6-18 digits, Verhoeff check digit)'

broken_kb icd10cm-no-dot '.syndromes[0].codes.icd10cm[0].code = "E222"'
kb_refused icd10cm-no-dot \
    'paraneo: kb.json: $.syndromes[0].codes.icd10cm[0]: "E222" is not an ICD-10-CM code (e.g. G13.0)'

broken_kb hpo-short '.terms[1].hpo = "HP:12345"'
kb_refused hpo-short \
    'paraneo: kb.json: $.terms[1]: term id "HP:12345" must be HP:nnnnnnn (7 digits) or PNX:<slug>'

broken_kb unknown-section '.frobs = []'
kb_refused unknown-section \
    'paraneo: kb.json: $.frobs: unknown section "frobs" (known: kb, sources, terms, tumours, drugs, labs, antibodies, syndromes, criteria, workup, rescreening, mappings, pns_care, triage)'

mkdir -p "$TMP/kb-invalid-json"
cp "$KB/contract-syndromes.tsv" "$TMP/kb-invalid-json/"
sed '1s/,$/,,/' "$KB/kb.json" >"$TMP/kb-invalid-json/kb.json"
kb_refused invalid-json \
    "paraneo: kb.json: \$: not valid JSON at line 1, column 18: string or '}' expected near ','"

run "$PARANEO" --kb "$KB" kb list
expect_rc "kb list shows siadh" 0 "siadh"
expect_rc "kb list shows drug-induced-hyponatremia" 0 "drug-induced-hyponatremia"
run "$PARANEO" --kb "$KB" kb show siadh
expect_rc "kb show siadh" 0 "SIADH  (siadh)"
run "$PARANEO" --kb "$KB" kb show siadh --json
expect_rc "kb show siadh --json exits 0" 0
if jq . "$TMP/out" >/dev/null 2>&1; then
    ok "kb show siadh --json | jq ."
    jq_eq "kb show siadh --json: id, kind, system" "$TMP/out" '[.id, .kind, .system]' \
        '["siadh", "paraneoplastic", "endocrine"]'
else
    not_ok "kb show siadh --json | jq ." "$(head -c 300 "$TMP/out")"
fi
run "$PARANEO" --kb "$KB" kb stats
expect_rc "kb stats" 0 "knowledge base test.1"
run "$PARANEO" --kb "$KB" kb stats --json
if [ "$RC" = 0 ] && jq -e 'type == "object"' "$TMP/out" >/dev/null 2>&1; then
    ok "kb stats --json is a JSON object"
else
    not_ok "kb stats --json is a JSON object" "exit $RC" "$(head -c 300 "$TMP/out")"
fi
run "$PARANEO" --kb "$KB" kb show nope
expect "kb show nope" 2 'paraneo: no syndrome or mimic with id "nope" (see paraneo kb list)'

# PARANEO_KB names the KB when --kb is not given; --kb wins over it
run env PARANEO_KB="$KB" "$PARANEO" kb check
expect_rc "PARANEO_KB is honoured" 0 "version test.1"
run env PARANEO_KB="$TMP/kb-duplicate-id" "$PARANEO" kb check
expect_rc "PARANEO_KB naming a broken KB fails" 2
run env PARANEO_KB="$TMP/kb-duplicate-id" "$PARANEO" --kb "$KB" kb check
expect_rc "--kb wins over PARANEO_KB" 0 "version test.1"
printf '{"paraneo": "case/1", "as_of": "2026-03-01", "antibodies": [{"target": "ANNA-1", "result": "positive"}]}\n' \
    >"$TMP/anna1.json"
run env PARANEO_KB="$KB" "$PARANEO" case check "$TMP/anna1.json"
expect_rc "case check with PARANEO_KB maps ANNA-1" 0 '"antibody": "Hu"'

# ---- 5. case check of valid cases -------------------------------------------------

printf '{"paraneo": "case/1", "as_of": "2026-03-01"}\n' >"$TMP/empty-case.json"
run_in "$TMP/empty-case.json" "$PARANEO" --kb "$KB" case check -
expect "case check - (empty valid case on stdin)" 0 ""
jq_eq "stdin case: normalised header" "$TMP/out" '[.paraneo, .as_of, .as_of_given, .warnings]' \
    '["case/1", "2026-03-01", true, []]'

printf '{"paraneo": "case/1"}\n' >"$TMP/no-date.json"
run_in "$TMP/no-date.json" "$PARANEO" --kb "$KB" case check -
today=$(date +%Y-%m-%d)
expect "case without as_of: warning on stderr" 0 \
    "paraneo: warning: \$.as_of: not given; durations are counted to today ($today)"

run "$PARANEO" --kb "$KB" case check tests/cli/valid.case.json
expect "case check tests/cli/valid.case.json" 0 ""
cp "$TMP/out" "$TMP/valid.out"
V=$TMP/valid.out
jq_eq "valid: id and as_of echoed" "$V" '[.id, .as_of]' '["cli-valid", "2026-03-01"]'
jq_eq "valid: antibody synonym ANNA-1 -> Hu" "$V" '.antibodies[0] | [.target, .antibody]' \
    '["ANNA-1", "Hu"]'
jq_eq "valid: sodium mEq/L -> mmol/L" "$V" \
    '.labs[0] | [.lab, .value, .unit, .canonical_value, .canonical_unit]' \
    '["sodium", 122, "mEq/L", 122, "mmol/L"]'
jq_eq "valid: calcium 13.4 mg/dL -> 3.3433 mmol/L" "$V" \
    '.labs[1] | [.lab, (.canonical_value * 10000 | round), .canonical_unit]' \
    '["calcium", 33433, "mmol/L"]'
jq_eq "valid: label-only finding mapped to a PNX term" "$V" \
    '.findings[0] | [.hpo, .mapped_from_label, .term]' \
    '["PNX:absent-snaps", true, "Absent sensory nerve action potentials"]'
jq_eq "valid: course derived from onset (50 days: subacute)" "$V" \
    '.findings[1] | [.course, .course_derived]' '["subacute", true]'
jq_eq "valid: course derived from onset (9 days: acute)" "$V" \
    '.findings[2] | [.course, .course_derived]' '["acute", true]'
jq_eq "valid: a term that maps to another counts as it" "$V" '.findings[2].counts_as' '"HP:0001251"'
jq_eq "valid: present false kept" "$V" '.findings[3].present' 'false'
jq_eq "valid: thiazide medication gets class thiazide" "$V" '.medications[0].classes' '["thiazide"]'
jq_eq "valid: chemotherapy treatment class" "$V" '.treatments[0].classes' '["chemotherapy"]'
jq_eq "valid: cancer mapped to a tumour" "$V" '.cancers[0].tumour' '"sclc"'
jq_eq "valid: patient normalised" "$V" '.patient' \
    '{"age_years": 71, "sex": "male", "smoking": "former", "pack_years": 30}'
jq_eq "valid: no warnings" "$V" '.warnings' '[]'

printf '%s\n' '{"paraneo": "case/1", "as_of": "2026-03-01", "mood": "fine",' \
    ' "labs": [{"name": "sodium", "value": 130, "unit": "g/L"}]}' >"$TMP/warn.json"
run "$PARANEO" --kb "$KB" case check "$TMP/warn.json"
expect "warnings for an unknown field and an unknown unit" 0 \
    'paraneo: warning: $.mood: unknown field ignored
paraneo: warning: $.labs[0].unit: cannot convert "g/L" for lab "sodium" (known units: mmol/L, mEq/L); the value is not used rather than guessed'
jq_eq "warnings are also in the output" "$TMP/out" '.warnings | length' '2'

printf 'cli: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
