/* utf8.h - UTF-8 validation with jansson's rules (utf8_check_first and
 * utf8_check_full): no overlong forms, no surrogates, nothing above
 * U+10FFFF.  Shared by the JSON writer and the NDJSON scanner, which must
 * both agree with jansson byte for byte; inline because both call it per
 * non-ASCII character on hot paths. */
#ifndef PN_UTF8_H
#define PN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the valid UTF-8 sequence at p, of which avail bytes are
 * readable, or 0 when it is invalid or cut short. */
static inline size_t pn__utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t v;
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
        n = 2;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        n = 3;
        v = c & 0x0F;
    } else if (c < 0xF5) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
        return 0;
    return n;
}

#endif
