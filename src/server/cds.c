/* cds.c - CDS Hooks 2.0: discovery, the patient-view and order-select
 * services, and feedback.
 *
 * A service reads the patient's data from prefetch, or from the EHR's FHIR
 * server with the access token it was given when prefetch is missing (412
 * when neither is there), evaluates it with the engine, stores the
 * evaluation, and answers with at most one card: nothing when nothing is
 * suspected, so clinicians are not trained to ignore it.  order-select also
 * stays silent when the orders being selected already screen for a tumour:
 * the card is there to say that a suspected paraneoplastic syndrome has no
 * tumour screening among the orders. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/report_int.h"
#include "fhir/fhir_int.h"
#include "kb/kb_int.h"
#include "server/fetch.h"
#include "server/server_int.h"
#include "util/jsondump.h"

/* The services this process offers: id, hook, title, description. */
static const struct service {
    const char *id, *hook, *title, *description;
} services[] = {
    {"paraneo-patient-view", "patient-view", "paraneo: paraneoplastic syndromes",
     "Looks at the patient's findings, neural antibodies, labs, cancers and drugs for a "
     "paraneoplastic syndrome or its mimics; says which cancer to look for, the workup to "
     "order and when to screen again. Every statement is sourced."},
    {"paraneo-order-select", "order-select", "paraneo: tumour screening missing from these orders",
     "When orders are selected for a patient in whom a paraneoplastic syndrome is suspected and "
     "none of the draft orders screens for a tumour (CT, PET, MRI, ultrasound, mammography, "
     "colonoscopy...), suggests the workup to add, with its sources. Silent otherwise."},
};
#define N_SERVICES (sizeof services / sizeof services[0])

static const struct service *service_by_id(const char *id)
{
    for (size_t i = 0; i < N_SERVICES; i++)
        if (strcmp(services[i].id, id) == 0)
            return &services[i];
    return NULL;
}
#define FETCH_TIMEOUT_MS 15000
/* Below this score a paraneoplastic entry alone does not make a card (a
 * display setting, docs/service.md; the engine's scores are unchanged). */
#define CARD_MIN_SCORE 0.3

static const char *const prefetch_keys[][2] = {
    {"patient", "Patient/{{context.patientId}}"},
    {"observations", "Observation?patient={{context.patientId}}"},
    {"conditions", "Condition?patient={{context.patientId}}"},
    {"medications", "MedicationStatement?patient={{context.patientId}}"},
    {"medicationRequests", "MedicationRequest?patient={{context.patientId}}"},
    {"procedures", "Procedure?patient={{context.patientId}}"},
};
#define N_PREFETCH (sizeof prefetch_keys / sizeof prefetch_keys[0])

int pn__cds_init(pn_server *s)
{
    json_t *list = json_array();
    for (size_t k = 0; list && k < N_SERVICES; k++) {
        json_t *prefetch = json_object();
        for (size_t i = 0; i < N_PREFETCH; i++)
            json_object_set_new(prefetch, prefetch_keys[i][0], json_string(prefetch_keys[i][1]));
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "hook", services[k].hook,
                                              "id", services[k].id, "title", services[k].title,
                                              "description", services[k].description,
                                              "prefetch", prefetch));
    }
    json_t *doc = list ? json_pack("{s:o}", "services", list) : NULL;
    s->discovery = doc ? pn__json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL) : NULL;
    json_decref(doc);
    if (!s->discovery)
        return -1;
    s->discovery_len = strlen(s->discovery);
    return 0;
}

void pn__h_cds_discovery(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    rs->status = 200;
    rs->body = s->discovery;
    rs->len = s->discovery_len;
    rs->is_static = true;
}

/* JWT as the spec requires, unless --insecure-dev switched it off. */
static bool authorised(pn_server *s, pn_req *rq, pn_resp *rs)
{
    if (s->cfg.insecure_dev)
        return true;
    rs->www_authenticate = "Bearer realm=\"paraneo-cds\"";
    if (!s->auth) {
        pn__problem(rs, 401, "unauthorized",
                    "no CDS client is configured on this service (see the auth section of the "
                    "config file)",
                    NULL);
        return false;
    }
    char audience[700], why[256] = "";
    snprintf(audience, sizeof audience, "%scds-services/%s", s->base_url, rq->param);
    int rc = pn__auth_check(s->auth, pn__req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION), audience,
                            why, sizeof why);
    if (rc == 0) {
        rs->www_authenticate = NULL;
        return true;
    }
    pn__problem(rs, 401, "unauthorized", why[0] ? why : "the bearer token was refused", NULL);
    return false;
}

