/* jwk.c - see jwk.h. */
#include "server/jwk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "server/fetch.h"
#include "util/buf.h"

#define JWKS_MAX_BYTES (256 * 1024)
#define JWKS_TIMEOUT_MS 5000L
#define JWKS_MAX_KEYS 64
#define EC384_COORD 48

static void seterr(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- base64url ------------------------------------------------------------ */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int pn__b64url_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (n % 4 == 1)
        return -1;
    unsigned char *d = malloc(n / 4 * 3 + 3);
    if (!d)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)s[i]);
        if (v < 0) {
            free(d);
            return -1;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Canonical form only: the bits left over must be zero, so that every
     * value has exactly one encoding (no signature malleability). */
    if (acc != 0) {
        free(d);
        return -1;
    }
    d[o] = '\0';
    *out = d;
    *outlen = o;
    return 0;
}

/* ---- JWK -> EVP_PKEY -------------------------------------------------------- */

/* A base64url member of a JWK; NULL with a message when absent or bad. */
static unsigned char *b64_member(const json_t *jwk, const char *name, size_t i, size_t *len,
                                 char *err, size_t errlen)
{
    const json_t *v = json_object_get(jwk, name);
    if (!v) {
        seterr(err, errlen, "keys[%zu].%s: missing", i, name);
        return NULL;
    }
    if (!json_is_string(v)) {
        seterr(err, errlen, "keys[%zu].%s: not a string", i, name);
        return NULL;
    }
    unsigned char *d;
    if (pn__b64url_decode(json_string_value(v), json_string_length(v), &d, len) != 0) {
        seterr(err, errlen, "keys[%zu].%s: not unpadded base64url", i, name);
        return NULL;
    }
    return d;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
            pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

/* Whether OpenSSL agrees the public key is sound (EC: the point is on the
 * curve and not the identity). */
static int public_ok(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = ctx && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static EVP_PKEY *ec_key(const json_t *jwk, size_t i, char *err, size_t errlen)
{
    size_t xl = 0, yl = 0;
    unsigned char *x = b64_member(jwk, "x", i, &xl, err, errlen);
    if (!x)
        return NULL;
    unsigned char *y = b64_member(jwk, "y", i, &yl, err, errlen);
    if (!y) {
        free(x);
        return NULL;
    }
    EVP_PKEY *pkey = NULL;
    if (xl != EC384_COORD || yl != EC384_COORD) {
        seterr(err, errlen, "keys[%zu].%s: not %d bytes for P-384", i,
               xl != EC384_COORD ? "x" : "y", EC384_COORD);
        goto done;
    }
    unsigned char pt[1 + 2 * EC384_COORD];
    pt[0] = 0x04; /* uncompressed point */
    memcpy(pt + 1, x, EC384_COORD);
    memcpy(pt + 1 + EC384_COORD, y, EC384_COORD);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt) == 1)
        pkey = from_params("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    if (pkey && !public_ok(pkey)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    if (!pkey) {
        ERR_clear_error();
        seterr(err, errlen, "keys[%zu]: x, y is not a point on P-384", i);
    }
done:
    free(x);
    free(y);
    return pkey;
}

static EVP_PKEY *rsa_key(const json_t *jwk, size_t i, char *err, size_t errlen)
{
    size_t nl = 0, el = 0;
    unsigned char *n = b64_member(jwk, "n", i, &nl, err, errlen);
    if (!n)
        return NULL;
    unsigned char *e = b64_member(jwk, "e", i, &el, err, errlen);
    if (!e) {
        free(n);
        return NULL;
    }
    EVP_PKEY *pkey = NULL;
    BIGNUM *bn = BN_bin2bn(n, (int)(nl > 2048 ? 2048 : nl), NULL);
    BIGNUM *be = BN_bin2bn(e, (int)(el > 16 ? 16 : el), NULL);
    OSSL_PARAM_BLD *bld = NULL;
    if (!bn || !be) {
        seterr(err, errlen, "keys[%zu]: out of memory", i);
        goto done;
    }
    if (nl > 2048 || BN_num_bits(bn) < 2048 || BN_num_bits(bn) > 16384) {
        seterr(err, errlen, "keys[%zu].n: RSA modulus must have 2048 to 16384 bits", i);
        goto done;
    }
    if (el > 16 || BN_num_bits(be) < 2 || BN_num_bits(be) > 64 || !BN_is_odd(be)) {
        seterr(err, errlen, "keys[%zu].e: not a usable RSA public exponent", i);
        goto done;
    }
    bld = OSSL_PARAM_BLD_new();
    if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1)
        pkey = from_params("RSA", bld);
    if (!pkey) {
        ERR_clear_error();
        seterr(err, errlen, "keys[%zu]: OpenSSL refused the RSA key", i);
    }
