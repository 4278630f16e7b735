/* test_auth.c - CDS Hooks JWT authentication (server/auth.c, server/jwk.c)
 * and the FHIR fetch client (server/fetch.c), against keys made here and a
 * small libmicrohttpd server on 127.0.0.1 serving a JWK Set and FHIR data. */
#include "testutil.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "../server/jwt_sign.h"
#include "server/auth.h"
#include "server/fetch.h"
#include "server/jwk.h"

#define ISS "https://ehr.example.org"
#define ISS2 "https://other-ehr.example.org"
#define AUD "http://127.0.0.1:8080/cds-services/paraneo-patient-view"

static EVP_PKEY *ec_key, *rsa_key, *other_ec, *jku_key;
static struct MHD_Daemon *httpd;
static unsigned short port;
static int jwks_hits;
static char last_authz[256];
static pthread_mutex_t hit_mu = PTHREAD_MUTEX_INITIALIZER;
static char jwks_text[4096];
static unsigned long jti_counter;

/* ---- the local HTTP server ------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/fhir+json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **con_cls)
{
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;
    char body[1024];
    const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
    const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&hit_mu);
    snprintf(last_authz, sizeof last_authz, "%s", authz ? authz : "");
    if (!strcmp(url, "/jwks.json"))
        jwks_hits++;
    pthread_mutex_unlock(&hit_mu);
    if (!strcmp(url, "/jwks.json"))
        return reply(c, 200, jwks_text);
    if (!strcmp(url, "/big.json")) {
        static char big[300 * 1024];
        memset(big, ' ', sizeof big - 1);
        return reply(c, 200, big);
    }
    const char *slash = strchr(url + 1, '/');
    if (!slash)
        return reply(c, 404, "{}");
    char base[32];
    snprintf(base, sizeof base, "%.*s", (int)(slash - url), url);
    const char *res = slash + 1;
    if (!strncmp(res, "Patient/", 8) && strcmp(res, "Patient/p1"))
        return reply(c, 404, "{\"resourceType\":\"OperationOutcome\"}");
    if (!strcmp(res, "Patient/p1"))
        return strcmp(base, "/e404") ? reply(c, 200, "{\"resourceType\":\"Patient\",\"id\":\"p1\"}")
                                     : reply(c, 404, "{\"resourceType\":\"OperationOutcome\"}");
    if (!strcmp(res, "Observation")) {
        if (!strcmp(base, "/e500"))
            return reply(c, 500, "{}");
        if (!strcmp(base, "/loop") || !strcmp(base, "/leak")) {
            snprintf(body, sizeof body,
                     "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":"
                     "\"next\",\"url\":\"http://127.0.0.1%s:%u%s/Observation?page=2\"}]}",
                     strcmp(base, "/leak") ? "" : ".evil.example", port, base);
            return reply(c, 200, body);
        }
        if (!page) {
            snprintf(body, sizeof body,
                     "{\"resourceType\":\"Bundle\",\"type\":\"searchset\","
                     "\"link\":[{\"relation\":\"self\",\"url\":\"x\"},{\"relation\":\"next\","
                     "\"url\":\"http://127.0.0.1:%u/fhir/Observation?patient=p1&page=2\"}],"
                     "\"entry\":[{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o1\"}},"
                     "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o2\"}}]}",
                     port);
            return reply(c, 200, body);
        }
        return reply(c, 200,
                     "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":["
                     "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o2\"}},"
                     "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o3\"}}]}");
    }
    if (!strcmp(res, "Condition"))
        return reply(c, 200,
                     "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":["
                     "{\"fullUrl\":\"urn:uuid:c1\",\"resource\":{\"resourceType\":\"Condition\","
                     "\"id\":\"c1\"}},{\"search\":{\"mode\":\"outcome\"},\"resource\":"
                     "{\"resourceType\":\"OperationOutcome\"}}]}");
    return reply(c, 200, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}");
}

static int group_setup(void **state)
{
    (void)state;
    ec_key = js_keygen(0);
    rsa_key = js_keygen(1);
    other_ec = js_keygen(0);
    jku_key = js_keygen(0);
    if (!ec_key || !rsa_key || !other_ec || !jku_key)
        return -1;
    json_t *set = js_jwks(jku_key, "jk1");
    char *s = json_dumps(set, JSON_COMPACT);
    snprintf(jwks_text, sizeof jwks_text, "%s", s);
    free(s);
    json_decref(set);
    pn__fetch_global_init();
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (!httpd)
        return -1;
    port = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(httpd);
    EVP_PKEY_free(ec_key);
    EVP_PKEY_free(rsa_key);
    EVP_PKEY_free(other_ec);
    EVP_PKEY_free(jku_key);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------- */

