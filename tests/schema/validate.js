// validate.js SCHEMA FILE... : validates each JSON (or NDJSON) file against a
// JSON Schema 2020-12 with ajv; prints one line per document, exits 1 on any
// failure.
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");

const [schemaPath, ...files] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, "utf8")));
let pass = 0, fail = 0;
for (const f of files) {
  const text = fs.readFileSync(f, "utf8");
  const docs = text.trim().startsWith("{") && !text.trim().includes("\n{") ? [text] : text.split("\n").filter((l) => l.trim());
  docs.forEach((d, i) => {
    const doc = JSON.parse(d);
    if (validate(doc)) pass++;
    else {
      fail++;
      console.log(`not ok - ${f}${docs.length > 1 ? ` line ${i + 1}` : ""}: ${ajv.errorsText(validate.errors)}`);
    }
  });
}
console.log(`schema ${schemaPath.split("/").pop()}: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
