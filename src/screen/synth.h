/* synth.h - synthetic FHIR R4 Bulk Data exports for the bulk screener
 * (paraneo synth).  Internal to the application: synth.c writes the files
 * and the background population, synth_patterns.c plants the syndromes and
 * mimics whose truth goes to truth.ndjson. */
#ifndef PN_SYNTH_H
#define PN_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pn_synth_opts {
    uint64_t patients;
    uint64_t seed;
    const char *out;   /* directory, created if missing */
    double pns_rate;   /* share of patients with a planted paraneoplastic pattern */
    double mimic_rate; /* share with a planted mimic */
    bool grouped;      /* write each patient's resources together */
    int32_t as_of;     /* days since 1970-01-01: the export's transaction date */
} pn_synth_opts;

typedef struct pn_synth_stats {
    uint64_t bytes;
    uint64_t resources[6]; /* Patient, Observation, Condition, MedicationStatement,
                              MedicationRequest, Procedure */
    uint64_t planted_pns, planted_mimic;
} pn_synth_stats;

/* Writes the export into opts->out atomically (temporary files renamed at
 * the end).  0 on success; -2 when the output directory cannot be made or
 * is not one, -1 when writing fails, with a message in err naming the file
 * and the reason. */
int pn__synth_run(const pn_synth_opts *opts, pn_synth_stats *stats, char *err, size_t errlen);

/* ---- shared between synth.c and synth_patterns.c ----------------------- */

typedef struct pn_sy_rng {
    uint64_t s[4];
} pn_sy_rng;

uint64_t pn__sy_next(pn_sy_rng *r);
double pn__sy_unif(pn_sy_rng *r);                  /* [0, 1) */
double pn__sy_uniform(pn_sy_rng *r, double lo, double hi);
double pn__sy_normal(pn_sy_rng *r, double mean, double sd);
int pn__sy_int(pn_sy_rng *r, int lo, int hi);      /* lo..hi inclusive */
bool pn__sy_chance(pn_sy_rng *r, double p);

/* Laboratory analytes the generator writes (each one a KB lab). */
typedef enum {
    L_SODIUM, L_POTASSIUM, L_CHLORIDE, L_BICARB, L_UREA, L_CREAT, L_GLUCOSE, L_CALCIUM, L_ALBUMIN,
    L_HB, L_HCT, L_PLT, L_WBC, L_HBA1C, L_TSH, L_B12, L_CRP, L_FERRITIN, L_OSM_SERUM, L_OSM_URINE,
    L_NA_URINE, L_URATE, L_PTH, L_PTHRP, L_PHOSPHATE, L_CORTISOL, L_UFC, L_ACTH, L_CK, L_CSF_PROTEIN,
    L_CSF_WBC, L_CA125, L_NSE, L_ALP, L_EPO, L_EOS, L_LDH, L_CEA, L_ESR, L_CALCIUM_ION,
    L_COUNT
} pn_sy_lab;

/* Antibodies (each one a KB antibody, by LOINC where the KB has one). */
typedef enum {
    AB_HU, AB_YO, AB_VGCC, AB_SOX1, AB_NMDAR, AB_GABABR, AB_MA2, AB_AMPAR, AB_CV2, AB_TIF1G, AB_ACHR,
    AB_LGI1, AB_COUNT
} pn_sy_ab;

/* Tumours the generator can record (each maps to a KB tumour). */
typedef enum {
    T_SCLC, T_NSCLC, T_LUNG, T_LUNG_CARCINOID, T_BREAST, T_PROSTATE, T_COLORECTAL, T_OVARY,
    T_OVARIAN_TERATOMA, T_TESTIS, T_HODGKIN, T_NHL, T_MELANOMA, T_BLADDER, T_KIDNEY, T_HEAD_NECK,
    T_THYMOMA, T_UTERUS, T_COUNT
} pn_sy_tumour;

const char *pn__sy_tumour_id(pn_sy_tumour t); /* the KB tumour id */

/* Drugs (ATC, RxNorm where known, display). */
typedef enum {
    D_ATORVASTATIN, D_SIMVASTATIN, D_METFORMIN, D_HCTZ, D_INDAPAMIDE, D_LISINOPRIL, D_RAMIPRIL,
    D_AMLODIPINE, D_LOSARTAN, D_SERTRALINE, D_CITALOPRAM, D_OMEPRAZOLE, D_LEVOTHYROXINE, D_ASPIRIN,
    D_BISOPROLOL, D_SALBUTAMOL, D_TIOTROPIUM, D_GLARGINE, D_GLICLAZIDE, D_FUROSEMIDE, D_APIXABAN,
    D_CISPLATIN, D_CARBOPLATIN, D_OXALIPLATIN, D_PACLITAXEL, D_ETOPOSIDE, D_TAMOXIFEN, D_LETROZOLE,
    D_PEMBROLIZUMAB, D_PREDNISOLONE, D_CARBAMAZEPINE, D_COLECALCIFEROL, D_PREGABALIN,
    D_FERROUS_SULFATE, D_ALLOPURINOL, D_VINCRISTINE, D_COUNT
} pn_sy_drug;

