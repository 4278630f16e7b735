/* input.c - the screener's input files: directory expansion, line iteration
 * over mmap windows (never the whole file), line numbers for reports. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "screen/screen.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory file the screener reads: *.ndjson naming a resource type. */
static bool wanted(const char *name)
{
    size_t n = strlen(name);
    if (n < 7 || strcmp(name + n - 7, ".ndjson") != 0)
        return false;
    for (int t = 0; t < PN_RT_COUNT; t++) {
        const char *tn = pn__scan_type_name(t), *hit = strstr(name, tn);
        /* "Observation.ndjson", "Observation_1.ndjson", "1.Observation.ndjson" */
        if (hit && (hit == name || !(hit[-1] >= 'A' && hit[-1] <= 'z')) &&
            !(hit[strlen(tn)] >= 'A' && hit[strlen(tn)] <= 'z'))
            return true;
    }
    return false;
}

static int add_file(pn_scr_file **files, size_t *n, size_t *cap, const char *path, char *err, size_t errlen)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        pn_scr_file *nf = realloc(*files, nc * sizeof *nf);
        if (!nf) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *files = nf;
        *cap = nc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (the screener maps its input; give files or "
                              "directories)", path);
        close(fd);
        return -1;
    }
    pn_scr_file *f = &(*files)[(*n)++];
    f->path = strdup(path);
    f->size = (uint64_t)st.st_size;
    f->fd = fd;
    if (!f->path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int pn__scr_inputs(char **inputs, size_t n, pn_scr_file **files, size_t *n_files, size_t *ignored,
                   char *err, size_t errlen)
{
    size_t cap = 0;
    *files = NULL;
    *n_files = 0;
    *ignored = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(inputs[i], &st) != 0) {
            snprintf(err, errlen, "%s: %s", inputs[i], strerror(errno));
            return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (add_file(files, n_files, &cap, inputs[i], err, errlen))
                return -1;
            continue;
        }
        DIR *d = opendir(inputs[i]);
        if (!d) {
            snprintf(err, errlen, "%s: cannot read the directory: %s", inputs[i], strerror(errno));
            return -1;
        }
        char **names = NULL;
        size_t nn = 0, nc = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            if (!wanted(de->d_name)) {
                size_t l = strlen(de->d_name);
                *ignored += l > 7 && strcmp(de->d_name + l - 7, ".ndjson") == 0;
                continue;
            }
            if (nn == nc) {
                nc = nc ? nc * 2 : 16;
                char **t = realloc(names, nc * sizeof *t);
                if (!t)
                    break;
                names = t;
            }
            names[nn] = malloc(strlen(inputs[i]) + strlen(de->d_name) + 2);
            if (!names[nn])
                break;
            sprintf(names[nn], "%s/%s", inputs[i], de->d_name);
            nn++;
        }
        closedir(d);
        qsort(names, nn, sizeof *names, cmp_str);
        int rc = 0;
        for (size_t k = 0; k < nn; k++) {
            if (!rc)
                rc = add_file(files, n_files, &cap, names[k], err, errlen);
            free(names[k]);
        }
        free(names);
        if (rc)
            return -1;
        if (nn == 0) {
            snprintf(err, errlen, "%s: no NDJSON file naming a resource type the screener reads "
                                  "(Patient.ndjson, Observation.ndjson, ...)", inputs[i]);
            return -1;
        }
    }
    return 0;
}

void pn__scr_inputs_free(pn_scr_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].path);
        if (files[i].fd >= 0)
            close(files[i].fd);
    }
    free(files);
}

int pn__scr_scan_range(const pn_scr_file *f, uint32_t fi, uint64_t start, uint64_t end, size_t max_line,
                       pn_scr_line_fn fn, void *ctx, char *err, size_t errlen)
{
    if (end > f->size)
        end = f->size;
    if (start >= end)
        return 0;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    /* one byte before start tells whether a line begins at start */
    uint64_t from = start ? start - 1 : 0;
    uint64_t mstart = from / page * page;
    uint64_t wend = end + max_line + 1;
    if (wend > f->size)
        wend = f->size;
    size_t mlen = (size_t)(wend - mstart);
    char *map = mmap(NULL, mlen, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f->fd, (off_t)mstart);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map bytes %llu..%llu: %s", f->path, (unsigned long long)mstart,
                 (unsigned long long)wend, strerror(errno));
        return -1;
    }
    madvise(map, mlen, MADV_SEQUENTIAL);
    const char *base = map - mstart; /* base[o] is byte o of the file */
    const char *we = map + mlen;
    const char *p = base + start;
    if (start > 0 && base[start - 1] != '\n') {
        const char *nl = memchr(base + start, '\n', (size_t)(end - start));
        p = nl ? nl + 1 : base + end;
    }
    int rc = 0;
    while (p < base + end) {
        size_t room = (size_t)(we - p), look = room < max_line + 1 ? room : max_line + 1;
        const char *nl = memchr(p, '\n', look);
        uint64_t off = (uint64_t)(p - base);
        if (nl || look == room) {
            const char *le = nl ? nl : we;
            if ((size_t)(le - p) > max_line) {
                rc = fn(ctx, fi, off, p, (size_t)(le - p), true);
            } else
                rc = fn(ctx, fi, off, p, (size_t)(le - p), false);
            if (rc)
                break;
            p = nl ? nl + 1 : we;
            continue;
        }
        /* longer than max_line: report it, then find where it ends */
        rc = fn(ctx, fi, off, p, look, true);
        if (rc)
            break;
        nl = memchr(p + look, '\n', (size_t)(we - p - look));
        p = nl ? nl + 1 : we;
    }
    munmap(map, mlen);
    return rc;
}

static int cmp_report(const void *a, const void *b)
{
    const pn_scr_report *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

int pn__scr_resolve_lines(const pn_scr_file *files, pn_scr_report *r, size_t n)
{
    qsort(r, n, sizeof *r, cmp_report);
    char *buf = malloc(1 << 20);
    if (!buf)
        return -1;
    size_t i = 0;
    while (i < n && r[i].file != UINT32_MAX) {
        const pn_scr_file *f = &files[r[i].file];
        uint64_t pos = 0, lines = 1;
        for (; i < n && &files[r[i].file] == f; i++) {
            while (pos < r[i].off) {
                size_t want = r[i].off - pos < (1 << 20) ? (size_t)(r[i].off - pos) : (1 << 20);
                ssize_t got = pread(f->fd, buf, want, (off_t)pos);
                if (got <= 0)
                    break;
                for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + got - q))); q++)
                    lines++;
                pos += (uint64_t)got;
            }
            r[i].line = lines;
        }
    }
    free(buf);
    return 0;
}
