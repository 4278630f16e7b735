/* auth.c - see auth.h.  JWT bearer tokens (RFC 7519, compact JWS) verified
 * with OpenSSL against the issuer's JWK Set; no JWT library, so that the
 * accepted algorithms and every check are visible here. */
#include "server/auth.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server/jwk.h"

#define TOKEN_MAX 16384      /* bytes of a compact JWT */
#define SEGMENT_JSON_MAX 8192 /* bytes of a decoded header or claims set */
#define ISS_MAX 512
#define JTI_MAX 256
#define JWKS_FILE_MAX (1024 * 1024)
/* The replay cache: at most REPLAY_MAX (issuer, jti) pairs, each kept only
 * as long as its token could still pass the time checks. */
#define REPLAY_MAX 100000
#define REPLAY_BUCKETS 16384
/* jku JWK Sets: cached 10 minutes; an unknown kid refetches a set older
 * than a minute (key rotation); a failed fetch is retried after 10 s, and
 * meanwhile a set fetched within the hour is still used. */
#define JKU_TTL 600
#define JKU_REFRESH_MIN 60
#define JKU_RETRY 10
#define JKU_STALE_MAX 3600

typedef struct jku_slot {
    char *url;
    pn_jwks set; /* valid when fetched != 0 */
    time_t fetched, failed_at;
    char fail[200];
} jku_slot;

typedef struct client {
    char *iss;
    pn_jwks keys; /* from jwks or jwks_file; n == 0 when neither */
    jku_slot *jku;
    size_t njku;
} client;

typedef struct seen {
    struct seen *next;
    double until; /* forgotten after this time */
    size_t client;
    char jti[]; /* NUL-terminated */
} seen;

struct pn_auth {
    client *clients;
    size_t nclients;
    long max_age, leeway;
    pthread_mutex_t mu; /* guards the jku slots and the replay cache */
    seen *buckets[REPLAY_BUCKETS];
    size_t nseen;
    time_t pruned;
};

#if defined(__GNUC__)
#define PN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PN_PRINTF(a, b)
#endif

static int fail(char *err, size_t errlen, const char *fmt, ...) PN_PRINTF(3, 4);
static int deny(char *why, size_t whylen, const char *fmt, ...) PN_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int deny(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return 401;
}

/* ---- configuration -------------------------------------------------------- */

static int only_members(const json_t *o, const char *const *allowed, const char *where, char *err,
                        size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key))
            i++;
        if (!allowed[i])
            return fail(err, errlen, "%s.%s: unknown member", where, key);
    }
    return 0;
}

static int int_member(const json_t *o, const char *name, long lo, long hi, long *val, char *err,
                      size_t errlen)
{
    const json_t *v = json_object_get(o, name);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return fail(err, errlen, "auth.%s: not an integer from %ld to %ld", name, lo, hi);
    *val = (long)json_integer_value(v);
    return 0;
}

static json_t *load_jwks_file(const char *name, const char *base_dir, const char *where,
                              char *err, size_t errlen)
{
    char path[4096];
    int n = name[0] == '/' || !base_dir || !base_dir[0]
                ? snprintf(path, sizeof path, "%s", name)
                : snprintf(path, sizeof path, "%s/%s", base_dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        fail(err, errlen, "%s: path too long", where);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, errlen, "%s: cannot read %s: %s", where, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(JWKS_FILE_MAX + 1);
    size_t len = buf ? fread(buf, 1, JWKS_FILE_MAX + 1, f) : 0;
    int rerr = ferror(f);
    fclose(f);
    json_t *j = NULL;
    json_error_t je;
    if (!buf)
        fail(err, errlen, "%s: out of memory", where);
    else if (rerr)
        fail(err, errlen, "%s: cannot read %s", where, path);
    else if (len > JWKS_FILE_MAX)
        fail(err, errlen, "%s: %s is larger than %d KiB", where, path, JWKS_FILE_MAX / 1024);
    else if (!(j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)))
        fail(err, errlen, "%s: %s: line %d: %s", where, path, je.line, je.text);
    free(buf);
    return j;
}

