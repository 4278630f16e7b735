/* strmap.h - an open-addressing hash map from strings to small integers.
 *
 * Used for every id look-up in the knowledge base (HPO term, antibody
 * synonym, LOINC code, ...).  Keys are copied; values are indexes into the
 * owner's arrays.  Not thread-safe for writes; read-only use from many
 * threads is safe once built. */
#ifndef PN_STRMAP_H
#define PN_STRMAP_H

#include <stddef.h>

typedef struct pn_strmap {
    char **keys;
    int *vals;
    size_t cap, len;
} pn_strmap;

void pn__strmap_init(pn_strmap *m);
void pn__strmap_free(pn_strmap *m);
/* 0 on success, -1 on allocation failure, 1 if the key already existed
 * (the old value is kept and written to *old when old is not NULL). */
int pn__strmap_put(pn_strmap *m, const char *key, int val, int *old);
/* The value, or -1 when absent. */
int pn__strmap_get(const pn_strmap *m, const char *key);
int pn__strmap_getn(const pn_strmap *m, const char *key, size_t n);

#endif