done:
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    free(n);
    free(e);
    return pkey;
}

static const char *str_member(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

int pn__jwks_parse(const json_t *set, pn_jwks *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(set)) {
        seterr(err, errlen, "not a JWK Set (a JSON object with \"keys\")");
        return -1;
    }
    const json_t *keys = json_object_get(set, "keys");
    if (!json_is_array(keys)) {
        seterr(err, errlen, "keys: missing or not an array");
        return -1;
    }
    size_t n = json_array_size(keys);
    if (n > JWKS_MAX_KEYS) {
        seterr(err, errlen, "keys: more than %d keys", JWKS_MAX_KEYS);
        return -1;
    }
    out->keys = calloc(n ? n : 1, sizeof *out->keys);
    if (!out->keys) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *jwk = json_array_get(keys, i);
        if (!json_is_object(jwk)) {
            seterr(err, errlen, "keys[%zu]: not an object", i);
            goto fail;
        }
        const json_t *kty = json_object_get(jwk, "kty");
        if (!json_is_string(kty)) {
            seterr(err, errlen, "keys[%zu].kty: missing or not a string", i);
            goto fail;
        }
        /* A private key published as if public is a leak to report, not a
         * key to skip quietly. */
        static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "k"};
        for (size_t p = 0; p < sizeof priv / sizeof *priv; p++)
            if (json_object_get(jwk, priv[p])) {
                seterr(err, errlen, "keys[%zu].%s: private key material in a public JWK Set", i,
                       priv[p]);
                goto fail;
            }
        const json_t *kid = json_object_get(jwk, "kid");
        if (kid && !json_is_string(kid)) {
            seterr(err, errlen, "keys[%zu].kid: not a string", i);
            goto fail;
        }
        const char *use = str_member(jwk, "use");
        const char *alg = str_member(jwk, "alg");
        const char *t = json_string_value(kty);
        int type = 0;
        if (!strcmp(t, "EC")) {
            const char *crv = str_member(jwk, "crv");
            if (!crv) {
                seterr(err, errlen, "keys[%zu].crv: missing or not a string", i);
                goto fail;
            }
            if (!strcmp(crv, "P-384") && (!alg || !strcmp(alg, "ES384")))
                type = PN_JWK_EC;
        } else if (!strcmp(t, "RSA")) {
            if (!alg || !strcmp(alg, "RS384"))
                type = PN_JWK_RSA;
        }
        if (!type || (use && strcmp(use, "sig")))
            continue; /* a key for something else: not ours to judge */
        EVP_PKEY *pkey =
            type == PN_JWK_EC ? ec_key(jwk, i, err, errlen) : rsa_key(jwk, i, err, errlen);
        if (!pkey)
            goto fail;
        pn_jwk *k = &out->keys[out->n++];
        k->kty = type;
        k->pkey = pkey;
        if (kid && !(k->kid = strdup(json_string_value(kid)))) {
            seterr(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (out->n == 0) {
        seterr(err, errlen, "keys: no EC P-384 (ES384) or RSA (RS384) signing key");
        goto fail;
    }
    return 0;
fail:
    pn__jwks_free(out);
    return -1;
}

void pn__jwks_free(pn_jwks *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->keys[i].kid);
        EVP_PKEY_free(s->keys[i].pkey);
    }
    free(s->keys);
    memset(s, 0, sizeof *s);
}

