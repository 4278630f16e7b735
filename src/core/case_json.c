/* case_json.c - the normalised case as JSON (paraneo case check): what the
 * engine will read, with every name resolved and every unit converted. */
#include <jansson.h>

#include "core/case_int.h"
#include "kb/kb_int.h"
#include "util/date.h"
#include "util/jsondump.h"

static json_t *date_or_null(int32_t d)
{
    if (d == PN_NO_DATE)
        return json_null();
    char buf[11];
    pn__date_format(d, buf);
    return json_string(buf);
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *enum_or_null(const char *const *names, int v)
{
    return names[v][0] ? json_string(names[v]) : json_null();
}

static json_t *drug_uses(const pn_drug_use *d, size_t n, bool treatments)
{
    /* classes are reported by id; the KB is reachable through the case's
     * parse only, so ids were resolved into names at parse time. */
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        if (treatments)
            json_object_set_new(o, "kind", opt_str(d[i].kind));
        json_object_set_new(o, "name", opt_str(d[i].name));
        if (!treatments)
            json_object_set_new(o, "atc", opt_str(d[i].atc));
        json_object_set_new(o, "start", date_or_null(d[i].start));
        json_object_set_new(o, "end", date_or_null(d[i].end));
        json_array_append_new(arr, o);
    }
    return arr;
}

char *pn_case_json(const pn_case *c, int flags)
{
    const pn_kb *kb = c->kb;
    json_t *doc = json_object();
    json_object_set_new(doc, "paraneo", json_string("case/1"));
    json_object_set_new(doc, "id", opt_str(c->id));
    json_object_set_new(doc, "as_of", date_or_null(c->as_of));
    json_object_set_new(doc, "as_of_given", json_boolean(c->as_of_given));

    json_t *pt = json_object();
    json_object_set_new(pt, "age_years", c->patient.has_age ? json_real(c->patient.age) : json_null());
    json_object_set_new(pt, "sex", json_string(pn__sex_names[c->patient.sex]));
    json_object_set_new(pt, "smoking", json_string(pn__smoking_names[c->patient.smoking]));
    json_object_set_new(pt, "pack_years",
                        c->patient.has_pack_years ? json_real(c->patient.pack_years) : json_null());
    json_object_set_new(doc, "patient", pt);

    json_t *arr = json_array();
    for (size_t i = 0; i < c->n_findings; i++) {
        const pn_finding *f = &c->findings[i];
        json_t *o = json_object();
        json_object_set_new(o, "hpo", opt_str(f->hpo));
        json_object_set_new(o, "term", f->term >= 0 ? json_string(kb->terms[f->term].label) : json_null());
        if (f->term >= 0 && kb->terms[f->term].maps_to >= 0)
            json_object_set_new(o, "counts_as", json_string(kb->terms[kb->terms[f->term].maps_to].id));
        json_object_set_new(o, "label", opt_str(f->label));
        json_object_set_new(o, "mapped_from_label", json_boolean(f->mapped_from_label));
        json_object_set_new(o, "present", json_boolean(f->present));
        json_object_set_new(o, "onset", date_or_null(f->onset));
        json_object_set_new(o, "course", enum_or_null(pn__course_names, f->course));
        json_object_set_new(o, "course_derived", json_boolean(f->course_derived));
        json_object_set_new(o, "severity", enum_or_null(pn__severity_names, f->severity));
        json_array_append_new(arr, o);
    }
    json_object_set_new(doc, "findings", arr);

    arr = json_array();
    for (size_t i = 0; i < c->n_phenotypes; i++)
        if (c->phenotypes[i] >= 0)
            json_array_append_new(arr, json_string(kb->syndromes[c->phenotypes[i]].id));
    json_object_set_new(doc, "phenotypes", arr);

    arr = json_array();
    for (size_t i = 0; i < c->n_antibodies; i++) {
        const pn_ab_test *a = &c->antibodies[i];
        json_t *o = json_object();
        json_object_set_new(o, "target", json_string(a->target));
        json_object_set_new(o, "antibody", a->antibody >= 0 ? json_string(kb->antibodies[a->antibody].id) : json_null());
        json_object_set_new(o, "result", json_string(pn__ab_result_names[a->result]));
        json_object_set_new(o, "specimen", enum_or_null(pn__specimen_names, a->specimen));
        json_object_set_new(o, "method", enum_or_null(pn__method_names, a->method));
        json_object_set_new(o, "titer", opt_str(a->titer));
        json_array_append_new(arr, o);
    }
    json_object_set_new(doc, "antibodies", arr);

    arr = json_array();
    for (size_t i = 0; i < c->n_labs; i++) {
        const pn_lab_result *l = &c->labs[i];
        json_t *o = json_object();
        json_object_set_new(o, "loinc", opt_str(l->loinc));
        json_object_set_new(o, "name", opt_str(l->name));
        json_object_set_new(o, "lab", l->lab >= 0 ? json_string(kb->labs[l->lab].id) : json_null());
        json_object_set_new(o, "value", json_real(l->value));
        json_object_set_new(o, "unit", opt_str(l->unit));
        if (l->converted) {
            json_object_set_new(o, "canonical_value", json_real(l->canon));
            json_object_set_new(o, "canonical_unit", json_string(kb->labs[l->lab].unit));
        }
        json_object_set_new(o, "date", date_or_null(l->date));
        json_array_append_new(arr, o);
    }
    json_object_set_new(doc, "labs", arr);

    arr = json_array();
    for (size_t i = 0; i < c->n_cancers; i++) {
        const pn_cancer *k = &c->cancers[i];
        json_t *o = json_object();
        json_object_set_new(o, "icd10", opt_str(k->icd10));
        json_object_set_new(o, "name", opt_str(k->name));
        json_object_set_new(o, "tumour", k->tumour >= 0 ? json_string(kb->tumours[k->tumour].id) : json_null());
        json_object_set_new(o, "status", json_string(pn__cancer_status_names[k->status]));
        json_object_set_new(o, "diagnosed", date_or_null(k->diagnosed));
        json_object_set_new(o, "antigen_expression", json_string(pn__antigen_names[k->antigen]));
        json_array_append_new(arr, o);
    }
    json_object_set_new(doc, "cancers", arr);

    json_t *sc = json_object();
    json_object_set_new(sc, "result", enum_or_null(pn__screen_names, c->screening.result));
    json_object_set_new(sc, "first_negative", date_or_null(c->screening.first_negative));
    json_object_set_new(sc, "last", date_or_null(c->screening.last));
    json_object_set_new(doc, "tumor_screening", sc);

    json_t *meds = drug_uses(c->medications, c->n_medications, false);
    json_t *trts = drug_uses(c->treatments, c->n_treatments, true);
    for (int pass = 0; pass < 2; pass++) {
        const pn_drug_use *d = pass ? c->treatments : c->medications;
        json_t *a = pass ? trts : meds;
        for (size_t i = 0; i < json_array_size(a); i++) {
            json_t *cls = json_array();
            for (size_t k = 0; k < d[i].n_classes; k++)
                json_array_append_new(cls, json_string(kb->drugs[d[i].classes[k]].id));
            json_object_set_new(json_array_get(a, i), "classes", cls);
        }
    }
    json_object_set_new(doc, "medications", meds);
    json_object_set_new(doc, "treatments", trts);

    arr = json_array();
    for (size_t i = 0; i < c->n_warnings; i++)
        json_array_append_new(arr, json_string(c->warnings[i]));
    json_object_set_new(doc, "warnings", arr);

    char *s = pn__json_dumps(doc, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) |
                                  ((flags & PN_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT), NULL);
    json_decref(doc);
    return s;
}
