/* report.c - pn_evaluate: runs the stages (engine_int.h) and assembles the
 * report/1 document of the contract. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine_int.h"
#include "core/error_int.h"
#include "core/report_int.h"
#include "util/date.h"
#include "util/jsondump.h"

const char *pn__jstr(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

double pn__jnum(json_t *obj, const char *key, double dflt)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

bool pn__cmp(const char *op, double a, double b)
{
    if (strcmp(op, "<") == 0)
        return a < b;
    if (strcmp(op, "<=") == 0)
        return a <= b;
    if (strcmp(op, ">") == 0)
        return a > b;
    return a >= b;
}

const char *pn__src_text(pn_eval *e, json_t *fact)
{
    json_t *src = json_object_get(fact, "src");
    if (json_is_string(src))
        return json_string_value(src);
    char buf[512];
    size_t n = 0;
    size_t i;
    json_t *s;
    buf[0] = '\0';
    json_array_foreach(src, i, s) {
        if (n < sizeof buf)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "; " : "", json_string_value(s));
    }
    const char *out = pn__arena_strdup(&e->arena, buf);
    return out ? out : "";
}

/* Every source id the report cites, with its citation.  Sources are named
 * in "source" fields and inside the text of "basis", "why", "notes" and "reasons". */
static bool citing_key(const char *key)
{
    /* called for every key of the report: the first letter rules most out */
    switch (key[0]) {
    case 's': return strcmp(key, "source") == 0;
    case 'b': return strcmp(key, "band_source") == 0 || strcmp(key, "basis") == 0;
    case 'w': return strcmp(key, "why") == 0;
    case 'n': return strcmp(key, "notes") == 0;
    case 'r': return strcmp(key, "reasons") == 0;
    default: return false;
    }
}

static bool is_ref_delim(unsigned char c)
{
    return c == ' ' || c == ';' || c == ',' || c == '(' || c == ')' || c == '[' || c == ']';
}

/* Marks in cited[] (one flag per KB source) every source id the text of
 * the citing fields names. */
static void collect_refs(const pn_kb *kb, json_t *j, bool *cited, bool citing)
{
    if (json_is_string(j) && citing) {
        const char *s = json_string_value(j);
        char tok[160];
        while (*s) {
            while (*s && is_ref_delim((unsigned char)*s))
                s++;
            size_t n = 0;
            bool colon = false;
            for (; s[n] && !is_ref_delim((unsigned char)s[n]); n++)
                colon |= s[n] == ':';
            if (n && n < sizeof tok && colon) {
                memcpy(tok, s, n);
                tok[n] = '\0';
                int at = pn__kb_find(kb, PN_SEC_SOURCES, tok);
                /* a trailing full stop ends a sentence, not an id */
                if (at < 0 && tok[n - 1] == '.') {
                    tok[n - 1] = '\0';
                    at = pn__kb_find(kb, PN_SEC_SOURCES, tok);
                }
                if (at >= 0)
                    cited[at] = true;
            }
            s += n;
        }
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) collect_refs(kb, v, cited, citing_key(k));
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) collect_refs(kb, v, cited, citing);
    }
}

static json_t *references(const pn_kb *kb, json_t *report)
{
    size_t n = kb->sec[PN_SEC_SOURCES].len;
    bool *cited = calloc(n ? n : 1, sizeof *cited);
    json_t *out = json_array();
    if (!cited || !out) {
        free(cited);
        return out;
    }
    collect_refs(kb, report, cited, false);
    /* in KB order, which keeps the list stable from case to case */
    for (size_t i = 0; i < n; i++) {
        if (!cited[i])
            continue;
        json_t *src = kb->sec[PN_SEC_SOURCES].items[i].obj;
        json_t *r = json_pack("{s:s, s:s}", "id", pn__jstr(src, "id"), "citation", pn__jstr(src, "citation"));
        if (pn__jstr(src, "url"))
            json_object_set_new(r, "url", json_string(pn__jstr(src, "url")));
        json_array_append_new(out, r);
    }
    free(cited);
    return out;
}

