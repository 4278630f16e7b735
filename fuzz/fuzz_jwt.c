/* fuzz_jwt.c - libFuzzer harness for the CDS Hooks JWT check: the input is
 * the Authorization header value, checked against a fixed configuration
 * (one client with an EC P-384 and an RSA key, no jku so that nothing is
 * fetched).  Every input must be refused (or accepted) with a reason, never
 * crash, leak or read out of bounds.
 *
 * So that the claims and signature checks are reached too (a fixed input
 * cannot carry a current iat), an input starting with byte 0x01 is
 * "\x01HEADER\nCLAIMS\nSIGNATURE": the harness base64url-encodes the three
 * parts itself, after adding the current time to integer iat, exp and nbf
 * claims when CLAIMS is a JSON object. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "server/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] =
    "{\"clients\": [{\"iss\": \"https://ehr.example.org\", \"jwks\": {\"keys\": ["
    "{\"kty\": \"EC\", \"crv\": \"P-384\", \"kid\": \"fz1\","
    " \"x\": \"L6gG9FIZXcZrYsuSSwFTTqhH3ov1mpNEkXAFnA9NsbzvQ84umMauBY1ftQcMcHzX\","
    " \"y\": \"FkvBc46aUam2Yd4otYUfd72EqSodHSPBa3Cm_4HaonlbrIL29RIO7lantmIIEuyS\"},"
    "{\"kty\": \"RSA\", \"kid\": \"fz2\", \"e\": \"AQAB\", \"n\": "
    "\"wMBE4iPPQknWkqrlXrfdSb7O0IZLVk4NJAVhzUCLvEzhvaGWpvm4ly50cjo7Dj4SeJad35XN63KJ68j06IOideEx"
    "KGUx5jzen0ffI5o1Z6cgmfpYC7WqsyN6_nCwq2BOXUz9PYEjXpu9KnqV6C9UPTzLXybaTswUp0PynW8Oo-NwH0Px6yYI"
    "heSquTSSh1MPIui6WCgMsnpU-kXY6oiD4ELDIzSl-zCS3ASCrkCI91cgk4fkg6vrHgQltkUOe9cfmeA31Uoo0vbRl3XJ"
    "V0V9Al5LqD0QVnSRmQu-cbMZrW_FrEiLfg7o3wllEoph4m9obegmlOn2A_tsdpaqdRELnw\"}]}}],"
    " \"max_age_seconds\": 86400, \"leeway_seconds\": 600}";

static pn_auth *auth;

static char *b64url(const unsigned char *d, size_t n, char *o)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *o++ = al[v >> 18], *o++ = al[(v >> 12) & 63], *o++ = al[(v >> 6) & 63], *o++ = al[v & 63];
    }
    if (n - i >= 1) {
        unsigned v = (unsigned)d[i] << 16 | (n - i == 2 ? (unsigned)d[i + 1] << 8 : 0);
        *o++ = al[v >> 18], *o++ = al[(v >> 12) & 63];
        if (n - i == 2)
            *o++ = al[(v >> 6) & 63];
    }
    return o;
}

/* "\x01HEADER\nCLAIMS\nSIG" -> "Bearer b64(HEADER).b64(CLAIMS').b64(SIG)". */
static char *structured(const uint8_t *data, size_t size)
{
    const uint8_t *h = data + 1, *end = data + size;
    const uint8_t *nl1 = memchr(h, '\n', (size_t)(end - h));
    const uint8_t *c = nl1 ? nl1 + 1 : end;
    const uint8_t *nl2 = nl1 ? memchr(c, '\n', (size_t)(end - c)) : NULL;
    const uint8_t *sig = nl2 ? nl2 + 1 : end;
    size_t hl = (size_t)((nl1 ? nl1 : end) - h), cl = (size_t)((nl2 ? nl2 : end) - c);
    char *claims = NULL;
    json_t *j = json_loadb((const char *)c, cl, 0, NULL);
    if (json_is_object(j)) {
        static const char *const names[] = {"iat", "exp", "nbf"};
        for (size_t i = 0; i < 3; i++) {
            json_t *v = json_object_get(j, names[i]);
            if (json_is_integer(v) && json_integer_value(v) > -100000 &&
                json_integer_value(v) < 100000)
                json_integer_set(v, json_integer_value(v) + (json_int_t)time(NULL));
        }
        claims = json_dumps(j, JSON_COMPACT);
    }
    json_decref(j);
    if (claims) {
        c = (const uint8_t *)claims;
        cl = strlen(claims);
    }
    char *out = malloc(16 + (hl + cl + (size_t)(end - sig)) / 3 * 4 + 12);
    if (out) {
        char *o = out;
        memcpy(o, "Bearer ", 7);
        o = b64url(h, hl, o + 7);
        *o++ = '.';
        o = b64url(c, cl, o);
        *o++ = '.';
        o = b64url(sig, (size_t)(end - sig), o);
        *o = '\0';
    }
    free(claims);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!auth) { /* built once: the replay cache carries over, as in a server */
        json_t *cfg = json_loads(config, 0, NULL);
        char err[256];
        if (!cfg || pn__auth_new(cfg, NULL, &auth, err, sizeof err) != 0)
            abort();
        json_decref(cfg);
    }
    char *hdr;
    if (size > 0 && data[0] == 0x01) {
        hdr = structured(data, size);
    } else if ((hdr = malloc(size + 1)) != NULL) {
        memcpy(hdr, data, size);
        hdr[size] = '\0';
    }
    if (!hdr)
        return 0;
    char why[256] = "";
    int rc = pn__auth_check(auth, hdr, "https://cds.example.org/cds-services/paraneo-patient-view",
                            why, sizeof why);
    if (!((rc == 0 && why[0] == '\0') || (rc == 401 && why[0] != '\0')))
        abort();
    free(hdr);
    return 0;
}
