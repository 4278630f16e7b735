/* fhir_in.c - a patient's FHIR R4 data read into a case/1 document.
 *
 * Input: a Bundle (collection, searchset, transaction, batch), a single
 * resource, or NDJSON of resources for one patient.  Each resource is mapped
 * through the KB's terminology (LOINC labs and antibody tests, HPO and
 * SNOMED CT / ICD-10-CM findings, tumours and syndromes, ATC drug classes,
 * text phrases for free-text fields); the result goes through the ordinary
 * case parser, so FHIR and native input meet the same validation.  Every
 * code that maps to nothing is counted and reported, never dropped silently. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/case_int.h"
#include "core/error_int.h"
#include "fhir/fhir_int.h"
#include "kb/kb_int.h"
#include "util/date.h"
#include "util/text.h"

#define FHIR_MAX_RESOURCES 100000

typedef struct fx {
    const pn_kb *kb;
    pn_error *err;
    json_t *res;       /* array of {"r": resource, "path": "$.entry[3].resource"} */
    json_t *doc;       /* the case being built */
    json_t *unmapped;  /* "Type: system|code (display)" -> count */
    json_t *ignored;   /* resource type -> count */
    json_t *warnings;  /* strings */
    json_t *patient;   /* the Patient resource, if any */
    const char *patient_ref;
    const char *patient_path;
    json_t *ids;       /* "Type/id" and fullUrl -> index into res */
    int32_t first_negative, last_screen;
    bool screen_positive, screen_any;
    const char *cur_ref; /* the resource being read: fullUrl or Type/id */
    json_t *basis;       /* references of the resources the case used */
} fx;

/* The resource being read contributed to the case. */
static void used(fx *x)
{
    if (!x->cur_ref)
        return;
    size_t i;
    json_t *v;
    json_array_foreach(x->basis, i, v) if (strcmp(json_string_value(v), x->cur_ref) == 0) return;
    json_array_append_new(x->basis, json_string(x->cur_ref));
}

static const char *js(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int fail(fx *x, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(fx *x, const char *path, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pn__error_set(x->err, PN_EINVAL, "<fhir>", path, "%s", msg);
    return -1;
}

static void warn(fx *x, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void warn(fx *x, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(x->warnings, json_string(msg));
}

static void count(json_t *counter, const char *key)
{
    json_t *v = json_object_get(counter, key);
    json_object_set_new(counter, key, json_integer(v ? json_integer_value(v) + 1 : 1));
}

/* ---- small FHIR readers ---------------------------------------------- */

/* The date part of a FHIR date or dateTime ("2026", "2026-10", "2026-10-28T..."). */
static const char *fhir_date(fx *x, json_t *v, const char *path, char out[11])
{
    const char *s = json_string_value(v);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    int32_t d;
    if (n >= 10) {
        memcpy(out, s, 10);
        out[10] = '\0';
        if (pn__date_parse(out, &d))
            return out;
    } else if (n == 7 || n == 4) {
        memcpy(out, s, n);
        memcpy(out + n, n == 7 ? "-01" : "-01-01", n == 7 ? 4 : 7);
        if (pn__date_parse(out, &d)) {
            warn(x, "%s: partial date \"%s\" read as %s", path, s, out);
            return out;
        }
    }
    warn(x, "%s: \"%.40s\" is not a FHIR date; ignored", path, s);
    return NULL;
}

/* What code system a URI is (from the KB's system mappings), or NULL. */
static const char *system_kind(const fx *x, const char *uri)
{
    const char *kind, *val;
    if (!uri)
        return NULL;
    return pn__kb_mapping(x->kb, "urn:paraneo:code-systems", uri, &kind, &val) ? val : NULL;
}

/* The text of a CodeableConcept: its text, else the first coding's display. */
static const char *cc_text(json_t *cc)
{
    const char *t = js(cc, "text");
    if (t)
        return t;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cc, "coding"), i, c) if (js(c, "display")) return js(c, "display");
    return NULL;
}

/* The first coding of cc in a code system of the given kind. */
static const char *cc_code(const fx *x, json_t *cc, const char *kind)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cc, "coding"), i, c) {
        const char *sk = system_kind(x, js(c, "system"));
        const char *code = js(c, "code");
        if (!code)
            continue;
        if (sk && strcmp(sk, kind) == 0)
            return code;
        if (strcmp(kind, "hpo") == 0 && strncmp(code, "HP:", 3) == 0)
            return code;
    }
    return NULL;
}

/* A coded or free-text value mapped to one kind ("result", "presence", ...). */
static const char *cc_map(const fx *x, json_t *cc, const char *kind)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cc, "coding"), i, c) {
        const char *k, *v;
        if (pn__kb_mapping(x->kb, js(c, "system"), js(c, "code"), &k, &v) && strcmp(k, kind) == 0)
            return v;
    }
    const char *t = cc_text(cc);
    return t ? pn__kb_text_mapping(x->kb, kind, t) : NULL;
}

