/* What the handlers of engine/api share: who asked (the token's NAME), a query parameter,
 * answers made of the rule set's own data, a refused rule change, a store error, a change
 * that is live. The bottom of the handler layer: it depends on app.h only, so every
 * handler file may use it without reaching into another (docs/hacking.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/respond.h"

#include "api/app.h"
#include "log/log.h"
#include "store/store.h"

const char *ww_api_actor(ww_req *req) {
  ww_app_worker *w = ww_req_app(req);
  const char *who = NULL;
  ww_auth_policy(ww_app_auth(w), w->app->listen_loopback, WW_ROLE_ADVICE,
                 ww_req_header(req, "Authorization"), &who);
  return who ? who : "unknown";
}

void ww_api_respond_rule_data(ww_req *req, int status, json_t *body) {
  /* 15 significant digits (DBL_DIG) give every number written with up to 15 back as it
   * was written: 0.08, not jansson's 17-digit 0.080000000000000002 */
  char *s = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  json_decref(body);
  if (s == NULL) {
    ww_respond_problem(req, 500, "internal", "The answer could not be written.", NULL, NULL);
    return;
  }
  ww_respond_raw(req, status, "application/json", s, strlen(s));
  free(s);
}

void ww_api_respond_refused(ww_req *req, ww_err *err) {
  if (strcmp(err->code, "reload_busy") == 0) {
    ww_logf(WW_LOG_WARN, "rule change refused: %s", err->msg);
    ww_respond_problem(req, 503, "reload_busy", err->msg, NULL, NULL);
    return;
  }
  if (strcmp(err->code, "invalid_files") == 0) {
    json_t *params = err->invalid_params;
    err->invalid_params = NULL;
    ww_respond_problem(req, 422, "invalid_files", err->msg, params, NULL);
    return;
  }
  ww_logf(WW_LOG_WARN, "rule change refused: %s", err->msg);
  json_t *extra = err->file[0] ? json_pack("{s:s, s:i}", "file", err->file, "line", err->line)
                               : NULL;
  if (json_array_size(err->errors) > 0) {   /* every error of the load, not only the first */
    if (extra == NULL) extra = json_object();
    json_object_set(extra, "errors", err->errors);
  }
  ww_respond_problem(req, 422, strcmp(err->code, "internal") == 0 ? "internal" : "ruleset_invalid",
                     err->msg, NULL, extra);
}

void ww_api_respond_store(ww_req *req, int status, const char *notfound_code,
                          const char *notfound, json_t *result) {
  json_decref(result);
  if (status == WW_STORE_ENOTFOUND) {
    ww_respond_problem(req, 404, notfound_code, notfound, NULL, NULL);
  } else if (status == WW_STORE_EFULL) {
    ww_req_add_header(req, "Retry-After", "60");
    ww_respond_problem(req, 503, "store_full",
                       "The store is at its limit; nothing was changed. Try again later.", NULL,
                       NULL);
  } else {
    ww_req_add_header(req, "Retry-After", "1");
    ww_respond_problem(req, 503, "store_unavailable",
                       "The store is not reachable; nothing was changed.", NULL, NULL);
  }
}

void ww_api_respond_live(ww_req *req, const json_t *info, int store_status) {
  if (store_status == 0) {
    ww_api_respond_rule_data(req, 200, json_deep_copy(info));
    return;
  }
  ww_req_add_header(req, "Retry-After", "1");
  ww_respond_problem(req, 503, "store_unavailable",
                     "The rule set is live on this instance, but the store did not take it: it "
                     "is recorded there, and reaches the other instances, once the store is "
                     "back.",
                     NULL, NULL);
}

int ww_api_query_param(ww_req *req, const char *key, char *out, size_t n) {
  const char *q = ww_req_query(req);
  size_t kl = strlen(key);
  for (const char *p = q; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
    if (strncmp(p, key, kl) != 0 || p[kl] != '=') continue;
    size_t k = 0;
    for (const char *v = p + kl + 1; *v && *v != '&'; v++) {
      if (k + 1 >= n) return -1;
      unsigned c;
      if (*v == '%') {
        if (!isxdigit((unsigned char)v[1]) || !isxdigit((unsigned char)v[2]) ||
            sscanf(v + 1, "%2x", &c) != 1)
          return -1;
        v += 2;
      } else {
        c = (unsigned char)*v;
      }
      out[k++] = (char)c;
    }
    out[k] = '\0';
    return 1;
  }
  return 0;
}
