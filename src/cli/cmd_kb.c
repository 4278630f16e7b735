/* cmd_kb.c - paraneo kb check | list | show | stats. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char kb_usage[] =
    "usage: paraneo [--kb DIR] kb check\n"
    "       paraneo [--kb DIR] kb list [--system SYSTEM] [--kind paraneoplastic|mimic]\n"
    "       paraneo [--kb DIR] kb show ID [--json]\n"
    "       paraneo [--kb DIR] kb stats [--json]\n"
    "\n"
    "check  load and validate every file of the knowledge base; on the first problem print\n"
    "       FILE: JSON-PATH: what to fix, and exit 2.\n"
    "list   one line per syndrome or mimic: id, body system, kind, name.\n"
    "show   one syndrome: codes, prior, course, PNS-Care class, evidence with strengths,\n"
    "       criteria, workup, treatment, patient text, and the full citation of each source.\n"
    "stats  entries per section, facts verified vs provisional, PNS-Care parts still\n"
    "       provisional, and coverage per syndrome (3 findings; mimics 2 features).\n";

static const char *s(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void print_src(json_t *o)
{
    json_t *src = json_object_get(o, "src");
    printf(" [%s; ", s(o, "grade"));
    if (json_is_string(src)) {
        printf("%s", json_string_value(src));
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(src, i, e) printf("%s%s", i ? ", " : "", json_string_value(e));
    }
    printf("]\n");
}

static void print_strength(json_t *e)
{
    json_t *v;
    if ((v = json_object_get(e, "sens")))
        printf(" sens %.2f", json_number_value(v));
    if ((v = json_object_get(e, "spec")))
        printf(" spec %.2f", json_number_value(v));
    if ((v = json_object_get(e, "lr_pos")))
        printf(" LR+ %.3g", json_number_value(v));
    if ((v = json_object_get(e, "lr_neg")))
        printf(" LR- %.3g", json_number_value(v));
    if ((v = json_object_get(e, "freq"))) {
        if (json_is_string(v))
            printf(" frequency band: %s", json_string_value(v));
        else
            printf(" frequency %.2f (only a frequency is known)", json_number_value(v));
    }
    if ((v = json_object_get(e, "window_days")))
        printf(" within %g-%g days of starting", json_number_value(json_array_get(v, 0)),
               json_number_value(json_array_get(v, 1)));
    if ((v = json_object_get(e, "within_days")))
        printf(" ended within %g days", json_number_value(v));
}

static void show_text(json_t *d)
{
    printf("%s  (%s)\n", s(d, "name"), s(d, "id"));
    printf("  system: %s   kind: %s\n", s(d, "system"), s(d, "kind"));
    json_t *codes = json_object_get(d, "codes");
    const char *sys[] = {"icd10cm", "snomed"};
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(codes, sys[k]), i, e) {
            printf("  %s %s", k ? "SNOMED CT" : "ICD-10-CM", s(e, "code"));
            print_src(e);
        }
    }
    json_t *p = json_object_get(d, "prior");
    printf("  prior: %.3g with known cancer, %.3g without", json_number_value(json_object_get(p, "cancer")),
           json_number_value(json_object_get(p, "no_cancer")));
    print_src(p);
    json_t *c = json_object_get(d, "course");
    if (c) {
        printf("  course: acute %.2f, subacute %.2f, chronic %.2f",
               json_number_value(json_object_get(c, "acute")),
               json_number_value(json_object_get(c, "subacute")),
               json_number_value(json_object_get(c, "chronic")));
        print_src(c);
    }
    json_t *pc = json_object_get(d, "pns_care");
    printf("  PNS-Care 2021 phenotype class: %s", s(pc, "class"));
    print_src(pc);
    json_t *def = json_object_get(d, "definition");
    if (def) {
        printf("  definition: %s", s(def, "text"));
        print_src(def);
    }
    size_t i;
    json_t *e;
    if (json_array_size(json_object_get(d, "tumours")))
        printf("\n  Associated tumours\n");
    json_array_foreach(json_object_get(d, "tumours"), i, e) {
        printf("    %s", s(e, "tumour"));
        if (json_object_get(e, "share"))
            printf(" (%.0f%%)", 100 * json_number_value(json_object_get(e, "share")));
        print_src(e);
    }
    printf("\n  Evidence\n");
    const char *subjects[] = {"finding", "antibody", "drug", "treatment", "tumour",
                              "criteria", "sex", "smoking", NULL};
    json_array_foreach(json_object_get(d, "evidence"), i, e) {
        const char *subj = "age";
        for (const char **k = subjects; *k; k++)
            if (json_object_get(e, *k))
                subj = *k;
        if (strcmp(subj, "age") == 0)
            printf("    age %g-%g:", json_number_value(json_array_get(json_object_get(e, "age"), 0)),
                   json_number_value(json_array_get(json_object_get(e, "age"), 1)));
        else
            printf("    %s %s:", subj, s(e, subj));
        print_strength(e);
        print_src(e);
    }
    json_array_foreach(json_object_get(d, "criteria"), i, e) {
        printf("\n  Criteria: %s (%s)", s(e, "name"), s(e, "id"));
        print_src(e);
        size_t k;
        json_t *it;
        json_array_foreach(json_object_get(e, "items"), k, it)
            printf("    [%s] %s\n", s(it, "group"), s(it, "text"));
    }
    if (json_array_size(json_object_get(d, "workup")))
        printf("\n  Workup\n");
    json_array_foreach(json_object_get(d, "workup"), i, e) {
        printf("    %s%s%s", s(e, "test"), json_object_get(e, "then") ? "; then " : "", s(e, "then"));
        print_src(e);
    }
    if (json_array_size(json_object_get(d, "treatment")))
        printf("\n  Treatment, in order\n");
    json_array_foreach(json_object_get(d, "treatment"), i, e) {
        printf("    %zu. [%s] %s", i + 1, s(e, "kind"), s(e, "text"));
        print_src(e);
    }
    printf("\n  For patients\n    %s\n", s(d, "plain"));
    printf("\n  Sources\n");
    json_array_foreach(json_object_get(d, "references"), i, e)
        printf("    %s  %s\n", s(e, "id"), s(e, "citation"));
}

static int kb_show(pn_kb *kb, int argc, char **argv)
{
    const char *id = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (!id)
            id = argv[i];
        else {
            fprintf(stderr, "paraneo: kb show takes one ID\n");
            return PN_EXIT_BADINPUT;
        }
    }
    if (!id) {
        fputs(kb_usage, stderr);
        return PN_EXIT_BADINPUT;
    }
    pn_status st;
    char *out = pn_kb_syndrome_json(kb, id, &st);
    if (!out) {
        if (st == PN_ENOTFOUND) {
            fprintf(stderr, "paraneo: no syndrome or mimic with id \"%s\" (see paraneo kb list)\n", id);
            return PN_EXIT_BADINPUT;
        }
        fprintf(stderr, "paraneo: %s\n", pn_strerror(st));
        return PN_EXIT_INTERNAL;
    }
    if (json) {
        printf("%s\n", out);
    } else {
        json_t *d = json_loads(out, 0, NULL);
        show_text(d);
        json_decref(d);
    }
    pn_free(out);
    return PN_EXIT_OK;
}

static int kb_list(pn_kb *kb, int argc, char **argv)
{
    const char *system = NULL, *kind = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--system") == 0 && i + 1 < argc)
            system = argv[++i];
        else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
            kind = argv[++i];
        else {
            fprintf(stderr, "paraneo: kb list: unexpected \"%s\"\n\n%s", argv[i], kb_usage);
            return PN_EXIT_BADINPUT;
        }
    }
    size_t shown = 0;
    for (size_t i = 0; i < pn_kb_syndrome_count(kb); i++) {
        pn_status st;
        char *js = pn_kb_syndrome_json(kb, pn_kb_syndrome_id(kb, i), &st);
        json_t *d = js ? json_loads(js, 0, NULL) : NULL;
        pn_free(js);
        if (!d)
            return PN_EXIT_INTERNAL;
        if ((!system || strcmp(system, s(d, "system")) == 0) &&
            (!kind || strcmp(kind, s(d, "kind")) == 0)) {
            printf("%-40s %-15s %-14s %s\n", s(d, "id"), s(d, "system"), s(d, "kind"), s(d, "name"));
            shown++;
        }
        json_decref(d);
    }
    if (!shown && (system || kind)) {
        fprintf(stderr, "paraneo: nothing matches (systems: nervous, endocrine, blood, skin, "
                        "kidney, musculoskeletal, other; kinds: paraneoplastic, mimic)\n");
        return PN_EXIT_BADINPUT;
    }
    return PN_EXIT_OK;
}

static int kb_stats(pn_kb *kb, int argc, char **argv)
{
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    char *out = pn_kb_stats_json(kb);
    if (!out)
        return PN_EXIT_INTERNAL;
    if (json) {
        printf("%s\n", out);
        pn_free(out);
        return PN_EXIT_OK;
    }
    json_t *d = json_loads(out, 0, NULL);
    pn_free(out);
    printf("knowledge base %s  %s\n", s(d, "version"), s(d, "digest"));
    printf("files: %lld\n", (long long)json_integer_value(json_object_get(d, "files")));
    const char *k;
    json_t *v;
    printf("entries:");
    json_object_foreach(json_object_get(d, "entries"), k, v)
        printf(" %s %lld;", k, (long long)json_integer_value(v));
    json_t *f = json_object_get(d, "facts");
    printf("\nfacts: %lld, verified %lld (%.0f%%), provisional %lld\n",
           (long long)json_integer_value(json_object_get(f, "total")),
           (long long)json_integer_value(json_object_get(f, "verified")),
           100 * json_real_value(json_object_get(f, "verified_share")),
           (long long)json_integer_value(json_object_get(f, "provisional")));
    json_t *prov = json_object_get(d, "pns_care_provisional");
    if (json_array_size(prov)) {
        printf("PNS-Care table parts still provisional (not yet checked against Graus 2021):");
        size_t i;
        json_t *e;
        json_array_foreach(prov, i, e) printf(" %s", json_string_value(e));
        printf("\n");
    }
    printf("\n%-40s %-15s %-14s %8s %8s %6s %6s\n", "syndrome", "system", "kind", "findings",
           "evidence", "steps", "crit");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(d, "coverage"), i, e) {
        printf("%-40s %-15s %-14s %8lld %8lld %6lld %6lld%s\n", s(e, "id"), s(e, "system"),
               s(e, "kind"), (long long)json_integer_value(json_object_get(e, "findings")),
               (long long)json_integer_value(json_object_get(e, "evidence")),
               (long long)json_integer_value(json_object_get(e, "treatment_steps")),
               (long long)json_integer_value(json_object_get(e, "criteria_sets")),
               json_is_true(json_object_get(e, "covered")) ? "" : "  SHORT");
    }
    long long short_of = json_integer_value(json_object_get(d, "syndromes_short_of_coverage"));
    printf("\n%lld of %zu syndromes short of coverage (3 findings; mimics 2 features)\n", short_of,
           json_array_size(json_object_get(d, "coverage")));
    json_decref(d);
    return PN_EXIT_OK;
}

int pn_cmd_kb(pn_cli *cli, int argc, char **argv)
{
    if (argc < 2 || pn_cli_wants_help(argc, argv)) {
        fputs(kb_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PN_EXIT_BADINPUT : PN_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "check") && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "stats")) {
        fprintf(stderr, "paraneo: unknown kb command \"%s\"\n\n%s", sub, kb_usage);
        return PN_EXIT_BADINPUT;
    }
    pn_kb *kb = NULL;
    int rc = pn_cli_load_kb(cli, &kb);
    if (rc != PN_EXIT_OK)
        return rc;
    if (strcmp(sub, "check") == 0) {
        printf("knowledge base OK: version %s, %s, %zu syndromes and mimics\n", pn_kb_version(kb),
               pn_kb_digest(kb), pn_kb_syndrome_count(kb));
        rc = PN_EXIT_OK;
    } else if (strcmp(sub, "list") == 0) {
        rc = kb_list(kb, argc - 1, argv + 1);
    } else if (strcmp(sub, "show") == 0) {
        rc = kb_show(kb, argc - 1, argv + 1);
    } else {
        rc = kb_stats(kb, argc - 1, argv + 1);
    }
    pn_kb_free(kb);
    return rc;
}