static bool has_category(json_t *r, const char *code)
{
    size_t i, k;
    json_t *cat, *c;
    json_array_foreach(json_object_get(r, "category"), i, cat) {
        json_array_foreach(json_object_get(cat, "coding"), k, c) if (js(c, "code") &&
                                                                      strcmp(js(c, "code"), code) == 0)
            return true;
        if (js(cat, "text") && strcasecmp(js(cat, "text"), code) == 0)
            return true;
    }
    return false;
}

static const char *status_code(json_t *cc)
{
    json_t *c = json_array_get(json_object_get(cc, "coding"), 0);
    return c ? js(c, "code") : js(cc, "text");
}

static void note_unmapped(fx *x, const char *type, json_t *cc)
{
    char key[400];
    json_t *c = json_array_get(json_object_get(cc, "coding"), 0);
    const char *text = cc_text(cc);
    if (c)
        snprintf(key, sizeof key, "%s: %s|%s (%.60s)", type, js(c, "system") ? js(c, "system") : "?",
                 js(c, "code") ? js(c, "code") : "?", text ? text : "");
    else
        snprintf(key, sizeof key, "%s: text \"%.80s\"", type, text ? text : "(no code, no text)");
    count(x->unmapped, key);
}

/* ---- references ------------------------------------------------------ */

static bool is_patient_ref(fx *x, json_t *ref, const char *path)
{
    const char *r = js(ref, "reference");
    if (!r)
        return true; /* a contained or logical reference: assume this patient */
    json_t *idx = json_object_get(x->ids, r);
    if (!idx) {
        if (x->patient)
            return fail(x, path, "reference \"%.80s\" does not resolve to the Patient of this input "
                                 "(a second patient's data?)", r), false;
        warn(x, "%s: reference \"%.80s\" does not resolve; taken as this patient", path, r);
        return true;
    }
    json_t *target = json_object_get(json_array_get(x->res, (size_t)json_integer_value(idx)), "r");
    if (strcmp(js(target, "resourceType"), "Patient") != 0)
        return fail(x, path, "reference \"%.80s\" points to a %s, not the Patient", r,
                    js(target, "resourceType")), false;
    return true;
}

/* Does the resource's subject (or patient) reference this input's Patient? */
static bool subject_ok(fx *x, json_t *r, const char *path)
{
    const char *keys[] = {"subject", "patient"};
    for (int k = 0; k < 2; k++) {
        json_t *ref = json_object_get(r, keys[k]);
        if (!ref)
            continue;
        char p2[300];
        snprintf(p2, sizeof p2, "%s.%s", path, keys[k]);
        return is_patient_ref(x, ref, p2);
    }
    return true;
}

/* ---- resources ------------------------------------------------------- */

static void add(fx *x, const char *list, json_t *item)
{
    json_t *arr = json_object_get(x->doc, list);
    if (!arr)
        json_object_set_new(x->doc, list, arr = json_array());
    json_array_append_new(arr, item);
    used(x);
}

static void set_patient_field(fx *x, const char *key, json_t *v)
{
    json_t *p = json_object_get(x->doc, "patient");
    if (!p)
        json_object_set_new(x->doc, "patient", p = json_object());
    json_object_set_new(p, key, v);
    used(x);
}

static const char *effective(fx *x, json_t *r, const char *path, char out[11])
{
    json_t *v = json_object_get(r, "effectiveDateTime");
    if (!v)
        v = json_object_get(json_object_get(r, "effectivePeriod"), "start");
    if (!v)
        v = json_object_get(r, "issued");
    return v ? fhir_date(x, v, path, out) : NULL;
}

/* Antibody named in a test's text: any word or word pair that is a known
 * antibody name ("Hu (ANNA-1) IgG antibody, serum" -> Hu). */
static int antibody_in_text(const pn_kb *kb, const char *text)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    char *words[32];
    int n = 0;
    for (char *p = strtok(buf, " ,;()[]"); p && n < 32; p = strtok(NULL, " ,;()[]"))
        words[n++] = p;
    for (int i = 0; i < n; i++) {
        int a = pn__kb_antibody_by_name(kb, words[i]);
        if (a >= 0)
            return a;
        if (i + 1 < n) {
            char pair[128];
            snprintf(pair, sizeof pair, "%s %s", words[i], words[i + 1]);
            if ((a = pn__kb_antibody_by_name(kb, pair)) >= 0)
                return a;
        }
    }
    return -1;
}

static int antibody_by_loinc(const pn_kb *kb, const char *code)
{
    for (size_t a = 0; code && a < kb->n_antibodies; a++) {
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(kb->antibodies[a].obj, "loinc"), i, l) if (
            strcmp(json_string_value(l), code) == 0) return (int)a;
    }
    return -1;
}

static const char *value_result(fx *x, json_t *r)
{
    json_t *v;
    if ((v = json_object_get(r, "valueCodeableConcept")))
        return cc_map(x, v, "result");
    if ((v = json_object_get(r, "valueString")))
        return pn__kb_text_mapping(x->kb, "result", json_string_value(v));
    if ((v = json_object_get(r, "valueBoolean")))
        return json_is_true(v) ? "positive" : "negative";
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r, "interpretation"), i, it) {
        const char *c = status_code(it);
        if (c && (!strcmp(c, "POS") || !strcmp(c, "H") || !strcmp(c, "HH") || !strcmp(c, "A")))
            return "positive";
        if (c && (!strcmp(c, "NEG") || !strcmp(c, "N")))
            return "negative";
    }
    return NULL;
}

