// test.mjs - paraneo's web pages in headless Chromium (called by run.sh with the server's URL).
// Fills the clinician form with example 01 (partly through the controls, the rest through the
// JSON import), checks the report view, the problem display, the print style and the patient page.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const base = (process.argv[2] || '').replace(/\/$/, '');
const npmDir = process.env.BROWSER_NPM_DIR;
const outDir = process.env.OUT_DIR;
const examples = process.env.EXAMPLES;
const require = createRequire(path.join(npmDir, 'package.json'));
const { chromium } = require('playwright-core');

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok      ${name}`); }
  else { failed++; console.log(`FAILED  ${name}${detail !== undefined ? ': ' + detail : ''}`); }
  return ok;
}
async function step(name, fn) {
  try { await fn(); } catch (e) { check(name, false, e && e.message ? e.message.split('\n')[0] : String(e)); }
}

const example = JSON.parse(fs.readFileSync(path.join(examples, '01-sensory-neuronopathy.case.json'), 'utf8'));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
                                        args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const external = [], pageErrors = [];
// the pages must load nothing from elsewhere: refuse (and record) any other origin
await context.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(base + '/') || u === base) return route.continue();
  external.push(u);
  return route.abort();
});
const page = await context.newPage();
page.on('pageerror', (e) => pageErrors.push(e.message));
// a 400 answer is logged as "Failed to load resource": that one is expected
page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text()); });
page.setDefaultTimeout(10000);

/* ------------------------------------------------------------ clinician page */
await step('clinician page loads', async () => {
  const r = await page.goto(base + '/');
  check('GET / answers 200', r && r.status() === 200, r && r.status());
  await page.waitForFunction(() => document.querySelectorAll('#dl-terms option').length > 10);
  check('vocabulary fills the autocomplete lists',
        await page.evaluate(() => ['#dl-terms', '#dl-antibodies', '#dl-labs', '#dl-tumours', '#dl-syndromes']
          .every((s) => document.querySelectorAll(s + ' option').length > 0)));
});

await step('every form control has a label', async () => {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('#case-form input, #case-form select, #case-form textarea')]
    .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map((c) => c.id || c.outerHTML.slice(0, 60)));
  check('every form control has a label', unlabelled.length === 0, unlabelled.join(', '));
});

// the rest of example 01 goes in through the JSON import; what the controls enter is left out
const viaUi = { antibodyTarget: 'Hu', lab: '2951-2' };
await step('JSON import', async () => {
  const partial = JSON.parse(JSON.stringify(example));
  delete partial.id; delete partial.as_of; delete partial.patient;
  partial.findings = partial.findings.filter((f) => f.hpo !== 'HP:0003401' && f.hpo !== 'HP:0010871');
  partial.antibodies = partial.antibodies.filter((a) => !(a.target === 'Hu' && a.method === 'iif'));
  partial.labs = partial.labs.filter((l) => l.loinc !== '2951-2');
  await page.click('summary');
  await page.fill('#case-json', JSON.stringify(partial, null, 2));
  await page.click('#json-import');
  const counts = await page.evaluate(() => ['findings', 'antibodies', 'labs', 'medications', 'phenotypes']
    .map((k) => document.querySelectorAll('#' + k + '-rows > .row').length));
  check('import fills the rows', JSON.stringify(counts) === JSON.stringify(
    [partial.findings.length, partial.antibodies.length, partial.labs.length, partial.medications.length, partial.phenotypes.length]),
    JSON.stringify(counts));
});

await step('form filled through the controls', async () => {
  await page.fill('#case-id', example.id);
  await page.fill('#as-of', example.as_of);
  await page.fill('#age', String(example.patient.age_years));
  await page.selectOption('#sex', example.patient.sex);
  await page.selectOption('#smoking', example.patient.smoking);
  await page.fill('#pack-years', String(example.patient.pack_years));

  // findings: by label, and by a synonym that the vocabulary maps
  const addFinding = async (text, onset, course, severity) => {
    await page.click('[data-add="finding"]');
    const row = page.locator('#findings-rows > .row').last();
    await row.locator('[data-f="label"]').fill(text);
    if (onset) await row.locator('[data-f="onset"]').fill(onset);
    if (course) await row.locator('[data-f="course"]').selectOption(course);
    if (severity) await row.locator('[data-f="severity"]').selectOption(severity);
    return (await row.locator('[data-f="code"]').textContent()).trim();
  };
  check('finding by label resolves to its HPO id', await addFinding('Paresthesia', '2026-08-20', 'subacute', 'moderate') === 'HP:0003401');
  check('finding by synonym resolves to its HPO id', await addFinding('proprioceptive ataxia', '2026-09-15', 'subacute', 'severe') === 'HP:0010871');
  const sizeBefore = await page.locator('#findings-rows > .row').count();
  // a term of the knowledge base's own (PNX:...) is no HPO id: it must go out by its label
  const own = await page.evaluate(() => {
    const o = [...document.querySelectorAll('#dl-terms option')].find((x) => /^[A-Z]+:/.test(x.label) && !/^HP:/.test(x.label));
    return o ? o.value : null;
  });
  if (own) {
    await addFinding(own);
    await page.click('#json-export');
    const f = JSON.parse(await page.inputValue('#case-json')).findings.pop();
    check('a non-HPO vocabulary term is sent by label, without hpo', f.hpo === undefined && f.label === own, JSON.stringify(f));
    await page.locator('#findings-rows > .row').last().locator('.remove').click();
  }
  await addFinding('Tremor');
  await page.locator('#findings-rows > .row').last().locator('.remove').click();
  check('a finding row can be removed', await page.locator('#findings-rows > .row').count() === sizeBefore);
  // antibodies go out by the knowledge base's id whatever name is typed
  await page.click('[data-add="antibody"]');
  await page.locator('#antibodies-rows > .row').last().locator('[data-f="target"]').fill('ANNA-1');
  await page.click('#json-export');
  const ab1 = JSON.parse(await page.inputValue('#case-json')).antibodies.pop();
  check('an antibody synonym is sent as the knowledge-base id', ab1.target === 'Hu', JSON.stringify(ab1));
  await page.locator('#antibodies-rows > .row').last().locator('.remove').click();

  await page.click('[data-add="antibody"]');
  const ab = page.locator('#antibodies-rows > .row').last();
  await ab.locator('[data-f="target"]').fill(viaUi.antibodyTarget);
  await ab.locator('[data-f="result"]').selectOption('positive');
  await ab.locator('[data-f="specimen"]').selectOption('serum');
  await ab.locator('[data-f="method"]').selectOption('iif');
  await ab.locator('[data-f="titer"]').fill('1:3840');

  const labName = await page.evaluate((loinc) => {
    const o = [...document.querySelectorAll('#dl-labs option')].find((x) => (x.label || '').includes(loinc));
    return o ? o.value : null;
  }, viaUi.lab);
  check('the vocabulary knows sodium (LOINC 2951-2)', !!labName);
  await page.click('[data-add="lab"]');
  const lab = page.locator('#labs-rows > .row').last();
  await lab.locator('[data-f="name"]').fill(labName || 'sodium');
  const units = await lab.locator('[data-f="unit"] option').allTextContents();
  check('the unit list is that lab\'s units', units.includes('mmol/L'), units.join(', '));
  await lab.locator('[data-f="unit"]').selectOption('mmol/L');
  await lab.locator('[data-f="value"]').fill('137');
  await lab.locator('[data-f="date"]').fill('2026-10-28');

  // export: the form as case/1, with what the controls entered
  await page.click('#json-export');
  const doc = JSON.parse(await page.inputValue('#case-json'));
  const hpos = doc.findings.map((f) => f.hpo);
  check('export is case/1 with the entered findings, antibody and lab',
        doc.paraneo === 'case/1' && hpos.includes('HP:0003401') && hpos.includes('HP:0010871') &&
        doc.antibodies.some((a) => a.target === 'Hu' && a.method === 'iif' && a.titer === '1:3840') &&
        doc.labs.some((l) => l.loinc === '2951-2' && l.value === 137 && l.unit === 'mmol/L') &&
        doc.patient.age_years === 66 && doc.phenotypes[0] === 'sensory-neuronopathy',
        JSON.stringify(doc).slice(0, 300));
  check('export holds every finding of example 01', doc.findings.length === example.findings.length, doc.findings.length);
});

let storedId = '';
await step('evaluate and show the report', async () => {
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/evaluate') && r.request().method() === 'POST'),
    page.click('#evaluate'),
  ]);
  check('POST /v1/evaluate answers 200', resp.status() === 200, resp.status());
  check('the answer names a Location', /\/v1\/evaluations\/./.test(resp.headers()['location'] || ''), resp.headers()['location']);
  storedId = (resp.headers()['location'] || '').split('/').pop();
  await page.waitForSelector('#result:not([hidden]) .bar');
  const firstName = await page.locator('.bar .bar-name').first().textContent();
  check('differential shows Sensory neuronopathy first', /^Sensory neuronopathy/.test(firstName.trim()), firstName);
  const level = await page.locator('.pns-level').textContent().catch(() => '');
  check('PNS-Care level appears', /Level: (definite|probable|possible|non-pns)/.test(level), level);
  check('the result region is live', await page.getAttribute('#result', 'aria-live') === 'polite');
  check('triage appears', (await page.locator('.triage').count()) === 1 && /Triage:/.test(await page.locator('.triage-level').textContent()));
  check('criteria checklists appear', (await page.locator('.criterion .checklist li').count()) > 0);
  check('work-up with when appears', /now/.test(await page.locator('#h-workup + table').textContent().catch(() => '')));
  check('re-screening dates appear', /\d{4}-\d\d-\d\d/.test(await page.locator('#h-rescreen + dl').textContent().catch(() => '')));
  check('treatment steps appear in order', (await page.locator('ol.steps li').count()) > 0);
  const pubmed = await page.locator('a.src[href^="https://pubmed.ncbi.nlm.nih.gov/"]').count();
  check('sources are rendered as links', pubmed > 0, pubmed);
  const refIds = await page.evaluate(() => [...document.querySelectorAll('ol.refs > li')].length);
  check('every reference is listed', refIds > 0, refIds);
});

await step('evidence behind a bar', async () => {
  const bar = page.locator('.bar').first();
  await bar.click();
  check('clicking the first bar expands it', await bar.getAttribute('aria-expanded') === 'true');
  const ev = page.locator('#ev-0');
  await ev.waitFor({ state: 'visible' });
  const text = await ev.textContent();
  check('its evidence appears (antibody:Hu, LR, source, grade)', /antibody:Hu/.test(text) && /verified|provisional/.test(text) && /PMID:/.test(text), text.slice(0, 120));
  // keyboard: Tab reaches the bars, Enter and Space open them
  const second = page.locator('.bar').nth(1);
  await second.focus();
  await page.keyboard.press('Enter');
  check('Enter on a bar opens its evidence', await second.getAttribute('aria-expanded') === 'true' && await page.locator('#ev-1').isVisible());
  await page.keyboard.press('Space');
  check('Space on a bar closes it again', await second.getAttribute('aria-expanded') === 'false');
  // learn more: GET /v1/syndromes/{id}
  await page.locator('#ev-0 button.learn').click();
  await page.waitForFunction(() => { const a = document.querySelector('#ev-0 .about'); return a && a.querySelector('h4, p') && !/Loading/.test(a.textContent); });
  const about = await page.locator('#ev-0 .about').textContent();
  check('learn more shows the syndrome', /Sensory neuronopathy/i.test(about), about.slice(0, 120));
});

await step('screenshot of the result', async () => {
  await page.screenshot({ path: path.join(outDir, 'web-result.png'), fullPage: true });
  check('web-result.png written', fs.statSync(path.join(outDir, 'web-result.png')).size > 10000);
});

await step('a stored report opens from its link (?evaluation=ID, as in a CDS card)', async () => {
  const p2 = await context.newPage();
  await p2.goto(base + '/?evaluation=' + storedId);
  await p2.waitForSelector('#result:not([hidden]) .bar');
  const firstName = await p2.locator('.bar .bar-name').first().textContent();
  check('the stored report shows Sensory neuronopathy first', /^Sensory neuronopathy/.test(firstName.trim()), firstName);
  await p2.close();
});

await step('print style', async () => {
  await page.emulateMedia({ media: 'print' });
  check('print hides the form and keeps the result', !(await page.isVisible('#case-form')) && await page.isVisible('#result .chart'));
  await page.emulateMedia({ media: 'screen' });
});

await step('problem document next to the field', async () => {
  await page.selectOption('#smoking', 'never'); // pack-years with a never-smoker is refused
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/evaluate')),
    page.click('#evaluate'),
  ]);
  const prob = await resp.json().catch(() => ({}));
  check('a bad case answers 400 problem+json', resp.status() === 400 && /problem\+json/.test(resp.headers()['content-type'] || ''),
        resp.status() + ' ' + resp.headers()['content-type']);
  await page.waitForSelector('#problems:not([hidden])');
  check('the problem is shown at the top', /./.test(await page.locator('#problems h2').textContent()));
  const paths = (prob.errors || []).map((e) => e.path);
  if (paths.some((p) => /^\$\.patient(\.|$)/.test(p))) {
    const near = await page.evaluate(() => !!document.querySelector('#pack-years[aria-invalid="true"] ~ .field-error, #smoking[aria-invalid="true"] ~ .field-error'));
    check('the error is shown next to the field', near);
  } else {
    check('the problem names the field', /pack|smok/i.test(JSON.stringify(prob)), JSON.stringify(prob).slice(0, 200));
  }
  await page.selectOption('#smoking', 'current');
});

check('no request left for another site', external.length === 0, external.join(', '));

/* ------------------------------------------------------------ patient page */
await step('patient page', async () => {
  const r = await page.goto(base + '/patient');
  check('GET /patient answers 200', r && r.status() === 200, r && r.status());
  check('it says this is not a diagnosis', /not a diagnosis/i.test(await page.locator('.notice').first().textContent()));
  await page.getByLabel('Unsteady walking, poor balance or clumsy hands').check();
  await page.getByLabel('Numbness, tingling or "pins and needles"').check();
  await page.getByLabel(/^Severe:/).check();
  await page.getByLabel('Two weeks to a month').check();
  await page.getByLabel('Yes, my treatment ended in the last five years').check();
  await page.selectOption('#cancer-type', 'C34');
  await page.click('#check');
  await page.waitForSelector('#answer:not([hidden]) .advice');
  const level = (await page.locator('#answer .triage-level').textContent()).trim();
  const advice = (await page.locator('#answer .advice').textContent()).trim();
  check('triage advice appears', advice.length > 20, advice);
  check('the level is said in plain words', /^(Get help now|See a doctor|Make an appointment|Mention it|No visit)/.test(level), level);
  const reasons = await page.locator('#answer .triage li').allTextContents();
  check('the reasons are plain (no codes)', reasons.length > 0 && reasons.every((x) => !/HP:|PMID|GL:/.test(x)), reasons.join(' | '));
  check('the five-year rule is mentioned', /cancer/i.test(advice + reasons.join(' ')));
  check('standing advice: severe or two weeks', /two weeks/.test(await page.locator('#answer').textContent()));
  await page.screenshot({ path: path.join(outDir, 'patient.png'), fullPage: true });
  check('patient.png written', fs.statSync(path.join(outDir, 'patient.png')).size > 10000);
});

check('no script errors in the pages', pageErrors.length === 0, pageErrors.join(' | '));
check('still no request for another site', external.length === 0, external.join(', '));

await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
