/* text.h - small text helpers shared by the knowledge base and the case
 * parser: normalising names for look-up, and checking identifiers. */
#ifndef PN_TEXT_H
#define PN_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Lower-case ASCII copy of s into out (size cap), trimmed, runs of white
 * space folded to one space.  Returns the length, or (size_t)-1 if it does
 * not fit. */
size_t pn__text_fold(const char *s, char *out, size_t cap);
/* Antibody-name key: lower-case, with spaces, '-', '_', '/', '.', '(' and ')'
 * removed and a leading "anti" dropped ("Anti-Hu" -> "hu"). */
size_t pn__text_ab_key(const char *s, char *out, size_t cap);
/* True if needle occurs in hay as a whole word or phrase (both folded). */
bool pn__text_has_phrase(const char *hay, const char *needle);
/* Where it occurs, or NULL. */
const char *pn__text_find_phrase(const char *hay, const char *needle);
/* Is the phrase at [at, at+len) of hay negated in its clause ("no ...",
 * "... negative")?  hay is folded text. */
bool pn__text_negated(const char *hay, const char *at, size_t len);

/* Is s empty or white space only? */
bool pn__text_blank(const char *s);

/* A person-readable reason for a jansson parse error text (jansson's own
 * words mention its flags and "near" tokens a user cannot act on). */
const char *pn__json_reason(const char *jansson_text, char *buf, size_t size);

/* The longest run of whole words of folded text (longer than min_len
 * bytes) that is a key of m; its value, or -1.  *at and *len locate it. */
struct pn_strmap;
int pn__text_longest_phrase(const char *folded, const struct pn_strmap *m, size_t min_len, size_t *at,
                            size_t *len);

/* Identifier checks (the knowledge base loader and the case parser). */
bool pn__code_is_hpo(const char *s);       /* HP:nnnnnnn */
bool pn__code_is_local_term(const char *s); /* PNX:slug */
bool pn__code_loinc_ok(const char *s);     /* pattern and mod-10 check digit */
bool pn__code_snomed_ok(const char *s);    /* 6-18 digits, Verhoeff check digit */
bool pn__code_icd10_ok(const char *s);     /* A00, A00.0, A00.0000 (letters allowed) */
bool pn__code_atc_ok(const char *s);       /* an ATC code or prefix: A, A10, A10B, A10BA, A10BA02 */
bool pn__slug_ok(const char *s);           /* lower-case words joined by '-' */

#endif
