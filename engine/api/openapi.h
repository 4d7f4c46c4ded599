/* GET /v1/openapi.json: the OpenAPI 3 document of the whole API (docs/openapi.json),
 * built into the binary at build time by scripts/embed.py, so the served document is
 * always the one the binary was built with. */
#ifndef WW_API_OPENAPI_H
#define WW_API_OPENAPI_H

#include <stddef.h>

#include "server/server.h"

/* The document as compact JSON, NUL-terminated (static storage; generated file). */
extern const char ww_openapi_json[];
extern const size_t ww_openapi_json_len;   /* bytes, without the NUL */

/* Handler: 200 application/json with the document. */
void ww_api_openapi(ww_req *req);

#endif
