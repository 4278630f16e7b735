/* screen.c - the bulk screener in one process: phase 1 (scan and spill by
 * hash of the patient), phase 2 (evaluate partition by partition), the
 * merge of the sorted results, the summary and the atomic output. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "screen/screen.h"
#include "util/jsondump.h"

/* ---- counts ---------------------------------------------------------------- */

void pn__scr_count_reason(pn_scr_counts *c, const char *reason)
{
    for (size_t i = 0; i < c->n_reasons; i++)
        if (strcmp(c->reasons[i].text, reason) == 0) {
            c->reasons[i].n++;
            return;
        }
    if (c->n_reasons == 32) { /* more kinds than kept: the last one is "other" */
        snprintf(c->reasons[31].text, sizeof c->reasons[31].text, "other");
        c->reasons[31].n++;
        return;
    }
    pn_scr_reason *r = &c->reasons[c->n_reasons++];
    snprintf(r->text, sizeof r->text, "%s", reason);
    r->n = 1;
}

static int cmp_pos(const pn_scr_report *a, const pn_scr_report *b)
{
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    if (a->file == UINT32_MAX)
        return strcmp(a->what, b->what);
    return a->off < b->off ? -1 : a->off > b->off;
}

/* Keeps the PN_SCR_MAX_REPORTS first reports by position. */
static void keep(pn_scr_report *arr, size_t *n, const pn_scr_report *r)
{
    size_t i = *n;
    if (i == PN_SCR_MAX_REPORTS) {
        if (cmp_pos(r, &arr[i - 1]) >= 0)
            return;
        i--;
    } else
        (*n)++;
    while (i > 0 && cmp_pos(r, &arr[i - 1]) < 0) {
        arr[i] = arr[i - 1];
        i--;
    }
    arr[i] = *r;
}

void pn__scr_report_line(pn_scr_counts *c, uint32_t file, uint64_t off, const char *fmt, ...)
{
    pn_scr_report r = {.file = file, .off = off};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r.what, sizeof r.what, fmt, ap);
    va_end(ap);
    keep(c->reports, &c->n_reports, &r);
}

void pn__scr_report_patient(pn_scr_counts *c, const char *key, const char *fmt, ...)
{
    pn_scr_report r = {.file = UINT32_MAX};
    int k = snprintf(r.what, sizeof r.what, "patient %s: ", key);
    va_list ap;
    va_start(ap, fmt);
    if (k > 0 && (size_t)k < sizeof r.what)
        vsnprintf(r.what + k, sizeof r.what - (size_t)k, fmt, ap);
    va_end(ap);
    keep(c->failures, &c->n_failures, &r);
}

void pn__scr_counts_add(pn_scr_counts *into, const pn_scr_counts *c)
{
    into->bytes += c->bytes;
    into->lines += c->lines;
    into->blank += c->blank;
    into->resources += c->resources;
    for (int t = 0; t < PN_RT_COUNT; t++)
        into->by_type[t] += c->by_type[t];
    into->skipped += c->skipped;
    into->syntax += c->syntax;
    into->huge += c->huge;
    into->patients += c->patients;
    into->evaluated += c->evaluated;
    into->prefiltered += c->prefiltered;
    into->failed += c->failed;
    into->flagged += c->flagged;
    into->dropped_entries += c->dropped_entries;
    for (size_t i = 0; i < c->n_reasons; i++) {
        size_t j;
        for (j = 0; j < into->n_reasons; j++)
            if (strcmp(into->reasons[j].text, c->reasons[i].text) == 0)
                break;
        if (j == into->n_reasons && into->n_reasons < 32)
            into->reasons[into->n_reasons++] = (pn_scr_reason){.n = 0};
        if (j < into->n_reasons) {
            if (into->reasons[j].n == 0)
                memcpy(into->reasons[j].text, c->reasons[i].text, sizeof into->reasons[j].text);
            into->reasons[j].n += c->reasons[i].n;
        }
    }
    for (size_t i = 0; i < c->n_reports; i++)
        keep(into->reports, &into->n_reports, &c->reports[i]);
    for (size_t i = 0; i < c->n_failures; i++)
        keep(into->failures, &into->n_failures, &c->failures[i]);
}

