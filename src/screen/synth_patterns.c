/* synth_patterns.c - the paraneoplastic patterns and mimics paraneo synth
 * plants into its background population.
 *
 * Each pattern follows the evidence its syndrome has in kb/syndromes/ (JSON)
 * (and the accuracy-gate cases in tests/cases/): the same HPO terms, KB labs
 * in KB units, antibodies by the KB's LOINC or name, free-text exam findings
 * spelled as the KB term labels.  Values are drawn from ranges so no two
 * planted patients are the same.  Every planted event is dated within the
 * last months before the export date; the background's laboratory visits
 * stop three weeks before it, so a planted value is the latest one. */
#include <stdio.h>

#include "screen/synth.h"

#define RNG (&p->r)

static int32_t ago(pn_sy_patient *p, int lo, int hi) { return p->as_of - pn__sy_int(RNG, lo, hi); }
static double U(pn_sy_patient *p, double lo, double hi) { return pn__sy_uniform(RNG, lo, hi); }
static bool P(pn_sy_patient *p, double prob) { return pn__sy_chance(RNG, prob); }

static void age_in(pn_sy_patient *p, int lo, int hi) { p->age = pn__sy_int(RNG, lo, hi); }

static void smoker(pn_sy_patient *p, double current, double lo_py, double hi_py)
{
    p->smoking = P(p, current) ? SY_CURRENT : SY_FORMER;
    p->pack_years = U(p, lo_py, hi_py);
}

/* A present finding first noticed lo..hi days ago, seen at the latest visit. */
static void F(pn_sy_patient *p, const char *hpo, const char *label, int lo, int hi, const char *course,
              const char *severity)
{
    int32_t onset = ago(p, lo, hi);
    pn__sy_finding(p, hpo, label, true, onset, ago(p, 1, lo < 10 ? lo : 10), course, severity);
}

/* An absent finding (examined and not found). */
static void A(pn_sy_patient *p, const char *hpo, const char *label)
{
    pn__sy_finding(p, hpo, label, false, -1, ago(p, 1, 10), NULL, NULL);
}

/* A free-text exam or test finding whose text is a KB term label. */
static void X(pn_sy_patient *p, const char *label) { pn__sy_finding(p, NULL, label, true, -1, ago(p, 1, 14), NULL, NULL); }

static void L(pn_sy_patient *p, pn_sy_lab lab, double lo, double hi, int day_lo, int day_hi)
{
    pn__sy_lab(p, lab, U(p, lo, hi), ago(p, day_lo, day_hi));
}

static const char *sev(pn_sy_patient *p) { return P(p, 0.5) ? "moderate" : "severe"; }

static const char *titre(pn_sy_patient *p)
{
    static const char *const t[] = {"1:160", "1:320", "1:640", "1:1280", "1:2560", "1:5120"};
    return t[pn__sy_int(RNG, 0, 5)];
}

/* A cancer on record (sets the truth), diagnosed lo..hi days ago. */
static void cancer(pn_sy_patient *p, pn_sy_plant *t, pn_sy_tumour tu, const char *clinical, const char *ver, int lo,
                   int hi)
{
    pn__sy_cancer(p, tu, clinical, ver, ago(p, lo, hi));
    t->tumour = pn__sy_tumour_id(tu);
    t->cancer_recorded = true;
}

/* The reader takes a patient without any drug resource as "medications
 * unknown", which leaves "no diuretic" criteria open; a recorded drug list
 * (of something harmless) closes them, as a clinic's list would. */
static void some_drug(pn_sy_patient *p)
{
    if (p->n[3] + p->n[4] == 0)
        pn__sy_drug(p, P(p, 0.5) ? D_OMEPRAZOLE : D_AMLODIPINE, ago(p, 200, 2000), -1, P(p, 0.5));
}

/* ---- paraneoplastic ----------------------------------------------------- */

static void siadh_setup(pn_sy_patient *p)
{
    age_in(p, 55, 82);
    p->smoking = SY_CURRENT;
    p->pack_years = U(p, 30, 75);
    p->constraints |= SYC_NO_THIAZIDE | SYC_NO_CANCER;
}

static void siadh_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    /* euvolaemic hypotonic hyponatraemia, concentrated urine, natriuresis,
     * normal thyroid and adrenal function, no diuretic; no chest imaging yet */
    L(p, L_SODIUM, 128, 133, 15, 30);
    L(p, L_SODIUM, 124, 129.4, 1, 4);
    L(p, L_OSM_SERUM, 255, 272, 1, 4);
    L(p, L_OSM_URINE, 310, 650, 1, 4);
    L(p, L_NA_URINE, 35, 90, 1, 4);
    L(p, L_POTASSIUM, 3.7, 4.7, 1, 4);
    L(p, L_URATE, 1.8, 3.6, 1, 4);
    L(p, L_UREA, 4, 9, 1, 4);
    L(p, L_CREAT, 50, 80, 1, 4);
    L(p, L_TSH, 0.8, 3.2, 1, 6);
    L(p, L_CORTISOL, 11, 21, 1, 6);
    A(p, "HP:0000969", "Edema");
    A(p, "HP:0001278", "Orthostatic hypotension");
    if (P(p, 0.5))
        A(p, "HP:0011106", "Hypovolemia");
    if (P(p, 0.6)) {
        A(p, "HP:0000821", "Hypothyroidism");
        A(p, "HP:0000846", "Adrenal insufficiency");
    }
    some_drug(p);
    if (P(p, 0.65))
        F(p, "HP:0002018", "Nausea", 7, 30, "subacute", "mild");
    if (P(p, 0.5))
        F(p, "HP:0012378", "Fatigue", 20, 80, "subacute", "moderate");
    if (P(p, 0.25))
        F(p, "HP:0001289", "Confusion", 2, 10, "acute", "mild");
    if (P(p, 0.35))
        F(p, "HP:0001824", "Weight loss", 30, 120, "subacute", "mild");
    if (P(p, 0.3))
        F(p, "HP:0012735", "Cough", 30, 100, "subacute", NULL);
    t->tumour = "sclc";
}

