/* test_case.c - case/1 parsing: names resolved, units converted, defaults
 * applied, warnings kept, and bad input refused with the field's path. */
#include "testutil.h"

#include "core/case_int.h"
#include "kb/kb_int.h"
#include "util/date.h"

static pn_kb *kb;

static int setup(void **state)
{
    (void)state;
    pn_error err;
    return pn_kb_load(FIXTURE_KB, &kb, &err) == PN_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pn_kb_free(kb);
    return 0;
}

static pn_case *parse_ok(const char *json)
{
    pn_case *c = NULL;
    pn_error err = {0};
    pn_status st = pn_case_parse(kb, json, strlen(json), &c, &err);
    if (st != PN_OK)
        print_error("unexpected error: %s: %s\n", err.path, err.message);
    assert_int_equal(st, PN_OK);
    return c;
}

static void parse_bad(const char *json, const char *path, const char *msg_part)
{
    pn_case *c = NULL;
    pn_error err = {0};
    pn_status st = pn_case_parse(kb, json, strlen(json), &c, &err);
    if (st != PN_EINVAL || strcmp(err.path, path) != 0 || !strstr(err.message, msg_part))
        print_error("%s -> %s %s: %s\n", json, pn_status_name(st), err.path, err.message);
    assert_int_equal(st, PN_EINVAL);
    assert_null(c);
    assert_string_equal(err.file, "<case>");
    assert_string_equal(err.path, path);
    assert_non_null(strstr(err.message, msg_part));
}

static bool has_warning(const pn_case *c, const char *part)
{
    for (size_t i = 0; i < pn_case_warning_count(c); i++)
        if (strstr(pn_case_warning(c, i), part))
            return true;
    return false;
}

static void test_minimal(void **state)
{
    (void)state;
    setenv("PARANEO_TODAY", "2026-11-25", 1);
    pn_case *c = parse_ok("{\"paraneo\": \"case/1\"}");
    assert_null(pn_case_id(c));
    assert_false(c->as_of_given);
    char d[11];
    pn__date_format(c->as_of, d);
    assert_string_equal(d, "2026-11-25");
    assert_true(has_warning(c, "as_of: not given"));
    assert_int_equal(c->patient.sex, PN_SEX_UNKNOWN);
    assert_int_equal(c->n_findings, 0);
    char *js = pn_case_json(c, PN_JSON_COMPACT);
    assert_non_null(strstr(js, "\"as_of\":\"2026-11-25\""));
    pn_free(js);
    pn_case_free(c);
    unsetenv("PARANEO_TODAY");
}

