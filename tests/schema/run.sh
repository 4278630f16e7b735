#!/bin/sh
# run.sh - every report paraneo writes for the examples and test cases, and
# every case file, validated against the contract's JSON Schemas with ajv;
# every FHIR output validated against the FHIR R4 structure definitions.
#   PARANEO=build/paraneo tests/schema/run.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
paraneo=${PARANEO:-$top/build/paraneo}
contract=$top/../shared/contract
npm_dir=$top/build/npm
if [ ! -d "$npm_dir/node_modules/ajv" ] || [ ! -d "$npm_dir/node_modules/fhir" ]; then
    mkdir -p "$npm_dir"
    cp "$top/tests/schema/package.json" "$npm_dir/"
    (cd "$npm_dir" && npm install --silent --no-audit --no-fund >/dev/null)
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$paraneo" evaluate --format json "$top"/../shared/examples/*.case.json "$top"/tests/cases/*.case.json > "$out/reports.ndjson"
"$paraneo" evaluate --format json "$top"/../shared/examples/01-sensory-neuronopathy.fhir.json > "$out/fhir-report.json"
NODE_PATH="$npm_dir/node_modules" node "$top/tests/schema/validate.js" "$contract/report.schema.json" "$out/reports.ndjson" "$out/fhir-report.json"
NODE_PATH="$npm_dir/node_modules" node "$top/tests/schema/validate.js" "$contract/case.schema.json" "$top"/tests/cases/*.case.json "$top"/tests/cli/valid.case.json
# every FHIR report paraneo writes, against the R4 structure definitions
mkdir -p "$out/fhir"
for c in "$top"/../shared/examples/*.case.json "$top"/../shared/examples/*.fhir.json "$top"/tests/cases/*.case.json; do
    "$paraneo" evaluate --format fhir "$c" > "$out/fhir/$(basename "$c").out.json"
done
NODE_PATH="$npm_dir/node_modules" node "$top/tests/schema/validate-fhir.js" "$out"/fhir/*.out.json