static void hhm_setup(pn_sy_patient *p)
{
    age_in(p, 55, 82);
    smoker(p, 0.7, 25, 70);
    p->constraints |= SYC_NO_CA_DRUGS | SYC_NO_THIAZIDE | SYC_NO_CANCER;
}

static void hhm_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    double ca = U(p, 2.9, 3.6);
    pn__sy_lab(p, L_CALCIUM, ca - U(p, 0.1, 0.3), ago(p, 12, 25));
    pn__sy_lab(p, L_CALCIUM, ca, ago(p, 1, 4));
    L(p, L_ALBUMIN, 29, 37, 1, 4);
    L(p, L_PTH, 2, 9, 1, 4);
    L(p, L_PTHRP, 3.5, 16, 1, 4);
    L(p, L_PHOSPHATE, 2.0, 2.9, 1, 4);
    L(p, L_CREAT, 90, 170, 1, 4);
    some_drug(p);
    if (P(p, 0.7))
        F(p, "HP:0002019", "Constipation", 10, 45, "subacute", "moderate");
    if (P(p, 0.6))
        F(p, "HP:0000103", "Polyuria", 10, 40, "subacute", NULL);
    if (P(p, 0.5))
        F(p, "HP:0001959", "Polydipsia", 10, 40, "subacute", NULL);
    if (P(p, 0.6))
        F(p, "HP:0002018", "Nausea", 5, 30, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0001289", "Confusion", 1, 7, "acute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0001824", "Weight loss", 30, 120, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0004396", "Poor appetite", 20, 60, "subacute", NULL);
    pn_sy_tumour tu = P(p, 0.7) ? T_NSCLC : T_HEAD_NECK;
    if (P(p, 0.5))
        cancer(p, t, tu, "active", "confirmed", 20, 200);
    else
        t->tumour = pn__sy_tumour_id(tu);
}

static void hu_sn_setup(pn_sy_patient *p)
{
    age_in(p, 50, 78);
    smoker(p, 0.6, 20, 60);
    p->constraints |= SYC_NO_DIABETES | SYC_NO_NEURO | SYC_NO_CANCER;
}

static void hu_sn_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    F(p, "HP:0003401", "Asymmetric numbness and tingling, hands then feet", 60, 150, "subacute", "moderate");
    F(p, "HP:0010871", "Sensory ataxia", 40, 110, "subacute", sev(p));
    F(p, "HP:0001284", "Areflexia", 20, 60, NULL, NULL);
    if (P(p, 0.7))
        F(p, "HP:6000040", "Neuropathic pain", 40, 120, "subacute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0010831", "Impaired proprioception", 30, 90, "subacute", NULL);
    if (P(p, 0.5))
        F(p, "HP:0002495", "Impaired vibratory sensation", 30, 90, "subacute", NULL);
    if (P(p, 0.4))
        X(p, "Pseudoathetosis (involuntary writhing of the outstretched fingers with eyes closed)");
    A(p, "HP:0001324", "Muscle weakness");
    static const char *const ncs[] = {
        "Nerve conduction: absent or markedly reduced sensory nerve action potentials",
        "Nerve conduction: normal motor conduction (fewer than two abnormal motor nerves in the legs)",
        "Non-length-dependent (proximal, patchy or upper-limb-first) sensory pattern",
        "Asymmetric distribution of sensory loss",
        "Sensory loss not restricted to the lower limbs (arms or hands involved)"};
    for (int i = 0; i < 5; i++)
        if (P(p, 0.6))
            X(p, ncs[i]);
    if (P(p, 0.5))
        F(p, "HP:0001824", "Weight loss", 60, 150, "subacute", "mild");
    pn__sy_antibody(p, AB_HU, true, "Indirect immunofluorescence", "Serum", titre(p), ago(p, 3, 20));
    if (P(p, 0.6))
        pn__sy_antibody(p, AB_HU, true, "Immunoblot", "Serum", NULL, ago(p, 3, 20));
    L(p, L_B12, 300, 800, 5, 30);
    L(p, L_HBA1C, 4.9, 5.7, 5, 30);
    if (P(p, 0.25))
        cancer(p, t, T_SCLC, "active", "confirmed", 1, 20);
    else
        t->tumour = "sclc";
}

