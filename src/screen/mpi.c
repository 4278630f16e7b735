/* mpi.c - paraneo screen --mpi: the screener on K ranks (mpirun, srun).
 *
 * Rank r scans bytes [r*T/K, (r+1)*T/K) of the inputs taken end to end
 * (lines belong to the range holding their first byte), in rounds of one
 * block.  Each round every rank buckets its usable lines by
 * hash(patient) % K, exchanges the bucket sizes with MPI_Alltoall and the
 * lines with MPI_Alltoallv, and spills what it receives into its own hash
 * partitions; so one round holds at most K x block bytes per rank.  Then
 * each rank evaluates its patients (phase 2, --threads threads) and writes
 * its sorted rows next to --out; rank 0 merges them into --out, which is
 * byte for byte what one process writes.  The output directory must be
 * shared by the ranks; --tmp may be node-local. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "screen/screen.h"

#ifndef PN_HAVE_MPI

int pn__screen_run_mpi(const pn_kb *kb, const pn_screen_opts *o)
{
    (void)kb;
    (void)o;
    fprintf(stderr, "paraneo: screen: --mpi: this paraneo was built without Open MPI\n");
    return 1;
}

#else

#include <mpi.h>

typedef struct buckets {
    int k;
    char **buf;
    size_t *len, *cap;
} buckets;

typedef struct mctx {
    const pn_screen_opts *o;
    buckets b;
    pn_scr_counts c;
    int failed;
} mctx;

static int bucket_put(buckets *b, int d, const pn_scr_rec *h, const char *key, const char *line)
{
    size_t need = sizeof *h + h->klen + h->len;
    if (b->len[d] + need > b->cap[d]) {
        size_t nc = b->cap[d] ? b->cap[d] * 2 : 1 << 16;
        while (nc < b->len[d] + need)
            nc *= 2;
        char *nb = realloc(b->buf[d], nc);
        if (!nb)
            return -1;
        b->buf[d] = nb;
        b->cap[d] = nc;
    }
    b->len[d] += pn__scr_rec_encode(b->buf[d] + b->len[d], h, key, line);
    return 0;
}

/* Phase 1 of one rank: the same line handling as one process (screen.c). */
static int m_line(void *ctx, uint32_t file, uint64_t off, const char *line, size_t len, bool huge)
{
    mctx *m = ctx;
    pn_scr_counts *c = &m->c;
    c->lines++;
    c->bytes += len + 1;
    if (huge) {
        c->huge++;
        c->skipped++;
        pn__scr_count_reason(c, "line longer than --max-line");
        pn__scr_report_line(c, file, off, "line longer than %zu bytes (--max-line)", m->o->max_line);
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
    pn_scr_rec h = {.len = (uint32_t)len, .file = file, .off = off, .ref_off = (uint32_t)r.ref_off,
                    .ref_len = (uint32_t)r.ref_len, .klen = (uint16_t)r.key_len,
                    .rewrite = r.ref_rewrite, .type = (uint8_t)r.type};
    int d = (int)(pn__scan_hash(r.key, r.key_len) % (uint64_t)m->b.k);
    return bucket_put(&m->b, d, &h, r.key, line);
}

/* Spills received records into the local partitions. */
static int absorb(pn_scr_writer *w, int nparts, const char *data, size_t n)
{
    size_t p = 0;
    while (p + sizeof(pn_scr_rec) <= n) {
        pn_scr_rec h;
        memcpy(&h, data + p, sizeof h);
        size_t sz = sizeof h + h.klen + h.len;
        if (p + sz > n)
            return -1;
        uint64_t hash = pn__scan_hash(data + p + sizeof h, h.klen);
        if (pn__scr_writer_raw(w, (int)((hash >> 32) % (uint64_t)nparts), data + p, sz))
            return -1;
        p += sz;
    }
    return 0;
}

/* A rank's part of the file list: [lo, hi) of the concatenated bytes. */
typedef struct range {
    uint32_t file;
    uint64_t start, end;
} range;

int pn__screen_run_mpi(const pn_kb *kb, const pn_screen_opts *o)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        fprintf(stderr, "paraneo: screen: --mpi: MPI_Init failed\n");
        return 1;
    }
    int rank, k;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &k);
    double t_start = MPI_Wtime();
    pn_scr_times tm = {0};
    char err[600] = "", asof_buf[16], tmpdir[4096] = "", rows_prefix[4200] = "", mine[4200] = "";
    const char *as_of = pn__scr_as_of(o, asof_buf);
    pn_scr_file *files = NULL;
    size_t n_files = 0, ignored = 0;
    pn_scr_parts *parts = NULL;
    pn_scr_writer *w = NULL;
    range *rg = NULL;
    size_t nrg = 0;
    int nrows = 0, bad = 0, status = 1;
    mctx *m = calloc(1, sizeof *m);
    char *recvbuf = NULL;
    int *scnt = calloc((size_t)k, sizeof *scnt), *rcnt = calloc((size_t)k, sizeof *rcnt),
        *sdis = calloc((size_t)k, sizeof *sdis), *rdis = calloc((size_t)k, sizeof *rdis);
    if (m) {
        m->o = o;
        m->b.k = k;
        m->b.buf = calloc((size_t)k, sizeof *m->b.buf);
        m->b.len = calloc((size_t)k, sizeof *m->b.len);
        m->b.cap = calloc((size_t)k, sizeof *m->b.cap);
    }
    if (!m || !m->b.buf || !m->b.len || !m->b.cap || !scnt || !rcnt || !sdis || !rdis) {
        snprintf(err, sizeof err, "out of memory");
        bad = 1;
    }
    if (!bad && pn__scr_inputs(o->inputs, o->n_inputs, &files, &n_files, &ignored, err, sizeof err))
        bad = 2;
    if (!bad) {
        snprintf(tmpdir, sizeof tmpdir, "%s/paraneo-screen-r%d.XXXXXX", o->tmpdir, rank);
        if (!mkdtemp(tmpdir)) {
            snprintf(err, sizeof err, "%s: cannot create a temporary directory: %s (--tmp DIR)", o->tmpdir,
                     strerror(errno));
            tmpdir[0] = '\0';
            bad = 2;
        } else {
            snprintf(rows_prefix, sizeof rows_prefix, "%s/rows.", tmpdir);
            if (pn__scr_parts_open(tmpdir, "part.", o->partitions, &parts, err, sizeof err) ||
                !(w = pn__scr_writer_new(parts, 1 << 15)))
                bad = 1;
        }
    }
    if (!bad) {
        /* this rank's byte range, cut into blocks */
        uint64_t total = 0;
        for (size_t i = 0; i < n_files; i++)
            total += files[i].size;
        uint64_t lo = total / (uint64_t)k * (uint64_t)rank + total % (uint64_t)k * (uint64_t)rank / (uint64_t)k;
        uint64_t hi = rank == k - 1 ? total
                                    : total / (uint64_t)k * (uint64_t)(rank + 1) +
                                          total % (uint64_t)k * (uint64_t)(rank + 1) / (uint64_t)k;
        uint64_t base = 0;
        size_t cap = 0;
        for (size_t i = 0; i < n_files && !bad; base += files[i].size, i++) {
            uint64_t s = lo > base ? lo - base : 0, e = hi - base < files[i].size ? hi - base : files[i].size;
            if (hi <= base || lo >= base + files[i].size)
                continue;
            for (uint64_t b = s; b < e; b += o->block) {
                if (nrg == cap) {
                    cap = cap ? cap * 2 : 64;
                    range *nr = realloc(rg, cap * sizeof *nr);
                    if (!nr) {
                        bad = 1;
                        break;
                    }
                    rg = nr;
                }
                rg[nrg++] = (range){(uint32_t)i, b, b + o->block < e ? b + o->block : e};
            }
        }
    }
    if (!bad && pn__scr_special(o->out)) {
        snprintf(err, sizeof err, "%s: with --mpi, --out must be a file on a file system every rank sees",
                 o->out);
        bad = 2;
    }
    /* the check of --out is rank 0's: it writes it */
    FILE *out = NULL;
    char out_tmp[4200] = "";
    if (!bad && rank == 0) {
        snprintf(out_tmp, sizeof out_tmp, "%s.tmp.%ld", o->out, (long)getpid());
        if (pn__scr_special(o->out)) /* /dev/stdout, a pipe: in place */
            out_tmp[0] = '\0';
        out = fopen(out_tmp[0] ? out_tmp : o->out, "wb");
        if (!out) {
            snprintf(err, sizeof err, "%s: cannot write the output: %s", o->out, strerror(errno));
            out_tmp[0] = '\0';
            bad = 2;
        }
    }

    /* phase 1: rounds of one block per rank, then an exchange */
    double t1 = MPI_Wtime();
    size_t next = 0;
    for (;;) {
        int flag[2] = {bad, next < nrg}, any[2];
        MPI_Allreduce(flag, any, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (any[0]) {
            if (!bad)
                bad = any[0];
            break;
        }
        if (!any[1])
            break;
        for (int d = 0; d < k; d++)
            m->b.len[d] = 0;
        if (next < nrg) {
            range *r = &rg[next++];
            if (pn__scr_scan_range(&files[r->file], r->file, r->start, r->end, o->max_line, m_line, m, err,
                                   sizeof err)) {
                if (!err[0])
                    snprintf(err, sizeof err, "out of memory");
                bad = 1;
                for (int d = 0; d < k; d++)
                    m->b.len[d] = 0;
            }
        }
        size_t rtotal = 0;
        for (int d = 0; d < k; d++)
            scnt[d] = (int)m->b.len[d];
        MPI_Alltoall(scnt, 1, MPI_INT, rcnt, 1, MPI_INT, MPI_COMM_WORLD);
        /* contiguous send buffer: the buckets one after another */
        size_t stotal = 0;
        for (int d = 0; d < k; d++) {
            sdis[d] = (int)stotal;
            stotal += (size_t)scnt[d];
            rdis[d] = (int)rtotal;
            rtotal += (size_t)rcnt[d];
        }
        char *sendbuf = malloc(stotal ? stotal : 1);
        char *nr = realloc(recvbuf, rtotal ? rtotal : 1);
        if (!sendbuf || !nr) {
            /* cannot stop alone: take part with empty buffers, then fail */
            snprintf(err, sizeof err, "out of memory in the exchange");
            bad = 1;
        }
        if (nr)
            recvbuf = nr;
        for (int d = 0; sendbuf && d < k; d++)
            memcpy(sendbuf + sdis[d], m->b.buf[d] ? m->b.buf[d] : "", (size_t)scnt[d]);
        MPI_Alltoallv(sendbuf, scnt, sdis, MPI_BYTE, recvbuf, rcnt, rdis, MPI_BYTE, MPI_COMM_WORLD);
        free(sendbuf);
        if (!bad && absorb(w, o->partitions, recvbuf, rtotal)) {
            snprintf(err, sizeof err, "%s", pn__scr_writer_error(w)[0] ? pn__scr_writer_error(w)
                                                                       : "bad record in the exchange");
            bad = 1;
        }
    }
    free(recvbuf);
    if (!bad && pn__scr_writer_flush(w)) {
        snprintf(err, sizeof err, "%s", pn__scr_writer_error(w));
        bad = 1;
    }
    pn__scr_writer_free(w);
    tm.scan = MPI_Wtime() - t1;
    uint64_t spill = parts ? pn__scr_parts_bytes(parts) : 0;

    /* phase 2 on this rank, rows into <out>.rank<r>.tmp */
    double t2 = MPI_Wtime();
    pn_scr_counts *c2 = calloc(1, sizeof *c2);
    if (!c2)
        bad = 1;
    if (!bad && pn__scr_phase2(kb, o, as_of, parts, rows_prefix, &nrows, c2, err, sizeof err))
        bad = 1;
    pn__scr_parts_close(parts, true);
    parts = NULL;
    snprintf(mine, sizeof mine, "%s.rank%d.tmp", o->out, rank);
    if (!bad) {
        FILE *f = fopen(mine, "wb");
        char **paths = calloc((size_t)nrows + 1, sizeof *paths);
        for (int i = 0; paths && i < nrows; i++)
            if ((paths[i] = malloc(strlen(rows_prefix) + 16)))
                sprintf(paths[i], "%s%d", rows_prefix, i);
        if (!f || !paths || pn__scr_merge_rows(paths, (size_t)nrows, f, err, sizeof err) || fflush(f) != 0) {
            if (!err[0])
                snprintf(err, sizeof err, "%.400s: cannot write: %s", mine, strerror(errno));
            bad = 2;
        }
        if (f && fclose(f) != 0)
            bad = 2;
        for (int i = 0; paths && i < nrows; i++) {
            unlink(paths[i]);
            free(paths[i]);
        }
        free(paths);
    }
    tm.evaluate = MPI_Wtime() - t2;
    if (tmpdir[0]) {
        for (int i = 0; i < nrows; i++) {
            char p[4300];
            snprintf(p, sizeof p, "%s%d", rows_prefix, i);
            unlink(p);
        }
        rmdir(tmpdir);
    }

    /* the counts to rank 0, then its merge */
    if (c2 && m)
        pn__scr_counts_add(c2, &m->c);
    pn_scr_counts *all = rank == 0 ? calloc((size_t)k, sizeof *all) : NULL;
    pn_scr_counts zero;
    memset(&zero, 0, sizeof zero);
    MPI_Gather(c2 ? (void *)c2 : (void *)&zero, (int)sizeof *c2, MPI_BYTE, all, (int)sizeof *c2, MPI_BYTE, 0,
               MPI_COMM_WORLD);
    double peak = pn__scr_peak_rss_mb(), peak_max = 0;
    MPI_Reduce(&peak, &peak_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    double scan_max = 0;
    MPI_Reduce(&tm.scan, &scan_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    unsigned long long spill_sum = 0, spill_mine = spill;
    MPI_Reduce(&spill_mine, &spill_sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    int anybad = 0;
    MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0 && !anybad && all) {
        pn_scr_counts *c = calloc(1, sizeof *c);
        char **paths = calloc((size_t)k, sizeof *paths);
        for (int r = 0; paths && r < k; r++)
            if ((paths[r] = malloc(strlen(o->out) + 32)))
                sprintf(paths[r], "%s.rank%d.tmp", o->out, r);
        double t3 = MPI_Wtime();
        if (!c || !paths || pn__scr_merge_rows(paths, (size_t)k, out, err, sizeof err) || fflush(out) != 0 ||
            (out_tmp[0] && fsync(fileno(out)) != 0)) {
            if (!err[0])
                snprintf(err, sizeof err, "%s: cannot write the output: %s", o->out, strerror(errno));
            anybad = 2;
        }
        int fr = fclose(out);
        out = NULL;
        if (!anybad && (fr != 0 || (out_tmp[0] && rename(out_tmp, o->out) != 0))) {
            snprintf(err, sizeof err, "%s: cannot write the output: %s", o->out, strerror(errno));
            anybad = 2;
        }
        if (!anybad)
            out_tmp[0] = '\0';
        tm.merge = MPI_Wtime() - t3;
        tm.total = MPI_Wtime() - t_start;
        tm.scan = scan_max;
        for (int r = 0; c && r < k; r++)
            pn__scr_counts_add(c, &all[r]);
        if (!anybad && c) {
            pn__scr_resolve_lines(files, c->reports, c->n_reports);
            char *sum = pn__scr_summary_json(o, files, n_files, c, &tm, "mpi", k, spill_sum, peak_max);
            if (sum) {
                fprintf(stderr, "%s\n", sum);
                if (o->summary) {
                    FILE *sf = fopen(o->summary, "wb");
                    if (!sf || fputs(sum, sf) < 0 || fputc('\n', sf) == EOF) {
                        snprintf(err, sizeof err, "%s: cannot write: %s", o->summary, strerror(errno));
                        anybad = 2;
                    }
                    if (sf && fclose(sf) != 0)
                        anybad = 2;
                }
                free(sum);
            }
        }
        for (int r = 0; paths && r < k; r++)
            free(paths[r]);
        free(paths);
        free(c);
    }
    free(all);
    MPI_Barrier(MPI_COMM_WORLD);
    if (!pn__scr_special(o->out))
        unlink(mine);
    if (out)
        fclose(out);
    if (out_tmp[0])
        unlink(out_tmp);
    MPI_Bcast(&anybad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    status = anybad ? (anybad == 2 ? 2 : 1) : 0;
    if (err[0])
        fprintf(stderr, "paraneo: screen: rank %d: %s\n", rank, err);
    for (int d = 0; m && m->b.buf && d < k; d++)
        free(m->b.buf[d]);
    if (m) {
        free(m->b.buf);
        free(m->b.len);
        free(m->b.cap);
    }
    free(m);
    free(c2);
    free(rg);
    free(scnt);
    free(rcnt);
    free(sdis);
    free(rdis);
    pn__scr_parts_close(parts, true);
    pn__scr_inputs_free(files, n_files);
    MPI_Finalize();
    return status;
}

#endif
