/* Unit tests: engine/config -- the checks on --cors-origin (flag and variable) and --redis. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "config/config.h"

static int parse_origin(const char *origin) {
  char *argv[] = {"serve", "--cors-origin", (char *)origin, NULL};
  ww_config cfg;
  int rc = ww_config_parse(&cfg, 3, argv);
  ww_config_free(&cfg);
  return rc;
}

static void teardown(void) { unsetenv("WEGWIJZER_CORS_ORIGIN"); }

TestSuite(config, .fini = teardown);

/* A page served over plain http can be changed on the way; only the developer's own
 * machine may use http://. */
Test(config, cors_origin_must_be_https_except_loopback) {
  static const char *const good[] = {
    "https://www.gemeente.nl", "https://www.gemeente.nl:8443", "http://localhost",
    "http://localhost:8000", "http://127.0.0.1", "http://127.0.0.1:5173", "http://[::1]",
    "http://[::1]:8080",
  };
  static const char *const bad[] = {
    "http://www.gemeente.nl", "http://gemeente.nl:80", "http://localhost.evil.nl",
    "http://127.0.0.1.evil.nl", "http://127.0.0.1:", "http://127.0.0.1:80x",
    "http://localhost:123456", "http://[::1]x", "http://10.0.0.5", "https://",
    "www.gemeente.nl", "ftp://www.gemeente.nl",
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    cr_expect_eq(parse_origin(good[i]), 0, "%s refused", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect_eq(parse_origin(bad[i]), -1, "%s accepted", bad[i]);
}

Test(config, cors_origin_variable_checked_too) {
  char *argv[] = {"serve", NULL};
  ww_config cfg;
  setenv("WEGWIJZER_CORS_ORIGIN", "https://www.gemeente.nl,http://www.gemeente.nl", 1);
  cr_assert_eq(ww_config_parse(&cfg, 1, argv), -1);
  ww_config_free(&cfg);
  setenv("WEGWIJZER_CORS_ORIGIN", "https://www.gemeente.nl, http://localhost:8000", 1);
  cr_assert_eq(ww_config_parse(&cfg, 1, argv), 0);
  cr_assert_eq(cfg.n_cors, 2);
  cr_assert_str_eq(cfg.cors_origins[1], "http://localhost:8000");
  ww_config_free(&cfg);
}

/* --redis is checked at start by the one Redis URL parser (engine/util/redis_url.c):
 * a bad URL stops `serve` with a usage error, without echoing the URL (its password). */
Test(config, redis_url_checked_at_start) {
  static const char *const good[] = {"redis://127.0.0.1:6379", "redis://:pw@redis.intern/2",
                                     "redis://[::1]:7000"};
  static const char *const bad[] = {"127.0.0.1:6379", "redis://:secret@h:0", "redis://h/x",
                                    "rediss://h"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char *argv[] = {"serve", "--redis", (char *)good[i], NULL};
    ww_config cfg;
    cr_expect_eq(ww_config_parse(&cfg, 3, argv), 0, "%s refused", good[i]);
    ww_config_free(&cfg);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *argv[] = {"serve", "--redis", (char *)bad[i], NULL};
    ww_config cfg;
    cr_expect_eq(ww_config_parse(&cfg, 3, argv), -1, "%s accepted", bad[i]);
    ww_config_free(&cfg);
  }
}

/* --shadow-sample: a share from 0 to 1, default 1 (the shadow takes every decision). */
Test(config, shadow_sample_is_a_share) {
  ww_config cfg;
  char *none[] = {"serve", NULL};
  cr_assert_eq(ww_config_parse(&cfg, 1, none), 0);
  cr_expect_float_eq(cfg.shadow_sample, 1.0, 1e-9);
  ww_config_free(&cfg);
  static const char *const good[] = {"0", "0.25", "1"};
  static const char *const bad[] = {"-0.1", "1.5", "half", "0.5x", "nan", ""};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char *argv[] = {"serve", "--shadow-sample", (char *)good[i], NULL};
    cr_expect_eq(ww_config_parse(&cfg, 3, argv), 0, "%s refused", good[i]);
    ww_config_free(&cfg);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *argv[] = {"serve", "--shadow-sample", (char *)bad[i], NULL};
    cr_expect_eq(ww_config_parse(&cfg, 3, argv), -1, "%s accepted", bad[i]);
    ww_config_free(&cfg);
  }
}