static json_t *bad(const char *path, const char *message)
{
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s, s:s}", "path", path, "message", message));
    return a;
}

/* Adds a prefetched resource, or every resource of a prefetched Bundle, to
 * entries.  OperationOutcomes (a failed prefetch query) are skipped. */
static void add_resources(json_t *entries, json_t *v, json_t *full_url)
{
    const char *rt = json_string_value(json_object_get(v, "resourceType"));
    if (!rt || strcmp(rt, "OperationOutcome") == 0)
        return;
    if (strcmp(rt, "Bundle") == 0) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(v, "entry"), i, e) {
            json_t *r = json_object_get(e, "resource");
            if (json_is_object(r))
                add_resources(entries, r, json_object_get(e, "fullUrl"));
        }
        return;
    }
    /* fullUrl kept: references inside the patient's data may use it. */
    json_t *entry = json_pack("{s:O}", "resource", v);
    if (json_is_string(full_url))
        json_object_set(entry, "fullUrl", full_url);
    json_array_append_new(entries, entry);
}

static char *today_timestamp(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* Truncates s to at most max bytes on a UTF-8 boundary, adding "…". */
static void clip_utf8(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    size_t cut = max - 3;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(s + cut, "\xE2\x80\xA6", 4);
}

static const char *js(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The most likely paraneoplastic entry, or NULL. */
static json_t *top_pns(json_t *report)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(report, "differential"), i, e) {
        const char *kind = js(e, "kind");
        if (kind && strcmp(kind, "paraneoplastic") == 0)
            return e;
    }
    return NULL;
}

static bool suspected(json_t *report)
{
    json_t *top = top_pns(report);
    double score = top ? json_number_value(json_object_get(top, "score")) : 0;
    const char *level = js(json_object_get(report, "pns_care"), "level");
    bool pnscare = json_is_true(json_object_get(json_object_get(report, "pns_care"), "applicable")) &&
                   level && strcmp(level, "non-pns") != 0;
    return score >= CARD_MIN_SCORE || pnscare;
}

static const char *indicator(json_t *report)
{
    const char *triage = js(json_object_get(report, "triage"), "level");
    const char *level = js(json_object_get(report, "pns_care"), "level");
    json_t *top = top_pns(report);
    double score = top ? json_number_value(json_object_get(top, "score")) : 0;
    if (triage && strcmp(triage, "emergency") == 0)
        return "critical";
    if (score >= 0.5 || (triage && strcmp(triage, "urgent") == 0) ||
        (level && (strcmp(level, "probable") == 0 || strcmp(level, "definite") == 0)))
        return "warning";
    return "info";
}

static void md_append(char **md, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void md_append(char **md, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        if (!*md)
            return;
        va_start(ap, fmt);
        int n = vsnprintf(*md + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        char *b = realloc(*md, *cap * 2 + (size_t)n);
        if (!b) {
            free(*md);
            *md = NULL;
            return;
        }
        *md = b;
        *cap = *cap * 2 + (size_t)n;
    }
}

/* The card's detail: the few lines a clinician reads in the EHR; the web
 * page has the full report. */
static char *detail_markdown(json_t *report)
{
    size_t len = 0, cap = 4096;
    char *md = malloc(cap);
    if (md)
        md[0] = '\0';
    md_append(&md, &len, &cap, "**Differential** (score 0-1):\n\n");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(report, "differential"), i, e) {
        if (i >= 5)
            break;
        md_append(&md, &len, &cap, "%zu. %s (%s, %s): %.2f\n", i + 1, js(e, "name"),
                  js(e, "kind"), js(e, "system"), json_number_value(json_object_get(e, "score")));
    }
    json_t *pc = json_object_get(report, "pns_care");
    if (json_is_true(json_object_get(pc, "applicable")))
        md_append(&md, &len, &cap, "\n**PNS-Care score** (Graus 2021): %lld, %s\n",
                  (long long)json_integer_value(json_object_get(pc, "score")), js(pc, "level"));
    json_t *cancers = json_object_get(report, "suspected_cancers");
    if (json_array_size(cancers)) {
        md_append(&md, &len, &cap, "\n**Cancers to look for:**\n\n");
        json_array_foreach(cancers, i, e) {
            if (i >= 3)
                break;
            md_append(&md, &len, &cap, "- %s (%s), suspicion %.2f\n", js(e, "name"),
                      js(e, "icd10") ? js(e, "icd10") : "-",
                      json_number_value(json_object_get(e, "score")));
        }
    }
    json_t *workup = json_object_get(report, "workup");
    if (json_array_size(workup)) {
        md_append(&md, &len, &cap, "\n**Workup:**\n\n");
        json_array_foreach(workup, i, e) {
            if (i >= 4)
                break;
            md_append(&md, &len, &cap, "- %s (%s)%s%s; %s\n", js(e, "test"), js(e, "when"),
                      js(e, "then") ? ", then " : "", js(e, "then") ? js(e, "then") : "",
                      js(e, "source"));
        }
    }
    json_t *tr = json_object_get(report, "triage");
    if (js(tr, "advice"))
        md_append(&md, &len, &cap, "\n**Triage:** %s. %s\n", js(tr, "level"), js(tr, "advice"));
    return md;
}

