/* cmd_screen.c - paraneo screen: the bulk FHIR screener (src/screen/). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "screen/screen.h"

static const char usage[] =
    "usage: paraneo screen DIR|FILE... --out FLAGS.ndjson [options]\n"
    "\n"
    "Screens a FHIR Bulk Data export (NDJSON: Patient, Observation, Condition,\n"
    "MedicationStatement, MedicationRequest, Procedure, DiagnosticReport) for\n"
    "patients whose paraneoplastic syndrome may have been missed.  Resources are\n"
    "joined by patient through hash partitions on disk (bounded memory), each\n"
    "patient is evaluated, and one NDJSON row per flagged patient is written,\n"
    "sorted by patient id.  A summary goes to stderr (and --summary).\n"
    "\n"
    "Options:\n"
    "  --out FILE          flagged patients (written to a temporary name, renamed at the end)\n"
    "  --summary FILE      the summary JSON also to FILE\n"
    "  --threshold X       flag when the top paraneoplastic syndrome scores >= X (default 0.5),\n"
    "                      or when PNS-Care says possible, probable or definite\n"
    "  --threads N         worker threads (default: the number of cores)\n"
    "  --tmp DIR           where the partitions are spilled (default $TMPDIR, else /tmp)\n"
    "  --mem SIZE          largest partition data loaded at once, all threads (default 512M)\n"
    "  --partitions P      hash partitions (default 64)\n"
    "  --max-line SIZE     longer lines are reported and skipped (default 16M)\n"
    "  --as-of DATE        the date the export was taken (default: manifest.json's\n"
    "                      transactionTime next to a directory input, else today)\n"
    "  --mpi               run as one rank of mpirun/srun (see docs/screen.md)\n"
    "  --progress | --no-progress\n"
    "                      progress bar with ETA (default: when stderr is a terminal)\n"
    "  --scan-only         scan and validate only (benchmark of the scan stage)\n"
    "\n"
    "SIZE takes K, M or G.  Exit status: 0 done, 2 bad input or unwritable output,\n"
    "1 internal failure.  Bad lines are counted and reported (file:line) in the\n"
    "summary, never fatal.\n";

static int size_arg(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    switch (*end) {
    case 'k': case 'K': v *= 1024; end++; break;
    case 'm': case 'M': v *= 1024 * 1024; end++; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v < 1 || v > 1e15)
        return -1;
    *out = (size_t)v;
    return 0;
}

int pn_cmd_screen(pn_cli *cli, int argc, char **argv)
{
    if (pn_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return PN_EXIT_OK;
    }
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    const char *tmp = getenv("TMPDIR");
    pn_screen_opts o = {.threshold = 0.5,
                        .threads = nproc > 0 ? (int)nproc : 1,
                        .partitions = 64,
                        .max_line = 16u << 20,
                        .mem_limit = 512u << 20,
                        .block = 32u << 20,
                        .tmpdir = tmp && *tmp ? tmp : "/tmp",
                        .progress = isatty(2)};
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},        {"summary", required_argument, NULL, 's'},
        {"threshold", required_argument, NULL, 't'},  {"threads", required_argument, NULL, 'j'},
        {"tmp", required_argument, NULL, 'T'},        {"mem", required_argument, NULL, 'm'},
        {"partitions", required_argument, NULL, 'P'}, {"max-line", required_argument, NULL, 'L'},
        {"as-of", required_argument, NULL, 'a'},      {"mpi", no_argument, NULL, 'M'},
        {"progress", no_argument, NULL, 'p'},         {"no-progress", no_argument, NULL, 'q'},
        {"scan-only", no_argument, NULL, 'S'},        {"block", required_argument, NULL, 'B'},
        {NULL, 0, NULL, 0}};
    optind = 0; /* glibc: start again, with argument permutation */
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "o:j:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 's': o.summary = optarg; break;
        case 't':
            o.threshold = strtod(optarg, &end);
            if (*end || end == optarg || !(o.threshold >= 0 && o.threshold <= 1)) {
                fprintf(stderr, "paraneo: screen: --threshold: \"%s\" is not a number from 0 to 1\n", optarg);
                return PN_EXIT_BADINPUT;
            }
            break;
        case 'j':
            o.threads = (int)strtol(optarg, &end, 10);
            if (*end || o.threads < 1 || o.threads > 1024) {
                fprintf(stderr, "paraneo: screen: --threads: \"%s\" is not a number from 1 to 1024\n", optarg);
                return PN_EXIT_BADINPUT;
            }
            break;
        case 'T': o.tmpdir = optarg; break;
        case 'P':
            o.partitions = (int)strtol(optarg, &end, 10);
            if (*end || o.partitions < 1 || o.partitions > 4096) {
                fprintf(stderr, "paraneo: screen: --partitions: \"%s\" is not a number from 1 to 4096\n",
                        optarg);
                return PN_EXIT_BADINPUT;
            }
            break;
        case 'm':
        case 'L':
        case 'B': {
            size_t v;
            if (size_arg(optarg, &v)) {
                fprintf(stderr, "paraneo: screen: --%s: \"%s\" is not a size (e.g. 512M)\n",
                        c == 'm' ? "mem" : c == 'L' ? "max-line" : "block", optarg);
                return PN_EXIT_BADINPUT;
            }
            if (c == 'm')
                o.mem_limit = v;
            else if (c == 'L')
                o.max_line = v < (1u << 30) ? v : (1u << 30);
            else
                o.block = v < 4096 ? 4096 : v;
            break;
        }
        case 'a':
            if (strlen(optarg) != 10 || optarg[4] != '-' || optarg[7] != '-') {
                fprintf(stderr, "paraneo: screen: --as-of: \"%s\" is not a date (YYYY-MM-DD)\n", optarg);
                return PN_EXIT_BADINPUT;
            }
            o.as_of = optarg;
            break;
        case 'M': o.mpi = true; break;
        case 'p': o.progress = true; break;
        case 'q': o.progress = false; break;
        case 'S': o.scan_only = true; break;
        default: fputs(usage, stderr); return PN_EXIT_BADINPUT;
        }
    }
    o.inputs = argv + optind;
    o.n_inputs = (size_t)(argc - optind);
    if (o.n_inputs == 0) {
        fprintf(stderr, "paraneo: screen: no input: give an export directory or NDJSON files\n\n%s", usage);
        return PN_EXIT_BADINPUT;
    }
    if (!o.out && !o.scan_only) {
        fprintf(stderr, "paraneo: screen: --out FILE is required\n");
        return PN_EXIT_BADINPUT;
    }
    pn_kb *kb = NULL;
    if (!o.scan_only) {
        int rc = pn_cli_load_kb(cli, &kb);
        if (rc)
            return rc;
    }
    int rc;
    if (o.mpi)
        rc = pn__screen_run_mpi(kb, &o);
    else
        rc = pn__screen_run(kb, &o);
    pn_kb_free(kb);
    return rc;
}
