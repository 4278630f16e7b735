/* engine_int.h - the evaluation engine's private pieces.
 *
 * Evaluation runs in stages, each in its own file:
 *   observe.c       the case as observations: term states (with HPO
 *                   hierarchy and lab-derived findings), antibodies, drugs
 *   criteria.c      formal criteria sets: met / not met / unknown
 *   differential.c  Bayesian scoring of every syndrome and mimic
 *   pnscare.c       the 2021 PNS-Care score
 *   cancer.c        suspected cancers, workup, re-screening
 *   plan.c          treatment steps and patient triage
 *   report.c        the report/1 document; render.c its text forms
 * All working memory lives in one arena per evaluation. */
#ifndef PN_ENGINE_INT_H
#define PN_ENGINE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/case_int.h"
#include "kb/kb_int.h"

typedef enum { OBS_UNKNOWN = 0, OBS_PRESENT = 1, OBS_ABSENT = 2 } pn_obs_state;

typedef struct pn_term_obs {
    pn_obs_state state;
    int finding;   /* case finding that says so, or -1 */
    int lab;       /* case lab result it was derived from, or -1 */
    int via;       /* narrower (present) or broader (absent) term it came from, or -1 */
} pn_term_obs;

typedef enum { AB_UNTESTED = 0, AB_POS, AB_NEG, AB_EQUIVOCAL } pn_ab_state;

typedef struct pn_ab_obs {
    pn_ab_state state;
    bool weak_only;  /* positive only by methods the KB calls weak for it */
    int test;        /* case antibody test index (the strongest result) */
} pn_ab_obs;

typedef struct pn_obs {
    const pn_kb *kb;
    const pn_case *c;
    pn_term_obs *terms; /* per KB term */
    pn_ab_obs *abs;     /* per KB antibody */
    int *lab;           /* per KB lab: the case lab result used (latest converted), or -1 */
    int32_t onset;      /* earliest onset of a present finding, PN_NO_DATE if none */
    pn_course course;   /* course of the earliest present finding with one */
    bool any_symptom;   /* any finding recorded present */
    bool cancer_known;  /* a cancer of any status is listed */
    int computed_ca;    /* lab index of calcium-corrected, or -1 */
    double ca_corrected;
    bool has_ca_corrected;
    bool ca_uncorrected; /* no albumin: total calcium used as is */
    double igf_ratio;
    bool has_igf_ratio;
} pn_obs;

/* criteria.c */
typedef struct pn_crit_result {
    int set;       /* criteria section index */
    int syndrome;  /* the syndrome the set defines, or -1 */
    int met;       /* 1 met, 0 not met, -1 unknown */
    bool touched;  /* the case has data on at least one item */
    double points; /* for point scores */
    json_t *band;  /* the point score's band (a KB object), or NULL */
    json_t *json;  /* the report entry, built only for the sets the report shows */
} pn_crit_result;

typedef struct pn_eval {
    pn_arena arena;
    const pn_kb *kb;
    const pn_case *c;
    pn_obs obs;
    pn_crit_result *crit;
    size_t n_crit;
    /* differential */
    double *logodds, *score;  /* per syndrome */
    double *first;            /* first-pass scores (before explaining away) */
    double *first_lo;         /* ...and their log-odds (scores saturate at 1) */
    json_t **evidence;        /* per syndrome: evidence array (listed entries only) */
    bool *specific;           /* per syndrome: has a clinical item with LR >= 2 for it */
    bool specific_cur;        /* scratch of score_one */
    unsigned *symptomatic;    /* per syndrome: how many of its findings are present (LR >= 2) */
    unsigned symptomatic_cur;
    bool *antibody_backed;    /* per syndrome: a positive antibody of it counts (LR >= 2) */
    bool antibody_backed_cur;
    bool *own_proof;          /* per syndrome: an item of it with LR >= PN_OWN_PROOF_LR that is
                                 more than a frequency (imaging, an exposure, a result) holds */
    bool own_proof_cur;
    int *order;               /* syndromes by score, best first */
    json_t *report;           /* the report/1 document being built */
    json_t *warnings;
    json_t *notes;            /* notes that concern several sections */
} pn_eval;

pn_status pn__observe(pn_eval *e);
/* State of a term with the HPO hierarchy applied. */
pn_obs_state pn__obs_term(const pn_obs *o, int term, int *finding, int *lab);
/* The canonical value of lab id (computed ones included); false if unknown. */
bool pn__obs_lab_value(const pn_obs *o, const char *lab_id, double *canon, int *case_lab);
/* Does the case use drug class d; dates of the first matching use. */
bool pn__obs_drug(const pn_obs *o, int d, bool treatments, const pn_drug_use **use);

pn_status pn__criteria(pn_eval *e);
/* The report entry of set i (built on first use). */
json_t *pn__criteria_json(pn_eval *e, size_t i);
/* The result of criteria set id, or NULL. */
const pn_crit_result *pn__criteria_find(const pn_eval *e, const char *id);

pn_status pn__differential(pn_eval *e);
pn_status pn__pns_care(pn_eval *e);
pn_status pn__cancers(pn_eval *e);
pn_status pn__plan(pn_eval *e);

/* Helpers shared by the stages. */
const char *pn__jstr(json_t *obj, const char *key);
double pn__jnum(json_t *obj, const char *key, double dflt);
/* a OP b for the KB's comparison operators (<, <=, >, >=). */
bool pn__cmp(const char *op, double a, double b);
/* "PMID:1" or "PMID:1; DOI:..." for a fact's src. */
const char *pn__src_text(pn_eval *e, json_t *fact);

/* Thresholds of the report (documented in docs/model.md). */
#define PN_LIST_MIN_SCORE 0.01   /* listed in the differential from here... */
#define PN_LIST_MIN_LR 2.0       /* ...and only with real support (evidence ratio) */
#define PN_SUSPECT_SCORE 0.20    /* a syndrome this likely drives workup and PNS-Care */
#define PN_OWN_PROOF_LR 10.0     /* a mimic's own specific evidence (PNS-Care better explanation) */

#endif