/* Suggestions that create the proposed ServiceRequests (the engine's FHIR
 * output), for the workup to do now. */
static json_t *suggestions(pn_report *r, const char *patient_id, const char *eval_id)
{
    char subject[200];
    snprintf(subject, sizeof subject, "Patient/%s", patient_id);
    json_t *bundle = pn__report_fhir_doc(r, subject);
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(bundle, "entry"), i, e) {
        json_t *res = json_object_get(e, "resource");
        const char *rt = js(res, "resourceType");
        if (!rt || strcmp(rt, "ServiceRequest") != 0 || json_array_size(out) >= 3)
            continue;
        const char *reason = js(json_array_get(json_object_get(res, "reasonCode"), 0), "text");
        if (reason && !strstr(reason, "when: now"))
            continue; /* later steps are not orders for today */
        json_t *sr = json_deep_copy(res);
        json_object_del(sr, "supportingInfo"); /* points into the RiskAssessment, not sent */
        json_object_del(sr, "id");
        const char *test = js(json_object_get(res, "code"), "text");
        char label[200], uuid[64];
        snprintf(label, sizeof label, "Order: %s", test ? test : "workup");
        clip_utf8(label, 140);
        snprintf(uuid, sizeof uuid, "%.24s%012zx", eval_id, i);
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:b, s:[{s:s, s:s, s:o}]}", "label", label, "uuid", uuid,
                           "isRecommended", 1, "actions", "type", "create", "description",
                           reason ? reason : label, "resource", sr));
    }
    json_decref(bundle);
    return out;
}

static json_t *card(pn_server *s, pn_report *r, json_t *report, const char *patient_id,
                    const char *eval_id, bool for_orders)
{
    json_t *top = top_pns(report);
    json_t *cancer = json_array_get(json_object_get(report, "suspected_cancers"), 0);
    char summary[400];
    const char *name = top ? js(top, "name") : "a paraneoplastic syndrome";
    int n = snprintf(summary, sizeof summary, "Possible paraneoplastic %s (%.0f%%)", name,
                     top ? 100 * json_number_value(json_object_get(top, "score")) : 0.0);
    if (for_orders && n > 0 && (size_t)n < sizeof summary)
        snprintf(summary + n, sizeof summary - (size_t)n, ": no tumour screening in these orders");
    else if (cancer && n > 0 && (size_t)n < sizeof summary)
        snprintf(summary + n, sizeof summary - (size_t)n, ": look for %s", js(cancer, "name"));
    clip_utf8(summary, 140);
    char *detail = detail_markdown(report);
    char label[160], report_url[700], uuid[64];
    snprintf(label, sizeof label, "paraneo %s, knowledge base %s", pn_version(),
             pn_kb_version(s->kb));
    snprintf(report_url, sizeof report_url, "%s?evaluation=%s", s->base_url, eval_id);
    snprintf(uuid, sizeof uuid, "%s", eval_id);
    json_t *sugg = suggestions(r, patient_id, eval_id);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:s}]}", "uuid", uuid,
                          "summary", summary, "indicator", indicator(report), "detail",
                          detail ? detail : "", "source", "label", label, "url", s->base_url,
                          "links", "label", "Full paraneo report with sources", "url",
                          report_url, "type", "absolute");
    free(detail);
    if (json_array_size(sugg)) {
        json_object_set_new(c, "suggestions", sugg);
        json_object_set_new(c, "selectionBehavior", json_string("any"));
    } else {
        json_decref(sugg);
    }
    return c;
}

static bool strings_only(json_t *a)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return false;
    }
    return json_is_array(a);
}

