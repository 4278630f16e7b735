// validate-fhir.js FILE... : validates each FHIR R4 resource (a Bundle
// validates all its entries) with the "fhir" package's validator, which
// checks every element against the R4 StructureDefinitions and value sets.
// Errors and warnings both fail.
"use strict";
const fs = require("fs");
const { Fhir } = require("fhir");

const fhir = new Fhir();
let pass = 0, fail = 0;
for (const f of process.argv.slice(2)) {
  const res = fhir.validate(JSON.parse(fs.readFileSync(f, "utf8")), {});
  const bad = res.messages.filter((m) => m.severity === "error" || m.severity === "warning");
  if (res.valid && bad.length === 0) pass++;
  else {
    fail++;
    for (const m of bad.slice(0, 5)) console.log(`not ok - ${f}: ${m.location}: ${m.severity}: ${m.message}`);
  }
}
console.log(`fhir-validate: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
