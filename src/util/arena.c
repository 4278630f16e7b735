/* arena.c - see arena.h. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pn_arena_block {
    pn_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

void pn__arena_init(pn_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 8192;
}

void pn__arena_free(pn_arena *a)
{
    pn_arena_block *b = a->head;
    while (b) {
        pn_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void *pn__arena_alloc(pn_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    pn_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > a->block_size ? n : a->block_size;
        if (cap > SIZE_MAX - sizeof *b)
            return NULL;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *pn__arena_strndup(pn_arena *a, const char *s, size_t n)
{
    char *d = pn__arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *pn__arena_strdup(pn_arena *a, const char *s)
{
    return s ? pn__arena_strndup(a, s, strlen(s)) : NULL;
}
