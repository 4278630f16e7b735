/* problem.c - error answers as RFC 9457 problem documents, and the helpers
 * that turn a document into a response body. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"
#include "util/jsondump.h"

static const char *title_for(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}

void pn__resp_json(pn_resp *rs, int status, json_t *doc, const char *type)
{
    rs->status = status;
    rs->type = type ? type : "application/json";
    rs->body = doc ? pn__json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL) : NULL;
    json_decref(doc);
    if (!rs->body) {
        rs->status = 500;
        rs->type = "application/problem+json";
        rs->body = strdup("{\"type\":\"urn:paraneo:problem:internal\",\"title\":\"Internal Server "
                          "Error\",\"status\":500,\"detail\":\"out of memory\"}");
    }
    rs->len = rs->body ? strlen(rs->body) : 0;
}

void pn__resp_text(pn_resp *rs, int status, char *text, const char *type)
{
    rs->status = status;
    rs->type = type;
    rs->body = text;
    rs->len = text ? strlen(text) : 0;
}

void pn__problem(pn_resp *rs, int status, const char *slug, const char *detail, json_t *errors)
{
    char type[128];
    snprintf(type, sizeof type, "urn:paraneo:problem:%s", slug);
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title_for(status),
                            "status", status, "detail", detail ? detail : title_for(status));
    if (errors)
        json_object_set_new(doc, "errors", errors);
    pn__resp_json(rs, status, doc, "application/problem+json");
}

void pn__problemf(pn_resp *rs, int status, const char *slug, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    pn__problem(rs, status, slug, detail, NULL);
}
