/* http.c - the libmicrohttpd side of the service: reading whole requests,
 * limits, dispatch, responses, the access log, start and graceful stop.
 *
 * libmicrohttpd calls the access handler several times per request: first
 * with the headers, then with each piece of the body, then once more with
 * nothing left.  The response is queued only on that last call, even for a
 * GET: queueing on the first call makes MHD close the connection (no
 * keep-alive, about 6x fewer requests per second; engineering.md 2.3). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/fetch.h"
#include "server/server_int.h"
#include "util/jsondump.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *pn__req_arg(const pn_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *pn__req_header(const pn_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *pn__req_media_type(const pn_req *rq, char *buf, size_t size)
{
    const char *ct = pn__req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || size == 0)
        return NULL;
    size_t n = 0;
    while (*ct == ' ')
        ct++;
    for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < size; n++)
        buf[n] = (char)((ct[n] >= 'A' && ct[n] <= 'Z') ? ct[n] + 32 : ct[n]);
    buf[n] = '\0';
    return buf;
}

/* One JSON line per request: no path parameters, no query, no body, so no
 * patient data reaches the log. */
static void access_log(pn_server *s, const pn_req *rq, const pn_resp *rs)
{
    if (!s->cfg.access_log)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr,
            "{\"time\":\"%s.%03ldZ\",\"request\":%llu,\"method\":\"%s\",\"route\":\"%s\","
            "\"status\":%d,\"bytes_in\":%zu,\"bytes_out\":%zu,\"micros\":%lld}\n",
            when, ts.tv_nsec / 1000000, (unsigned long long)rq->id, rq->method,
            rq->route ? rq->route : "(none)", rs->status, rq->len, rs->len,
            (long long)((now_ns() - rq->start_ns) / 1000));
}

