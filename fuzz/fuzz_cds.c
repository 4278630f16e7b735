/* fuzz_cds.c - libFuzzer harness for the CDS Hooks request path: any input
 * is read as a patient-view request (or order-select, when it says so); a
 * usable one has its prefetch evaluated and turned into cards, which must be
 * a JSON array of cards with a summary of at most 140 bytes.  Refusals must
 * name a field. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paraneo.h"
#include "server/server_int.h"

static pn_kb *kb;
static pn_server server;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pn_error err = {0};
    if (pn_kb_load(NULL, &kb, &err) != PN_OK) {
        char buf[1200];
        fprintf(stderr, "fuzz_cds: cannot load the KB: %s\n", pn_error_format(&err, buf, sizeof buf));
        abort();
    }
    server.kb = kb;
    snprintf(server.base_url, sizeof server.base_url, "http://127.0.0.1:8080/");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *req = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!req)
        return 0;
    pn_cds_call call;
    const char *path, *msg;
    /* the service the request names (order-select or, by default, patient-view) */
    const char *hook = json_string_value(json_object_get(req, "hook"));
    const char *want = hook && strcmp(hook, "order-select") == 0 ? "order-select" : "patient-view";
    if (pn__cds_read(req, want, &call, &path, &msg) != 0) {
        if (!path || path[0] != '$' || !msg || !msg[0])
            abort();
    } else if (!call.need_fetch) {
        char *bundle = json_dumps(call.bundle, JSON_COMPACT);
        pn_case *c = NULL;
        pn_error err = {0};
        if (bundle && pn_case_parse_fhir(kb, bundle, strlen(bundle), &c, &err) == PN_OK) {
            pn_report *r = NULL;
            if (pn_evaluate(kb, c, &r, &err) != PN_OK)
                abort();
            json_t *cards = pn__cds_cards(&server, r, call.patient_id,
                                          "00000000-0000-4000-8000-000000000000", call.draft_orders);
            size_t i;
            json_t *card;
            if (!json_is_array(cards))
                abort();
            json_array_foreach(cards, i, card) {
                const char *summary = json_string_value(json_object_get(card, "summary"));
                if (!summary || strlen(summary) > 140)
                    abort();
            }
            json_decref(cards);
            pn_report_free(r);
            pn_case_free(c);
        }
        free(bundle);
    }
    json_decref(call.bundle);
    json_decref(req);
    return 0;
}
