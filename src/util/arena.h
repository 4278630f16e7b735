/* arena.h - a bump allocator for objects that live and die together.
 *
 * A parsed case, a report under construction and the knowledge base's
 * strings are each owned by one arena and freed in one call (h2o's pool
 * pattern).  Allocation failure returns NULL; callers turn that into
 * PN_ENOMEM, never an abort. */
#ifndef PN_ARENA_H
#define PN_ARENA_H

#include <stddef.h>

typedef struct pn_arena_block pn_arena_block;

typedef struct pn_arena {
    pn_arena_block *head;
    size_t block_size;
} pn_arena;

void pn__arena_init(pn_arena *a, size_t block_size);
void pn__arena_free(pn_arena *a);
/* Zeroed memory aligned for any type, or NULL. */
void *pn__arena_alloc(pn_arena *a, size_t n);
char *pn__arena_strdup(pn_arena *a, const char *s);
char *pn__arena_strndup(pn_arena *a, const char *s, size_t n);

#endif