static void test_resolution(void **state)
{
    (void)state;
    pn_case *c = parse_ok(
        "{\"paraneo\": \"case/1\", \"id\": \"x\", \"as_of\": \"2026-03-01\","
        " \"patient\": {\"age_years\": 63, \"sex\": \"female\", \"smoking\": \"current\", \"pack_years\": 40},"
        " \"findings\": [{\"hpo\": \"HP:0002073\", \"onset\": \"2026-01-10\"},"
        "   {\"label\": \"Absent SNAPs in all limbs\", \"present\": false},"
        "   {\"label\": \"something odd\"}, {\"hpo\": \"HP:9999999\"}],"
        " \"phenotypes\": [\"siadh\", \"no-such-thing\"],"
        " \"antibodies\": [{\"target\": \"ANNA-1\", \"result\": \"positive\", \"method\": \"line-blot\"},"
        "   {\"target\": \"anti-Hu\", \"result\": \"positive\", \"specimen\": \"csf\"},"
        "   {\"target\": \"Xyz\", \"result\": \"negative\"}],"
        " \"labs\": [{\"loinc\": \"2951-2\", \"value\": 122, \"unit\": \"mEq/L\"},"
        "   {\"name\": \"Calcium, total\", \"value\": 13.4, \"unit\": \"mg/dL\"},"
        "   {\"name\": \"Na\", \"value\": 120, \"unit\": \"g/L\"}, {\"name\": \"foo\", \"value\": 1}],"
        " \"cancers\": [{\"icd10\": \"C34.90\", \"name\": \"small cell lung cancer\", \"status\": \"active\"},"
        "   {\"icd10\": \"C34\"}],"
        " \"medications\": [{\"name\": \"Hydrochlorothiazide 25 mg\", \"start\": \"2026-01-01\", \"end\": null}],"
        " \"treatments\": [{\"kind\": \"chemotherapy\", \"name\": \"cisplatin\", \"end\": \"2024-05-01\"}],"
        " \"tumor_screening\": {\"result\": \"negative\", \"first_negative\": \"2025-11-01\"},"
        " \"extra\": true}");
    assert_string_equal(pn_case_id(c), "x");
    assert_true(c->patient.has_age && c->patient.age == 63);
    assert_int_equal(c->patient.smoking, PN_SMOKE_CURRENT);
    /* findings */
    assert_int_equal(c->n_findings, 4);
    assert_int_equal(c->findings[0].course, PN_COURSE_SUBACUTE); /* 50 days */
    assert_true(c->findings[0].course_derived);
    assert_true(c->findings[0].present);
    assert_string_equal(c->findings[1].hpo, "PNX:absent-snaps");
    assert_true(c->findings[1].mapped_from_label);
    assert_false(c->findings[1].present);
    assert_null(c->findings[2].hpo);
    assert_int_equal(c->findings[3].term, -1);
    assert_true(has_warning(c, "\"something odd\" could not be mapped"));
    assert_true(has_warning(c, "HP:9999999 is not in the knowledge base"));
    /* phenotypes */
    assert_int_equal(c->n_phenotypes, 2);
    assert_true(c->phenotypes[0] >= 0);
    assert_int_equal(c->phenotypes[1], -1);
    /* antibodies: synonyms map to one antibody */
    assert_int_equal(c->antibodies[0].antibody, c->antibodies[1].antibody);
    assert_true(c->antibodies[0].antibody >= 0);
    assert_int_equal(c->antibodies[0].method, PN_METHOD_LINE_BLOT);
    assert_int_equal(c->antibodies[1].specimen, PN_SPEC_CSF);
    assert_int_equal(c->antibodies[2].antibody, -1);
    /* labs: converted, or kept unconverted with a warning */
    assert_true(c->labs[0].converted && c->labs[0].canon == 122);
    assert_true(c->labs[1].converted);
    assert_true(c->labs[1].canon > 3.343 && c->labs[1].canon < 3.344);
    assert_false(c->labs[2].converted);
    assert_true(has_warning(c, "cannot convert \"g/L\""));
    assert_int_equal(c->labs[3].lab, -1);
    /* cancers */
    assert_string_equal(kb->tumours[c->cancers[0].tumour].id, "sclc");
    assert_true(has_warning(c, "$.cancers[1].status: not given"));
    /* drugs */
    assert_int_equal(c->medications[0].n_classes, 1);
    assert_int_equal(c->medications[0].end, PN_NO_DATE);
    assert_int_equal(c->treatments[0].n_classes, 1);
    assert_int_equal(c->screening.result, PN_SCREEN_NEGATIVE);
    assert_true(has_warning(c, "$.extra: unknown field ignored"));
    pn_case_free(c);
}

static void test_course_boundaries(void **state)
{
    (void)state;
    const struct {
        const char *onset;
        pn_course want;
    } t[] = {{"2026-02-02", PN_COURSE_ACUTE},    /* 27 days */
             {"2026-02-01", PN_COURSE_SUBACUTE}, /* 28 days */
             {"2025-11-30", PN_COURSE_SUBACUTE}, /* 91 days */
             {"2025-11-29", PN_COURSE_CHRONIC}}; /* 92 days */
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char doc[256];
        snprintf(doc, sizeof doc,
                 "{\"paraneo\": \"case/1\", \"as_of\": \"2026-03-01\", \"findings\": "
                 "[{\"hpo\": \"HP:0001251\", \"onset\": \"%s\"}]}",
                 t[i].onset);
        pn_case *c = parse_ok(doc);
        assert_int_equal(c->findings[0].course, t[i].want);
        pn_case_free(c);
    }
    /* a given course is kept */
    pn_case *c = parse_ok("{\"paraneo\": \"case/1\", \"as_of\": \"2026-03-01\", \"findings\": "
                          "[{\"hpo\": \"HP:0001251\", \"onset\": \"2026-02-20\", \"course\": \"chronic\"}]}");
    assert_int_equal(c->findings[0].course, PN_COURSE_CHRONIC);
    assert_false(c->findings[0].course_derived);
    pn_case_free(c);
}