static int parse_client(client *c, const json_t *o, size_t i, const char *base_dir, char *err,
                        size_t errlen)
{
    char where[64];
    snprintf(where, sizeof where, "auth.clients[%zu]", i);
    if (!json_is_object(o))
        return fail(err, errlen, "%s: not an object", where);
    static const char *const allowed[] = {"iss", "jwks", "jwks_file", "jku", NULL};
    if (only_members(o, allowed, where, err, errlen))
        return -1;
    const json_t *iss = json_object_get(o, "iss");
    if (!json_is_string(iss) || json_string_length(iss) == 0 ||
        json_string_length(iss) > ISS_MAX || strlen(json_string_value(iss)) != json_string_length(iss))
        return fail(err, errlen, "%s.iss: missing or not a string of 1 to %d bytes", where, ISS_MAX);
    if (!(c->iss = strdup(json_string_value(iss))))
        return fail(err, errlen, "%s: out of memory", where);

    const json_t *jwks = json_object_get(o, "jwks");
    const json_t *file = json_object_get(o, "jwks_file");
    const json_t *jku = json_object_get(o, "jku");
    if (jwks && file)
        return fail(err, errlen, "%s: give jwks or jwks_file, not both", where);
    if (!jwks && !file && !jku)
        return fail(err, errlen, "%s: needs jwks, jwks_file or jku", where);
    char why[256];
    if (jwks && pn__jwks_parse(jwks, &c->keys, why, sizeof why))
        return fail(err, errlen, "%s.jwks: %s", where, why);
    if (file) {
        char fw[80];
        snprintf(fw, sizeof fw, "%s.jwks_file", where);
        if (!json_is_string(file) || json_string_length(file) == 0)
            return fail(err, errlen, "%s: not a file name", fw);
        json_t *set = load_jwks_file(json_string_value(file), base_dir, fw, err, errlen);
        if (!set)
            return -1;
        int rc = pn__jwks_parse(set, &c->keys, why, sizeof why);
        json_decref(set);
        if (rc)
            return fail(err, errlen, "%s: %s", fw, why);
    }
    if (jku) {
        size_t n = json_is_array(jku) ? json_array_size(jku) : 1;
        if (!(json_is_array(jku) || json_is_string(jku)) || n == 0 || n > 16)
            return fail(err, errlen, "%s.jku: not a URL or an array of 1 to 16 URLs", where);
        if (!(c->jku = calloc(n, sizeof *c->jku)))
            return fail(err, errlen, "%s: out of memory", where);
        for (size_t k = 0; k < n; k++) {
            const json_t *u = json_is_array(jku) ? json_array_get(jku, k) : jku;
            if (!json_is_string(u) || !pn__jku_url_ok(json_string_value(u)) ||
                strlen(json_string_value(u)) != json_string_length(u))
                return fail(err, errlen, "%s.jku[%zu]: not an https URL (plain http only to 127.0.0.1)",
                            where, k);
            if (!(c->jku[k].url = strdup(json_string_value(u))))
                return fail(err, errlen, "%s: out of memory", where);
            c->njku++;
        }
    }
    return 0;
}

int pn__auth_new(const json_t *config, const char *base_dir, pn_auth **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (!json_is_object(config))
        return fail(err, errlen, "auth: not an object");
    static const char *const allowed[] = {"clients", "max_age_seconds", "leeway_seconds", NULL};
    if (only_members(config, allowed, "auth", err, errlen))
        return -1;
    pn_auth *a = calloc(1, sizeof *a);
    if (!a)
        return fail(err, errlen, "auth: out of memory");
    if (pthread_mutex_init(&a->mu, NULL)) {
        free(a);
        return fail(err, errlen, "auth: cannot create a mutex");
    }
    a->max_age = 300;
    a->leeway = 60;
    if (int_member(config, "max_age_seconds", 1, 86400, &a->max_age, err, errlen) ||
        int_member(config, "leeway_seconds", 0, 600, &a->leeway, err, errlen))
        goto bad;
    const json_t *clients = json_object_get(config, "clients");
    if (!json_is_array(clients) || json_array_size(clients) == 0) {
        fail(err, errlen, "auth.clients: missing or not a non-empty array");
        goto bad;
    }
    size_t n = json_array_size(clients);
    if (!(a->clients = calloc(n, sizeof *a->clients))) {
        fail(err, errlen, "auth: out of memory");
        goto bad;
    }
    for (size_t i = 0; i < n; i++) {
        a->nclients++; /* counted first, so that a half-read client is freed */
        if (parse_client(&a->clients[i], json_array_get(clients, i), i, base_dir, err, errlen))
            goto bad;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(a->clients[j].iss, a->clients[i].iss)) {
                fail(err, errlen, "auth.clients[%zu].iss: same as auth.clients[%zu].iss", i, j);
                goto bad;
            }
    }
    *out = a;
    return 0;
