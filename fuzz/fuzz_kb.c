/* fuzz_kb.c - libFuzzer harness for the knowledge-base loader: the input
 * is one KB file, loaded with the test fixture's contract list.  Every input
 * must load or be refused with file, path and message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char contract[] = "id\tname\tsystem\tkind\n"
                               "siadh\tSIADH\tendocrine\tparaneoplastic\n"
                               "drug-induced-hyponatremia\tDrug-induced hyponatremia\tendocrine\tmimic\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pn_kb_source_file f = {"kb.json", (const char *)data, size};
    pn_kb *kb = NULL;
    pn_error err = {0};
    pn_status st = pn__kb_load_files(&f, 1, contract, sizeof contract - 1, &kb, &err);
    if (st == PN_OK) {
        char *s = pn_kb_stats_json(kb);
        pn_free(s);
        for (size_t i = 0; i < pn_kb_syndrome_count(kb); i++) {
            pn_status st2;
            char *j = pn_kb_syndrome_json(kb, pn_kb_syndrome_id(kb, i), &st2);
            pn_free(j);
        }
        pn_kb_free(kb);
    } else if (kb || !err.message[0]) {
        abort();
    }
    return 0;
}
