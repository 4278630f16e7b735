/* bench_eval.c - evaluation speed against a reference measured in the same
 * run: just parsing the same case JSON with jansson.
 *
 *   bench_eval [ROUNDS] CASE.json...
 *
 * Reports KB load time, and per case (median, p99) for: jansson parse only,
 * pn_case_parse, and parse + pn_evaluate + report JSON; with the ratios of
 * each to the jansson parse.  Timings are wall-clock on one core; the
 * machine is noisy, so ratios are the figure to compare. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paraneo.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static void report(const char *name, double *t, size_t n, double ref_median)
{
    qsort(t, n, sizeof *t, cmp);
    double med = t[n / 2], p99 = t[(size_t)((double)n * 0.99)];
    printf("%-34s median %8.1f us   p99 %8.1f us", name, med * 1e6, p99 * 1e6);
    if (ref_median > 0)
        printf("   x%.1f of jansson parse", med / ref_median);
    printf("\n");
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    if (argc < 3 || rounds <= 0) {
        fprintf(stderr, "usage: bench_eval ROUNDS CASE.json...\n");
        return 2;
    }
    size_t ncases = (size_t)argc - 2;
    char **docs = calloc(ncases, sizeof *docs);
    size_t *lens = calloc(ncases, sizeof *lens);
    for (size_t i = 0; i < ncases; i++)
        if (!(docs[i] = slurp(argv[i + 2], &lens[i]))) {
            fprintf(stderr, "bench_eval: cannot read %s\n", argv[i + 2]);
            return 2;
        }
    pn_error err;
    pn_kb *kb = NULL;
    double t0 = now();
    if (pn_kb_load(NULL, &kb, &err) != PN_OK) {
        char buf[1200];
        fprintf(stderr, "bench_eval: %s\n", pn_error_format(&err, buf, sizeof buf));
        return 1;
    }
    double kb_ms = (now() - t0) * 1e3;
    size_t n = (size_t)rounds * ncases;
    double *tj = malloc(n * sizeof *tj), *tp = malloc(n * sizeof *tp), *te = malloc(n * sizeof *te);
    size_t k = 0, failed = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < ncases; i++, k++) {
            double a = now();
            json_t *j = json_loadb(docs[i], lens[i], 0, NULL);
            json_decref(j);
            double b = now();
            pn_case *c = NULL;
            pn_status st = pn_case_parse(kb, docs[i], lens[i], &c, &err);
            double cc = now();
            pn_report *rep = NULL;
            if (st == PN_OK && pn_evaluate(kb, c, &rep, &err) == PN_OK) {
                char *js = pn_report_json(rep, PN_JSON_COMPACT);
                pn_free(js);
            } else {
                failed++;
            }
            pn_report_free(rep);
            pn_case_free(c);
            double d = now();
            tj[k] = b - a;
            tp[k] = cc - b;
            te[k] = d - b;
        }
    }
    printf("knowledge base %s: loaded and validated in %.1f ms\n", pn_kb_version(kb), kb_ms);
    printf("%zu cases x %d rounds = %zu evaluations (%zu failed)\n", ncases, rounds, n, failed);
    qsort(tj, n, sizeof *tj, cmp);
    double ref = tj[n / 2];
    report("jansson parse (reference)", tj, n, 0);
    report("pn_case_parse", tp, n, ref);
    report("parse + evaluate + report JSON", te, n, ref);
    pn_kb_free(kb);
    for (size_t i = 0; i < ncases; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    free(tj);
    free(tp);
    free(te);
    return failed ? 1 : 0;
}
