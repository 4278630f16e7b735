/* index.c - typed arrays and name indexes built once after validation, and
 * the look-ups the case parser and the engine run on every case. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/error_int.h"
#include "kb/kb_int.h"
#include "util/text.h"

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static pn_status name_clash(pn_kb *kb, int sec, size_t i, const char *what, const char *name,
                            const char *other, pn_error *err)
{
    const pn_kb_item *it = &kb->sec[sec].items[i];
    char path[128];
    snprintf(path, sizeof path, "$.%s[%zu]", pn__kb_section_names[sec], it->index);
    return pn__error_set(err, PN_EKB, kb->files[it->file].rel, path,
                         "%s \"%s\" also names \"%s\": names must identify one entry", what, name,
                         other);
}

/* Adds a folded name; a clash with a different entry is an error. */
static pn_status add_name(pn_kb *kb, pn_strmap *m, int sec, size_t i, const char *raw,
                          bool ab_key, const char *what, const char *(*id_of)(pn_kb *, int),
                          pn_error *err)
{
    char key[256];
    size_t n = ab_key ? pn__text_ab_key(raw, key, sizeof key) : pn__text_fold(raw, key, sizeof key);
    if (n == (size_t)-1 || n == 0)
        return PN_OK; /* too long or empty to be a useful name */
    int old;
    int r = pn__strmap_put(m, key, (int)i, &old);
    if (r < 0)
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    if (r == 1 && old != (int)i)
        return name_clash(kb, sec, i, what, raw, id_of(kb, old), err);
    return PN_OK;
}

static const char *term_id(pn_kb *kb, int i) { return kb->terms[i].id; }
static const char *ab_id(pn_kb *kb, int i) { return kb->antibodies[i].id; }
static const char *lab_id(pn_kb *kb, int i) { return kb->labs[i].id; }

static int by_kind_length(const void *a, const void *b)
{
    const struct pn_kb_text_map *x = a, *y = b;
    int c = strcmp(x->kind, y->kind);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

#define ALLOC(kb, ptr, n)                                                                       \
    ((ptr) = pn__arena_alloc(&(kb)->arena, ((n) ? (n) : 1) * sizeof *(ptr)))

/* The text mappings in the order pn__kb_text_mapping reads them. */
static pn_status index_text_maps(pn_kb *kb, pn_error *err)
{
    const pn_kb_section *s = &kb->sec[PN_SEC_MAPPINGS];
    size_t n = 0;
    for (size_t i = 0; i < s->len; i++)
        if (strcmp(str(s->items[i].obj, "system"), "text") == 0)
            n += json_object_size(json_object_get(s->items[i].obj, "maps"));
    if (!ALLOC(kb, kb->text_maps, n))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; i < s->len; i++) {
        json_t *o = s->items[i].obj;
        if (strcmp(str(o, "system"), "text") != 0)
            continue;
        const char *phrase = str(o, "code"), *kind;
        json_t *v;
        json_object_foreach(json_object_get(o, "maps"), kind, v) {
            if (json_is_string(v))
                kb->text_maps[kb->n_text_maps++] = (struct pn_kb_text_map){
                    .kind = kind, .phrase = phrase, .value = json_string_value(v),
                    .len = strlen(phrase), .order = i};
        }
    }
    qsort(kb->text_maps, kb->n_text_maps, sizeof *kb->text_maps, by_kind_length);
    return PN_OK;
}

