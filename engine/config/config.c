#include "config/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/redis_url.h"
#include "wegwijzer/wegwijzer.h"   /* the default rule limits */

static const char usage_text[] =
    "usage: wegwijzer serve [--listen 127.0.0.1:8080] [--rules ./rules]\n"
    "                       [--redis redis://HOST:PORT[/DB]] [--workers N]\n"
    "                       [--tokens FILE] [--secret-file FILE] [--max-body BYTES]\n"
    "                       [--max-rules-body BYTES]\n"
    "                       [--cors-origin https://www.gemeente.nl ...]\n"
    "                       [--redis-sentinel HOST:PORT,... --redis-master NAME]\n"
    "                       [--session-ttl SECONDS] [--handover-ttl SECONDS]\n"
    "                       [--decision-log MAXLEN] [--decision-log-days DAYS]\n"
    "                       [--max-connections N]\n"
    "                       [--max-output-memory BYTES]\n"
    "                       [--claim-fail-limit N] [--claim-fail-shared-limit N]\n"
    "                       [--claim-fail-window SECONDS]\n"
    "                       [--memory-store-max BYTES] [--handover-max-live N]\n"
    "                       [--session-rate N] [--event-rate N] [--handover-rate N]\n"
    "                       [--decision-timeout MS] [--load-timeout MS]\n"
    "                       [--min-coverage PCT] [--exhaustive [--exhaustive-budget MS]]\n"
    "                       [--decision-cache N]\n"
    "                       [--log-level debug|info|warn|error] [--watch] [--strict-rules]\n"
    "                       [--require-approval] [--shadow-sample SHARE]\n"
    "Every flag can also be set as WEGWIJZER_<FLAG> (e.g. WEGWIJZER_LISTEN,\n"
    "WEGWIJZER_CORS_ORIGIN as a comma-separated list); a flag wins over the variable.\n";

const char *ww_config_usage(void) { return usage_text; }

typedef enum { OPT_STR, OPT_HOSTPORT, OPT_INT, OPT_SIZE, OPT_LONG, OPT_LIST, OPT_FLAG,
               OPT_SHARE } opt_kind;

typedef struct option_def {
  const char *flag;      /* without the leading "--" */
  const char *env;
  opt_kind kind;
  size_t offset;
  size_t size;           /* for OPT_STR: buffer size */
  long min, max;         /* for numbers */
} option_def;

#define STR(f, e, field) {f, e, OPT_STR, offsetof(ww_config, field), sizeof(((ww_config *)0)->field), 0, 0}
#define NUM(f, e, k, field, lo, hi) {f, e, k, offsetof(ww_config, field), 0, lo, hi}

