/* screen.h - the bulk screener (paraneo screen), internal to the application.
 *
 * Phase 1 scans the NDJSON inputs in blocks (one thread per core, mmap
 * windows, pn__scan_line per line) and appends every usable line to one of P
 * hash partitions spilled to a temporary directory.  Phase 2 loads one
 * partition at a time (a partition larger than the memory limit is split
 * again), groups its lines by patient, evaluates each patient with the
 * engine and writes the flagged ones; the per-partition results, each sorted
 * by patient id, are merged into the output.  With --mpi, ranks split the
 * input by byte ranges and exchange lines by hash(patient) with
 * MPI_Alltoallv before phase 2 (mpi.c). */
#ifndef PN_SCREEN_H
#define PN_SCREEN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "paraneo.h"
#include "screen/scan.h"

#define PN_SCR_MAX_REPORTS 20 /* bad lines / patients reported in detail */

typedef struct pn_screen_opts {
    char **inputs;       /* directories and files */
    size_t n_inputs;
    const char *out;     /* flags NDJSON */
    const char *summary; /* summary JSON file, or NULL */
    const char *tmpdir;
    const char *as_of;   /* YYYY-MM-DD for every patient, or NULL (manifest, else today) */
    double threshold;
    int threads;
    int partitions;
    size_t max_line;
    size_t mem_limit;    /* largest partition loaded at once (bytes, all threads) */
    size_t block;        /* phase-1 block size */
    bool prefilter;
    bool scan_only;      /* phase 1 without spilling (benchmark) */
    bool progress;
    bool mpi;
    bool keep_going;
} pn_screen_opts;

/* One input file. */
typedef struct pn_scr_file {
    char *path;
    uint64_t size;
    int fd;
} pn_scr_file;

/* A bad line or a patient not evaluated. */
typedef struct pn_scr_report {
    uint32_t file; /* UINT32_MAX: a patient, not a line */
    uint64_t off;
    uint64_t line; /* filled at the end */
    char what[200];
} pn_scr_report;

/* Counts by reason (the reasons are static strings or copies). */
typedef struct pn_scr_reason {
    char text[96];
    uint64_t n;
} pn_scr_reason;

typedef struct pn_scr_counts {
    uint64_t bytes, lines, blank, resources, by_type[PN_RT_COUNT];
    uint64_t skipped, syntax, huge;
    uint64_t patients, evaluated, prefiltered, failed, flagged, dropped_entries;
    pn_scr_reason reasons[32];
    size_t n_reasons;
    pn_scr_report reports[PN_SCR_MAX_REPORTS]; /* the first bad lines, by position */
    size_t n_reports;
    pn_scr_report failures[PN_SCR_MAX_REPORTS]; /* the first patients not evaluated, by id */
    size_t n_failures;
} pn_scr_counts;

