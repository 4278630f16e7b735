/* synth.c - paraneo synth: a synthetic FHIR R4 Bulk Data export.
 *
 * Patients are made in blocks of SY_BLOCK.  Each patient has its own random
 * stream (from the seed and its number), so what a patient looks like does
 * not depend on the block size or on any other patient.  A block's
 * resources are rendered straight into per-type text buffers (no JSON DOM;
 * every string written is either a constant of this file or escaped) and
 * then written interleaved across the block's patients, round by round in a
 * fresh shuffled order, as a server's export would be; --grouped writes
 * them patient by patient.  Memory is one block, whatever the number of
 * patients.  Files are written as DIR/.tmp-PID-NAME and renamed when all are
 * complete, so a reader never sees half an export. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "screen/synth.h"

#define SY_BLOCK 4096
#define SY_NTYPES 6
#define SY_OUTBUF (4u << 20)

static const char *const type_names[SY_NTYPES] = {"Patient", "Observation", "Condition", "MedicationStatement",
                                                  "MedicationRequest", "Procedure"};
enum { T_PAT, T_OBS, T_COND, T_MS, T_MR, T_PROC };
static const char *const id_tag[SY_NTYPES] = {"", "o", "c", "ms", "mr", "pr"};

/* ---- random numbers: splitmix64 seeding xoshiro256** ------------------ */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(pn_sy_rng *r, uint64_t seed, uint64_t stream, uint64_t salt)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL) ^ (salt * 0x8cb92ba72f3d8dd7ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t pn__sy_next(pn_sy_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

double pn__sy_unif(pn_sy_rng *r) { return (double)(pn__sy_next(r) >> 11) * 0x1.0p-53; }
double pn__sy_uniform(pn_sy_rng *r, double lo, double hi) { return lo + (hi - lo) * pn__sy_unif(r); }
bool pn__sy_chance(pn_sy_rng *r, double p) { return pn__sy_unif(r) < p; }

int pn__sy_int(pn_sy_rng *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)(pn__sy_next(r) % (uint64_t)(hi - lo + 1));
}

double pn__sy_normal(pn_sy_rng *r, double mean, double sd)
{
    /* Box-Muller, one value per call: simple and deterministic */
    double u = pn__sy_unif(r), v = pn__sy_unif(r);
    if (u < 1e-300)
        u = 1e-300;
    return mean + sd * sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- text buffers ------------------------------------------------------ */

typedef struct sb {
    char *p;
    size_t len, cap;
} sb;

typedef struct tblk {
    sb text;
    size_t *off;          /* start of each line */
    size_t n_lines, cap_lines;
    uint32_t pfirst[SY_BLOCK], pcount[SY_BLOCK];
} tblk;

typedef struct blk {
    tblk t[SY_NTYPES];
    sb truth;
    bool oom;
    unsigned cur; /* patient being written, index in the block */
} blk;

static bool sb_reserve(blk *b, sb *s, size_t n)
{
    if (b->oom)
        return false;
    if (s->len + n <= s->cap)
        return true;
    size_t cap = s->cap ? s->cap : 1u << 16;
    while (cap < s->len + n)
        cap *= 2;
    char *q = realloc(s->p, cap);
    if (!q) {
        b->oom = true;
        return false;
    }
    s->p = q;
    s->cap = cap;
    return true;
}

static void put_n(blk *b, sb *s, const char *x, size_t n)
{
    if (!sb_reserve(b, s, n))
        return;
    memcpy(s->p + s->len, x, n);
    s->len += n;
}

#define PUT(b, s, lit) put_n((b), (s), "" lit, sizeof(lit) - 1)

static void put_s(blk *b, sb *s, const char *x) { put_n(b, s, x, strlen(x)); }

/* A JSON string body: quotes, backslashes and control characters escaped. */
static void put_esc(blk *b, sb *s, const char *x)
{
    size_t n = strlen(x);
    if (!sb_reserve(b, s, 6 * n))
        return;
    char *o = s->p + s->len;
    for (const unsigned char *c = (const unsigned char *)x; *c; c++) {
        if (*c == '"' || *c == '\\') {
            *o++ = '\\';
            *o++ = (char)*c;
        } else if (*c < 0x20) {
            static const char hex[] = "0123456789abcdef";
            memcpy(o, "\\u00", 4);
            o[4] = hex[*c >> 4];
            o[5] = hex[*c & 15];
            o += 6;
        } else {
            *o++ = (char)*c;
        }
    }
    s->len = (size_t)(o - s->p);
}

static void put_u(blk *b, sb *s, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (!sb_reserve(b, s, (size_t)n))
        return;
    while (n)
        s->p[s->len++] = tmp[--n];
}

/* A number with at most dec decimals, trailing zeros dropped ("4.2", "140"). */
static void put_num(blk *b, sb *s, double v, int dec)
{
    static const long long p10[] = {1, 10, 100, 1000, 10000};
    if (!isfinite(v))
        v = 0;
    if (dec < 0)
        dec = 0;
    if (dec > 4)
        dec = 4;
    long long q = llround(v * (double)p10[dec]);
    if (q < 0) {
        PUT(b, s, "-");
        q = -q;
    }
    long long ip = q / p10[dec], fp = q % p10[dec];
    put_u(b, s, (uint64_t)ip);
    if (fp) {
        char d[8];
        int n = dec;
        for (int i = dec - 1; i >= 0; i--) {
            d[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        while (n > 0 && d[n - 1] == '0')
            n--;
        PUT(b, s, ".");
        put_n(b, s, d, (size_t)n);
    }
}

static void civil(int32_t days, int *y, unsigned *m, unsigned *d)
{
    /* Howard Hinnant's days_from_civil inverse */
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static void fmt_date(int32_t days, char out[11])
{
    int y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = 1970;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

static void put_date(blk *b, sb *s, int32_t day)
{
    char d[11];
    fmt_date(day, d);
    put_n(b, s, d, 10);
}

/* ---- resource lines ---------------------------------------------------- */

static sb *line_begin(pn_sy_patient *p, int type)
{
    blk *b = p->blk;
    tblk *t = &b->t[type];
    if (t->n_lines == t->cap_lines) {
        size_t cap = t->cap_lines ? t->cap_lines * 2 : 1u << 14;
        size_t *q = realloc(t->off, cap * sizeof *q);
        if (!q) {
            b->oom = true;
            return &t->text;
        }
        t->off = q;
        t->cap_lines = cap;
    }
    t->off[t->n_lines++] = t->text.len;
    return &t->text;
}

static void line_end(pn_sy_patient *p, sb *s) { put_n(p->blk, s, "\n", 1); }

/* "resourceType":"X","id":"p000123-o7", */
static void head(pn_sy_patient *p, sb *s, int type)
{
    blk *b = p->blk;
    PUT(b, s, "{\"resourceType\":\"");
    put_s(b, s, type_names[type]);
    PUT(b, s, "\",\"id\":\"");
    put_s(b, s, p->id);
    PUT(b, s, "-");
    put_s(b, s, id_tag[type]);
    put_u(b, s, ++p->n[type]);
    PUT(b, s, "\",");
}

static void subject(pn_sy_patient *p, sb *s, const char *key)
{
    blk *b = p->blk;
    PUT(b, s, "\"");
    put_s(b, s, key);
    PUT(b, s, "\":{\"reference\":\"Patient/");
    put_s(b, s, p->id);
    PUT(b, s, "\"}");
}

static void put_time(pn_sy_patient *p, sb *s, int32_t day)
{
    /* a plausible clock time: labs in the morning */
    blk *b = p->blk;
    put_date(b, s, day);
    int h = pn__sy_int(&p->r, 7, 16), m = pn__sy_int(&p->r, 0, 59);
    char t[24];
    snprintf(t, sizeof t, "T%02d:%02d:00Z", h, m);
    put_s(b, s, t);
}

#define CAT_SYS "http://terminology.hl7.org/CodeSystem/observation-category"

typedef struct labdef {
    const char *text, *loinc, *display, *unit;
    double lo, hi;      /* reference range (0, 0: none given) */
    double mean, sd;    /* healthy adults (women for sex-specific ones: see lab_mean) */
    int dec;
} labdef;

/* Text is a name the KB lab knows; LOINC codes are the KB's where it has
 * them, else the standard code (the reader then matches by the text). */
static const labdef labtab[L_COUNT] = {
    [L_SODIUM] = {"Sodium", "2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 135, 145, 140, 2.0, 0},
    [L_POTASSIUM] = {"Potassium", "2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.5, 5.1, 4.2, 0.33, 1},
    [L_CHLORIDE] = {"Chloride", "2075-0", "Chloride [Moles/volume] in Serum or Plasma", "mmol/L", 98, 107, 102, 2.4, 0},
    [L_BICARB] = {"Bicarbonate", "1963-8", "Bicarbonate [Moles/volume] in Serum or Plasma", "mmol/L", 22, 29, 25.5, 1.8, 0},
    [L_UREA] = {"Urea nitrogen", "3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL", 7, 20, 14, 3.8, 0},
    [L_CREAT] = {"Creatinine", "14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "umol/L", 50, 110, 68, 11, 0},
    [L_GLUCOSE] = {"Glucose", "14749-6", "Glucose [Moles/volume] in Serum or Plasma", "mmol/L", 3.9, 7.8, 5.3, 0.65, 1},
    [L_CALCIUM] = {"Calcium", "2000-8", "Calcium [Moles/volume] in Serum or Plasma", "mmol/L", 2.15, 2.55, 2.36, 0.075, 2},
    [L_ALBUMIN] = {"Albumin", "1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/L", 35, 50, 42, 3.0, 0},
    [L_HB] = {"Hemoglobin", "718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 12, 17.5, 13.4, 1.0, 1},
    [L_HCT] = {"Hematocrit", "4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "%", 36, 50, 40, 2.8, 1},
    [L_PLT] = {"Platelet count", "777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL", 150, 400, 255, 55, 0},
    [L_WBC] = {"White blood cell count", "6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 4, 10.5, 6.8, 1.6, 1},
    [L_HBA1C] = {"Hemoglobin A1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4, 5.6, 5.4, 0.3, 1},
    [L_TSH] = {"TSH", "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L", 0.4, 4.5, 1.8, 0.7, 2},
    [L_B12] = {"Vitamin B12", "2132-9", "Cobalamin (Vitamin B12) [Mass/volume] in Serum or Plasma", "pg/mL", 200, 900, 460, 140, 0},
    [L_CRP] = {"C-reactive protein", "1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "mg/L", 0, 5, 2.5, 2.0, 1},
    [L_FERRITIN] = {"Ferritin", "2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "ng/mL", 30, 300, 110, 60, 0},
    [L_OSM_SERUM] = {"Serum osmolality", "2692-2", "Osmolality of Serum or Plasma", "mosm/kg", 275, 295, 288, 4, 0},
    [L_OSM_URINE] = {"Urine osmolality", "2695-5", "Osmolality of Urine", "mosm/kg", 50, 1200, 550, 200, 0},
    [L_NA_URINE] = {"Urine sodium", "2955-3", "Sodium [Moles/volume] in Urine", "mmol/L", 0, 0, 60, 25, 0},
    [L_URATE] = {"Uric acid", "3084-1", "Urate [Mass/volume] in Serum or Plasma", "mg/dL", 2.5, 7.0, 5.2, 1.2, 1},
    [L_PTH] = {"PTH, intact", "2731-8", "Parathyrin.intact [Mass/volume] in Serum or Plasma", "pg/mL", 15, 65, 38, 11, 0},
    [L_PTHRP] = {"PTHrP", "15087-0", "Parathyrin related protein [Moles/volume] in Serum or Plasma", "pmol/L", 0, 2.6, 0.7, 0.4, 1},
    [L_PHOSPHATE] = {"Phosphate", "2777-1", "Phosphate [Mass/volume] in Serum or Plasma", "mg/dL", 2.5, 4.5, 3.5, 0.45, 1},
    [L_CORTISOL] = {"Cortisol", "2143-6", "Cortisol [Mass/volume] in Serum or Plasma", "ug/dL", 5, 23, 13, 3.5, 1},
    [L_UFC] = {"Urine free cortisol", "2147-7", "Cortisol [Mass/time] in 24 hour Urine", "ug/(24.h)", 3.5, 45, 25, 10, 0},
    [L_ACTH] = {"ACTH", "2141-0", "Corticotropin [Mass/volume] in Plasma", "pg/mL", 7.2, 63.3, 25, 9, 0},
    [L_CK] = {"Creatine kinase", "2157-6", "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 30, 200, 105, 40, 0},
    [L_CSF_PROTEIN] = {"CSF protein", "2880-3", "Protein [Mass/volume] in Cerebral spinal fluid", "mg/dL", 15, 45, 35, 6, 0},
    [L_CSF_WBC] = {"CSF leukocytes", "26465-5", "Leukocytes [#/volume] in Cerebral spinal fluid", "/uL", 0, 5, 2, 1, 0},
    [L_CA125] = {"CA-125", "10334-1", "Cancer Ag 125 [Units/volume] in Serum or Plasma", "U/mL", 0, 35, 14, 7, 0},
    [L_NSE] = {"Neuron-specific enolase", "15060-7", "Enolase.neuron specific [Mass/volume] in Serum or Plasma", "ng/mL", 0, 16.3, 10, 3, 1},
    [L_ALP] = {"Alkaline phosphatase", "6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 40, 116, 75, 20, 0},
    [L_EPO] = {"Erythropoietin", "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma", "m[IU]/mL", 2.6, 18.5, 9, 4, 1},
    [L_EOS] = {"Eosinophil count", "711-2", "Eosinophils [#/volume] in Blood by Automated count", "10*3/uL", 0, 0.5, 0.18, 0.1, 2},
    [L_LDH] = {"Lactate dehydrogenase", "2532-0", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 120, 250, 180, 35, 0},
    [L_CEA] = {"CEA", "2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma", "ng/mL", 0, 5, 2, 1, 1},
    [L_ESR] = {"ESR", "4537-7", "Erythrocyte sedimentation rate by Westergren method", "mm/h", 0, 20, 10, 6, 0},
    [L_CALCIUM_ION] = {"Ionized calcium", "1994-3", "Calcium.ionized [Moles/volume] in Blood", "mmol/L", 1.12, 1.32, 1.22, 0.04, 2},
};

void pn__sy_lab(pn_sy_patient *p, pn_sy_lab lab, double value, int32_t day)
{
    if ((int)lab < 0 || lab >= L_COUNT)
        return;
    const labdef *L = &labtab[lab];
    blk *b = p->blk;
    sb *s = line_begin(p, T_OBS);
    head(p, s, T_OBS);
    PUT(b, s, "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"" CAT_SYS
              "\",\"code\":\"laboratory\",\"display\":\"Laboratory\"}]}],\"code\":{\"coding\":[{\"system\":"
              "\"http://loinc.org\",\"code\":\"");
    put_s(b, s, L->loinc);
    PUT(b, s, "\",\"display\":\"");
    put_esc(b, s, L->display);
    PUT(b, s, "\"}],\"text\":\"");
    put_esc(b, s, L->text);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    PUT(b, s, ",\"effectiveDateTime\":\"");
    put_time(p, s, day);
    PUT(b, s, "\",\"valueQuantity\":{\"value\":");
    put_num(b, s, value, L->dec);
    PUT(b, s, ",\"unit\":\"");
    put_esc(b, s, L->unit);
    PUT(b, s, "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"");
    put_esc(b, s, L->unit);
    PUT(b, s, "\"}");
    if (L->hi > 0) {
        const char *flag = value < L->lo ? "L" : value > L->hi ? "H" : "N";
        PUT(b, s, ",\"interpretation\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
                  "v3-ObservationInterpretation\",\"code\":\"");
        put_s(b, s, flag);
        PUT(b, s, "\"}]}]");
    }
    PUT(b, s, "}");
    line_end(p, s);
}

static void put_cc_text(blk *b, sb *s, const char *key, const char *text)
{
    PUT(b, s, "\"");
    put_s(b, s, key);
    PUT(b, s, "\":{\"text\":\"");
    put_esc(b, s, text);
    PUT(b, s, "\"}");
}

void pn__sy_finding(pn_sy_patient *p, const char *hpo, const char *label, bool present, int32_t onset,
                    int32_t day, const char *course, const char *severity)
{
    blk *b = p->blk;
    sb *s = line_begin(p, T_OBS);
    head(p, s, T_OBS);
    PUT(b, s, "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"" CAT_SYS
              "\",\"code\":\"exam\",\"display\":\"Exam\"}]}],\"code\":{");
    if (hpo) {
        PUT(b, s, "\"coding\":[{\"system\":\"http://purl.obolibrary.org/obo/hp.owl\",\"code\":\"");
        put_esc(b, s, hpo);
        PUT(b, s, "\",\"display\":\"");
        put_esc(b, s, label);
        PUT(b, s, "\"}],");
    }
    PUT(b, s, "\"text\":\"");
    put_esc(b, s, label);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    if (onset >= 0 && onset <= day) {
        PUT(b, s, ",\"effectivePeriod\":{\"start\":\"");
        put_date(b, s, onset);
        PUT(b, s, "\",\"end\":\"");
        put_date(b, s, day);
        PUT(b, s, "\"}");
    } else {
        PUT(b, s, ",\"effectiveDateTime\":\"");
        put_date(b, s, day);
        PUT(b, s, "\"");
    }
    if (present)
        PUT(b, s, ",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"LA9633-4\","
                  "\"display\":\"Present\"}],\"text\":\"Present\"}");
    else
        PUT(b, s, ",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"LA9634-2\","
                  "\"display\":\"Absent\"}],\"text\":\"Absent\"}");
    if (present && (course || severity)) {
        PUT(b, s, ",\"component\":[");
        if (course) {
            PUT(b, s, "{\"code\":{\"text\":\"course\"},\"valueString\":\"");
            put_esc(b, s, course);
            PUT(b, s, "\"}");
        }
        if (severity) {
            if (course)
                PUT(b, s, ",");
            PUT(b, s, "{\"code\":{\"text\":\"severity\"},\"valueString\":\"");
            put_esc(b, s, severity);
            PUT(b, s, "\"}");
        }
        PUT(b, s, "]");
    }
    PUT(b, s, "}");
    line_end(p, s);
}

typedef struct abdef {
    const char *loinc; /* NULL: the KB has none; the text names the antibody */
    const char *text;
} abdef;

static const abdef abs_[AB_COUNT] = {
    [AB_HU] = {"53711-8", "Hu (ANNA-1) IgG antibody"},
    [AB_YO] = {"53717-5", "Yo (PCA-1) IgG antibody"},
    [AB_VGCC] = {NULL, "P/Q-type VGCC antibody"},
    [AB_SOX1] = {"82444-1", "SOX1 (AGNA) antibody"},
    [AB_NMDAR] = {"93870-4", "NMDA receptor (GluN1) IgG antibody"},
    [AB_GABABR] = {"93428-1", "GABA-B receptor IgG antibody"},
    [AB_MA2] = {"101868-8", "Ma2 (Ta) antibody"},
    [AB_AMPAR] = {"93868-8", "AMPA receptor IgG antibody"},
    [AB_CV2] = {"72504-4", "CV2 / CRMP5 IgG antibody"},
    [AB_TIF1G] = {NULL, "TIF1-gamma antibody"},
    [AB_ACHR] = {"11034-6", "Acetylcholine receptor binding antibody"},
    [AB_LGI1] = {"82978-8", "LGI1 IgG antibody"},
};

void pn__sy_antibody(pn_sy_patient *p, pn_sy_ab ab, bool positive, const char *method,
                     const char *specimen, const char *titer, int32_t day)
{
    if ((int)ab < 0 || ab >= AB_COUNT)
        return;
    const abdef *A = &abs_[ab];
    blk *b = p->blk;
    sb *s = line_begin(p, T_OBS);
    head(p, s, T_OBS);
    PUT(b, s, "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"" CAT_SYS
              "\",\"code\":\"laboratory\",\"display\":\"Laboratory\"}]}],\"code\":{");
    if (A->loinc) {
        PUT(b, s, "\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"");
        put_s(b, s, A->loinc);
        PUT(b, s, "\"}],");
    }
    PUT(b, s, "\"text\":\"");
    put_esc(b, s, A->text);
    PUT(b, s, ", ");
    put_esc(b, s, specimen);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    PUT(b, s, ",\"effectiveDateTime\":\"");
    put_date(b, s, day);
    PUT(b, s, "\",");
    if (positive)
        PUT(b, s, "\"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                  "\"10828004\",\"display\":\"Positive\"}],\"text\":\"Positive\"}");
    else
        PUT(b, s, "\"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
                  "\"260385009\",\"display\":\"Negative\"}],\"text\":\"Negative\"}");
    PUT(b, s, ",");
    put_cc_text(b, s, "method", method);
    PUT(b, s, ",\"specimen\":{\"display\":\"");
    put_esc(b, s, specimen);
    PUT(b, s, "\"}");
    if (titer && positive) {
        PUT(b, s, ",\"component\":[{\"code\":{\"text\":\"titer\"},\"valueString\":\"");
        put_esc(b, s, titer);
        PUT(b, s, "\"}]");
    }
    PUT(b, s, "}");
    line_end(p, s);
}

typedef struct tumdef {
    const char *kb, *snomed, *snomed_display, *icd10, *text;
} tumdef;

static const tumdef tumours[T_COUNT] = {
    [T_SCLC] = {"sclc", "254632001", "Small cell carcinoma of lung", "C34.90", "Small cell lung cancer"},
    [T_NSCLC] = {"nsclc", "254637007", "Non-small cell lung cancer", "C34.90", "Non-small cell lung cancer"},
    [T_LUNG] = {"lung", "363358000", "Malignant tumor of lung", "C34.90", "Lung cancer"},
    [T_LUNG_CARCINOID] = {"lung-carcinoid", "254627002", "Lung carcinoid tumor", "C7A.090",
                          "Bronchial carcinoid tumour"},
    [T_BREAST] = {"breast", "254837009", "Malignant tumor of breast", "C50.919", "Breast cancer"},
    [T_PROSTATE] = {"prostate", "399068003", "Malignant tumor of prostate", "C61", "Prostate cancer"},
    [T_COLORECTAL] = {"colorectal", NULL, NULL, "C18.9", "Colon cancer"},
    [T_OVARY] = {"ovary", "363443007", "Malignant tumor of ovary", "C56.9", "Ovarian cancer"},
    [T_OVARIAN_TERATOMA] = {"ovarian-teratoma", "716077006", "Ovarian teratoma", "D27.9", "Ovarian teratoma"},
    [T_TESTIS] = {"testis", "363449006", "Testicular cancer", "C62.90", "Testicular germ cell tumour"},
    [T_HODGKIN] = {"hodgkin", "118599009", "Hodgkin's lymphoma", "C81.90", "Hodgkin lymphoma"},
    [T_NHL] = {"nhl", "118601006", "Non-Hodgkin's lymphoma", "C85.90", "Non-Hodgkin lymphoma"},
    [T_MELANOMA] = {"melanoma", "372244006", "Malignant melanoma", "C43.9", "Melanoma of skin"},
    [T_BLADDER] = {"bladder", NULL, NULL, "C67.9", "Bladder cancer"},
    [T_KIDNEY] = {"kidney", "41607009", "Renal cell carcinoma", "C64.9", "Renal cell carcinoma"},
    [T_HEAD_NECK] = {"head-neck", NULL, NULL, "C32.9", "Laryngeal squamous cell carcinoma"},
    [T_THYMOMA] = {"thymoma", "444231005", "Thymoma", "C37", "Thymoma"},
    [T_UTERUS] = {"uterus", NULL, NULL, "C54.1", "Endometrial cancer"},
};

const char *pn__sy_tumour_id(pn_sy_tumour t)
{
    return (int)t >= 0 && t < T_COUNT ? tumours[t].kb : NULL;
}

static void status_cc(blk *b, sb *s, const char *key, const char *system, const char *code)
{
    PUT(b, s, "\"");
    put_s(b, s, key);
    PUT(b, s, "\":{\"coding\":[{\"system\":\"");
    put_s(b, s, system);
    PUT(b, s, "\",\"code\":\"");
    put_esc(b, s, code);
    PUT(b, s, "\"}]}");
}

#define CLIN_SYS "http://terminology.hl7.org/CodeSystem/condition-clinical"
#define VER_SYS "http://terminology.hl7.org/CodeSystem/condition-ver-status"
#define CCAT_SYS "http://terminology.hl7.org/CodeSystem/condition-category"

void pn__sy_cancer(pn_sy_patient *p, pn_sy_tumour t, const char *clinical, const char *verification,
                   int32_t onset)
{
    if ((int)t < 0 || t >= T_COUNT)
        return;
    const tumdef *T = &tumours[t];
    blk *b = p->blk;
    sb *s = line_begin(p, T_COND);
    head(p, s, T_COND);
    status_cc(b, s, "clinicalStatus", CLIN_SYS, clinical);
    PUT(b, s, ",");
    status_cc(b, s, "verificationStatus", VER_SYS, verification);
    PUT(b, s, ",\"category\":[{\"coding\":[{\"system\":\"" CCAT_SYS
              "\",\"code\":\"problem-list-item\"}]}],\"code\":{\"coding\":[");
    if (T->snomed) {
        PUT(b, s, "{\"system\":\"http://snomed.info/sct\",\"code\":\"");
        put_s(b, s, T->snomed);
        PUT(b, s, "\",\"display\":\"");
        put_esc(b, s, T->snomed_display);
        PUT(b, s, "\"},");
    }
    PUT(b, s, "{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"");
    put_s(b, s, T->icd10);
    PUT(b, s, "\"}],\"text\":\"");
    put_esc(b, s, T->text);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    PUT(b, s, ",\"onsetDateTime\":\"");
    put_date(b, s, onset);
    PUT(b, s, "\",\"recordedDate\":\"");
    put_date(b, s, onset);
    PUT(b, s, "\"}");
    line_end(p, s);
}

void pn__sy_condition(pn_sy_patient *p, const char *hpo, const char *label, const char *snomed,
                      const char *icd10, int32_t onset, const char *clinical)
{
    blk *b = p->blk;
    sb *s = line_begin(p, T_COND);
    head(p, s, T_COND);
    status_cc(b, s, "clinicalStatus", CLIN_SYS, clinical ? clinical : "active");
    PUT(b, s, ",");
    status_cc(b, s, "verificationStatus", VER_SYS, "confirmed");
    PUT(b, s, ",\"category\":[{\"coding\":[{\"system\":\"" CCAT_SYS
              "\",\"code\":\"problem-list-item\"}]}],\"code\":{\"coding\":[{\"system\":"
              "\"http://purl.obolibrary.org/obo/hp.owl\",\"code\":\"");
    put_esc(b, s, hpo);
    PUT(b, s, "\",\"display\":\"");
    put_esc(b, s, label);
    PUT(b, s, "\"}");
    if (snomed) {
        PUT(b, s, ",{\"system\":\"http://snomed.info/sct\",\"code\":\"");
        put_esc(b, s, snomed);
        PUT(b, s, "\"}");
    }
    if (icd10) {
        PUT(b, s, ",{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"");
        put_esc(b, s, icd10);
        PUT(b, s, "\"}");
    }
    PUT(b, s, "],\"text\":\"");
    put_esc(b, s, label);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    PUT(b, s, ",\"onsetDateTime\":\"");
    put_date(b, s, onset);
    PUT(b, s, "\",\"recordedDate\":\"");
    put_date(b, s, onset);
    PUT(b, s, "\"}");
    line_end(p, s);
}

typedef struct drugdef {
    const char *atc, *rxnorm, *display;
} drugdef;

static const drugdef drugs[D_COUNT] = {
    [D_ATORVASTATIN] = {"C10AA05", "83367", "atorvastatin"},
    [D_SIMVASTATIN] = {"C10AA01", "36567", "simvastatin"},
    [D_METFORMIN] = {"A10BA02", "6809", "metformin"},
    [D_HCTZ] = {"C03AA03", "5487", "hydrochlorothiazide"},
    [D_INDAPAMIDE] = {"C03BA11", "5764", "indapamide"},
    [D_LISINOPRIL] = {"C09AA03", "29046", "lisinopril"},
    [D_RAMIPRIL] = {"C09AA05", "35296", "ramipril"},
    [D_AMLODIPINE] = {"C08CA01", "17767", "amlodipine"},
    [D_LOSARTAN] = {"C09CA01", "52175", "losartan"},
    [D_SERTRALINE] = {"N06AB06", "36437", "sertraline"},
    [D_CITALOPRAM] = {"N06AB04", "2556", "citalopram"},
    [D_OMEPRAZOLE] = {"A02BC01", "7646", "omeprazole"},
    [D_LEVOTHYROXINE] = {"H03AA01", "10582", "levothyroxine"},
    [D_ASPIRIN] = {"B01AC06", "1191", "aspirin"},
    [D_BISOPROLOL] = {"C07AB07", "19484", "bisoprolol"},
    [D_SALBUTAMOL] = {"R03AC02", "435", "salbutamol (albuterol)"},
    [D_TIOTROPIUM] = {"R03BB04", "69120", "tiotropium"},
    [D_GLARGINE] = {"A10AE04", "274783", "insulin glargine"},
    [D_GLICLAZIDE] = {"A10BB09", NULL, "gliclazide"},
    [D_FUROSEMIDE] = {"C03CA01", "4603", "furosemide"},
    [D_APIXABAN] = {"B01AF02", "1364430", "apixaban"},
    [D_CISPLATIN] = {"L01XA01", "2555", "cisplatin"},
    [D_CARBOPLATIN] = {"L01XA02", "40048", "carboplatin"},
    [D_OXALIPLATIN] = {"L01XA03", "32592", "oxaliplatin"},
    [D_PACLITAXEL] = {"L01CD01", "56946", "paclitaxel"},
    [D_ETOPOSIDE] = {"L01CB01", "4179", "etoposide"},
    [D_TAMOXIFEN] = {"L02BA01", "10324", "tamoxifen"},
    [D_LETROZOLE] = {"L02BG04", "72965", "letrozole"},
    [D_PEMBROLIZUMAB] = {"L01FF02", "1547545", "pembrolizumab"},
    [D_PREDNISOLONE] = {"H02AB06", "8638", "prednisolone"},
    [D_CARBAMAZEPINE] = {"N03AF01", "2002", "carbamazepine"},
    [D_COLECALCIFEROL] = {"A11CC05", "2418", "colecalciferol (vitamin D3)"},
    [D_PREGABALIN] = {"N03AX16", "187832", "pregabalin"},
    [D_FERROUS_SULFATE] = {"B03AA07", "24947", "ferrous sulfate"},
    [D_ALLOPURINOL] = {"M04AA01", "519", "allopurinol"},
    [D_VINCRISTINE] = {"L01CA02", "11202", "vincristine"},
};

void pn__sy_drug(pn_sy_patient *p, pn_sy_drug d, int32_t start, int32_t end, bool statement)
{
    if ((int)d < 0 || d >= D_COUNT)
        return;
    const drugdef *D = &drugs[d];
    blk *b = p->blk;
    int type = statement ? T_MS : T_MR;
    bool ended = end >= 0 && end <= p->as_of;
    sb *s = line_begin(p, type);
    head(p, s, type);
    if (statement)
        PUT(b, s, "\"status\":\"");
    else
        PUT(b, s, "\"status\":\"");
    put_s(b, s, ended ? "completed" : "active");
    PUT(b, s, "\",");
    if (!statement)
        PUT(b, s, "\"intent\":\"order\",");
    PUT(b, s, "\"medicationCodeableConcept\":{\"coding\":[{\"system\":\"http://www.whocc.no/atc\",\"code\":\"");
    put_s(b, s, D->atc);
    PUT(b, s, "\",\"display\":\"");
    put_esc(b, s, D->display);
    PUT(b, s, "\"}");
    if (D->rxnorm) {
        PUT(b, s, ",{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"");
        put_s(b, s, D->rxnorm);
        PUT(b, s, "\",\"display\":\"");
        put_esc(b, s, D->display);
        PUT(b, s, "\"}");
    }
    PUT(b, s, "],\"text\":\"");
    put_esc(b, s, D->display);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    if (statement) {
        PUT(b, s, ",\"effectivePeriod\":{\"start\":\"");
        put_date(b, s, start);
        if (ended) {
            PUT(b, s, "\",\"end\":\"");
            put_date(b, s, end);
        }
        PUT(b, s, "\"},\"dateAsserted\":\"");
        put_date(b, s, start);
        PUT(b, s, "\"}");
    } else {
        PUT(b, s, ",\"authoredOn\":\"");
        put_date(b, s, start);
        PUT(b, s, "\"");
        if (ended) {
            PUT(b, s, ",\"dispenseRequest\":{\"validityPeriod\":{\"start\":\"");
            put_date(b, s, start);
            PUT(b, s, "\",\"end\":\"");
            put_date(b, s, end);
            PUT(b, s, "\"}}");
        }
        PUT(b, s, "}");
    }
    line_end(p, s);
}

void pn__sy_procedure(pn_sy_patient *p, const char *text, const char *snomed, int32_t start, int32_t end,
                      const char *outcome)
{
    blk *b = p->blk;
    sb *s = line_begin(p, T_PROC);
    head(p, s, T_PROC);
    PUT(b, s, "\"status\":\"completed\",\"code\":{");
    if (snomed) {
        PUT(b, s, "\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"");
        put_esc(b, s, snomed);
        PUT(b, s, "\"}],");
    }
    PUT(b, s, "\"text\":\"");
    put_esc(b, s, text);
    PUT(b, s, "\"},");
    subject(p, s, "subject");
    if (end > start) {
        PUT(b, s, ",\"performedPeriod\":{\"start\":\"");
        put_date(b, s, start);
        PUT(b, s, "\",\"end\":\"");
        put_date(b, s, end);
        PUT(b, s, "\"}");
    } else {
        PUT(b, s, ",\"performedDateTime\":\"");
        put_date(b, s, start);
        PUT(b, s, "\"");
    }
    if (outcome) {
        PUT(b, s, ",");
        put_cc_text(b, s, "outcome", outcome);
    }
    PUT(b, s, "}");
    line_end(p, s);
}

static void patient_line(pn_sy_patient *p)
{
    blk *b = p->blk;
    sb *s = line_begin(p, T_PAT);
    PUT(b, s, "{\"resourceType\":\"Patient\",\"id\":\"");
    put_s(b, s, p->id);
    PUT(b, s, "\",\"identifier\":[{\"system\":\"urn:paraneo:synth:mrn\",\"value\":\"");
    put_s(b, s, p->id + 1);
    PUT(b, s, "\"}],\"active\":true,\"gender\":\"");
    put_s(b, s, p->sex == SY_MALE ? "male" : "female");
    PUT(b, s, "\",\"birthDate\":\"");
    put_date(b, s, p->birth);
    PUT(b, s, "\"}");
    line_end(p, s);
}

static void smoking_lines(pn_sy_patient *p, int32_t day)
{
    static const char *const code[] = {"266919005", "8517006", "77176002"};
    static const char *const disp[] = {"Never smoked tobacco", "Ex-smoker", "Smoker"};
    blk *b = p->blk;
    sb *s = line_begin(p, T_OBS);
    head(p, s, T_OBS);
    PUT(b, s, "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"" CAT_SYS
              "\",\"code\":\"social-history\",\"display\":\"Social History\"}]}],\"code\":{\"coding\":[{"
              "\"system\":\"http://loinc.org\",\"code\":\"72166-2\",\"display\":\"Tobacco smoking status\"}],"
              "\"text\":\"Tobacco smoking status\"},");
    subject(p, s, "subject");
    PUT(b, s, ",\"effectiveDateTime\":\"");
    put_date(b, s, day);
    PUT(b, s, "\",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"");
    put_s(b, s, code[p->smoking]);
    PUT(b, s, "\",\"display\":\"");
    put_s(b, s, disp[p->smoking]);
    PUT(b, s, "\"}],\"text\":\"");
    put_s(b, s, disp[p->smoking]);
    PUT(b, s, "\"}}");
    line_end(p, s);
    if (p->smoking == SY_NEVER)
        return;
    s = line_begin(p, T_OBS);
    head(p, s, T_OBS);
    PUT(b, s, "\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"" CAT_SYS
              "\",\"code\":\"social-history\",\"display\":\"Social History\"}]}],\"code\":{\"text\":"
              "\"Pack-years\"},");
    subject(p, s, "subject");
    PUT(b, s, ",\"effectiveDateTime\":\"");
    put_date(b, s, day);
    PUT(b, s, "\",\"valueQuantity\":{\"value\":");
    put_num(b, s, p->pack_years, 0);
    PUT(b, s, ",\"unit\":\"pack-years\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{pack-years}\"}}");
    line_end(p, s);
}

/* ---- the background population ----------------------------------------- */

static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static int32_t days_ago(pn_sy_patient *p, double lo_days, double hi_days)
{
    return p->as_of - (int32_t)pn__sy_uniform(&p->r, lo_days, hi_days);
}

/* Age by a rough adult-population pyramid (18-95). */
static int draw_age(pn_sy_rng *r)
{
    static const double w[] = {0.11, 0.15, 0.15, 0.16, 0.17, 0.14, 0.09, 0.03}; /* 18-,25-,35-,...,85-95 */
    static const int lo[] = {18, 25, 35, 45, 55, 65, 75, 85}, hi[] = {24, 34, 44, 54, 64, 74, 84, 95};
    double u = pn__sy_unif(r), c = 0;
    for (int i = 0; i < 8; i++) {
        c += w[i];
        if (u < c)
            return pn__sy_int(r, lo[i], hi[i]);
    }
    return pn__sy_int(r, 45, 64);
}

static void draw_smoking(pn_sy_patient *p)
{
    double u = pn__sy_unif(&p->r);
    double current = p->age < 25 ? 0.12 : p->age > 75 ? 0.08 : 0.16;
    double former = clamp(0.05 + (p->age - 18) * 0.006, 0.05, 0.40);
    p->smoking = u < current ? SY_CURRENT : u < current + former ? SY_FORMER : SY_NEVER;
    if (p->smoking != SY_NEVER) {
        double years = clamp(p->age - 17 - (p->smoking == SY_FORMER ? pn__sy_uniform(&p->r, 1, 25) : 0), 1, 70);
        p->pack_years = clamp(years * pn__sy_uniform(&p->r, 0.2, 1.1), 1, 120);
    }
}

typedef struct baseline {
    double mean[L_COUNT];
} baseline;

static double lab_mean(const pn_sy_patient *p, pn_sy_lab l)
{
    double m = labtab[l].mean;
    if (p->sex == SY_MALE) {
        if (l == L_HB)
            m = 15.0;
        else if (l == L_HCT)
            m = 44.5;
        else if (l == L_CREAT)
            m = 84;
        else if (l == L_URATE)
            m = 6.0;
        else if (l == L_CK)
            m = 130;
        else if (l == L_FERRITIN)
            m = 160;
    }
    return m;
}

/* One visit's panel: each value is the patient's own baseline plus day-to-day noise. */
static void visit_panel(pn_sy_patient *p, const baseline *bl, int32_t day, bool first)
{
    static const pn_sy_lab bmp[] = {L_SODIUM, L_POTASSIUM, L_CHLORIDE, L_BICARB, L_UREA, L_CREAT, L_GLUCOSE, L_CALCIUM};
    static const pn_sy_lab cbc[] = {L_HB, L_HCT, L_PLT, L_WBC};
    pn_sy_rng *r = &p->r;
    for (size_t i = 0; i < sizeof bmp / sizeof *bmp; i++) {
        pn_sy_lab l = bmp[i];
        double v = pn__sy_normal(r, bl->mean[l], labtab[l].sd * 0.6);
        if (l == L_GLUCOSE)
            v = clamp(v, 2.8, 30);
        pn__sy_lab(p, l, clamp(v, 0.05, 1e6), day);
    }
    if (pn__sy_chance(r, 0.8))
        for (size_t i = 0; i < sizeof cbc / sizeof *cbc; i++) {
            pn_sy_lab l = cbc[i];
            pn__sy_lab(p, l, clamp(pn__sy_normal(r, bl->mean[l], labtab[l].sd * 0.5), 0.1, 1e6), day);
        }
    if (pn__sy_chance(r, 0.5))
        pn__sy_lab(p, L_ALBUMIN, clamp(pn__sy_normal(r, bl->mean[L_ALBUMIN], 1.6), 20, 55), day);
    if (pn__sy_chance(r, p->diabetic ? 0.75 : first ? 0.12 : 0.03))
        pn__sy_lab(p, L_HBA1C, clamp(pn__sy_normal(r, bl->mean[L_HBA1C], 0.25), 4.0, 14), day);
    if (pn__sy_chance(r, 0.12))
        pn__sy_lab(p, L_TSH, clamp(bl->mean[L_TSH] * exp(pn__sy_normal(r, 0, 0.25)), 0.05, 40), day);
    if (pn__sy_chance(r, 0.1))
        pn__sy_lab(p, L_CRP, clamp(exp(pn__sy_normal(r, 0.6, 0.9)), 0.2, 150), day);
    if (pn__sy_chance(r, 0.15))
        pn__sy_lab(p, L_ALP, clamp(pn__sy_normal(r, bl->mean[L_ALP], 8), 25, 400), day);
    if (pn__sy_chance(r, 0.04))
        pn__sy_lab(p, L_B12, clamp(pn__sy_normal(r, bl->mean[L_B12], 60), 120, 2000), day);
    if (pn__sy_chance(r, 0.04))
        pn__sy_lab(p, L_FERRITIN, clamp(pn__sy_normal(r, bl->mean[L_FERRITIN], 20), 4, 1500), day);
    if (pn__sy_chance(r, 0.03))
        pn__sy_lab(p, L_ESR, clamp(pn__sy_normal(r, 10 + p->age * 0.1, 6), 1, 120), day);
}

static void treat_drug(pn_sy_patient *p, pn_sy_drug d, int32_t from)
{
    int32_t start = from + pn__sy_int(&p->r, 0, 120);
    if (start > p->as_of - 7)
        start = p->as_of - 7;
    pn__sy_drug(p, d, start, -1, pn__sy_chance(&p->r, 0.6));
}

static void cancer_history(pn_sy_patient *p)
{
    pn_sy_rng *r = &p->r;
    static const pn_sy_tumour f[] = {T_BREAST, T_BREAST, T_BREAST, T_BREAST, T_COLORECTAL, T_COLORECTAL,
                                     T_NSCLC,  T_MELANOMA, T_UTERUS, T_NHL, T_OVARY, T_KIDNEY, T_BLADDER};
    static const pn_sy_tumour m[] = {T_PROSTATE, T_PROSTATE, T_PROSTATE, T_PROSTATE, T_COLORECTAL, T_COLORECTAL,
                                     T_NSCLC, T_NSCLC, T_BLADDER, T_MELANOMA, T_NHL, T_KIDNEY, T_HEAD_NECK};
    pn_sy_tumour t = p->sex == SY_MALE ? m[pn__sy_int(r, 0, 12)] : f[pn__sy_int(r, 0, 12)];
    int32_t dx = days_ago(p, 365, 15 * 365.25);
    double u = pn__sy_unif(r);
    const char *status = u < 0.7 ? "remission" : u < 0.85 ? "resolved" : "active";
    pn__sy_cancer(p, t, status, "confirmed", dx);
    p->had_cancer = true;
    int32_t surg = dx + pn__sy_int(r, 14, 45);
    static const char *const surgery[T_COUNT] = {
        [T_BREAST] = "Surgery: mastectomy", [T_COLORECTAL] = "Surgery: colectomy (resection)",
        [T_NSCLC] = "Surgery: lobectomy", [T_MELANOMA] = "Wide local excision",
        [T_UTERUS] = "Surgery: hysterectomy", [T_OVARY] = "Surgery: oophorectomy and debulking",
        [T_KIDNEY] = "Surgery: nephrectomy", [T_BLADDER] = "Transurethral resection of bladder tumour",
        [T_PROSTATE] = "Surgery: radical prostatectomy", [T_HEAD_NECK] = "Surgery: laryngectomy (resection)"};
    if (surgery[t] && pn__sy_chance(r, 0.85))
        pn__sy_procedure(p, surgery[t], NULL, surg, -1, NULL);
    int32_t chemo_end = surg;
    pn_sy_drug a = D_COUNT, b2 = D_COUNT;
    const char *regimen = NULL;
    switch (t) {
    case T_BREAST: if (pn__sy_chance(r, 0.5)) a = D_PACLITAXEL, regimen = "Adjuvant chemotherapy (paclitaxel)"; break;
    case T_COLORECTAL: if (pn__sy_chance(r, 0.5)) a = D_OXALIPLATIN, regimen = "Adjuvant chemotherapy (FOLFOX)"; break;
    case T_NSCLC: if (pn__sy_chance(r, 0.6)) a = D_CISPLATIN, b2 = D_ETOPOSIDE, regimen = "Adjuvant chemotherapy (cisplatin)"; break;
    case T_OVARY: a = D_CARBOPLATIN, b2 = D_PACLITAXEL, regimen = "Chemotherapy (carboplatin and paclitaxel)"; break;
    case T_NHL: a = D_VINCRISTINE, regimen = "Chemotherapy (R-CHOP)"; break;
    case T_BLADDER: if (pn__sy_chance(r, 0.3)) a = D_CISPLATIN, regimen = "Chemotherapy (cisplatin and gemcitabine)"; break;
    case T_HEAD_NECK: a = D_CISPLATIN, regimen = "Chemoradiotherapy (cisplatin)"; break;
    default: break;
    }
    if (regimen) {
        int32_t c0 = surg + pn__sy_int(r, 21, 60), c1 = c0 + pn__sy_int(r, 90, 180);
        pn__sy_procedure(p, regimen, NULL, c0, c1, NULL);
        pn__sy_drug(p, a, c0, c1, true);
        if (b2 != D_COUNT)
            pn__sy_drug(p, b2, c0, c1, true);
        chemo_end = c1;
    }
    if ((t == T_BREAST && pn__sy_chance(r, 0.7)) || t == T_HEAD_NECK || (t == T_PROSTATE && pn__sy_chance(r, 0.3))) {
        int32_t r0 = chemo_end + pn__sy_int(r, 14, 40);
        pn__sy_procedure(p, "Radiotherapy", NULL, r0, r0 + pn__sy_int(r, 21, 42), NULL);
    }
    if (t == T_BREAST && pn__sy_chance(r, 0.7)) {
        int32_t h0 = chemo_end + pn__sy_int(r, 30, 90);
        pn__sy_drug(p, pn__sy_chance(r, 0.5) ? D_TAMOXIFEN : D_LETROZOLE, h0,
                    h0 + 5 * 365 < p->as_of ? h0 + 5 * 365 : -1, true);
    }
    if (t == T_NSCLC && pn__sy_chance(r, 0.25) && chemo_end + 60 < p->as_of)
        pn__sy_drug(p, D_PEMBROLIZUMAB, chemo_end + 30, chemo_end + 30 + 365 < p->as_of ? chemo_end + 395 : -1,
                    false);
    /* surveillance imaging after treatment */
    int32_t last = chemo_end + 180;
    while (last < p->as_of - 30 && pn__sy_chance(r, 0.75)) {
        const char *what = t == T_BREAST ? "Mammography" : "CT chest, abdomen and pelvis";
        pn__sy_procedure(p, what, NULL, last, -1,
                         strcmp(status, "active") == 0 && last > p->as_of - 400 ? "Suspicious lesion"
                                                                               : "No evidence of malignancy");
        last += pn__sy_int(r, 300, 500);
    }
}

static void background(pn_sy_patient *p)
{
    pn_sy_rng *r = &p->r;
    unsigned c = p->constraints;
    int a = p->age;
    patient_line(p);
    smoking_lines(p, days_ago(p, 30, 700));
    baseline bl;
    for (int l = 0; l < L_COUNT; l++)
        bl.mean[l] = pn__sy_normal(r, lab_mean(p, (pn_sy_lab)l), labtab[l].sd * 0.8);
    bl.mean[L_TSH] = clamp(exp(pn__sy_normal(r, 0.5, 0.4)), 0.3, 6);
    /* chronic conditions, each with its usual treatment */
    int32_t since = days_ago(p, 200, clamp(a - 18, 1, 15) * 365.25);
    if (pn__sy_chance(r, clamp(0.03 + (a - 20) * 0.009, 0.01, 0.65))) {
        p->hypertensive = true;
        pn__sy_condition(p, "HP:0000822", "Hypertension", "38341003", "I10", since, NULL);
        double u = pn__sy_unif(r);
        if (u < 0.28 && !(c & (SYC_NO_THIAZIDE | SYC_NO_CA_DRUGS))) {
            p->thiazide = true;
            treat_drug(p, pn__sy_chance(r, 0.7) ? D_HCTZ : D_INDAPAMIDE, since);
            bl.mean[L_SODIUM] -= pn__sy_uniform(r, 0.5, 3.0);
            bl.mean[L_POTASSIUM] -= 0.25;
            bl.mean[L_CALCIUM] += 0.03;
        }
        if (u >= 0.2)
            treat_drug(p, pn__sy_chance(r, 0.5) ? D_LISINOPRIL : pn__sy_chance(r, 0.5) ? D_RAMIPRIL : D_LOSARTAN, since);
        if (pn__sy_chance(r, 0.35))
            treat_drug(p, D_AMLODIPINE, since);
        if (pn__sy_chance(r, 0.12))
            treat_drug(p, D_BISOPROLOL, since);
    }
    if (!(c & SYC_NO_DIABETES) && pn__sy_chance(r, clamp(0.01 + (a - 20) * 0.0032, 0.005, 0.2))) {
        p->diabetic = true;
        int32_t d0 = days_ago(p, 200, clamp(a - 25, 1, 30) * 365.25);
        pn__sy_condition(p, "HP:0005978", "Type 2 diabetes mellitus", "44054006", "E11.9", d0, NULL);
        treat_drug(p, D_METFORMIN, d0);
        if (pn__sy_chance(r, 0.2))
            treat_drug(p, D_GLICLAZIDE, d0 + 365);
        if (pn__sy_chance(r, 0.15))
            treat_drug(p, D_GLARGINE, d0 + 730);
        bl.mean[L_GLUCOSE] = pn__sy_normal(r, 8.3, 1.5);
        bl.mean[L_HBA1C] = clamp(pn__sy_normal(r, 7.3, 0.9), 5.9, 12);
        if (pn__sy_chance(r, 0.2) && !(c & SYC_NO_NEURO)) {
            int32_t on = d0 + pn__sy_int(r, 700, 4000);
            if (on < p->as_of - 90)
                pn__sy_finding(p, "HP:0003401", "Paresthesia of the feet", true, on, days_ago(p, 30, 400),
                               "chronic", "mild");
        }
    }
    if (pn__sy_chance(r, clamp(0.02 + (a - 20) * 0.007, 0.01, 0.45))) {
        pn__sy_condition(p, "HP:0003077", "Hyperlipidemia", "55822004", "E78.5", days_ago(p, 100, 3650), NULL);
        if (pn__sy_chance(r, 0.8))
            treat_drug(p, pn__sy_chance(r, 0.65) ? D_ATORVASTATIN : D_SIMVASTATIN, since);
    }
    if (a > 40 && pn__sy_chance(r, p->smoking == SY_CURRENT ? 0.15 : p->smoking == SY_FORMER ? 0.09 : 0.01)) {
        int32_t d0 = days_ago(p, 100, 3650);
        pn__sy_condition(p, "HP:0006510", "Chronic obstructive pulmonary disease", "13645005", "J44.9", d0, NULL);
        treat_drug(p, D_TIOTROPIUM, d0);
        treat_drug(p, D_SALBUTAMOL, d0);
    }
    if (!(c & SYC_NO_DEPRESSION) && pn__sy_chance(r, 0.07)) {
        int32_t d0 = days_ago(p, 100, 3650);
        pn__sy_condition(p, "HP:0000716", "Depression", "35489007", "F32.9", d0, NULL);
        if (!(c & SYC_NO_THIAZIDE) && pn__sy_chance(r, 0.7)) {
            p->ssri = true;
            treat_drug(p, pn__sy_chance(r, 0.5) ? D_SERTRALINE : D_CITALOPRAM, d0);
            bl.mean[L_SODIUM] -= pn__sy_uniform(r, 0, 1.5);
        }
    }
    if (pn__sy_chance(r, p->sex == SY_FEMALE ? 0.06 : 0.015)) {
        int32_t d0 = days_ago(p, 100, 5000);
        pn__sy_condition(p, "HP:0000821", "Hypothyroidism", "40930008", "E03.9", d0, NULL);
        treat_drug(p, D_LEVOTHYROXINE, d0);
        bl.mean[L_TSH] = clamp(exp(pn__sy_normal(r, 0.8, 0.6)), 0.1, 20);
    }
    if (pn__sy_chance(r, 0.05)) {
        pn__sy_condition(p, "HP:0002099", "Asthma", "195967001", "J45.909", days_ago(p, 300, 9000), NULL);
        treat_drug(p, D_SALBUTAMOL, days_ago(p, 100, 2000));
    }
    if (a > 50 && pn__sy_chance(r, clamp((a - 50) * 0.006, 0, 0.3)))
        pn__sy_condition(p, "HP:0002758", "Osteoarthritis", "396275006", "M19.90", days_ago(p, 100, 4000), NULL);
    if (a > 60 && pn__sy_chance(r, (a - 60) * 0.004)) {
        int32_t d0 = days_ago(p, 100, 3000);
        pn__sy_condition(p, "HP:0005110", "Atrial fibrillation", "49436004", "I48.91", d0, NULL);
        treat_drug(p, D_APIXABAN, d0);
        treat_drug(p, D_BISOPROLOL, d0);
    }
    if (a > 60 && pn__sy_chance(r, 0.05)) {
        pn__sy_condition(p, "HP:0012622", "Chronic kidney disease", "709044004", "N18.30", days_ago(p, 100, 3000),
                         NULL);
        bl.mean[L_CREAT] *= pn__sy_uniform(r, 1.4, 2.0);
        bl.mean[L_UREA] *= 1.5;
        bl.mean[L_HB] -= 1.0;
    }
    if (p->sex == SY_FEMALE && a > 50 && !(c & SYC_NO_CA_DRUGS) && pn__sy_chance(r, 0.12))
        treat_drug(p, D_COLECALCIFEROL, days_ago(p, 60, 3000));
    if (pn__sy_chance(r, 0.09))
        treat_drug(p, D_OMEPRAZOLE, days_ago(p, 60, 3000));
    if (a > 50 && pn__sy_chance(r, 0.08))
        treat_drug(p, D_ASPIRIN, days_ago(p, 60, 3000));
    if (a > 40 && pn__sy_chance(r, 0.02))
        treat_drug(p, D_ALLOPURINOL, days_ago(p, 60, 3000));
    if (p->sex == SY_FEMALE && a < 55 && pn__sy_chance(r, 0.04)) {
        bl.mean[L_HB] -= pn__sy_uniform(r, 1, 2.5);
        bl.mean[L_FERRITIN] = pn__sy_uniform(r, 5, 25);
        if (pn__sy_chance(r, 0.5))
            treat_drug(p, D_FERROUS_SULFATE, days_ago(p, 60, 700));
    }
    /* cancer history */
    if (!(c & SYC_NO_CANCER) && pn__sy_chance(r, clamp(0.005 + (a - 20) * 0.0011, 0.003, 0.12)))
        cancer_history(p);
    /* ordinary symptoms */
    if (!(c & SYC_NO_NEURO)) {
        if (a > 50 && pn__sy_chance(r, 0.025))
            pn__sy_finding(p, "HP:0003401", "Tingling in the feet", true, days_ago(p, 200, 2000), days_ago(p, 20, 190),
                           "chronic", "mild");
        if (pn__sy_chance(r, 0.05))
            pn__sy_finding(p, "HP:0012378", "Fatigue", true, days_ago(p, 120, 900), days_ago(p, 20, 110), "chronic",
                           pn__sy_chance(r, 0.7) ? "mild" : "moderate");
        if (pn__sy_chance(r, 0.03))
            pn__sy_finding(p, "HP:0003418", "Back pain", true, days_ago(p, 100, 1500), days_ago(p, 20, 90), NULL, NULL);
        if (pn__sy_chance(r, 0.025))
            pn__sy_finding(p, "HP:0002315", "Headache", true, days_ago(p, 100, 1500), days_ago(p, 20, 90), NULL,
                           "mild");
        if (pn__sy_chance(r, 0.015))
            pn__sy_finding(p, "HP:0100785", "Insomnia", true, days_ago(p, 100, 1500), days_ago(p, 20, 90), "chronic",
                           NULL);
    }
    /* laboratory visits over the last three years, none in the last three weeks */
    int visits = pn__sy_chance(r, 0.08) ? 0 : 1 + (pn__sy_chance(r, 0.6) ? 1 : 0) + (pn__sy_chance(r, 0.3) ? 1 : 0) +
                                                   (a > 60 && pn__sy_chance(r, 0.3) ? 1 : 0);
    int32_t day = days_ago(p, 21, 3 * 365);
    for (int v = 0; v < visits; v++) {
        visit_panel(p, &bl, day, v == 0);
        day -= pn__sy_int(r, 60, 400);
    }
}

/* ---- files ------------------------------------------------------------- */

typedef struct outfile {
    char *tmp, *final;
    int fd;
    char *buf;
    size_t len;
    uint64_t bytes, lines;
} outfile;

typedef struct run {
    const pn_synth_opts *o;
    outfile f[SY_NTYPES + 2]; /* + truth, manifest */
    char *err;
    size_t errlen;
    bool failed;
} run;

static void set_err(run *R, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void set_err(run *R, const char *fmt, ...)
{
    if (R->failed)
        return;
    R->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(R->err, R->errlen, fmt, ap);
    va_end(ap);
}

static void of_flush(run *R, outfile *f)
{
    size_t done = 0;
    while (!R->failed && done < f->len) {
        ssize_t n = write(f->fd, f->buf + done, f->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            set_err(R, "cannot write %s: %s", f->tmp, n < 0 ? strerror(errno) : "no progress");
            break;
        }
        done += (size_t)n;
    }
    f->bytes += f->len;
    f->len = 0;
}

static void of_write(run *R, outfile *f, const char *p, size_t n)
{
    if (R->failed)
        return;
    if (f->len + n > SY_OUTBUF) {
        of_flush(R, f);
        if (n > SY_OUTBUF / 2) {
            /* large runs go straight out */
            f->len = 0;
            size_t done = 0;
            while (!R->failed && done < n) {
                ssize_t w = write(f->fd, p + done, n - done);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    set_err(R, "cannot write %s: %s", f->tmp, w < 0 ? strerror(errno) : "no progress");
                    return;
                }
                done += (size_t)w;
            }
            f->bytes += n;
            return;
        }
    }
    memcpy(f->buf + f->len, p, n);
    f->len += n;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

static int open_files(run *R)
{
    char name[128];
    for (int i = 0; i < SY_NTYPES + 2; i++) {
        const char *base = i < SY_NTYPES ? type_names[i] : i == SY_NTYPES ? "truth" : "manifest";
        const char *ext = i == SY_NTYPES + 1 ? "json" : "ndjson";
        outfile *f = &R->f[i];
        f->fd = -1;
        snprintf(name, sizeof name, "%s.%s", base, ext);
        f->final = join(R->o->out, name);
        snprintf(name, sizeof name, ".tmp-%ld-%s.%s", (long)getpid(), base, ext);
        f->tmp = join(R->o->out, name);
        f->buf = malloc(SY_OUTBUF);
        if (!f->final || !f->tmp || !f->buf) {
            set_err(R, "out of memory");
            return -1;
        }
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (f->fd < 0) {
            set_err(R, "cannot create %s: %s", f->tmp, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void close_files(run *R, bool keep)
{
    for (int i = 0; i < SY_NTYPES + 2; i++) {
        outfile *f = &R->f[i];
        if (f->fd >= 0) {
            if (keep && !R->failed)
                of_flush(R, f);
            if (close(f->fd) != 0 && keep)
                set_err(R, "cannot write %s: %s", f->tmp, strerror(errno));
            f->fd = -1;
        }
    }
    /* rename only when every file is complete; the manifest goes last */
    for (int i = 0; keep && !R->failed && i < SY_NTYPES + 2; i++)
        if (rename(R->f[i].tmp, R->f[i].final) != 0)
            set_err(R, "cannot rename %s to %s: %s", R->f[i].tmp, R->f[i].final, strerror(errno));
    for (int i = 0; i < SY_NTYPES + 2; i++) {
        outfile *f = &R->f[i];
        if (f->tmp && (R->failed || !keep))
            unlink(f->tmp);
        free(f->tmp);
        free(f->final);
        free(f->buf);
        f->tmp = f->final = f->buf = NULL;
    }
}

/* ---- blocks ------------------------------------------------------------ */

static void blk_reset(blk *b)
{
    for (int i = 0; i < SY_NTYPES; i++) {
        b->t[i].text.len = 0;
        b->t[i].n_lines = 0;
    }
    b->truth.len = 0;
    b->cur = 0;
}

static void blk_free(blk *b)
{
    for (int i = 0; i < SY_NTYPES; i++) {
        free(b->t[i].text.p);
        free(b->t[i].off);
    }
    free(b->truth.p);
}

static void emit_block(run *R, blk *b, unsigned npat, pn_sy_rng *br, uint32_t *perm, uint32_t *rot)
{
    for (int ty = 0; ty < SY_NTYPES; ty++) {
        tblk *t = &b->t[ty];
        outfile *f = &R->f[ty];
        f->lines += t->n_lines;
        if (R->o->grouped || ty == T_PAT) {
            of_write(R, f, t->text.p, t->text.len);
            continue;
        }
        /* each patient starts its rounds at a random one of its lines, so a
         * round mixes kinds of resource (not every patient's smoking status
         * first) */
        uint32_t rounds = 0;
        for (unsigned i = 0; i < npat; i++) {
            if (t->pcount[i] > rounds)
                rounds = t->pcount[i];
            rot[i] = t->pcount[i] ? (uint32_t)(pn__sy_next(br) % t->pcount[i]) : 0;
        }
        for (uint32_t k = 0; k < rounds && !R->failed; k++) {
            for (unsigned i = 0; i < npat; i++)
                perm[i] = i;
            for (unsigned i = npat; i > 1; i--) {
                unsigned j = (unsigned)(pn__sy_next(br) % i);
                uint32_t tmp = perm[i - 1];
                perm[i - 1] = perm[j];
                perm[j] = tmp;
            }
            for (unsigned i = 0; i < npat; i++) {
                unsigned q = perm[i];
                if (k >= t->pcount[q])
                    continue;
                size_t li = t->pfirst[q] + (k + rot[q]) % t->pcount[q];
                size_t start = t->off[li], end = li + 1 < t->n_lines ? t->off[li + 1] : t->text.len;
                of_write(R, f, t->text.p + start, end - start);
            }
        }
    }
    of_write(R, &R->f[SY_NTYPES], b->truth.p, b->truth.len);
}

static void truth_line(blk *b, const pn_sy_patient *p, bool pns, const pn_sy_plant *t)
{
    sb *s = &b->truth;
    PUT(b, s, "{\"patient\":\"");
    put_s(b, s, p->id);
    PUT(b, s, "\",\"kind\":\"");
    put_s(b, s, pns ? "pns" : "mimic");
    PUT(b, s, "\",\"syndrome\":\"");
    put_esc(b, s, t->syndrome);
    PUT(b, s, "\",\"tumour\":");
    if (t->tumour) {
        PUT(b, s, "\"");
        put_esc(b, s, t->tumour);
        PUT(b, s, "\"");
    } else {
        PUT(b, s, "null");
    }
    PUT(b, s, ",\"pattern\":\"");
    put_esc(b, s, t->pattern);
    PUT(b, s, "\",\"cancer_recorded\":");
    put_s(b, s, t->cancer_recorded ? "true" : "false");
    PUT(b, s, "}\n");
}

static void make_patient(blk *b, const pn_synth_opts *o, uint64_t index, const pn_sy_pattern *pat, bool pns)
{
    pn_sy_patient p;
    memset(&p, 0, sizeof p);
    rng_seed(&p.r, o->seed, index, 1);
    snprintf(p.id, sizeof p.id, "p%06llu", (unsigned long long)index);
    p.as_of = o->as_of;
    p.blk = b;
    p.sex = pn__sy_chance(&p.r, 0.51) ? SY_FEMALE : SY_MALE;
    p.age = draw_age(&p.r);
    draw_smoking(&p);
    if (pat)
        pat->setup(&p);
    /* birth date: the age at as_of, a random day in the year */
    p.birth = p.as_of - (int32_t)(p.age * 365.2425) - pn__sy_int(&p.r, 1, 364);
    unsigned i = b->cur;
    for (int t = 0; t < SY_NTYPES; t++)
        b->t[t].pfirst[i] = (uint32_t)b->t[t].n_lines;
    background(&p);
    if (pat) {
        pn_sy_plant truth = {pat->syndrome, pat->name, NULL, false};
        pat->plant(&p, &truth);
        truth_line(b, &p, pns, &truth);
    }
    for (int t = 0; t < SY_NTYPES; t++)
        b->t[t].pcount[i] = (uint32_t)(b->t[t].n_lines - b->t[t].pfirst[i]);
    b->cur++;
}

static void manifest(run *R, const pn_synth_stats *st)
{
    const pn_synth_opts *o = R->o;
    char d[11], buf[4096];
    fmt_date(o->as_of, d);
    int n = snprintf(buf, sizeof buf,
                     "{\n  \"transactionTime\": \"%sT23:59:59Z\",\n"
                     "  \"request\": \"urn:paraneo:synth/$export?_type=Patient,Observation,Condition,"
                     "MedicationStatement,MedicationRequest,Procedure&seed=%llu&patients=%llu\",\n"
                     "  \"requiresAccessToken\": false,\n  \"output\": [\n",
                     d, (unsigned long long)o->seed, (unsigned long long)o->patients);
    for (int i = 0; i < SY_NTYPES && n > 0 && (size_t)n < sizeof buf; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "    {\"type\": \"%s\", \"url\": \"%s.ndjson\", \"count\": %llu}%s\n", type_names[i],
                      type_names[i], (unsigned long long)st->resources[i], i + 1 < SY_NTYPES ? "," : "");
    if (n > 0 && (size_t)n < sizeof buf)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "  ],\n  \"error\": []\n}\n");
    if (n <= 0 || (size_t)n >= sizeof buf) {
        set_err(R, "internal error: manifest too long");
        return;
    }
    of_write(R, &R->f[SY_NTYPES + 1], buf, (size_t)n);
}

int pn__synth_run(const pn_synth_opts *o, pn_synth_stats *st, char *err, size_t errlen)
{
    run R = {.o = o, .err = err, .errlen = errlen};
    memset(st, 0, sizeof *st);
    for (int i = 0; i < SY_NTYPES + 2; i++)
        R.f[i].fd = -1;
    struct stat sst;
    if (mkdir(o->out, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--out: cannot create directory %s: %s", o->out, strerror(errno));
        return -2;
    }
    if (stat(o->out, &sst) != 0 || !S_ISDIR(sst.st_mode)) {
        snprintf(err, errlen, "--out: %s is not a directory", o->out);
        return -2;
    }
    blk *b = calloc(1, sizeof *b);
    uint32_t *perm = malloc(SY_BLOCK * sizeof *perm);
    uint32_t *slots = malloc(SY_BLOCK * sizeof *slots);
    signed char *plan = malloc(SY_BLOCK);
    if (!b || !perm || !slots || !plan) {
        free(b), free(perm), free(slots), free(plan);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (open_files(&R) == 0) {
        uint64_t pns_done = 0, mimic_done = 0;
        for (uint64_t start = 0; start < o->patients && !R.failed; start += SY_BLOCK) {
            unsigned npat = (unsigned)(o->patients - start < SY_BLOCK ? o->patients - start : SY_BLOCK);
            pn_sy_rng br;
            rng_seed(&br, o->seed, start / SY_BLOCK, 2);
            /* exactly floor(rate * n) planted patients among the first n, at
             * random places within each block */
            uint64_t end = start + npat;
            uint64_t want_p = (uint64_t)floor(o->pns_rate * (double)end) - pns_done;
            uint64_t want_m = (uint64_t)floor(o->mimic_rate * (double)end) - mimic_done;
            if (want_p > npat)
                want_p = npat;
            if (want_m > npat - want_p)
                want_m = npat - want_p;
            for (unsigned i = 0; i < npat; i++)
                slots[i] = i, plan[i] = 0;
            for (unsigned i = 0; i < want_p + want_m; i++) {
                unsigned j = i + (unsigned)(pn__sy_next(&br) % (npat - i));
                uint32_t t = slots[i];
                slots[i] = slots[j];
                slots[j] = t;
                plan[slots[i]] = i < want_p ? 1 : 2;
            }
            blk_reset(b);
            for (unsigned i = 0; i < npat; i++) {
                const pn_sy_pattern *pat = NULL;
                if (plan[i] == 1)
                    pat = &pn__sy_pns_patterns[(pns_done++ + o->seed) % pn__sy_n_pns_patterns];
                else if (plan[i] == 2)
                    pat = &pn__sy_mimic_patterns[(mimic_done++ + o->seed) % pn__sy_n_mimic_patterns];
                make_patient(b, o, start + i + 1, pat, plan[i] == 1);
            }
            if (b->oom) {
                set_err(&R, "out of memory while generating patients %llu-%llu",
                        (unsigned long long)start + 1, (unsigned long long)end);
                break;
            }
            emit_block(&R, b, npat, &br, perm, slots);
        }
        st->planted_pns = pns_done;
        st->planted_mimic = mimic_done;
        for (int i = 0; i < SY_NTYPES; i++)
            st->resources[i] = R.f[i].lines;
        if (!R.failed)
            manifest(&R, st);
        for (int i = 0; i < SY_NTYPES + 2; i++)
            st->bytes += R.f[i].bytes + R.f[i].len;
    }
    close_files(&R, true);
    blk_free(b);
    free(b);
    free(perm);
    free(slots);
    free(plan);
    return R.failed ? -1 : 0;
}
