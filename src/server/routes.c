/* routes.c - the table of routes.  One table serves dispatch, the 405
 * Allow header and the OpenAPI consistency test, so they cannot drift. */
#include <string.h>

#include "server/server_int.h"

typedef struct route {
    const char *method;
    const char *pattern; /* a trailing "{id}" matches one path segment */
    pn_handler handler;
} route;

static const route routes[] = {
    {"GET", "/", pn__h_index},
    {"GET", "/patient", pn__h_patient},
    {"GET", "/static/{id}", pn__h_static},
    {"GET", "/openapi.json", pn__h_openapi},
    {"GET", "/healthz", pn__h_healthz},
    {"POST", "/v1/evaluate", pn__h_evaluate},
    {"GET", "/v1/syndromes", pn__h_syndromes},
    {"GET", "/v1/syndromes/{id}", pn__h_syndrome},
    {"GET", "/v1/vocabulary", pn__h_vocabulary},
    {"GET", "/v1/evaluations/{id}", pn__h_evaluation},
    {"GET", "/v1/followups", pn__h_followups},
    {"GET", "/cds-services", pn__h_cds_discovery},
    {"POST", "/cds-services/{id}", pn__h_cds_service},
    {"POST", "/cds-services/{id}/feedback", pn__h_cds_feedback},
};

/* Matches path against pattern; the "{id}" segment is copied into param. */
static bool match(const char *pattern, const char *path, char param[128])
{
    const char *brace = strstr(pattern, "{id}");
    if (!brace)
        return strcmp(pattern, path) == 0;
    size_t pre = (size_t)(brace - pattern);
    if (strncmp(pattern, path, pre) != 0)
        return false;
    const char *seg = path + pre;
    const char *end = strchr(seg, '/');
    size_t seglen = end ? (size_t)(end - seg) : strlen(seg);
    if (seglen == 0)
        return false;
    const char *rest = brace + 4;
    if (strcmp(rest, seg + seglen) != 0 || seglen >= 128)
        return false;
    memcpy(param, seg, seglen);
    param[seglen] = '\0';
    return true;
}

pn_handler pn__route(pn_req *rq, pn_resp *rs)
{
    const char *allowed = NULL;
    bool head = strcmp(rq->method, "HEAD") == 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        char param[128] = "";
        if (!match(routes[i].pattern, rq->path, param))
            continue;
        if (strcmp(routes[i].method, rq->method) == 0 ||
            (head && strcmp(routes[i].method, "GET") == 0)) {
            rq->route = routes[i].pattern;
            memcpy(rq->param, param, sizeof rq->param);
            return routes[i].handler;
        }
        allowed = routes[i].method;
    }
    if (allowed) {
        rq->route = "(method not allowed)";
        rs->allow = strcmp(allowed, "GET") == 0 ? "GET, HEAD" : allowed;
        pn__problemf(rs, 405, "method-not-allowed", "%s is not allowed here; use %s", rq->method,
                     rs->allow);
    } else {
        rq->route = "(not found)";
        pn__problem(rs, 404, "not-found", "no such resource", NULL);
    }
    return NULL;
}

json_t *pn__routes_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "method", routes[i].method, "path",
                                           routes[i].pattern));
    return a;
}