static int observation_antibody(fx *x, json_t *r, int ab, const char *path)
{
    const char *result = value_result(x, r);
    if (!result) {
        warn(x, "%s: antibody test without a readable result (positive/negative); ignored", path);
        return 0;
    }
    json_t *o = json_pack("{s:s, s:s}", "target", x->kb->antibodies[ab].id, "result", result);
    const char *m = json_object_get(r, "method") ? cc_map(x, json_object_get(r, "method"), "method") : NULL;
    if (m)
        json_object_set_new(o, "method", json_string(m));
    const char *spec = NULL;
    json_t *sp = json_object_get(r, "specimen");
    if (js(sp, "display"))
        spec = pn__kb_text_mapping(x->kb, "specimen", js(sp, "display"));
    if (!spec && cc_text(json_object_get(r, "code")))
        spec = pn__kb_text_mapping(x->kb, "specimen", cc_text(json_object_get(r, "code")));
    if (spec)
        json_object_set_new(o, "specimen", json_string(spec));
    size_t i;
    json_t *comp;
    json_array_foreach(json_object_get(r, "component"), i, comp) {
        const char *t = cc_text(json_object_get(comp, "code"));
        if (t && strstr(t, "titer") && js(comp, "valueString"))
            json_object_set_new(o, "titer", json_string(js(comp, "valueString")));
    }
    add(x, "antibodies", o);
    return 0;
}

static int observation_lab(fx *x, json_t *r, const char *loinc, const char *name, const char *path)
{
    json_t *q = json_object_get(r, "valueQuantity");
    char p2[300];
    snprintf(p2, sizeof p2, "%s.valueQuantity.value", path);
    json_t *val = json_object_get(q, "value");
    if (!json_is_number(val))
        return fail(x, p2, "a laboratory result needs a numeric valueQuantity.value");
    json_t *o = json_object();
    if (loinc)
        json_object_set_new(o, "loinc", json_string(loinc));
    if (name)
        json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "value", json_real(json_number_value(val)));
    const char *unit = js(q, "code") ? js(q, "code") : js(q, "unit");
    if (unit)
        json_object_set_new(o, "unit", json_string(unit));
    const char *usys = js(q, "system");
    if (usys && strcmp(usys, "http://unitsofmeasure.org") != 0)
        warn(x, "%s.valueQuantity.system: \"%.60s\" is not UCUM; the unit \"%s\" is read as written",
             path, usys, unit ? unit : "");
    char d[11];
    if (effective(x, r, path, d))
        json_object_set_new(o, "date", json_string(d));
    add(x, "labs", o);
    return 0;
}

static void finding_common(fx *x, json_t *r, json_t *o, const char *path)
{
    const char *presence = NULL;
    json_t *v;
    if ((v = json_object_get(r, "valueCodeableConcept")))
        presence = cc_map(x, v, "presence");
    else if ((v = json_object_get(r, "valueBoolean")))
        presence = json_is_true(v) ? "present" : "absent";
    else if ((v = json_object_get(r, "valueString")))
        presence = pn__kb_text_mapping(x->kb, "presence", json_string_value(v));
    if (presence && strcmp(presence, "absent") == 0)
        json_object_set_new(o, "present", json_false());
    char d[11];
    json_t *start = json_object_get(json_object_get(r, "effectivePeriod"), "start");
    if (start && fhir_date(x, start, path, d))
        json_object_set_new(o, "onset", json_string(d));
    else if ((v = json_object_get(r, "onsetDateTime")) && fhir_date(x, v, path, d))
        json_object_set_new(o, "onset", json_string(d));
    size_t i;
    json_t *comp;
    json_array_foreach(json_object_get(r, "component"), i, comp) {
        const char *t = cc_text(json_object_get(comp, "code"));
        json_t *cv = json_object_get(comp, "valueCodeableConcept");
        const char *val = cv ? cc_text(cv) : js(comp, "valueString");
        if (!t || !val)
            continue;
        const char *m = NULL;
        if (strstr(t, "course") && (m = pn__kb_text_mapping(x->kb, "course", val)))
            json_object_set_new(o, "course", json_string(m));
        if (strstr(t, "severity") && (m = pn__kb_text_mapping(x->kb, "severity", val)))
            json_object_set_new(o, "severity", json_string(m));
    }
    json_t *sev = json_object_get(r, "severity");
    if (!sev)
        sev = json_array_get(json_object_get(r, "interpretation"), 0);
    const char *m = sev && cc_text(sev) ? pn__kb_text_mapping(x->kb, "severity", cc_text(sev)) : NULL;
    if (m && !json_object_get(o, "severity"))
        json_object_set_new(o, "severity", json_string(m));
}

/* A finding from coded terms: HPO first, then SNOMED CT / ICD-10-CM mappings. */
static const char *term_of(fx *x, json_t *cc)
{
    const char *hpo = cc_code(x, cc, "hpo");
    if (hpo)
        return hpo;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cc, "coding"), i, c) {
        const char *k, *v;
        if (pn__kb_mapping(x->kb, js(c, "system"), js(c, "code"), &k, &v) && strcmp(k, "term") == 0)
            return v;
    }
    return NULL;
}

