/* scan.h - the bulk screener's one-pass NDJSON line scanner (internal).
 *
 * pn__scan_line validates one line as JSON exactly as jansson's json_loadb
 * (flags 0) does, and extracts what the screener needs to join resources by
 * patient: the resourceType and the patient key (Patient.id, or the id in
 * subject.reference / patient.reference).  No allocation, no copy of the
 * line; decoded values go to small fixed buffers in the result.
 *
 * Agreement with jansson (checked by fuzz/fuzz_scan.c):
 *   - PN_SCAN_SYNTAX exactly when jansson rejects the line;
 *   - otherwise the same resourceType and patient key as jansson's tree
 *     gives through pn__scan_key_from_ref;
 *   - the one leniency: a line of JSON whitespace only is PN_SCAN_BLANK
 *     (NDJSON writers leave blank lines; jansson calls them an error). */
#ifndef PN_SCREEN_SCAN_H
#define PN_SCREEN_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PN_SCAN_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */
#define PN_SCAN_TYPE_MAX 64    /* longest resourceType kept */
#define PN_SCAN_REF_MAX 256    /* longest reference decoded */
#define PN_SCAN_KEY_MAX 128    /* longest patient id accepted */

typedef enum pn_scan_kind {
    PN_SCAN_OK = 0,  /* usable: type and key filled */
    PN_SCAN_BLANK,   /* whitespace only: ignored silently */
    PN_SCAN_SYNTAX,  /* not valid JSON (or not UTF-8): reason and col */
    PN_SCAN_SKIP     /* valid JSON the screener cannot use: reason */
} pn_scan_kind;

/* Resource types the FHIR reader uses (index = pn__scan_type_name order). */
enum {
    PN_RT_PATIENT, PN_RT_OBSERVATION, PN_RT_CONDITION, PN_RT_MEDSTATEMENT, PN_RT_MEDREQUEST,
    PN_RT_PROCEDURE, PN_RT_DIAGREPORT, PN_RT_COUNT
};

typedef struct pn_scan_result {
    pn_scan_kind kind;
    const char *reason;  /* static text for SYNTAX and SKIP */
    size_t col;          /* byte offset of a syntax error in the line */
    int type;            /* PN_RT_* (OK), else -1 */
    size_t type_len;     /* decoded resourceType; type_len > PN_SCAN_TYPE_MAX: too long */
    char type_name[PN_SCAN_TYPE_MAX + 1];
    size_t key_len;
    char key[PN_SCAN_KEY_MAX + 1]; /* the patient id, NUL-terminated */
    /* The raw (still escaped) reference string inside the line, for the
     * screener to rewrite it to "Patient/<key>" when it has another form
     * ("urn:uuid:...", an absolute URL, escapes).  ref_len 0 for a Patient. */
    size_t ref_off, ref_len;
    bool ref_rewrite;
} pn_scan_result;

/* Scans line[0..n) (without its newline). */
pn_scan_kind pn__scan_line(const char *line, size_t n, pn_scan_result *r);

/* The patient key a decoded reference names: "Patient/<id>" (also inside an
 * absolute URL, with an optional "/_history/..."), or "urn:uuid:<id>".  The
 * key must look like a FHIR id ([A-Za-z0-9._-], 1..PN_SCAN_KEY_MAX).
 * Returns the key length, or 0 with *why set. */
size_t pn__scan_key_from_ref(const char *ref, size_t n, char *key, const char **why);
/* Validates a Patient.id as a key (same rule); returns its length or 0. */
size_t pn__scan_key_from_id(const char *id, size_t n, char *key, const char **why);

/* Index of a resourceType among PN_RT_*, or -1. */
int pn__scan_type_index(const char *name, size_t n);
const char *pn__scan_type_name(int type);

/* A 64-bit hash of a key, the same on every machine (partitions, MPI ranks). */
uint64_t pn__scan_hash(const char *key, size_t n);

#endif
