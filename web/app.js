/* app.js - paraneo clinician page: the case form, case/1 import/export, and the report view.
 * Plain DOM, no framework, nothing loaded from elsewhere. Text from the server is always set
 * with textContent (never innerHTML): reports echo what the user typed. */
'use strict';
(function () {
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  /* el('p', {class: 'x'}, 'text', child...) - attributes starting with "on" are listeners. */
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
        else if (k === 'text') e.textContent = v;
        else e.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function append(e, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(e, k); }); return; }
    e.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  var norm = function (s) { return String(s || '').trim().toLowerCase(); };
  var fmt = function (x, d) {
    if (typeof x !== 'number' || !isFinite(x)) return x === undefined || x === null ? '' : String(x);
    return String(Math.round(x * Math.pow(10, d)) / Math.pow(10, d));
  };

  /* ---------------------------------------------------------------- vocabulary */
  var idx = { term: new Map(), antibody: new Map(), lab: new Map(), tumour: new Map(), syndrome: new Map(),
              syndromeById: new Map() };

  function addOpt(list, value, label) {
    var o = document.createElement('option');
    o.value = value;
    if (label) o.label = label;
    list.appendChild(o);
  }
  function first(x) { return Array.isArray(x) ? x[0] : x; }

  function loadVocabulary() {
    return fetch('/v1/vocabulary', { headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (v) {
        var dl = $('#dl-terms');
        (v.terms || []).forEach(function (t) {
          addOpt(dl, t.label, t.id);
          idx.term.set(norm(t.label), t); idx.term.set(norm(t.id), t);
          (t.synonyms || []).forEach(function (s) {
            addOpt(dl, s, t.label + ' (' + t.id + ')');
            if (!idx.term.has(norm(s))) idx.term.set(norm(s), t);
          });
        });
        dl = $('#dl-antibodies');
        (v.antibodies || []).forEach(function (a) {
          addOpt(dl, a.id, a.name);
          [a.id, a.name].concat(a.synonyms || []).forEach(function (s) { if (!idx.antibody.has(norm(s))) idx.antibody.set(norm(s), a); });
          (a.synonyms || []).forEach(function (s) { if (norm(s) !== norm(a.id)) addOpt(dl, s, '= ' + a.name); });
        });
        dl = $('#dl-labs');
        (v.labs || []).forEach(function (l) {
          var loinc = first(l.loinc);
          addOpt(dl, l.name, [loinc ? 'LOINC ' + loinc : '', l.unit].filter(Boolean).join(' · '));
          [l.id, l.name].concat(Array.isArray(l.loinc) ? l.loinc : [l.loinc]).forEach(function (s) {
            if (s && !idx.lab.has(norm(s))) idx.lab.set(norm(s), l);
          });
        });
        dl = $('#dl-tumours');
        (v.tumours || []).forEach(function (t) {
          addOpt(dl, t.name, 'ICD-10 ' + (t.icd10 || []).join(', '));
          [t.id, t.name].forEach(function (s) { if (!idx.tumour.has(norm(s))) idx.tumour.set(norm(s), t); });
        });
        dl = $('#dl-syndromes');
        (v.syndromes || []).forEach(function (s) {
          addOpt(dl, s.name, s.id + ' · ' + (s.kind || ''));
          idx.syndrome.set(norm(s.name), s); idx.syndrome.set(norm(s.id), s); idx.syndromeById.set(s.id, s);
        });
        $$('.row').forEach(resolveRow);
      })
      .catch(function (e) {
        setStatus('#form-status', 'The vocabulary could not be loaded (' + e.message + '): type terms and codes by hand.');
      });
  }

  /* ---------------------------------------------------------------- form rows */
  var uid = 0;
  var kinds = { finding: 'findings', phenotype: 'phenotypes', antibody: 'antibodies', lab: 'labs',
                cancer: 'cancers', medication: 'medications', treatment: 'treatments' };
  var kindName = { finding: 'Finding', phenotype: 'Syndrome', antibody: 'Antibody', lab: 'Lab result',
                   cancer: 'Cancer', medication: 'Medication', treatment: 'Treatment' };

  function field(row, f) { return $('[data-f="' + f + '"]', row); }

  function renumber(kind) {
    $$('#' + kinds[kind] + '-rows > .row').forEach(function (r, i) {
      r.setAttribute('aria-label', kindName[kind] + ' ' + (i + 1));
      var rm = $('.remove', r);
      rm.setAttribute('aria-label', 'Remove ' + kindName[kind].toLowerCase() + ' ' + (i + 1));
    });
  }

  function addRow(kind, data) {
    var row = $('#tpl-' + kind).content.firstElementChild.cloneNode(true);
    row.setAttribute('role', 'group');
    $$('p', row).forEach(function (p) {
      var lab = $('label', p), ctl = $('input, select', p);
      if (lab && ctl) { ctl.id = 'f' + (++uid); lab.htmlFor = ctl.id; }
    });
    var code = field(row, 'code');
    if (code) { code.id = 'f' + (++uid); field(row, kind === 'finding' ? 'label' : kind === 'phenotype' ? 'syndrome' : 'name').setAttribute('aria-describedby', code.id); }
    $('.remove', row).addEventListener('click', function () {
      var next = row.nextElementSibling || row.previousElementSibling;
      var container = row.parentNode;
      row.remove();
      renumber(kind);
      (next ? $('input, select', next) : $('[data-add="' + kind + '"]')).focus();
      if (!container.children.length) container.classList.add('empty');
    });
    var key = field(row, kind === 'finding' ? 'label' : kind === 'phenotype' ? 'syndrome' : kind === 'antibody' ? 'target' : 'name');
    key.addEventListener('input', function () {
      delete row.dataset.code; // typed text replaces an imported code
      resolveRow(row);
    });
    fillRow(kind, row, data || {});
    var box = $('#' + kinds[kind] + '-rows');
    box.appendChild(row);
    box.classList.remove('empty');
    renumber(kind);
    return row;
  }

  function setSelect(sel, value) {
    if (value === undefined || value === null) return;
    value = String(value);
    if (!$$('option', sel).some(function (o) { return o.value === value; })) sel.appendChild(el('option', { value: value }, value));
    sel.value = value;
  }
  function setVal(row, f, v) {
    var c = field(row, f);
    if (!c || v === undefined || v === null) return;
    if (c.tagName === 'SELECT') setSelect(c, v); else c.value = String(v);
  }

  function fillRow(kind, row, d) {
    switch (kind) {
    case 'finding':
      var t = d.hpo ? idx.term.get(norm(d.hpo)) : null;
      setVal(row, 'label', d.label || (t ? t.label : d.hpo || ''));
      if (d.hpo) row.dataset.code = d.hpo;
      setVal(row, 'present', d.present === false ? 'false' : 'true');
      ['onset', 'course', 'severity'].forEach(function (f) { setVal(row, f, d[f]); });
      break;
    case 'phenotype':
      var s = idx.syndromeById.get(d.id);
      setVal(row, 'syndrome', s ? s.name : d.id);
      if (d.id) row.dataset.code = d.id;
      break;
    case 'antibody':
      ['target', 'result', 'specimen', 'method'].forEach(function (f) { setVal(row, f, d[f]); });
      setVal(row, 'titer', d.titer !== undefined ? d.titer : d.titre);
      break;
    case 'lab':
      var l = d.loinc ? idx.lab.get(norm(d.loinc)) : null;
      setVal(row, 'name', d.name || (l ? l.name : d.loinc || ''));
      if (d.loinc) row.dataset.code = d.loinc;
      resolveRow(row);
      setVal(row, 'value', d.value);
      setVal(row, 'unit', d.unit);
      setVal(row, 'date', d.date);
      break;
    case 'cancer':
      setVal(row, 'name', d.name || d.icd10 || '');
      if (d.icd10) row.dataset.code = d.icd10;
      ['diagnosed', 'status', 'antigen_expression'].forEach(function (f) { setVal(row, f, d[f]); });
      break;
    case 'medication':
      ['name', 'atc', 'start', 'end'].forEach(function (f) { setVal(row, f, d[f]); });
      break;
    case 'treatment':
      ['kind', 'name', 'start', 'end'].forEach(function (f) { setVal(row, f, d[f]); });
      break;
    }
    resolveRow(row);
  }

  /* Map the typed name to the vocabulary: the code shown next to the field is what is sent. */
  function resolveRow(row) {
    var kind = row.dataset.kind, code = field(row, 'code'), hit;
    switch (kind) {
    case 'finding':
      hit = idx.term.get(norm(field(row, 'label').value));
      row.dataset.resolved = row.dataset.code || (hit ? hit.id : '');
      break;
    case 'phenotype':
      hit = idx.syndrome.get(norm(field(row, 'syndrome').value));
      row.dataset.resolved = row.dataset.code || (hit ? hit.id : '');
      break;
    case 'lab':
      hit = idx.lab.get(norm(field(row, 'name').value)) || (row.dataset.code ? idx.lab.get(norm(row.dataset.code)) : null);
      row.dataset.resolved = row.dataset.code || (hit ? first(hit.loinc) || '' : '');
      var sel = field(row, 'unit'), keep = sel.value, seen = new Set();
      if (hit && row.dataset.lab !== hit.id) {
        row.dataset.lab = hit.id;
        sel.textContent = '';
        [hit.unit].concat(hit.units || []).forEach(function (u) {
          if (!u || seen.has(norm(u))) return;
          seen.add(norm(u));
          sel.appendChild(el('option', { value: u }, u));
        });
        if (keep && seen.has(norm(keep))) setSelect(sel, keep);
      }
      break;
    case 'cancer':
      hit = idx.tumour.get(norm(field(row, 'name').value));
      row.dataset.resolved = row.dataset.code || (hit ? (hit.icd10 || [])[0] || '' : '');
      break;
    default:
      return;
    }
    if (code) code.textContent = row.dataset.resolved || (field(row, kind === 'finding' ? 'label' : kind === 'phenotype' ? 'syndrome' : 'name').value.trim() ? 'not in the vocabulary' : '');
  }

  /* ---------------------------------------------------------------- case/1 <-> form */
  var KNOWN = ['paraneo', 'id', 'as_of', 'patient', 'findings', 'phenotypes', 'antibodies', 'labs', 'cancers',
               'tumor_screening', 'medications', 'treatments'];
  var extras = {}; // imported top-level fields the form has no control for: sent back unchanged

  /* Returns {doc, where}: where maps each JSON path the form produced to the control it came from,
   * so that a problem document's errors[].path can point at the field. */
  function collect() {
    var doc = { paraneo: 'case/1' }, where = new Map();
    var put = function (obj, key, v, path, ctl) {
      if (v === '' || v === null || v === undefined) return;
      obj[key] = v; where.set(path, ctl);
    };
    var num = function (ctl) { return ctl.value === '' ? (ctl.validity && ctl.validity.badInput ? ctl.value : '') : Number(ctl.value); };
    put(doc, 'id', $('#case-id').value.trim(), '$.id', $('#case-id'));
    put(doc, 'as_of', $('#as-of').value, '$.as_of', $('#as-of'));
    var p = {};
    put(p, 'age_years', num($('#age')), '$.patient.age_years', $('#age'));
    put(p, 'sex', $('#sex').value, '$.patient.sex', $('#sex'));
    put(p, 'smoking', $('#smoking').value, '$.patient.smoking', $('#smoking'));
    put(p, 'pack_years', num($('#pack-years')), '$.patient.pack_years', $('#pack-years'));
    if (Object.keys(p).length) { doc.patient = p; where.set('$.patient', $('#age')); }

    Object.keys(kinds).forEach(function (kind) {
      var arr = [], name = kinds[kind];
      $$('#' + name + '-rows > .row').forEach(function (row) {
        var i = arr.length, base = '$.' + name + '[' + i + ']', o = {};
        var f = function (k, ctlName, v) { var c = field(row, ctlName); put(o, k, v !== undefined ? v : c.value.trim(), base + '.' + k, c); };
        switch (kind) {
        case 'finding':
          var label = field(row, 'label'), rid = row.dataset.resolved || '';
          /* HPO ids go in hpo; the knowledge base's own terms (PNX:...) by their label */
          put(o, 'hpo', /^HP:\d{7}$/.test(rid) ? rid : '', base + '.hpo', label);
          f('label', 'label', !o.hpo && rid && idx.term.has(norm(rid)) ? idx.term.get(norm(rid)).label : undefined);
          if (!o.hpo && !o.label) return;
          o.present = field(row, 'present').value === 'true'; where.set(base + '.present', field(row, 'present'));
          f('onset', 'onset'); f('course', 'course'); f('severity', 'severity');
          break;
        case 'phenotype':
          var sv = row.dataset.resolved || field(row, 'syndrome').value.trim();
          if (!sv) return;
          arr.push(sv); where.set(base, field(row, 'syndrome'));
          return;
        case 'antibody':
          /* the knowledge base's id ("Hu"), which the engine knows, for any of its names */
          var ab = idx.antibody.get(norm(field(row, 'target').value));
          f('target', 'target', ab ? ab.id : undefined);
          if (!o.target) return;
          f('result', 'result'); f('specimen', 'specimen'); f('method', 'method'); f('titer', 'titer');
          break;
        case 'lab':
          put(o, 'loinc', row.dataset.resolved, base + '.loinc', field(row, 'name'));
          f('name', 'name');
          if (!o.loinc && !o.name && field(row, 'value').value === '') return;
          f('value', 'value', num(field(row, 'value'))); f('unit', 'unit'); f('date', 'date');
          break;
        case 'cancer':
          put(o, 'icd10', row.dataset.resolved, base + '.icd10', field(row, 'name'));
          f('name', 'name');
          if (!o.icd10 && !o.name) return;
          f('diagnosed', 'diagnosed'); f('status', 'status'); f('antigen_expression', 'antigen_expression');
          break;
        case 'medication':
          f('name', 'name'); f('atc', 'atc');
          if (!o.name && !o.atc) return;
          f('start', 'start'); f('end', 'end');
          break;
        case 'treatment':
          f('kind', 'kind'); f('name', 'name');
          if (!o.kind && !o.name) return;
          f('start', 'start'); f('end', 'end');
          break;
        }
        arr.push(o);
        where.set(base, $('input, select', row));
      });
      if (arr.length) { doc[name] = arr; where.set('$.' + name, $('#' + name + '-rows > .row input') || $('[data-add="' + kind + '"]')); }
    });
    var ts = {};
    put(ts, 'result', $('#screen-result').value, '$.tumor_screening.result', $('#screen-result'));
    put(ts, 'first_negative', $('#screen-first').value, '$.tumor_screening.first_negative', $('#screen-first'));
    put(ts, 'last', $('#screen-last').value, '$.tumor_screening.last', $('#screen-last'));
    if (Object.keys(ts).length) { doc.tumor_screening = ts; where.set('$.tumor_screening', $('#screen-result')); }
    Object.keys(extras).forEach(function (k) { if (!(k in doc)) doc[k] = extras[k]; });
    return { doc: doc, where: where };
  }

  function clearForm() {
    $$('#case-form > fieldset input, #case-form > fieldset select').forEach(function (c) { c.value = ''; });
    $$('#case-form .rows').forEach(function (b) { b.textContent = ''; b.classList.add('empty'); });
    extras = {};
    clearProblems();
  }

  function fillForm(doc) {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the JSON is not an object');
    clearForm();
    var p = doc.patient || {};
    var set = function (sel, v) { if (v !== undefined && v !== null) { var c = $(sel); if (c.tagName === 'SELECT') setSelect(c, v); else c.value = String(v); } };
    set('#case-id', doc.id); set('#as-of', doc.as_of);
    set('#age', p.age_years); set('#sex', p.sex); set('#smoking', p.smoking); set('#pack-years', p.pack_years);
    var ts = doc.tumor_screening || {};
    set('#screen-result', ts.result); set('#screen-first', ts.first_negative); set('#screen-last', ts.last);
    Object.keys(kinds).forEach(function (kind) {
      var a = doc[kinds[kind]];
      if (!Array.isArray(a)) return;
      a.forEach(function (d) { addRow(kind, kind === 'phenotype' ? { id: d } : (d && typeof d === 'object' ? d : {})); });
    });
    Object.keys(doc).forEach(function (k) { if (KNOWN.indexOf(k) < 0) extras[k] = doc[k]; });
  }

  function setStatus(sel, text) { $(sel).textContent = text; }

  /* ---------------------------------------------------------------- problems (RFC 9457) */
  function clearProblems() {
    var box = $('#problems');
    box.hidden = true; box.textContent = '';
    $$('.field-error').forEach(function (e) { e.remove(); });
    $$('[aria-invalid]').forEach(function (c) {
      c.removeAttribute('aria-invalid');
      var d = (c.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x.indexOf('err-') !== 0; });
      if (d.length) c.setAttribute('aria-describedby', d.join(' ')); else c.removeAttribute('aria-describedby');
    });
  }

  /* The nearest control for a JSON path: $.labs[0].unit, else $.labs[0], else $.labs. */
  function controlFor(path, where) {
    var p = String(path || '');
    while (p && p !== '$') {
      if (where.has(p)) return where.get(p);
      var cut = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
      if (cut === p) break;
      p = cut;
    }
    return null;
  }

  function showProblem(prob, where) {
    clearProblems();
    var box = $('#problems');
    var errors = Array.isArray(prob.errors) ? prob.errors : [];
    var list = el('ul');
    errors.forEach(function (er, i) {
      var ctl = null, at = Infinity, msgText = String(er.message || '');
      /* "$.patient: pack_years 40 contradicts ..." names a field inside the path: point at the
       * first one the message names */
      where.forEach(function (c, k) {
        var key = k.slice(String(er.path).length + 1), pos = msgText.indexOf(key);
        if (er.path && k.indexOf(er.path + '.') === 0 && key.indexOf('.') < 0 && pos >= 0 && pos < at) { ctl = c; at = pos; }
      });
      ctl = ctl || controlFor(er.path, where);
      var msg = (er.path ? er.path + ': ' : '') + (er.message || '');
      if (ctl) {
        var id = 'err-' + i;
        var note = el('span', { class: 'field-error', id: id }, er.message || 'invalid');
        ctl.setAttribute('aria-invalid', 'true');
        ctl.setAttribute('aria-describedby', ((ctl.getAttribute('aria-describedby') || '') + ' ' + id).trim());
        ctl.parentNode.appendChild(note);
        list.appendChild(el('li', null, el('a', { href: '#' + ctl.id, onclick: function (ev) { ev.preventDefault(); ctl.focus(); } }, msg)));
      } else {
        list.appendChild(el('li', null, msg));
      }
    });
    box.appendChild(el('h2', null, prob.title || 'The case could not be evaluated'));
    if (prob.detail && !(errors.length === 1 && prob.detail.indexOf(errors[0].message) >= 0 && controlFor(errors[0].path, where)))
      box.appendChild(el('p', null, prob.detail));
    if (errors.length) box.appendChild(list);
    if (prob.status) box.appendChild(el('p', { class: 'hint' }, 'HTTP ' + prob.status + (prob.instance ? ' · ' + prob.instance : '')));
    box.hidden = false;
    var firstBad = $('[aria-invalid="true"]');
    box.focus();
    if (firstBad) firstBad.scrollIntoView({ block: 'center' });
  }

  /* ---------------------------------------------------------------- sources */
  var refs = new Map();
  function sourceUrl(id) {
    var r = refs.get(id), m;
    if ((m = /^PMID:\s*(\d+)$/i.exec(id))) return 'https://pubmed.ncbi.nlm.nih.gov/' + m[1] + '/';
    if ((m = /^DOI:\s*(\S+)$/i.exec(id))) return 'https://doi.org/' + m[1];
    if ((m = /^PMC:\s*(PMC\d+)$/i.exec(id))) return 'https://pmc.ncbi.nlm.nih.gov/articles/' + m[1] + '/';
    if (r && r.url && /^https?:\/\//.test(r.url)) return r.url;
    return null;
  }
  function sources(str) {
    if (!str) return '';
    var ids = Array.isArray(str) ? str : String(str).split(/;\s*/);
    var out = [];
    ids.filter(Boolean).forEach(function (id, i) {
      id = id.trim();
      var url = sourceUrl(id), r = refs.get(id);
      var title = r && r.citation ? r.citation : null;
      if (i) out.push('; ');
      out.push(url ? el('a', { class: 'src', href: url, rel: 'noopener noreferrer', target: '_blank', title: title }, id)
                   : el('span', { class: 'src', title: title }, id));
    });
    return el('span', { class: 'sources' }, out);
  }

  /* ---------------------------------------------------------------- report view */
  var LEVEL_TEXT = { emergency: 'Emergency', urgent: 'Urgent', soon: 'Soon', routine: 'Routine', none: 'No action needed' };
  var MET_TEXT = function (m) { return m === true ? 'met' : m === false ? 'not met' : 'unknown'; };
  var MET_ICON = function (m) { return m === true ? '✓' : m === false ? '✗' : '?'; };

  function section(title, id, kids) {
    return el('section', { class: 'block', 'aria-labelledby': id }, el('h3', { id: id }, title), kids);
  }
  function table(caption, heads, rows, cls) {
    return el('table', { class: cls || null },
      caption ? el('caption', null, caption) : null,
      el('thead', null, el('tr', null, heads.map(function (h) { return el('th', { scope: 'col' }, h); }))),
      el('tbody', null, rows));
  }

  function renderTriage(t) {
    if (!t) return null;
    return el('div', { class: 'triage level-' + t.level },
      el('p', { class: 'triage-level' }, 'Triage: ', el('strong', null, LEVEL_TEXT[t.level] || t.level)),
      el('p', null, t.advice || ''),
      (t.reasons && t.reasons.length) ? el('ul', null, t.reasons.map(function (r) { return el('li', null, r); })) : null,
      t.source ? el('p', { class: 'hint' }, 'Source: ', sources(t.source)) : null);
  }

  function renderEvidence(d, i) {
    var rows = (d.evidence || []).map(function (e) {
      var effect = e.effect === 'for' ? '▲ for' : e.effect === 'against' ? '▼ against' : '– neutral';
      return el('tr', { class: 'effect-' + (e.effect || 'neutral') },
        el('td', null, el('code', null, e.item)),
        el('td', { class: 'effect' }, effect),
        el('td', { class: 'num' }, fmt(e.lr, 3)),
        el('td', { class: 'num' }, fmt(e.weight, 2)),
        el('td', null, e.detail || '', e.explained_by ? el('span', { class: 'hint' }, ' (explained by ' + e.explained_by + ')') : null,
          e.basis ? el('span', { class: 'basis' }, e.basis) : null),
        el('td', null, sources(e.source)),
        el('td', null, el('span', { class: 'grade grade-' + e.grade }, e.grade || '')));
    });
    var codes = d.codes ? Object.keys(d.codes).map(function (k) { return k + ' ' + d.codes[k]; }).join(' · ') : '';
    var about = el('div', { class: 'about', hidden: true });
    return el('div', { class: 'evidence', id: 'ev-' + i, role: 'region', 'aria-label': 'Evidence for ' + d.name, hidden: true },
      rows.length ? table('Evidence for ' + d.name, ['Item', 'Effect', 'LR', 'Weight', 'Detail', 'Source', 'Grade'], rows, 'ev-table')
                  : el('p', null, 'No evidence items.'),
      el('p', { class: 'hint' },
        d.prior ? ['Prior ', fmt(d.prior.value, 6), d.prior.basis ? ' (' + d.prior.basis + ')' : '', ' ', sources(d.prior.source), '. '] : null,
        d.evidence_ratio !== undefined ? 'Evidence ratio ' + fmt(d.evidence_ratio, 2) + '. ' : null,
        codes ? 'Codes: ' + codes + '. ' : null,
        d.concurrent_with && d.concurrent_with.length ? 'May coexist with: ' + d.concurrent_with.join(', ') + '.' : null),
      el('p', null, el('button', { type: 'button', class: 'learn', onclick: function (ev) { learnMore(d.id, about, ev.currentTarget); } }, 'Learn more about ' + d.name)),
      about);
  }

  function learnMore(id, box, btn) {
    if (!box.hidden) { box.hidden = true; btn.setAttribute('aria-expanded', 'false'); return; }
    box.textContent = 'Loading…'; box.hidden = false; btn.setAttribute('aria-expanded', 'true');
    fetch('/v1/syndromes/' + encodeURIComponent(id), { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.detail || j.title || 'HTTP ' + r.status); return j; }); })
      .then(function (s) {
        box.textContent = '';
        (s.references || []).forEach(function (r) { if (r.id && !refs.has(r.id)) refs.set(r.id, r); });
        append(box, [
          el('h4', null, s.name || id),
          s.plain ? el('p', null, s.plain) : null,
          s.definition && s.definition.text ? el('p', null, el('strong', null, 'Definition: '), s.definition.text, ' ', sources(s.definition.src)) : null,
          Array.isArray(s.tumours) && s.tumours.length ? el('p', null, el('strong', null, 'Associated tumours: '),
            s.tumours.map(function (t) { return t.tumour + (typeof t.share === 'number' ? ' (' + Math.round(t.share * 100) + '%)' : ''); }).join(', ')) : null,
          Array.isArray(s.treatment) && s.treatment.length ? el('ol', null, s.treatment.map(function (t) {
            return el('li', null, t.kind ? el('em', null, t.kind + ': ') : null, t.text || '', ' ', sources(t.src));
          })) : null,
          Array.isArray(s.references) && s.references.length ? el('details', null, el('summary', null, s.references.length + ' sources'),
            el('ul', null, s.references.map(function (r) { return el('li', null, sources(r.id), ' ', r.citation || ''); }))) : null
        ]);
      })
      .catch(function (e) { box.textContent = 'Could not load this syndrome: ' + e.message; });
  }

  function renderDifferential(diff) {
    if (!diff || !diff.length) return el('p', null, 'No syndrome or mimic has real support from the data given.');
    var list = el('ol', { class: 'chart', 'aria-label': 'Differential, best first; score from 0 to 1' });
    diff.forEach(function (d, i) {
      var pct = Math.max(0, Math.min(1, Number(d.score) || 0)) * 100;
      var fill = el('span', { class: 'bar-fill' });
      fill.style.width = pct + '%';
      var ev = renderEvidence(d, i);
      var btn = el('button', { type: 'button', class: 'bar kind-' + (d.kind || 'other'), id: 'bar-' + i, 'aria-expanded': 'false',
                               'aria-controls': 'ev-' + i },
        el('span', { class: 'bar-name' }, d.name,
          d.kind ? el('span', { class: 'badge badge-' + d.kind }, d.kind) : null,
          d.named_by_clinician ? el('span', { class: 'badge' }, 'named') : null),
        el('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        el('span', { class: 'bar-score' }, (Number(d.score) || 0).toFixed(2), el('span', { class: 'sr' }, ' of 1. Show evidence.')));
      btn.addEventListener('click', function () {
        var open = btn.getAttribute('aria-expanded') === 'true';
        btn.setAttribute('aria-expanded', open ? 'false' : 'true');
        ev.hidden = open;
      });
      list.appendChild(el('li', null, btn, ev));
    });
    return [el('p', { class: 'hint screen-only' }, 'Select a bar (click, or Enter / Space) to see its evidence.'), list];
  }

  function renderPnsCare(p) {
    if (!p) return null;
    if (!p.applicable) return el('p', null, 'PNS-Care does not apply: ' + (p.reason || 'no reason given') + '.');
    var ph = p.phenotype || {}, ab = p.antibody || {}, ca = p.cancer || {};
    var row = function (part, what, pts, src) {
      return el('tr', null, el('th', { scope: 'row' }, part), el('td', null, what), el('td', { class: 'num' }, pts), el('td', null, sources(src)));
    };
    return [
      table(null, ['Part', 'Case', 'Points', 'Source'], [
        row('Clinical phenotype', [ph.name || ph.id || 'none', ph.risk ? ' (' + ph.risk + ' risk)' : '', ph.named_by_clinician ? ', named by the clinician' : ''], fmt(ph.points, 0), ph.source),
        row('Antibody', [ab.target || 'none', ab.risk ? ' (' + ab.risk + ' risk)' : '', typeof ab.cancer_pct === 'number' ? ', cancer in ' + ab.cancer_pct + '%' : ''], fmt(ab.points, 0), ab.source),
        row('Cancer', [ca.state || '', typeof ca.follow_up_months === 'number' ? ', follow-up ' + fmt(ca.follow_up_months, 1) + ' months' : ''], fmt(ca.points, 0), ca.source),
        el('tr', { class: 'total' }, el('th', { scope: 'row' }, 'Total'), el('td', null, el('strong', { class: 'pns-level' }, 'Level: ' + (p.level || ''))),
          el('td', { class: 'num' }, el('strong', null, fmt(p.score, 0))), el('td', null, ''))
      ], 'pns'),
      p.notes && p.notes.length ? el('ul', { class: 'notes' }, p.notes.map(function (n) { return el('li', null, n); })) : null
    ];
  }

  function renderCriteria(cs) {
    if (!cs || !cs.length) return el('p', null, 'No formal criteria set is touched by this case.');
    return cs.map(function (c) {
      return el('article', { class: 'criterion met-' + MET_TEXT(c.met).replace(' ', '-') },
        el('h4', null, c.name || c.id, ' ', el('span', { class: 'badge status' }, MET_TEXT(c.met))),
        c.score !== undefined ? el('p', null, 'Score ' + fmt(c.score, 1) + (c.score_max_possible !== undefined ? ' (at most ' + fmt(c.score_max_possible, 1) + ' with the missing items)' : ''),
          c.band ? ['. ', c.band, ' ', sources(c.band_source)] : null) : null,
        c.items && c.items.length ? el('ul', { class: 'checklist' }, c.items.map(function (it) {
          return el('li', { class: 'item-' + MET_TEXT(it.met).replace(' ', '-') },
            el('span', { class: 'mark', 'aria-hidden': 'true' }, MET_ICON(it.met)),
            el('span', { class: 'sr' }, MET_TEXT(it.met) + ': '),
            it.text || it.id, it.value !== undefined ? el('span', { class: 'hint' }, ' (' + fmt(it.value, 3) + (it.unit ? ' ' + it.unit : '') + ')') : null);
        })) : null,
        c.missing && c.missing.length ? el('p', { class: 'missing' }, el('strong', null, 'To measure: '), c.missing.join('; ')) : null,
        el('p', { class: 'hint' }, 'Source: ', sources(c.source), c.grade ? ' · ' + c.grade : ''));
    });
  }

  function renderCancers(cs) {
    if (!cs || !cs.length) return el('p', null, 'No cancer to look for from this case.');
    return table(null, ['Cancer', 'ICD-10', 'Score', 'Why'], cs.map(function (c) {
      return el('tr', null, el('td', null, c.name), el('td', null, c.icd10 || ''), el('td', { class: 'num' }, fmt(c.score, 2)),
        el('td', null, c.why && c.why.length ? el('ul', null, c.why.map(function (w) { return el('li', null, w); })) : ''));
    }));
  }

  function renderWorkup(ws) {
    if (!ws || !ws.length) return el('p', null, 'No test suggested.');
    return table(null, ['Test', 'Why', 'When', 'Then', 'Source'], ws.map(function (w) {
      return el('tr', null, el('td', null, el('strong', null, w.test)), el('td', null, w.why || ''), el('td', null, w.when || ''),
        el('td', null, w.then || ''), el('td', null, sources(w.source), w.grade ? el('span', { class: 'grade grade-' + w.grade }, ' ' + w.grade) : null));
    }));
  }

  function renderRescreening(r) {
    if (!r) return el('p', null, 'No repeat screening schedule applies.');
    var dl = el('dl', { class: 'facts' });
    var add = function (k, v) { if (v !== undefined && v !== null && v !== '') append(dl, [el('dt', null, k), el('dd', null, v)]); };
    add('Next screen', r.next_latest ? r.next + ' (at the latest ' + r.next_latest + ')' : r.next);
    add('First after', Array.isArray(r.first_after_months) ? r.first_after_months.join(' to ') + ' months' : r.first_after_months);
    add('Then every', r.interval_months !== undefined ? r.interval_months + ' months' : undefined);
    add('Counting from', r.from);
    add('Until', r.until);
    add('Source', sources(r.source));
    return dl;
  }

  function renderTreatment(ts) {
    if (!ts || !ts.length) return el('p', null, 'No treatment step.');
    var names = new Map();
    (lastReport.differential || []).forEach(function (d) { names.set(d.id, d.name); });
    return el('ol', { class: 'steps' }, ts.map(function (t) {
      return el('li', { value: t.step || null },
        el('span', { class: 'step-kind' }, [t.kind, names.get(t.syndrome) || t.syndrome].filter(Boolean).join(' · ')),
        el('span', null, t.text), ' ', sources(t.source));
    }));
  }

  var lastReport = {};
  function renderReport(rep, location) {
    lastReport = rep;
    refs = new Map();
    (rep.references || []).forEach(function (r) { refs.set(r.id, r); });
    var body = $('#result-body');
    body.textContent = '';
    var top = rep.differential && rep.differential[0];
    append(body, [
      el('p', { class: 'meta' },
        rep.case_id ? ['Case ', el('strong', null, rep.case_id), ' · '] : null,
        rep.as_of ? 'as of ' + rep.as_of + ' · ' : null,
        rep.knowledge_base ? 'knowledge base ' + rep.knowledge_base.version : null,
        location ? [' · ', el('a', { href: location }, 'stored report')] : null,
        ' ', el('button', { type: 'button', class: 'print', onclick: function () { window.print(); } }, 'Print')),
      top ? el('p', { class: 'headline' }, 'Best fit: ', el('strong', null, top.name), ' (score ' + (Number(top.score) || 0).toFixed(2) + ')',
        rep.pns_care && rep.pns_care.applicable ? [' · PNS-Care ', el('strong', null, rep.pns_care.level), ' (' + rep.pns_care.score + ' points)'] : null) : null,
      renderTriage(rep.triage),
      rep.warnings && rep.warnings.length ? el('div', { class: 'warnings', role: 'note' }, el('h3', null, 'Warnings'),
        el('ul', null, rep.warnings.map(function (w) { return el('li', null, w); }))) : null,
      section('Differential', 'h-diff', renderDifferential(rep.differential)),
      section('PNS-Care score (Graus 2021)', 'h-pns', renderPnsCare(rep.pns_care)),
      section('Criteria', 'h-crit', renderCriteria(rep.criteria)),
      section('Where to look for a cancer', 'h-cancers', renderCancers(rep.suspected_cancers)),
      section('Work-up', 'h-workup', renderWorkup(rep.workup)),
      section('Re-screening', 'h-rescreen', renderRescreening(rep.rescreening)),
      section('Treatment, in order', 'h-treat', renderTreatment(rep.treatment)),
      rep.notes && rep.notes.length ? section('Notes', 'h-notes', el('ul', null, rep.notes.map(function (n) { return el('li', null, n); }))) : null,
      section('Sources', 'h-refs', el('ol', { class: 'refs' }, (rep.references || []).map(function (r) {
        var url = sourceUrl(r.id);
        return el('li', { id: 'ref-' + r.id.replace(/[^A-Za-z0-9_-]/g, '_') },
          url ? el('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, r.id) : el('strong', null, r.id), ' ', r.citation || '');
      }))),
      rep.knowledge_base && rep.knowledge_base.digest ? el('p', { class: 'hint digest' }, 'Knowledge base digest ' + rep.knowledge_base.digest) : null
    ]);
  }

  /* ---------------------------------------------------------------- submit */
  function submit(ev) {
    ev.preventDefault();
    clearProblems();
    var c = collect();
    var res = $('#result'), btn = $('#evaluate');
    btn.disabled = true;
    res.setAttribute('aria-busy', 'true');
    setStatus('#form-status', 'Evaluating…');
    fetch('/v1/evaluate', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
                            body: JSON.stringify(c.doc) })
      .then(function (r) {
        return r.text().then(function (t) {
          var j = null;
          try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
          if (r.ok && j && j.paraneo === 'report/1') {
            renderReport(j, r.headers.get('Location'));
            res.hidden = false;
            setStatus('#form-status', 'Evaluated: the result is below the form.');
            $('#result-title').focus();
          } else {
            showProblem(j && typeof j === 'object' ? j : { title: 'The server answered HTTP ' + r.status, detail: t.slice(0, 500), status: r.status }, c.where);
            setStatus('#form-status', 'Not evaluated: see the problems listed above the form.');
          }
        });
      })
      .catch(function (e) {
        showProblem({ title: 'The server could not be reached', detail: e.message }, c.where);
        setStatus('#form-status', 'Not evaluated.');
      })
      .then(function () { btn.disabled = false; res.setAttribute('aria-busy', 'false'); });
  }

  /* ---------------------------------------------------------------- wiring */
  document.addEventListener('DOMContentLoaded', function () {
    $$('[data-add]').forEach(function (b) {
      b.addEventListener('click', function () {
        var row = addRow(b.dataset.add);
        $('input, select', row).focus();
      });
    });
    $$('#case-form .rows').forEach(function (b) { b.classList.add('empty'); });
    addRow('finding');
    $('#case-form').addEventListener('submit', submit);
    /* editing a field the server complained about clears that complaint */
    var fixed = function (ev) {
      var c = ev.target;
      if (c.getAttribute && c.getAttribute('aria-invalid') === 'true') {
        c.removeAttribute('aria-invalid');
        $$('.field-error', c.parentNode).forEach(function (e) { e.remove(); });
      }
    };
    $('#case-form').addEventListener('input', fixed);
    $('#case-form').addEventListener('change', fixed);
    $('#clear-form').addEventListener('click', function () { clearForm(); addRow('finding'); setStatus('#form-status', 'Form cleared.'); });
    $('#json-import').addEventListener('click', function () {
      var doc;
      try { doc = JSON.parse($('#case-json').value); } catch (e) { setStatus('#json-status', 'Not valid JSON: ' + e.message); return; }
      try { fillForm(doc); } catch (e) { setStatus('#json-status', 'Cannot use this JSON: ' + e.message); return; }
      setStatus('#json-status', 'The form now holds this case.');
    });
    $('#json-export').addEventListener('click', function () {
      $('#case-json').value = JSON.stringify(collect().doc, null, 2);
      setStatus('#json-status', 'The JSON above is the form as case/1.');
    });
    loadVocabulary();
    /* ?evaluation=ID (the link in a CDS Hooks card): show that stored report. */
    var stored = new URLSearchParams(window.location.search).get('evaluation');
    if (stored && /^[0-9a-f-]{36}$/.test(stored)) {
      var where = '/v1/evaluations/' + stored;
      fetch(where, { headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (j && j.report) {
            renderReport(j.report, where);
            $('#result').hidden = false;
            $('#result-title').focus();
          } else {
            setStatus('#form-status', 'The stored evaluation ' + stored + ' was not found.');
          }
        })
        .catch(function () { setStatus('#form-status', 'The stored evaluation could not be read.'); });
    }
  });
})();
