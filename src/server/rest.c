/* rest.c - the REST API: evaluate a case, read the KB's syndromes, read
 * stored evaluations and due re-screening reminders, health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/report_int.h"
#include "server/server_int.h"
#include "util/date.h"

static void sha256_hex(const void *data, size_t len, char out[7 + 65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* REST keys are compared by their SHA-256, so the config never holds them. */
bool pn__rest_allowed(pn_server *s, pn_req *rq, pn_resp *rs, const char *scope)
{
    const json_t *keys = s->cfg.api_keys;
    if (!keys)
        return true;
    const char *h = pn__req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
        rs->www_authenticate = "Bearer realm=\"paraneo\"";
        pn__problem(rs, 401, "unauthorized", "this API needs an Authorization: Bearer key", NULL);
        return false;
    }
    char digest[7 + 65];
    sha256_hex(h + 7, strlen(h + 7), digest);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        const char *want = json_string_value(json_object_get(k, "sha256"));
        if (!want || strlen(want) != 64 || CRYPTO_memcmp(want, digest + 7, 64) != 0)
            continue;
        size_t j;
        json_t *sc;
        json_array_foreach(json_object_get(k, "scopes"), j, sc) {
            if (json_is_string(sc) && strcmp(json_string_value(sc), scope) == 0)
                return true;
        }
        pn__problemf(rs, 403, "forbidden", "this key may not use the '%s' scope", scope);
        return false;
    }
    rs->www_authenticate = "Bearer realm=\"paraneo\", error=\"invalid_token\"";
    pn__problem(rs, 401, "unauthorized", "the bearer key is not known", NULL);
    return false;
}

void pn__h_healthz(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    static const char fmt[] = "{\"status\":\"ok\",\"version\":\"%s\",\"kb\":{\"version\":\"%s\","
                              "\"digest\":\"%s\"}}";
    size_t n = sizeof fmt + 256;
    char *body = malloc(n);
    if (body)
        snprintf(body, n, fmt, pn_version(), pn_kb_version(s->kb), pn_kb_digest(s->kb));
    pn__resp_text(rs, 200, body, "application/json");
}

static json_t *one_error(const char *path, const char *message)
{
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s, s:s}", "path", path, "message", message));
    return a;
}

pn_report *pn__evaluate_and_store(pn_server *s, const char *body, size_t len, bool fhir,
                                  const char *origin, char id[37], char **report_json,
                                  pn_resp *rs)
{
    if (report_json)
        *report_json = NULL;
    pn_error err = {0};
    pn_case *c = NULL;
    pn_status st = fhir ? pn_case_parse_fhir(s->kb, body, len, &c, &err)
                        : pn_case_parse(s->kb, body, len, &c, &err);
    if (st != PN_OK) {
        int code = st == PN_ETOOBIG ? 413 : st == PN_ENOMEM || st == PN_EINTERNAL ? 500 : 400;
        pn__problem(rs, code, code == 400 ? "invalid-case" : code == 413 ? "too-large" : "internal",
                    err.message[0] ? err.message : pn_strerror(st),
                    one_error(err.path[0] ? err.path : "$", err.message));
        return NULL;
    }
    pn_report *r = NULL;
    st = pn_evaluate(s->kb, c, &r, &err);
    if (st != PN_OK) {
        pn_case_free(c);
        pn__problem(rs, st == PN_EINVAL ? 400 : 500, "evaluation-failed",
                    err.message[0] ? err.message : pn_strerror(st), NULL);
        return NULL;
    }
    char *report = pn_report_json(r, PN_JSON_COMPACT);
    char digest[7 + 65];
    sha256_hex(body, len, digest);
    pn_store_eval e = {.case_id = pn_case_id(c),
                       .case_digest = digest,
                       .kb_digest = pn_kb_digest(s->kb),
                       .report_json = report,
                       .case_json = s->cfg.store_cases ? body : NULL,
                       .origin = origin,
                       .rescreening_given = true,
                       .rescreening = json_object_get(pn__report_doc(r), "rescreening")};
    char serr[256] = "";
    int rc = report ? pn__store_put_evaluation(s->store, &e, id, serr, sizeof serr) : -1;
    pn_case_free(c);
    if (rc == 0 && report_json)
        *report_json = report; /* printing a report costs as much as half an evaluation */
    else
        free(report);
    if (rc != 0) {
        pn_report_free(r);
        /* Not stored means not acknowledged: the client may retry. */
        fprintf(stderr, "paraneo: store: %s\n", serr[0] ? serr : "out of memory");
        pn__problem(rs, 503, "store-unavailable",
                    "the evaluation could not be stored; nothing was kept, try again", NULL);
        return NULL;
    }
    return r;
}

