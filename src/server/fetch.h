/* fetch.h - reads a patient's data from an EHR's FHIR server for CDS Hooks
 * when the request carries no (or incomplete) prefetch (libcurl). */
#ifndef PN_SERVER_FETCH_H
#define PN_SERVER_FETCH_H

#include <stddef.h>

/* GETs Patient/{id}, then Observation, Condition, MedicationStatement,
 * MedicationRequest and Procedure searches with ?patient={id} (following
 * Bundle "next" links up to a page limit) from fhir_server, with
 * "Authorization: Bearer <access_token>" when access_token is not NULL.
 * Returns a malloc'd JSON text of a collection Bundle holding every resource
 * found, or NULL with a message in err (status codes and URLs, never patient
 * data).  timeout_ms bounds the whole fetch (<= 0: 30 s); the responses
 * together may hold at most 32 MiB.  Only resources from the server named
 * in fhir_server are read: a "next" link elsewhere is an error, so that the
 * token is never sent to another host. */
char *pn__fetch_patient(const char *fhir_server, const char *access_token, const char *patient_id,
                        long timeout_ms, char *err, size_t errlen);

/* Initialises libcurl once per process (call before any thread fetches);
 * idempotent and thread-safe (pthread_once), and pn__fetch_patient and the
 * jku fetch of auth.c call it too. */
void pn__fetch_global_init(void);

#endif