pn_status pn__kb_index(pn_kb *kb, pn_error *err)
{
    pn_status st = PN_OK;
    pn_kb_section *s;

    s = &kb->sec[PN_SEC_TERMS];
    kb->n_terms = s->len;
    if (!ALLOC(kb, kb->terms, s->len))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; i < s->len; i++) {
        json_t *o = s->items[i].obj;
        const char *to = str(o, "maps_to");
        kb->terms[i] = (pn_kb_term){
            str(o, "hpo"), str(o, "label"), to ? pn__strmap_get(&kb->ids[PN_SEC_TERMS], to) : -1,
            o, json_number_value(json_object_get(json_object_get(o, "background"), "rate"))};
    }
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        st = add_name(kb, &kb->term_names, PN_SEC_TERMS, i, kb->terms[i].label, false, "label",
                      term_id, err);
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(s->items[i].obj, "synonyms"), k, e) {
            if (st == PN_OK)
                st = add_name(kb, &kb->term_names, PN_SEC_TERMS, i, json_string_value(e), false,
                              "synonym", term_id, err);
        }
    }
    /* maps_to chains must end (a -> b -> a would loop the engine). */
    for (size_t i = 0; st == PN_OK && i < kb->n_terms; i++) {
        int t = (int)i;
        for (size_t hops = 0; t >= 0; hops++) {
            if (hops > kb->n_terms) {
                st = name_clash(kb, PN_SEC_TERMS, i, "maps_to chain of", kb->terms[i].id,
                                "itself (a cycle)", err);
                break;
            }
            t = kb->terms[t].maps_to;
        }
    }

    s = &kb->sec[PN_SEC_TUMOURS];
    kb->n_tumours = s->len;
    if (st == PN_OK && !ALLOC(kb, kb->tumours, s->len))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        json_t *o = s->items[i].obj;
        const char *g = str(o, "group"), *sex = str(o, "sex");
        kb->tumours[i] = (pn_kb_tumour){
            str(o, "id"), str(o, "name"), g ? pn__strmap_get(&kb->ids[PN_SEC_TUMOURS], g) : -1,
            !sex || strcmp(sex, "any") == 0 ? 0 : strcmp(sex, "female") == 0 ? 1 : 2,
            json_object_get(o, "icd10"), json_object_get(o, "names"), o};
    }

    s = &kb->sec[PN_SEC_DRUGS];
    kb->n_drugs = s->len;
    if (st == PN_OK && !ALLOC(kb, kb->drugs, s->len))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        json_t *o = s->items[i].obj;
        kb->drugs[i] = (pn_kb_drug){str(o, "id"), str(o, "name"), json_object_get(o, "atc"),
                                    json_object_get(o, "names"), o};
    }

    s = &kb->sec[PN_SEC_LABS];
    kb->n_labs = s->len;
    if (st == PN_OK && !ALLOC(kb, kb->labs, s->len))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        json_t *o = s->items[i].obj;
        json_t *units = json_object_get(o, "units");
        pn_kb_lab *l = &kb->labs[i];
        *l = (pn_kb_lab){str(o, "id"), str(o, "name"), str(o, "unit"), NULL,
                         json_array_size(units), json_object_get(o, "computed") != NULL, o};
        if (!ALLOC(kb, l->units, l->n_units))
            return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
        size_t k;
        json_t *u;
        json_array_foreach(units, k, u) {
            l->units[k] = (pn_kb_unit){str(u, "unit"), json_number_value(json_object_get(u, "factor")),
                                       json_number_value(json_object_get(u, "offset"))};
        }
        st = add_name(kb, &kb->lab_names, PN_SEC_LABS, i, l->id, false, "lab id", lab_id, err);
        if (st == PN_OK)
            st = add_name(kb, &kb->lab_names, PN_SEC_LABS, i, l->name, false, "lab name", lab_id,
                          err);
        json_t *e;
        json_array_foreach(json_object_get(o, "names"), k, e) {
            if (st == PN_OK)
                st = add_name(kb, &kb->lab_names, PN_SEC_LABS, i, json_string_value(e), false,
                              "lab name", lab_id, err);
        }
        json_array_foreach(json_object_get(o, "loinc"), k, e) {
            if (st != PN_OK)
                break;
            int old;
            int r = pn__strmap_put(&kb->lab_loinc, json_string_value(e), (int)i, &old);
            if (r < 0)
                st = pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
            else if (r == 1 && old != (int)i)
                st = name_clash(kb, PN_SEC_LABS, i, "LOINC", json_string_value(e),
                                kb->labs[old].id, err);
        }
    }

    s = &kb->sec[PN_SEC_ANTIBODIES];
    kb->n_antibodies = s->len;
    if (st == PN_OK && !ALLOC(kb, kb->antibodies, s->len))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        json_t *o = s->items[i].obj;
        kb->antibodies[i] =
            (pn_kb_antibody){str(o, "id"), str(o, "name"), str(o, "risk"), str(o, "antigen"), o};
    }
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        st = add_name(kb, &kb->ab_names, PN_SEC_ANTIBODIES, i, kb->antibodies[i].id, true,
                      "antibody id", ab_id, err);
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(s->items[i].obj, "synonyms"), k, e) {
            if (st == PN_OK)
                st = add_name(kb, &kb->ab_names, PN_SEC_ANTIBODIES, i, json_string_value(e), true,
                              "antibody synonym", ab_id, err);
        }
    }

    s = &kb->sec[PN_SEC_MAPPINGS];
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        json_t *o = s->items[i].obj;
        if (strcmp(str(o, "system"), "text") == 0)
            continue; /* phrases are matched by scanning, per kind */
        char key[300];
        snprintf(key, sizeof key, "%s|%s", str(o, "system"), str(o, "code"));
        int old;
        int r = pn__strmap_put(&kb->codes, key, (int)i, &old);
        if (r < 0)
            st = pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
        else if (r == 1)
            st = name_clash(kb, PN_SEC_MAPPINGS, i, "code", key, "an earlier mapping", err);
    }

    if (st == PN_OK)
        st = index_text_maps(kb, err);

    s = &kb->sec[PN_SEC_SYNDROMES];
    kb->n_syndromes = s->len;
    if (st == PN_OK && !ALLOC(kb, kb->syndromes, s->len))
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < s->len; i++) {
        json_t *o = s->items[i].obj;
        kb->syndromes[i] = (pn_kb_syndrome){.id = str(o, "id"), .name = str(o, "name"),
                                            .system = str(o, "system"), .kind = str(o, "kind"),
                                            .obj = o};
    }
    return st;
}

