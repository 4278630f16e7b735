/* fuzz_case.c - libFuzzer harness for the case parser and the engine.
 * Every input must either parse, evaluate and render, or be refused with an error;
 * the sanitizers catch everything else. */
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
        fprintf(stderr, "fuzz_case: cannot load the KB: %s\n", pn_error_format(&err, buf, sizeof buf));
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pn_case *c = NULL;
    pn_error err = {0};
    pn_status st = pn_case_parse(kb, (const char *)data, size, &c, &err);
    if (st == PN_OK) {
        char *js = pn_case_json(c, PN_JSON_COMPACT);
        if (!js)
            abort();
        pn_free(js);
        /* every case that parses must evaluate and render */
        pn_report *r = NULL;
        if (pn_evaluate(kb, c, &r, &err) != PN_OK)
            abort();
        char *out = pn_report_json(r, PN_JSON_COMPACT);
        char *txt = pn_report_text(r, PN_FORMAT_MARKDOWN, 0);
        char *fh = pn_report_fhir(r, NULL);
        if (!out || !txt || !fh)
            abort();
        pn_free(out);
        pn_free(txt);
        pn_free(fh);
        pn_report_free(r);
        for (size_t i = 0; i < pn_case_warning_count(c); i++)
            if (!pn_case_warning(c, i))
                abort();
        pn_case_free(c);
    } else if (c || !err.message[0]) {
        abort(); /* a refusal must say why and leave nothing behind */
    }
    return 0;
}
