/* test_kb.c - the knowledge-base loader: a valid KB loads; each rule of
 * docs/kb-format.md refuses a KB that breaks it, naming file and path. */
#include "testutil.h"

#include "kb/kb_int.h"

static char *fixture;
static size_t fixture_len;
static char *contract;
static size_t contract_len;

static int setup(void **state)
{
    (void)state;
    fixture = tu_read(FIXTURE_KB "/kb.json", &fixture_len);
    contract = tu_read(FIXTURE_KB "/contract-syndromes.tsv", &contract_len);
    return fixture && contract ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(fixture);
    free(contract);
    return 0;
}

/* Loads the fixture with one substitution; returns the status and error. */
static pn_status load_mutated(const char *from, const char *to, pn_error *err)
{
    char *doc = from ? tu_replace(fixture, from, to) : strdup(fixture);
    assert_non_null(doc);
    pn_kb_source_file f = {"kb.json", doc, strlen(doc)};
    pn_kb *kb = NULL;
    memset(err, 0, sizeof *err);
    pn_status st = pn__kb_load_files(&f, 1, contract, contract_len, &kb, err);
    pn_kb_free(kb);
    free(doc);
    return st;
}

static void expect_error(const char *from, const char *to, const char *path, const char *msg_part)
{
    pn_error err;
    pn_status st = load_mutated(from, to, &err);
    if (st != PN_EKB || strcmp(err.path, path) != 0 || !strstr(err.message, msg_part))
        print_error("replacing [%s] by [%s]: got %s at %s: %s\n", from, to, pn_status_name(st),
                    err.path, err.message);
    assert_int_equal(st, PN_EKB);
    assert_string_equal(err.file, "kb.json");
    assert_string_equal(err.path, path);
    assert_non_null(strstr(err.message, msg_part));
}

static void test_fixture_loads(void **state)
{
    (void)state;
    pn_kb *kb = NULL;
    pn_error err = {0};
    assert_int_equal(pn_kb_load(FIXTURE_KB, &kb, &err), PN_OK);
    assert_string_equal(pn_kb_version(kb), "test.1");
    assert_int_equal(strncmp(pn_kb_digest(kb), "sha256:", 7), 0);
    assert_int_equal(strlen(pn_kb_digest(kb)), 7 + 64);
    assert_int_equal(pn_kb_syndrome_count(kb), 2);
    assert_string_equal(pn_kb_syndrome_id(kb, 0), "siadh");
    assert_null(pn_kb_syndrome_id(kb, 2));
    assert_true(kb->facts > 30);
    assert_true(kb->facts_verified > 0 && kb->facts_verified < kb->facts);
    pn_kb_free(kb);
}

static void test_digest_changes_with_content(void **state)
{
    (void)state;
    pn_kb *a = NULL, *b = NULL;
    pn_error err;
    pn_kb_source_file f = {"kb.json", fixture, fixture_len};
    assert_int_equal(pn__kb_load_files(&f, 1, contract, contract_len, &a, &err), PN_OK);
    char *doc = tu_replace(fixture, "The body keeps too much water.", "The body keeps water.");
    pn_kb_source_file g = {"kb.json", doc, strlen(doc)};
    assert_int_equal(pn__kb_load_files(&g, 1, contract, contract_len, &b, &err), PN_OK);
    assert_string_not_equal(pn_kb_digest(a), pn_kb_digest(b));
    pn_kb_free(a);
    pn_kb_free(b);
    free(doc);
}

static void test_missing_dir(void **state)
{
    (void)state;
    pn_kb *kb = NULL;
    pn_error err = {0};
    assert_int_equal(pn_kb_load(PN_TOP "/no/such/dir", &kb, &err), PN_EIO);
    assert_null(kb);
    assert_non_null(strstr(err.message, "cannot open"));
}

