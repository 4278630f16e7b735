/* fhir_out.c - a report written back as FHIR R4: a collection Bundle with
 *   - a RiskAssessment: one prediction per differential entry (outcome coded
 *     with the syndrome's ICD-10-CM / SNOMED CT codes, probabilityDecimal,
 *     rationale from the evidence), the sources as notes;
 *   - an Observation for the PNS-Care score and level (when applicable);
 *   - a draft ServiceRequest (intent proposal) per recommended test.
 * Ids are derived from the report's content, so the same input gives the
 * same ids. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/report_int.h"
#include "fhir/fhir_int.h"
#include "util/jsondump.h"

static const char *s(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* A UUID-shaped id from SHA-256(seed, n): stable for the same report. */
static void stable_id(const char *seed, const char *kind, size_t n, char out[37])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    char buf[600];
    snprintf(buf, sizeof buf, "%s|%s|%zu", seed, kind, n);
    EVP_Digest(buf, strlen(buf), md, &len, EVP_sha256(), NULL);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 style, name-based */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[md[i] >> 4];
        out[k++] = hex[md[i] & 15];
    }
    out[k] = '\0';
}

static json_t *entry(json_t *resource, const char *id)
{
    char url[64];
    snprintf(url, sizeof url, "urn:uuid:%s", id);
    json_object_set_new(resource, "id", json_string(id));
    return json_pack("{s:s, s:o}", "fullUrl", url, "resource", resource);
}

static json_t *outcome(json_t *d)
{
    json_t *cc = json_object();
    json_t *coding = json_array();
    json_t *codes = json_object_get(d, "codes");
    if (json_object_get(codes, "icd10cm"))
        json_array_append_new(coding, json_pack("{s:s, s:s, s:s}", "system", "http://hl7.org/fhir/sid/icd-10-cm",
                                                "code", s(codes, "icd10cm"), "display", s(d, "name")));
    if (json_object_get(codes, "snomed"))
        json_array_append_new(coding, json_pack("{s:s, s:s, s:s}", "system", "http://snomed.info/sct", "code",
                                                s(codes, "snomed"), "display", s(d, "name")));
    json_array_append_new(coding, json_pack("{s:s, s:s, s:s}", "system", "urn:paraneo:syndrome", "code",
                                            s(d, "id"), "display", s(d, "name")));
    json_object_set_new(cc, "coding", coding);
    json_object_set_new(cc, "text", json_string(s(d, "name")));
    return cc;
}

static char *rationale(json_t *d)
{
    char buf[1500];
    size_t n = 0;
    size_t i;
    json_t *ev;
    buf[0] = '\0';
    json_array_foreach(json_object_get(d, "evidence"), i, ev) {
        if (n >= sizeof buf - 100)
            break;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %s (LR %.3g; %s)", i ? "; " : "",
                              strcmp(s(ev, "effect"), "for") == 0 ? "+" : strcmp(s(ev, "effect"), "against") == 0 ? "-" : "=",
                              s(ev, "detail"), json_number_value(json_object_get(ev, "lr")), s(ev, "source"));
    }
    return strdup(buf);
}