bad:
    pn__auth_free(a);
    return -1;
}

void pn__auth_free(pn_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nclients; i++) {
        client *c = &a->clients[i];
        free(c->iss);
        pn__jwks_free(&c->keys);
        for (size_t k = 0; k < c->njku; k++) {
            free(c->jku[k].url);
            pn__jwks_free(&c->jku[k].set);
        }
        free(c->jku);
    }
    free(a->clients);
    for (size_t b = 0; b < REPLAY_BUCKETS; b++)
        for (seen *s = a->buckets[b], *next; s; s = next) {
            next = s->next;
            free(s);
        }
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* ---- keys ------------------------------------------------------------------ */

static int has_kid(const pn_jwks *s, const char *kid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->keys[i].kid && !strcmp(s->keys[i].kid, kid))
            return 1;
    return 0;
}

/* Copies the keys of a set a token may use into tmp, holding a reference to
 * each, so that a concurrent refetch may replace the set meanwhile. */
static int copy_keys(const pn_jwks *s, pn_jwks *tmp)
{
    memset(tmp, 0, sizeof *tmp);
    if (!s->n)
        return 0;
    if (!(tmp->keys = calloc(s->n, sizeof *tmp->keys)))
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        pn_jwk *t = &tmp->keys[tmp->n];
        if (EVP_PKEY_up_ref(s->keys[i].pkey) != 1)
            return -1;
        t->pkey = s->keys[i].pkey;
        t->kty = s->keys[i].kty;
        tmp->n++;
        if (s->keys[i].kid && !(t->kid = strdup(s->keys[i].kid)))
            return -1;
    }
    return 0;
}

/* The JWK Set behind one jku slot, fetched when absent or stale. */
static int jku_keys(pn_auth *a, jku_slot *sl, const char *kid, pn_jwks *tmp, char *why,
                    size_t whylen)
{
    time_t now = time(NULL);
    memset(tmp, 0, sizeof *tmp);
    pthread_mutex_lock(&a->mu);
    int fresh = sl->fetched && now - sl->fetched < JKU_TTL;
    if (fresh && kid && !has_kid(&sl->set, kid) && now - sl->fetched >= JKU_REFRESH_MIN)
        fresh = 0;
    if (!fresh && !(sl->failed_at && now - sl->failed_at < JKU_RETRY)) {
        pthread_mutex_unlock(&a->mu); /* no lock held over the network */
        pn_jwks got;
        char e[sizeof sl->fail];
        int rc = pn__jwks_fetch(sl->url, &got, e, sizeof e);
        pthread_mutex_lock(&a->mu);
        if (rc == 0) {
            pn__jwks_free(&sl->set);
            sl->set = got;
            sl->fetched = now;
            sl->failed_at = 0;
        } else {
            sl->failed_at = now;
            snprintf(sl->fail, sizeof sl->fail, "%s", e);
        }
    }
    int rc = 0;
    if (!sl->fetched || now - sl->fetched >= JKU_STALE_MAX)
        rc = deny(why, whylen, "%s", sl->failed_at ? sl->fail : "jku: no JWK Set");
    else if (copy_keys(&sl->set, tmp))
        rc = deny(why, whylen, "out of memory");
    pthread_mutex_unlock(&a->mu);
    if (rc)
        pn__jwks_free(tmp);
    return rc;
}