static const option_def options[] = {
    {"listen", "WEGWIJZER_LISTEN", OPT_HOSTPORT, 0, 0, 0, 0},
    STR("rules", "WEGWIJZER_RULES", rules_dir),
    STR("redis", "WEGWIJZER_REDIS", redis_url),
    NUM("workers", "WEGWIJZER_WORKERS", OPT_INT, workers, 1, 256),
    STR("tokens", "WEGWIJZER_TOKENS", tokens_file),
    STR("secret-file", "WEGWIJZER_SECRET_FILE", secret_file),
    NUM("max-body", "WEGWIJZER_MAX_BODY", OPT_SIZE, max_body, 1, 64L * 1024 * 1024),
    NUM("max-rules-body", "WEGWIJZER_MAX_RULES_BODY", OPT_SIZE, max_rules_body, 1,
        64L * 1024 * 1024),
    {"cors-origin", "WEGWIJZER_CORS_ORIGIN", OPT_LIST, 0, 0, 0, 0},
    STR("redis-sentinel", "WEGWIJZER_REDIS_SENTINEL", sentinels),
    STR("redis-master", "WEGWIJZER_REDIS_MASTER", redis_master),
    STR("log-level", "WEGWIJZER_LOG_LEVEL", log_level),
    NUM("session-ttl", "WEGWIJZER_SESSION_TTL", OPT_LONG, session_ttl, 60, 90L * 86400),
    NUM("handover-ttl", "WEGWIJZER_HANDOVER_TTL", OPT_LONG, handover_ttl, 10, 86400),
    NUM("decision-log", "WEGWIJZER_DECISION_LOG", OPT_LONG, decision_log_maxlen, 0, 100000000L),
    NUM("decision-log-days", "WEGWIJZER_DECISION_LOG_DAYS", OPT_LONG, decision_log_days, 0, 3660),
    NUM("max-connections", "WEGWIJZER_MAX_CONNECTIONS", OPT_INT, max_connections, 1, 1000000),
    NUM("max-output-memory", "WEGWIJZER_MAX_OUTPUT_MEMORY", OPT_SIZE, max_output_memory,
        1L << 20, 1L << 40),
    NUM("claim-fail-limit", "WEGWIJZER_CLAIM_FAIL_LIMIT", OPT_INT, claim_fail_limit, 1, 1000000),
    NUM("claim-fail-shared-limit", "WEGWIJZER_CLAIM_FAIL_SHARED_LIMIT", OPT_INT,
        claim_fail_shared_limit, 1, 100000000),
    NUM("claim-fail-window", "WEGWIJZER_CLAIM_FAIL_WINDOW", OPT_LONG, claim_fail_window, 1, 86400),
    {"watch", "WEGWIJZER_WATCH", OPT_FLAG, offsetof(ww_config, watch), 0, 0, 0},
    {"strict-rules", "WEGWIJZER_STRICT_RULES", OPT_FLAG, offsetof(ww_config, strict_rules), 0, 0, 0},
    {"require-approval", "WEGWIJZER_REQUIRE_APPROVAL", OPT_FLAG,
     offsetof(ww_config, require_approval), 0, 0, 0},
    NUM("memory-store-max", "WEGWIJZER_MEMORY_STORE_MAX", OPT_SIZE, memory_store_max,
        1L << 20, 1L << 40),
    NUM("handover-max-live", "WEGWIJZER_HANDOVER_MAX_LIVE", OPT_LONG, handover_max_live, 1,
        1000000),
    NUM("session-rate", "WEGWIJZER_SESSION_RATE", OPT_INT, session_rate, 0, 1000000),
    NUM("event-rate", "WEGWIJZER_EVENT_RATE", OPT_INT, event_rate, 0, 1000000),
    NUM("handover-rate", "WEGWIJZER_HANDOVER_RATE", OPT_INT, handover_rate, 0, 1000000),
    NUM("decision-timeout", "WEGWIJZER_DECISION_TIMEOUT", OPT_INT, decision_timeout_ms, 1, 60000),
    NUM("load-timeout", "WEGWIJZER_LOAD_TIMEOUT", OPT_INT, load_timeout_ms, 100, 600000),
    NUM("min-coverage", "WEGWIJZER_MIN_COVERAGE", OPT_INT, min_coverage, 0, 100),
    {"exhaustive", "WEGWIJZER_EXHAUSTIVE", OPT_FLAG, offsetof(ww_config, exhaustive), 0, 0, 0},
    NUM("exhaustive-budget", "WEGWIJZER_EXHAUSTIVE_BUDGET", OPT_INT, exhaustive_budget_ms, 100,
        600000),
    {"shadow-sample", "WEGWIJZER_SHADOW_SAMPLE", OPT_SHARE, offsetof(ww_config, shadow_sample),
     0, 0, 0},
    NUM("decision-cache", "WEGWIJZER_DECISION_CACHE", OPT_INT, decision_cache, 0, 1000000),
};
#define NOPTIONS (sizeof options / sizeof options[0])

/* 1 if 'o' is http://localhost, http://127.0.0.1 or http://[::1], with or without a port:
 * a page on the developer's own machine. */
static int loopback_http_origin(const char *o) {
  static const char *const hosts[] = {"http://localhost", "http://127.0.0.1", "http://[::1]"};
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
    size_t n = strlen(hosts[i]);
    if (strncmp(o, hosts[i], n) != 0) continue;
    const char *p = o + n;
    if (*p == '\0') return 1;
    if (*p++ != ':') return 0;
    size_t digits = strspn(p, "0123456789");
    return digits >= 1 && digits <= 5 && p[digits] == '\0';
  }
  return 0;
}