static void lems_setup(pn_sy_patient *p)
{
    age_in(p, 50, 78);
    smoker(p, 0.75, 30, 70);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER;
}

static void lems_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    F(p, "HP:0003701", "Proximal leg weakness, difficulty rising from a chair", 60, 200, "subacute", "moderate");
    F(p, P(p, 0.5) ? "HP:0001265" : "HP:0001284", "Reduced tendon reflexes", 30, 120, NULL, NULL);
    if (P(p, 0.6))
        X(p, "Reflexes that reappear or increase after brief maximal contraction");
    if (P(p, 0.75))
        F(p, "HP:0000217", "Dry mouth", 30, 150, "subacute", "mild");
    if (p->sex == SY_MALE && P(p, 0.5))
        F(p, "HP:0100639", "Erectile dysfunction", 60, 200, "subacute", NULL);
    if (P(p, 0.25))
        F(p, "HP:0000508", "Ptosis", 20, 90, "subacute", "mild");
    if (P(p, 0.2))
        F(p, "HP:0002019", "Constipation", 30, 120, "subacute", "mild");
    if (P(p, 0.6))
        X(p, "Repetitive nerve stimulation: increment >= 60% after brief exercise or high-frequency stimulation");
    char tt[32];
    snprintf(tt, sizeof tt, "%d pmol/L", pn__sy_int(RNG, 60, 900));
    pn__sy_antibody(p, AB_VGCC, true, "Radioimmunoassay", "Serum", tt, ago(p, 3, 20));
    if (P(p, 0.3))
        pn__sy_antibody(p, AB_SOX1, true, "Immunoblot", "Serum", NULL, ago(p, 3, 20));
    if (P(p, 0.5))
        pn__sy_antibody(p, AB_ACHR, false, "Radioimmunoassay", "Serum", NULL, ago(p, 3, 20));
    L(p, L_CK, 50, 180, 3, 20);
    if (P(p, 0.2))
        cancer(p, t, T_SCLC, "active", "confirmed", 1, 20);
    else
        t->tumour = "sclc";
}

static void yo_setup(pn_sy_patient *p)
{
    p->sex = SY_FEMALE;
    age_in(p, 45, 76);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER;
}

static void yo_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    F(p, "HP:0001251", "Gait and limb ataxia", 30, 100, "subacute", "severe");
    F(p, "HP:0001260", "Dysarthria", 20, 90, "subacute", sev(p));
    F(p, P(p, 0.5) ? "HP:0010545" : "HP:0000639", "Nystagmus", 20, 90, "subacute", NULL);
    if (P(p, 0.5))
        F(p, "HP:0000651", "Diplopia", 20, 90, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0002321", "Vertigo", 30, 100, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0002018", "Nausea", 30, 100, "subacute", "moderate");
    if (P(p, 0.6))
        X(p, "Cerebellar syndrome reaching severe disability within weeks to 3 months");
    if (P(p, 0.7))
        X(p, "Brain MRI normal");
    A(p, "HP:0002354", "Memory impairment");
    if (P(p, 0.6)) {
        L(p, L_CSF_WBC, 7, 35, 5, 25);
        L(p, L_CSF_PROTEIN, 45, 75, 5, 25);
    }
    pn__sy_antibody(p, AB_YO, true, "Indirect immunofluorescence", "Serum", titre(p), ago(p, 3, 20));
    if (P(p, 0.7))
        pn__sy_antibody(p, AB_YO, true, "Immunoblot", "Serum", NULL, ago(p, 3, 20));
    pn_sy_tumour tu = P(p, 0.6) ? T_OVARY : T_BREAST;
    if (tu == T_OVARY)
        L(p, L_CA125, 60, 700, 2, 15);
    if (P(p, 0.3))
        cancer(p, t, tu, "active", "confirmed", 1, 30);
    else
        t->tumour = pn__sy_tumour_id(tu);
}

typedef enum { LE_HU, LE_GABAB, LE_MA2, LE_AMPAR } le_kind;

/* setup picks the variant through the demographics; plant reads it back */
static le_kind le_variant(const pn_sy_patient *p)
{
    if (p->sex == SY_MALE && p->age < 46)
        return LE_MA2;
    return p->smoking == SY_NEVER ? LE_AMPAR : p->pack_years > 40 ? LE_HU : LE_GABAB;
}

static void le_setup(pn_sy_patient *p)
{
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER | SYC_NO_DEPRESSION;
    double u = pn__sy_unif(RNG);
    if (u < 0.2) { /* Ma2: young man, testicular tumour */
        p->sex = SY_MALE;
        age_in(p, 22, 45);
        p->smoking = SY_NEVER;
    } else if (u < 0.35) { /* AMPAR: thymoma, never smoker */
        age_in(p, 50, 75);
        p->smoking = SY_NEVER;
    } else {
        age_in(p, 52, 78);
        smoker(p, 0.7, 20, 70); /* > 40 pack-years: Hu; else GABA-B */
    }
}