/* 1 when a key of s (the kid's, when given) verifies the signature, 0 when
 * some key was tried and none did, -1 when no key was fit to try. */
static int try_keys(const pn_jwks *s, const char *kid, const char *alg, const char *input,
                    size_t inlen, const unsigned char *sig, size_t siglen)
{
    int want = !strcmp(alg, "ES384") ? PN_JWK_EC : PN_JWK_RSA;
    int tried = 0;
    for (size_t i = 0; i < s->n; i++) {
        const pn_jwk *k = &s->keys[i];
        if (k->kty != want || (kid && (!k->kid || strcmp(k->kid, kid))))
            continue;
        tried = 1;
        if (pn__jws_verify(k, alg, input, inlen, sig, siglen))
            return 1;
    }
    return tried ? 0 : -1;
}

/* ---- replay cache ----------------------------------------------------------- */

static size_t bucket_of(size_t client_ix, const char *jti)
{
    unsigned long h = 2166136261u ^ (unsigned long)client_ix; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)jti; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (size_t)(h % REPLAY_BUCKETS);
}

static void prune(pn_auth *a, double now)
{
    for (size_t b = 0; b < REPLAY_BUCKETS; b++)
        for (seen **pp = &a->buckets[b]; *pp;) {
            seen *s = *pp;
            if (s->until < now) {
                *pp = s->next;
                free(s);
                a->nseen--;
            } else {
                pp = &s->next;
            }
        }
}