static enum MHD_Result queue(pn_server *s, pn_req *rq, pn_resp *rs)
{
    struct MHD_Response *r;
    if (rs->is_static)
        r = MHD_create_response_from_buffer(rs->len, rs->body, MHD_RESPMEM_PERSISTENT);
    else
        r = MHD_create_response_from_buffer(rs->len, rs->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        if (!rs->is_static)
            free(rs->body);
        return MHD_NO;
    }
    rs->body = NULL;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rs->type ? rs->type : "application/json");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, rs->cache ? rs->cache : "no-store");
    if (rs->location[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rs->location);
    if (rs->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
    if (rs->www_authenticate)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, rs->www_authenticate);
    /* CDS clients call from other origins (SMART apps, sandboxes). */
    if (strncmp(rq->path, "/cds-services", 13) == 0) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    }
    access_log(s, rq, rs);
    enum MHD_Result ret = MHD_queue_response(rq->conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    pn_server *s = cls;
    pn_req *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->conn = conn;
        rq->method = method;
        rq->path = url;
        rq->start_ns = now_ns();
        rq->id = atomic_fetch_add(&s->requests, 1) + 1;
        *con_cls = rq;
        atomic_fetch_add(&s->inflight, 1);
        /* A declared length over the limit is refused before reading it. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
            rq->too_big = true;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->too_big) {
            size_t n = *upload_data_size;
            if (rq->len + n > s->cfg.max_body) {
                rq->too_big = true;
            } else {
                if (rq->len + n + 1 > rq->cap) {
                    size_t cap = rq->cap ? rq->cap : 16384;
                    while (cap < rq->len + n + 1)
                        cap *= 2;
                    char *b = realloc(rq->body, cap);
                    if (!b)
                        return MHD_NO;
                    rq->body = b;
                    rq->cap = cap;
                }
                memcpy(rq->body + rq->len, upload_data, n);
                rq->len += n;
                rq->body[rq->len] = '\0';
            }
        }
        *upload_data_size = 0; /* consumed (or dropped when too big) */
        return MHD_YES;
    }

    pn_resp rs = {.status = 200};
    if (rq->too_big) {
        rq->route = "(too big)";
        pn__problemf(&rs, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                     "the request body is larger than the limit of %zu bytes", s->cfg.max_body);
        return queue(s, rq, &rs);
    }
    pn_handler h = pn__route(rq, &rs);
    if (h)
        h(s, rq, &rs);
    if (!rs.body && rs.status != 204) {
        pn__problemf(&rs, 500, "internal", "the handler produced no answer");
    }
    if (!rs.body) {
        rs.body = (char *)"";
        rs.is_static = true;
    }
    return queue(s, rq, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    pn_server *s = cls;
    pn_req *rq = *con_cls;
    if (!rq)
        return;
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n'))
        buf[--n] = '\0';
    fprintf(stderr, "paraneo: http: %s\n", buf);
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int pn__server_start(const pn_server_config *cfg, const pn_kb *kb, pn_server **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    pn_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->cfg = *cfg;
    s->kb = kb;
    if (!s->cfg.threads)
        s->cfg.threads = cores();
    if (!s->cfg.max_body)
        s->cfg.max_body = 16u << 20;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = 30;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (strchr(host, ':')) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
            snprintf(err, errlen, "listen: '%s' is not a numeric IPv6 address", host);
            free(s);
            return -1;
        }
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            snprintf(err, errlen, "listen: '%s' is not a numeric IPv4 address", host);
            free(s);
            return -1;
        }
    }

    if (pn__store_open(cfg->db_path, &s->store, err, errlen) != 0)
        goto fail;
    if (cfg->auth && pn__auth_new(cfg->auth, cfg->config_dir, &s->auth, err, errlen) != 0)
        goto fail;
    if (pn__web_load(s, err, errlen) != 0)
        goto fail;
    s->vocabulary = pn_kb_vocabulary_json(kb);
    if (!s->vocabulary) {
        snprintf(err, errlen, "out of memory building the vocabulary");
        goto fail;
    }
    s->vocabulary_len = strlen(s->vocabulary);
    {
        json_t *v = json_loads(s->vocabulary, 0, NULL);
        json_t *doc = json_pack("{s:O, s:O, s:O}", "version", json_object_get(v, "version"),
                                "digest", json_object_get(v, "digest"), "syndromes",
                                json_object_get(v, "syndromes"));
        s->syndromes = doc ? pn__json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL) : NULL;
        json_decref(doc);
        json_decref(v);
        if (!s->syndromes) {
            snprintf(err, errlen, "out of memory building the syndrome list");
            goto fail;
        }
        s->syndromes_len = strlen(s->syndromes);
    }
    pn__fetch_global_init();

    s->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        s->cfg.timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not an address of this machine)",
                 host, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    if (cfg->base_url && cfg->base_url[0]) {
        size_t n = strlen(cfg->base_url);
        snprintf(s->base_url, sizeof s->base_url, "%s%s", cfg->base_url,
                 cfg->base_url[n - 1] == '/' ? "" : "/");
    } else {
        snprintf(s->base_url, sizeof s->base_url, strchr(host, ':') ? "http://[%s]:%u/" : "http://%s:%u/",
                 host, s->port);
    }
    if (pn__cds_init(s) != 0) {
        snprintf(err, errlen, "out of memory building the CDS Hooks discovery document");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    pn__server_stop(s, 0);
    return -1;
}

unsigned pn__server_port(const pn_server *s)
{
    return s->port;
}

const char *pn__server_base_url(const pn_server *s)
{
    return s->base_url;
}

void pn__server_stop(pn_server *s, unsigned grace_ms)
{
    if (!s)
        return;
    if (s->daemon) {
        /* Stop accepting; let requests being handled finish and be answered. */
        MHD_socket fd = MHD_quiesce_daemon(s->daemon);
        int64_t until = now_ns() + (int64_t)grace_ms * 1000000;
        while (atomic_load(&s->inflight) > 0 && now_ns() < until) {
            struct timespec ts = {0, 5 * 1000000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(s->daemon);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    pn__store_close(s->store);
    pn__auth_free(s->auth);
    pn__web_free(s);
    free(s->vocabulary);
    free(s->syndromes);
    free(s->discovery);
    free(s);
}
