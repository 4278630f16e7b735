/* cmd_evaluate.c - paraneo evaluate FILE... [--format json|text|markdown]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char eval_usage[] =
    "usage: paraneo [--kb DIR] evaluate FILE|- [FILE...] [--format json|text|markdown|fhir]\n"
    "                                  [--input auto|case|fhir]\n"
    "\n"
    "Evaluate case/1 documents and write one report each: the differential of syndromes and\n"
    "mimics with the evidence for each, the PNS-Care score, criteria, where to look for a\n"
    "cancer, workup and re-screening dates, treatment steps and triage, every statement with\n"
    "its source.\n"
    "\n"
    "--format json      report/1 JSON (the default when standard output is not a terminal);\n"
    "                   several files give one report per line (NDJSON), in order\n"
    "--format text      for a terminal (the default on one): sections, bars, checklists\n"
    "--format markdown  the same as Markdown\n"
    "--format fhir      a FHIR R4 Bundle: RiskAssessment, PNS-Care Observation, draft\n"
    "                   ServiceRequests for the workup\n"
    "--input fhir       read FHIR R4: a Bundle, one resource, or NDJSON of one patient's\n"
    "                   resources (auto, the default, tells by \"resourceType\")\n"
    "\n"
    "Bad input: \"paraneo: FILE: JSON-PATH: what is wrong\" on standard error, no report for\n"
    "that file, and exit status 2 at the end. Warnings go into the report.\n";

int pn_cmd_evaluate(pn_cli *cli, int argc, char **argv)
{
    if (pn_cli_wants_help(argc, argv)) {
        fputs(eval_usage, stdout);
        return PN_EXIT_OK;
    }
    const char *format = NULL, *input = "auto";
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t n = 0;
    if (!files)
        return PN_EXIT_INTERNAL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            format = argv[++i];
        else if (strncmp(argv[i], "--format=", 9) == 0)
            format = argv[i] + 9;
        else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
            input = argv[++i];
        else if (strncmp(argv[i], "--input=", 8) == 0)
            input = argv[i] + 8;
        else if (argv[i][0] == '-' && argv[i][1])
            return free(files), fprintf(stderr, "paraneo: evaluate: unknown option \"%s\"\n\n%s", argv[i],
                                        eval_usage),
                   PN_EXIT_BADINPUT;
        else
            files[n++] = argv[i];
    }
    bool tty = isatty(STDOUT_FILENO);
    if (!format)
        format = tty && n == 1 ? "text" : "json";
    if (strcmp(format, "json") && strcmp(format, "text") && strcmp(format, "markdown") &&
        strcmp(format, "fhir")) {
        free(files);
        fprintf(stderr, "paraneo: evaluate: --format must be json, text, markdown or fhir\n");
        return PN_EXIT_BADINPUT;
    }
    if (strcmp(input, "auto") && strcmp(input, "fhir") && strcmp(input, "case")) {
        free(files);
        fprintf(stderr, "paraneo: evaluate: --input must be auto, case or fhir\n");
        return PN_EXIT_BADINPUT;
    }
    if (!n) {
        free(files);
        fputs(eval_usage, stderr);
        return PN_EXIT_BADINPUT;
    }
    pn_kb *kb = NULL;
    int rc = pn_cli_load_kb(cli, &kb);
    if (rc != PN_EXIT_OK) {
        free(files);
        return rc;
    }
    int worst = PN_EXIT_OK;
    for (size_t f = 0; f < n; f++) {
        pn_error err = {0};
        size_t len = 0;
        char *data = pn_cli_read(files[f], PN_FHIR_MAX_BYTES, &len, &err);
        pn_case *c = NULL;
        pn_report *r = NULL;
        bool fhir = data && (!strcmp(input, "fhir") || (!strcmp(input, "auto") && pn_input_is_fhir(data, len)));
        pn_status st = !data  ? err.status
                       : fhir ? pn_case_parse_fhir(kb, data, len, &c, &err)
                              : pn_case_parse(kb, data, len, &c, &err);
        free(data);
        if (st == PN_OK)
            st = pn_evaluate(kb, c, &r, &err);
        if (st != PN_OK) {
            snprintf(err.file, sizeof err.file, "%s", strcmp(files[f], "-") == 0 ? "<stdin>" : files[f]);
            int e = pn_cli_fail(&err);
            if (e == PN_EXIT_INTERNAL || worst == PN_EXIT_OK)
                worst = e;
            pn_case_free(c);
            continue;
        }
        char *out = strcmp(format, "json") == 0
                        ? pn_report_json(r, n == 1 && tty ? PN_JSON_PRETTY : PN_JSON_COMPACT)
                    : strcmp(format, "fhir") == 0 ? pn_report_fhir(r, NULL)
                    : strcmp(format, "text") == 0 ? pn_report_text(r, PN_FORMAT_TEXT, tty)
                                                  : pn_report_text(r, PN_FORMAT_MARKDOWN, 0);
        if (!out) {
            worst = PN_EXIT_INTERNAL;
        } else {
            fputs(out, stdout);
            fputc('\n', stdout);
            pn_free(out);
        }
        pn_report_free(r);
        pn_case_free(c);
    }
    free(files);
    pn_kb_free(kb);
    if (fflush(stdout) != 0)
        return PN_EXIT_INTERNAL;
    return worst;
}