static int add_origin(ww_config *cfg, const char *origin, const char *what) {
  if (*origin == '\0') return 0;
  if (cfg->n_cors >= WW_MAX_CORS) {
    fprintf(stderr, "wegwijzer: at most %d --cors-origin values\n", WW_MAX_CORS);
    return -1;
  }
  int https = strncmp(origin, "https://", 8) == 0 && origin[8] != '\0';
  if (!https && !loopback_http_origin(origin)) {
    if (strncmp(origin, "http://", 7) == 0)   /* a page over plain http can be altered */
      fprintf(stderr, "wegwijzer: %s %s: a website origin must use https:// (http:// only "
                      "for http://localhost, http://127.0.0.1 or http://[::1], any port, "
                      "for development)\n", what, origin);
    else
      fprintf(stderr, "wegwijzer: %s %s: give a full origin such as "
                      "https://www.gemeente.nl\n", what, origin);
    return -1;
  }
  cfg->cors_origins[cfg->n_cors++] = strdup(origin);
  cfg->cors_origins[cfg->n_cors] = NULL;
  return 0;
}

static int parse_hostport(ww_config *cfg, const char *v, const char *what) {
  const char *colon = strrchr(v, ':');
  if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof cfg->listen_host) goto bad;
  char *end;
  errno = 0;
  long port = strtol(colon + 1, &end, 10);
  if (errno || *end != '\0' || end == colon + 1 || port < 0 || port > 65535) goto bad;
  const char *host = v;
  size_t hlen = (size_t)(colon - v);
  if (host[0] == '[' && hlen >= 2 && host[hlen - 1] == ']') {   /* [::1]:8080 */
    host++;
    hlen -= 2;
  }
  memcpy(cfg->listen_host, host, hlen);
  cfg->listen_host[hlen] = '\0';
  cfg->listen_port = (int)port;
  return 0;
bad:
  fprintf(stderr, "wegwijzer: %s %s: expected HOST:PORT, e.g. 127.0.0.1:8080\n", what, v);
  return -1;
}

static int set_option(ww_config *cfg, const option_def *o, const char *v, const char *what) {
  char *base = (char *)cfg;
  char *end;
  long n;
  switch (o->kind) {
  case OPT_HOSTPORT:
    return parse_hostport(cfg, v, what);
  case OPT_STR:
    if (strlen(v) >= o->size) {
      fprintf(stderr, "wegwijzer: %s: value too long\n", what);
      return -1;
    }
    strcpy(base + o->offset, v);
    return 0;
  case OPT_LIST: {
    char *copy = strdup(v), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
      while (*t == ' ') t++;
      rc = add_origin(cfg, t, what);
    }
    free(copy);
    return rc;
  }
  case OPT_FLAG:
    *(int *)(base + o->offset) = strcmp(v, "0") != 0 && strcmp(v, "false") != 0;
    return 0;
  case OPT_SHARE: {
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end != '\0' || !(d >= 0.0 && d <= 1.0)) {
      fprintf(stderr, "wegwijzer: %s %s: expected a share from 0 to 1, e.g. 0.1\n", what, v);
      return -1;
    }
    *(double *)(base + o->offset) = d;
    return 0;
  }
  case OPT_INT:
  case OPT_SIZE:
  case OPT_LONG:
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || n < o->min || n > o->max) {
      fprintf(stderr, "wegwijzer: %s %s: expected a whole number from %ld to %ld\n", what,
              v, o->min, o->max);
      return -1;
    }
    if (o->kind == OPT_INT) *(int *)(base + o->offset) = (int)n;
    else if (o->kind == OPT_SIZE) *(size_t *)(base + o->offset) = (size_t)n;
    else *(long *)(base + o->offset) = n;
    return 0;
  }
  return -1;
}

static int usage_error(void) {
  fputs(usage_text, stderr);
  return -1;
}

