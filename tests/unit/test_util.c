/* test_util.c - identifier checks, dates, text folding, hash map, arena. */
#include "testutil.h"

#include "util/arena.h"
#include "util/date.h"
#include "util/strmap.h"
#include "util/text.h"

static void test_loinc(void **state)
{
    (void)state;
    const char *good[] = {"2951-2", "718-7", "17861-6", "2000-8", "1751-7", "2731-8", "15087-0",
                          "2141-0", "2143-6", "2345-7", "14749-6", "777-3", "26465-5", "53717-5"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(pn__code_loinc_ok(good[i]));
    const char *bad[] = {"2951-3", "718-8", "2951", "-2", "29512", "12345678-9", "2951-22",
                         "29a1-2", "", "2692-7"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(pn__code_loinc_ok(bad[i]));
}

static void test_snomed(void **state)
{
    (void)state;
    const char *good[] = {"55004003", "56989000", "230192003", "21361000119109", "254632001",
                          "716684004", "91637004"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(pn__code_snomed_ok(good[i]));
    const char *bad[] = {"55004004", "56989001", "12345", "0550040030", "5500400a", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(pn__code_snomed_ok(bad[i]));
}

static void test_icd10_hpo_atc(void **state)
{
    (void)state;
    assert_true(pn__code_icd10_ok("C34"));
    assert_true(pn__code_icd10_ok("C34.90"));
    assert_true(pn__code_icd10_ok("C7A.090"));
    assert_true(pn__code_icd10_ok("D47.Z2"));
    assert_true(pn__code_icd10_ok("E222")); /* the contract allows the dot to be left out */
    assert_false(pn__code_icd10_ok("c34"));
    assert_false(pn__code_icd10_ok("C3"));
    assert_false(pn__code_icd10_ok("C34.12345"));
    assert_false(pn__code_icd10_ok("34.1"));
    assert_true(pn__code_is_hpo("HP:0001251"));
    assert_false(pn__code_is_hpo("HP:123"));
    assert_false(pn__code_is_hpo("hp:0001251"));
    assert_false(pn__code_is_hpo("HP:00012510"));
    assert_true(pn__code_is_local_term("PNX:absent-snaps"));
    assert_false(pn__code_is_local_term("PNX:Absent"));
    assert_false(pn__code_is_local_term("PNX:"));
    assert_true(pn__code_atc_ok("L01FF02"));
    assert_true(pn__code_atc_ok("C03AA"));
    assert_true(pn__code_atc_ok("L01"));
    assert_true(pn__code_atc_ok("L"));
    assert_false(pn__code_atc_ok("L01F0"));
    assert_false(pn__code_atc_ok("l01"));
}

static void test_dates(void **state)
{
    (void)state;
    int32_t d;
    assert_true(pn__date_parse("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_true(pn__date_parse("2024-02-29", &d));
    assert_false(pn__date_parse("2025-02-29", &d));
    assert_false(pn__date_parse("2026-13-01", &d));
    assert_false(pn__date_parse("2026-04-31", &d));
    assert_false(pn__date_parse("2026-1-1", &d));
    assert_false(pn__date_parse("2026-01-01T00:00", &d));
    assert_false(pn__date_parse("1799-12-31", &d));
    assert_true(pn__date_parse("2000-02-29", &d)); /* divisible by 400: leap */
    assert_false(pn__date_parse("1900-02-29", &d)); /* by 100 only: not */
    int32_t a, b;
    pn__date_parse("2026-03-01", &a);
    pn__date_parse("2026-01-10", &b);
    assert_int_equal(a - b, 50);
    char out[11];
    pn__date_parse("2026-01-31", &a);
    pn__date_format(pn__date_add_months(a, 1), out);
    assert_string_equal(out, "2026-02-28");
    pn__date_format(pn__date_add_months(a, 13), out);
    assert_string_equal(out, "2027-02-28");
    pn__date_parse("2024-01-31", &a);
    pn__date_format(pn__date_add_months(a, 1), out);
    assert_string_equal(out, "2024-02-29");
    pn__date_format(pn__date_add_months(a, -2), out);
    assert_string_equal(out, "2023-11-30");
    setenv("PARANEO_TODAY", "2026-11-25", 1);
    pn__date_format(pn__date_today(), out);
    assert_string_equal(out, "2026-11-25");
    unsetenv("PARANEO_TODAY");
}

static void test_text(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(pn__text_fold("  Low   SODIUM\t", buf, sizeof buf), 10);
    assert_string_equal(buf, "low sodium");
    pn__text_ab_key("Anti-Hu", buf, sizeof buf);
    assert_string_equal(buf, "hu");
    pn__text_ab_key("ANNA-1", buf, sizeof buf);
    assert_string_equal(buf, "anna1");
    pn__text_ab_key("P/Q-type VGCC", buf, sizeof buf);
    assert_string_equal(buf, "pqtypevgcc");
    pn__text_ab_key("Anti", buf, sizeof buf);
    assert_string_equal(buf, "anti");
    assert_true(pn__text_has_phrase("small cell lung cancer", "small cell"));
    assert_false(pn__text_has_phrase("smallcell lung cancer", "small cell"));
    assert_true(pn__text_has_phrase("hydrochlorothiazide 25 mg", "hydrochlorothiazide"));
    assert_false(pn__text_has_phrase("cisplatinum", "cisplatin"));
    assert_true(pn__text_has_phrase("x (sclc)", "sclc"));
    assert_false(pn__text_has_phrase("abc", ""));
    assert_int_equal(pn__text_fold("abcdef", buf, 4), (size_t)-1);
}

static void test_strmap(void **state)
{
    (void)state;
    pn_strmap m;
    pn__strmap_init(&m);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(pn__strmap_put(&m, key, i, NULL), 0);
    }
    int old = -1;
    assert_int_equal(pn__strmap_put(&m, "k7", 99, &old), 1);
    assert_int_equal(old, 7);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(pn__strmap_get(&m, key), i);
    }
    assert_int_equal(pn__strmap_get(&m, "nope"), -1);
    assert_int_equal(pn__strmap_getn(&m, "k12345", 3), 12);
    pn__strmap_free(&m);
    assert_int_equal(pn__strmap_get(&m, "k1"), -1);
}

static void test_arena(void **state)
{
    (void)state;
    pn_arena a;
    pn__arena_init(&a, 64);
    char *s = pn__arena_strdup(&a, "hello");
    assert_string_equal(s, "hello");
    for (int i = 0; i < 100; i++) {
        unsigned char *p = pn__arena_alloc(&a, (size_t)i * 7 + 1);
        assert_non_null(p);
        assert_int_equal(((uintptr_t)p) % _Alignof(max_align_t), 0);
        assert_int_equal(p[0], 0);
    }
    void *big = pn__arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    assert_null(pn__arena_alloc(&a, SIZE_MAX - 4));
    pn__arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loinc),  cmocka_unit_test(test_snomed),
        cmocka_unit_test(test_icd10_hpo_atc), cmocka_unit_test(test_dates),
        cmocka_unit_test(test_text),   cmocka_unit_test(test_strmap),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
