/* fhir_int.h - FHIR R4 input (fhir_in.c) and output (fhir_out.c). */
#ifndef PN_FHIR_INT_H
#define PN_FHIR_INT_H

#include <jansson.h>

#include "paraneo.h"

/* The case/1 document a patient's FHIR data maps to, with the mapping's own
 * warnings (unmapped codes with counts, resources not used) and the
 * references {"patient", "basis": [...]} of the resources it used. */
pn_status pn__fhir_to_case(const pn_kb *kb, const char *data, size_t len, json_t **case_doc,
                           json_t **warnings, json_t **refs, pn_error *err);

/* pn_report_fhir's Bundle as a document (NULL when out of memory), for
 * callers that take resources out of it rather than print it. */
json_t *pn__report_fhir_doc(const pn_report *r, const char *subject_ref);

#endif
