/* describe.c - the KB described for people and tools: one syndrome with its
 * sources (kb show), and counts of what the KB holds and how well it is
 * sourced (kb stats). */
#include <stdio.h>
#include <string.h>

#include "kb/kb_int.h"
#include "util/jsondump.h"

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Collects every source id used below j into refs (an object used as a set). */
static void collect_sources(json_t *j, json_t *refs)
{
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            if (strcmp(k, "src") == 0) {
                if (json_is_string(v))
                    json_object_set_new(refs, json_string_value(v), json_true());
                size_t i;
                json_t *e;
                json_array_foreach(v, i, e) if (json_is_string(e))
                    json_object_set_new(refs, json_string_value(e), json_true());
            } else {
                collect_sources(v, refs);
            }
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) collect_sources(e, refs);
    }
}

static json_t *references(const pn_kb *kb, json_t *doc)
{
    json_t *set = json_object(), *out = json_array();
    collect_sources(doc, set);
    const char *id;
    json_t *v;
    json_object_foreach(set, id, v) {
        (void)v;
        int i = pn__kb_find(kb, PN_SEC_SOURCES, id);
        json_t *src = i >= 0 ? kb->sec[PN_SEC_SOURCES].items[i].obj : NULL;
        json_t *ref = json_pack("{s:s, s:s?, s:s?}", "id", id, "citation",
                                src ? str(src, "citation") : NULL, "url",
                                src ? str(src, "url") : NULL);
        json_array_append_new(out, ref);
    }
    json_decref(set);
    return out;
}

static json_t *matching(const pn_kb *kb, int sec, const char *key, const char *id)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kb->sec[sec].len; i++) {
        json_t *o = kb->sec[sec].items[i].obj;
        if (str(o, key) && strcmp(str(o, key), id) == 0)
            json_array_append(out, o);
    }
    return out;
}

char *pn_kb_syndrome_json(const pn_kb *kb, const char *id, pn_status *status)
{
    int i = pn__kb_find(kb, PN_SEC_SYNDROMES, id);
    if (i < 0) {
        if (status)
            *status = PN_ENOTFOUND;
        return NULL;
    }
    json_t *doc = json_deep_copy(kb->syndromes[i].obj);
    json_object_set_new(doc, "criteria", matching(kb, PN_SEC_CRITERIA, "syndrome", id));
    json_object_set_new(doc, "workup", matching(kb, PN_SEC_WORKUP, "syndrome", id));
    json_object_set_new(doc, "rescreening", matching(kb, PN_SEC_RESCREENING, "syndrome", id));
    json_object_set_new(doc, "references", references(kb, doc));
    char *s = pn__json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, NULL);
    json_decref(doc);
    if (status)
        *status = s ? PN_OK : PN_ENOMEM;
    return s;
}

static size_t count_items(json_t *arr, const char *key)
{
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(arr, i, e) n += json_object_get(e, key) != NULL;
    return n;
}

/* Is any part of the PNS-Care table still provisional? */
static json_t *pns_care_provisional(const pn_kb *kb)
{
    json_t *out = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(kb->pns_care, k, v) {
        if (json_is_object(v) && str(v, "grade") && strcmp(str(v, "grade"), "provisional") == 0)
            json_array_append_new(out, json_string(k));
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) if (str(e, "grade") &&
                                        strcmp(str(e, "grade"), "provisional") == 0) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s[%s]", k, str(e, "level") ? str(e, "level") : "?");
            json_array_append_new(out, json_string(buf));
        }
    }
    return out;
}

char *pn_kb_stats_json(const pn_kb *kb)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "version", json_string(kb->version));
    json_object_set_new(doc, "digest", json_string(kb->digest));
    json_object_set_new(doc, "files", json_integer((json_int_t)kb->n_files));
    json_t *sec = json_object();
    for (int s = 0; s < PN_SEC_COUNT; s++)
        json_object_set_new(sec, pn__kb_section_names[s], json_integer((json_int_t)kb->sec[s].len));
    json_object_set_new(doc, "entries", sec);
    json_object_set_new(doc, "facts",
                        json_pack("{s:I, s:I, s:I, s:f}", "total", (json_int_t)kb->facts,
                                  "verified", (json_int_t)kb->facts_verified, "provisional",
                                  (json_int_t)(kb->facts - kb->facts_verified),
                                  "verified_share",
                                  kb->facts ? (double)kb->facts_verified / (double)kb->facts : 0.0));
    json_object_set_new(doc, "pns_care_provisional", pns_care_provisional(kb));

    json_t *cov = json_array();
    size_t short_of = 0;
    for (size_t i = 0; i < kb->n_syndromes; i++) {
        json_t *o = kb->syndromes[i].obj;
        json_t *ev = json_object_get(o, "evidence");
        bool mimic = strcmp(kb->syndromes[i].kind, "mimic") == 0;
        size_t findings = count_items(ev, "finding"), items = json_array_size(ev);
        size_t crit = 0;
        for (size_t k = 0; k < kb->sec[PN_SEC_CRITERIA].len; k++) {
            const char *s = str(kb->sec[PN_SEC_CRITERIA].items[k].obj, "syndrome");
            crit += s && strcmp(s, kb->syndromes[i].id) == 0;
        }
        /* The bar: a syndrome needs 3 findings; a mimic 2 discriminating features. */
        bool ok = mimic ? items >= 2 : findings >= 3;
        short_of += !ok;
        json_array_append_new(
            cov, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b}", "id", kb->syndromes[i].id,
                           "kind", kb->syndromes[i].kind, "system", kb->syndromes[i].system,
                           "findings", (json_int_t)findings, "evidence", (json_int_t)items,
                           "treatment_steps",
                           (json_int_t)json_array_size(json_object_get(o, "treatment")),
                           "criteria_sets", (json_int_t)crit, "covered", ok));
    }
    json_object_set_new(doc, "syndromes_short_of_coverage", json_integer((json_int_t)short_of));
    json_object_set_new(doc, "coverage", cov);
    char *s = pn__json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER, NULL);
    json_decref(doc);
    return s;
}
