/* cmd_serve.c - paraneo serve: runs the service until SIGTERM or SIGINT,
 * then finishes the requests in flight and closes the store cleanly. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "server/server.h"

static const char usage[] =
    "usage: paraneo serve [--listen ADDR:PORT] [--db FILE] [--config FILE] [options]\n"
    "\n"
    "Runs the service: the web page at /, the patient page at /patient, the REST API\n"
    "under /v1 (OpenAPI at /openapi.json), CDS Hooks 2.0 under /cds-services.\n"
    "\n"
    "  --listen ADDR:PORT   address to bind (default 127.0.0.1:8080; port 0: any free)\n"
    "  --db FILE            SQLite store (default paraneo.db), created when absent\n"
    "  --config FILE        JSON settings: listen, db, web, base_url, threads,\n"
    "                       store_cases, max_body_bytes, timeout_seconds, access_log,\n"
    "                       auth (CDS Hooks clients and their keys), api_keys\n"
    "  --web DIR            the web page's files (default: installed, else ./web)\n"
    "  --base-url URL       the public URL (links in cards, the JWT audience)\n"
    "  --threads N          worker threads (default: one per core)\n"
    "  --store-cases        keep each raw case next to its report (off: only a digest)\n"
    "  --no-access-log      no request log on stderr\n"
    "  --insecure-dev       accept CDS Hooks calls WITHOUT authentication (local tests)\n"
    "\n"
    "SIGTERM or SIGINT stops it: requests in flight are answered, the store closed.\n";

static const char *default_web_dir(void)
{
    const char *env = getenv("PARANEO_WEB");
    if (env && *env)
        return env;
    struct stat st;
    if (stat(PN_DATADIR_WEB "/index.html", &st) == 0)
        return PN_DATADIR_WEB;
    return PN_SOURCE_WEB;
}

/* "host:port", "[v6]:port" or ":port". */
static int parse_listen(const char *arg, char *host, size_t hostlen, unsigned *port)
{
    const char *colon = strrchr(arg, ':');
    if (!colon)
        return -1;
    const char *h = arg;
    size_t hl = (size_t)(colon - arg);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hostlen)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (!host[0])
        snprintf(host, hostlen, "127.0.0.1");
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p > 65535)
        return -1;
    *port = (unsigned)p;
    return 0;
}

static int config_error(const char *file, const char *field, const char *what)
{
    fprintf(stderr, "paraneo: %s: %s: %s\n", file, field, what);
    return PN_EXIT_BADINPUT;
}