static char *url(const char *path)
{
    static char u[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(u[i], sizeof u[i], "http://127.0.0.1:%u%s", port, path);
    return u[i];
}

/* Two clients: ISS with the EC key "k1" and the RSA key "k2" inline; ISS2
 * with a jku allow-list holding the local /jwks.json. */
static pn_auth *new_auth(void)
{
    json_t *keys = json_pack("{s:[o,o]}", "keys", js_jwk(ec_key, "k1"), js_jwk(rsa_key, "k2"));
    json_t *cfg = json_pack("{s:[{s:s, s:o}, {s:s, s:[s, s]}], s:i, s:i}", "clients", "iss", ISS,
                            "jwks", keys, "iss", ISS2, "jku", url("/jwks.json"),
                            url("/missing.json"), "max_age_seconds", 300, "leeway_seconds", 30);
    pn_auth *a = NULL;
    char err[256] = "";
    int rc = pn__auth_new(cfg, NULL, &a, err, sizeof err);
    if (rc)
        fprintf(stderr, "auth config: %s\n", err);
    assert_int_equal(rc, 0);
    json_decref(cfg);
    return a;
}

static int setup(void **state)
{
    *state = new_auth();
    return 0;
}

static int teardown(void **state)
{
    pn__auth_free(*state);
    return 0;
}

static json_t *claims(const char *iss)
{
    char jti[32];
    snprintf(jti, sizeof jti, "jti-%lu", ++jti_counter);
    long long now = (long long)time(NULL);
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "iss", iss, "aud", AUD, "exp",
                     (json_int_t)(now + 300), "iat", (json_int_t)(now - 5), "jti", jti, "sub",
                     "client-id");
}

/* "Bearer <jwt>" for claims (stolen) signed with key under alg/kid/jku. */
static char *bearer(EVP_PKEY *key, const char *alg, const char *kid, const char *jku, json_t *cl)
{
    char *h = js_header(alg, kid, jku), *c = json_dumps(cl, JSON_COMPACT);
    char *jwt = js_sign(key, h, c);
    assert_non_null(jwt);
    size_t n = strlen(jwt) + 8;
    char *b = malloc(n);
    snprintf(b, n, "Bearer %s", jwt);
    free(jwt);
    free(h);
    free(c);
    json_decref(cl);
    return b;
}

/* Checks authorization; expects status and, when not NULL, a reason
 * containing want.  Frees authorization. */
