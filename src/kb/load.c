/* load.c - reading a knowledge-base directory: find every *.json file,
 * parse it with jansson, compute the content digest, merge the sections and
 * hand over to validation and indexing. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error_int.h"
#include "kb/kb_int.h"
#include "util/text.h"

#define KB_MAX_FILE_BYTES (16u << 20)
#define KB_MAX_FILES 512
#define KB_MAX_DEPTH 4

const char *const pn__kb_section_names[PN_SEC_COUNT] = {
    "sources", "terms",    "tumours",  "drugs",  "labs",
    "antibodies", "syndromes", "criteria", "workup", "rescreening", "mappings",
};

#ifndef PN_DATADIR_KB
#define PN_DATADIR_KB "/usr/local/share/paraneo/kb"
#endif
#ifndef PN_SOURCE_KB
#define PN_SOURCE_KB "kb"
#endif

const char *pn_kb_default_dir(void)
{
    const char *env = getenv("PARANEO_KB");
    if (env && *env)
        return env;
    struct stat st;
    if (stat(PN_DATADIR_KB "/kb.json", &st) == 0)
        return PN_DATADIR_KB;
    return PN_SOURCE_KB;
}

/* ---- collecting file names ------------------------------------------- */

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static int names_add(names *ns, const char *s)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        char **v = realloc(ns->v, cap * sizeof *v);
        if (!v)
            return -1;
        ns->v = v;
        ns->cap = cap;
    }
    if (!(ns->v[ns->n] = strdup(s)))
        return -1;
    ns->n++;
    return 0;
}

static void names_free(names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static pn_status walk(const char *root, const char *rel, int depth, names *out, pn_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return pn__error_set(err, PN_EIO, path, NULL, "cannot open knowledge-base directory: %s",
                             strerror(errno));
    pn_status st = PN_OK;
    struct dirent *e;
    while (st == PN_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        int w = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        if (w < 0 || (size_t)w >= sizeof sub)
            continue;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat s;
        if (stat(full, &s) != 0)
            continue;
        if (S_ISDIR(s.st_mode)) {
            if (depth < KB_MAX_DEPTH)
                st = walk(root, sub, depth + 1, out, err);
        } else if (S_ISREG(s.st_mode)) {
            size_t n = strlen(sub);
            if (n > 5 && strcmp(sub + n - 5, ".json") == 0) {
                if (out->n >= KB_MAX_FILES)
                    st = pn__error_set(err, PN_EKB, root, NULL, "more than %d files", KB_MAX_FILES);
                else if (names_add(out, sub) != 0)
                    st = pn__error_set(err, PN_ENOMEM, root, NULL, "out of memory");
            }
        }
    }
    closedir(d);
    return st;
}

static pn_status read_file(const char *path, char **data, size_t *len, pn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pn__error_set(err, PN_EIO, path, NULL, "cannot read: %s", strerror(errno));
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    pn_status st = PN_OK;
    while (buf) {
        if (n == cap) {
            if (cap >= KB_MAX_FILE_BYTES) {
                st = pn__error_set(err, PN_EKB, path, NULL, "file larger than %u bytes",
                                   KB_MAX_FILE_BYTES);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                st = pn__error_set(err, PN_EIO, path, NULL, "read error");
            break;
        }
    }
    fclose(f);
    if (!buf)
        return pn__error_set(err, PN_ENOMEM, path, NULL, "out of memory");
    if (st != PN_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = n;
    return PN_OK;
}

pn_status pn_kb_load(const char *dir, pn_kb **out, pn_error *err)
{
    *out = NULL;
    if (!dir)
        dir = pn_kb_default_dir();
    names ns = {0};
    pn_status st = walk(dir, "", 0, &ns, err);
    if (st == PN_OK && ns.n == 0)
        st = pn__error_set(err, PN_EKB, dir, NULL,
                           "no *.json files: not a knowledge-base directory (see docs/kb-format.md)");
    if (st != PN_OK) {
        names_free(&ns);
        return st;
    }
    qsort(ns.v, ns.n, sizeof *ns.v, cmp_str);

    pn_kb_source_file *files = calloc(ns.n, sizeof *files);
    char **bufs = calloc(ns.n, sizeof *bufs);
    char *tsv = NULL;
    size_t tsv_len = 0;
    if (!files || !bufs)
        st = pn__error_set(err, PN_ENOMEM, dir, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < ns.n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, ns.v[i]);
        st = read_file(path, &bufs[i], &files[i].len, err);
        files[i].rel = ns.v[i];
        files[i].data = bufs[i];
    }
    if (st == PN_OK) {
        char path[8192];
        snprintf(path, sizeof path, "%s/contract-syndromes.tsv", dir);
        st = read_file(path, &tsv, &tsv_len, err);
        if (st == PN_EIO)
            st = pn__error_set(err, PN_EKB, path, NULL,
                               "missing: copy the contract's syndromes.tsv here");
    }
    if (st == PN_OK)
        st = pn__kb_load_files(files, ns.n, tsv, tsv_len, out, err);
    if (st == PN_OK && !((*out)->dir = strdup(dir))) {
        pn_kb_free(*out);
        *out = NULL;
        st = pn__error_set(err, PN_ENOMEM, dir, NULL, "out of memory");
    }
    for (size_t i = 0; bufs && i < ns.n; i++)
        free(bufs[i]);
    free(bufs);
    free(files);
    free(tsv);
    names_free(&ns);
    return st;
}

/* ---- merging --------------------------------------------------------- */

static int section_add(pn_kb_section *s, json_t *obj, int file, size_t index)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        pn_kb_item *v = realloc(s->items, cap * sizeof *v);
        if (!v)
            return -1;
        s->items = v;
        s->cap = cap;
    }
    s->items[s->len++] = (pn_kb_item){obj, file, index};
    return 0;
}