enum { SY_FEMALE = 0, SY_MALE = 1 };
enum { SY_NEVER = 0, SY_FORMER = 1, SY_CURRENT = 2 };

/* Constraints a planted pattern puts on the background of its patient. */
enum {
    SYC_NO_THIAZIDE = 1 << 0,  /* and no other hyponatraemia drug */
    SYC_NO_DIABETES = 1 << 1,
    SYC_NO_CANCER = 1 << 2,    /* no background cancer history */
    SYC_NO_NEURO = 1 << 3,     /* no background neuropathy / fatigue findings */
    SYC_NO_STEROID = 1 << 4,
    SYC_NO_CA_DRUGS = 1 << 5,  /* no vitamin D, calcium, thiazide */
    SYC_NO_DEPRESSION = 1 << 6,
};

/* One patient being written.  The fields before "private" are the ones a
 * pattern reads or sets. */
typedef struct pn_sy_patient {
    pn_sy_rng r;
    char id[24];       /* "p000123" */
    int32_t as_of;     /* day numbers (days since 1970-01-01) */
    int32_t birth;
    int age, sex, smoking;
    double pack_years;
    unsigned constraints;
    bool diabetic, hypertensive, thiazide, ssri, had_cancer;
    /* resources written so far, by type (Patient, Observation, Condition,
     * MedicationStatement, MedicationRequest, Procedure) */
    unsigned n[6];
    /* private to synth.c */
    void *blk;
} pn_sy_patient;

/* A planted pattern: demographics first (before the background), then its
 * evidence (after it).  truth_tumour is the tumour behind a paraneoplastic
 * pattern (NULL for most mimics); name names the variant. */
typedef struct pn_sy_plant {
    const char *syndrome; /* contract syndrome id */
    const char *pattern;  /* pattern name */
    const char *tumour;   /* KB tumour id or NULL */
    bool cancer_recorded; /* the export holds a cancer Condition */
} pn_sy_plant;

typedef struct pn_sy_pattern {
    const char *name;
    const char *syndrome;
    bool pns;
    /* sets age, sex, smoking, constraints */
    void (*setup)(pn_sy_patient *p);
    /* writes the evidence; fills the truth */
    void (*plant)(pn_sy_patient *p, pn_sy_plant *truth);
} pn_sy_pattern;

extern const pn_sy_pattern pn__sy_pns_patterns[];
extern const size_t pn__sy_n_pns_patterns;
extern const pn_sy_pattern pn__sy_mimic_patterns[];
extern const size_t pn__sy_n_mimic_patterns;

/* ---- resource writers (synth.c) ---------------------------------------- */

/* A laboratory result on day (days since epoch). */
void pn__sy_lab(pn_sy_patient *p, pn_sy_lab lab, double value, int32_t day);
/* A clinical finding coded in HPO (or, with hpo NULL, a free-text exam
 * Observation whose text is a KB term label).  onset < 0: none recorded;
 * course / severity may be NULL. */
void pn__sy_finding(pn_sy_patient *p, const char *hpo, const char *label, bool present, int32_t onset,
                    int32_t day, const char *course, const char *severity);
/* An antibody test: result "Positive"/"Negative", method and specimen as
 * text ("Cell-based assay", "CSF"), titre may be NULL. */
void pn__sy_antibody(pn_sy_patient *p, pn_sy_ab ab, bool positive, const char *method,
                     const char *specimen, const char *titer, int32_t day);
/* A cancer on the problem list: clinical "active" | "remission" | "resolved";
 * verification "confirmed" | "provisional". */
void pn__sy_cancer(pn_sy_patient *p, pn_sy_tumour t, const char *clinical, const char *verification,
                   int32_t onset);
/* A problem-list condition coded in HPO (+ SNOMED CT and ICD-10-CM when
 * given). */
void pn__sy_condition(pn_sy_patient *p, const char *hpo, const char *label, const char *snomed,
                      const char *icd10, int32_t onset, const char *clinical);
/* A drug: a MedicationStatement (statement true) or MedicationRequest; end < 0
 * for ongoing. */
void pn__sy_drug(pn_sy_patient *p, pn_sy_drug d, int32_t start, int32_t end, bool statement);
/* A procedure; outcome NULL for treatments; end < 0 for a single day. */
void pn__sy_procedure(pn_sy_patient *p, const char *text, const char *snomed, int32_t start, int32_t end,
                      const char *outcome);

#endif