static void le_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    le_kind k = le_variant(p);
    F(p, P(p, 0.5) ? "HP:0033687" : "HP:0002354", "Short-term memory loss, repeats questions", 30, 90, "subacute",
      "severe");
    if (P(p, 0.8))
        F(p, P(p, 0.5) ? "HP:0007359" : "HP:0001250", "Seizures with impaired awareness", 10, 60, "subacute",
          "moderate");
    if (P(p, 0.6))
        F(p, "HP:0000739", "Anxiety and irritability", 30, 90, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0001289", "Confusion", 5, 40, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0002360", "Sleep disturbance", 20, 80, "subacute", NULL);
    A(p, "HP:0001945", "Fever");
    if (P(p, 0.8))
        X(p, "Brain MRI: bilateral medial temporal T2/FLAIR hyperintensity");
    if (P(p, 0.7))
        X(p, "EEG: epileptic or slow-wave activity over the temporal lobes");
    if (P(p, 0.7))
        X(p, "CSF viral PCR (HSV and others) negative");
    if (P(p, 0.7)) {
        L(p, L_CSF_WBC, 6, 45, 5, 25);
        L(p, L_CSF_PROTEIN, 40, 85, 5, 25);
    }
    pn_sy_tumour tu = T_SCLC;
    switch (k) {
    case LE_HU:
        pn__sy_antibody(p, AB_HU, true, "Indirect immunofluorescence", "Serum", titre(p), ago(p, 3, 20));
        pn__sy_antibody(p, AB_HU, true, "Immunoblot", "Serum", NULL, ago(p, 3, 20));
        t->pattern = "limbic-encephalitis-hu";
        break;
    case LE_GABAB:
        pn__sy_antibody(p, AB_GABABR, true, "Cell-based assay", P(p, 0.5) ? "CSF" : "Serum", NULL, ago(p, 3, 20));
        t->pattern = "limbic-encephalitis-gabab";
        break;
    case LE_MA2:
        pn__sy_antibody(p, AB_MA2, true, "Immunoblot", "Serum", NULL, ago(p, 3, 20));
        if (P(p, 0.5))
            F(p, "HP:0001262", "Excessive daytime somnolence", 20, 80, "subacute", NULL);
        tu = T_TESTIS;
        t->pattern = "limbic-encephalitis-ma2";
        break;
    case LE_AMPAR:
        pn__sy_antibody(p, AB_AMPAR, true, "Cell-based assay", P(p, 0.5) ? "CSF" : "Serum", NULL, ago(p, 3, 20));
        tu = T_THYMOMA;
        t->pattern = "limbic-encephalitis-ampar";
        break;
    }
    if (tu != T_SCLC)
        pn__sy_antibody(p, AB_LGI1, false, "Cell-based assay", "Serum", NULL, ago(p, 3, 20));
    if (P(p, 0.3))
        cancer(p, t, tu, "active", P(p, 0.5) ? "provisional" : "confirmed", 1, 20);
    else
        t->tumour = pn__sy_tumour_id(tu);
}

static void dm_setup(pn_sy_patient *p)
{
    age_in(p, 55, 68);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER | SYC_NO_STEROID;
}

static void dm_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    F(p, "HP:0040324", "Heliotrope rash", 30, 120, "subacute", NULL);
    F(p, P(p, 0.6) ? "HP:0025508" : "HP:0430033", "Gottron papules over the knuckles", 30, 120, "subacute", NULL);
    F(p, "HP:0003701", "Proximal muscle weakness, cannot lift arms above head", 20, 90, "subacute", sev(p));
    if (P(p, 0.5))
        F(p, "HP:0003722", "Neck flexor weakness", 20, 80, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0002015", "Dysphagia", 5, 40, "subacute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0003326", "Myalgia", 20, 90, "subacute", "moderate");
    if (P(p, 0.3))
        F(p, "HP:0025535", "Shawl sign", 20, 90, "subacute", NULL);
    if (P(p, 0.4))
        F(p, "HP:0001824", "Weight loss", 30, 120, "subacute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0003458", "EMG: myopathic abnormalities", 5, 20, NULL, NULL);
    L(p, L_CK, 900, 9000, 2, 15);
    if (P(p, 0.75))
        pn__sy_antibody(p, AB_TIF1G, true, "Line blot", "Serum", NULL, ago(p, 3, 20));
    static const pn_sy_tumour f[] = {T_OVARY, T_BREAST, T_LUNG, T_COLORECTAL, T_NHL};
    static const pn_sy_tumour m[] = {T_LUNG, T_LUNG, T_COLORECTAL, T_NHL, T_HEAD_NECK};
    pn_sy_tumour tu = p->sex == SY_FEMALE ? f[pn__sy_int(RNG, 0, 4)] : m[pn__sy_int(RNG, 0, 4)];
    if (P(p, 0.2))
        cancer(p, t, tu, "active", "provisional", 1, 20);
    else
        t->tumour = pn__sy_tumour_id(tu);
}

static void acth_setup(pn_sy_patient *p)
{
    age_in(p, 40, 72);
    if (P(p, 0.6))
        smoker(p, 0.6, 15, 60);
    p->constraints |= SYC_NO_STEROID | SYC_NO_DIABETES | SYC_NO_CANCER;
}