static pn_status merge_file(pn_kb *kb, int fi, pn_error *err)
{
    const char *rel = kb->files[fi].rel;
    json_t *doc = kb->files[fi].doc;
    if (!json_is_object(doc))
        return pn__error_set(err, PN_EKB, rel, "$", "a KB file must be a JSON object");
    json_t *fmt = json_object_get(doc, "paraneo_kb");
    if (!json_is_integer(fmt) || json_integer_value(fmt) != 1)
        return pn__error_set(err, PN_EKB, rel, "$.paraneo_kb",
                             "must be 1 (the KB format version; see docs/kb-format.md)");
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val) {
        char path[300];
        snprintf(path, sizeof path, "$.%s", key);
        if (strcmp(key, "paraneo_kb") == 0)
            continue;
        json_t **single = strcmp(key, "kb") == 0         ? &kb->meta
                          : strcmp(key, "pns_care") == 0 ? &kb->pns_care
                          : strcmp(key, "triage") == 0   ? &kb->triage
                                                         : NULL;
        if (single) {
            if (!json_is_object(val))
                return pn__error_set(err, PN_EKB, rel, path, "must be an object");
            if (*single)
                return pn__error_set(err, PN_EKB, rel, path,
                                     "defined twice: keep one \"%s\" object in the KB", key);
            *single = val;
            continue;
        }
        int sec = -1;
        for (int s = 0; s < PN_SEC_COUNT; s++)
            if (strcmp(key, pn__kb_section_names[s]) == 0)
                sec = s;
        if (sec < 0)
            return pn__error_set(err, PN_EKB, rel, path,
                                 "unknown section \"%s\" (known: kb, sources, terms, tumours, "
                                 "drugs, labs, antibodies, syndromes, criteria, workup, "
                                 "rescreening, mappings, pns_care, triage)",
                                 key);
        if (!json_is_array(val))
            return pn__error_set(err, PN_EKB, rel, path, "a section must be an array");
        size_t i;
        json_t *item;
        json_array_foreach(val, i, item) {
            if (section_add(&kb->sec[sec], item, fi, i) != 0)
                return pn__error_set(err, PN_ENOMEM, rel, path, "out of memory");
        }
    }
    return PN_OK;
}

static void digest_hex(const unsigned char *md, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < n; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[7 + 2 * i + 1] = hex[md[i] & 15];
    }
    out[7 + 2 * n] = '\0';
}