static void expect(pn_auth *a, char *authorization, int status, const char *want)
{
    char why[256] = "";
    int rc = pn__auth_check(a, authorization, AUD, why, sizeof why);
    if (rc != status || (want && !strstr(why, want)))
        fail_msg("expected %d \"%s\", got %d \"%s\"", status, want ? want : "", rc, why);
    if (status == 0)
        assert_string_equal(why, "");
    else
        assert_true(why[0] != '\0');
    free(authorization);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_es384_rs384_good(void **state)
{
    pn_auth *a = *state;
    expect(a, bearer(ec_key, "ES384", "k1", NULL, claims(ISS)), 0, NULL);
    expect(a, bearer(rsa_key, "RS384", "k2", NULL, claims(ISS)), 0, NULL);
    /* No kid: every key of the right type is tried. */
    expect(a, bearer(ec_key, "ES384", NULL, NULL, claims(ISS)), 0, NULL);
    expect(a, bearer(rsa_key, "RS384", NULL, NULL, claims(ISS)), 0, NULL);
    /* Scheme case-insensitive, spaces tolerated. */
    char *b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    size_t n = strlen(b) + 8;
    char *c = malloc(n);
    snprintf(c, n, "bearer   %s  ", b + 7);
    free(b);
    expect(a, c, 0, NULL);
}

static void test_alg_refused(void **state)
{
    pn_auth *a = *state;
    expect(a, bearer(NULL, "none", NULL, NULL, claims(ISS)), 401, "\"none\" is not accepted");
    expect(a, bearer(NULL, "HS256", "k1", NULL, claims(ISS)), 401, "\"HS256\" is not accepted");
    /* ES384 signature under another alg name: refused by name. */
    json_t *cl = claims(ISS);
    char *h = js_header("ES384", "k1", NULL), *c = json_dumps(cl, JSON_COMPACT);
    json_decref(cl);
    char *jwt = js_sign(ec_key, h, c);
    free(h);
    char *hb = js_b64url_str("{\"alg\":\"ES256\",\"kid\":\"k1\"}");
    char *dot = strchr(jwt, '.');
    size_t n = strlen(hb) + strlen(dot) + 8;
    char *b = malloc(n);
    snprintf(b, n, "Bearer %s%s", hb, dot);
    expect(a, b, 401, "\"ES256\" is not accepted");
    free(hb);
    hb = js_b64url_str("{\"kid\":\"k1\"}");
    b = malloc(n + 64);
    snprintf(b, n + 64, "Bearer %s%s", hb, dot);
    expect(a, b, 401, "no alg");
    free(hb);
    hb = js_b64url_str("{\"alg\":[\"ES384\"]}");
    b = malloc(n + 64);
    snprintf(b, n + 64, "Bearer %s%s", hb, dot);
    expect(a, b, 401, "alg is not a string");
    free(hb);
    hb = js_b64url_str("{\"alg\":\"ES384\",\"crit\":[\"exp\"]}");
    b = malloc(n + 64);
    snprintf(b, n + 64, "Bearer %s%s", hb, dot);
    expect(a, b, 401, "crit");
    free(hb);
    /* A long alg is not echoed. */
    hb = js_b64url_str("{\"alg\":\"ES384-and-then-patient-name\"}");
    b = malloc(n + 64);
    snprintf(b, n + 64, "Bearer %s%s", hb, dot);
    expect(a, b, 401, "\"?\" is not accepted");
    free(hb);
    free(jwt);
    free(c);
    /* RS384 with an EC kid (algorithm confusion) finds no key. */
    expect(a, bearer(rsa_key, "RS384", "k1", NULL, claims(ISS)), 401, "kid names no RS384 key");
}

static void test_bad_signature(void **state)
{
    pn_auth *a = *state;
    for (int which = 0; which < 4; which++) {
        char *b = which < 2 ? bearer(ec_key, "ES384", "k1", NULL, claims(ISS))
                            : bearer(rsa_key, "RS384", "k2", NULL, claims(ISS));
        /* Flip one signature character (keeping it base64url), or one
         * claims character. */
        char *p = which % 2 ? strchr(b, '.') + 3 : strrchr(b, '.') + 5;
        *p = *p == 'A' ? 'B' : 'A';
        expect(a, b, 401, which % 2 ? NULL : "signature does not verify");
    }
    /* Signature truncated or extended. */
    char *b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    b[strlen(b) - 4] = '\0';
    expect(a, b, 401, "signature does not verify");
    b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    size_t n = strlen(b);
    b = realloc(b, n + 5);
    memcpy(b + n, "AAAA", 5);
    expect(a, b, 401, "signature does not verify");
    /* Signature r = s = 0. */
    b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    char *sig = strrchr(b, '.') + 1;
    memset(sig, 'A', 128);
    expect(a, b, 401, "signature does not verify");
    /* No signature at all, with a good alg. */
    b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    strrchr(b, '.')[1] = '\0';
    expect(a, b, 401, "no signature");
}

static void test_wrong_key(void **state)
{
    pn_auth *a = *state;
    expect(a, bearer(other_ec, "ES384", "k1", NULL, claims(ISS)), 401, "does not verify");
    expect(a, bearer(other_ec, "ES384", NULL, NULL, claims(ISS)), 401, "does not verify");
    expect(a, bearer(ec_key, "ES384", "nope", NULL, claims(ISS)), 401, "kid names no ES384 key");
    /* ISS's key used for ISS2's tokens. */
    expect(a, bearer(ec_key, "ES384", "jk1", NULL, claims(ISS2)), 401, "does not verify");
}

static void test_unknown_iss(void **state)
{
    pn_auth *a = *state;
    expect(a, bearer(ec_key, "ES384", "k1", NULL, claims("https://evil.example.org")), 401,
           "iss is not a registered client");
    json_t *c = claims(ISS);
    json_object_del(c, "iss");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "no iss");
    c = claims(ISS);
    json_object_set_new(c, "iss", json_integer(1));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "no iss");
}

static json_t *with_time(const char *name, long long delta)
{
    json_t *c = claims(ISS);
    if (delta == 0)
        json_object_del(c, name);
    else
        json_object_set_new(c, name, json_integer((json_int_t)time(NULL) + delta));
    return c;
}

