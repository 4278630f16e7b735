// mock-fhir.mjs - a FHIR server stand-in for the CDS Hooks tests: serves one
// patient's resources from a Bundle file, as read and search answers, and
// records the Authorization headers it receives.
//   node mock-fhir.mjs BUNDLE.json PORT_FILE AUTH_FILE
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';

const [bundleFile, portFile, authFile] = process.argv.slice(2);
const resources = JSON.parse(readFileSync(bundleFile, 'utf8')).entry.map((e) => e.resource);
const send = (res, status, doc) => {
  res.writeHead(status, { 'Content-Type': 'application/fhir+json' });
  res.end(JSON.stringify(doc));
};
const server = createServer((req, res) => {
  appendFileSync(authFile, `${req.headers.authorization || '-'}\n`);
  const url = new URL(req.url, 'http://localhost');
  const parts = url.pathname.replace(/^\/fhir\/?/, '').split('/');
  if (parts.length === 2) {
    const r = resources.find((x) => x.resourceType === parts[0]);
    return r ? send(res, 200, r) : send(res, 404, { resourceType: 'OperationOutcome' });
  }
  const type = parts[0];
  const entry = resources.filter((x) => x.resourceType === type).map((resource) => ({ resource }));
  send(res, 200, { resourceType: 'Bundle', type: 'searchset', total: entry.length, entry });
});
server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String(server.address().port)));
