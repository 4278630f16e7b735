/* case_int.h - a parsed case: the contract's case/1 with every name resolved
 * against the knowledge base, units converted and defaults applied.
 * Everything lives in the case's arena. */
#ifndef PN_CASE_INT_H
#define PN_CASE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "paraneo.h"
#include "util/arena.h"

typedef enum { PN_SEX_UNKNOWN, PN_SEX_FEMALE, PN_SEX_MALE, PN_SEX_OTHER } pn_sex;
typedef enum { PN_SMOKE_UNKNOWN, PN_SMOKE_CURRENT, PN_SMOKE_FORMER, PN_SMOKE_NEVER } pn_smoking;
typedef enum { PN_COURSE_NONE, PN_COURSE_ACUTE, PN_COURSE_SUBACUTE, PN_COURSE_CHRONIC } pn_course;
typedef enum { PN_SEV_NONE, PN_SEV_MILD, PN_SEV_MODERATE, PN_SEV_SEVERE } pn_severity;
typedef enum { PN_AB_POSITIVE, PN_AB_NEGATIVE, PN_AB_EQUIVOCAL } pn_ab_result;
typedef enum { PN_SPEC_NONE, PN_SPEC_SERUM, PN_SPEC_CSF } pn_specimen;
typedef enum {
    PN_METHOD_NONE,
    PN_METHOD_CBA,
    PN_METHOD_IIF,
    PN_METHOD_IHC,
    PN_METHOD_IMMUNOBLOT,
    PN_METHOD_LINE_BLOT,
    PN_METHOD_ELISA,
    PN_METHOD_RIA,
    PN_METHOD_UNKNOWN
} pn_method;
typedef enum {
    PN_CANCER_ACTIVE,
    PN_CANCER_REMISSION,
    PN_CANCER_SUSPECTED,
    PN_CANCER_HISTORY
} pn_cancer_status;
typedef enum { PN_ANTIGEN_UNKNOWN, PN_ANTIGEN_SHOWN, PN_ANTIGEN_ABSENT } pn_antigen;
typedef enum {
    PN_SCREEN_UNKNOWN,
    PN_SCREEN_NEGATIVE,
    PN_SCREEN_POSITIVE,
    PN_SCREEN_NOT_DONE
} pn_screen_result;

typedef struct pn_finding {
    const char *hpo;   /* as given, or mapped from the label; NULL if unmapped */
    const char *label;
    int term;          /* KB term index, -1 if not in the catalogue */
    bool present;
    bool mapped_from_label;
    int32_t onset;     /* PN_NO_DATE if not given */
    pn_course course;  /* given, or derived from onset and as_of */
    bool course_derived;
    pn_severity severity;
} pn_finding;

typedef struct pn_ab_test {
    const char *target; /* as given */
    int antibody;       /* KB index, -1 if unknown */
    pn_ab_result result;
    pn_specimen specimen;
    pn_method method;
    const char *titer;
} pn_ab_test;

typedef struct pn_lab_result {
    const char *loinc, *name, *unit;
    int lab;            /* KB index, -1 if unknown */
    double value;       /* as given */
    double canon;       /* in the lab's canonical unit, when converted */
    bool converted;
    int32_t date;
} pn_lab_result;

typedef struct pn_cancer {
    const char *icd10, *name;
    int tumour;         /* KB index, -1 if not recognised */
    pn_cancer_status status;
    int32_t diagnosed;
    pn_antigen antigen;
} pn_cancer;

typedef struct pn_drug_use {
    const char *name, *atc, *kind; /* kind: treatments[] only */
    int32_t start, end;
    int *classes;                  /* KB drug-class indexes */
    size_t n_classes;
} pn_drug_use;

struct pn_case {
    pn_arena arena;
    const struct pn_kb *kb; /* the KB the names were resolved against */
    const char *id;
    int32_t as_of;
    bool as_of_given;
    struct {
        double age;
        bool has_age;
        pn_sex sex;
        pn_smoking smoking;
        double pack_years;
        bool has_pack_years;
    } patient;
    pn_finding *findings;
    size_t n_findings;
    int *phenotypes; /* KB syndrome indexes */
    size_t n_phenotypes;
    pn_ab_test *antibodies;
    size_t n_antibodies;
    pn_lab_result *labs;
    size_t n_labs;
    pn_cancer *cancers;
    size_t n_cancers;
    struct {
        pn_screen_result result;
        int32_t first_negative, last;
    } screening;
    pn_drug_use *medications;
    size_t n_medications;
    pn_drug_use *treatments;
    size_t n_treatments;
    /* whether the list was given at all: an empty list means "none",
     * a missing one means "not known" */
    bool findings_given, antibodies_given, labs_given, cancers_given, medications_given,
        treatments_given;
    const char **warnings;
    size_t n_warnings, cap_warnings;
    /* read from FHIR: the Patient's reference and the resources used */
    const char *fhir_patient;
    const char **fhir_basis;
    size_t n_fhir_basis;
};

extern const char *const pn__sex_names[];
extern const char *const pn__smoking_names[];
extern const char *const pn__course_names[];
extern const char *const pn__severity_names[];
extern const char *const pn__ab_result_names[];
extern const char *const pn__specimen_names[];
extern const char *const pn__method_names[];
extern const char *const pn__cancer_status_names[];
extern const char *const pn__antigen_names[];
extern const char *const pn__screen_names[];

/* pn_case_parse on a document already read (the FHIR reader's mapped case:
 * no print and re-read); root stays the caller's. */
pn_status pn__case_from_doc(const pn_kb *kb, json_t *root, pn_case **out, pn_error *err);

/* Adds a warning (printf-style); false on allocation failure. */
bool pn__case_warn(pn_case *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