int ww_config_parse(ww_config *cfg, int argc, char **argv) {
  memset(cfg, 0, sizeof *cfg);
  strcpy(cfg->listen_host, "127.0.0.1");
  cfg->listen_port = 8080;
  strcpy(cfg->rules_dir, "./rules");
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  cfg->workers = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 1;
  cfg->max_body = 64 * 1024;
  cfg->max_rules_body = 4 * 1024 * 1024;
  strcpy(cfg->log_level, "info");
  cfg->session_ttl = 7L * 86400;
  cfg->handover_ttl = 15L * 60;
  cfg->max_connections = 10000;
  cfg->max_output_memory = (size_t)64 << 20;
  cfg->claim_fail_limit = 10;
  cfg->claim_fail_window = 300;
  cfg->memory_store_max = (size_t)256 * 1024 * 1024;
  cfg->handover_max_live = 100000;
  cfg->session_rate = 20;
  cfg->event_rate = 50;
  cfg->handover_rate = 5;
  cfg->decision_timeout_ms = WW_DEFAULT_DECISION_TIMEOUT_MS;
  cfg->load_timeout_ms = WW_DEFAULT_LOAD_TIMEOUT_MS;
  cfg->min_coverage = -1;
  cfg->exhaustive_budget_ms = 10000;
  cfg->shadow_sample = 1.0;
  cfg->decision_cache = WW_DEFAULT_DECISION_CACHE;

  /* Environment first; a list from the environment is replaced by flags of its kind. */
  for (size_t i = 0; i < NOPTIONS; i++) {
    const char *v = getenv(options[i].env);
    if (v && *v && set_option(cfg, &options[i], v, options[i].env) != 0) return usage_error();
  }
  int cors_from_flags = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0) {
      fprintf(stderr, "wegwijzer serve: unexpected argument '%s'\n", arg);
      return usage_error();
    }
    const char *name = arg + 2, *value = NULL;
    char namebuf[64];
    const char *eq = strchr(name, '=');
    if (eq) {   /* --flag=value */
      size_t n = (size_t)(eq - name);
      if (n >= sizeof namebuf) n = sizeof namebuf - 1;
      memcpy(namebuf, name, n);
      namebuf[n] = '\0';
      name = namebuf;
      value = eq + 1;
    }
    const option_def *o = NULL;
    for (size_t k = 0; k < NOPTIONS; k++)
      if (strcmp(options[k].flag, name) == 0) o = &options[k];
    if (o == NULL) {
      fprintf(stderr, "wegwijzer serve: unknown flag --%s\n", name);
      return usage_error();
    }
    if (o->kind == OPT_FLAG) {
      if (set_option(cfg, o, value ? value : "1", arg) != 0) return usage_error();
      continue;
    }
    if (value == NULL) {
      if (i + 1 >= argc) {
        fprintf(stderr, "wegwijzer serve: --%s needs a value\n", name);
        return usage_error();
      }
      value = argv[++i];
    }
    if (o->kind == OPT_LIST && !cors_from_flags) {
      for (int k = 0; k < cfg->n_cors; k++) free(cfg->cors_origins[k]);
      cfg->n_cors = 0;
      cfg->cors_origins[0] = NULL;
      cors_from_flags = 1;
    }
    char what[80];
    snprintf(what, sizeof what, "--%s", name);
    if (set_option(cfg, o, value, what) != 0) return usage_error();
  }
  if (cfg->sentinels[0] && !cfg->redis_master[0]) {
    fprintf(stderr, "wegwijzer serve: --redis-sentinel needs --redis-master NAME\n");
    return usage_error();
  }
  ww_redis_url url;
  const char *why;
  if (cfg->redis_url[0] && ww_redis_url_parse(cfg->redis_url, &url, &why) != 0) {
    /* not the URL itself: it may hold the password */
    fprintf(stderr, "wegwijzer serve: --redis: %s (want " WW_REDIS_URL_FORM ")\n", why);
    return usage_error();
  }
  return 0;
}

void ww_config_free(ww_config *cfg) {
  for (int k = 0; k < cfg->n_cors; k++) free(cfg->cors_origins[k]);
  cfg->n_cors = 0;
  cfg->cors_origins[0] = NULL;
}
