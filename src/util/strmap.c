/* strmap.c - see strmap.h.  FNV-1a hashing, linear probing, load <= 1/2. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void pn__strmap_init(pn_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void pn__strmap_free(pn_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t slot(const pn_strmap *m, const char *key, size_t n)
{
    size_t i = (size_t)hash(key, n) & (m->cap - 1);
    while (m->keys[i] && !(strncmp(m->keys[i], key, n) == 0 && m->keys[i][n] == '\0'))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int grow(pn_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    pn_strmap g = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(int)), cap, 0};
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = slot(&g, m->keys[i], strlen(m->keys[i]));
        g.keys[j] = m->keys[i];
        g.vals[j] = m->vals[i];
        g.len++;
    }
    free(m->keys);
    free(m->vals);
    *m = g;
    return 0;
}

int pn__strmap_put(pn_strmap *m, const char *key, int val, int *old)
{
    if ((m->len + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    size_t n = strlen(key);
    size_t i = slot(m, key, n);
    if (m->keys[i]) {
        if (old)
            *old = m->vals[i];
        return 1;
    }
    char *k = malloc(n + 1);
    if (!k)
        return -1;
    memcpy(k, key, n + 1);
    m->keys[i] = k;
    m->vals[i] = val;
    m->len++;
    return 0;
}

int pn__strmap_getn(const pn_strmap *m, const char *key, size_t n)
{
    if (!m->cap)
        return -1;
    size_t i = slot(m, key, n);
    return m->keys[i] ? m->vals[i] : -1;
}

int pn__strmap_get(const pn_strmap *m, const char *key)
{
    return pn__strmap_getn(m, key, strlen(key));
}