static void test_times(void **state)
{
    pn_auth *a = *state; /* max_age 300, leeway 30 */
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("exp", -31)), 401, "expired");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("exp", -10)), 0, NULL); /* leeway */
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("exp", 0)), 401, "no exp");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("iat", 100)), 401, "in the future");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("iat", 20)), 0, NULL);
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("iat", -400)), 401, "too old");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("iat", -320)), 0, NULL);
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("iat", 0)), 401, "no iat");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, with_time("nbf", 100)), 401, "not valid yet");
    json_t *c = claims(ISS);
    json_object_set_new(c, "exp", json_string("tomorrow"));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "no exp");
    c = claims(ISS);
    json_object_set_new(c, "exp", json_real((double)time(NULL) + 60.5));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 0, NULL);
}

static void test_audience(void **state)
{
    pn_auth *a = *state;
    json_t *c = claims(ISS);
    json_object_set_new(c, "aud", json_string("http://127.0.0.1:8080/cds-services/other"));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "aud");
    c = claims(ISS);
    json_object_del(c, "aud");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "aud");
    c = claims(ISS);
    json_object_set_new(c, "aud", json_string(AUD "/"));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 0, NULL);
    c = claims(ISS);
    json_object_set_new(c, "aud", json_pack("[s, s]", "https://elsewhere", AUD));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 0, NULL);
    c = claims(ISS);
    json_object_set_new(c, "aud", json_pack("[s, i]", "https://elsewhere", 3));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "aud");
    c = claims(ISS);
    json_object_set_new(c, "aud", json_string(AUD "//"));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "aud");
    c = claims(ISS);
    json_object_set_new(c, "aud", json_string("http://127.0.0.1:8080/cds-services/paraneo-patient-vie"));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "aud");
}

static void test_jti_and_replay(void **state)
{
    pn_auth *a = *state;
    json_t *c = claims(ISS);
    json_object_del(c, "jti");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "no jti");
    c = claims(ISS);
    json_object_set_new(c, "jti", json_string(""));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "no jti");
    c = claims(ISS);
    json_object_set_new(c, "jti", json_integer(7));
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 401, "no jti");

    char *b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    expect(a, strdup(b), 0, NULL);
    expect(a, strdup(b), 401, "replay");
    expect(a, b, 401, "replay");
    /* The same jti from another issuer is another token; a refused token
     * (bad signature) does not burn its jti. */
    c = claims(ISS);
    json_object_set_new(c, "jti", json_string("shared-jti"));
    expect(a, bearer(other_ec, "ES384", "k1", NULL, json_deep_copy(c)), 401, "does not verify");
    expect(a, bearer(ec_key, "ES384", "k1", NULL, c), 0, NULL);
    c = claims(ISS2);
    json_object_set_new(c, "jti", json_string("shared-jti"));
    expect(a, bearer(jku_key, "ES384", "jk1", url("/jwks.json"), c), 0, NULL);
}

