/* bench_jansson_ndjson.c - the common approach to NDJSON: json_loadb on
 * every line (and reading resourceType and the subject reference), one core,
 * files read into memory first.  Prints the same JSON as bench_screen. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

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
            json_t *j = json_loadb(p, (size_t)(nl - p), 0, NULL);
            if (j && json_string_value(json_object_get(j, "resourceType")) &&
                (json_object_get(j, "id") || json_object_get(json_object_get(j, "subject"), "reference")))
                ok++;
            json_decref(j);
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