/* ---- look-ups -------------------------------------------------------- */

int pn__kb_find(const pn_kb *kb, int section, const char *id)
{
    return id ? pn__strmap_get(&kb->ids[section], id) : -1;
}

int pn__kb_term_by_name(const pn_kb *kb, const char *label)
{
    char key[256];
    if (pn__text_fold(label, key, sizeof key) == (size_t)-1)
        return -1;
    return pn__strmap_get(&kb->term_names, key);
}

int pn__kb_antibody_by_name(const pn_kb *kb, const char *name)
{
    char key[128];
    if (pn__text_ab_key(name, key, sizeof key) == (size_t)-1)
        return -1;
    return pn__strmap_get(&kb->ab_names, key);
}

int pn__kb_lab_by_loinc(const pn_kb *kb, const char *loinc)
{
    return pn__strmap_get(&kb->lab_loinc, loinc);
}

int pn__kb_lab_by_name(const pn_kb *kb, const char *name)
{
    char key[256];
    if (pn__text_fold(name, key, sizeof key) == (size_t)-1)
        return -1;
    return pn__strmap_get(&kb->lab_names, key);
}

bool pn__kb_lab_convert(const pn_kb *kb, int lab, const char *unit, double value, double *out)
{
    const pn_kb_lab *l = &kb->labs[lab];
    char want[64];
    size_t n = strlen(unit);
    while (n && isspace((unsigned char)unit[n - 1]))
        n--;
    while (n && isspace((unsigned char)*unit)) {
        unit++;
        n--;
    }
    if (n >= sizeof want)
        return false;
    memcpy(want, unit, n);
    want[n] = '\0';
    /* exact spelling first, then case-insensitive */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < l->n_units; i++) {
            const char *u = l->units[i].unit;
            if (pass == 0 ? strcmp(u, want) == 0 : strcasecmp(u, want) == 0) {
                *out = value * l->units[i].factor + l->units[i].offset;
                return true;
            }
        }
    }
    return false;
}

bool pn__kb_lab_to_unit(const pn_kb *kb, int lab, double canon, const char *unit, double *out)
{
    const pn_kb_lab *l = &kb->labs[lab];
    for (size_t i = 0; i < l->n_units; i++) {
        if (strcmp(l->units[i].unit, unit) == 0) {
            *out = (canon - l->units[i].offset) / l->units[i].factor;
            return true;
        }
    }
    return false;
}

/* Does ICD-10 code start with stem (ignoring the dot in both)? */
static bool icd_under(const char *code, const char *stem)
{
    while (*stem) {
        if (*stem == '.') {
            stem++;
            continue;
        }
        if (*code == '.') {
            code++;
            continue;
        }
        if (toupper((unsigned char)*code) != toupper((unsigned char)*stem))
            return false;
        code++;
        stem++;
    }
    return true;
}