static void test_rules(void **state)
{
    (void)state;
    /* syntax and shape */
    expect_error("\"kb\": {", "\"kb\" {", "$", "not valid JSON");
    expect_error("\"paraneo_kb\": 1", "\"paraneo_kb\": 2", "$.paraneo_kb", "must be 1");
    expect_error("\"sources\":", "\"sourcez\":", "$.sourcez", "unknown section");
    expect_error("\"kb\": {\"name\"", "\"kb\": {\"nmae\"", "$.kb", "unknown field \"nmae\"");
    /* duplicates and references */
    expect_error("{\"id\": \"GL:test-guideline\"", "{\"id\": \"PMID:1\"", "$.sources[1]",
                 "duplicate id \"PMID:1\"");
    expect_error("\"group\": \"lung\"", "\"group\": \"lungs\"", "$.tumours[1].group",
                 "unknown tumours id \"lungs\"");
    expect_error("\"maps_to\": \"HP:0001251\"", "\"maps_to\": \"HP:0001250\"",
                 "$.terms[3].maps_to", "unknown terms id");
    expect_error("{\"criteria\": \"siadh\"", "{\"criteria\": \"siadhx\"",
                 "$.syndromes[0].evidence[2].criteria", "unknown criteria id");
    expect_error("{\"finding\": \"HP:0000969\", \"lr_neg\": 0.1", "{\"antibody\": \"Yo\", \"lr_pos\": 5",
                 "$.syndromes[0].evidence[1].antibody", "unknown antibodies id \"Yo\"");
    /* sources and grades */
    expect_error("\"factor\": 0.2495, \"src\": \"PMID:1\", ", "\"factor\": 0.2495, ",
                 "$.labs[1].units[1]", "fact without \"src\"");
    expect_error("\"grade\": \"provisional\"}]", "\"grade\": \"maybe\"}]", "$.antibodies[0].tumours[0].grade",
                 "not one of");
    expect_error("\"src\": \"GL:test-guideline\", \"grade\": \"verified\"}],\n \"rescreening\"",
                 "\"src\": \"GL:nope\", \"grade\": \"verified\"}],\n \"rescreening\"",
                 "$.workup[0].src", "unknown source \"GL:nope\"");
    expect_error("{\"id\": \"PMID:1\"", "{\"id\": \"PMID1\"", "$.sources[0]",
                 "must be PMID:<digits>");
    /* codes */
    expect_error("\"2951-2\"", "\"2951-3\"", "$.labs[0].loinc[0]", "not a valid LOINC code");
    expect_error("\"55004003\"", "\"55004004\"", "$.syndromes[0].codes.snomed[0]",
                 "Verhoeff check digit");
    expect_error("\"E22.2\"", "\"E222\"", "$.syndromes[0].codes.icd10cm[0]",
                 "not an ICD-10-CM code");
    expect_error("\"HP:0000969\", \"label\"", "\"HP:000969\", \"label\"", "$.terms[1]",
                 "must be HP:nnnnnnn");
    expect_error("\"C03AA\"", "\"C3AA\"", "$.drugs[0].atc[0]", "not an ATC code");
    /* a finding's background rate: a sourced fact in (0.001, 0.9] */
    expect_error("\"label\": \"Edema\",", "\"label\": \"Edema\", \"background\": {\"rate\": 0.3},",
                 "$.terms[1].background", "missing required field \"src\"");
    expect_error("\"label\": \"Edema\",",
                 "\"label\": \"Edema\", \"background\": {\"rate\": 0, \"src\": \"PMID:1\", \"grade\": \"verified\"},",
                 "$.terms[1].background.rate", "between 0.001 and 0.9");
    expect_error("\"label\": \"Edema\",",
                 "\"label\": \"Edema\", \"background\": {\"rate\": 0.2, \"rat\": 1, \"src\": \"PMID:1\", \"grade\": \"verified\"},",
                 "$.terms[1].background", "unknown field \"rat\"");
    /* the contract */
    expect_error("\"syndromes\": [",
                 "\"syndromes\": [{\"id\": \"extra\", \"name\": \"X\", \"system\": \"other\", "
                 "\"kind\": \"mimic\", \"prior\": {\"cancer\": 0.1, \"no_cancer\": 0.1, \"src\": "
                 "\"PMID:1\", \"grade\": \"verified\"}, \"pns_care\": {\"class\": \"outside\", "
                 "\"src\": \"PMID:1\", \"grade\": \"verified\"}, \"evidence\": [], \"plain\": \"x\"},",
                 "$.syndromes[0]", "not in contract-syndromes.tsv");
    /* evidence strength */
    expect_error("\"lr_neg\": 0.1", "\"lr_neg\": 0.1, \"freq\": 0.5", "$.syndromes[0].evidence[1]",
                 "exactly one form");
    expect_error("\"sens\": 1.0, \"spec\": 0.9", "\"sens\": 1.0, \"spec\": 1.0",
                 "$.syndromes[0].evidence[0]", "LR+ infinite");
    expect_error("{\"finding\": \"HP:0000969\", \"lr_neg\"", "{\"finding\": \"HP:0000969\", \"drug\": \"thiazide\", \"lr_neg\"",
                 "$.syndromes[0].evidence[1]", "exactly one subject");
    expect_error("\"freq\": \"obligate\"", "\"freq\": \"often\"", "$.syndromes[1].evidence[1].freq",
                 "not one of");
    /* criteria */
    expect_error("\"value\": 135, \"unit\": \"mmol/L\", \"group\"",
                 "\"value\": 135, \"unit\": \"g/L\", \"group\"", "$.criteria[0].items[0]",
                 "unit \"g/L\" is not a unit the KB knows");
    expect_error("\"rule\": [{\"group\": \"required\"", "\"rule\": [{\"group\": \"needed\"",
                 "$.criteria[0].rule[0]", "no item has it");
    /* single objects */
    expect_error("\"none_ge_followup\": 0,", "", "$.pns_care.cancer", "missing \"none_ge_followup\"");
    expect_error("\"value\": 120, \"unit\": \"mmol/L\", \"level\": \"urgent\"",
                 "\"value\": 120, \"unit\": \"mEq/L\", \"level\": \"urgent\"", "$.triage.labs[0]",
                 "canonical unit");
    expect_error("{\"default\": true,", "{\"default\": false,", "$.rescreening[0]",
                 "either \"default\"");
    /* mimics are alternative explanations */
    expect_error("\"pns_care\": {\"class\": \"outside\", \"src\": \"PMID:1\", \"grade\": \"verified\"},\n   \"evidence\": [{\"drug\"",
                 "\"pns_care\": {\"class\": \"high\", \"src\": \"PMID:1\", \"grade\": \"verified\"},\n   \"evidence\": [{\"drug\"",
                 "$.syndromes[1]", "must be \"outside\"");
}