static void test_malformed(void **state)
{
    pn_auth *a = *state;
    const char *bad[] = {
        "Bearer abc",
        "Bearer a.b",
        "Bearer a.b.c.d",
        "Bearer ..",
        "Bearer .e30.",
        "Bearer e30..",
        "Bearer e30.e30.",                     /* {} . {} : no alg */
        "Bearer eyJhbGciOiJFUzM4NCJ9=.e30.AA", /* padding */
        "Bearer eyJhbGciOiJFUzM4NCJ9.e30=.AA",
        "Bearer eyJhbGciOiJFUzM4NCJ9.e+0.AA",  /* standard base64 alphabet */
        "Bearer eyJhbGciOiJFUzM4NCJ9.e3/.AA",
        "Bearer eyJhbGciOiJFUzM4NCJ9.e30.A",   /* 4k+1 */
        "Bearer eyJhbGciOiJFUzM4NCJ9.e31.AA",  /* non-zero leftover bits */
        "Bearer bm90IGpzb24.e30.AA",           /* "not json" */
        "Bearer WzFd.e30.AA",                  /* [1] */
        "Bearer eyJhbGciOiJFUzM4NCJ9.bm90IGpzb24.AA",
        "Bearer eyJhbGciOiJFUzM4NCIsImFsZyI6Im5vbmUifQ.e30.AA", /* duplicate alg */
        "Bearer eyJhbGciOiJFUzM4NCJ9 .e30.AA",
        "Bearer eyJhbGciOiJFUzM4NCJ9.e30.AA\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect(a, strdup(bad[i]), 401, NULL);
    expect(a, strdup("Bearer eyJhbGciOiJFUzM4NCIsImFsZyI6Im5vbmUifQ.e30.AA"), 401,
           "header is not a JSON object");
    expect(a, strdup("Bearer eyJhbGciOiJFUzM4NCJ9=.e30.AA"), 401, "not unpadded base64url");
    expect(a, strdup("Bearer abc"), 401, "not a compact JWS");

    /* A huge header and a huge token. */
    size_t n = 12000;
    char *hj = malloc(n + 64);
    int k = snprintf(hj, n + 64, "{\"alg\":\"ES384\",\"x\":\"");
    memset(hj + k, 'a', n);
    strcpy(hj + k + n, "\"}");
    char *hb = js_b64url_str(hj);
    size_t bl = strlen(hb) + 32;
    char *b = malloc(bl);
    snprintf(b, bl, "Bearer %s.e30.AA", hb);
    expect(a, b, 401, "header is longer");
    free(hj);
    free(hb);
    b = malloc(100000);
    memcpy(b, "Bearer ", 7);
    memset(b + 7, 'A', 100000 - 8);
    b[99999] = '\0';
    expect(a, b, 401, "longer than");

    /* Every prefix of a good token, and every one-byte change in its
     * header, is refused without a crash. */
    char *good = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    size_t gl = strlen(good);
    for (size_t i = 0; i < gl; i++) {
        char *p = strndup(good, i);
        expect(a, p, 401, NULL);
    }
    for (size_t i = 7; i < (size_t)(strchr(good, '.') - good); i++) {
        char *p = strdup(good);
        p[i] = (char)(p[i] ^ 0x01);
        char why[256];
        assert_int_equal(pn__auth_check(a, p, AUD, why, sizeof why), 401);
        free(p);
    }
    free(good);
}

static void test_authorization_header(void **state)
{
    pn_auth *a = *state;
    char why[256];
    assert_int_equal(pn__auth_check(a, NULL, AUD, why, sizeof why), 401);
    assert_string_equal(why, "no Authorization header");
    expect(a, strdup(""), 401, "no Authorization header");
    expect(a, strdup("Basic dXNlcjpwYXNz"), 401, "not \"Bearer <token>\"");
    expect(a, strdup("Bearer"), 401, "not \"Bearer <token>\"");
    expect(a, strdup("Bearer "), 401, "empty bearer token");
    expect(a, strdup("Bearer    "), 401, "empty bearer token");
    expect(a, strdup("BearerXeyJ.e30.AA"), 401, "not \"Bearer <token>\"");
    /* No why buffer, NULL audience, NULL auth. */
    char *b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    assert_int_equal(pn__auth_check(a, b, AUD, NULL, 0), 0);
    assert_int_equal(pn__auth_check(a, b, AUD, NULL, 0), 401);
    free(b);
    b = bearer(ec_key, "ES384", "k1", NULL, claims(ISS));
    assert_int_equal(pn__auth_check(a, b, NULL, why, sizeof why), 401);
    assert_int_equal(pn__auth_check(NULL, b, AUD, why, sizeof why), 401);
    /* A tiny why buffer is truncated, not overrun. */
    char tiny[8];
    assert_int_equal(pn__auth_check(a, "Basic x", AUD, tiny, sizeof tiny), 401);
    assert_int_equal(strlen(tiny), 7);
    free(b);
}

static void test_jku(void **state)
{
    pn_auth *a = *state;
    pthread_mutex_lock(&hit_mu);
    int hits0 = jwks_hits;
    pthread_mutex_unlock(&hit_mu);
    /* Not on the allow-list (even on the same server), and ISS has none. */
    expect(a, bearer(jku_key, "ES384", "jk1", url("/jwks.json?x=1"), claims(ISS2)), 401,
           "jku is not on this client's allow-list");
    expect(a, bearer(ec_key, "ES384", "k1", url("/jwks.json"), claims(ISS)), 401,
           "jku is not on this client's allow-list");
    expect(a, bearer(jku_key, "ES384", "jk1", "https://evil.example.org/jwks.json", claims(ISS2)),
           401, "allow-list");
    /* Fetched once, then cached. */
    expect(a, bearer(jku_key, "ES384", "jk1", url("/jwks.json"), claims(ISS2)), 0, NULL);
    expect(a, bearer(jku_key, "ES384", NULL, url("/jwks.json"), claims(ISS2)), 0, NULL);
    expect(a, bearer(other_ec, "ES384", "jk1", url("/jwks.json"), claims(ISS2)), 401,
           "does not verify");
    /* No jku in the token: the allow-listed sets are the client's keys. */
    expect(a, bearer(jku_key, "ES384", "jk1", NULL, claims(ISS2)), 0, NULL);
    pthread_mutex_lock(&hit_mu);
    assert_int_equal(jwks_hits - hits0, 1);
    pthread_mutex_unlock(&hit_mu);
    /* An allow-listed URL that fails: the reason, then a pause. */
    expect(a, bearer(jku_key, "ES384", "jk1", url("/missing.json"), claims(ISS2)), 401,
           "jku: GET returned HTTP 404");
    expect(a, bearer(jku_key, "ES384", "jk1", url("/missing.json"), claims(ISS2)), 401,
           "jku: GET returned HTTP 404");
}

static void test_jku_fetch_errors(void **state)
{
    (void)state;
    pn_jwks s;
    char err[256];
    assert_int_equal(pn__jwks_fetch(url("/big.json"), &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "larger than 256 KiB"));
    assert_int_equal(pn__jwks_fetch("http://127.0.0.1:1/jwks.json", &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "jku: GET failed"));
    assert_int_equal(pn__jwks_fetch("http://example.org/jwks.json", &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "only https"));
    assert_int_equal(pn__jwks_fetch(url("/fhir/Patient/p1"), &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "keys: missing"));
    assert_int_equal(pn__jwks_fetch(url("/jwks.json"), &s, err, sizeof err), 0);
    assert_int_equal(s.n, 1);
    pn__jwks_free(&s);
    assert_true(pn__jku_url_ok("https://ehr.example.org/jwks"));
    assert_true(pn__jku_url_ok("http://127.0.0.1:9/x"));
    assert_false(pn__jku_url_ok("http://127.0.0.1.evil/x"));
    assert_false(pn__jku_url_ok("http://localhost/x"));
    assert_false(pn__jku_url_ok("https:///x"));
    assert_false(pn__jku_url_ok("file:///etc/passwd"));
}

typedef struct race {
    pn_auth *a;
    const char *token;
    int ok;
} race;

static void *racer(void *p)
{
    race *r = p;
    char why[256];
    r->ok = pn__auth_check(r->a, r->token, AUD, why, sizeof why) == 0;
    return NULL;
}

static void test_replay_threads(void **state)
{
    pn_auth *a = *state;
    for (int round = 0; round < 20; round++) {
        char *b = bearer(round % 2 ? rsa_key : ec_key, round % 2 ? "RS384" : "ES384", NULL, NULL,
                         claims(ISS));
        race r[4];
        pthread_t t[4];
        for (int i = 0; i < 4; i++) {
            r[i] = (race){a, b, 0};
            assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
        }
        int ok = 0;
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            ok += r[i].ok;
        }
        assert_int_equal(ok, 1);
        free(b);
    }
}

