/* fuzz_scan.c - differential libFuzzer harness: the screener's NDJSON line
 * scanner against jansson (fuzz/scan_oracle.h).  Any disagreement aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../fuzz/scan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bad = scan_check((const char *)data, size);
    if (bad) {
        fprintf(stderr, "fuzz_scan: %s on %zu bytes: %.*s\n", bad, size, (int)(size < 400 ? size : 400),
                (const char *)data);
        abort();
    }
    return 0;
}