static void acth_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    L(p, L_POTASSIUM, 2.0, 3.1, 1, 4);
    L(p, L_BICARB, 31, 38, 1, 4);
    L(p, L_GLUCOSE, 11.5, 18, 1, 4);
    L(p, L_ACTH, 110, 450, 1, 6);
    L(p, L_CORTISOL, 38, 90, 1, 6);
    L(p, L_UFC, 400, 3000, 1, 8);
    some_drug(p);
    F(p, "HP:0000822", "New hypertension", 20, 70, "subacute", NULL);
    F(p, "HP:0003701", "Proximal muscle weakness", 20, 70, "subacute", "moderate");
    if (P(p, 0.6))
        F(p, "HP:0000969", "Ankle oedema", 10, 40, "subacute", "mild");
    if (P(p, 0.5))
        F(p, "HP:0000953", "Hyperpigmentation of the skin", 20, 90, "subacute", NULL);
    if (P(p, 0.4))
        F(p, "HP:0001824", "Weight loss", 30, 90, "subacute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0012378", "Fatigue", 30, 90, "subacute", "moderate");
    if (P(p, 0.6))
        X(p, "Less than 50% cortisol suppression on high-dose dexamethasone");
    if (P(p, 0.3))
        X(p, "No central-to-peripheral ACTH gradient on inferior petrosal sinus sampling");
    pn_sy_tumour tu = P(p, 0.5) ? T_LUNG_CARCINOID : T_SCLC;
    if (P(p, 0.3))
        cancer(p, t, tu, "active", "provisional", 1, 15);
    else
        t->tumour = pn__sy_tumour_id(tu);
}

static void smn_setup(pn_sy_patient *p)
{
    age_in(p, 50, 78);
    p->constraints |= SYC_NO_DIABETES | SYC_NO_NEURO | SYC_NO_CANCER;
}

static void smn_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    /* a cancer treated without neurotoxic drugs 1-4 years ago, then a new
     * subacute sensorimotor neuropathy */
    static const pn_sy_tumour tus[] = {T_NSCLC, T_THYMOMA, T_BREAST, T_NHL};
    pn_sy_tumour tu = tus[pn__sy_int(RNG, 0, p->sex == SY_FEMALE ? 3 : 1)];
    if (tu == T_BREAST && p->sex == SY_MALE)
        tu = T_NSCLC;
    int32_t dx = ago(p, 400, 1500);
    pn__sy_cancer(p, tu, "remission", "confirmed", dx);
    t->tumour = pn__sy_tumour_id(tu);
    t->cancer_recorded = true;
    pn__sy_procedure(p, tu == T_THYMOMA ? "Surgery: thymectomy" : tu == T_BREAST ? "Surgery: mastectomy"
                        : tu == T_NHL ? "Radiotherapy, involved field" : "Surgery: lobectomy",
                     NULL, dx + pn__sy_int(RNG, 14, 40), -1, NULL);
    pn__sy_procedure(p, "CT chest, abdomen and pelvis", NULL, dx + pn__sy_int(RNG, 200, 380), -1,
                     "No evidence of malignancy");
    F(p, "HP:0003401", "Numbness and tingling of feet and hands", 50, 150, "subacute", "moderate");
    F(p, "HP:0001324", "Distal weakness", 30, 120, "subacute", "moderate");
    F(p, "HP:0001265", "Hyporeflexia", 20, 80, NULL, NULL);
    if (P(p, 0.6))
        F(p, "HP:6000040", "Neuropathic pain", 40, 120, "subacute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0003477", "Nerve conduction: axonal sensorimotor neuropathy", 5, 20, NULL, NULL);
    if (P(p, 0.5))
        X(p, "Length-dependent (distal symmetric, stocking-glove) sensory pattern");
    if (P(p, 0.4))
        F(p, "HP:0001824", "Weight loss", 40, 120, "subacute", "mild");
    if (P(p, 0.55))
        pn__sy_antibody(p, AB_CV2, true, "Immunoblot", "Serum", NULL, ago(p, 3, 20));
    L(p, L_B12, 300, 800, 5, 30);
    L(p, L_HBA1C, 4.9, 5.7, 5, 30);
    L(p, L_GLUCOSE, 4.5, 6.0, 5, 30);
}

static void nmdar_setup(pn_sy_patient *p)
{
    p->sex = SY_FEMALE;
    age_in(p, 16, 36);
    p->smoking = P(p, 0.8) ? SY_NEVER : SY_CURRENT;
    p->pack_years = p->smoking ? U(p, 1, 8) : 0;
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER | SYC_NO_DEPRESSION;
}

