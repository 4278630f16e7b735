/* jsondump.h - json_dumps without its per-container cost.
 *
 * jansson's json_dumps guards against cycles by printing every array and
 * object address into a hash table, and hands each token to a callback:
 * on a 30 KB report that is a third of an evaluation.  The documents this
 * project dumps are trees it built itself, so this writer walks them
 * directly into one growing buffer.  The output is byte for byte what
 * json_dumps gives for the same flags (tests/unit/test_util.c and the
 * differential fuzzer fuzz/fuzz_jsondump.c hold it to that), including
 * NULL for invalid UTF-8 and for a non-container without JSON_ENCODE_ANY.
 * Flags this writer does not implement (JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH,
 * JSON_EMBED) are passed to json_dumps itself. */
#ifndef PN_JSONDUMP_H
#define PN_JSONDUMP_H

#include <jansson.h>
#include <stddef.h>

/* As json_dumps(v, flags); the length goes to *len when len is not NULL.
 * Free with free(). */
char *pn__json_dumps(const json_t *v, size_t flags, size_t *len);

#endif