static void config_fails(const char *json, const char *base_dir, const char *want)
{
    json_error_t je;
    json_t *cfg = json_loads(json, 0, &je);
    if (!cfg)
        fail_msg("test config: %s", je.text);
    pn_auth *a = NULL;
    char err[512] = "";
    int rc = pn__auth_new(cfg, base_dir, &a, err, sizeof err);
    json_decref(cfg);
    if (rc != -1 || a || !strstr(err, want))
        fail_msg("config %s: expected \"%s\", got %d \"%s\"", json, want, rc, err);
}

static void test_config(void **state)
{
    (void)state;
    char dir[] = "/tmp/pn-auth-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/keys.json", dir);
    json_t *set = json_pack("{s:[o]}", "keys", js_jwk(rsa_key, "k2"));
    assert_int_equal(json_dump_file(set, path, 0), 0);
    json_decref(set);

    /* jwks_file relative to base_dir, and absolute. */
    json_t *cfg = json_pack("{s:[{s:s, s:s}]}", "clients", "iss", ISS, "jwks_file", "keys.json");
    pn_auth *a = NULL;
    char err[512] = "";
    assert_int_equal(pn__auth_new(cfg, dir, &a, err, sizeof err), 0);
    expect(a, bearer(rsa_key, "RS384", "k2", NULL, claims(ISS)), 0, NULL);
    pn__auth_free(a);
    json_decref(cfg);
    cfg = json_pack("{s:[{s:s, s:s}]}", "clients", "iss", ISS, "jwks_file", path);
    assert_int_equal(pn__auth_new(cfg, "/nonexistent", &a, err, sizeof err), 0);
    pn__auth_free(a);
    json_decref(cfg);

    char ec[1024];
    json_t *jwk = js_jwk(ec_key, "k1");
    char *ecs = json_dumps(jwk, JSON_COMPACT);
    snprintf(ec, sizeof ec, "%s", ecs);
    free(ecs);
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]}},"
             "{\"iss\":\"b\",\"jwks_file\":\"absent.json\"}]}",
             ec);
    config_fails(buf, dir, "auth.clients[1].jwks_file: cannot read");
    config_fails("[]", NULL, "auth: not an object");
    config_fails("{}", NULL, "auth.clients: missing");
    config_fails("{\"clients\":[]}", NULL, "auth.clients: missing");
    config_fails("{\"clients\":[1]}", NULL, "auth.clients[0]: not an object");
    config_fails("{\"clients\":[{\"iss\":\"a\"}]}", NULL, "auth.clients[0]: needs jwks");
    config_fails("{\"clients\":[{\"jku\":\"https://x/\"}]}", NULL, "auth.clients[0].iss");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":\"http://x/\"}]}", NULL,
                 "auth.clients[0].jku[0]: not an https URL");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":[]}]}", NULL, "auth.clients[0].jku:");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":\"https://x/\",\"jwsk\":{}}]}", NULL,
                 "auth.clients[0].jwsk: unknown member");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":\"https://x/\"}],\"maxage\":3}", NULL,
                 "auth.maxage: unknown member");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":\"https://x/\"}],\"max_age_seconds\":0}",
                 NULL, "auth.max_age_seconds");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":\"https://x/\"}],\"leeway_seconds\":\"5\"}",
                 NULL, "auth.leeway_seconds");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jku\":\"https://x/\"},"
                 "{\"iss\":\"a\",\"jku\":\"https://y/\"}]}",
                 NULL, "auth.clients[1].iss: same as auth.clients[0].iss");
    snprintf(buf, sizeof buf, "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]},\"jwks_file\":\"k\"}]}", ec);
    config_fails(buf, NULL, "not both");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[]}}]}", NULL,
                 "auth.clients[0].jwks: keys: no EC P-384");
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\"}]}}]}",
                 NULL, "keys[0].k: private key material");
    /* Only keys we cannot use: skipped, then none left. */
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                 "\"x\":\"AA\",\"y\":\"AA\"},{\"kty\":\"OKP\"}]}}]}",
                 NULL, "no EC P-384");

    /* Malformed P-384 and RSA keys name the member. */
    json_t *bad = json_deep_copy(jwk);
    json_object_set_new(bad, "x", json_string("AAAA"));
    char *bs = json_dumps(bad, JSON_COMPACT);
    snprintf(buf, sizeof buf, "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]}}]}", bs);
    config_fails(buf, NULL, "auth.clients[0].jwks: keys[0].x: not 48 bytes");
    free(bs);
    /* A point not on the curve (y of another key). */
    json_t *other = js_jwk(other_ec, NULL);
    json_object_set(bad, "x", json_object_get(jwk, "x"));
    json_object_set(bad, "y", json_object_get(other, "y"));
    bs = json_dumps(bad, JSON_COMPACT);
    snprintf(buf, sizeof buf, "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]}}]}", bs);
    config_fails(buf, NULL, "keys[0]: x, y is not a point on P-384");
    free(bs);
    json_object_set(bad, "y", json_object_get(jwk, "y"));
    json_object_set_new(bad, "d", json_string("AAAA"));
    bs = json_dumps(bad, JSON_COMPACT);
    snprintf(buf, sizeof buf, "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]}}]}", bs);
    config_fails(buf, NULL, "keys[0].d: private key material");
    free(bs);
    json_object_del(bad, "d");
    json_object_set_new(bad, "y", json_string("AAAA===="));
    bs = json_dumps(bad, JSON_COMPACT);
    snprintf(buf, sizeof buf, "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]}}]}", bs);
    config_fails(buf, NULL, "keys[0].y: not unpadded base64url");
    free(bs);
    json_decref(bad);
    json_decref(other);
    json_decref(jwk);
    config_fails("{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\","
                 "\"e\":\"AQAB\"}]}}]}",
                 NULL, "keys[0].n: RSA modulus must have 2048");
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    json_t *sj = js_jwk(small, NULL);
    bs = json_dumps(sj, JSON_COMPACT);
    snprintf(buf, sizeof buf, "{\"clients\":[{\"iss\":\"a\",\"jwks\":{\"keys\":[%s]}}]}", bs);
    config_fails(buf, NULL, "keys[0].n: RSA modulus must have 2048");
    free(bs);
    json_decref(sj);
    EVP_PKEY_free(small);

    unlink(path);
    rmdir(dir);
}