static void test_name_clash(void **state)
{
    (void)state;
    pn_error err;
    /* a synonym naming two terms is ambiguous */
    pn_status st = load_mutated("\"label\": \"Edema\"", "\"label\": \"Low sodium\"", &err);
    assert_int_equal(st, PN_EKB);
    assert_non_null(strstr(err.message, "names must identify one entry"));
}

static void test_contract_missing_syndrome(void **state)
{
    (void)state;
    char *tsv = malloc(contract_len + 64);
    memcpy(tsv, contract, contract_len);
    strcpy(tsv + contract_len, "sweet-syndrome\tSweet syndrome\tskin\tparaneoplastic\n");
    pn_kb_source_file f = {"kb.json", fixture, fixture_len};
    pn_kb *kb = NULL;
    pn_error err = {0};
    assert_int_equal(pn__kb_load_files(&f, 1, tsv, strlen(tsv), &kb, &err), PN_EKB);
    assert_string_equal(err.file, "contract-syndromes.tsv");
    assert_non_null(strstr(err.message, "\"sweet-syndrome\" has no entry"));
    free(tsv);
}

static void test_two_files_duplicate(void **state)
{
    (void)state;
    const char *extra = "{\"paraneo_kb\": 1, \"sources\": [{\"id\": \"PMID:1\", \"kind\": "
                        "\"article\", \"citation\": \"again\"}]}";
    pn_kb_source_file f[2] = {{"a.json", fixture, fixture_len}, {"b.json", extra, strlen(extra)}};
    pn_kb *kb = NULL;
    pn_error err = {0};
    assert_int_equal(pn__kb_load_files(f, 2, contract, contract_len, &kb, &err), PN_EKB);
    assert_string_equal(err.file, "b.json");
    assert_string_equal(err.path, "$.sources[0]");
    assert_non_null(strstr(err.message, "already defined in a.json at $.sources[0]"));
}

