/* jwt_sign.h - test-only JWT minting with OpenSSL + jansson, shared by
 * tests/server/jwt_tool.c and tests/unit/test_auth.c: key generation, JWK
 * export of the public key, compact JWS signing (ES384, RS384, and HS256 /
 * none to check they are refused).  Header-only (static functions). */
#ifndef PN_TESTS_JWT_SIGN_H
#define PN_TESTS_JWT_SIGN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The HS256 secret: a token signed with it must always be refused. */
#define JS_HMAC_SECRET "paraneo-test-hmac-secret"

/* A P-384 (rsa == 0) or RSA-2048 private key. */
static inline EVP_PKEY *js_keygen(int rsa)
{
    return rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
               : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
}

static inline char *js_b64url(const unsigned char *d, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *o = malloc(n / 3 * 4 + 5), *p = o;
    if (!o)
        return NULL;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *p++ = al[v >> 18];
        *p++ = al[(v >> 12) & 63];
        *p++ = al[(v >> 6) & 63];
        *p++ = al[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)d[i] << 16;
        *p++ = al[v >> 18];
        *p++ = al[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
        *p++ = al[v >> 18];
        *p++ = al[(v >> 12) & 63];
        *p++ = al[(v >> 6) & 63];
    }
    *p = '\0';
    return o;
}

static inline char *js_b64url_str(const char *s)
{
    return js_b64url((const unsigned char *)s, strlen(s));
}

/* A BIGNUM parameter of k as base64url, left-padded to pad bytes (0: none). */
static inline char *js_bn_param(const EVP_PKEY *k, const char *name, int pad)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1)
        return NULL;
    int n = pad ? pad : BN_num_bytes(bn);
    unsigned char *buf = malloc((size_t)n + 1);
    char *s = NULL;
    if (buf && BN_bn2binpad(bn, buf, n) == n)
        s = js_b64url(buf, (size_t)n);
    free(buf);
    BN_free(bn);
    return s;
}

/* The public JWK of k (new reference), with kid when not NULL. */
static inline json_t *js_jwk(const EVP_PKEY *k, const char *kid)
{
    json_t *j;
    if (EVP_PKEY_is_a(k, "EC")) {
        char *x = js_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 48);
        char *y = js_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 48);
        j = x && y ? json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-384", "x", x, "y", y)
                   : NULL;
        free(x);
        free(y);
    } else {
        char *n = js_bn_param(k, OSSL_PKEY_PARAM_RSA_N, 0);
        char *e = js_bn_param(k, OSSL_PKEY_PARAM_RSA_E, 0);
        j = n && e ? json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", n, "e", e) : NULL;
        free(n);
        free(e);
    }
    if (j && kid)
        json_object_set_new(j, "kid", json_string(kid));
    return j;
}

/* {"keys": [jwk of k]} (new reference). */
static inline json_t *js_jwks(const EVP_PKEY *k, const char *kid)
{
    json_t *jwk = js_jwk(k, kid);
    return jwk ? json_pack("{s:[o]}", "keys", jwk) : NULL;
}

/* The JOSE header {"alg", "typ", "kid"?, "jku"?} as compact JSON text. */
static inline char *js_header(const char *alg, const char *kid, const char *jku)
{
    json_t *h = json_pack("{s:s, s:s}", "alg", alg, "typ", "JWT");
    if (kid)
        json_object_set_new(h, "kid", json_string(kid));
    if (jku)
        json_object_set_new(h, "jku", json_string(jku));
    char *s = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    return s;
}

/* Signs header.claims (both JSON texts) with the header's alg: ES384 and
 * RS384 with key, HS256 with JS_HMAC_SECRET, none with no signature.
 * Returns the malloc'd compact JWT, or NULL. */
static inline char *js_sign(EVP_PKEY *key, const char *header, const char *claims)
{
    json_t *h = json_loads(header, 0, NULL);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    char *hb = js_b64url_str(header), *cb = js_b64url_str(claims), *out = NULL;
    size_t inlen = strlen(hb) + 1 + strlen(cb);
    char *input = malloc(inlen + 1);
    snprintf(input, inlen + 1, "%s.%s", hb, cb);
    unsigned char sig[1024];
    size_t siglen = 0;
    int ok = 0;
    if (!alg) {
        ok = 0;
    } else if (!strcmp(alg, "none")) {
        ok = 1;
    } else if (!strcmp(alg, "HS256")) {
        unsigned int l = 0;
        ok = HMAC(EVP_sha256(), JS_HMAC_SECRET, (int)strlen(JS_HMAC_SECRET),
                  (const unsigned char *)input, inlen, sig, &l) != NULL;
        siglen = l;
    } else if (key && (!strcmp(alg, "ES384") || !strcmp(alg, "RS384"))) {
        unsigned char der[1024];
        size_t derlen = sizeof der;
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = EVP_DigestSignInit(m, NULL, EVP_sha384(), NULL, key) == 1 &&
             EVP_DigestSign(m, der, &derlen, (const unsigned char *)input, inlen) == 1;
        EVP_MD_CTX_free(m);
        if (ok && !strcmp(alg, "ES384")) { /* DER ECDSA_SIG -> JOSE r||s */
            const unsigned char *p = der;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
            ok = es && BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 48) == 48 &&
                 BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 48, 48) == 48;
            ECDSA_SIG_free(es);
            siglen = 96;
        } else if (ok) {
            memcpy(sig, der, derlen);
            siglen = derlen;
        }
    }
    if (ok) {
        char *sb = js_b64url(sig, siglen);
        size_t n = inlen + 2 + strlen(sb);
        out = malloc(n);
        snprintf(out, n, "%s.%s", input, sb);
        free(sb);
    }
    free(input);
    free(hb);
    free(cb);
    json_decref(h);
    return out;
}

#endif