/* The criteria sets the case touches, or that a likely syndrome needs. */
static json_t *criteria_section(pn_eval *e)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < e->n_crit; i++) {
        const pn_crit_result *r = &e->crit[i];
        json_t *set = e->kb->sec[PN_SEC_CRITERIA].items[r->set].obj;
        bool wanted = r->touched;
        int s = r->syndrome;
        if (s >= 0 && e->score[s] >= 0.05)
            wanted = true;
        for (size_t k = 0; s >= 0 && k < e->c->n_phenotypes; k++)
            wanted |= e->c->phenotypes[k] == s;
        /* a score serving a syndrome (DELTA-P for LEMS): shown when that syndrome is likely */
        int served = pn__kb_find(e->kb, PN_SEC_SYNDROMES, pn__jstr(set, "serves"));
        if (served >= 0)
            wanted = e->score[served] >= PN_SUSPECT_SCORE;
        json_t *j = wanted ? pn__criteria_json(e, i) : NULL;
        if (j)
            json_array_append(arr, j);
    }
    return arr;
}

static void free_eval(pn_eval *e)
{
    for (size_t i = 0; e->crit && i < e->n_crit; i++)
        json_decref(e->crit[i].json);
    for (size_t s = 0; e->evidence && s < e->kb->n_syndromes; s++)
        json_decref(e->evidence[s]);
    json_decref(e->report);
    json_decref(e->warnings);
    json_decref(e->notes);
    pn__arena_free(&e->arena);
}

pn_status pn_evaluate(const pn_kb *kb, const pn_case *c, pn_report **out, pn_error *err)
{
    *out = NULL;
    if (!kb || !c)
        return pn__error_set(err, PN_EINVAL, NULL, NULL, "pn_evaluate needs a KB and a case");
    if (c->kb != kb)
        return pn__error_set(err, PN_EINVAL, NULL, NULL,
                             "the case was parsed against another knowledge base");
    pn_eval e = {.kb = kb, .c = c};
    pn__arena_init(&e.arena, 1 << 15);
    e.report = json_object();
    e.warnings = json_array();
    e.notes = json_array();
    json_object_set_new(e.report, "paraneo", json_string("report/1"));
    json_object_set_new(e.report, "case_id", c->id ? json_string(c->id) : json_null());
    char d[11];
    pn__date_format(c->as_of, d);
    json_object_set_new(e.report, "as_of", json_string(d));
    json_object_set_new(e.report, "knowledge_base",
                        json_pack("{s:s, s:s}", "version", kb->version, "digest", kb->digest));
    pn_status st = pn__observe(&e);
    if (st == PN_OK)
        st = pn__criteria(&e);
    if (st == PN_OK)
        st = pn__differential(&e);
    if (st == PN_OK)
        st = pn__pns_care(&e);
    if (st == PN_OK) {
        json_t *crit = criteria_section(&e);
        json_object_set_new(e.report, "criteria", crit);
        st = pn__cancers(&e);
    }
    if (st == PN_OK)
        st = pn__plan(&e);
    if (st != PN_OK) {
        free_eval(&e);
        return pn__error_set(err, st, NULL, NULL, "evaluation failed: %s", pn_strerror(st));
    }
    for (size_t i = 0; i < c->n_warnings; i++)
        json_array_append_new(e.warnings, json_string(c->warnings[i]));
    if (e.obs.ca_uncorrected)
        json_array_append_new(e.warnings, json_string("albumin not given: total calcium was used "
                                                      "without albumin correction"));
    if (!json_array_size(json_object_get(e.report, "differential")))
        json_array_append_new(e.warnings,
                              json_string("no syndrome or mimic has real support from the data given"));
    json_object_set_new(e.report, "warnings", json_incref(e.warnings));
    json_object_set_new(e.report, "notes", json_incref(e.notes));
    json_object_set_new(e.report, "references", references(kb, e.report));
    if (c->fhir_patient || c->n_fhir_basis) {
        json_t *basis = json_array();
        for (size_t i = 0; i < c->n_fhir_basis; i++)
            json_array_append_new(basis, json_string(c->fhir_basis[i]));
        json_object_set_new(e.report, "fhir_input",
                            json_pack("{s:s?, s:o}", "patient", c->fhir_patient, "basis", basis));
    }

    pn_report *r = calloc(1, sizeof *r);
    if (!r) {
        free_eval(&e);
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    }
    r->doc = json_incref(e.report);
    free_eval(&e);
    *out = r;
    return PN_OK;
}

void pn_report_free(pn_report *r)
{
    if (!r)
        return;
    json_decref(r->doc);
    free(r);
}

char *pn_report_json(const pn_report *r, int flags)
{
    return pn__json_dumps(r->doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) |
                                  ((flags & PN_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT), NULL);
}

const char *pn_report_case_id(const pn_report *r)
{
    return r ? json_string_value(json_object_get(r->doc, "case_id")) : NULL;
}
