/* kb_int.h - the knowledge base's private layout.
 *
 * The KB keeps the validated JSON documents (jansson) as its single source of
 * truth and adds typed indexes for the look-ups the case parser and engine do
 * on every case.  Strings in the typed arrays point into the JSON documents,
 * which live as long as the KB. */
#ifndef PN_KB_INT_H
#define PN_KB_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "paraneo.h"
#include "util/arena.h"
#include "util/strmap.h"

/* One element of a merged section, remembered with where it came from. */
typedef struct pn_kb_item {
    json_t *obj;   /* borrowed from the file's document */
    int file;      /* index into kb->files */
    size_t index;  /* position in that file's section array */
} pn_kb_item;

typedef struct pn_kb_section {
    pn_kb_item *items;
    size_t len, cap;
} pn_kb_section;

typedef struct pn_kb_file {
    char *rel;   /* path relative to the KB directory */
    json_t *doc;
} pn_kb_file;

typedef struct pn_kb_unit {
    const char *unit;
    double factor, offset;
} pn_kb_unit;

typedef struct pn_kb_lab {
    const char *id, *name, *unit; /* unit: the canonical one */
    pn_kb_unit *units;
    size_t n_units;
    bool computed;
    json_t *obj;
} pn_kb_lab;

typedef struct pn_kb_tumour {
    const char *id, *name;
    int group;   /* tumour index, or -1 */
    int sex;     /* 0 any, 1 female, 2 male */
    json_t *icd10, *names; /* arrays of strings */
    json_t *obj;
} pn_kb_tumour;

typedef struct pn_kb_drug {
    const char *id, *name;
    json_t *atc, *names;
    json_t *obj;
} pn_kb_drug;

typedef struct pn_kb_antibody {
    const char *id, *name, *risk, *antigen;
    json_t *obj;
} pn_kb_antibody;

typedef struct pn_kb_term {
    const char *id, *label;
    int maps_to; /* term index, or -1 */
    json_t *obj;
    double background; /* share of evaluated patients with the finding; 0: the default */
} pn_kb_term;

/* A syndrome's evidence item compiled at load time (evidence.c): the
 * engine weighs it without looking anything up. */
typedef enum {
    PN_EV_FINDING,
    PN_EV_ANTIBODY,
    PN_EV_DRUG,
    PN_EV_TREATMENT,
    PN_EV_TUMOUR,
    PN_EV_CRITERIA,
    PN_EV_SEX,
    PN_EV_SMOKING,
    PN_EV_AGE
} pn_ev_kind;

typedef struct pn_kb_ev {
    pn_ev_kind kind;
    int target;               /* term, antibody, drug, tumour or criteria index; sex 1 female
                                 2 male; smoking 1 current 2 former 3 never */
    const char *name;         /* the subject as the KB writes it */
    double lr_pos, lr_neg;    /* 0: the KB gives no figure for that direction */
    const char *basis;        /* where the figures come from */
    double a, b;              /* age [a, b) or drug window_days [a, b] */
    bool window, has_within;
    double within;
    bool obligate;            /* frequency "obligate": the finding defines the syndrome */
    json_t *obj;
} pn_kb_ev;

typedef struct pn_kb_syndrome {
    const char *id, *name, *system, *kind;
    json_t *obj;
    pn_kb_ev *ev;
    size_t n_ev;
    bool has_criteria_item;
    double prior_cancer, prior_no_cancer;
    json_t *prior_obj, *course_obj; /* for citing */
    double course[4];               /* by pn_course; course_obj NULL when unknown */
} pn_kb_syndrome;

/* Section ids, in the order they are validated (references point back). */
enum {
    PN_SEC_SOURCES,
    PN_SEC_TERMS,
    PN_SEC_TUMOURS,
    PN_SEC_DRUGS,
    PN_SEC_LABS,
    PN_SEC_ANTIBODIES,
    PN_SEC_SYNDROMES,
    PN_SEC_CRITERIA,
    PN_SEC_WORKUP,
    PN_SEC_RESCREENING,
    PN_SEC_MAPPINGS,
    PN_SEC_COUNT
};

