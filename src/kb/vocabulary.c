/* vocabulary.c - the names a form needs to offer (findings, antibodies,
 * labs with their units, tumours, syndromes), for autocompletion in the web
 * page; built from the KB so the page never offers what the engine cannot
 * read. */
#include <string.h>
#include <strings.h>

#include "kb/kb_int.h"
#include "util/jsondump.h"

static json_t *copy_strings(json_t *arr)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v))
            json_array_append(out, v);
    }
    return out;
}

static json_t *vocab_terms(const pn_kb *kb)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kb->n_terms; i++) {
        const pn_kb_term *t = &kb->terms[i];
        json_t *syn = json_object_get(t->obj, "synonyms");
        json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "id", t->id, "label", t->label,
                                             "synonyms", copy_strings(syn)));
    }
    return out;
}

static json_t *vocab_antibodies(const pn_kb *kb)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kb->n_antibodies; i++) {
        const pn_kb_antibody *a = &kb->antibodies[i];
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:o}", "id", a->id, "name", a->name ? a->name : a->id,
                           "synonyms", copy_strings(json_object_get(a->obj, "synonyms"))));
    }
    return out;
}

static json_t *vocab_labs(const pn_kb *kb)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kb->n_labs; i++) {
        const pn_kb_lab *l = &kb->labs[i];
        if (l->computed)
            continue; /* derived by the engine, never entered */
        json_t *units = json_array();
        json_array_append_new(units, json_string(l->unit));
        for (size_t u = 0; u < l->n_units; u++) {
            /* Units differing only by case ("meq/l") are spellings, not choices. */
            int dup = 0;
            size_t k;
            json_t *v;
            json_array_foreach(units, k, v) {
                if (strcasecmp(json_string_value(v), l->units[u].unit) == 0)
                    dup = 1;
            }
            if (!dup)
                json_array_append_new(units, json_string(l->units[u].unit));
        }
        json_t *loinc = json_object_get(l->obj, "loinc");
        json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "id", l->id, "name", l->name, "unit",
                              l->unit, "units", units);
        if (json_is_array(loinc) && json_array_size(loinc) > 0)
            json_object_set(o, "loinc", json_array_get(loinc, 0));
        json_array_append_new(out, o);
    }
    return out;
}

static json_t *vocab_tumours(const pn_kb *kb)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kb->n_tumours; i++) {
        const pn_kb_tumour *t = &kb->tumours[i];
        json_array_append_new(out, json_pack("{s:s, s:s, s:o}", "id", t->id, "name", t->name,
                                             "icd10", copy_strings(t->icd10)));
    }
    return out;
}

static json_t *vocab_syndromes(const pn_kb *kb)
{
    json_t *out = json_array();
    for (size_t i = 0; i < kb->n_syndromes; i++) {
        const pn_kb_syndrome *s = &kb->syndromes[i];
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "id", s->id, "name", s->name,
                                             "system", s->system, "kind", s->kind));
    }
    return out;
}

char *pn_kb_vocabulary_json(const pn_kb *kb)
{
    json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "version", kb->version,
                            "digest", kb->digest, "terms", vocab_terms(kb), "antibodies",
                            vocab_antibodies(kb), "labs", vocab_labs(kb), "tumours", vocab_tumours(kb),
                            "syndromes", vocab_syndromes(kb));
    if (!doc)
        return NULL;
    char *s = pn__json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL);
    json_decref(doc);
    return s;
}