static int observation(fx *x, json_t *r, const char *path)
{
    json_t *code = json_object_get(r, "code");
    const char *text = cc_text(code);
    const char *st = js(r, "status");
    if (st && (!strcmp(st, "entered-in-error") || !strcmp(st, "cancelled")))
        return 0;
    /* smoking */
    const char *obs_kind = NULL;
    const char *loinc = cc_code(x, code, "loinc");
    const char *k, *v;
    if (loinc && pn__kb_mapping(x->kb, "http://loinc.org", loinc, &k, &v) && !strcmp(k, "observation"))
        obs_kind = v;
    if (!obs_kind && text && has_category(r, "social-history"))
        obs_kind = pn__kb_text_mapping(x->kb, "observation", text);
    if (obs_kind && !strcmp(obs_kind, "smoking-status")) {
        json_t *vc = json_object_get(r, "valueCodeableConcept");
        const char *sm = vc ? cc_map(x, vc, "smoking") : NULL;
        if (sm)
            set_patient_field(x, "smoking", json_string(sm));
        else
            note_unmapped(x, "Observation smoking status value", vc);
        return 0;
    }
    if (obs_kind && !strcmp(obs_kind, "pack-years")) {
        json_t *val = json_object_get(json_object_get(r, "valueQuantity"), "value");
        if (json_is_number(val))
            set_patient_field(x, "pack_years", json_real(json_number_value(val)));
        return 0;
    }
    /* antibody tests: by LOINC, else by the antibody named in the text */
    int ab = antibody_by_loinc(x->kb, loinc);
    bool qualitative = json_object_get(r, "valueCodeableConcept") || json_object_get(r, "valueString") ||
                       json_object_get(r, "valueBoolean");
    if (ab < 0 && text && has_category(r, "laboratory") && qualitative)
        ab = antibody_in_text(x->kb, text);
    if (ab >= 0)
        return observation_antibody(x, r, ab, path);
    /* findings */
    const char *term = term_of(x, code);
    if (term || (has_category(r, "exam") && !json_object_get(r, "valueQuantity"))) {
        json_t *o = json_object();
        if (term && pn__code_is_hpo(term))
            json_object_set_new(o, "hpo", json_string(term));
        if (text)
            json_object_set_new(o, "label", json_string(text));
        else if (term && !pn__code_is_hpo(term))
            json_object_set_new(o, "label", json_string(x->kb->terms[pn__kb_find(x->kb, PN_SEC_TERMS, term)].label));
        if (!json_object_size(o)) {
            json_decref(o);
            note_unmapped(x, "Observation", code);
            return 0;
        }
        finding_common(x, r, o, path);
        add(x, "findings", o);
        return 0;
    }
    /* labs */
    if (json_object_get(r, "valueQuantity")) {
        bool valid = loinc && pn__code_loinc_ok(loinc);
        int lab = valid ? pn__kb_lab_by_loinc(x->kb, loinc) : -1;
        if (lab < 0 && text)
            lab = pn__kb_lab_by_name(x->kb, text);
        if (lab < 0) {
            /* a result the KB has no analyte for: counted, not carried */
            note_unmapped(x, "Observation lab", code);
            return 0;
        }
        return observation_lab(x, r, valid ? loinc : NULL, text, path);
    }
    note_unmapped(x, "Observation", code);
    return 0;
}

static bool looks_malignant(const char *text)
{
    /* words that make a problem-list text a cancer rather than an organ */
    static const char *const words[] = {"cancer", "carcinoma", "lymphoma", "leukemia", "leukaemia",
                                        "sarcoma", "melanoma", "myeloma", "tumour", "tumor", "neoplasm",
                                        "malignan", "blastoma", "seminoma", "thymoma", "teratoma",
                                        "carcinoid", "mesothelioma", NULL};
    char f[512];
    if (!text || pn__text_fold(text, f, sizeof f) == (size_t)-1)
        return false;
    for (const char *const *w = words; *w; w++)
        if (strstr(f, *w))
            return true;
    return false;
}

static int syndrome_of(fx *x, json_t *cc)
{
    const char *text = cc_text(cc);
    char f[256], g[256];
    if (text && pn__text_fold(text, f, sizeof f) != (size_t)-1) {
        for (size_t s = 0; s < x->kb->n_syndromes; s++)
            if (pn__text_fold(x->kb->syndromes[s].name, g, sizeof g) != (size_t)-1 && strcmp(f, g) == 0)
                return (int)s;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(cc, "coding"), i, c) {
        const char *k, *v;
        if (pn__kb_mapping(x->kb, js(c, "system"), js(c, "code"), &k, &v) && strcmp(k, "syndrome") == 0)
            return pn__kb_find(x->kb, PN_SEC_SYNDROMES, v);
    }
    return -1;
}