json_t *pn__report_fhir_doc(const pn_report *r, const char *subject_ref)
{
    json_t *d = r->doc;
    char *seed_json = pn__json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS, NULL);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    char seed[65];
    EVP_Digest(seed_json ? seed_json : "", seed_json ? strlen(seed_json) : 0, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32 && i < len; i++)
        snprintf(seed + 2 * i, 3, "%02x", md[i]);
    free(seed_json);

    json_t *entries = json_array();
    char id[37];
    const char *as_of = s(d, "as_of");
    json_t *in = json_object_get(d, "fhir_input");
    if (!subject_ref && json_is_string(json_object_get(in, "patient")))
        subject_ref = s(in, "patient");
    json_t *subject = subject_ref ? json_pack("{s:s}", "reference", subject_ref) : NULL;

    /* RiskAssessment */
    json_t *ra = json_pack("{s:s, s:s, s:s}", "resourceType", "RiskAssessment", "status", "preliminary",
                           "occurrenceDateTime", as_of);
    json_object_set_new(ra, "method", json_pack("{s:s}", "text", "paraneo Bayesian differential (docs/model.md)"));
    json_object_set_new(ra, "code", json_pack("{s:s}", "text", "Paraneoplastic syndromes and mimics"));
    if (subject)
        json_object_set_new(ra, "subject", json_incref(subject));
    else
        json_object_set_new(ra, "subject", json_pack("{s:s}", "display", json_is_string(json_object_get(d, "case_id")) ? s(d, "case_id") : "unidentified patient"));
    json_t *basis = json_array();
    size_t bi;
    json_t *bv;
    json_array_foreach(json_object_get(in, "basis"), bi, bv)
        json_array_append_new(basis, json_pack("{s:s}", "reference", json_string_value(bv)));
    if (json_array_size(basis))
        json_object_set_new(ra, "basis", basis);
    else
        json_decref(basis);
    json_t *preds = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(d, "differential"), i, e) {
        char *why = rationale(e);
        json_array_append_new(preds, json_pack("{s:o, s:f, s:s}", "outcome", outcome(e), "probabilityDecimal",
                                               json_number_value(json_object_get(e, "score")), "rationale",
                                               why ? why : ""));
        free(why);
    }
    if (json_array_size(preds))
        json_object_set_new(ra, "prediction", preds);
    else
        json_decref(preds);
    json_t *notes = json_array();
    json_array_foreach(json_object_get(d, "references"), i, e) {
        char buf[800];
        snprintf(buf, sizeof buf, "%s: %s", s(e, "id"), s(e, "citation"));
        json_array_append_new(notes, json_pack("{s:s}", "text", buf));
    }
    json_array_foreach(json_object_get(d, "warnings"), i, e)
        json_array_append_new(notes, json_pack("{s:s}", "text", json_string_value(e)));
    if (json_array_size(notes))
        json_object_set_new(ra, "note", notes);
    else
        json_decref(notes);
    stable_id(seed, "RiskAssessment", 0, id);
    char ra_ref[64];
    snprintf(ra_ref, sizeof ra_ref, "urn:uuid:%s", id);
    json_array_append_new(entries, entry(ra, id));

    /* PNS-Care */
    json_t *p = json_object_get(d, "pns_care");
    if (json_is_true(json_object_get(p, "applicable"))) {
        json_t *obs = json_pack("{s:s, s:s, s:s, s:I}", "resourceType", "Observation", "status", "preliminary",
                                "effectiveDateTime", as_of, "valueInteger",
                                json_integer_value(json_object_get(p, "score")));
        json_object_set_new(obs, "code", json_pack("{s:s}", "text", "PNS-Care score (Graus et al. 2021, PMID 34006622)"));
        json_object_set_new(obs, "interpretation",
                            json_pack("[{s:s}]", "text", s(p, "level")));
        if (subject)
            json_object_set_new(obs, "subject", json_incref(subject));
        const char *parts[] = {"phenotype", "antibody", "cancer"};
        json_t *comp = json_array();
        for (int k = 0; k < 3; k++) {
            json_t *pt = json_object_get(p, parts[k]);
            char text[300];
            snprintf(text, sizeof text, "%s: %s", parts[k],
                     k == 0 ? s(pt, "id") : k == 1 ? (json_is_string(json_object_get(pt, "target")) ? s(pt, "target") : "none")
                                                    : s(pt, "state"));
            json_array_append_new(comp, json_pack("{s:{s:s}, s:I}", "code", "text", text, "valueInteger",
                                                  json_integer_value(json_object_get(pt, "points"))));
        }
        json_object_set_new(obs, "component", comp);
        json_object_set_new(obs, "derivedFrom", json_pack("[{s:s}]", "reference", ra_ref));
        stable_id(seed, "Observation", 0, id);
        json_array_append_new(entries, entry(obs, id));
    }

    /* ServiceRequests for the workup */
    json_array_foreach(json_object_get(d, "workup"), i, e) {
        json_t *sr = json_pack("{s:s, s:s, s:s}", "resourceType", "ServiceRequest", "status", "draft", "intent",
                               "proposal");
        json_object_set_new(sr, "code", json_pack("{s:s}", "text", s(e, "test")));
        char reason[700];
        snprintf(reason, sizeof reason, "%s (%s; when: %s)", s(e, "why"), s(e, "source"), s(e, "when"));
        json_object_set_new(sr, "reasonCode", json_pack("[{s:s}]", "text", reason));
        json_object_set_new(sr, "subject", subject ? json_incref(subject) : json_pack("{s:s}", "display", "the patient of the RiskAssessment"));
        json_object_set_new(sr, "supportingInfo", json_pack("[{s:s}]", "reference", ra_ref));
        stable_id(seed, "ServiceRequest", i, id);
        json_array_append_new(entries, entry(sr, id));
    }
    stable_id(seed, "Bundle", 0, id);
    json_t *bundle = json_pack("{s:s, s:s, s:s, s:o}", "resourceType", "Bundle", "id", id, "type", "collection",
                               "entry", entries);
    char ts[40];
    snprintf(ts, sizeof ts, "%sT00:00:00Z", as_of);
    json_object_set_new(bundle, "timestamp", json_string(ts));
    json_decref(subject);
    return bundle;
}

char *pn_report_fhir(const pn_report *r, const char *subject_ref)
{
    json_t *bundle = pn__report_fhir_doc(r, subject_ref);
    char *out = bundle ? pn__json_dumps(bundle, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6), NULL)
                       : NULL;
    json_decref(bundle);
    return out;
}