struct pn_kb {
    char *dir;
    pn_kb_file *files;
    size_t n_files;
    pn_kb_section sec[PN_SEC_COUNT];
    json_t *meta, *pns_care, *triage; /* single objects (borrowed) */
    const char *version;
    char *contract;       /* contract-syndromes.tsv text */
    size_t contract_len;
    char digest[7 + 64 + 1];

    /* id indexes: value = position in the section */
    pn_strmap ids[PN_SEC_COUNT];
    pn_strmap term_names;  /* folded label/synonym -> term index */
    pn_strmap ab_names;    /* antibody key (pn__text_ab_key) -> antibody index */
    pn_strmap lab_names;   /* folded name -> lab index */
    pn_strmap lab_loinc;   /* LOINC code -> lab index */
    pn_strmap codes;       /* "system|code" -> mappings index */
    /* the free-text mappings, one entry per (kind, phrase), sorted by kind,
     * then longest phrase first, then KB order: the first match of a kind
     * is the answer (pn__kb_text_mapping) */
    struct pn_kb_text_map {
        const char *kind, *phrase, *value;
        size_t len, order;
    } *text_maps;
    size_t n_text_maps;

    pn_kb_term *terms;
    pn_kb_tumour *tumours;
    pn_kb_drug *drugs;
    pn_kb_lab *labs;
    pn_kb_antibody *antibodies;
    pn_kb_syndrome *syndromes;
    size_t n_terms, n_tumours, n_drugs, n_labs, n_antibodies, n_syndromes;

    /* fact counts, by grade */
    size_t facts, facts_verified;

    pn_arena arena;
};

extern const char *const pn__kb_section_names[PN_SEC_COUNT];

/* validate.c: full validation of the merged sections; fills the id indexes. */
pn_status pn__kb_validate(pn_kb *kb, pn_error *err);
/* index.c: typed arrays and name indexes (after validation). */
pn_status pn__kb_index(pn_kb *kb, pn_error *err);
/* evidence.c: compiles each syndrome's evidence (after the indexes). */
pn_status pn__kb_compile_evidence(pn_kb *kb, pn_error *err);
/* load.c: load from in-memory files (the fuzz harness and tests use this). */
typedef struct pn_kb_source_file {
    const char *rel;
    const char *data;
    size_t len;
} pn_kb_source_file;
pn_status pn__kb_load_files(const pn_kb_source_file *files, size_t n, const char *contract_tsv,
                            size_t contract_len, pn_kb **out, pn_error *err);

/* Look-ups used by the case parser and the engine; -1 when absent. */
int pn__kb_find(const pn_kb *kb, int section, const char *id);
int pn__kb_term_by_name(const pn_kb *kb, const char *label);
int pn__kb_antibody_by_name(const pn_kb *kb, const char *name);
int pn__kb_lab_by_loinc(const pn_kb *kb, const char *loinc);
int pn__kb_lab_by_name(const pn_kb *kb, const char *name);
/* Converts value in unit to the lab's canonical unit; false when the unit
 * is not one the KB knows for that lab. */
bool pn__kb_lab_convert(const pn_kb *kb, int lab, const char *unit, double value, double *out);
/* The reverse: a canonical value expressed in unit (a unit the lab lists). */
bool pn__kb_lab_to_unit(const pn_kb *kb, int lab, double canon, const char *unit, double *out);
/* The best tumour for an ICD-10 code and/or free-text name, or -1. */
int pn__kb_tumour_match(const pn_kb *kb, const char *icd10, const char *name);
/* True if the medication (ATC code and/or name) belongs to drug class d. */
bool pn__kb_drug_matches(const pn_kb *kb, int d, const char *atc, const char *name);
/* Does tumour a fall under b or b under a (same, or one is the other's group)? */
bool pn__kb_tumour_related(const pn_kb *kb, int a, int b);
/* The mapping of a coded value ("system|code"), or NULL; *kind and *value
 * say what it maps to (e.g. "tumour", "sclc"). */
json_t *pn__kb_mapping(const pn_kb *kb, const char *system, const char *code, const char **kind,
                       const char **value);
/* The longest "text" mapping of kind whose phrase occurs in text, or NULL. */
const char *pn__kb_text_mapping(const pn_kb *kb, const char *kind, const char *text);
/* The citation of a source id, or NULL. */
const char *pn__kb_citation(const pn_kb *kb, const char *source_id);

#endif