int pn_cmd_serve(pn_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'},   {"db", required_argument, 0, 'd'},
        {"config", required_argument, 0, 'c'},   {"web", required_argument, 0, 'w'},
        {"base-url", required_argument, 0, 'b'}, {"threads", required_argument, 0, 't'},
        {"store-cases", no_argument, 0, 's'},    {"insecure-dev", no_argument, 0, 'i'},
        {"no-access-log", no_argument, 0, 'q'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *listen = NULL, *db = NULL, *config = NULL, *web = NULL, *base_url = NULL;
    long threads = -1;
    int store_cases = -1, insecure = 0, quiet = 0;
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'l': listen = optarg; break;
        case 'd': db = optarg; break;
        case 'c': config = optarg; break;
        case 'w': web = optarg; break;
        case 'b': base_url = optarg; break;
        case 't': {
            char *end;
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 256) {
                fprintf(stderr, "paraneo: serve: --threads: '%s' is not a number from 1 to 256\n",
                        optarg);
                return PN_EXIT_BADINPUT;
            }
            break;
        }
        case 's': store_cases = 1; break;
        case 'i': insecure = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage, stdout); return PN_EXIT_OK;
        default: fputs(usage, stderr); return PN_EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "paraneo: serve: unexpected argument '%s'\n%s", argv[optind], usage);
        return PN_EXIT_BADINPUT;
    }

    pn_server_config cfg = {.access_log = !quiet};
    json_t *conf = NULL;
    char config_dir[4096] = ".";
    if (config) {
        json_error_t jerr;
        conf = json_load_file(config, JSON_REJECT_DUPLICATES, &jerr);
        if (!conf) {
            fprintf(stderr, "paraneo: %s:%d:%d: %s\n", config, jerr.line, jerr.column, jerr.text);
            return PN_EXIT_BADINPUT;
        }
        if (!json_is_object(conf)) {
            json_decref(conf);
            return config_error(config, "$", "must be a JSON object");
        }
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", config);
        snprintf(config_dir, sizeof config_dir, "%s", dirname(copy));
        static const char *const known[] = {"listen", "db", "web", "base_url", "threads",
                                            "store_cases", "max_body_bytes", "timeout_seconds",
                                            "access_log", "auth", "api_keys"};
        const char *k;
        json_t *v;
        json_object_foreach(conf, k, v) {
            bool ok = false;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                ok = ok || strcmp(k, known[i]) == 0;
            if (!ok) {
                char field[300];
                snprintf(field, sizeof field, "$.%s", k);
                json_decref(conf);
                return config_error(config, field, "unknown setting");
            }
        }
#define CONF_STR(key, var)                                                                        \
    do {                                                                                          \
        json_t *x = json_object_get(conf, key);                                                   \
        if (x && !json_is_string(x)) {                                                            \
            json_decref(conf);                                                                    \
            return config_error(config, "$." key, "must be a string");                           \
        }                                                                                         \
        if (x && !var)                                                                            \
            var = json_string_value(x);                                                           \
    } while (0)
        CONF_STR("listen", listen);
        CONF_STR("db", db);
        CONF_STR("web", web);
        CONF_STR("base_url", base_url);
#undef CONF_STR
        json_t *x;
        if ((x = json_object_get(conf, "threads"))) {
            if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 256) {
                json_decref(conf);
                return config_error(config, "$.threads", "must be an integer from 1 to 256");
            }
            if (threads < 0)
                threads = (long)json_integer_value(x);
        }
        if ((x = json_object_get(conf, "store_cases"))) {
            if (!json_is_boolean(x)) {
                json_decref(conf);
                return config_error(config, "$.store_cases", "must be true or false");
            }
            if (store_cases < 0)
                store_cases = json_is_true(x);
        }
        if ((x = json_object_get(conf, "access_log"))) {
            if (!json_is_boolean(x)) {
                json_decref(conf);
                return config_error(config, "$.access_log", "must be true or false");
            }
            if (!quiet)
                cfg.access_log = json_is_true(x);
        }
        if ((x = json_object_get(conf, "max_body_bytes"))) {
            if (!json_is_integer(x) || json_integer_value(x) < 1024 ||
                json_integer_value(x) > (json_int_t)PN_FHIR_MAX_BYTES) {
                json_decref(conf);
                return config_error(config, "$.max_body_bytes",
                                    "must be an integer from 1024 to 67108864");
            }
            cfg.max_body = (size_t)json_integer_value(x);
        }
        if ((x = json_object_get(conf, "timeout_seconds"))) {
            if (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 3600) {
                json_decref(conf);
                return config_error(config, "$.timeout_seconds", "must be an integer from 1 to 3600");
            }
            cfg.timeout_s = (unsigned)json_integer_value(x);
        }
        if ((x = json_object_get(conf, "auth"))) {
            if (!json_is_object(x)) {
                json_decref(conf);
                return config_error(config, "$.auth", "must be an object");
            }
            cfg.auth = x;
        }
        if ((x = json_object_get(conf, "api_keys"))) {
            size_t i;
            json_t *k2;
            bool ok = json_is_array(x);
            json_array_foreach(x, i, k2) {
                const char *h = json_string_value(json_object_get(k2, "sha256"));
                ok = ok && h && strlen(h) == 64 && strspn(h, "0123456789abcdef") == 64 &&
                     json_is_array(json_object_get(k2, "scopes"));
            }
            if (!ok) {
                json_decref(conf);
                return config_error(config, "$.api_keys",
                                    "must be an array of {name, sha256 (64 lower-case hex), "
                                    "scopes: [\"evaluate\", \"read\"]}");
            }
            cfg.api_keys = x;
        }
    }

    char host[256];
    unsigned port = 8080;
    snprintf(host, sizeof host, "127.0.0.1");
    if (listen && parse_listen(listen, host, sizeof host, &port) != 0) {
        json_decref(conf);
        fprintf(stderr, "paraneo: serve: --listen: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:8080)\n",
                listen);
        return PN_EXIT_BADINPUT;
    }
    cfg.host = host;
    cfg.port = port;
    cfg.db_path = db ? db : "paraneo.db";
    cfg.web_dir = web ? web : default_web_dir();
    cfg.base_url = base_url;
    cfg.config_dir = config_dir;
    cfg.store_cases = store_cases > 0;
    cfg.insecure_dev = insecure;
    cfg.threads = threads > 0 ? (unsigned)threads : 0;

    pn_kb *kb = NULL;
    int rc = pn_cli_load_kb(cli, &kb);
    if (rc != PN_EXIT_OK) {
        json_decref(conf);
        return rc;
    }

    /* Signals are taken by sigwait in this thread only; workers inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    pn_server *srv = NULL;
    char err[1024] = "";
    if (pn__server_start(&cfg, kb, &srv, err, sizeof err) != 0) {
        fprintf(stderr, "paraneo: serve: %s\n", err);
        pn_kb_free(kb);
        json_decref(conf);
        return PN_EXIT_BADINPUT;
    }
    if (insecure)
        fprintf(stderr, "paraneo: WARNING: --insecure-dev: CDS Hooks requests are NOT "
                        "authenticated. Never use this outside local testing.\n");
    fprintf(stderr, "paraneo: store %s, knowledge base %s (%s)\n", cfg.db_path, pn_kb_version(kb),
            pn_kb_digest(kb));
    fprintf(stderr, "paraneo: listening on %s\n", pn__server_base_url(srv));
    fflush(stderr);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "paraneo: %s received, finishing requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    pn__server_stop(srv, 10000);
    pn_kb_free(kb);
    json_decref(conf);
    fprintf(stderr, "paraneo: stopped\n");
    return PN_EXIT_OK;
}
