/* The service catalogue for web teams (GET /v1/services, GET /v1/services/{id};
 * docs/openapi.json).
 *
 * A catalogue changes only with the rule set, so its answers carry the rule set's version
 * as ETag and may be kept a minute (Cache-Control: max-age); a client that sends the
 * version back (If-None-Match) gets 304 without a body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/services.h"

#include "api/app.h"
#include "api/respond.h"
#include "util/ident.h"

#define CATALOGUE_MAX_AGE "max-age=60"

/* Does an If-None-Match value (RFC 9110 13.1.2: "*" or a list of entity tags, weak ones
 * compared as strong) name 'etag' ("\"...\"")? */
static int etag_listed(const char *header, const char *etag) {
  size_t n = strlen(etag);
  const char *p = header;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',') p++;
    if (*p == '*') return 1;
    if (strncmp(p, "W/", 2) == 0) p += 2;
    if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' ||
                                     p[n] == '\t'))
      return 1;
    while (*p && *p != ',') p++;
  }
  return 0;
}

/* The catalogue answer 'body' (stolen) with its ETag, or 304 when the client has it. */
static void respond_catalogue(ww_req *req, ww_app_worker *w, json_t *body) {
  char etag[32];
  snprintf(etag, sizeof etag, "\"%s\"", ww_rules_version(w->rules));
  ww_req_add_header(req, "ETag", etag);
  ww_req_add_header(req, "Cache-Control", CATALOGUE_MAX_AGE);
  const char *inm = ww_req_header(req, "If-None-Match");
  if (inm && etag_listed(inm, etag)) {
    json_decref(body);
    ww_respond_raw(req, 304, NULL, NULL, 0);
    return;
  }
  ww_api_respond_rule_data(req, 200, body);
}

void ww_api_services(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_app_have_rules(req, w)) return;
  respond_catalogue(req, w, ww_decision_services(w->rules));
}

void ww_api_service(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  if (!ww_app_have_rules(req, w)) return;
  const char *id = ww_req_param(req, "id");
  if (!ww_ident_valid(id)) {
    ww_respond_problem(req, 400, "invalid_param",
                       "id must be a service id: lowercase letters, digits and _, starting "
                       "with a letter (for example paspoort).",
                       json_pack("[{s:s, s:s}]", "name", "id", "reason",
                                 "must be lowercase letters, digits and _, starting with a "
                                 "letter, at most 64"),
                       NULL);
    return;
  }
  json_t *entry = ww_decision_service(w->rules, id);
  if (entry == NULL) {
    ww_respond_problem(req, 404, "not_found",
                       "The catalogue has no such service; GET /v1/services lists them.",
                       json_pack("[{s:s, s:s}]", "name", "id", "reason",
                                 "not a service of the catalogue"),
                       NULL);
    return;
  }
  respond_catalogue(req, w, entry);
}
