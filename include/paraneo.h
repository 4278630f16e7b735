/* paraneo.h - public API of paraneo, a clinical decision-support engine for
 * paraneoplastic syndromes.
 *
 * Ownership rule (one rule for the whole API, after jq's):
 *   - every pn_*_new / pn_*_load / pn_*_parse result is owned by the caller
 *     and released with the matching pn_*_free;
 *   - every char * returned by a function whose name ends in _json or _text
 *     is owned by the caller and released with pn_free;
 *   - every const char * returned by an accessor belongs to the object it
 *     came from and lives as long as that object.
 *
 * Errors: every fallible call returns a pn_status.  When the caller passes
 * a pn_error, the first problem is described there: the file (or "<case>"),
 * the JSON path ("$.labs[2].unit") and a message saying what to fix.
 *
 * Threads: a loaded pn_kb is read-only and may be shared by any number of
 * threads.  A pn_case belongs to one thread at a time.
 *
 * Memory exhaustion is reported as PN_ENOMEM, never by aborting. */
#ifndef PARANEO_H
#define PARANEO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PN_EXTERN __attribute__((visibility("default")))
#else
#define PN_EXTERN
#endif

#define PN_VERSION_MAJOR 0
#define PN_VERSION_MINOR 1
#define PN_VERSION_PATCH 0
#define PN_VERSION_STRING "0.1.0"

/* The status of every fallible call: XX(name, message). */
#define PN_STATUS_MAP(XX)                                                      \
    XX(OK, "success")                                                          \
    XX(EINVAL, "invalid input")                                                \
    XX(ENOMEM, "out of memory")                                                \
    XX(EIO, "input/output error")                                              \
    XX(EKB, "invalid knowledge base")                                          \
    XX(ENOTFOUND, "not found")                                                 \
    XX(ETOOBIG, "input too large")                                             \
    XX(EINTERNAL, "internal error")

typedef enum pn_status {
#define PN_XX(name, msg) PN_##name,
    PN_STATUS_MAP(PN_XX)
#undef PN_XX
    PN_STATUS_COUNT
} pn_status;

/* A caller-owned description of the first problem found. */
typedef struct pn_error {
    pn_status status;
    char file[256];    /* file name, or "<case>" for a case document */
    char path[256];    /* JSON path of the offending value, "$" for the whole document */
    char message[512]; /* what is wrong and what to do about it */
} pn_error;

typedef struct pn_kb pn_kb;     /* a loaded, validated knowledge base */
typedef struct pn_case pn_case; /* a parsed, normalised patient case */
typedef struct pn_report pn_report; /* the evaluation of a case */

/* Message for a status; never NULL. */
PN_EXTERN const char *pn_strerror(pn_status status);
/* Symbolic name of a status ("PN_EINVAL"); never NULL. */
PN_EXTERN const char *pn_status_name(pn_status status);
/* Library version, "MAJOR.MINOR.PATCH". */
PN_EXTERN const char *pn_version(void);
/* Frees strings returned by *_json and *_text functions. */
PN_EXTERN void pn_free(void *p);
/* "file: path: message" for an error, into buf; returns buf. */
PN_EXTERN const char *pn_error_format(const pn_error *err, char *buf, size_t size);

/* ---- Knowledge base -------------------------------------------------- */

/* The directory used when none is given: $PARANEO_KB if set, else the
 * installed data directory, else the source tree's kb/ (development). */
PN_EXTERN const char *pn_kb_default_dir(void);
/* Loads and validates every *.json file below dir (NULL: the default).
 * A KB with any problem is refused (PN_EKB) with err naming file and path. */
PN_EXTERN pn_status pn_kb_load(const char *dir, pn_kb **out, pn_error *err);
PN_EXTERN void pn_kb_free(pn_kb *kb);
/* The KB's declared version ("2026.11") and content digest ("sha256:..."). */
PN_EXTERN const char *pn_kb_version(const pn_kb *kb);
PN_EXTERN const char *pn_kb_digest(const pn_kb *kb);
/* Number of syndromes and mimics, and the id of the i-th (in load order). */
PN_EXTERN size_t pn_kb_syndrome_count(const pn_kb *kb);
PN_EXTERN const char *pn_kb_syndrome_id(const pn_kb *kb, size_t i);
/* One syndrome with its facts and the citations of their sources, as JSON
 * (NULL with PN_ENOTFOUND in *status when the id is unknown). */
