/* fuzz_jsondump.c - differential fuzzing of pn__json_dumps against jansson's
 * json_dumps: any JSON jansson reads must be written to the same bytes under
 * the same flags (or refused by both).  The first input byte picks the
 * flags, the rest is the document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsondump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t f = data[0];
    size_t flags = (f & 1 ? JSON_COMPACT : 0) | (f & 2 ? JSON_ENCODE_ANY : 0) |
                   (f & 4 ? JSON_INDENT((f >> 4) & 3) : 0) |
                   (f & 8 ? JSON_REAL_PRECISION(1 + (f >> 4)) : 0) |
                   (f & 0x40 ? JSON_SORT_KEYS : 0) | (f & 0x80 ? JSON_PRESERVE_ORDER : 0);
    json_t *doc = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!doc)
        return 0;
    char *want = json_dumps(doc, flags);
    size_t len = 0;
    char *got = pn__json_dumps(doc, flags, &len);
    if (!want != !got || (want && (strcmp(want, got) != 0 || len != strlen(want)))) {
        fprintf(stderr, "fuzz_jsondump: flags %#zx\n  jansson: %s\n  paraneo: %s\n", flags,
                want ? want : "(null)", got ? got : "(null)");
        abort();
    }
    free(want);
    free(got);
    json_decref(doc);
    return 0;
}
