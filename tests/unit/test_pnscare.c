/* test_pnscare.c - the 2021 PNS-Care score, cell by cell, and the worked
 * examples of the reference notes (Graus 2021 and the author's reply),
 * against a fixture KB whose table holds the published points. */
#include "testutil.h"

#include <jansson.h>

#define PNS_KB PN_TOP "/tests/fixtures/kb-pns"

static pn_kb *kb;

static int setup(void **state)
{
    (void)state;
    pn_error err;
    return pn_kb_load(PNS_KB, &kb, &err) == PN_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pn_kb_free(kb);
    return 0;
}

/* The report of a case document, as JSON. */
static json_t *report_of(const char *doc)
{
    pn_case *c = NULL;
    pn_report *r = NULL;
    pn_error err = {0};
    if (pn_case_parse(kb, doc, strlen(doc), &c, &err) != PN_OK)
        fail_msg("parse: %s: %s", err.path, err.message);
    assert_int_equal(pn_evaluate(kb, c, &r, &err), PN_OK);
    char *js = pn_report_json(r, 0);
    json_t *rep = json_loads(js, 0, NULL);
    assert_non_null(rep);
    pn_free(js);
    pn_report_free(r);
    pn_case_free(c);
    return rep;
}

/* Evaluates a case built from parts; returns the report's pns_care. */
static json_t *score(const char *phenotype, const char *antibodies, const char *cancers,
                     const char *screening, const char *as_of)
{
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"paraneo\": \"case/1\", \"as_of\": \"%s\", \"patient\": {\"age_years\": 60, \"sex\": "
             "\"male\"}, \"phenotypes\": [%s], \"antibodies\": [%s], \"cancers\": [%s]%s%s}",
             as_of, phenotype, antibodies, cancers, screening ? ", \"tumor_screening\": " : "",
             screening ? screening : "");
    json_t *rep = report_of(doc);
    json_t *p = json_incref(json_object_get(rep, "pns_care"));
    json_decref(rep);
    return p;
}

static int points(json_t *p, const char *part)
{
    return (int)json_integer_value(json_object_get(json_object_get(p, part), "points"));
}

static const char *level(json_t *p)
{
    return json_string_value(json_object_get(p, "level"));
}

static bool has_note(json_t *p, const char *part)
{
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(p, "notes"), i, n) if (strstr(json_string_value(n), part)) return true;
    return false;
}

#define SN "\"sensory-neuronopathy\""
#define PRN "\"polyradiculoneuropathy\""
#define HU "{\"target\": \"Hu\", \"result\": \"positive\", \"method\": \"iif\"}"
#define MA2 "{\"target\": \"Ma2\", \"result\": \"positive\"}"
#define VGCC "{\"target\": \"VGCC-PQ\", \"result\": \"positive\"}"
#define LGI1 "{\"target\": \"LGI1\", \"result\": \"positive\"}"
#define NEG "{\"target\": \"Hu\", \"result\": \"negative\"}"
#define SCLC "{\"icd10\": \"C34.90\", \"name\": \"small cell lung cancer\", \"status\": \"active\"}"
#define COLON "{\"name\": \"colon cancer\", \"status\": \"active\"}"
#define COLON_AG "{\"name\": \"colon cancer\", \"status\": \"active\", \"antigen_expression\": \"shown\"}"
#define NHL "{\"name\": \"lymphoma\", \"status\": \"active\"}"
#define SCREEN(d) "{\"result\": \"negative\", \"first_negative\": \"" d "\"}"

static void test_phenotype_cells(void **state)
{
    (void)state;
    json_t *p = score(SN, "", "", SCREEN("2026-01-01"), "2026-06-01");
    assert_true(json_is_true(json_object_get(p, "applicable")));
    assert_int_equal(points(p, "phenotype"), 3);
    json_decref(p);
    p = score(PRN, "", "", SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(points(p, "phenotype"), 2);
    json_decref(p);
    /* several phenotypes: the highest class scores */
    p = score(PRN ", " SN, "", "", SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(points(p, "phenotype"), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "phenotype"), "id")),
                        "sensory-neuronopathy");
    json_decref(p);
}