int pn__cds_read(const json_t *req, const char *want_hook, pn_cds_call *call, const char **path,
                 const char **msg)
{
    memset(call, 0, sizeof *call);
    *path = *msg = NULL;
    if (!json_is_object(req)) {
        *path = "$", *msg = "the body must be a JSON object";
        return -1;
    }
    const char *hook = js(req, "hook");
    json_t *context = json_object_get(req, "context");
    json_t *prefetch = json_object_get(req, "prefetch");
    call->patient_id = js(context, "patientId");
    call->fhir_server = js(req, "fhirServer");
    call->access_token = js(json_object_get(req, "fhirAuthorization"), "access_token");
    bool orders = strcmp(want_hook, "order-select") == 0;
    json_t *draft = json_object_get(context, "draftOrders");
    if (!hook)
        *path = "$.hook", *msg = "required, a string";
    else if (strcmp(hook, want_hook) != 0)
        *path = "$.hook", *msg = orders ? "this service answers the order-select hook"
                                        : "this service answers the patient-view hook";
    else if (!js(req, "hookInstance"))
        *path = "$.hookInstance", *msg = "required, a string";
    else if (!json_is_object(context))
        *path = "$.context", *msg = "required, an object";
    else if (!call->patient_id || !call->patient_id[0])
        *path = "$.context.patientId", *msg = "required, a string";
    else if (json_object_get(req, "fhirServer") && !call->fhir_server)
        *path = "$.fhirServer", *msg = "must be a string (a URL)";
    else if (prefetch && !json_is_object(prefetch) && !json_is_null(prefetch))
        *path = "$.prefetch", *msg = "must be an object";
    else if (orders && !strings_only(json_object_get(context, "selections")))
        *path = "$.context.selections", *msg = "required, an array of order ids";
    else if (orders && (!json_is_object(draft) || !js(draft, "resourceType") ||
                        strcmp(js(draft, "resourceType"), "Bundle") != 0))
        *path = "$.context.draftOrders", *msg = "required, a FHIR Bundle of the draft orders";
    if (*path)
        return -1;
    call->draft_orders = orders ? draft : NULL;
    /* The prefetch is enough when it holds the patient and the observations. */
    call->need_fetch = !json_is_object(json_object_get(prefetch, "patient")) ||
                       !json_is_object(json_object_get(prefetch, "observations"));
    char ts[32];
    call->bundle = json_pack("{s:s, s:s, s:s, s:[]}", "resourceType", "Bundle", "type",
                             "collection", "timestamp", today_timestamp(ts), "entry");
    if (!call->bundle) {
        *path = "$", *msg = "out of memory";
        return -1;
    }
    if (!call->need_fetch)
        for (size_t i = 0; i < N_PREFETCH; i++)
            add_resources(json_object_get(call->bundle, "entry"),
                          json_object_get(prefetch, prefetch_keys[i][0]), NULL);
    return 0;
}

static bool screening_text(const pn_kb *kb, const char *text)
{
    const char *m = pn__kb_text_mapping(kb, "procedure", text);
    return m && strcmp(m, "screening") == 0;
}

/* True when one of the draft orders is tumour screening, by the KB's
 * procedure phrases (the same ones the FHIR reader reads Procedures with)
 * in the order's code.text or a coding's display. */
static bool orders_screen(const pn_kb *kb, json_t *draft_orders)
{
    size_t i, k;
    json_t *e, *coding;
    json_array_foreach(json_object_get(draft_orders, "entry"), i, e) {
        json_t *code = json_object_get(json_object_get(e, "resource"), "code");
        if (screening_text(kb, js(code, "text")))
            return true;
        json_array_foreach(json_object_get(code, "coding"), k, coding) {
            if (screening_text(kb, js(coding, "display")))
                return true;
        }
    }
    return false;
}

json_t *pn__cds_cards(pn_server *s, pn_report *r, const char *patient_id, const char *eval_id,
                      json_t *draft_orders)
{
    json_t *report = (json_t *)pn__report_doc(r); /* borrowed, read only */
    json_t *cards = json_array();
    if (cards && suspected(report) && !(draft_orders && orders_screen(s->kb, draft_orders)))
        json_array_append_new(cards, card(s, r, report, patient_id, eval_id, draft_orders != NULL));
    return cards;
}