/* ---- jku ---------------------------------------------------------------------- */

int pn__jku_url_ok(const char *url)
{
    if (!strncmp(url, "https://", 8))
        return url[8] != '\0' && url[8] != '/';
    /* Plain HTTP only to this machine, so that tests can serve a JWK Set. */
    return !strncmp(url, "http://127.0.0.1/", 17) || !strncmp(url, "http://127.0.0.1:", 17);
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    pn_buf *b = ud;
    pn__buf_add(b, p, size * nmemb);
    return b->failed ? 0 : size * nmemb; /* 0 stops the transfer */
}

int pn__jwks_fetch(const char *url, pn_jwks *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!pn__jku_url_ok(url)) {
        seterr(err, errlen, "jku: only https URLs are fetched");
        return -1;
    }
    pn__fetch_global_init();
    CURL *c = curl_easy_init();
    if (!c) {
        seterr(err, errlen, "jku: cannot start libcurl");
        return -1;
    }
    pn_buf b;
    pn__buf_init(&b, JWKS_MAX_BYTES);
    char cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, "Accept: application/jwk-set+json, application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, JWKS_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)JWKS_MAX_BYTES);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    int ret = -1;
    if (rc != CURLE_OK) {
        if (b.failed || rc == CURLE_FILESIZE_EXCEEDED)
            seterr(err, errlen, "jku: JWK Set larger than %d KiB", JWKS_MAX_BYTES / 1024);
        else
            seterr(err, errlen, "jku: GET failed: %s", cerr[0] ? cerr : curl_easy_strerror(rc));
    } else if (status != 200) {
        seterr(err, errlen, "jku: GET returned HTTP %ld", status);
    } else {
        json_error_t je;
        json_t *set = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES, &je);
        if (!set) {
            seterr(err, errlen, "jku: not JSON (line %d: %s)", je.line, je.text);
        } else {
            char why[256];
            if (pn__jwks_parse(set, out, why, sizeof why) == 0)
                ret = 0;
            else
                seterr(err, errlen, "jku: JWK Set: %s", why);
            json_decref(set);
        }
    }
    pn__buf_free(&b);
    return ret;
}

/* ---- JWS signatures ---------------------------------------------------------- */

/* JOSE's ES384 signature is r||s, 48 bytes each; OpenSSL wants DER. */
static unsigned char *es_to_der(const unsigned char *sig, size_t *derlen)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, EC384_COORD, NULL);
    BIGNUM *s = BN_bin2bn(sig + EC384_COORD, EC384_COORD, NULL);
    unsigned char *der = NULL;
    if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return NULL;
    }
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0) {
        OPENSSL_free(der);
        return NULL;
    }
    *derlen = (size_t)n;
    return der;
}

int pn__jws_verify(const pn_jwk *k, const char *alg, const char *input, size_t inlen,
                   const unsigned char *sig, size_t siglen)
{
    unsigned char *der = NULL;
    const unsigned char *s = sig;
    size_t slen = siglen;
    if (!strcmp(alg, "ES384")) {
        if (k->kty != PN_JWK_EC || siglen != 2 * EC384_COORD)
            return 0;
        if (!(der = es_to_der(sig, &slen)))
            return 0;
        s = der;
    } else if (!strcmp(alg, "RS384")) {
        if (k->kty != PN_JWK_RSA || siglen != (size_t)EVP_PKEY_get_size(k->pkey))
            return 0;
    } else {
        return 0;
    }
    int ok = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (m && EVP_DigestVerifyInit(m, &pctx, EVP_sha384(), NULL, k->pkey) == 1) {
        if (k->kty == PN_JWK_RSA)
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
        ok = EVP_DigestVerify(m, s, slen, (const unsigned char *)input, inlen) == 1;
    }
    EVP_MD_CTX_free(m);
    OPENSSL_free(der);
    ERR_clear_error(); /* a bad signature leaves errors on this thread's queue */
    return ok;
}