static void test_antibody_cells(void **state)
{
    (void)state;
    const struct {
        const char *ab;
        int pts;
    } t[] = {{HU, 3}, {MA2, 3}, {VGCC, 2}, {LGI1, 0}, {NEG, 0}, {"", 0}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        json_t *p = score(SN, t[i].ab, "", SCREEN("2026-01-01"), "2026-06-01");
        assert_int_equal(points(p, "antibody"), t[i].pts);
        json_decref(p);
    }
    /* several antibodies: the highest risk scores */
    json_t *p = score(SN, LGI1 ", " VGCC ", " HU, "", SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(points(p, "antibody"), 3);
    json_decref(p);
    /* VGKC-complex without LGI1/CASPR2 counts for nothing, with a note */
    p = score(SN, "{\"target\": \"VGKC\", \"result\": \"positive\"}", "", SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(points(p, "antibody"), 0);
    assert_true(has_note(p, "Anti-VGKC counts for nothing"));
    json_decref(p);
    /* a weak assay alone is flagged */
    p = score(SN, "{\"target\": \"ANNA-1\", \"result\": \"positive\", \"method\": \"line-blot\"}", "",
              SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(points(p, "antibody"), 3);
    assert_true(has_note(p, "line blot"));
    json_decref(p);
}

static void test_cancer_cells(void **state)
{
    (void)state;
    json_t *p = score(SN, HU, SCLC, NULL, "2026-06-01");
    assert_int_equal(points(p, "cancer"), 4); /* consistent */
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "cancer"), "state")), "consistent");
    json_decref(p);
    p = score(SN, HU, COLON_AG, NULL, "2026-06-01");
    assert_int_equal(points(p, "cancer"), 4); /* inconsistent, antigen shown */
    json_decref(p);
    p = score(SN, HU, COLON, SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(points(p, "cancer"), 1); /* inconsistent, < 2 years */
    json_decref(p);
    p = score(SN, HU, COLON, SCREEN("2023-01-01"), "2026-06-01");
    assert_int_equal(points(p, "cancer"), 0); /* inconsistent, >= 2 years */
    json_decref(p);
    /* none found: the follow-up clock from the first negative screen */
    p = score(SN, HU, "", SCREEN("2024-06-02"), "2026-06-01"); /* just under 24 months */
    assert_int_equal(points(p, "cancer"), 1);
    json_decref(p);
    p = score(SN, HU, "", SCREEN("2024-05-01"), "2026-06-01"); /* over 24 months */
    assert_int_equal(points(p, "cancer"), 0);
    json_decref(p);
}

static void test_levels(void **state)
{
    (void)state;
    const struct {
        const char *ph, *ab, *ca, *scr;
        int score;
        const char *level;
    } t[] = {
        {SN, HU, SCLC, NULL, 10, "definite"},
        {PRN, VGCC, SCLC, NULL, 8, "definite"},                      /* 2 + 2 + 4 */
        {SN, HU, "", SCREEN("2026-01-01"), 7, "probable"},           /* 3 + 3 + 1 */
        {SN, VGCC, "", SCREEN("2026-01-01"), 6, "probable"},         /* 3 + 2 + 1 */
        {SN, VGCC, "", SCREEN("2023-01-01"), 5, "possible"},         /* 3 + 2 + 0 */
        {SN, "", "", SCREEN("2026-01-01"), 4, "possible"},           /* 3 + 0 + 1 */
        {SN, "", "", SCREEN("2023-01-01"), 3, "non-pns"},            /* 3 + 0 + 0 */
        {SN, "", SCLC, NULL, 7, "probable"},                         /* no antibody: never definite */
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        json_t *p = score(t[i].ph, t[i].ab, t[i].ca, t[i].scr, "2026-06-01");
        if (json_integer_value(json_object_get(p, "score")) != t[i].score || strcmp(level(p), t[i].level))
            print_error("row %zu: got %lld %s\n", i, (long long)json_integer_value(json_object_get(p, "score")),
                        level(p));
        assert_int_equal(json_integer_value(json_object_get(p, "score")), t[i].score);
        assert_string_equal(level(p), t[i].level);
        json_decref(p);
    }
}

/* Graus's reply (2021): polyradiculoneuropathy + Ma2, no cancer. */
static void test_graus_reply_examples(void **state)
{
    (void)state;
    json_t *p = score(PRN, MA2, "", SCREEN("2026-01-01"), "2026-06-01");
    assert_int_equal(json_integer_value(json_object_get(p, "score")), 6);
    assert_string_equal(level(p), "probable");
    json_decref(p);
    /* year 3, still no cancer */
    p = score(PRN, MA2, "", SCREEN("2026-01-01"), "2029-01-15");
    assert_int_equal(json_integer_value(json_object_get(p, "score")), 5);
    assert_string_equal(level(p), "possible");
    json_decref(p);
    /* then a lymphoma: inconsistent with Ma2, antigen unknown: scores like no cancer */
    p = score(PRN, MA2, NHL, SCREEN("2026-01-01"), "2029-01-15");
    assert_int_equal(points(p, "cancer"), 0);
    assert_true(has_note(p, "not consistent"));
    json_decref(p);
}

static void test_oms_exception(void **state)
{
    (void)state;
    json_t *p = score("\"opsoclonus-myoclonus\"", "",
                      "{\"name\": \"neuroblastoma\", \"status\": \"active\"}", NULL, "2026-06-01");
    assert_int_equal(json_integer_value(json_object_get(p, "score")), 7);
    assert_string_equal(level(p), "definite");
    assert_true(has_note(p, "Opsoclonus-myoclonus"));
    json_decref(p);
}