pn_status pn__kb_load_files(const pn_kb_source_file *files, size_t n, const char *contract_tsv,
                            size_t contract_len, pn_kb **out, pn_error *err)
{
    *out = NULL;
    pn_kb *kb = calloc(1, sizeof *kb);
    if (!kb)
        return pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    pn__arena_init(&kb->arena, 1 << 16);
    for (int s = 0; s < PN_SEC_COUNT; s++)
        pn__strmap_init(&kb->ids[s]);
    pn__strmap_init(&kb->term_names);
    pn__strmap_init(&kb->ab_names);
    pn__strmap_init(&kb->lab_names);
    pn__strmap_init(&kb->lab_loinc);
    pn__strmap_init(&kb->codes);

    pn_status st = PN_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        st = pn__error_set(err, PN_EINTERNAL, NULL, NULL, "OpenSSL SHA-256 unavailable");
    kb->files = calloc(n ? n : 1, sizeof *kb->files);
    if (st == PN_OK && !kb->files)
        st = pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; st == PN_OK && i < n; i++) {
        kb->files[i].rel = pn__arena_strdup(&kb->arena, files[i].rel);
        kb->n_files = i + 1;
        if (!kb->files[i].rel) {
            st = pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
            break;
        }
        /* The digest covers names and bytes, so a rename changes it too. */
        EVP_DigestUpdate(md, files[i].rel, strlen(files[i].rel) + 1);
        EVP_DigestUpdate(md, files[i].data, files[i].len);
        json_error_t je;
        kb->files[i].doc = json_loadb(files[i].data, files[i].len, JSON_REJECT_DUPLICATES, &je);
        if (!kb->files[i].doc) {
            char why[200];
            st = pn__error_set(err, PN_EKB, files[i].rel, "$",
                               "not valid JSON at line %d, column %d: %s", je.line, je.column,
                               pn__json_reason(je.text, why, sizeof why));
            break;
        }
        st = merge_file(kb, (int)i, err);
    }
    if (st == PN_OK) {
        EVP_DigestUpdate(md, "contract-syndromes.tsv", sizeof "contract-syndromes.tsv");
        EVP_DigestUpdate(md, contract_tsv ? contract_tsv : "", contract_len);
        unsigned char buf[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        EVP_DigestFinal_ex(md, buf, &len);
        digest_hex(buf, len > 32 ? 32 : len, kb->digest);
        kb->contract = pn__arena_strndup(&kb->arena, contract_tsv ? contract_tsv : "", contract_len);
        kb->contract_len = contract_len;
        if (!kb->contract)
            st = pn__error_set(err, PN_ENOMEM, NULL, NULL, "out of memory");
    }
    EVP_MD_CTX_free(md);
    if (st == PN_OK)
        st = pn__kb_validate(kb, err);
    if (st == PN_OK)
        st = pn__kb_index(kb, err);
    if (st == PN_OK)
        st = pn__kb_compile_evidence(kb, err);
    if (st != PN_OK) {
        pn_kb_free(kb);
        return st;
    }
    *out = kb;
    return PN_OK;
}

void pn_kb_free(pn_kb *kb)
{
    if (!kb)
        return;
    for (size_t i = 0; i < kb->n_files; i++)
        json_decref(kb->files[i].doc);
    free(kb->files);
    for (int s = 0; s < PN_SEC_COUNT; s++) {
        free(kb->sec[s].items);
        pn__strmap_free(&kb->ids[s]);
    }
    pn__strmap_free(&kb->term_names);
    pn__strmap_free(&kb->ab_names);
    pn__strmap_free(&kb->lab_names);
    pn__strmap_free(&kb->lab_loinc);
    pn__strmap_free(&kb->codes);
    free(kb->dir);
    pn__arena_free(&kb->arena);
    free(kb);
}

const char *pn_kb_version(const pn_kb *kb)
{
    return kb->version;
}

const char *pn_kb_digest(const pn_kb *kb)
{
    return kb->digest;
}

size_t pn_kb_syndrome_count(const pn_kb *kb)
{
    return kb->n_syndromes;
}

const char *pn_kb_syndrome_id(const pn_kb *kb, size_t i)
{
    return i < kb->n_syndromes ? kb->syndromes[i].id : NULL;
}