static int condition(fx *x, json_t *r, const char *path)
{
    const char *ver = status_code(json_object_get(r, "verificationStatus"));
    if (ver && (!strcmp(ver, "entered-in-error") || !strcmp(ver, "refuted")))
        return 0;
    json_t *code = json_object_get(r, "code");
    const char *text = cc_text(code);
    const char *icd = cc_code(x, code, "icd10cm");
    char d[11];
    json_t *onset = json_object_get(r, "onsetDateTime");
    if (!onset)
        onset = json_object_get(json_object_get(r, "onsetPeriod"), "start");
    if (!onset)
        onset = json_object_get(r, "recordedDate");
    /* a cancer? */
    int tumour = -1;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(code, "coding"), i, c) {
        const char *k, *v;
        if (tumour < 0 && pn__kb_mapping(x->kb, js(c, "system"), js(c, "code"), &k, &v) &&
            strcmp(k, "tumour") == 0)
            tumour = pn__kb_find(x->kb, PN_SEC_TUMOURS, v);
    }
    bool icd_cancer = icd && (icd[0] == 'C' || (icd[0] == 'D' && icd[1] >= '0' && icd[1] <= '4'));
    if (tumour < 0 && (icd_cancer || looks_malignant(text)))
        tumour = pn__kb_tumour_match(x->kb, icd_cancer ? icd : NULL, text);
    if (tumour >= 0 || icd_cancer) {
        json_t *o = json_object();
        if (icd_cancer && pn__code_icd10_ok(icd))
            json_object_set_new(o, "icd10", json_string(icd));
        json_object_set_new(o, "name", json_string(text ? text : tumour >= 0 ? x->kb->tumours[tumour].name : icd));
        const char *cs = status_code(json_object_get(r, "clinicalStatus"));
        const char *status = "active";
        if (ver && (!strcmp(ver, "provisional") || !strcmp(ver, "differential") || !strcmp(ver, "unconfirmed")))
            status = "suspected";
        else if (cs && !strcmp(cs, "remission"))
            status = "remission";
        else if (cs && (!strcmp(cs, "resolved") || !strcmp(cs, "inactive")))
            status = "history";
        json_object_set_new(o, "status", json_string(status));
        if (onset && fhir_date(x, onset, path, d))
            json_object_set_new(o, "diagnosed", json_string(d));
        add(x, "cancers", o);
        return 0;
    }
    /* a syndrome the clinician named? */
    int s = syndrome_of(x, code);
    if (s >= 0) {
        add(x, "phenotypes", json_string(x->kb->syndromes[s].id));
        return 0;
    }
    /* a finding on the problem list? */
    const char *term = term_of(x, code);
    if (term) {
        json_t *o = json_object();
        if (pn__code_is_hpo(term))
            json_object_set_new(o, "hpo", json_string(term));
        json_object_set_new(o, "label", json_string(text ? text : term));
        const char *cs = status_code(json_object_get(r, "clinicalStatus"));
        if (cs && (!strcmp(cs, "resolved") || !strcmp(cs, "inactive")))
            json_object_set_new(o, "present", json_false());
        finding_common(x, r, o, path);
        add(x, "findings", o);
        return 0;
    }
    note_unmapped(x, "Condition", code);
    return 0;
}

static int medication(fx *x, json_t *r, const char *path)
{
    const char *st = js(r, "status");
    if (st && (!strcmp(st, "entered-in-error") || !strcmp(st, "not-taken") || !strcmp(st, "cancelled")))
        return 0;
    json_t *cc = json_object_get(r, "medicationCodeableConcept");
    if (!cc) {
        json_t *ref = json_object_get(r, "medicationReference");
        json_t *idx = js(ref, "reference") ? json_object_get(x->ids, js(ref, "reference")) : NULL;
        if (idx)
            cc = json_object_get(json_object_get(json_array_get(x->res, (size_t)json_integer_value(idx)), "r"), "code");
        else if (ref)
            warn(x, "%s.medicationReference: \"%.80s\" does not resolve", path,
                 js(ref, "reference") ? js(ref, "reference") : "");
    }
    const char *name = cc_text(cc), *atc = cc_code(x, cc, "atc");
    if (!name && !atc) {
        note_unmapped(x, js(r, "resourceType"), cc);
        return 0;
    }
    json_t *o = json_object();
    if (name)
        json_object_set_new(o, "name", json_string(name));
    if (atc && pn__code_atc_ok(atc))
        json_object_set_new(o, "atc", json_string(atc));
    char d[11];
    json_t *per = json_object_get(r, "effectivePeriod");
    json_t *start = json_object_get(per, "start");
    if (!start)
        start = json_object_get(r, "effectiveDateTime");
    if (!start)
        start = json_object_get(r, "authoredOn");
    if (start && fhir_date(x, start, path, d))
        json_object_set_new(o, "start", json_string(d));
    if (json_object_get(per, "end") && fhir_date(x, json_object_get(per, "end"), path, d))
        json_object_set_new(o, "end", json_string(d));
    add(x, "medications", o);
    return 0;
}

