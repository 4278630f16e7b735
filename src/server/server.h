/* server.h - the paraneo service: REST API, CDS Hooks 2.0 and the web page
 * on libmicrohttpd, with the SQLite store behind them.
 *
 * One read-only KB is shared by every worker thread; each request is read
 * whole, answered by one handler, and logged as one line without patient
 * data. */
#ifndef PN_SERVER_H
#define PN_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "paraneo.h"

typedef struct pn_server_config {
    const char *host;       /* numeric IPv4 or IPv6 address to bind */
    unsigned port;          /* 0: any free port (see pn__server_port) */
    const char *db_path;    /* SQLite file */
    const char *web_dir;    /* the web page's files */
    const char *base_url;   /* public URL ending in '/'; NULL: http://host:port/ */
    const char *config_dir; /* resolves relative paths in the config file */
    bool store_cases;       /* keep raw cases next to their reports */
    bool insecure_dev;      /* CDS Hooks without JWT: local testing only */
    bool access_log;        /* one JSON line per request on stderr */
    unsigned threads;       /* worker threads; 0: one per core */
    size_t max_body;        /* largest request body, bytes */
    unsigned timeout_s;     /* idle connection timeout, seconds */
    const json_t *auth;     /* CDS Hooks clients (auth.h), or NULL */
    const json_t *api_keys; /* REST bearer keys [{name, sha256, scopes}], or NULL: open */
} pn_server_config;

typedef struct pn_server pn_server;

/* Opens the store, loads the web files and starts listening.  0 on success;
 * -1 with a message in err. */
int pn__server_start(const pn_server_config *cfg, const pn_kb *kb, pn_server **out, char *err,
                     size_t errlen);
/* The port actually bound and the base URL used in links and as JWT audience. */
unsigned pn__server_port(const pn_server *s);
const char *pn__server_base_url(const pn_server *s);
/* Stops accepting, lets in-flight requests finish (up to grace_ms), stops
 * the workers and closes the store. */
void pn__server_stop(pn_server *s, unsigned grace_ms);

#endif
