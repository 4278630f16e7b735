/* fetch.c - see fetch.h. */
#include "server/fetch.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "util/buf.h"
#include "util/strmap.h"
#include "util/jsondump.h"

#define FETCH_MAX_BYTES (32L * 1024 * 1024) /* all responses of one fetch together */
#define FETCH_MAX_PAGES 20                  /* per search */
#define FETCH_DEFAULT_MS 30000L
#define FETCH_PAGE_COUNT "200"              /* _count asked of each search */
#define URL_MAX 2048
#define TOKEN_MAX 16384

static void init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void pn__fetch_global_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

typedef struct fx {
    CURL *c;
    struct curl_slist *hdr;
    const char *base; /* fhir_server without its trailing slash */
    size_t baselen, originlen; /* originlen: "scheme://authority" */
    long deadline, timeout;    /* ms, monotonic */
    long used;                 /* bytes received so far */
    char *err;
    size_t errlen;
} fx;

static char *fail(fx *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static char *fail(fx *f, const char *fmt, ...)
{
    if (f->err && f->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->err, f->errlen, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    pn_buf *b = ud;
    pn__buf_add(b, p, size * nmemb);
    return b->failed ? 0 : size * nmemb; /* 0 stops the transfer */
}

/* GETs url and parses the answer; shown is how errors name the URL (the
 * patient id replaced by {id}).  NULL with a message on any failure. */
static json_t *get_json(fx *f, const char *url, const char *shown)
{
    long left = f->deadline - now_ms();
    if (left <= 0) {
        fail(f, "GET %s: no time left (the fetch is limited to %ld ms)", shown, f->timeout);
        return NULL;
    }
    pn_buf b;
    pn__buf_init(&b, (size_t)(FETCH_MAX_BYTES - f->used));
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(f->c, CURLOPT_URL, url);
    curl_easy_setopt(f->c, CURLOPT_TIMEOUT_MS, left);
    curl_easy_setopt(f->c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(f->c, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(f->c);
    long status = 0;
    curl_easy_getinfo(f->c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(f->c, CURLOPT_ERRORBUFFER, NULL);
    json_t *j = NULL;
    if (rc != CURLE_OK) {
        if (b.failed)
            fail(f, "GET %s: the FHIR server's answers exceed %ld MiB in all", shown,
                 FETCH_MAX_BYTES >> 20);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            fail(f, "GET %s: timed out (the fetch is limited to %ld ms)", shown, f->timeout);
        else
            fail(f, "GET %s: %s", shown, cerr[0] ? cerr : curl_easy_strerror(rc));
    } else if (status != 200) {
        fail(f, "GET %s: HTTP %ld", shown, status);
    } else {
        f->used += (long)b.len;
        json_error_t je;
        j = json_loadb(b.data ? b.data : "", b.len, 0, &je);
        if (!j)
            fail(f, "GET %s: the answer is not JSON (line %d: %s)", shown, je.line, je.text);
        else if (!json_is_object(j)) {
            fail(f, "GET %s: the answer is not a FHIR resource", shown);
            json_decref(j);
            j = NULL;
        }
    }
    pn__buf_free(&b);
    return j;
}

/* Appends r to entries unless its type/id is there already (a resource may
 * show up on two pages when the data change between them). */
static int add_resource(fx *f, json_t *entries, pn_strmap *seen, json_t *r, const char *full_url)
{
    const char *rt = json_string_value(json_object_get(r, "resourceType"));
    const char *id = json_string_value(json_object_get(r, "id"));
    if (!rt || !strcmp(rt, "OperationOutcome"))
        return 0;
    char key[256], url[URL_MAX + 256];
    if (id && snprintf(key, sizeof key, "%s/%s", rt, id) < (int)sizeof key) {
        int rc = pn__strmap_put(seen, key, 0, NULL);
        if (rc < 0)
            return -1;
        if (rc == 1)
            return 0;
        if (!full_url) {
            snprintf(url, sizeof url, "%.*s/%s", (int)f->baselen, f->base, key);
            full_url = url;
        }
    }
    json_t *e = json_object();
    if (!e || (full_url && json_object_set_new(e, "fullUrl", json_string(full_url))) ||
        json_object_set(e, "resource", r) || json_array_append_new(entries, e))
        return -1;
    return 0;
}

/* Reads every page of one search into entries. */
static int search(fx *f, const char *type, const char *pid, json_t *entries, pn_strmap *seen)
{
    char url[URL_MAX + 1], shown[URL_MAX + 64];
    snprintf(url, sizeof url, "%.*s/%s?patient=%s&_count=" FETCH_PAGE_COUNT, (int)f->baselen,
             f->base, type, pid);
    for (int page = 1;; page++) {
        if (page == 1)
            snprintf(shown, sizeof shown, "%.*s/%s?patient={id}", (int)f->baselen, f->base, type);
        else
            snprintf(shown, sizeof shown, "%.*s/%s?patient={id} (page %d)", (int)f->baselen,
                     f->base, type, page);
        json_t *b = get_json(f, url, shown);
        if (!b)
            return -1;
        const char *rt = json_string_value(json_object_get(b, "resourceType"));
        const char *bt = json_string_value(json_object_get(b, "type"));
        const json_t *entry = json_object_get(b, "entry");
        if (!rt || strcmp(rt, "Bundle") || (bt && strcmp(bt, "searchset")) ||
            (entry && !json_is_array(entry))) {
            fail(f, "GET %s: the answer is not a searchset Bundle", shown);
            json_decref(b);
            return -1;
        }
        for (size_t i = 0; i < json_array_size(entry); i++) {
            const json_t *e = json_array_get(entry, i);
            json_t *r = json_object_get(e, "resource");
            const char *mode = json_string_value(json_object_get(json_object_get(e, "search"), "mode"));
            if (!json_is_object(r) || (mode && !strcmp(mode, "outcome")))
                continue;
            if (add_resource(f, entries, seen, r,
                             json_string_value(json_object_get(e, "fullUrl")))) {
                fail(f, "out of memory");
                json_decref(b);
                return -1;
            }
        }
        const char *next = NULL;
        const json_t *links = json_object_get(b, "link");
        for (size_t i = 0; i < json_array_size(links); i++) {
            const json_t *l = json_array_get(links, i);
            const char *rel = json_string_value(json_object_get(l, "relation"));
            if (rel && !strcmp(rel, "next"))
                next = json_string_value(json_object_get(l, "url"));
        }
        int rc = 0;
        if (!next) {
            rc = 1;
        } else if (page == FETCH_MAX_PAGES) {
            fail(f, "GET %.*s/%s?patient={id}: more than %d pages", (int)f->baselen, f->base, type,
                 FETCH_MAX_PAGES);
            rc = -1;
        } else if (strncmp(next, f->base, f->originlen) || next[f->originlen] != '/' ||
                   strlen(next) > URL_MAX || strpbrk(next, " \r\n\t")) {
            /* The bearer token goes to fhir_server's origin and nowhere else. */
            fail(f, "GET %s: its next link is not on the FHIR server", shown);
            rc = -1;
        } else {
            snprintf(url, sizeof url, "%s", next);
        }
        json_decref(b);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
}

static int fhir_id_ok(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!((id[n] >= 'A' && id[n] <= 'Z') || (id[n] >= 'a' && id[n] <= 'z') ||
              (id[n] >= '0' && id[n] <= '9') || id[n] == '-' || id[n] == '.'))
            return 0;
    return n >= 1 && n <= 64;
}

char *pn__fetch_patient(const char *fhir_server, const char *access_token, const char *patient_id,
                        long timeout_ms, char *err, size_t errlen)
{
    fx f = {.err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    f.timeout = timeout_ms > 0 ? timeout_ms : FETCH_DEFAULT_MS;
    f.deadline = now_ms() + f.timeout;
    if (!fhir_server || (strncmp(fhir_server, "https://", 8) && strncmp(fhir_server, "http://", 7)))
        return fail(&f, "fhirServer: not an http(s) URL");
    size_t n = strlen(fhir_server);
    if (n > URL_MAX - 200 || strpbrk(fhir_server, "?# \r\n\t"))
        return fail(&f, "fhirServer: not a plain base URL (no query, fragment or spaces)");
    while (n && fhir_server[n - 1] == '/')
        n--;
    const char *auth = strstr(fhir_server, "://") + 3;
    const char *slash = memchr(auth, '/', n - (size_t)(auth - fhir_server));
    f.base = fhir_server;
    f.baselen = n;
    f.originlen = slash ? (size_t)(slash - fhir_server) : n;
    if (f.originlen == (size_t)(auth - fhir_server))
        return fail(&f, "fhirServer: no host");
    if (!patient_id || !fhir_id_ok(patient_id))
        return fail(&f, "patient id: not a FHIR id (1 to 64 of A-Z a-z 0-9 - .)");
    char authz[TOKEN_MAX + 32];
    if (access_token) {
        size_t tl = strnlen(access_token, TOKEN_MAX + 1);
        if (tl == 0 || tl > TOKEN_MAX)
            return fail(&f, "fhirAuthorization.access_token: empty or longer than %d bytes",
                        TOKEN_MAX);
        for (size_t i = 0; i < tl; i++)
            if ((unsigned char)access_token[i] < 0x21 || access_token[i] == 0x7f)
                return fail(&f, "fhirAuthorization.access_token: holds spaces or control "
                                "characters");
        snprintf(authz, sizeof authz, "Authorization: Bearer %s", access_token);
    }

    pn__fetch_global_init();
    char *out = NULL;
    json_t *bundle = NULL, *patient = NULL;
    pn_strmap seen;
    pn__strmap_init(&seen);
    if (!(f.c = curl_easy_init())) {
        fail(&f, "cannot start libcurl");
        goto done;
    }
    f.hdr = curl_slist_append(NULL, "Accept: application/fhir+json");
    if (f.hdr && access_token)
        f.hdr = curl_slist_append(f.hdr, authz);
    if (!f.hdr) {
        fail(&f, "out of memory");
        goto done;
    }
    curl_easy_setopt(f.c, CURLOPT_HTTPHEADER, f.hdr);
    curl_easy_setopt(f.c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f.c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect could carry the token away */
    curl_easy_setopt(f.c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f.c, CURLOPT_ACCEPT_ENCODING, ""); /* decoded size still capped */
    curl_easy_setopt(f.c, CURLOPT_USERAGENT, "paraneo");
    curl_easy_setopt(f.c, CURLOPT_WRITEFUNCTION, on_data);

    char url[URL_MAX + 1], shown[URL_MAX + 32];
    snprintf(url, sizeof url, "%.*s/Patient/%s", (int)n, fhir_server, patient_id);
    snprintf(shown, sizeof shown, "%.*s/Patient/{id}", (int)n, fhir_server);
    if (!(patient = get_json(&f, url, shown)))
        goto done;
    const char *rt = json_string_value(json_object_get(patient, "resourceType"));
    if (!rt || strcmp(rt, "Patient")) {
        fail(&f, "GET %s: the answer is not a Patient resource", shown);
        goto done;
    }
    bundle = json_pack("{s:s, s:s, s:[]}", "resourceType", "Bundle", "type", "collection", "entry");
    json_t *entries = json_object_get(bundle, "entry");
    if (!bundle || add_resource(&f, entries, &seen, patient, NULL)) {
        fail(&f, "out of memory");
        goto done;
    }
    static const char *const types[] = {"Observation", "Condition", "MedicationStatement",
                                        "MedicationRequest", "Procedure"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (search(&f, types[i], patient_id, entries, &seen))
            goto done;
    if (!(out = pn__json_dumps(bundle, JSON_COMPACT, NULL)))
        fail(&f, "out of memory");
done:
    json_decref(patient);
    json_decref(bundle);
    pn__strmap_free(&seen);
    curl_slist_free_all(f.hdr);
    if (f.c)
        curl_easy_cleanup(f.c);
    return out;
}