static void test_bad(void **state)
{
    (void)state;
    parse_bad("", "$", "not valid JSON");
    parse_bad("[]", "$", "must be a JSON object");
    parse_bad("{}", "$", "missing \"paraneo\"");
    parse_bad("{\"paraneo\": \"case/2\"}", "$.paraneo", "not a supported document type");
    parse_bad("{\"paraneo\": \"case/1\", \"paraneo\": \"case/1\"}", "$", "appears twice");
    parse_bad("{\"paraneo\": \"case/1\", \"as_of\": \"2025-02-29\"}", "$.as_of",
              "not a real calendar date");
    parse_bad("{\"paraneo\": \"case/1\", \"patient\": {\"age_years\": -1}}", "$.patient.age_years",
              "out of range");
    parse_bad("{\"paraneo\": \"case/1\", \"patient\": {\"age_years\": 130}}",
              "$.patient.age_years", "out of range");
    parse_bad("{\"paraneo\": \"case/1\", \"patient\": {\"sex\": \"f\"}}", "$.patient.sex",
              "\"f\" is not one of: unknown, female, male, other");
    parse_bad("{\"paraneo\": \"case/1\", \"patient\": {\"smoking\": \"never\", \"pack_years\": 3}}",
              "$.patient", "contradicts");
    parse_bad("{\"paraneo\": \"case/1\", \"findings\": {}}", "$.findings", "must be an array");
    parse_bad("{\"paraneo\": \"case/1\", \"findings\": [3]}", "$.findings[0]", "must be an object");
    parse_bad("{\"paraneo\": \"case/1\", \"findings\": [{}]}", "$.findings[0]", "needs \"hpo\"");
    parse_bad("{\"paraneo\": \"case/1\", \"findings\": [{\"hpo\": \"HP:123\"}]}",
              "$.findings[0].hpo", "not an HPO id");
    parse_bad("{\"paraneo\": \"case/1\", \"findings\": [{\"hpo\": \"HP:0001251\", \"present\": "
              "\"yes\"}]}",
              "$.findings[0].present", "must be true or false");
    parse_bad("{\"paraneo\": \"case/1\", \"antibodies\": [{\"target\": \"Hu\"}]}",
              "$.antibodies[0]", "needs \"result\"");
    parse_bad("{\"paraneo\": \"case/1\", \"labs\": [{\"name\": \"sodium\"}]}", "$.labs[0]",
              "needs a numeric \"value\"");
    parse_bad("{\"paraneo\": \"case/1\", \"labs\": [{\"loinc\": \"abc\", \"value\": 1}]}",
              "$.labs[0].loinc", "not a LOINC code");
    parse_bad("{\"paraneo\": \"case/1\", \"cancers\": [{\"icd10\": \"lung\"}]}",
              "$.cancers[0].icd10", "not an ICD-10 code");
    parse_bad("{\"paraneo\": \"case/1\", \"medications\": [{\"name\": \"x\", \"start\": "
              "\"2026-02-01\", \"end\": \"2026-01-01\"}]}",
              "$.medications[0]", "\"end\" is before \"start\"");
    parse_bad("{\"paraneo\": \"case/1\", \"tumor_screening\": {\"result\": \"maybe\"}}",
              "$.tumor_screening.result", "not one of");
    parse_bad("{\"paraneo\": \"case/1\", \"phenotypes\": [\"Not An Id\"]}", "$.phenotypes[0]",
              "not a syndrome id");
}

static void test_too_big(void **state)
{
    (void)state;
    size_t n = PN_CASE_MAX_BYTES + 1;
    char *doc = malloc(n);
    memset(doc, ' ', n);
    pn_case *c = NULL;
    pn_error err = {0};
    assert_int_equal(pn_case_parse(kb, doc, n, &c, &err), PN_ETOOBIG);
    assert_null(c);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_resolution),
        cmocka_unit_test(test_course_boundaries),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_too_big),
    };
    return cmocka_run_group_tests_name("case", tests, setup, teardown);
}
