/* Configuration of `wegwijzer serve`: command-line flags, each also read from a
 * WEGWIJZER_* environment variable (the flag wins). */
#ifndef WW_CONFIG_H
#define WW_CONFIG_H

#include <stddef.h>

#define WW_MAX_CORS 16
#define WW_MAX_SENTINELS 8

typedef struct ww_config {
  char listen_host[64];        /* --listen HOST:PORT, default 127.0.0.1:8080 */
  int listen_port;
  char rules_dir[1024];        /* --rules, default ./rules */
  char redis_url[512];         /* --redis redis://HOST:PORT[/DB]; "" = embedded store */
  int workers;                 /* --workers, default: number of cores */
  char tokens_file[1024];      /* --tokens */
  char secret_file[1024];      /* --secret-file */
  size_t max_body;             /* --max-body BYTES, default 65536 */
  size_t max_rules_body;       /* --max-rules-body BYTES: of POST /v1/rules/check and
                                  /v1/rules/drafts (whole rule sets, read after the token
                                  passed), default 4 MiB */
  char *cors_origins[WW_MAX_CORS + 1];   /* --cors-origin (repeatable), NULL-terminated */
  int n_cors;
  char sentinels[512];         /* --redis-sentinel HOST:PORT,... */
  char redis_master[128];      /* --redis-master NAME */
  char log_level[16];          /* --log-level debug|info|warn|error, default info */
  long session_ttl;            /* --session-ttl SECONDS, default 7 days */
  long handover_ttl;           /* --handover-ttl SECONDS, default 15 minutes */
  long decision_log_maxlen;    /* --decision-log N: XADD MAXLEN ~ N; 0 = off */
  long decision_log_days;      /* --decision-log-days D: entries older are trimmed; 0 = off */
  int max_connections;         /* --max-connections per worker, default 10000 */
  size_t max_output_memory;    /* --max-output-memory BYTES: answers held for clients that
                                  do not read them, whole process; default 64 MiB */
  int claim_fail_limit;        /* --claim-fail-limit: wrong handover codes per client per
                                  window before 429; default 10 (per caller when the
                                  claim names its callerRef) */
  int claim_fail_shared_limit; /* --claim-fail-shared-limit: wrong codes per client address
                                  per window when its claims name callers; default 20 x
                                  --claim-fail-limit */
  long claim_fail_window;      /* --claim-fail-window SECONDS, default 300 */
  int watch;                   /* --watch: reload rules when their files change */
  int require_approval;        /* --require-approval: a draft is published only after an
                                  admin with another token NAME than its author's approved
                                  it (four eyes) */
  int strict_rules;            /* --strict-rules: a rule set with warnings ("bedoelt u ...?")
                                  does not load, at the start or on reload */
  size_t memory_store_max;     /* --memory-store-max BYTES: the embedded store's bound,
                                  default 256 MiB */
  long handover_max_live;      /* --handover-max-live N: live handover codes at most,
                                  default 100000 (10 % of the 10^6 codes) */
  int session_rate;            /* --session-rate N: sessions a client may create per second
                                  (bursts of 10 s worth), default 20; 0 = no limit */
  int event_rate;              /* --event-rate N: events per second, default 50 */
  int handover_rate;           /* --handover-rate N: handover codes per second, default 5 */
  int decision_timeout_ms;     /* --decision-timeout MS: wall-clock limit of one decision
                                  (then the fallback advice); default 5 */
  int load_timeout_ms;         /* --load-timeout MS: of loading a rule set, of its tests,
                                  and of waiting for another reload; default 5000 */
  int min_coverage;            /* --min-coverage PCT: a rule set whose tests cover fewer of
                                  its rules or steering lines does not go live; -1 = off */
  int exhaustive;              /* --exhaustive: the duty-of-care proof is part of the gate */
  int exhaustive_budget_ms;    /* --exhaustive-budget MS: its time per rule set, default
                                  10000 */
  double shadow_sample;        /* --shadow-sample SHARE: of the live decisions a shadow
                                  candidate decides again (0..1), default 1 */
  int decision_cache;          /* --decision-cache N: verdicts each worker remembers
                                  (engine/decision/memo.c); 0 = off */
} ww_config;

/* 1024 verdicts per worker: the anonymous questions of one minute for a municipality's
 * catalogue (the bundled 32 services x the usual citizen and context profiles is ~1,000
 * distinct keys; the bench corpus is 960) in at most ~4 MiB per worker (an entry is the
 * verdict, ~3 KiB with its per-channel arrays, plus its key and texts; slots never used
 * stay untouched zero pages). */
#define WW_DEFAULT_DECISION_CACHE 1024

/* Fill 'cfg' from defaults, then the environment, then argv (argv[0] is "serve").
 * Returns 0, or -1 after printing what is wrong and the usage on stderr. */
int ww_config_parse(ww_config *cfg, int argc, char **argv);
void ww_config_free(ww_config *cfg);

/* The usage text of `wegwijzer serve`. */
const char *ww_config_usage(void);

#endif
