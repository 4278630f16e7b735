/* cmd_synth.c - paraneo synth: a synthetic FHIR R4 Bulk Data export with
 * planted paraneoplastic patterns and mimics, for the bulk screener. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "screen/synth.h"
#include "util/date.h"

#define SYNTH_MAX_PATIENTS 100000000ULL
#define SYNTH_DEFAULT_AS_OF "2026-01-01"

static const char synth_usage[] =
    "usage: paraneo synth --patients N --out DIR [--seed S] [--pns-rate R] [--mimic-rate R]\n"
    "                     [--grouped] [--as-of YYYY-MM-DD] [--quiet]\n"
    "\n"
    "Write a synthetic FHIR R4 Bulk Data export of N patients into DIR: Patient.ndjson,\n"
    "Observation.ndjson, Condition.ndjson, MedicationStatement.ndjson, MedicationRequest.ndjson,\n"
    "Procedure.ndjson (one resource per line, patients interleaved as a server's export is),\n"
    "manifest.json (the Bulk Data manifest) and truth.ndjson (one line per planted patient:\n"
    "patient, kind pns|mimic, syndrome, tumour, pattern, cancer_recorded).\n"
    "\n"
    "The background population has ordinary demographics, smoking, labs, conditions, drugs and\n"
    "cancer histories; a share of patients carries a planted paraneoplastic pattern or a mimic\n"
    "written in the codes paraneo's FHIR reader maps (docs/screen.md, \"Synthetic exports\").\n"
    "\n"
    "--patients N      number of patients, 1 to 100000000 (required)\n"
    "--out DIR         output directory, created if missing; files are written as\n"
    "                  DIR/.tmp-* and renamed when complete (required)\n"
    "--seed S          random seed, 0 to 2^64-1 (default 1); the same seed and options give\n"
    "                  byte-identical files\n"
    "--pns-rate R      share of patients with a planted paraneoplastic pattern (default 0.002)\n"
    "--mimic-rate R    share with a planted mimic (default 0.002)\n"
    "--grouped         write each patient's resources together (the screener's fast path)\n"
    "--as-of DATE      the export's date; every record is on or before it (default " SYNTH_DEFAULT_AS_OF ")\n"
    "--quiet           no summary on standard error\n"
    "\n"
    "Exit status: 0 written, 2 bad arguments (or --out not a usable directory), 1 write\n"
    "failure (nothing is left half-written).\n";

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "paraneo: synth: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(paraneo synth --help for usage)\n");
    return PN_EXIT_BADINPUT;
}

/* A decimal unsigned integer: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, unsigned long long *out)
{
    if (!s || !*s)
        return false;
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9')
            return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_rate(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < 0 || v > 1)
        return false;
    *out = v;
    return true;
}

int pn_cmd_synth(pn_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (pn_cli_wants_help(argc, argv)) {
        fputs(synth_usage, stdout);
        return PN_EXIT_OK;
    }
    pn_synth_opts o = {.seed = 1, .pns_rate = 0.002, .mimic_rate = 0.002};
    const char *patients = NULL, *seed = NULL, *pns = NULL, *mimic = NULL, *as_of = SYNTH_DEFAULT_AS_OF;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--patients"))
            slot = &patients;
        else if (!strcmp(a, "--seed"))
            slot = &seed;
        else if (!strcmp(a, "--out"))
            slot = &o.out;
        else if (!strcmp(a, "--pns-rate"))
            slot = &pns;
        else if (!strcmp(a, "--mimic-rate"))
            slot = &mimic;
        else if (!strcmp(a, "--as-of"))
            slot = &as_of;
        else if (!strcmp(a, "--grouped")) {
            o.grouped = true;
            continue;
        } else if (!strcmp(a, "--quiet")) {
            quiet = true;
            continue;
        } else
            return bad("unknown argument \"%s\"", a);
        if (i + 1 >= argc)
            return bad("%s needs a value", a);
        *slot = argv[++i];
    }
    unsigned long long n = 0, s = 1;
    if (!patients)
        return bad("%s", "--patients N is required");
    if (!parse_u64(patients, &n) || n == 0 || n > SYNTH_MAX_PATIENTS)
        return bad("--patients: \"%s\" is not a whole number from 1 to 100000000", patients);
    if (!o.out || !*o.out)
        return bad("%s", "--out DIR is required");
    if (seed && !parse_u64(seed, &s))
        return bad("--seed: \"%s\" is not a whole number from 0 to 18446744073709551615", seed);
    if (pns && !parse_rate(pns, &o.pns_rate))
        return bad("--pns-rate: \"%s\" is not a number from 0 to 1", pns);
    if (mimic && !parse_rate(mimic, &o.mimic_rate))
        return bad("--mimic-rate: \"%s\" is not a number from 0 to 1", mimic);
    if (o.pns_rate + o.mimic_rate > 1)
        return bad("%s", "--pns-rate and --mimic-rate add up to more than 1");
    if (!pn__date_parse(as_of, &o.as_of) || o.as_of < 10957 || o.as_of > 47481)
        return bad("--as-of: \"%s\" is not a date (YYYY-MM-DD) from 2000-01-01 to 2099-12-31", as_of);
    o.patients = n;
    o.seed = s;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pn_synth_stats st;
    char err[600];
    int rc = pn__synth_run(&o, &st, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "paraneo: synth: %s (no export written)\n", err);
        return rc == -2 ? PN_EXIT_BADINPUT : PN_EXIT_INTERNAL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!quiet) {
        uint64_t res = 0;
        for (int i = 0; i < 6; i++)
            res += st.resources[i];
        fprintf(stderr,
                "paraneo: synth: %llu patients (%llu paraneoplastic, %llu mimics planted), %llu resources "
                "(%llu Observations), %.1f MB in %.2f s: %.0f MB/s, %.0f bytes/patient -> %s\n",
                n, (unsigned long long)st.planted_pns, (unsigned long long)st.planted_mimic,
                (unsigned long long)res, (unsigned long long)st.resources[1], (double)st.bytes / 1e6, secs,
                secs > 0 ? (double)st.bytes / 1e6 / secs : 0.0, (double)st.bytes / (double)n, o.out);
    }
    return PN_EXIT_OK;
}
