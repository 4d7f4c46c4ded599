/* The service catalogue for web teams (services.c, docs/openapi.json). */
#ifndef WW_API_SERVICES_H
#define WW_API_SERVICES_H

#include <jansson.h>

#include "server/server.h"

void ww_api_services(ww_req *req);   /* GET /v1/services */
void ww_api_service(ww_req *req);    /* GET /v1/services/{id} */

#endif
