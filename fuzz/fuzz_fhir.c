/* fuzz_fhir.c - libFuzzer harness for the FHIR R4 reader: every input is
 * read into a case (then evaluated) or refused with a located error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "paraneo.h"

static pn_kb *kb;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pn_error err = {0};
    if (pn_kb_load(NULL, &kb, &err) != PN_OK) {
        char buf[1200];
        fprintf(stderr, "fuzz_fhir: cannot load the KB: %s\n", pn_error_format(&err, buf, sizeof buf));
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pn_case *c = NULL;
    pn_error err = {0};
    (void)pn_input_is_fhir((const char *)data, size);
    pn_status st = pn_case_parse_fhir(kb, (const char *)data, size, &c, &err);
    if (st == PN_OK) {
        pn_report *r = NULL;
        if (pn_evaluate(kb, c, &r, &err) != PN_OK)
            abort();
        char *fh = pn_report_fhir(r, NULL);
        if (!fh)
            abort();
        pn_free(fh);
        pn_report_free(r);
        pn_case_free(c);
    } else if (c || !err.message[0]) {
        abort();
    }
    return 0;
}