void pn__h_cds_service(pn_server *s, pn_req *rq, pn_resp *rs)
{
    const struct service *svc = service_by_id(rq->param);
    if (!svc) {
        pn__problem(rs, 404, "not-found", "no CDS service with this id (see /cds-services)", NULL);
        return;
    }
    if (!authorised(s, rq, rs))
        return;
    char media[64];
    const char *mt = pn__req_media_type(rq, media, sizeof media);
    if (!mt || strcmp(mt, "application/json") != 0) {
        pn__problemf(rs, 415, "unsupported-media-type", "a CDS Hooks request is application/json (got %s)",
                     mt ? mt : "no Content-Type");
        return;
    }
    json_error_t jerr;
    json_t *req = rq->body ? json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!json_is_object(req)) {
        json_decref(req);
        pn__problem(rs, 400, "invalid-request", "the body is not a JSON object",
                    bad("$", rq->body ? jerr.text : "empty body"));
        return;
    }
    pn_cds_call call;
    const char *path, *msg;
    if (pn__cds_read(req, svc->hook, &call, &path, &msg) != 0) {
        pn__problem(rs, 400, "invalid-request", msg, bad(path, msg));
        json_decref(call.bundle);
        json_decref(req);
        return;
    }
    if (call.need_fetch) {
        if (!call.fhir_server) {
            json_decref(call.bundle);
            json_decref(req);
            pn__problem(rs, 412, "prefetch-missing",
                        "the request has no prefetch for patient and observations and no "
                        "fhirServer to read them from",
                        NULL);
            return;
        }
        char ferr[512] = "";
        char *data = pn__fetch_patient(call.fhir_server, call.access_token, call.patient_id,
                                       FETCH_TIMEOUT_MS, ferr, sizeof ferr);
        json_t *fetched = data ? json_loads(data, 0, NULL) : NULL;
        free(data);
        if (!fetched) {
            json_decref(call.bundle);
            json_decref(req);
            pn__problemf(rs, 502, "fhir-server", "could not read the patient from fhirServer: %s",
                         ferr[0] ? ferr : "invalid answer");
            return;
        }
        add_resources(json_object_get(call.bundle, "entry"), fetched, NULL);
        json_decref(fetched);
    }
    size_t len;
    char *data = pn__json_dumps(call.bundle, JSON_COMPACT, &len);
    json_decref(call.bundle);
    char id[37];
    pn_report *r = data ? pn__evaluate_and_store(s, data, len, true, "cds", id, NULL, rs) : NULL;
    free(data);
    if (!r) {
        if (!rs->body)
            pn__problem(rs, 500, "internal", "out of memory", NULL);
        json_decref(req);
        return;
    }
    json_t *cards = pn__cds_cards(s, r, call.patient_id, id, call.draft_orders);
    pn_report_free(r);
    json_decref(req); /* after the cards: call's strings point into req */
    snprintf(rs->location, sizeof rs->location, "/v1/evaluations/%s", id);
    pn__resp_json(rs, 200, json_pack("{s:o}", "cards", cards), "application/json");
}

void pn__h_cds_feedback(pn_server *s, pn_req *rq, pn_resp *rs)
{
    if (!service_by_id(rq->param)) {
        pn__problem(rs, 404, "not-found", "no CDS service with this id", NULL);
        return;
    }
    if (!authorised(s, rq, rs))
        return;
    json_error_t jerr;
    json_t *fb = rq->body ? json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    const char *path = NULL, *msg = NULL;
    char where[64];
    if (!json_is_object(fb))
        path = "$", msg = "the body must be a JSON object with a feedback array";
    else if (!json_is_array(json_object_get(fb, "feedback")) ||
             json_array_size(json_object_get(fb, "feedback")) == 0)
        path = "$.feedback", msg = "required, a non-empty array";
    else {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(fb, "feedback"), i, f) {
            const char *outcome = js(f, "outcome");
            if (!js(f, "card")) {
                snprintf(where, sizeof where, "$.feedback[%zu].card", i);
                path = where, msg = "required, the uuid of the card";
            } else if (!outcome || (strcmp(outcome, "accepted") != 0 && strcmp(outcome, "overridden") != 0)) {
                snprintf(where, sizeof where, "$.feedback[%zu].outcome", i);
                path = where, msg = "must be accepted or overridden";
            }
            if (path)
                break;
        }
    }
    if (path) {
        char p[64];
        snprintf(p, sizeof p, "%s", path);
        json_decref(fb);
        pn__problem(rs, 400, "invalid-feedback", msg, bad(p, msg));
        return;
    }
    char *text = pn__json_dumps(fb, JSON_COMPACT, NULL);
    json_decref(fb);
    char err[256] = "";
    int rc = text ? pn__store_put_feedback(s->store, rq->param, text, err, sizeof err) : -1;
    free(text);
    if (rc != 0) {
        fprintf(stderr, "paraneo: store: %s\n", err);
        pn__problem(rs, 503, "store-unavailable", "the feedback could not be stored", NULL);
        return;
    }
    rs->status = 200;
    rs->body = (char *)"";
    rs->len = 0;
    rs->is_static = true;
}
