/* server_int.h - what the server's files share: the server object, one
 * request as handlers see it, and the response they fill. */
#ifndef PN_SERVER_INT_H
#define PN_SERVER_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server/auth.h"
#include "server/server.h"
#include "server/store.h"

/* A file of the web page, read once at start. */
typedef struct pn_web_file {
    char *name;  /* "app.js" */
    char *data;
    size_t len;
    const char *type;
} pn_web_file;

struct pn_server {
    pn_server_config cfg;
    const pn_kb *kb;
    pn_store *store;
    pn_auth *auth; /* NULL: no CDS clients configured */
    struct MHD_Daemon *daemon;
    unsigned port;
    char base_url[512];
    pn_web_file *web;
    size_t n_web;
    /* Documents that never change while the KB is loaded. */
    char *vocabulary, *syndromes, *discovery;
    size_t vocabulary_len, syndromes_len, discovery_len;
    atomic_int inflight;
    atomic_uint_fast64_t requests;
};

/* One request, as handlers see it. */
typedef struct pn_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;    /* without the query */
    const char *route;   /* the route pattern, for the log */
    char *body;
    size_t len, cap;
    bool too_big;
    uint64_t id;
    int64_t start_ns;
    char param[128];     /* the {id} segment of the route, when it has one */
} pn_req;

/* The response a handler fills; the body is malloc'd unless is_static. */
typedef struct pn_resp {
    int status;
    char *body;
    size_t len;
    bool is_static;
    const char *type;
    char location[256];
    const char *allow;           /* for 405 */
    const char *www_authenticate; /* for 401 */
    const char *cache;           /* Cache-Control */
} pn_resp;

/* problem.c: an RFC 9457 problem document.  errors (stolen, may be NULL) is
 * an array of {"path","message"}. */
void pn__problem(pn_resp *rs, int status, const char *slug, const char *detail, json_t *errors);
void pn__problemf(pn_resp *rs, int status, const char *slug, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Takes ownership of a json_t document as the response body. */
void pn__resp_json(pn_resp *rs, int status, json_t *doc, const char *type);
/* Takes ownership of a malloc'd string as the response body. */
void pn__resp_text(pn_resp *rs, int status, char *text, const char *type);

/* Query argument, or NULL. */
const char *pn__req_arg(const pn_req *rq, const char *name);
const char *pn__req_header(const pn_req *rq, const char *name);
/* The media type of the body without parameters, lower case, into buf. */
const char *pn__req_media_type(const pn_req *rq, char *buf, size_t size);

/* routes.c */
typedef void (*pn_handler)(pn_server *s, pn_req *rq, pn_resp *rs);
/* Finds the handler for method + path; on no match fills rs with 404/405. */
pn_handler pn__route(pn_req *rq, pn_resp *rs);
/* The routes as an array of {"method","path"} (for the OpenAPI test). */
json_t *pn__routes_json(void);

/* rest.c */
void pn__h_healthz(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_evaluate(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_syndromes(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_syndrome(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_vocabulary(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_evaluation(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_followups(pn_server *s, pn_req *rq, pn_resp *rs);
/* REST bearer keys: true when allowed, else rs holds 401/403. */
bool pn__rest_allowed(pn_server *s, pn_req *rq, pn_resp *rs, const char *scope);

/* cds.c */
int pn__cds_init(pn_server *s);
/* A CDS Hooks request, read and checked: the strings borrow from it. */
typedef struct pn_cds_call {
    const char *patient_id, *fhir_server, *access_token;
    bool need_fetch;      /* prefetch lacks the patient or the observations */
    json_t *bundle;       /* owned: the prefetched resources as a collection Bundle */
    json_t *draft_orders; /* borrowed: order-select's context.draftOrders, else NULL */
} pn_cds_call;
/* 0 when req is a usable request for want_hook ("patient-view" or
 * "order-select"); else -1 with the field's JSON path and what is wrong
 * (call->bundle may still need json_decref). */
int pn__cds_read(const json_t *req, const char *want_hook, pn_cds_call *call, const char **path,
                 const char **msg);
/* The cards for an evaluated report: one when something is suspected, else
 * none (an empty array).  With draft_orders (order-select), also none when
 * one of the orders already screens for a tumour. */
json_t *pn__cds_cards(pn_server *s, pn_report *r, const char *patient_id, const char *eval_id,
                      json_t *draft_orders);
void pn__h_cds_discovery(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_cds_service(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_cds_feedback(pn_server *s, pn_req *rq, pn_resp *rs);

/* web.c */
int pn__web_load(pn_server *s, char *err, size_t errlen);
void pn__web_free(pn_server *s);
void pn__h_index(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_patient(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_static(pn_server *s, pn_req *rq, pn_resp *rs);
void pn__h_openapi(pn_server *s, pn_req *rq, pn_resp *rs);

/* Evaluates a case or FHIR body, stores the result; shared by REST and CDS.
 * On success returns the report (caller frees), writes the evaluation id
 * and, when report_json is not NULL, hands over the printed report (free);
 * on failure fills rs with a problem and returns NULL. */
pn_report *pn__evaluate_and_store(pn_server *s, const char *body, size_t len, bool fhir,
                                  const char *origin, char id[37], char **report_json,
                                  pn_resp *rs);

#endif
