/* eval.c - one patient of the bulk screener: the patient's lines become a
 * FHIR collection Bundle (references rewritten to "Patient/<id>" when they
 * had another form; the export's date as the Bundle timestamp), read with
 * pn_case_parse_fhir and evaluated with pn_evaluate.  A resource the FHIR
 * reader refuses is dropped, reported with its file and line, and the rest
 * of the patient is read again, so one bad resource loses nothing else. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/report_int.h"
#include "screen/screen.h"
#include "util/jsondump.h"

#define MAX_DROPS 64

struct pn_scr_eval {
    const pn_kb *kb;
    const pn_screen_opts *o;
    char as_of[32];
    char *buf;
    size_t len, cap;
    unsigned char *dead;
    size_t dead_cap;
};

pn_scr_eval *pn__scr_eval_new(const pn_kb *kb, const pn_screen_opts *o, const char *as_of)
{
    pn_scr_eval *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->kb = kb;
    e->o = o;
    if (as_of)
        snprintf(e->as_of, sizeof e->as_of, "%.10s", as_of);
    return e;
}

void pn__scr_eval_free(pn_scr_eval *e)
{
    if (!e)
        return;
    free(e->buf);
    free(e->dead);
    free(e);
}

static int grow(pn_scr_eval *e, size_t more)
{
    if (e->len + more + 1 <= e->cap)
        return 0;
    size_t nc = e->cap ? e->cap : 65536;
    while (nc < e->len + more + 1)
        nc *= 2;
    char *nb = realloc(e->buf, nc);
    if (!nb)
        return -1;
    e->buf = nb;
    e->cap = nc;
    return 0;
}

static int put(pn_scr_eval *e, const char *s, size_t n)
{
    if (grow(e, n))
        return -1;
    memcpy(e->buf + e->len, s, n);
    e->len += n;
    e->buf[e->len] = '\0';
    return 0;
}

/* The Bundle of the live lines. */
static int build(pn_scr_eval *e, const char *key, size_t klen, const pn_scr_line *l, size_t n)
{
    e->len = 0;
    static const char head[] = "{\"resourceType\":\"Bundle\",\"type\":\"collection\"";
    if (put(e, head, sizeof head - 1))
        return -1;
    if (e->as_of[0]) {
        char ts[64];
        int k = snprintf(ts, sizeof ts, ",\"timestamp\":\"%sT00:00:00Z\"", e->as_of);
        if (put(e, ts, (size_t)k))
            return -1;
    }
    if (put(e, ",\"entry\":[", 10))
        return -1;
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (e->dead[i])
            continue;
        if (!first && put(e, ",", 1))
            return -1;
        first = false;
        if (put(e, "{\"resource\":", 12))
            return -1;
        const pn_scr_rec *h = l[i].h;
        if (h->rewrite) {
            if (put(e, l[i].line, h->ref_off) || put(e, "Patient/", 8) || put(e, key, klen) ||
                put(e, l[i].line + h->ref_off + h->ref_len, h->len - h->ref_off - h->ref_len))
                return -1;
        } else if (put(e, l[i].line, h->len))
            return -1;
        if (put(e, "}", 1))
            return -1;
    }
    return put(e, "]}", 2);
}

