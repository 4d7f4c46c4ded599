/* The command line: dispatch to serve, check, test, eval, report, replay, diff, version. */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "log/log.h"
#include "werkbank/werkbank.h"

static const char usage_text[] =
    "usage: wegwijzer <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [flags]                 run the HTTP server (wegwijzer serve --help)\n"
    "  check DIR                     load and validate a rule set\n"
    "                                (--strict; --exhaustive: prove the duty of care\n"
    "                                over every situation, --exhaustive-budget MS,\n"
    "                                --week YYYY-MM-DD)\n"
    "  test DIR                      run a rule set's tests\n"
    "                                (--failures; --coverage, --min-coverage PCT, --json)\n"
    "  eval DIR [REQUEST.json|-]     print the advice for one request, with trace\n"
    "                                (--route, --advice-id ID to repeat a decision,\n"
    "                                --status OVERRIDES.json for channel overrides)\n"
    "  report [--redis URL|--from F] channel mix of a period (wegwijzer report --help)\n"
    "  replay --rules DRAFT ...      recorded decisions decided again on a draft\n"
    "                                (wegwijzer replay --help)\n"
    "  diff OLD NEW                  what changes between two rule sets over a grid of\n"
    "                                services, citizens and hours (wegwijzer diff --help)\n"
    "  version                       print the version\n";

static void on_listening(void *appv, const char *host, int port) {
  ww_app *app = appv;
  const ww_config *cfg = app->cfg;
  char listen[96];
  snprintf(listen, sizeof listen, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
  const char *store = cfg->sentinels[0]   ? "redis-sentinel"
                      : cfg->redis_url[0] ? "redis"
                                          : "memory";
  ww_log(WW_LOG_INFO, "wegwijzer started",
         json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:i}", "version", WW_VERSION,
                   "listen", listen, "rules", cfg->rules_dir, "store", store, "workers",
                   cfg->workers,
                   "rulesVersion", app->rules.loaded_at[0] ? app->rules.version : "",
                   "testsPassed", app->rules.tests_passed, "testsFailed",
                   app->rules.tests_failed));
}

static int cmd_serve(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(ww_config_usage(), stdout);
      return 0;
    }
  }
  ww_config cfg;
  if (ww_config_parse(&cfg, argc, argv) != 0) return 2;
  ww_log_level level;
  if (ww_log_parse_level(cfg.log_level, &level) != 0) {
    fprintf(stderr, "wegwijzer serve: --log-level %s: use debug, info, warn or error\n",
            cfg.log_level);
    fputs(ww_config_usage(), stderr);
    ww_config_free(&cfg);
    return 2;
  }
  ww_log_set_level(level);

  ww_app app;
  int rc = 1;
  if (ww_app_init(&app, &cfg) != 0) goto out;
  /* Once before the workers do, so a broken set stops the start with a FILE:LINE message
   * instead of N workers that answer 503. */
  ww_err err = {0};
  if (ww_reload_check(&app.rules, &err) != 0) {
    fprintf(stderr, "wegwijzer: rule set %s: %s\n", cfg.rules_dir, err.msg);
    ww_err_clear(&err);
    goto out_app;
  }

  /* The API's routes, then the workbench's pages. */
  size_t napi, nwerkbank;
  const ww_route *api = ww_api_routes(&napi);
  const ww_route *werkbank = ww_werkbank_routes(&nwerkbank);
  size_t nroutes = napi + nwerkbank;
  ww_route *routes = malloc(nroutes * sizeof *routes);
  if (!routes) {
    fputs("wegwijzer: out of memory\n", stderr);
    goto out_app;
  }
  memcpy(routes, api, napi * sizeof *routes);
  memcpy(routes + napi, werkbank, nwerkbank * sizeof *routes);
  ww_server_opts opts = {0};
  opts.host = cfg.listen_host;
  opts.port = cfg.listen_port;
  opts.workers = cfg.workers;
  opts.max_body = cfg.max_body;
  opts.max_large_body = cfg.max_rules_body;
  opts.max_connections = cfg.max_connections;
  opts.max_output_bytes = cfg.max_output_memory;
  opts.cors_origins = (const char *const *)cfg.cors_origins;
  opts.routes = routes;
  opts.nroutes = nroutes;
  opts.worker_init = ww_app_worker_init;
  opts.worker_fini = ww_app_worker_fini;
  opts.app = &app;
  opts.on_listening = on_listening;
  opts.on_complete = ww_app_on_complete;
  opts.on_reload = ww_app_on_reload;
  opts.authorize = ww_api_authorize;
  rc = ww_server_run(&opts) == 0 ? 0 : 1;
  free(routes);
  ww_log(WW_LOG_INFO, "wegwijzer stopped", NULL);
out_app:
  ww_app_close(&app);
out:
  ww_config_free(&cfg);
  return rc;
}

int ww_cli_main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 1, argv + 1);
  if (strcmp(cmd, "check") == 0) return ww_cli_check(argc - 1, argv + 1);
  if (strcmp(cmd, "test") == 0) return ww_cli_test(argc - 1, argv + 1);
  if (strcmp(cmd, "eval") == 0) return ww_cli_eval(argc - 1, argv + 1);
  if (strcmp(cmd, "report") == 0) return ww_cli_report(argc - 1, argv + 1);
  if (strcmp(cmd, "replay") == 0) return ww_cli_replay(argc - 1, argv + 1);
  if (strcmp(cmd, "diff") == 0) return ww_cli_diff(argc - 1, argv + 1);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    if (argc > 2) {
      fprintf(stderr, "usage: wegwijzer version\n");
      return 2;
    }
    printf("wegwijzer %s (API %s)\n", WW_VERSION, WW_API_VERSION);
    return 0;
  }
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  fprintf(stderr, "wegwijzer: unknown command '%s'\n", cmd);
  fputs(usage_text, stderr);
  return 2;
}