static int procedure(fx *x, json_t *r, const char *path)
{
    const char *st = js(r, "status");
    if (st && (!strcmp(st, "entered-in-error") || !strcmp(st, "not-done")))
        return 0;
    json_t *code = json_object_get(r, "code");
    const char *text = cc_text(code);
    const char *kind = cc_map(x, code, "procedure");
    if (!kind) {
        note_unmapped(x, "Procedure", code);
        return 0;
    }
    char d1[11] = "", d2[11] = "";
    json_t *per = json_object_get(r, "performedPeriod");
    json_t *start = json_object_get(per, "start");
    if (!start)
        start = json_object_get(r, "performedDateTime");
    bool has_start = start && fhir_date(x, start, path, d1);
    bool has_end = json_object_get(per, "end") && fhir_date(x, json_object_get(per, "end"), path, d2);
    if (!strcmp(kind, "screening")) {
        json_t *out = json_object_get(r, "outcome");
        const char *res = out ? cc_map(x, out, "outcome") : NULL;
        int32_t day;
        if (!res || !has_start || !pn__date_parse(d1, &day)) {
            warn(x, "%s: screening procedure \"%.60s\" without a readable outcome and date; ignored", path,
                 text ? text : "");
            return 0;
        }
        x->screen_any = true;
        used(x);
        if (!strcmp(res, "positive")) {
            x->screen_positive = true;
        } else if (x->first_negative == PN_NO_DATE || day < x->first_negative) {
            x->first_negative = day;
        }
        if (x->last_screen == PN_NO_DATE || day > x->last_screen)
            x->last_screen = day;
        return 0;
    }
    json_t *o = json_pack("{s:s}", "kind", kind);
    if (text)
        json_object_set_new(o, "name", json_string(text));
    if (has_start)
        json_object_set_new(o, "start", json_string(d1));
    if (has_end)
        json_object_set_new(o, "end", json_string(d2));
    else if (has_start && !per)
        json_object_set_new(o, "end", json_string(d1));
    add(x, "treatments", o);
    return 0;
}

static int diagnostic_report(fx *x, json_t *r, const char *path)
{
    size_t i;
    json_t *ref;
    json_array_foreach(json_object_get(r, "result"), i, ref) {
        const char *s = js(ref, "reference");
        if (s && !json_object_get(x->ids, s))
            warn(x, "%s.result[%zu]: \"%.80s\" does not resolve; that result is not in the input", path, i, s);
    }
    return 0;
}

/* ---- input shapes ---------------------------------------------------- */

static const char *const supported[] = {"Patient", "Observation", "Condition", "MedicationStatement",
                                        "MedicationRequest", "Procedure", "DiagnosticReport", NULL};
static const char *const known_other[] = {"Encounter", "Practitioner", "PractitionerRole", "Organization",
                                          "Location", "Specimen", "Medication", "AllergyIntolerance",
                                          "Immunization", "CarePlan", "CareTeam", "Provenance",
                                          "DocumentReference", "ServiceRequest", "Device", "Claim",
                                          "ExplanationOfBenefit", "Coverage", "Goal", "ImagingStudy",
                                          "FamilyMemberHistory", "RiskAssessment", "MedicationAdministration",
                                          "MedicationDispense", NULL};

static bool in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (s && strcmp(s, *list) == 0)
            return true;
    return false;
}

static int collect(fx *x, json_t *r, const char *path, const char *full_url)
{
    if (!json_is_object(r))
        return fail(x, path, "a resource must be a JSON object");
    const char *type = js(r, "resourceType");
    if (!type) {
        char p2[300];
        snprintf(p2, sizeof p2, "%s.resourceType", path);
        return fail(x, p2, "missing: not a FHIR resource");
    }
    if (!in(type, supported) && !in(type, known_other) && strcmp(type, "Bundle") != 0) {
        char p2[300];
        snprintf(p2, sizeof p2, "%s.resourceType", path);
        return fail(x, p2, "\"%.60s\" is not a FHIR R4 resource type paraneo knows", type);
    }
    if (json_array_size(x->res) >= FHIR_MAX_RESOURCES)
        return fail(x, path, "more than %d resources for one patient", FHIR_MAX_RESOURCES);
    size_t idx = json_array_size(x->res);
    json_t *item = json_pack("{s:O, s:s}", "r", r, "path", path);
    json_array_append_new(x->res, item);
    char key[300];
    if (js(r, "id")) {
        snprintf(key, sizeof key, "%s/%s", type, js(r, "id"));
        json_object_set_new(x->ids, key, json_integer((json_int_t)idx));
        json_object_set_new(item, "url", json_string(key));
    }
    if (full_url)
        json_object_set_new(item, "url", json_string(full_url));
    if (full_url)
        json_object_set_new(x->ids, full_url, json_integer((json_int_t)idx));
    return 0;
}

