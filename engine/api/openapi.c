/* GET /v1/openapi.json: docs/openapi.json as built in (ADR /core/publish-openapi). */
#include "api/openapi.h"

void ww_api_openapi(ww_req *req) {
  /* Built once into the binary: no per-request work beyond the copy the server makes. */
  ww_respond_raw(req, 200, "application/json", ww_openapi_json, ww_openapi_json_len);
}