static void test_b64url(void **state)
{
    (void)state;
    unsigned char *d;
    size_t n;
    assert_int_equal(pn__b64url_decode("", 0, &d, &n), 0);
    assert_int_equal(n, 0);
    free(d);
    assert_int_equal(pn__b64url_decode("YWI", 3, &d, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(d, "ab", 2);
    free(d);
    assert_int_equal(pn__b64url_decode("_-8", 3, &d, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(d[0], 0xff);
    assert_int_equal(d[1], 0xef);
    free(d);
    const char *bad[] = {"YWI=", "YQ==", "Y", "YWJjZ", "YW I", "YW+", "YW/", "YWJ\n", "YR"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(pn__b64url_decode(bad[i], strlen(bad[i]), &d, &n), -1);
}

/* ---- fetch --------------------------------------------------------------------- */

static void test_fetch_good(void **state)
{
    (void)state;
    char err[512] = "";
    char *s = pn__fetch_patient(url("/fhir/"), "tok-123", "p1", 5000, err, sizeof err);
    if (!s)
        fail_msg("fetch: %s", err);
    json_t *b = json_loads(s, 0, NULL);
    free(s);
    assert_string_equal(json_string_value(json_object_get(b, "type")), "collection");
    const json_t *entry = json_object_get(b, "entry");
    const char *want[] = {"Patient/p1", "Observation/o1", "Observation/o2", "Observation/o3",
                          "Condition/c1"};
    assert_int_equal(json_array_size(entry), 5);
    for (size_t i = 0; i < 5; i++) {
        const json_t *r = json_object_get(json_array_get(entry, i), "resource");
        char k[64];
        snprintf(k, sizeof k, "%s/%s", json_string_value(json_object_get(r, "resourceType")),
                 json_string_value(json_object_get(r, "id")));
        assert_string_equal(k, want[i]);
    }
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(entry, 4), "fullUrl")), "urn:uuid:c1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(entry, 0), "fullUrl")),
                        url("/fhir/Patient/p1"));
    json_decref(b);
    pthread_mutex_lock(&hit_mu);
    assert_string_equal(last_authz, "Bearer tok-123");
    pthread_mutex_unlock(&hit_mu);
    s = pn__fetch_patient(url("/fhir"), NULL, "p1", 0, err, sizeof err);
    assert_non_null(s);
    free(s);
    pthread_mutex_lock(&hit_mu);
    assert_string_equal(last_authz, "");
    pthread_mutex_unlock(&hit_mu);
}

static void fetch_fails(const char *base, const char *token, const char *id, const char *want)
{
    char err[512] = "";
    char *s = pn__fetch_patient(base, token, id, 5000, err, sizeof err);
    if (s || !strstr(err, want))
        fail_msg("fetch %s: expected \"%s\", got \"%s\"", base ? base : "(null)", want, err);
    /* The patient id never shows in a message. */
    if (id && strlen(id) > 3)
        assert_null(strstr(err, id));
}

static void test_fetch_errors(void **state)
{
    (void)state;
    fetch_fails("http://127.0.0.1:1/fhir", NULL, "p1",
                "GET http://127.0.0.1:1/fhir/Patient/{id}: Failed to connect");
    char want[256];
    snprintf(want, sizeof want, "GET %s: HTTP 500", url("/e500/Observation?patient={id}"));
    fetch_fails(url("/e500"), NULL, "p1", want);
    snprintf(want, sizeof want, "GET %s: HTTP 404", url("/e404/Patient/{id}"));
    fetch_fails(url("/e404"), NULL, "p1", want);
    fetch_fails(url("/fhir"), NULL, "p2-secret", "HTTP 404");
    fetch_fails(url("/loop"), NULL, "p1", "more than 20 pages");
    fetch_fails(url("/leak"), "tok", "p1", "next link is not on the FHIR server");
    fetch_fails(url("/fhir"), NULL, "p1/../x", "patient id: not a FHIR id");
    fetch_fails(url("/fhir"), NULL, "", "patient id");
    fetch_fails(url("/fhir"), NULL, NULL, "patient id");
    fetch_fails(url("/fhir"), "a\r\nX-Evil: 1", "p1", "access_token: holds spaces");
    fetch_fails("ftp://127.0.0.1/fhir", NULL, "p1", "fhirServer: not an http(s) URL");
    fetch_fails(NULL, NULL, "p1", "fhirServer");
    fetch_fails("http://127.0.0.1/fhir?x=1", NULL, "p1", "fhirServer: not a plain base URL");
    fetch_fails("http:///fhir", NULL, "p1", "fhirServer: no host");
    fetch_fails(url("/jwks.json#"), NULL, "p1", "fhirServer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_es384_rs384_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alg_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_iss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audience, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jti_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authorization_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jku, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_threads, setup, teardown),
        cmocka_unit_test(test_jku_fetch_errors),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_fetch_good),
        cmocka_unit_test(test_fetch_errors),
    };
    return cmocka_run_group_tests_name("auth", tests, group_setup, group_teardown);
}