PN_EXTERN char *pn_kb_syndrome_json(const pn_kb *kb, const char *id, pn_status *status);
/* Counts of entities and facts, verified and provisional, as JSON. */
PN_EXTERN char *pn_kb_stats_json(const pn_kb *kb);
/* What a form may offer, as JSON: {"version","digest","terms":[{id,label,
 * synonyms}], "antibodies":[{id,name,synonyms}], "labs":[{id,name,loinc,
 * unit,units}], "tumours":[{id,name,icd10}], "syndromes":[{id,name,system,
 * kind}]}; NULL when out of memory. */
PN_EXTERN char *pn_kb_vocabulary_json(const pn_kb *kb);

/* ---- Cases ----------------------------------------------------------- */

/* Parses and validates a case/1 document (../contract/README.md).  Bad
 * input gives PN_EINVAL (or PN_ETOOBIG) and a filled err; unknown HPO terms,
 * antibodies, units and fields are warnings kept in the case. */
PN_EXTERN pn_status pn_case_parse(const pn_kb *kb, const char *json, size_t len,
                                  pn_case **out, pn_error *err);
PN_EXTERN void pn_case_free(pn_case *c);
PN_EXTERN const char *pn_case_id(const pn_case *c);
PN_EXTERN size_t pn_case_warning_count(const pn_case *c);
PN_EXTERN const char *pn_case_warning(const pn_case *c, size_t i);
/* The normalised case (ids resolved, units converted, defaults applied,
 * warnings listed) as JSON; flags: PN_JSON_* below. */
PN_EXTERN char *pn_case_json(const pn_case *c, int flags);

/* Reads a patient's FHIR R4 data (a Bundle, one resource, or NDJSON of
 * resources) into a case: Patient, Observation, Condition, MedicationStatement,
 * MedicationRequest, Procedure, DiagnosticReport.  Codes are mapped through the
 * KB's terminology; every unmapped code is a warning with its count.  Errors
 * name the entry ("$.entry[3].resource...") or the NDJSON line. */
PN_EXTERN pn_status pn_case_parse_fhir(const pn_kb *kb, const char *data, size_t len,
                                       pn_case **out, pn_error *err);
/* True when a document looks like FHIR (a resourceType before any "paraneo"). */
PN_EXTERN int pn_input_is_fhir(const char *data, size_t len);

/* Largest FHIR input pn_case_parse_fhir accepts. */
#define PN_FHIR_MAX_BYTES (64u << 20)

#define PN_JSON_COMPACT 0
#define PN_JSON_PRETTY 1

/* ---- Evaluation ------------------------------------------------------ */

/* Evaluates a case parsed against the same KB: the ranked differential of
 * syndromes and mimics with the evidence for each, the PNS-Care score,
 * criteria, suspected cancers, workup, re-screening, treatment and triage.
 * Every statement carries its source. */
PN_EXTERN pn_status pn_evaluate(const pn_kb *kb, const pn_case *c, pn_report **out,
                                pn_error *err);
PN_EXTERN void pn_report_free(pn_report *r);
/* The report/1 document of the contract. */
PN_EXTERN char *pn_report_json(const pn_report *r, int flags);
/* The id of the case the report is about (NULL when the case had none). */
PN_EXTERN const char *pn_report_case_id(const pn_report *r);

/* The report as a FHIR R4 collection Bundle: a RiskAssessment (one
 * prediction per differential entry), an Observation for the PNS-Care score,
 * draft ServiceRequests for the workup.  subject_ref ("Patient/123") may be
 * NULL.  Ids are stable for the same report. */
PN_EXTERN char *pn_report_fhir(const pn_report *r, const char *subject_ref);

typedef enum pn_format { PN_FORMAT_TEXT, PN_FORMAT_MARKDOWN } pn_format;
/* The report for people: sections, bars, checklists, sources.  With
 * PN_FORMAT_TEXT, color != 0 adds ANSI colours (for a terminal). */
PN_EXTERN char *pn_report_text(const pn_report *r, pn_format format, int color);

/* Largest case document pn_case_parse accepts. */
#define PN_CASE_MAX_BYTES (4u << 20)

#ifdef __cplusplus
}
#endif

#endif /* PARANEO_H */
