/* Unit tests of engine/util/redis_url.c: the one Redis URL parser (serve, report). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "util/redis_url.h"

static ww_redis_url parse_ok(const char *url) {
  ww_redis_url u;
  const char *why = NULL;
  cr_assert_eq(ww_redis_url_parse(url, &u, &why), 0, "refused %s: %s", url, why ? why : "");
  return u;
}

Test(redis_url, defaults) {
  ww_redis_url u = parse_ok("redis://localhost");
  cr_expect_str_eq(u.host, "localhost");
  cr_expect_eq(u.port, 6379);
  cr_expect_eq(u.db, 0);
  cr_expect_str_eq(u.user, "");
  cr_expect_str_eq(u.password, "");
  u = parse_ok("redis://10.0.0.5/");
  cr_expect_str_eq(u.host, "10.0.0.5");
  cr_expect_eq(u.db, 0);
}

Test(redis_url, every_part) {
  ww_redis_url u = parse_ok("redis://ww:s3cr:et@redis.intern:6380/3");
  cr_expect_str_eq(u.user, "ww");
  cr_expect_str_eq(u.password, "s3cr:et", "only the first ':' ends the user");
  cr_expect_str_eq(u.host, "redis.intern");
  cr_expect_eq(u.port, 6380);
  cr_expect_eq(u.db, 3);
  u = parse_ok("redis://:p@ss w@h:1/1000000");
  cr_expect_str_eq(u.user, "");
  cr_expect_str_eq(u.password, "p@ss w", "the last '@' ends the password");
  cr_expect_str_eq(u.host, "h");
  cr_expect_eq(u.port, 1);
  cr_expect_eq(u.db, 1000000);
  u = parse_ok("redis://h:65535");
  cr_expect_eq(u.port, 65535);
}

Test(redis_url, ipv6_in_brackets) {
  ww_redis_url u = parse_ok("redis://[::1]:7000/2");
  cr_expect_str_eq(u.host, "::1");
  cr_expect_eq(u.port, 7000);
  cr_expect_eq(u.db, 2);
  u = parse_ok("redis://:pw@[fe80::1]");
  cr_expect_str_eq(u.host, "fe80::1");
  cr_expect_eq(u.port, 6379);
}

Test(redis_url, malformed) {
  static const char *const bad[] = {
      "", "localhost:6379", "http://h", "redis:/h", "redis://", "redis://:6379",
      "redis:///0", "redis://h:", "redis://h:0", "redis://h:65536", "redis://h:99999",
      "redis://h:12x", "redis://h:+80", "redis://h:-1", "redis://h/x", "redis://h/-1",
      "redis://h/1000001", "redis://h/1/2", "redis://h/1x", "redis://h?db=1",
      "redis://user@h", "redis://:pw", "redis://h h", "redis://h\t:1", "redis://h\n",
      "redis://[::1", "redis://[]:1", "redis://[g::1]", "redis://a]b", "redis://[::1]x",
      "redis://h:99999999999999999999", "redis://h/99999999999999999999",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ww_redis_url u;
    const char *why = NULL;
    cr_expect_eq(ww_redis_url_parse(bad[i], &u, &why), -1, "accepted \"%s\"", bad[i]);
    cr_expect(why && why[0], "no reason for \"%s\"", bad[i]);
  }
  ww_redis_url u;
  cr_expect_eq(ww_redis_url_parse(NULL, &u, NULL), -1);
}

/* A URL that is too long for a part is refused, never cut short. */
Test(redis_url, parts_too_long) {
  char url[1200];
  memset(url, 0, sizeof url);
  strcpy(url, "redis://");
  memset(url + 8, 'h', 256);
  ww_redis_url u;
  const char *why = NULL;
  cr_expect_eq(ww_redis_url_parse(url, &u, &why), -1);
  cr_expect_str_eq(why, "host too long");
  url[8 + 255] = '\0';
  cr_expect_eq(ww_redis_url_parse(url, &u, NULL), 0, "255 bytes fit");
  snprintf(url, sizeof url, "redis://:%0300d@h", 7);
  cr_expect_eq(ww_redis_url_parse(url, &u, &why), -1);
  cr_expect_str_eq(why, "password too long");
}

/* The reason never repeats the URL (it may hold a password). */
Test(redis_url, reason_without_the_password) {
  ww_redis_url u;
  const char *why = NULL;
  cr_assert_eq(ww_redis_url_parse("redis://:topsecret@h:0", &u, &why), -1);
  cr_expect_null(strstr(why, "topsecret"));
}