static void nmdar_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    F(p, "HP:0000709", "Acute psychosis with paranoid delusions", 10, 40, "acute", "severe");
    if (P(p, 0.6))
        F(p, "HP:0000713", "Agitation", 10, 35, "acute", "severe");
    if (P(p, 0.4))
        F(p, "HP:0000738", "Hallucinations", 10, 35, "acute", "moderate");
    if (P(p, 0.75))
        F(p, "HP:0001250", "Generalised seizure", 3, 25, "acute", "severe");
    if (P(p, 0.6))
        F(p, "HP:0002310", "Orofacial dyskinesia", 3, 20, "acute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0012332", "Autonomic instability: tachycardia and labile blood pressure", 2, 15, "acute", "moderate");
    if (P(p, 0.5))
        F(p, "HP:0100785", "Insomnia", 10, 40, "acute", NULL);
    if (P(p, 0.3))
        F(p, "HP:0007185", "Decreased level of consciousness", 1, 10, "acute", "severe");
    if (P(p, 0.25))
        F(p, "HP:0002300", "Mutism", 2, 15, "acute", NULL);
    if (P(p, 0.5))
        A(p, "HP:0001945", "Fever");
    if (P(p, 0.2))
        X(p, "EEG: extreme delta brush");
    L(p, L_CSF_WBC, 8, 90, 2, 15);
    L(p, L_CSF_PROTEIN, 25, 60, 2, 15);
    pn__sy_antibody(p, AB_NMDAR, true, "Cell-based assay", "CSF", NULL, ago(p, 2, 12));
    if (P(p, 0.7))
        pn__sy_antibody(p, AB_NMDAR, true, "Cell-based assay", "Serum", NULL, ago(p, 2, 12));
    if (P(p, 0.35))
        cancer(p, t, T_OVARIAN_TERATOMA, "active", P(p, 0.5) ? "provisional" : "confirmed", 1, 10);
    else
        t->tumour = "ovarian-teratoma";
}

/* ---- mimics -------------------------------------------------------------- */

static void thz_setup(pn_sy_patient *p)
{
    p->sex = P(p, 0.75) ? SY_FEMALE : SY_MALE;
    age_in(p, 65, 90);
    p->smoking = P(p, 0.8) ? SY_NEVER : SY_FORMER;
    p->pack_years = p->smoking ? U(p, 5, 30) : 0;
    p->constraints |= SYC_NO_THIAZIDE | SYC_NO_CANCER;
}

static void thz_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    int32_t start = ago(p, 14, 70);
    if (!p->hypertensive)
        pn__sy_condition(p, "HP:0000822", "Hypertension", "38341003", "I10", start - pn__sy_int(RNG, 0, 30), NULL);
    pn__sy_drug(p, P(p, 0.6) ? D_HCTZ : D_INDAPAMIDE, start, -1, P(p, 0.5));
    L(p, L_SODIUM, 122, 130, 1, 5);
    L(p, L_POTASSIUM, 3.0, 3.6, 1, 5);
    L(p, L_OSM_SERUM, 256, 274, 1, 5);
    L(p, L_OSM_URINE, 220, 480, 1, 5);
    L(p, L_NA_URINE, 30, 75, 1, 5);
    if (P(p, 0.5))
        L(p, L_TSH, 0.8, 3.2, 1, 6);
    if (P(p, 0.5))
        F(p, "HP:0002018", "Nausea", 3, 15, "acute", "mild");
    A(p, "HP:0000969", "Edema");
    if (P(p, 0.15))
        F(p, "HP:0001289", "Confusion", 1, 5, "acute", "mild");
    t->pattern = "thiazide-hyponatraemia";
}

static void phpt_setup(pn_sy_patient *p)
{
    p->sex = P(p, 0.72) ? SY_FEMALE : SY_MALE;
    age_in(p, 50, 82);
    p->constraints |= SYC_NO_CA_DRUGS | SYC_NO_CANCER;
}

static void phpt_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    (void)t;
    L(p, L_CALCIUM, 2.62, 2.85, 180, 400);
    L(p, L_CALCIUM, 2.64, 2.95, 1, 6);
    L(p, L_ALBUMIN, 38, 46, 1, 6);
    L(p, L_PTH, 72, 190, 1, 6);
    if (P(p, 0.5))
        L(p, L_PTHRP, 0.2, 1.2, 1, 6);
    L(p, L_PHOSPHATE, 2.1, 2.8, 1, 6);
    if (P(p, 0.3))
        F(p, "HP:0000787", "Kidney stone", 100, 800, "chronic", NULL);
    if (P(p, 0.4))
        F(p, "HP:0012378", "Fatigue", 90, 600, "chronic", "mild");
    if (P(p, 0.3))
        F(p, "HP:0002019", "Constipation", 90, 600, "chronic", "mild");
    if (P(p, 0.3))
        pn__sy_condition(p, "HP:0000939", "Osteoporosis", "64859006", "M81.0", ago(p, 100, 1500), NULL);
    A(p, "HP:0001289", "Confusion");
}

static void cis_setup(pn_sy_patient *p)
{
    double u = pn__sy_unif(RNG);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER | SYC_NO_DIABETES;
    if (u < 0.25) {
        p->sex = SY_MALE;
        age_in(p, 20, 42);
    } else {
        age_in(p, 45, 75);
        if (P(p, 0.7))
            smoker(p, 0.4, 20, 60);
    }
}