static void test_lookups(void **state)
{
    (void)state;
    pn_kb *kb = NULL;
    pn_error err;
    assert_int_equal(pn_kb_load(FIXTURE_KB, &kb, &err), PN_OK);
    assert_int_equal(pn__kb_antibody_by_name(kb, "anti-HU"), 0);
    assert_int_equal(pn__kb_antibody_by_name(kb, "ANNA 1"), 0);
    assert_int_equal(pn__kb_antibody_by_name(kb, "Yo"), -1);
    assert_true(pn__kb_term_by_name(kb, "LOW  Sodium") >= 0);
    int na = pn__kb_lab_by_loinc(kb, "2951-2");
    assert_true(na >= 0);
    assert_int_equal(pn__kb_lab_by_name(kb, "Serum sodium"), na);
    double v;
    assert_true(pn__kb_lab_convert(kb, na, " mEq/L ", 130, &v));
    assert_true(v == 130);
    assert_true(pn__kb_lab_convert(kb, na, "MMOL/L", 130, &v));
    assert_false(pn__kb_lab_convert(kb, na, "mg/dL", 130, &v));
    int ca = pn__kb_lab_by_name(kb, "calcium");
    assert_true(pn__kb_lab_convert(kb, ca, "mg/dL", 10, &v));
    assert_true(v > 2.494 && v < 2.496);
    int sclc = pn__kb_find(kb, PN_SEC_TUMOURS, "sclc");
    int nsclc = pn__kb_find(kb, PN_SEC_TUMOURS, "nsclc");
    int lung = pn__kb_find(kb, PN_SEC_TUMOURS, "lung");
    assert_int_equal(pn__kb_tumour_match(kb, "C34.90", "Small cell lung cancer"), sclc);
    assert_int_equal(pn__kb_tumour_match(kb, NULL, "non-small cell lung cancer"), nsclc);
    assert_int_equal(pn__kb_tumour_match(kb, "C34.1", NULL), lung);
    assert_int_equal(pn__kb_tumour_match(kb, "C50.9", NULL), -1);
    int th = pn__kb_find(kb, PN_SEC_DRUGS, "thiazide");
    assert_true(pn__kb_drug_matches(kb, th, "C03AA03", NULL));
    assert_true(pn__kb_drug_matches(kb, th, NULL, "Hydrochlorothiazide 12.5 mg"));
    assert_false(pn__kb_drug_matches(kb, th, "C03CA01", "furosemide"));
    assert_string_equal(pn__kb_citation(kb, "PMID:1"), "A test article.");
    assert_null(pn__kb_citation(kb, "PMID:2"));
    pn_status st;
    char *js = pn_kb_syndrome_json(kb, "siadh", &st);
    assert_int_equal(st, PN_OK);
    assert_non_null(strstr(js, "\"references\""));
    pn_free(js);
    assert_null(pn_kb_syndrome_json(kb, "nope", &st));
    assert_int_equal(st, PN_ENOTFOUND);
    js = pn_kb_stats_json(kb);
    assert_non_null(strstr(js, "\"verified_share\""));
    pn_free(js);
    pn_kb_free(kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_loads),
        cmocka_unit_test(test_digest_changes_with_content),
        cmocka_unit_test(test_missing_dir),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_name_clash),
        cmocka_unit_test(test_contract_missing_syndrome),
        cmocka_unit_test(test_two_files_duplicate),
        cmocka_unit_test(test_lookups),
    };
    return cmocka_run_group_tests_name("kb", tests, setup, teardown);
}