int pn__kb_tumour_match(const pn_kb *kb, const char *icd10, const char *name)
{
    char folded[512] = "";
    if (name)
        pn__text_fold(name, folded, sizeof folded);
    int best = -1;
    size_t best_len = 0;
    /* 1. the longest name phrase, among tumours whose ICD-10 fits (if any given) */
    for (size_t i = 0; name && i < kb->n_tumours; i++) {
        const pn_kb_tumour *t = &kb->tumours[i];
        bool icd_ok = !icd10;
        size_t k;
        json_t *e;
        json_array_foreach(t->icd10, k, e) icd_ok |= icd10 && icd_under(icd10, json_string_value(e));
        if (!icd_ok)
            continue;
        json_array_foreach(t->names, k, e) {
            const char *p = json_string_value(e);
            size_t n = strlen(p);
            if (n > best_len && pn__text_has_phrase(folded, p)) {
                best = (int)i;
                best_len = n;
            }
        }
    }
    if (best >= 0 || !icd10)
        return best;
    /* 2. the ICD-10 code alone: the broadest tumour with the longest stem */
    size_t best_stem = 0;
    bool best_grouped = true;
    for (size_t i = 0; i < kb->n_tumours; i++) {
        const pn_kb_tumour *t = &kb->tumours[i];
        size_t k;
        json_t *e;
        json_array_foreach(t->icd10, k, e) {
            const char *stem = json_string_value(e);
            if (!icd_under(icd10, stem))
                continue;
            size_t n = strlen(stem);
            bool grouped = t->group >= 0;
            if (n > best_stem || (n == best_stem && best_grouped && !grouped)) {
                best = (int)i;
                best_stem = n;
                best_grouped = grouped;
            }
        }
    }
    return best;
}

bool pn__kb_drug_matches(const pn_kb *kb, int d, const char *atc, const char *name)
{
    const pn_kb_drug *dr = &kb->drugs[d];
    size_t k;
    json_t *e;
    if (atc) {
        json_array_foreach(dr->atc, k, e) {
            const char *p = json_string_value(e);
            if (strncasecmp(atc, p, strlen(p)) == 0)
                return true;
        }
    }
    if (name) {
        char folded[256];
        if (pn__text_fold(name, folded, sizeof folded) == (size_t)-1)
            return false;
        json_array_foreach(dr->names, k, e) {
            char n2[128];
            if (pn__text_fold(json_string_value(e), n2, sizeof n2) != (size_t)-1 &&
                pn__text_has_phrase(folded, n2))
                return true;
        }
    }
    return false;
}

bool pn__kb_tumour_related(const pn_kb *kb, int a, int b)
{
    if (a < 0 || b < 0)
        return false;
    return a == b || kb->tumours[a].group == b || kb->tumours[b].group == a;
}

json_t *pn__kb_mapping(const pn_kb *kb, const char *system, const char *code, const char **kind,
                       const char **value)
{
    char key[300];
    if (!system || !code)
        return NULL;
    snprintf(key, sizeof key, "%s|%s", system, code);
    int i = pn__strmap_get(&kb->codes, key);
    if (i < 0)
        return NULL;
    json_t *o = kb->sec[PN_SEC_MAPPINGS].items[i].obj;
    void *it = json_object_iter(json_object_get(o, "maps"));
    if (kind)
        *kind = json_object_iter_key(it);
    if (value)
        *value = json_string_value(json_object_iter_value(it));
    return o;
}

const char *pn__kb_text_mapping(const pn_kb *kb, const char *kind, const char *text)
{
    char folded[512];
    if (!text || !kind || pn__text_fold(text, folded, sizeof folded) == (size_t)-1)
        return NULL;
    /* the first entry of the kind (binary search), then longest phrase first */
    size_t lo = 0, hi = kb->n_text_maps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(kb->text_maps[mid].kind, kind) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < kb->n_text_maps && strcmp(kb->text_maps[i].kind, kind) == 0; i++)
        if (pn__text_has_phrase(folded, kb->text_maps[i].phrase))
            return kb->text_maps[i].value;
    return NULL;
}

const char *pn__kb_citation(const pn_kb *kb, const char *source_id)
{
    int i = pn__kb_find(kb, PN_SEC_SOURCES, source_id);
    return i < 0 ? NULL : str(kb->sec[PN_SEC_SOURCES].items[i].obj, "citation");
}