static void cis_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    pn_sy_tumour tu;
    if (p->sex == SY_MALE && p->age < 43)
        tu = T_TESTIS;
    else if (p->sex == SY_FEMALE && P(p, 0.4))
        tu = T_OVARY;
    else
        tu = P(p, 0.5) ? T_NSCLC : P(p, 0.5) ? T_HEAD_NECK : T_BLADDER;
    int32_t end = ago(p, 30, 240), start = end - pn__sy_int(RNG, 60, 150), dx = start - pn__sy_int(RNG, 20, 60);
    pn__sy_cancer(p, tu, "remission", "confirmed", dx);
    t->tumour = pn__sy_tumour_id(tu);
    t->cancer_recorded = true;
    pn__sy_procedure(p, tu == T_HEAD_NECK ? "Chemoradiotherapy (cisplatin)" : "Chemotherapy (cisplatin-based)", NULL,
                     start, end, NULL);
    pn__sy_drug(p, D_CISPLATIN, start, end, true);
    if (tu == T_TESTIS || tu == T_NSCLC)
        pn__sy_drug(p, D_ETOPOSIDE, start, end, true);
    int32_t on = start + (end - start) / 2 + pn__sy_int(RNG, 0, 40);
    pn__sy_finding(p, "HP:0003401", "Symmetric stocking-and-glove numbness and tingling", true, on, ago(p, 1, 10),
                   "chronic", "moderate");
    if (P(p, 0.6))
        pn__sy_finding(p, "HP:6000040", "Burning feet", true, on + 20, ago(p, 1, 10), "chronic", "mild");
    F(p, "HP:0001265", "Reduced ankle reflexes", 10, 60, NULL, NULL);
    if (P(p, 0.4))
        pn__sy_finding(p, "HP:0010871", "Sensory ataxia", true, on + 40 < p->as_of - 15 ? on + 40 : p->as_of - 15,
                       ago(p, 1, 10), "chronic", "mild");
    if (P(p, 0.5))
        X(p, "Neuropathy that kept worsening for weeks to months after the neurotoxic drug was stopped (coasting)");
    if (P(p, 0.6))
        X(p, "Length-dependent (distal symmetric, stocking-glove) sensory pattern");
    A(p, "HP:0003701", "Proximal muscle weakness");
    if (P(p, 0.5))
        pn__sy_antibody(p, AB_HU, false, "Indirect immunofluorescence", "Serum", NULL, ago(p, 3, 20));
    L(p, L_B12, 300, 800, 5, 30);
    t->pattern = "cisplatin-neuropathy";
}

static void b12_setup(pn_sy_patient *p)
{
    age_in(p, 60, 88);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER | SYC_NO_DIABETES;
}

static void b12_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    (void)t;
    pn__sy_drug(p, D_OMEPRAZOLE, ago(p, 1500, 4000), -1, true);
    L(p, L_B12, 70, 185, 1, 8);
    L(p, L_HB, 9.0, 11.4, 1, 8);
    F(p, "HP:0003401", "Numbness and tingling of feet then hands", 40, 120, "subacute", "moderate");
    F(p, "HP:0010871", "Sensory ataxia, positive Romberg, falls in the dark", 20, 90, "subacute", "moderate");
    if (P(p, 0.6))
        F(p, "HP:0002495", "Impaired vibratory sensation", 20, 90, "subacute", NULL);
    if (P(p, 0.6))
        F(p, "HP:0012378", "Fatigue", 60, 200, "chronic", "moderate");
    if (P(p, 0.6))
        X(p, "Elevated methylmalonic acid (serum or urine)");
    if (P(p, 0.2))
        X(p, "Spinal MRI: T2 hyperintensity of the posterior (dorsal) columns");
    if (P(p, 0.4))
        pn__sy_antibody(p, AB_HU, false, "Indirect immunofluorescence", "Serum", NULL, ago(p, 3, 20));
    t->pattern = "b12-deficiency-neuropathy";
}

static void dpn_setup(pn_sy_patient *p)
{
    age_in(p, 50, 82);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER | SYC_NO_DIABETES;
}

static void dpn_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    (void)t;
    int32_t dx = ago(p, 3000, 7000);
    pn__sy_condition(p, "HP:0005978", "Type 2 diabetes mellitus", "44054006", "E11.9", dx, NULL);
    pn__sy_drug(p, D_METFORMIN, dx + 30, -1, true);
    if (P(p, 0.4))
        pn__sy_drug(p, D_GLARGINE, dx + 1500, -1, false);
    L(p, L_HBA1C, 7.8, 10.5, 1, 10);
    L(p, L_GLUCOSE, 9, 15, 1, 10);
    L(p, L_B12, 300, 700, 1, 30);
    pn__sy_finding(p, "HP:0003401", "Symmetric numbness of toes and soles", true, ago(p, 900, 2500), ago(p, 1, 10),
                   "chronic", "moderate");
    if (P(p, 0.6))
        pn__sy_finding(p, "HP:6000040", "Burning feet at night", true, ago(p, 400, 1500), ago(p, 1, 10), "chronic",
                       "moderate");
    F(p, "HP:0001284", "Absent ankle reflexes", 200, 900, NULL, NULL);
    if (P(p, 0.6))
        X(p, "Length-dependent (distal symmetric, stocking-glove) sensory pattern");
    A(p, "HP:0010871", "Sensory ataxia");
    A(p, "HP:0001824", "Weight loss");
    if (P(p, 0.3))
        pn__sy_drug(p, D_PREGABALIN, ago(p, 100, 600), -1, false);
    t->pattern = "diabetic-polyneuropathy";
}

