/* auth.h - CDS Hooks 2.0 authentication: JWT bearer tokens signed ES384 or
 * RS384, verified with OpenSSL against each allowed client's JWK Set.
 *
 * Configuration (JSON, the "auth" member of the service's config file):
 *   {"clients": [{"iss": "https://ehr.example.org",
 *                 "jwks": {"keys": [...]}          (inline JWK Set), or
 *                 "jwks_file": "path/to/jwks.json", or
 *                 "jku": ["https://ehr.example.org/.well-known/jwks.json"]
 *                                                   (allow-list of jku URLs,
 *                                                    fetched with libcurl)}],
 *    "max_age_seconds": 300, "leeway_seconds": 60}
 * The audience (aud) is this service's own URL, e.g.
 * "http://127.0.0.1:8080/cds-services/paraneo-patient-view" or its base.
 *
 * Thread safety: pn__auth_check may be called from many threads at once. */
#ifndef PN_SERVER_AUTH_H
#define PN_SERVER_AUTH_H

#include <stddef.h>

#include <jansson.h>

typedef struct pn_auth pn_auth;

/* config: the "auth" object (borrowed); base_dir resolves relative
 * jwks_file paths.  0 on success; -1 with a message naming the field. */
int pn__auth_new(const json_t *config, const char *base_dir, pn_auth **out, char *err,
                 size_t errlen);
void pn__auth_free(pn_auth *a);

/* Checks an Authorization header value ("Bearer <jwt>", may be NULL) for a
 * request to the service whose full URL is audience: alg ES384 or RS384 only
 * (none, HS*, anything else refused), signature against the issuer's keys
 * (kid when given), iss known, aud equal to audience (string or array, with
 * or without a trailing slash), exp in the future, iat not in the future and
 * not older than max_age, jti present and never seen before (replay cache
 * until the token's exp).  Returns 0 when accepted, else 401 with the reason
 * in why (no token contents that could be patient data). */
int pn__auth_check(pn_auth *a, const char *authorization, const char *audience, char *why,
                   size_t whylen);

#endif
