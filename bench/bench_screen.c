/* bench_screen.c - the screener's line scanner alone, on one core, over
 * files read into memory first (so the figure is the scanner's, not the
 * disk's): bench_screen FILE... prints JSON {bytes, lines, seconds, gb_per_s}.
 * Reads at most 1 GiB per file, whole lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "screen/scan.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t bytes = 0, lines = 0, ok = 0;
    double secs = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        size_t cap = (size_t)1 << 30;
        char *buf = malloc(cap);
        size_t n = buf ? fread(buf, 1, cap, f) : 0;
        fclose(f);
        while (n > 0 && buf[n - 1] != '\n')
            n--;
        double t0 = now();
        for (const char *p = buf, *e = buf + n; p < e;) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            pn_scan_result r;
            ok += pn__scan_line(p, (size_t)(nl - p), &r) == PN_SCAN_OK;
            lines++;
            p = nl + 1;
        }
        secs += now() - t0;
        bytes += n;
        free(buf);
    }
    printf("{\"bytes\":%zu,\"lines\":%zu,\"usable\":%zu,\"seconds\":%.3f,\"gb_per_s\":%.3f}\n", bytes, lines, ok,
           secs, secs > 0 ? (double)bytes / secs / 1e9 : 0);
    return 0;
}