/* The entry index an error path names ("$.entry[12].resource..."), or -1. */
static long entry_of(const char *path)
{
    if (strncmp(path, "$.entry[", 8) != 0)
        return -1;
    char *end;
    long v = strtol(path + 8, &end, 10);
    return *end == ']' ? v : -1;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The row for a report, or NULL when the patient is not flagged. */
static json_t *row_for(pn_scr_eval *e, const char *key, json_t *rep)
{
    json_t *top = NULL, *d;
    size_t i;
    json_array_foreach(json_object_get(rep, "differential"), i, d) {
        const char *kind = jstr(d, "kind");
        if (kind && strcmp(kind, "paraneoplastic") == 0) {
            top = d;
            break;
        }
    }
    json_t *pc = json_object_get(rep, "pns_care");
    const char *level = jstr(pc, "level");
    bool pns_level = level && json_is_true(json_object_get(pc, "applicable")) &&
                     (!strcmp(level, "possible") || !strcmp(level, "probable") || !strcmp(level, "definite"));
    double score = top ? json_number_value(json_object_get(top, "score")) : 0;
    if (!(top && score >= e->o->threshold) && !pns_level)
        return NULL;
    json_t *row = json_object();
    json_object_set_new(row, "patient", json_string(key));
    if (top)
        json_object_set_new(row, "top", json_pack("{s:s?, s:s?, s:f}", "id", jstr(top, "id"), "name",
                                                  jstr(top, "name"), "score", score));
    else
        json_object_set_new(row, "top", json_null());
    json_object_set_new(row, "pns_care",
                        json_pack("{s:O?, s:o}", "score", json_object_get(pc, "score"), "level",
                                  str_or_null(level)));
    json_t *ca = json_array_get(json_object_get(rep, "suspected_cancers"), 0);
    if (ca)
        json_object_set_new(row, "suspected_cancer",
                            json_pack("{s:s?, s:s?, s:s?}", "tumour", jstr(ca, "tumour"), "name",
                                      jstr(ca, "name"), "icd10", jstr(ca, "icd10")));
    else
        json_object_set_new(row, "suspected_cancer", json_null());
    json_t *ev = json_array();
    json_array_foreach(top ? json_object_get(top, "evidence") : NULL, i, d) {
        const char *eff = jstr(d, "effect"), *det = jstr(d, "detail");
        if (eff && det && !strcmp(eff, "for") && json_array_size(ev) < 8)
            json_array_append_new(ev, json_string(det));
    }
    json_object_set_new(row, "evidence", ev);
    json_t *miss = json_array();
    json_array_foreach(json_object_get(rep, "workup"), i, d) {
        const char *when = jstr(d, "when"), *test = jstr(d, "test");
        if (when && test && !strcmp(when, "now") && json_array_size(miss) < 6) {
            char s[300];
            snprintf(s, sizeof s, "no %s on record", test);
            json_array_append_new(miss, json_string(s));
        }
    }
    const char *top_id = top ? jstr(top, "id") : NULL;
    json_array_foreach(json_object_get(rep, "criteria"), i, d) {
        const char *syn = jstr(d, "syndrome");
        if (!top_id || !syn || strcmp(syn, top_id) != 0)
            continue;
        size_t k, shown = 0;
        json_t *it;
        json_array_foreach(json_object_get(d, "items"), k, it) {
            const char *text = jstr(it, "text");
            if (json_is_null(json_object_get(it, "met")) && text && shown++ < 4) {
                char s[300];
                snprintf(s, sizeof s, "not documented: %s", text);
                json_array_append_new(miss, json_string(s));
            }
        }
        break;
    }
    json_object_set_new(row, "missing", miss);
    json_object_set_new(row, "triage", str_or_null(jstr(json_object_get(rep, "triage"), "level")));
    return row;
}

int pn__scr_eval_patient(pn_scr_eval *e, const char *key, size_t klen, pn_scr_line *lines, size_t n,
                         FILE *out, pn_scr_counts *c)
{
    c->patients++;
    if (n > e->dead_cap) {
        unsigned char *nd = realloc(e->dead, n);
        if (!nd) {
            c->failed++;
            pn__scr_report_patient(c, key, "out of memory");
            return 0;
        }
        e->dead = nd;
        e->dead_cap = n;
    }
    memset(e->dead, 0, n);
    pn_case *cs = NULL;
    pn_error err;
    for (int tries = 0;; tries++) {
        if (build(e, key, klen, lines, n)) {
            c->failed++;
            pn__scr_report_patient(c, key, "out of memory");
            return 0;
        }
        memset(&err, 0, sizeof err);
        pn_status st = pn_case_parse_fhir(e->kb, e->buf, e->len, &cs, &err);
        if (st == PN_OK)
            break;
        long ent = entry_of(err.path);
        if (ent < 0 && tries < MAX_DROPS && strcmp(err.path, "$") == 0 &&
            strncmp(err.message, "not valid JSON", 14) == 0) {
            /* the Bundle as a whole is refused (a key twice in one resource,
             * which the scanner allows as jansson does by default): find the
             * resources the reader's JSON rules refuse and drop them */
            size_t dropped = 0;
            for (size_t i = 0; i < n; i++) {
                json_error_t je;
                json_t *one = e->dead[i] ? NULL
                                         : json_loadb(lines[i].line, lines[i].h->len, JSON_REJECT_DUPLICATES, &je);
                if (e->dead[i] || one) {
                    json_decref(one);
                    continue;
                }
                e->dead[i] = 1;
                dropped++;
                c->dropped_entries++;
                c->skipped++;
                pn__scr_count_reason(c, "refused by the FHIR reader");
                pn__scr_report_line(c, lines[i].h->file, lines[i].h->off,
                                    "refused by the FHIR reader: not valid JSON at column %d: %s", je.column,
                                    je.text);
            }
            if (dropped)
                continue;
        }
        if (ent < 0 || tries >= MAX_DROPS) {
            c->failed++;
            pn__scr_report_patient(c, key, "%s: %s", err.path, err.message);
            return 0;
        }
        /* entry ent is the ent-th live line */
        size_t i = 0;
        for (long live = -1; i < n; i++)
            if (!e->dead[i] && ++live == ent)
                break;
        if (i >= n) {
            c->failed++;
            pn__scr_report_patient(c, key, "%s: %s", err.path, err.message);
            return 0;
        }
        e->dead[i] = 1;
        c->dropped_entries++;
        c->skipped++;
        pn__scr_count_reason(c, "refused by the FHIR reader");
        const char *rest = err.path + 8;
        while (*rest && *rest != ']')
            rest++;
        if (*rest)
            rest++;
        pn__scr_report_line(c, lines[i].h->file, lines[i].h->off, "refused by the FHIR reader: %s%s%s",
                            *rest == '.' ? rest + 1 : "", *rest == '.' ? ": " : "", err.message);
    }
    pn_report *rep = NULL;
    pn_status st = pn_evaluate(e->kb, cs, &rep, &err);
    pn_case_free(cs);
    if (st != PN_OK) {
        c->failed++;
        pn__scr_report_patient(c, key, "evaluation failed: %s", err.message);
        return 0;
    }
    c->evaluated++;
    /* The report document read in place: printing and re-parsing it cost
     * about a third of the time per patient. */
    json_t *row = row_for(e, key, (json_t *)pn__report_doc(rep));
    pn_report_free(rep);
    if (!row)
        return 0;
    c->flagged++;
    char *s = pn__json_dumps(row, JSON_COMPACT | JSON_REAL_PRECISION(6), NULL);
    json_decref(row);
    if (!s)
        return -1;
    int rc = fputs(s, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
    free(s);
    return rc;
}