static int read_input(fx *x, const char *data, size_t len, json_t **root_out)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    *root_out = root;
    if (root) {
        if (!json_is_object(root))
            return fail(x, "$", "FHIR input must be a resource (a JSON object) or NDJSON of resources");
        if (!js(root, "resourceType"))
            return fail(x, "$.resourceType", "missing: this JSON is not a FHIR resource%s",
                        json_object_get(root, "paraneo") ? " (it looks like a case/1 document)" : "");
        if (strcmp(js(root, "resourceType"), "Bundle") != 0)
            return collect(x, root, "$", NULL);
        json_t *entries = json_object_get(root, "entry");
        if (entries && !json_is_array(entries))
            return fail(x, "$.entry", "must be an array");
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
            char path[64];
            snprintf(path, sizeof path, "$.entry[%zu].resource", i);
            json_t *r = json_object_get(e, "resource");
            if (!r) {
                if (json_object_get(e, "request") && !json_object_get(e, "resource"))
                    continue; /* a transaction entry without a body (DELETE) */
                return fail(x, path, "missing: a Bundle entry needs a resource");
            }
            if (collect(x, r, path, js(e, "fullUrl")))
                return -1;
        }
        return 0;
    }
    /* NDJSON: one resource per line */
    const char *p = data, *end = data + len;
    size_t line = 0;
    if (len == 0 || (je.position > 0 && memchr(data, '\n', len) == NULL))
        return fail(x, "$", "not valid JSON at line %d, column %d: %s", je.line, je.column,
                    pn__json_reason(je.text, (char[200]){0}, 200));
    *root_out = json_array();
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        size_t n = (size_t)(le - p);
        bool blank = true;
        for (size_t k = 0; k < n; k++)
            blank &= isspace((unsigned char)p[k]) != 0;
        if (!blank) {
            json_t *r = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
            char path[64];
            snprintf(path, sizeof path, "line %zu", line);
            if (!r)
                return fail(x, path, "not valid JSON at column %d: %s (NDJSON needs one resource per line)",
                            je.column, pn__json_reason(je.text, (char[200]){0}, 200));
            json_array_append_new(*root_out, r);
            if (collect(x, r, path, NULL))
                return -1;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

pn_status pn__fhir_to_case(const pn_kb *kb, const char *data, size_t len, json_t **case_doc,
                           json_t **warnings, json_t **refs, pn_error *err)
{
    *case_doc = NULL;
    *warnings = NULL;
    *refs = NULL;
    if (len > PN_FHIR_MAX_BYTES)
        return pn__error_set(err, PN_ETOOBIG, "<fhir>", "$", "FHIR input of %zu bytes is larger than %u",
                             len, PN_FHIR_MAX_BYTES);
    fx x = {.kb = kb, .err = err, .res = json_array(), .doc = json_object(), .unmapped = json_object(),
            .ignored = json_object(), .warnings = json_array(), .ids = json_object(), .basis = json_array(),
            .first_negative = PN_NO_DATE, .last_screen = PN_NO_DATE};
    json_t *root = NULL;
    int rc = read_input(&x, data, len, &root);
    json_object_set_new(x.doc, "paraneo", json_string("case/1"));
    /* as_of and id from the Bundle */
    char d[11];
    if (!rc && json_is_object(root) && js(root, "resourceType") && !strcmp(js(root, "resourceType"), "Bundle")) {
        if (js(root, "id"))
            json_object_set_new(x.doc, "id", json_string(js(root, "id")));
        json_t *ts = json_object_get(root, "timestamp");
        if (!ts)
            ts = json_object_get(json_object_get(root, "meta"), "lastUpdated");
        if (ts && fhir_date(&x, ts, "$.timestamp", d))
            json_object_set_new(x.doc, "as_of", json_string(d));
    }
    /* the Patient: at most one */
    size_t i;
    json_t *item;
    json_array_foreach(x.res, i, item) {
        if (rc)
            break;
        json_t *r = json_object_get(item, "r");
        if (strcmp(js(r, "resourceType"), "Patient") != 0)
            continue;
        if (x.patient) {
            rc = fail(&x, js(item, "path"), "a second Patient: paraneo reads one patient at a time (the "
                                            "first is at %s)",
                      x.patient_path);
            break;
        }
        x.patient = r;
        x.patient_path = js(item, "path");
        x.patient_ref = js(item, "url");
        if (!json_object_get(x.doc, "id") && js(r, "id"))
            json_object_set_new(x.doc, "id", json_string(js(r, "id")));
    }
    if (!rc && x.patient) {
        const char *g = js(x.patient, "gender");
        if (g)
            set_patient_field(&x, "sex", json_string(!strcmp(g, "male") || !strcmp(g, "female") ||
                                                             !strcmp(g, "other")
                                                         ? g
                                                         : "unknown"));
        char bd[11];
        int32_t birth, asof;
        if (fhir_date(&x, json_object_get(x.patient, "birthDate"), "Patient.birthDate", bd) &&
            pn__date_parse(bd, &birth)) {
            const char *a = js(x.doc, "as_of");
            if (!a || !pn__date_parse(a, &asof))
                asof = pn__date_today();
            int by, bm, bdd, ay, am, ad;
            pn__date_to_ymd(birth, &by, &bm, &bdd);
            pn__date_to_ymd(asof, &ay, &am, &ad);
            int age = ay - by - ((am < bm || (am == bm && ad < bdd)) ? 1 : 0);
            if (age >= 0 && age < 130)
                set_patient_field(&x, "age_years", json_integer(age));
            else
                warn(&x, "%s.birthDate: gives an age of %d; ignored", x.patient_path, age);
        }
        if (json_is_true(json_object_get(x.patient, "deceasedBoolean")) ||
            json_object_get(x.patient, "deceasedDateTime"))
            warn(&x, "%s: the patient is recorded as deceased", x.patient_path);
    }
    json_array_foreach(x.res, i, item) {
        if (rc)
            break;
        json_t *r = json_object_get(item, "r");
        const char *type = js(r, "resourceType"), *path = js(item, "path");
        x.cur_ref = js(item, "url");
        if (strcmp(type, "Patient") != 0 && !subject_ok(&x, r, path))
            rc = -1;
        else if (!strcmp(type, "Observation"))
            rc = observation(&x, r, path);
        else if (!strcmp(type, "Condition"))
            rc = condition(&x, r, path);
        else if (!strcmp(type, "MedicationStatement") || !strcmp(type, "MedicationRequest"))
            rc = medication(&x, r, path);
        else if (!strcmp(type, "Procedure"))
            rc = procedure(&x, r, path);
        else if (!strcmp(type, "DiagnosticReport"))
            rc = diagnostic_report(&x, r, path);
        else if (strcmp(type, "Patient") != 0)
            count(x.ignored, type);
    }
    if (!rc && x.screen_any) {
        json_t *s = json_object();
        json_object_set_new(s, "result", json_string(x.screen_positive ? "positive" : "negative"));
        if (x.first_negative != PN_NO_DATE) {
            pn__date_format(x.first_negative, d);
            json_object_set_new(s, "first_negative", json_string(d));
        }
        if (x.last_screen != PN_NO_DATE) {
            pn__date_format(x.last_screen, d);
            json_object_set_new(s, "last", json_string(d));
        }
        json_object_set_new(x.doc, "tumor_screening", s);
    }
    if (!rc) {
        /* an absent list in FHIR means "none recorded" only for cancers */
        if (!json_object_get(x.doc, "cancers"))
            json_object_set_new(x.doc, "cancers", json_array());
        const char *key;
        json_t *v;
        json_object_foreach(x.unmapped, key, v)
            warn(&x, "FHIR: unmapped %s: %lld time%s", key, (long long)json_integer_value(v),
                 json_integer_value(v) > 1 ? "s" : "");
        json_object_foreach(x.ignored, key, v)
            warn(&x, "FHIR: %lld %s resource%s not used", (long long)json_integer_value(v), key,
                 json_integer_value(v) > 1 ? "s" : "");
    }
    json_t *refs_out = json_pack("{s:s?, s:O}", "patient", x.patient_ref, "basis", x.basis);
    json_decref(x.basis);
    json_decref(root);
    json_decref(x.res);
    json_decref(x.unmapped);
    json_decref(x.ignored);
    json_decref(x.ids);
    if (rc) {
        json_decref(refs_out);
        json_decref(x.doc);
        json_decref(x.warnings);
        return err && err->status == PN_ENOMEM ? PN_ENOMEM : PN_EINVAL;
    }
    *case_doc = x.doc;
    *warnings = x.warnings;
    *refs = refs_out;
    return PN_OK;
}

pn_status pn_case_parse_fhir(const pn_kb *kb, const char *data, size_t len, pn_case **out,
                             pn_error *err)
{
    json_t *doc, *warnings, *refs;
    *out = NULL;
    pn_status st = pn__fhir_to_case(kb, data, len, &doc, &warnings, &refs, err);
    if (st != PN_OK)
        return st;
    st = pn__case_from_doc(kb, doc, out, err);
    json_decref(doc);
    if (st == PN_OK) {
        pn_case *c = *out;
        const char *pr = json_string_value(json_object_get(refs, "patient"));
        c->fhir_patient = pr ? pn__arena_strdup(&c->arena, pr) : NULL;
        json_t *b = json_object_get(refs, "basis");
        c->n_fhir_basis = json_array_size(b);
        c->fhir_basis = pn__arena_alloc(&c->arena, (c->n_fhir_basis + 1) * sizeof *c->fhir_basis);
        for (size_t i = 0; c->fhir_basis && i < c->n_fhir_basis; i++)
            c->fhir_basis[i] = pn__arena_strdup(&c->arena, json_string_value(json_array_get(b, i)));
        if (!c->fhir_basis)
            c->n_fhir_basis = 0;
        size_t i;
        json_t *w;
        json_array_foreach(warnings, i, w) {
            if (!pn__case_warn(*out, "%s", json_string_value(w))) {
                pn_case_free(*out);
                *out = NULL;
                st = pn__error_set(err, PN_ENOMEM, "<fhir>", "$", "out of memory");
                break;
            }
        }
    } else {
        /* the mapped case failed validation: say it came from FHIR */
        char msg[sizeof err->message + 40];
        snprintf(msg, sizeof msg, "after reading the FHIR input: %s", err->message);
        memcpy(err->message, msg, sizeof err->message - 1);
        err->message[sizeof err->message - 1] = '\0';
        snprintf(err->file, sizeof err->file, "<fhir>");
    }
    json_decref(warnings);
    json_decref(refs);
    return st;
}

int pn_input_is_fhir(const char *data, size_t len)
{
    /* The first JSON value decides: an object with "resourceType" and no
     * "paraneo" tag is FHIR (for NDJSON, the first line). */
    json_error_t je;
    json_t *first = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, &je);
    int fhir = json_is_object(first) && json_object_get(first, "resourceType") &&
               !json_object_get(first, "paraneo");
    json_decref(first);
    return fhir;
}