static void gbs_setup(pn_sy_patient *p)
{
    age_in(p, 22, 78);
    p->constraints |= SYC_NO_NEURO | SYC_NO_CANCER;
}

static void gbs_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    (void)t;
    int on = pn__sy_int(RNG, 6, 16);
    X(p, "Infection (diarrhoea, respiratory illness) in the 1-6 weeks before neurological onset");
    F(p, "HP:0001324", "Ascending symmetric weakness, legs then arms", on, on, "acute", "severe");
    F(p, "HP:0001284", "Areflexia", on - 3, on - 1, "acute", NULL);
    F(p, "HP:0003401", "Distal paraesthesia", on, on + 2, "acute", "mild");
    if (P(p, 0.4))
        F(p, "HP:0001349", "Bilateral facial weakness", 2, on - 2, "acute", "moderate");
    if (P(p, 0.4))
        F(p, "HP:0003418", "Low back pain", on, on + 2, "acute", "moderate");
    L(p, L_CSF_PROTEIN, 80, 250, 1, 4);
    L(p, L_CSF_WBC, 0, 4, 1, 4);
    if (P(p, 0.6))
        X(p, "CSF albuminocytological dissociation (raised protein, normal cell count)");
    if (P(p, 0.7))
        X(p, "Nerve conduction: conduction block, prolonged distal latencies or absent F-waves (acquired "
             "demyelination)");
    t->pattern = "guillain-barre";
}

static void ida_setup(pn_sy_patient *p)
{
    p->sex = P(p, 0.85) ? SY_FEMALE : SY_MALE;
    age_in(p, 22, 52);
    p->constraints |= SYC_NO_CANCER;
}

static void ida_plant(pn_sy_patient *p, pn_sy_plant *t)
{
    (void)t;
    L(p, L_PLT, 460, 720, 1, 6);
    L(p, L_HB, 8.2, 10.8, 1, 6);
    L(p, L_FERRITIN, 3, 14, 1, 6);
    L(p, L_CRP, 0.5, 4, 1, 6);
    if (p->sex == SY_FEMALE && P(p, 0.7))
        F(p, "HP:0000132", "Heavy menstrual bleeding", 200, 500, "chronic", NULL);
    if (P(p, 0.6))
        F(p, "HP:0012378", "Fatigue", 90, 300, "chronic", "moderate");
    A(p, "HP:0001824", "Weight loss");
    A(p, "HP:0030166", "Night sweats");
    t->pattern = "iron-deficiency-thrombocytosis";
}

const pn_sy_pattern pn__sy_pns_patterns[] = {
    {"siadh-smoker-no-imaging", "siadh", true, siadh_setup, siadh_plant},
    {"hypercalcaemia-pthrp-smoker", "humoral-hypercalcemia", true, hhm_setup, hhm_plant},
    {"sensory-neuronopathy-hu", "sensory-neuronopathy", true, hu_sn_setup, hu_sn_plant},
    {"lambert-eaton-vgcc-smoker", "lambert-eaton", true, lems_setup, lems_plant},
    {"cerebellar-degeneration-yo", "rapidly-progressive-cerebellar-syndrome", true, yo_setup, yo_plant},
    {"limbic-encephalitis", "limbic-encephalitis", true, le_setup, le_plant},
    {"dermatomyositis-new-onset", "inflammatory-myopathy", true, dm_setup, dm_plant},
    {"ectopic-acth", "ectopic-acth", true, acth_setup, acth_plant},
    {"neuropathy-after-cancer", "sensorimotor-neuropathy", true, smn_setup, smn_plant},
    {"nmdar-encephalitis-young-woman", "nmdar-encephalitis", true, nmdar_setup, nmdar_plant},
};
const size_t pn__sy_n_pns_patterns = sizeof pn__sy_pns_patterns / sizeof *pn__sy_pns_patterns;

const pn_sy_pattern pn__sy_mimic_patterns[] = {
    {"thiazide-hyponatraemia", "drug-induced-hyponatremia", false, thz_setup, thz_plant},
    {"primary-hyperparathyroidism", "primary-hyperparathyroidism", false, phpt_setup, phpt_plant},
    {"cisplatin-neuropathy", "treatment-toxicity", false, cis_setup, cis_plant},
    {"b12-deficiency-neuropathy", "nutritional-toxic", false, b12_setup, b12_plant},
    {"diabetic-polyneuropathy", "metabolic-neuropathy", false, dpn_setup, dpn_plant},
    {"guillain-barre", "guillain-barre", false, gbs_setup, gbs_plant},
    {"iron-deficiency-thrombocytosis", "reactive-thrombocytosis", false, ida_setup, ida_plant},
};
const size_t pn__sy_n_mimic_patterns = sizeof pn__sy_mimic_patterns / sizeof *pn__sy_mimic_patterns;
