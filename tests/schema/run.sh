#!/bin/sh
# run.sh - every report paraneo writes for the examples and test cases, and
# every case file, validated against the contract's JSON Schemas with ajv.
#   PARANEO=build/paraneo tests/schema/run.sh
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
paraneo=${PARANEO:-$top/build/paraneo}
contract=$top/../shared/contract
npm_dir=$top/build/npm
if [ ! -d "$npm_dir/node_modules/ajv" ]; then
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