/* 0 recorded, 1 seen before, 2 cache full or out of memory. */
static int remember(pn_auth *a, size_t client_ix, const char *jti, double until, time_t now)
{
    size_t b = bucket_of(client_ix, jti);
    int rc = 0;
    pthread_mutex_lock(&a->mu);
    if (now != a->pruned) { /* one sweep a second at most */
        prune(a, (double)now);
        a->pruned = now;
    }
    for (seen *s = a->buckets[b]; s; s = s->next)
        if (s->client == client_ix && !strcmp(s->jti, jti)) {
            rc = 1;
            goto out;
        }
    size_t len = strlen(jti);
    seen *s = a->nseen < REPLAY_MAX ? malloc(sizeof *s + len + 1) : NULL;
    if (!s) {
        rc = 2;
        goto out;
    }
    s->until = until;
    s->client = client_ix;
    memcpy(s->jti, jti, len + 1);
    s->next = a->buckets[b];
    a->buckets[b] = s;
    a->nseen++;
out:
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* ---- the check ----------------------------------------------------------------- */

static json_t *segment_json(const char *seg, size_t n, const char *what, char *why, size_t whylen)
{
    unsigned char *raw;
    size_t len;
    if (n == 0) {
        deny(why, whylen, "JWT %s is empty", what);
        return NULL;
    }
    if (n > SEGMENT_JSON_MAX / 3 * 4) {
        deny(why, whylen, "JWT %s is longer than %d bytes", what, SEGMENT_JSON_MAX);
        return NULL;
    }
    if (pn__b64url_decode(seg, n, &raw, &len)) {
        deny(why, whylen, "JWT %s is not unpadded base64url", what);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &je);
    free(raw);
    if (!json_is_object(j)) {
        json_decref(j);
        deny(why, whylen, "JWT %s is not a JSON object", what);
        return NULL;
    }
    return j;
}

/* Compares two URLs, a single trailing slash on either side ignored. */
static int same_url(const char *x, const char *y)
{
    size_t xl = strlen(x), yl = strlen(y);
    if (xl && x[xl - 1] == '/')
        xl--;
    if (yl && y[yl - 1] == '/')
        yl--;
    return xl == yl && !memcmp(x, y, xl);
}

static int aud_ok(const json_t *aud, const char *audience)
{
    if (json_is_string(aud))
        return same_url(json_string_value(aud), audience);
    if (!json_is_array(aud))
        return 0;
    for (size_t i = 0; i < json_array_size(aud); i++) {
        const json_t *v = json_array_get(aud, i);
        if (json_is_string(v) && same_url(json_string_value(v), audience))
            return 1;
    }
    return 0;
}

/* alg as text for a message, only when short and plain (no token echo). */
static const char *shown_alg(const char *alg)
{
    size_t n = strlen(alg);
    if (n == 0 || n > 12)
        return "?";
    for (size_t i = 0; i < n; i++)
        if (!((alg[i] >= 'A' && alg[i] <= 'Z') || (alg[i] >= 'a' && alg[i] <= 'z') ||
              (alg[i] >= '0' && alg[i] <= '9')))
            return "?";
    return alg;
}

static int check_token(pn_auth *a, const char *tok, size_t toklen, const char *audience,
                       json_t **hdrp, json_t **clp, unsigned char **sigp, char *why, size_t whylen)
{
    const char *d1 = memchr(tok, '.', toklen);
    const char *d2 = d1 ? memchr(d1 + 1, '.', toklen - (size_t)(d1 + 1 - tok)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', toklen - (size_t)(d2 + 1 - tok)))
        return deny(why, whylen, "bearer token is not a compact JWS (header.claims.signature)");
    json_t *hdr = *hdrp = segment_json(tok, (size_t)(d1 - tok), "header", why, whylen);
    if (!hdr)
        return 401;

    const json_t *alg = json_object_get(hdr, "alg");
    if (!alg)
        return deny(why, whylen, "JWT header has no alg");
    if (!json_is_string(alg))
        return deny(why, whylen, "JWT header alg is not a string");
    const char *algs = json_string_value(alg);
    if (strcmp(algs, "ES384") && strcmp(algs, "RS384"))
        return deny(why, whylen, "JWT alg \"%s\" is not accepted (ES384 or RS384 only)",
                    shown_alg(algs));
    if (json_object_get(hdr, "crit"))
        return deny(why, whylen, "JWT header has crit extensions, none of which is supported");
    const json_t *kid = json_object_get(hdr, "kid");
    if (kid && !json_is_string(kid))
        return deny(why, whylen, "JWT header kid is not a string");
    const json_t *jku = json_object_get(hdr, "jku");
    if (jku && !json_is_string(jku))
        return deny(why, whylen, "JWT header jku is not a string");

    json_t *cl = *clp = segment_json(d1 + 1, (size_t)(d2 - d1 - 1), "claims", why, whylen);
    if (!cl)
        return 401;
    const json_t *iss = json_object_get(cl, "iss");
    if (!json_is_string(iss))
        return deny(why, whylen, "JWT has no iss");
    size_t ci = 0;
    while (ci < a->nclients && strcmp(a->clients[ci].iss, json_string_value(iss)))
        ci++;
    if (ci == a->nclients)
        return deny(why, whylen, "JWT iss is not a registered client");
    client *c = &a->clients[ci];

    if (!audience || !aud_ok(json_object_get(cl, "aud"), audience))
        return deny(why, whylen, "JWT aud is not this service's URL");
    double now = (double)time(NULL), leeway = (double)a->leeway;
    const json_t *exp = json_object_get(cl, "exp"), *iat = json_object_get(cl, "iat");
    const json_t *nbf = json_object_get(cl, "nbf");
    if (!json_is_number(exp))
        return deny(why, whylen, "JWT has no exp");
    if (!json_is_number(iat))
        return deny(why, whylen, "JWT has no iat");
    if (nbf && !json_is_number(nbf))
        return deny(why, whylen, "JWT nbf is not a number");
    double expv = json_number_value(exp), iatv = json_number_value(iat);
    if (expv <= now - leeway)
        return deny(why, whylen, "JWT has expired");
    if (iatv > now + leeway)
        return deny(why, whylen, "JWT iat is in the future");
    if (now - iatv > (double)a->max_age + leeway)
        return deny(why, whylen, "JWT is too old (iat more than %ld s ago)", a->max_age);
    if (nbf && json_number_value(nbf) > now + leeway)
        return deny(why, whylen, "JWT is not valid yet (nbf)");
    const json_t *jti = json_object_get(cl, "jti");
    if (!json_is_string(jti) || json_string_length(jti) == 0)
        return deny(why, whylen, "JWT has no jti");
    if (json_string_length(jti) > JTI_MAX || strlen(json_string_value(jti)) != json_string_length(jti))
        return deny(why, whylen, "JWT jti is longer than %d bytes", JTI_MAX);

    size_t siglen = 0;
    if (d2 + 1 == tok + toklen)
        return deny(why, whylen, "JWT has no signature");
    if (pn__b64url_decode(d2 + 1, toklen - (size_t)(d2 + 1 - tok), sigp, &siglen))
        return deny(why, whylen, "JWT signature is not unpadded base64url");

    /* The keys: a jku must be on the client's allow-list and then is the
     * only source; otherwise the client's own keys, then its jku sets. */
    const char *kids = kid ? json_string_value(kid) : NULL;
    const char *input = tok;
    size_t inlen = (size_t)(d2 - tok);
    int v = -1;
    if (jku) {
        size_t k = 0;
        while (k < c->njku && strcmp(c->jku[k].url, json_string_value(jku)))
            k++;
        if (k == c->njku)
            return deny(why, whylen, "JWT jku is not on this client's allow-list");
        pn_jwks tmp;
        if (jku_keys(a, &c->jku[k], kids, &tmp, why, whylen))
            return 401;
        v = try_keys(&tmp, kids, algs, input, inlen, *sigp, siglen);
        pn__jwks_free(&tmp);
    } else {
        v = try_keys(&c->keys, kids, algs, input, inlen, *sigp, siglen);
        for (size_t k = 0; v != 1 && k < c->njku; k++) {
            pn_jwks tmp;
            char e[sizeof c->jku[k].fail];
            if (jku_keys(a, &c->jku[k], kids, &tmp, e, sizeof e)) {
                if (v < 0) /* say why when nothing else could be tried */
                    snprintf(why, whylen, "%s", e);
                continue;
            }
            int r = try_keys(&tmp, kids, algs, input, inlen, *sigp, siglen);
            pn__jwks_free(&tmp);
            if (r > v)
                v = r;
        }
    }
    if (v < 0)
        return why[0] ? 401
                      : deny(why, whylen, kids ? "JWT kid names no %s key of this client"
                                               : "this client has no %s key",
                             algs);
    if (v == 0)
        return deny(why, whylen, "JWT signature does not verify");

    /* Remembered until the token would fail the time checks anyway. */
    double until = expv + leeway;
    if (iatv + (double)a->max_age + leeway < until)
        until = iatv + (double)a->max_age + leeway;
    int r = remember(a, ci, json_string_value(jti), until + 1, (time_t)now);
    if (r == 1)
        return deny(why, whylen, "JWT jti was used before (replay)");
    if (r == 2)
        return deny(why, whylen, "too many recent tokens (replay cache full)");
    return 0;
}

int pn__auth_check(pn_auth *a, const char *authorization, const char *audience, char *why,
                   size_t whylen)
{
    char scratch[256];
    if (!why || !whylen) {
        why = scratch;
        whylen = sizeof scratch;
    }
    why[0] = '\0';
    if (!a)
        return deny(why, whylen, "authentication is not configured");
    if (!authorization || !authorization[0])
        return deny(why, whylen, "no Authorization header");
    if (strncasecmp(authorization, "Bearer ", 7))
        return deny(why, whylen, "Authorization is not \"Bearer <token>\"");
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    size_t toklen = strnlen(tok, TOKEN_MAX + 1);
    while (toklen && toklen <= TOKEN_MAX && (tok[toklen - 1] == ' ' || tok[toklen - 1] == '\t'))
        toklen--;
    if (toklen == 0)
        return deny(why, whylen, "empty bearer token");
    if (toklen > TOKEN_MAX)
        return deny(why, whylen, "bearer token is longer than %d bytes", TOKEN_MAX);
    json_t *hdr = NULL, *cl = NULL;
    unsigned char *sig = NULL;
    int rc = check_token(a, tok, toklen, audience, &hdr, &cl, &sig, why, whylen);
    if (rc == 0)
        why[0] = '\0'; /* a failed jku fetch may have left a note */
    json_decref(hdr);
    json_decref(cl);
    free(sig);
    return rc;
}
