/* The service catalogue for web teams and the answers made of the rule set's own data
 * (services.c, docs/openapi.json). */
#ifndef WW_API_SERVICES_H
#define WW_API_SERVICES_H

#include <jansson.h>

#include "server/server.h"

void ww_api_services(ww_req *req);   /* GET /v1/services */
void ww_api_service(ww_req *req);    /* GET /v1/services/{id} */

/* ww_respond_json for an answer made of the rule set's data (catalogues, GET /v1/rules):
 * numbers as written in the rule set, 0.08 and not 0.080000000000000002. */
void ww_api_respond_rule_data(ww_req *req, int status, json_t *body);   /* steals body */

#endif
