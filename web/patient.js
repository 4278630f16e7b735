/* patient.js - paraneo patient check: four plain questions become a minimal case/1, and only the
 * report's triage is shown, in plain words. Text is set with textContent, never innerHTML. */
'use strict';
(function () {
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };

  /* Plain words for a few HPO terms of the vocabulary (the ones a patient can notice). */
  var SYMPTOMS = [
    ['HP:0001251', 'Unsteady walking, poor balance or clumsy hands'],
    ['HP:0003401', 'Numbness, tingling or "pins and needles"'],
    ['HP:0001324', 'Weak muscles (for example, trouble climbing stairs or lifting your arms)'],
    ['HP:0000508', 'Drooping eyelids'],
    ['HP:0000651', 'Double vision'],
    ['HP:0000572', 'Losing your sight'],
    ['HP:0002015', 'Trouble swallowing'],
    ['HP:0001260', 'Slurred speech'],
    ['HP:0002354', 'Memory problems'],
    ['HP:0001289', 'Confusion'],
    ['HP:0001250', 'Fits (seizures)'],
    ['HP:0000708', 'Changes in mood or behaviour that others notice'],
    ['HP:0001824', 'Losing weight without trying'],
    ['HP:0012378', 'Feeling very tired all the time'],
    ['HP:0030166', 'Heavy sweating at night'],
    ['HP:0001959', 'Very thirsty all the time'],
    ['HP:0000988', 'A new skin rash'],
    ['HP:0004936', 'A painful, swollen leg']
  ];
  var CANCERS = [
    ['C34', 'Lung cancer', 'Lung'], ['C50', 'Breast cancer', 'Breast'], ['C18', 'Colorectal cancer', 'Bowel'],
    ['C61', 'Prostate cancer', 'Prostate'], ['C56', 'Ovarian cancer', 'Ovary'], ['C54', 'Uterine (endometrial) cancer', 'Womb'],
    ['C64', 'Renal cell carcinoma', 'Kidney'], ['C67', 'Bladder cancer', 'Bladder'], ['C25', 'Pancreatic cancer', 'Pancreas'],
    ['C16', 'Gastric cancer', 'Stomach'], ['C62', 'Testicular germ-cell tumour', 'Testicle'],
    ['C85', 'Lymphoma (type not stated)', 'Lymphoma (cancer of the lymph glands)'], ['C43', 'Melanoma', 'Melanoma (skin cancer)']
  ];
  var LEVEL = {
    emergency: 'Get help now',
    urgent: 'See a doctor within a day or two',
    soon: 'Make an appointment soon',
    routine: 'Mention it at your next check-up',
    none: 'No visit needed right now'
  };

  var plainFor = new Map();
  SYMPTOMS.forEach(function (s) { plainFor.set(s[0], s[1]); });
  var termLabel = new Map(); // HPO label -> plain words, to rewrite the reasons

  function iso(d) {
    var z = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + z(d.getMonth() + 1) + '-' + z(d.getDate());
  }
  function daysAgo(today, n) { var d = new Date(today); d.setDate(d.getDate() - n); return iso(d); }
  function checked(name) { var c = $('input[name="' + name + '"]:checked'); return c ? c.value : ''; }

  function buildSymptoms(known) {
    var box = $('#symptom-list');
    box.textContent = '';
    SYMPTOMS.forEach(function (s, i) {
      if (known && !known.has(s[0])) return;
      var id = 'sym-' + i;
      var input = document.createElement('input');
      input.type = 'checkbox'; input.id = id; input.name = 'symptom'; input.value = s[0];
      var label = document.createElement('label');
      label.htmlFor = id; label.textContent = s[1];
      var div = document.createElement('div');
      div.className = 'choice';
      div.appendChild(input); div.appendChild(label);
      box.appendChild(div);
    });
  }
  function buildCancers() {
    var sel = $('#cancer-type');
    CANCERS.forEach(function (c) {
      var o = document.createElement('option');
      o.value = c[0]; o.textContent = c[2];
      sel.appendChild(o);
    });
  }

  /* The minimal case/1: findings with onset from "how long", and cancer care as treatments
   * (the engine's five-year rule reads treatment end dates) plus the cancer when named. */
  function buildCase() {
    var today = new Date(), asOf = iso(today);
    var doc = { paraneo: 'case/1', id: 'patient-check', as_of: asOf, findings: [] };
    var sev = checked('severity'), dur = checked('duration');
    $$('input[name="symptom"]:checked').forEach(function (c) {
      var f = { hpo: c.value, label: plainFor.get(c.value), present: true };
      if (dur) f.onset = daysAgo(today, Number(dur));
      if (sev) f.severity = sev;
      doc.findings.push(f);
    });
    var can = checked('cancer'), type = $('#cancer-type').value;
    var hit = CANCERS.filter(function (c) { return c[0] === type; })[0];
    if (can === 'now' || can === 'recent' || can === 'old') {
      var end = can === 'now' ? null : daysAgo(today, can === 'recent' ? 365 : 6 * 366);
      doc.treatments = [{ kind: 'cancer treatment', end: end }];
      if (hit) doc.cancers = [{ icd10: hit[0], name: hit[1], status: can === 'now' ? 'active' : can === 'recent' ? 'remission' : 'history' }];
    }
    return doc;
  }

  /* The engine's reasons are written for clinicians; say the same in plain words. */
  function plainReason(r) {
    var m;
    if ((m = /^severe symptom: (.*)$/.exec(r))) return 'You said a symptom is severe' + (termLabel.get(m[1]) ? ': ' + termLabel.get(m[1]).toLowerCase() : '') + '.';
    if ((m = /^(\d+) symptoms? or signs? recorded/.exec(r))) return 'You told us about ' + (m[1] === '1' ? 'one symptom' : m[1] + ' symptoms') + '.';
    if ((m = /^symptoms have lasted (\d+) days or more/.exec(r))) return 'Your symptoms have lasted ' + (m[1] === '14' ? 'two weeks' : m[1] + ' days') + ' or more.';
    if (/^cancer care in the last/.test(r)) return 'You were treated for cancer in the last five years, and you have new symptoms.';
    if (/^a condition that needs assessment is likely/.test(r)) return 'Your symptoms together should be looked at by a doctor.';
    if (/^neurological symptoms that progress/.test(r)) return 'Problems with the nerves or brain that get worse over days or weeks need a quick check.';
    if (/^abnormal test result/.test(r)) return 'A test result is outside the normal range.';
    return r.replace(/\s*\([^()]*(PMID|DOI|GL:|PMC)[^()]*\)/g, '');
  }

  function showProblem(text) {
    var box = $('#patient-problems');
    box.textContent = text;
    box.hidden = false;
    box.focus();
  }

  function show(t) {
    var body = $('#answer-body');
    body.textContent = '';
    var card = document.createElement('div');
    card.className = 'triage level-' + t.level;
    var h = document.createElement('p');
    h.className = 'triage-level';
    var strong = document.createElement('strong');
    strong.textContent = LEVEL[t.level] || t.level;
    h.appendChild(strong);
    card.appendChild(h);
    var adv = document.createElement('p');
    adv.className = 'advice';
    adv.textContent = t.advice || '';
    card.appendChild(adv);
    var reasons = (t.reasons || []).map(plainReason).filter(function (r, i, a) { return r && a.indexOf(r) === i; });
    if (reasons.length) {
      var why = document.createElement('p');
      why.textContent = 'Why we say this:';
      card.appendChild(why);
      var ul = document.createElement('ul');
      reasons.forEach(function (r) { var li = document.createElement('li'); li.textContent = r; ul.appendChild(li); });
      card.appendChild(ul);
    }
    body.appendChild(card);
    $('#answer').hidden = false;
    $('#answer-title').focus();
  }

  function submit(ev) {
    ev.preventDefault();
    $('#patient-problems').hidden = true;
    var doc = buildCase();
    if (!doc.findings.length && !checked('cancer')) {
      showProblem('Please tick at least one symptom, or answer question 4.');
      return;
    }
    var btn = $('#check');
    btn.disabled = true;
    fetch('/v1/evaluate', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(doc) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (x) {
        if (x.ok && x.j && x.j.triage) show(x.j.triage);
        else showProblem('Sorry, the check did not work (' + ((x.j && (x.j.detail || x.j.title)) || 'no answer') + '). If you are worried, contact your doctor.');
      })
      .catch(function () { showProblem('Sorry, the check could not be done right now. If you are worried, contact your doctor.'); })
      .then(function () { btn.disabled = false; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    buildSymptoms(null);
    buildCancers();
    $$('input[name="cancer"]').forEach(function (r) {
      r.addEventListener('change', function () {
        var v = checked('cancer');
        $('#cancer-type-box').hidden = !(v === 'now' || v === 'recent' || v === 'old');
      });
    });
    $('#patient-form').addEventListener('submit', submit);
    /* keep only symptoms the knowledge base knows, and learn its labels to rewrite reasons */
    fetch('/v1/vocabulary').then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
      if (!v || !Array.isArray(v.terms)) return;
      var known = new Set();
      v.terms.forEach(function (t) { known.add(t.id); if (plainFor.has(t.id)) termLabel.set(t.label, plainFor.get(t.id)); });
      var ticked = $$('input[name="symptom"]:checked').map(function (c) { return c.value; });
      if (SYMPTOMS.some(function (s) { return known.has(s[0]); })) {
        buildSymptoms(known);
        ticked.forEach(function (id) { var c = $('input[name="symptom"][value="' + id + '"]'); if (c) c.checked = true; });
      }
    }).catch(function () { /* the static list still works */ });
  });
})();