void pn__h_evaluate(pn_server *s, pn_req *rq, pn_resp *rs)
{
    if (!pn__rest_allowed(s, rq, rs, "evaluate"))
        return;
    char media[64];
    const char *mt = pn__req_media_type(rq, media, sizeof media);
    bool fhir;
    if (mt && strcmp(mt, "application/fhir+json") == 0) {
        fhir = true;
    } else if (mt && strcmp(mt, "application/json") == 0) {
        /* A FHIR document sent as plain JSON is still FHIR. */
        fhir = rq->body && pn_input_is_fhir(rq->body, rq->len);
    } else {
        pn__problemf(rs, 415, "unsupported-media-type",
                     "send a case/1 document as application/json or FHIR as "
                     "application/fhir+json (got %s)",
                     mt ? mt : "no Content-Type");
        return;
    }
    const char *format = pn__req_arg(rq, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "fhir") != 0) {
        pn__problem(rs, 400, "invalid-parameter", "format must be json or fhir",
                    one_error("query.format", "must be json or fhir"));
        return;
    }
    if (!rq->body || rq->len == 0) {
        pn__problem(rs, 400, "invalid-case", "the request has no body",
                    one_error("$", "the body is empty; send a case/1 document"));
        return;
    }
    char id[37], *report = NULL;
    pn_report *r = pn__evaluate_and_store(s, rq->body, rq->len, fhir, "rest", id, &report, rs);
    if (!r)
        return;
    snprintf(rs->location, sizeof rs->location, "/v1/evaluations/%s", id);
    if (format && strcmp(format, "fhir") == 0) {
        char subject[160] = "";
        const char *cid = pn_report_case_id(r);
        if (fhir && cid)
            snprintf(subject, sizeof subject, "Patient/%s", cid);
        pn__resp_text(rs, 200, pn_report_fhir(r, subject[0] ? subject : NULL),
                      "application/fhir+json");
        free(report);
    } else {
        pn__resp_text(rs, 200, report, "application/json");
    }
    pn_report_free(r);
}

void pn__h_syndromes(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    rs->status = 200;
    rs->body = s->syndromes;
    rs->len = s->syndromes_len;
    rs->is_static = true;
    rs->cache = "max-age=300";
}

void pn__h_vocabulary(pn_server *s, pn_req *rq, pn_resp *rs)
{
    (void)rq;
    rs->status = 200;
    rs->body = s->vocabulary;
    rs->len = s->vocabulary_len;
    rs->is_static = true;
    rs->cache = "max-age=300";
}

void pn__h_syndrome(pn_server *s, pn_req *rq, pn_resp *rs)
{
    pn_status st = PN_OK;
    char *doc = pn_kb_syndrome_json(s->kb, rq->param, &st);
    if (!doc) {
        if (st == PN_ENOTFOUND)
            pn__problem(rs, 404, "not-found", "no syndrome or mimic with this id", NULL);
        else
            pn__problem(rs, 500, "internal", pn_strerror(st), NULL);
        return;
    }
    pn__resp_text(rs, 200, doc, "application/json");
}

void pn__h_evaluation(pn_server *s, pn_req *rq, pn_resp *rs)
{
    if (!pn__rest_allowed(s, rq, rs, "read"))
        return;
    char *doc = NULL, err[256] = "";
    int rc = pn__store_get_evaluation(s->store, rq->param, &doc, err, sizeof err);
    if (rc == 1) {
        pn__problem(rs, 404, "not-found", "no evaluation with this id", NULL);
    } else if (rc != 0) {
        fprintf(stderr, "paraneo: store: %s\n", err);
        pn__problem(rs, 503, "store-unavailable", "the store could not be read", NULL);
    } else {
        pn__resp_text(rs, 200, doc, "application/json");
    }
}

void pn__h_followups(pn_server *s, pn_req *rq, pn_resp *rs)
{
    if (!pn__rest_allowed(s, rq, rs, "read"))
        return;
    const char *due = pn__req_arg(rq, "due");
    char today[11];
    if (!due) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        due = today;
    }
    int32_t days;
    if (strlen(due) != 10 || !pn__date_parse(due, &days)) {
        pn__problem(rs, 400, "invalid-parameter", "due must be a date, YYYY-MM-DD",
                    one_error("query.due", "must be a calendar date, YYYY-MM-DD"));
        return;
    }
    char *doc = NULL, err[256] = "";
    if (pn__store_followups(s->store, due, &doc, err, sizeof err) != 0) {
        fprintf(stderr, "paraneo: store: %s\n", err);
        pn__problem(rs, 503, "store-unavailable", "the store could not be read", NULL);
        return;
    }
    pn__resp_text(rs, 200, doc, "application/json");
}
