/* jwk.h - JSON Web Keys for the CDS Hooks authentication (auth.c): strict
 * base64url, JWK Set -> OpenSSL public keys (EC P-384 and RSA), and the
 * libcurl fetch of a jku URL. */
#ifndef PN_SERVER_JWK_H
#define PN_SERVER_JWK_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

enum { PN_JWK_EC = 1, PN_JWK_RSA = 2 };

typedef struct pn_jwk {
    char *kid;      /* NULL when the JWK has none */
    int kty;        /* PN_JWK_EC (always P-384) or PN_JWK_RSA (>= 2048 bits) */
    EVP_PKEY *pkey; /* public key */
} pn_jwk;

typedef struct pn_jwks {
    pn_jwk *keys;
    size_t n;
} pn_jwks;

/* Decodes unpadded base64url (RFC 7515 section 2): any '=' or character
 * outside [A-Za-z0-9_-], a length of 4k+1 or non-zero leftover bits are
 * refused.  *out is malloc'd (NUL-terminated for convenience).  0 or -1. */
int pn__b64url_decode(const char *s, size_t n, unsigned char **out, size_t *outlen);

/* Reads a JWK Set ({"keys": [...]}).  Keys this service cannot use (other
 * kty, other curves, "use" other than "sig", "alg" other than ES384/RS384)
 * are skipped; a usable kind of key that is malformed, or any key holding
 * private parts, is an error; so is a set left with no usable key.  Errors
 * name the member, e.g. "keys[2].x: ...".  0 or -1. */
int pn__jwks_parse(const json_t *set, pn_jwks *out, char *err, size_t errlen);
void pn__jwks_free(pn_jwks *s);

/* Whether url may be a jku: https://..., or http://127.0.0.1 for tests. */
int pn__jku_url_ok(const char *url);

/* GETs a JWK Set with libcurl (5 s, 256 KiB, no redirects, HTTP status
 * 200) and parses it as above.  0 or -1 with the reason in err. */
int pn__jwks_fetch(const char *url, pn_jwks *out, char *err, size_t errlen);

/* Verifies a JWS signature over input with alg "ES384" (raw r||s, 96 bytes)
 * or "RS384" (RSASSA-PKCS1-v1_5, SHA-384).  1 valid, 0 not. */
int pn__jws_verify(const pn_jwk *k, const char *alg, const char *input, size_t inlen,
                   const unsigned char *sig, size_t siglen);

#endif
