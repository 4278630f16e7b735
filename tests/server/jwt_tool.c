/* jwt_tool.c - mints test JWTs for the CDS Hooks authentication tests.
 * Build by hand:
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -O2 -o build/tests/jwt_tool tests/server/jwt_tool.c -ljansson -lcrypto
 *
 *   jwt_tool keygen ec|rsa KEY.pem        P-384 or RSA-2048 private key (PEM, mode 600)
 *   jwt_tool jwks KEY.pem KID             JWK Set with the public key (KID "-": no kid)
 *   jwt_tool sign KEY.pem KID ALG CLAIMS.json [--jku URL]
 *                                          compact JWT; ALG ES384, RS384, HS256 or none
 * In CLAIMS.json ("-": standard input) a string "+300" or "-10" as exp, iat
 * or nbf means that many seconds from now, and "jti": "*" a random jti. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include "jwt_sign.h"

static int usage(void)
{
    fprintf(stderr, "usage: jwt_tool keygen ec|rsa KEY.pem\n"
                    "       jwt_tool jwks KEY.pem KID\n"
                    "       jwt_tool sign KEY.pem KID ES384|RS384|HS256|none CLAIMS.json [--jku URL]\n");
    return 2;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        fprintf(stderr, "%s: not a PEM private key\n", path);
    return k;
}

/* "+300" / "-10" -> now +/- seconds, in place. */
static int relative_times(json_t *claims)
{
    static const char *const names[] = {"exp", "iat", "nbf"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *s = json_string_value(json_object_get(claims, names[i]));
        if (!s)
            continue;
        char *end;
        long long d = strtoll(s, &end, 10);
        if ((s[0] != '+' && s[0] != '-') || end == s + 1 || *end) {
            fprintf(stderr, "claims: %s: expected a number or \"+N\" / \"-N\"\n", names[i]);
            return -1;
        }
        json_object_set_new(claims, names[i], json_integer((json_int_t)time(NULL) + d));
    }
    const char *jti = json_string_value(json_object_get(claims, "jti"));
    if (jti && !strcmp(jti, "*")) {
        unsigned char r[16];
        char hex[33];
        if (RAND_bytes(r, sizeof r) != 1)
            return -1;
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", r[i]);
        json_object_set_new(claims, "jti", json_string(hex));
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *jku = NULL;
    int n = 0;
    for (int i = 1; i < argc; i++) { /* take --jku URL out, wherever it is */
        if (!strcmp(argv[i], "--jku") && i + 1 < argc)
            jku = argv[++i];
        else
            argv[++n] = argv[i];
    }
    argc = n + 1;
    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "keygen") && argc == 4) {
        if (strcmp(argv[2], "ec") && strcmp(argv[2], "rsa"))
            return usage();
        EVP_PKEY *k = js_keygen(!strcmp(argv[2], "rsa"));
        umask(077);
        FILE *f = fopen(argv[3], "w");
        if (!k || !f || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1) {
            fprintf(stderr, "%s: cannot write the key\n", argv[3]);
            return 1;
        }
        fclose(f);
        EVP_PKEY_free(k);
        return 0;
    }
    if (!strcmp(argv[1], "jwks") && argc == 4) {
        EVP_PKEY *k = read_key(argv[2]);
        if (!k)
            return 1;
        json_t *set = js_jwks(k, strcmp(argv[3], "-") ? argv[3] : NULL);
        EVP_PKEY_free(k);
        if (!set || json_dumpf(set, stdout, JSON_INDENT(2)) != 0)
            return 1;
        putchar('\n');
        json_decref(set);
        return 0;
    }
    if (!strcmp(argv[1], "sign") && argc == 6) {
        const char *alg = argv[4];
        if (strcmp(alg, "ES384") && strcmp(alg, "RS384") && strcmp(alg, "HS256") &&
            strcmp(alg, "none"))
            return usage();
        json_error_t je;
        json_t *claims = !strcmp(argv[5], "-") ? json_loadf(stdin, 0, &je)
                                               : json_load_file(argv[5], 0, &je);
        if (!json_is_object(claims)) {
            fprintf(stderr, "%s: line %d: %s\n", argv[5], je.line,
                    claims ? "not a JSON object" : je.text);
            return 1;
        }
        if (relative_times(claims))
            return 1;
        EVP_PKEY *k = NULL;
        if ((!strcmp(alg, "ES384") || !strcmp(alg, "RS384")) && !(k = read_key(argv[2])))
            return 1;
        char *hdr = js_header(alg, strcmp(argv[3], "-") ? argv[3] : NULL, jku);
        char *cl = json_dumps(claims, JSON_COMPACT);
        char *jwt = js_sign(k, hdr, cl);
        if (!jwt) {
            fprintf(stderr, "cannot sign with %s (does the key fit the algorithm?)\n", alg);
            return 1;
        }
        puts(jwt);
        free(jwt);
        free(hdr);
        free(cl);
        json_decref(claims);
        EVP_PKEY_free(k);
        return 0;
    }
    return usage();
}