static void test_not_applicable(void **state)
{
    (void)state;
    json_t *p = score("\"myasthenia-gravis\"", "", "", NULL, "2026-06-01");
    assert_true(json_is_false(json_object_get(p, "applicable")));
    assert_non_null(strstr(json_string_value(json_object_get(p, "reason")), "outside the 2021"));
    json_decref(p);
    p = score("", "", "", NULL, "2026-06-01");
    assert_true(json_is_false(json_object_get(p, "applicable")));
    json_decref(p);
}

static void test_better_explanation(void **state)
{
    (void)state;
    /* platinum within 5 years and paraesthesia: a treatment-toxicity mimic wins */
    const char *doc =
        "{\"paraneo\": \"case/1\", \"as_of\": \"2026-06-01\", \"phenotypes\": [\"sensory-neuronopathy\"],"
        " \"findings\": [{\"hpo\": \"HP:0003401\", \"onset\": \"2025-01-01\"}],"
        " \"cancers\": [{\"name\": \"colon cancer\", \"status\": \"remission\"}],"
        " \"treatments\": [{\"kind\": \"chemotherapy\", \"name\": \"cisplatin\", \"end\": \"2025-03-01\"}]}";
    json_t *rep = report_of(doc);
    json_t *p = json_object_get(rep, "pns_care");
    assert_string_equal(level(p), "non-pns");
    assert_true(has_note(p, "better explanation"));
    json_t *top = json_array_get(json_object_get(rep, "differential"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "id")), "treatment-toxicity");
    json_decref(rep);
}

/* A likely mimic is a better explanation only when it accounts for the
 * picture: here it has no exposure of its own (no platinum) and does not
 * explain the phenotype's sensory ataxia, so the score stands. */
static void test_mimic_must_explain(void **state)
{
    (void)state;
    const char *doc =
        "{\"paraneo\": \"case/1\", \"as_of\": \"2026-06-01\", \"phenotypes\": [\"sensory-neuronopathy\"],"
        " \"findings\": [{\"hpo\": \"HP:0010871\", \"onset\": \"2026-03-01\"},"
        " {\"hpo\": \"HP:0003401\", \"onset\": \"2026-03-01\"}],"
        " \"cancers\": [{\"name\": \"colon cancer\", \"status\": \"remission\"}]}";
    json_t *rep = report_of(doc);
    json_t *top = json_array_get(json_object_get(rep, "differential"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "id")), "treatment-toxicity");
    assert_true(json_number_value(json_object_get(top, "score")) >= 0.5);
    json_t *p = json_object_get(rep, "pns_care");
    assert_string_not_equal(level(p), "non-pns");
    assert_false(has_note(p, "better explanation"));
    json_decref(rep);
}

/* PNS-Care for a phenotype the case does not name: one sign of it next to a
 * known cancer is not a clinical picture; with an antibody of the syndrome it is. */
static json_t *inferred(const char *antibodies)
{
    char doc[1024];
    snprintf(doc, sizeof doc,
             "{\"paraneo\": \"case/1\", \"as_of\": \"2026-06-01\","
             " \"findings\": [{\"hpo\": \"HP:0010871\", \"onset\": \"2026-04-01\"}],"
             " \"antibodies\": [%s],"
             " \"cancers\": [{\"name\": \"small cell lung cancer\", \"status\": \"active\"}]}",
             antibodies);
    return report_of(doc);
}

static void test_inferred_phenotype(void **state)
{
    (void)state;
    json_t *rep = inferred("");
    json_t *top = json_array_get(json_object_get(rep, "differential"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "id")), "sensory-neuronopathy");
    assert_true(json_number_value(json_object_get(top, "score")) >= 0.2);
    assert_false(json_is_true(json_object_get(json_object_get(rep, "pns_care"), "applicable")));
    json_decref(rep);
    rep = inferred("{\"target\": \"Hu\", \"result\": \"positive\", \"method\": \"cba\"}");
    json_t *p = json_object_get(rep, "pns_care");
    assert_true(json_is_true(json_object_get(p, "applicable")));
    assert_int_equal(points(p, "phenotype"), 3);
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phenotype_cells),   cmocka_unit_test(test_antibody_cells),
        cmocka_unit_test(test_cancer_cells),      cmocka_unit_test(test_levels),
        cmocka_unit_test(test_graus_reply_examples), cmocka_unit_test(test_oms_exception),
        cmocka_unit_test(test_not_applicable),    cmocka_unit_test(test_better_explanation),
        cmocka_unit_test(test_inferred_phenotype), cmocka_unit_test(test_mimic_must_explain),
    };
    return cmocka_run_group_tests_name("pns_care", tests, setup, teardown);
}
