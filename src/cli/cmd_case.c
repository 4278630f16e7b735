/* cmd_case.c - paraneo case check FILE|-. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char case_usage[] =
    "usage: paraneo [--kb DIR] case check FILE|- [--input auto|case|fhir]\n"
    "\n"
    "Validate a case/1 document (see the contract) and print it normalised: HPO terms,\n"
    "antibody synonyms, labs and tumours resolved against the knowledge base, units\n"
    "converted to canonical units, defaults applied. Warnings (unknown terms, antibodies,\n"
    "units or fields) go to standard error and into the output's \"warnings\".\n"
    "FHIR R4 input (a Bundle, one resource or NDJSON) is mapped to a case first.\n"
    "Bad input prints \"paraneo: <case>: JSON-PATH: what is wrong\" and exits 2.\n";

int pn_cmd_case(pn_cli *cli, int argc, char **argv)
{
    if (pn_cli_wants_help(argc, argv)) {
        fputs(case_usage, stdout);
        return PN_EXIT_OK;
    }
    const char *input = "auto";
    if (argc == 5 && strcmp(argv[3], "--input") == 0) {
        input = argv[4];
        argc = 3;
    }
    if (argc != 3 || strcmp(argv[1], "check") != 0) {
        fputs(case_usage, stderr);
        return PN_EXIT_BADINPUT;
    }
    const char *path = argv[2];
    pn_error err = {0};
    size_t len = 0;
    char *data = pn_cli_read(path, PN_FHIR_MAX_BYTES, &len, &err);
    if (!data)
        return pn_cli_fail(&err);
    pn_kb *kb = NULL;
    int rc = pn_cli_load_kb(cli, &kb);
    if (rc != PN_EXIT_OK) {
        free(data);
        return rc;
    }
    pn_case *c = NULL;
    bool fhir = !strcmp(input, "fhir") || (!strcmp(input, "auto") && pn_input_is_fhir(data, len));
    pn_status st = fhir ? pn_case_parse_fhir(kb, data, len, &c, &err) : pn_case_parse(kb, data, len, &c, &err);
    free(data);
    if (st != PN_OK) {
        /* name the file rather than "<case>" */
        snprintf(err.file, sizeof err.file, "%s", strcmp(path, "-") == 0 ? "<stdin>" : path);
        rc = pn_cli_fail(&err);
        pn_kb_free(kb);
        return rc;
    }
    for (size_t i = 0; i < pn_case_warning_count(c); i++)
        fprintf(stderr, "paraneo: warning: %s\n", pn_case_warning(c, i));
    char *out = pn_case_json(c, PN_JSON_PRETTY);
    if (out) {
        printf("%s\n", out);
        pn_free(out);
    } else {
        rc = PN_EXIT_INTERNAL;
    }
    pn_case_free(c);
    pn_kb_free(kb);
    return rc;
}