void pn__scr_counts_add(pn_scr_counts *into, const pn_scr_counts *c);
void pn__scr_count_reason(pn_scr_counts *c, const char *reason);
void pn__scr_report_line(pn_scr_counts *c, uint32_t file, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pn__scr_report_patient(pn_scr_counts *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- input.c ------------------------------------------------------------ */

/* Expands directories (their *.ndjson files naming a resource type read by
 * the screener, in name order) and opens every file.  ignored gets the
 * number of directory files left out. */
int pn__scr_inputs(char **inputs, size_t n, pn_scr_file **files, size_t *n_files, size_t *ignored,
                   char *err, size_t errlen);
void pn__scr_inputs_free(pn_scr_file *files, size_t n);

/* Called for each line starting in the range; huge: longer than max_line
 * (line/len then cover only what is mapped).  Nonzero stops the scan. */
typedef int (*pn_scr_line_fn)(void *ctx, uint32_t file, uint64_t off, const char *line, size_t len,
                              bool huge);
/* Every line whose first byte is in [start, end) of the file, through an
 * mmap window of end - start + max_line bytes. */
int pn__scr_scan_range(const pn_scr_file *f, uint32_t fi, uint64_t start, uint64_t end, size_t max_line,
                       pn_scr_line_fn fn, void *ctx, char *err, size_t errlen);
/* Line numbers for reports (by counting newlines, one read per file). */
int pn__scr_resolve_lines(const pn_scr_file *files, pn_scr_report *r, size_t n);

/* ---- spill.c: hash partitions in a temporary directory -------------------- */

/* A spilled line: header, key, then the line. */
typedef struct pn_scr_rec {
    uint32_t len;     /* line bytes */
    uint32_t file;
    uint64_t off;     /* byte offset of the line in its file */
    uint32_t ref_off; /* the reference to rewrite, when rewrite */
    uint32_t ref_len;
    uint16_t klen;
    uint8_t rewrite;
    uint8_t type;
} pn_scr_rec;

typedef struct pn_scr_parts pn_scr_parts;
typedef struct pn_scr_writer pn_scr_writer;

int pn__scr_parts_open(const char *dir, const char *prefix, int n, pn_scr_parts **out, char *err,
                       size_t errlen);
void pn__scr_parts_close(pn_scr_parts *p, bool unlink_files);
int pn__scr_parts_count(const pn_scr_parts *p);
const char *pn__scr_parts_path(const pn_scr_parts *p, int i);
uint64_t pn__scr_parts_bytes(const pn_scr_parts *p);
/* A per-thread buffered writer into every partition. */
pn_scr_writer *pn__scr_writer_new(pn_scr_parts *p, size_t buf_per_part);
int pn__scr_writer_add(pn_scr_writer *w, int part, const pn_scr_rec *h, const char *key, const char *line);
/* Appends pre-encoded records (from an MPI exchange). */
int pn__scr_writer_raw(pn_scr_writer *w, int part, const char *data, size_t n);
int pn__scr_writer_flush(pn_scr_writer *w);
void pn__scr_writer_free(pn_scr_writer *w);
const char *pn__scr_writer_error(const pn_scr_writer *w);
/* Encodes a record into buf (which has room for sizeof h + klen + len). */
size_t pn__scr_rec_encode(char *buf, const pn_scr_rec *h, const char *key, const char *line);

/* ---- eval.c: one patient --------------------------------------------------- */

typedef struct pn_scr_eval pn_scr_eval;
typedef struct pn_scr_line {
    const pn_scr_rec *h;
    const char *key, *line;
} pn_scr_line;

pn_scr_eval *pn__scr_eval_new(const pn_kb *kb, const pn_screen_opts *o, const char *as_of);
void pn__scr_eval_free(pn_scr_eval *e);
/* Evaluates a patient's lines (sorted by file, offset); a flagged patient's
 * row (one JSON line with '\n') is appended to out.  Counts in c.
 * Returns -1 only when writing out fails. */
int pn__scr_eval_patient(pn_scr_eval *e, const char *key, size_t klen, pn_scr_line *lines, size_t n,
                         FILE *out, pn_scr_counts *c);

/* ---- screen.c ------------------------------------------------------------ */

typedef struct pn_scr_times {
    double scan, evaluate, merge, total;
} pn_scr_times;

/* Phase 2 over a set of partitions with nthreads; rows go to files
 * "<rows_prefix><i>" (each sorted by patient id). */
int pn__scr_phase2(const pn_kb *kb, const pn_screen_opts *o, const char *as_of, pn_scr_parts *parts,
                   const char *rows_prefix, int *nrows, pn_scr_counts *c, char *err, size_t errlen);
/* Merges sorted row files into out (a k-way merge on the patient id). */
int pn__scr_merge_rows(char **paths, size_t n, FILE *out, char *err, size_t errlen);
/* The summary document (malloc'd JSON text). */
char *pn__scr_summary_json(const pn_screen_opts *o, const pn_scr_file *files, size_t n_files,
                           const pn_scr_counts *c, const pn_scr_times *t, const char *mode, int ranks,
                           uint64_t spill_bytes, double peak_rss_mb);
double pn__scr_peak_rss_mb(void);
double pn__scr_now(void);
/* The as_of date: the option, else the manifest's transactionTime next to
 * a directory input, else NULL (today). */
const char *pn__scr_as_of(const pn_screen_opts *o, char *buf);

/* True when path exists and is not a regular file (a device, a pipe):
 * written in place, never replaced by a rename. */
bool pn__scr_special(const char *path);

/* The whole run in one process. */
int pn__screen_run(const pn_kb *kb, const pn_screen_opts *o);
/* With MPI (mpi.c); returns the exit status. */
int pn__screen_run_mpi(const pn_kb *kb, const pn_screen_opts *o);

#endif