double pn__scr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double pn__scr_peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtod(line + 6, NULL);
    fclose(f);
    return kb / 1024.0;
}

const char *pn__scr_as_of(const pn_screen_opts *o, char *buf)
{
    if (o->as_of) {
        snprintf(buf, 11, "%s", o->as_of);
        return buf;
    }
    for (size_t i = 0; i < o->n_inputs; i++) {
        struct stat st;
        if (stat(o->inputs[i], &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/manifest.json", o->inputs[i]);
        json_t *m = json_load_file(path, 0, NULL);
        const char *t = json_string_value(json_object_get(m, "transactionTime"));
        bool ok = t && strlen(t) >= 10;
        if (ok)
            snprintf(buf, 11, "%.10s", t);
        json_decref(m);
        if (ok)
            return buf;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
    return buf;
}

/* ---- progress on a terminal ---------------------------------------------------- */

static _Atomic uint64_t prog_done, prog_total;
static _Atomic int prog_running;

static void progress_show(double t0, const char *what)
{
    uint64_t d = atomic_load(&prog_done), t = atomic_load(&prog_total);
    double frac = t ? (double)d / (double)t : 0, el = pn__scr_now() - t0;
    int w = 30, k = (int)(frac * w);
    char bar[32];
    for (int i = 0; i < w; i++)
        bar[i] = i < k ? '#' : '.';
    bar[w] = '\0';
    double eta = frac > 0.01 ? el / frac - el : -1;
    if (eta >= 0)
        fprintf(stderr, "\r%-9s [%s] %5.1f%%  ETA %4.0fs ", what, bar, frac * 100, eta);
    else
        fprintf(stderr, "\r%-9s [%s] %5.1f%%  ETA   ?  ", what, bar, frac * 100);
}

/* ---- phase 1 ---------------------------------------------------------------- */

typedef struct block {
    uint32_t file;
    uint64_t start, end;
} block;

typedef struct p1 {
    const pn_screen_opts *o;
    pn_scr_file *files;
    block *blocks;
    size_t n_blocks;
    _Atomic size_t next;
    pn_scr_parts *parts;
    _Atomic int failed;
    char err[300];
    pthread_mutex_t err_lock;
} p1;

typedef struct p1w {
    p1 *g;
    pn_scr_writer *w;
    pn_scr_counts c;
    int nparts;
} p1w;

static int p1_line(void *ctx, uint32_t file, uint64_t off, const char *line, size_t len, bool huge)
{
    p1w *t = ctx;
    pn_scr_counts *c = &t->c;
    c->lines++;
    c->bytes += len + 1;
    if (huge) {
        c->huge++;
        c->skipped++;
        pn__scr_count_reason(c, "line longer than --max-line");
        pn__scr_report_line(c, file, off, "line longer than %zu bytes (--max-line)", t->g->o->max_line);
        return 0;
    }
    pn_scan_result r;
    switch (pn__scan_line(line, len, &r)) {
    case PN_SCAN_BLANK: c->blank++; return 0;
    case PN_SCAN_SYNTAX:
        c->syntax++;
        c->skipped++;
        pn__scr_count_reason(c, "not valid JSON");
        pn__scr_report_line(c, file, off, "not valid JSON at column %zu: %s", r.col + 1, r.reason);
        return 0;
    case PN_SCAN_SKIP:
        c->skipped++;
        if (r.type < 0 && r.type_len) {
            char why[96];
            snprintf(why, sizeof why, "resource type not read: %.40s", r.type_name);
            pn__scr_count_reason(c, why);
            pn__scr_report_line(c, file, off, "resource type %.60s is not read by the screener", r.type_name);
        } else {
            pn__scr_count_reason(c, r.reason);
            pn__scr_report_line(c, file, off, "%s", r.reason);
        }
        return 0;
    case PN_SCAN_OK: break;
    }
    c->resources++;
    c->by_type[r.type]++;
    if (!t->w)
        return 0;
    pn_scr_rec h = {.len = (uint32_t)len, .file = file, .off = off, .ref_off = (uint32_t)r.ref_off,
                    .ref_len = (uint32_t)r.ref_len, .klen = (uint16_t)r.key_len,
                    .rewrite = r.ref_rewrite, .type = (uint8_t)r.type};
    int part = (int)(pn__scan_hash(r.key, r.key_len) % (uint64_t)t->nparts);
    return pn__scr_writer_add(t->w, part, &h, r.key, line);
}

static void *p1_thread(void *arg)
{
    p1w *t = arg;
    p1 *g = t->g;
    for (;;) {
        size_t i = atomic_fetch_add(&g->next, 1);
        if (i >= g->n_blocks || atomic_load(&g->failed))
            break;
        block *b = &g->blocks[i];
        char err[300] = "";
        int rc = pn__scr_scan_range(&g->files[b->file], b->file, b->start, b->end, g->o->max_line, p1_line, t,
                                    err, sizeof err);
        if (rc) {
            pthread_mutex_lock(&g->err_lock);
            if (!atomic_load(&g->failed))
                snprintf(g->err, sizeof g->err, "%s", err[0] ? err : pn__scr_writer_error(t->w));
            atomic_store(&g->failed, 1);
            pthread_mutex_unlock(&g->err_lock);
            break;
        }
        atomic_fetch_add(&prog_done, b->end - b->start);
    }
    atomic_fetch_sub(&prog_running, 1);
    if (t->w && !atomic_load(&g->failed) && pn__scr_writer_flush(t->w)) {
        pthread_mutex_lock(&g->err_lock);
        snprintf(g->err, sizeof g->err, "%s", pn__scr_writer_error(t->w));
        atomic_store(&g->failed, 1);
        pthread_mutex_unlock(&g->err_lock);
    }
    return NULL;
}

/* Runs fn(arg_i) on n threads while the main thread shows progress. */
static void run_threads(int n, void *(*fn)(void *), void *args, size_t argsize, bool progress,
                        const char *what)
{
    pthread_t *tid = calloc((size_t)n, sizeof *tid);
    int started = 0;
    atomic_store(&prog_running, n);
    for (int i = 0; tid && i < n; i++)
        if (pthread_create(&tid[i], NULL, fn, (char *)args + (size_t)i * argsize) == 0)
            started++;
        else
            break;
    atomic_fetch_sub(&prog_running, n - started);
    if (started == 0) { /* no thread could start: do the work here */
        atomic_fetch_add(&prog_running, 1);
        fn(args);
    }
    double t0 = pn__scr_now();
    if (progress) {
        /* the workers run; poll until every one is done */
        for (;;) {
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
            progress_show(t0, what);
            if (atomic_load(&prog_running) == 0)
                break;
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (progress) {
        progress_show(t0, what);
        fputc('\n', stderr);
    }
    free(tid);
}

/* ---- phase 2 ---------------------------------------------------------------- */

typedef struct p2 {
    const pn_kb *kb;
    const pn_screen_opts *o;
    const char *as_of;
    pn_scr_parts *parts;
    const char *rows_prefix;
    size_t limit; /* largest partition loaded by one thread */
    _Atomic int next;
    _Atomic int failed;
    _Atomic int nrows;
    char err[300];
    pthread_mutex_t lock;
} p2;

typedef struct p2w {
    p2 *g;
    pn_scr_eval *ev;
    pn_scr_counts c;
} p2w;

static int cmp_line(const void *a, const void *b)
{
    const pn_scr_line *x = a, *y = b;
    size_t n = x->h->klen < y->h->klen ? x->h->klen : y->h->klen;
    int d = memcmp(x->key, y->key, n);
    if (d)
        return d;
    if (x->h->klen != y->h->klen)
        return x->h->klen < y->h->klen ? -1 : 1;
    if (x->h->file != y->h->file)
        return x->h->file < y->h->file ? -1 : 1;
    return x->h->off < y->h->off ? -1 : x->h->off > y->h->off;
}

static void p2_fail(p2 *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void p2_fail(p2 *g, const char *fmt, ...)
{
    pthread_mutex_lock(&g->lock);
    if (!atomic_load(&g->failed)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->err, sizeof g->err, fmt, ap);
        va_end(ap);
        atomic_store(&g->failed, 1);
    }
    pthread_mutex_unlock(&g->lock);
}

static int process_part(p2w *t, const char *path, int level);

/* Splits a partition too big to load into 16 by another part of the hash. */
static int split_part(p2w *t, const char *path, int level)
{
    p2 *g = t->g;
    char dir[4096], prefix[256];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    snprintf(prefix, sizeof prefix, "%s.s", slash + 1);
    pn_scr_parts *sub = NULL;
    char err[300];
    if (pn__scr_parts_open(dir, prefix, 16, &sub, err, sizeof err)) {
        pn__scr_parts_close(sub, true);
        p2_fail(g, "%s", err);
        return -1;
    }
    pn_scr_writer *w = pn__scr_writer_new(sub, 1 << 16);
    FILE *f = fopen(path, "rb");
    int rc = (!w || !f) ? -1 : 0;
    char *line = NULL, key[PN_SCAN_KEY_MAX + 1];
    size_t cap = 0;
    pn_scr_rec h;
    while (!rc && fread(&h, sizeof h, 1, f) == 1) {
        if (h.len + (size_t)h.klen > cap) {
            char *nl = realloc(line, h.len + (size_t)h.klen);
            if (!nl) {
                rc = -1;
                break;
            }
            line = nl;
            cap = h.len + (size_t)h.klen;
        }
        if (h.klen > PN_SCAN_KEY_MAX || fread(key, 1, h.klen, f) != h.klen || fread(line, 1, h.len, f) != h.len) {
            rc = -1;
            break;
        }
        int part = (int)((pn__scan_hash(key, h.klen) >> (8 + 4 * level)) % 16);
        rc = pn__scr_writer_add(w, part, &h, key, line);
    }
    if (!rc)
        rc = pn__scr_writer_flush(w);
    if (rc)
        p2_fail(g, "%s: cannot split the partition: %s", path,
                w && pn__scr_writer_error(w)[0] ? pn__scr_writer_error(w) : strerror(errno));
    free(line);
    if (f)
        fclose(f);
    pn__scr_writer_free(w);
    unlink(path);
    for (int i = 0; !rc && i < 16; i++)
        rc = process_part(t, pn__scr_parts_path(sub, i), level + 1);
    pn__scr_parts_close(sub, true);
    return rc;
}

static int process_part(p2w *t, const char *path, int level)
{
    p2 *g = t->g;
    struct stat st;
    if (stat(path, &st) != 0) {
        p2_fail(g, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (size == 0)
        return 0;
    if (size > g->limit && level < 4)
        return split_part(t, path, level);
    char *buf = malloc(size);
    FILE *f = fopen(path, "rb");
    if (!buf || !f || fread(buf, 1, size, f) != size) {
        p2_fail(g, "%s: cannot read the partition: %s", path, !buf ? "out of memory" : strerror(errno));
        free(buf);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    /* count, then index the records; headers copied for alignment */
    size_t n = 0;
    for (size_t p = 0; p + sizeof(pn_scr_rec) <= size;) {
        pn_scr_rec h;
        memcpy(&h, buf + p, sizeof h);
        p += sizeof h + h.klen + h.len;
        n++;
    }
    pn_scr_rec *hs = malloc((n ? n : 1) * sizeof *hs);
    pn_scr_line *ls = malloc((n ? n : 1) * sizeof *ls);
    if (!hs || !ls) {
        p2_fail(g, "out of memory loading %s", path);
        free(buf);
        free(hs);
        free(ls);
        return -1;
    }
    size_t i = 0;
    for (size_t p = 0; i < n; i++) {
        memcpy(&hs[i], buf + p, sizeof hs[i]);
        ls[i].h = &hs[i];
        ls[i].key = buf + p + sizeof hs[i];
        ls[i].line = ls[i].key + hs[i].klen;
        p += sizeof hs[i] + hs[i].klen + hs[i].len;
    }
    qsort(ls, n, sizeof *ls, cmp_line);
    char rows[4096];
    snprintf(rows, sizeof rows, "%s%d", g->rows_prefix, atomic_fetch_add(&g->nrows, 1));
    FILE *out = fopen(rows, "wb");
    int rc = out ? 0 : -1;
    char key[PN_SCAN_KEY_MAX + 1];
    for (size_t a = 0; !rc && a < n;) {
        size_t b = a + 1;
        while (b < n && ls[b].h->klen == ls[a].h->klen && memcmp(ls[b].key, ls[a].key, ls[a].h->klen) == 0)
            b++;
        memcpy(key, ls[a].key, ls[a].h->klen);
        key[ls[a].h->klen] = '\0';
        rc = pn__scr_eval_patient(t->ev, key, ls[a].h->klen, ls + a, b - a, out, &t->c);
        a = b;
    }
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc)
        p2_fail(g, "%s: cannot write results: %s", rows, strerror(errno));
    free(buf);
    free(hs);
    free(ls);
    return rc;
}

static void *p2_thread(void *arg)
{
    p2w *t = arg;
    p2 *g = t->g;
    int np = pn__scr_parts_count(g->parts);
    for (;;) {
        int i = atomic_fetch_add(&g->next, 1);
        if (i >= np || atomic_load(&g->failed))
            break;
        const char *path = pn__scr_parts_path(g->parts, i);
        struct stat st;
        uint64_t sz = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
        process_part(t, path, 0);
        atomic_fetch_add(&prog_done, sz);
    }
    atomic_fetch_sub(&prog_running, 1);
    return NULL;
}

int pn__scr_phase2(const pn_kb *kb, const pn_screen_opts *o, const char *as_of, pn_scr_parts *parts,
                   const char *rows_prefix, int *nrows, pn_scr_counts *c, char *err, size_t errlen)
{
    int nt = o->threads;
    p2 g = {.kb = kb, .o = o, .as_of = as_of, .parts = parts, .rows_prefix = rows_prefix};
    g.limit = o->mem_limit / (size_t)nt;
    pthread_mutex_init(&g.lock, NULL);
    /* close the writers' descriptors: phase 2 reopens by path */
    p2w *tw = calloc((size_t)nt, sizeof *tw);
    if (!tw) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < nt; i++) {
        tw[i].g = &g;
        tw[i].ev = pn__scr_eval_new(kb, o, as_of);
        if (!tw[i].ev)
            atomic_store(&g.failed, 1);
    }
    atomic_store(&prog_done, 0);
    atomic_store(&prog_total, pn__scr_parts_bytes(parts));
    if (!atomic_load(&g.failed))
        run_threads(nt, p2_thread, tw, sizeof *tw, o->progress, "evaluate");
    for (int i = 0; i < nt; i++) {
        pn__scr_counts_add(c, &tw[i].c);
        pn__scr_eval_free(tw[i].ev);
    }
    free(tw);
    pthread_mutex_destroy(&g.lock);
    *nrows = atomic_load(&g.nrows);
    if (atomic_load(&g.failed)) {
        snprintf(err, errlen, "%s", g.err[0] ? g.err : "out of memory");
        return -1;
    }
    return 0;
}

/* ---- merge ---------------------------------------------------------------- */

/* The patient id at the start of a row: {"patient":"ID", ... */
static size_t row_key(const char *row, const char **k)
{
    const char *s = strstr(row, "\"patient\":\"");
    if (!s) {
        *k = "";
        return 0;
    }
    s += 11;
    const char *e = strchr(s, '"');
    *k = s;
    return e ? (size_t)(e - s) : strlen(s);
}

int pn__scr_merge_rows(char **paths, size_t n, FILE *out, char *err, size_t errlen)
{
    FILE **f = calloc(n ? n : 1, sizeof *f);
    char **cur = calloc(n ? n : 1, sizeof *cur);
    size_t *cap = calloc(n ? n : 1, sizeof *cap);
    int rc = (!f || !cur || !cap) ? -1 : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        f[i] = fopen(paths[i], "rb");
        if (!f[i]) {
            snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
            rc = -1;
            break;
        }
        if (getline(&cur[i], &cap[i], f[i]) < 0) {
            free(cur[i]);
            cur[i] = NULL;
        }
    }
    while (!rc) {
        size_t best = n, bl = 0;
        const char *bk = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!cur[i])
                continue;
            const char *k;
            size_t kl = row_key(cur[i], &k);
            if (best == n) {
                best = i, bk = k, bl = kl;
                continue;
            }
            size_t m = kl < bl ? kl : bl;
            int d = memcmp(k, bk, m);
            if (d < 0 || (d == 0 && kl < bl))
                best = i, bk = k, bl = kl;
        }
        if (best == n)
            break;
        if (fputs(cur[best], out) < 0) {
            snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (getline(&cur[best], &cap[best], f[best]) < 0) {
            free(cur[best]);
            cur[best] = NULL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (f && f[i])
            fclose(f[i]);
        if (cur)
            free(cur[i]);
    }
    free(f);
    free(cur);
    free(cap);
    if (rc && !err[0])
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* ---- summary ------------------------------------------------------------------ */

static double r3(double x)
{
    return (double)(long long)(x * 1000 + (x >= 0 ? 0.5 : -0.5)) / 1000;
}

char *pn__scr_summary_json(const pn_screen_opts *o, const pn_scr_file *files, size_t n_files,
                           const pn_scr_counts *c, const pn_scr_times *t, const char *mode, int ranks,
                           uint64_t spill_bytes, double peak_rss_mb)
{
    json_t *s = json_object();
    json_object_set_new(s, "paraneo", json_string("screen-summary/1"));
    json_object_set_new(s, "mode", json_string(mode));
    json_object_set_new(s, "files", json_integer((json_int_t)n_files));
    json_object_set_new(s, "bytes", json_integer((json_int_t)c->bytes));
    json_object_set_new(s, "lines", json_integer((json_int_t)c->lines));
    json_object_set_new(s, "resources", json_integer((json_int_t)c->resources));
    json_t *bt = json_object();
    for (int i = 0; i < PN_RT_COUNT; i++)
        if (c->by_type[i])
            json_object_set_new(bt, pn__scan_type_name(i), json_integer((json_int_t)c->by_type[i]));
    json_object_set_new(s, "resources_by_type", bt);
    json_object_set_new(s, "patients", json_integer((json_int_t)c->patients));
    json_object_set_new(s, "evaluated", json_integer((json_int_t)c->evaluated));
    if (o->prefilter)
        json_object_set_new(s, "prefiltered", json_integer((json_int_t)c->prefiltered));
    json_object_set_new(s, "failed", json_integer((json_int_t)c->failed));
    json_object_set_new(s, "flagged", json_integer((json_int_t)c->flagged));
    json_object_set_new(s, "threshold", json_real(o->threshold));
    json_t *sk = json_object();
    json_object_set_new(sk, "lines", json_integer((json_int_t)c->skipped));
    json_object_set_new(sk, "blank", json_integer((json_int_t)c->blank));
    json_t *by = json_object();
    for (size_t i = 0; i < c->n_reasons; i++)
        json_object_set_new(by, c->reasons[i].text, json_integer((json_int_t)c->reasons[i].n));
    json_object_set_new(sk, "by_reason", by);
    json_t *first = json_array();
    for (size_t i = 0; i < c->n_reports; i++) {
        const pn_scr_report *r = &c->reports[i];
        char buf[4400];
        snprintf(buf, sizeof buf, "%s:%llu: %s", r->file < n_files ? files[r->file].path : "?",
                 (unsigned long long)r->line, r->what);
        json_array_append_new(first, json_string(buf));
    }
    json_object_set_new(sk, "first", first);
    json_object_set_new(s, "skipped", sk);
    json_t *fl = json_array();
    for (size_t i = 0; i < c->n_failures; i++)
        json_array_append_new(fl, json_string(c->failures[i].what));
    json_object_set_new(s, "failed_first", fl);
    json_t *tm = json_object();
    json_object_set_new(tm, "scan", json_real(r3(t->scan)));
    json_object_set_new(tm, "evaluate", json_real(r3(t->evaluate)));
    json_object_set_new(tm, "merge", json_real(r3(t->merge)));
    json_object_set_new(tm, "total", json_real(r3(t->total)));
    json_object_set_new(s, "seconds", tm);
    json_object_set_new(s, "threads", json_integer(o->threads));
    if (ranks > 1 || o->mpi)
        json_object_set_new(s, "ranks", json_integer(ranks));
    double gbs = t->scan > 0 ? (double)c->bytes / t->scan / 1e9 : 0;
    json_object_set_new(s, "scan_gb_per_s", json_real(r3(gbs)));
    json_object_set_new(s, "scan_gb_per_s_per_core",
                        json_real(r3(gbs / (o->threads * (ranks > 0 ? ranks : 1)))));
    json_object_set_new(s, "patients_per_s",
                        json_real(r3(t->total > 0 ? (double)c->patients / t->total : 0)));
    json_object_set_new(s, "spill_bytes", json_integer((json_int_t)spill_bytes));
    json_object_set_new(s, "peak_rss_mb", json_real(r3(peak_rss_mb)));
    char *out = pn__json_dumps(s, JSON_COMPACT | JSON_REAL_PRECISION(10), NULL);
    json_decref(s);
    return out;
}

/* ---- the run ------------------------------------------------------------------ */

static void rm_rf_tmp(const char *dir, int nrows, const char *rows_prefix)
{
    for (int i = 0; i < nrows; i++) {
        char p[4300];
        snprintf(p, sizeof p, "%s%d", rows_prefix, i);
        unlink(p);
    }
    rmdir(dir);
}

bool pn__scr_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* Writes text to path atomically (a temporary name, then rename); a device
 * or pipe (/dev/stdout) is written in place: never renamed over. */
static int write_atomic(const char *path, const char *text, char *err, size_t errlen)
{
    if (pn__scr_special(path)) {
        FILE *f = fopen(path, "wb");
        int bad = !f || fputs(text, f) < 0 || fputc('\n', f) == EOF;
        if ((f && fclose(f) != 0) || bad) {
            snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f || fputs(text, f) < 0 || fputc('\n', f) == EOF || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int pn__screen_run(const pn_kb *kb, const pn_screen_opts *o)
{
    double t_start = pn__scr_now();
    pn_scr_times tm = {0};
    char err[600] = "", asof_buf[16];
    const char *as_of = pn__scr_as_of(o, asof_buf);
    pn_scr_file *files = NULL;
    size_t n_files = 0, ignored = 0;
    int status = 1;
    pn_scr_parts *parts = NULL;
    p1w *tw = NULL;
    FILE *out = NULL;
    char out_tmp[4200] = "", tmpdir[4096] = "", rows_prefix[4200] = "";
    int nrows = 0;
    pn_scr_counts *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "paraneo: screen: out of memory\n");
        return 1;
    }

    if (pn__scr_inputs(o->inputs, o->n_inputs, &files, &n_files, &ignored, err, sizeof err)) {
        status = 2;
        goto done;
    }
    /* the output first: an unwritable place fails now, not after the work */
    if (!o->scan_only) {
        snprintf(out_tmp, sizeof out_tmp, "%s.tmp.%ld", o->out, (long)getpid());
        if (pn__scr_special(o->out)) /* /dev/stdout, a pipe: in place */
            out_tmp[0] = '\0';
        out = fopen(out_tmp[0] ? out_tmp : o->out, "wb");
        if (!out) {
            snprintf(err, sizeof err, "%s: cannot write the output: %s", o->out, strerror(errno));
            status = 2;
            goto done;
        }
        snprintf(tmpdir, sizeof tmpdir, "%s/paraneo-screen.XXXXXX", o->tmpdir);
        if (!mkdtemp(tmpdir)) {
            snprintf(err, sizeof err, "%s: cannot create a temporary directory: %s (--tmp DIR)", o->tmpdir,
                     strerror(errno));
            tmpdir[0] = '\0';
            status = 2;
            goto done;
        }
        snprintf(rows_prefix, sizeof rows_prefix, "%s/rows.", tmpdir);
        if (pn__scr_parts_open(tmpdir, "part.", o->partitions, &parts, err, sizeof err))
            goto done;
    }

    /* phase 1: blocks in file order, taken by the threads in turn */
    size_t nb = 0;
    for (size_t i = 0; i < n_files; i++)
        nb += (size_t)((files[i].size + o->block - 1) / o->block);
    block *blocks = calloc(nb ? nb : 1, sizeof *blocks);
    if (!blocks) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    uint64_t total = 0;
    nb = 0;
    for (size_t i = 0; i < n_files; i++) {
        for (uint64_t s = 0; s < files[i].size; s += o->block)
            blocks[nb++] = (block){(uint32_t)i, s, s + o->block < files[i].size ? s + o->block : files[i].size};
        total += files[i].size;
    }
    p1 g = {.o = o, .files = files, .blocks = blocks, .n_blocks = nb, .parts = parts};
    pthread_mutex_init(&g.err_lock, NULL);
    tw = calloc((size_t)o->threads, sizeof *tw);
    for (int i = 0; tw && i < o->threads; i++) {
        tw[i].g = &g;
        tw[i].nparts = o->partitions;
        if (parts) {
            /* 64 KiB per partition per thread, smaller with many partitions */
            size_t per = (size_t)(8u << 20) / (size_t)o->partitions;
            tw[i].w = pn__scr_writer_new(parts, per < 4096 ? 4096 : per > 65536 ? 65536 : per);
            if (!tw[i].w)
                atomic_store(&g.failed, 1);
        }
    }
    if (!tw) {
        free(blocks);
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    atomic_store(&prog_done, 0);
    atomic_store(&prog_total, total);
    double t1 = pn__scr_now();
    if (!atomic_load(&g.failed))
        run_threads(o->threads, p1_thread, tw, sizeof *tw, o->progress, "scan");
    tm.scan = pn__scr_now() - t1;
    for (int i = 0; i < o->threads; i++) {
        pn__scr_counts_add(c, &tw[i].c);
        pn__scr_writer_free(tw[i].w);
    }
    free(blocks);
    pthread_mutex_destroy(&g.err_lock);
    if (atomic_load(&g.failed)) {
        snprintf(err, sizeof err, "%s", g.err[0] ? g.err : "out of memory");
        goto done;
    }

    uint64_t spill = parts ? pn__scr_parts_bytes(parts) : 0;
    if (!o->scan_only) {
        double t2 = pn__scr_now();
        int prc = pn__scr_phase2(kb, o, as_of, parts, rows_prefix, &nrows, c, err, sizeof err);
        tm.evaluate = pn__scr_now() - t2;
        pn__scr_parts_close(parts, true);
        parts = NULL;
        if (prc)
            goto done;
        double t3 = pn__scr_now();
        char **paths = calloc((size_t)nrows + 1, sizeof *paths);
        for (int i = 0; paths && i < nrows; i++) {
            paths[i] = malloc(strlen(rows_prefix) + 16);
            if (paths[i])
                sprintf(paths[i], "%s%d", rows_prefix, i);
        }
        int mrc = paths ? pn__scr_merge_rows(paths, (size_t)nrows, out, err, sizeof err) : -1;
        for (int i = 0; paths && i < nrows; i++)
            free(paths[i]);
        free(paths);
        if (mrc)
            goto done;
        if (fflush(out) != 0 || (out_tmp[0] && fsync(fileno(out)) != 0)) {
            snprintf(err, sizeof err, "%s: cannot write the output: %s", o->out, strerror(errno));
            goto done;
        }
        int fr = fclose(out);
        out = NULL;
        if (fr != 0 || (out_tmp[0] && rename(out_tmp, o->out) != 0)) {
            snprintf(err, sizeof err, "%s: cannot write the output: %s", o->out, strerror(errno));
            goto done;
        }
        out_tmp[0] = '\0';
        tm.merge = pn__scr_now() - t3;
    }
    tm.total = pn__scr_now() - t_start;
    pn__scr_resolve_lines(files, c->reports, c->n_reports);
    char *sum = pn__scr_summary_json(o, files, n_files, c, &tm, o->scan_only ? "scan-only" : "partitioned", 1,
                                     spill, pn__scr_peak_rss_mb());
    if (!sum) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    fprintf(stderr, "%s\n", sum);
    status = 0;
    if (o->summary && write_atomic(o->summary, sum, err, sizeof err))
        status = 2;
    free(sum);
    (void)ignored;

done:
    if (err[0])
        fprintf(stderr, "paraneo: screen: %s\n", err);
    if (out)
        fclose(out);
    if (out_tmp[0])
        unlink(out_tmp);
    pn__scr_parts_close(parts, true);
    if (tmpdir[0])
        rm_rf_tmp(tmpdir, nrows, rows_prefix);
    free(tw);
    pn__scr_inputs_free(files, n_files);
    free(c);
    return status;
}
