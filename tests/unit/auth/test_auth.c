#include "auth/auth.h"
#include "util/crypto.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA-256("abc"), FIPS 180-2 test vector: the file format is the plain digest. */
#define ABC_HASH "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static char dir[64];
static char path[128];

static void setup(void) {
  strcpy(dir, "/tmp/ww-auth-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/tokens", dir);
}

static void teardown(void) {
  unlink(path);
  rmdir(dir);
}

static void write_file(const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  cr_assert_eq(chmod(path, mode), 0);
}

static char *hash_of(const char *token, char out[65]) {
  ww_sha256_hex(token, strlen(token), out);
  return out;
}

/* A file with an advice token "adv-secret" (website) and an admin token "adm-secret". */
static ww_auth *load_two(void) {
  char h1[65], h2[65], text[512];
  snprintf(text, sizeof text,
           "# wegwijzer tokens\n\nadvice website %s\nadmin ops %s\n",
           hash_of("adv-secret", h1), hash_of("adm-secret", h2));
  write_file(text, 0600);
  char err[256];
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  cr_assert_not_null(a, "load: %s", err);
  return a;
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 10);

Test(auth, sha256_is_the_plain_digest) {
  char h[65];
  cr_assert_str_eq(hash_of("abc", h), ABC_HASH);
}

Test(auth, loads_comments_blanks_tabs_crlf_uppercase) {
  write_file("# comment\n"
             "   \n"
             "\t# indented comment\n"
             "advice\twebsite   " ABC_HASH "  # trailing comment\r\n"
             "admin ivr-vendor.v2 BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AE\n"
             "advice no-newline-at-end 0000000000000000000000000000000000000000000000000000000000000000",
             0600);
  char err[256] = "";
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  cr_assert_not_null(a, "load: %s", err);
  cr_assert_eq(ww_auth_count(a), 3);
  const char *who = NULL;
  cr_assert_eq(ww_auth_check(a, "Bearer abc", WW_ROLE_ADVICE, &who), 0);
  cr_assert_str_eq(who, "website");
  ww_auth_free(a);
}

static void expect_error(const char *text, int line, const char *what) {
  write_file(text, 0600);
  char err[256] = "";
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  cr_expect_null(a, "loaded: %s", text);
  ww_auth_free(a);
  char prefix[160];
  if (line > 0) snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
  else snprintf(prefix, sizeof prefix, "%s: ", path);
  cr_expect(strncmp(err, prefix, strlen(prefix)) == 0, "want prefix '%s', got '%s'", prefix,
            err);
  cr_expect(strstr(err, what) != NULL, "want '%s' in '%s'", what, err);
}

Test(auth, bad_lines_name_file_and_line) {
  expect_error("# c\n\nroot website " ABC_HASH "\n", 3, "unknown role \"root\"");
  expect_error("advice website\n", 1, "want 3 fields");
  expect_error("advice website " ABC_HASH " extra\n", 1, "want 3 fields");
  expect_error("advice\n", 1, "want 3 fields");
  expect_error("advice website " ABC_HASH "\nadmin ops my-plain-token\n", 2,
               "64 hex digits, not the token");
  expect_error("advice website " ABC_HASH "0\n", 1, "64 hex digits");
  expect_error("advice website " "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
               "\n", 1, "64 hex digits");
  expect_error("advice web$ite " ABC_HASH "\n", 1, "bad name");
  expect_error("advice website " ABC_HASH "\n# c\nadmin ops " ABC_HASH "\n", 3,
               "already listed (for \"website\")");
  expect_error("advice website " ABC_HASH "\nAdmin ops " ABC_HASH "\n", 2, "unknown role");
  expect_error("# only comments\n\n", 0, "no tokens");
  expect_error("", 0, "no tokens");
}

/* A tokens file another user owns could be rewritten by that user: refused, with the
 * chown that fixes it. Needs root to give the file away. */
Test(auth, refuses_a_file_of_another_user) {
  if (geteuid() != 0) cr_skip_test("needs root to chown the file to another user");
  write_file("advice website " ABC_HASH "\n", 0600);
  cr_assert_eq(chown(path, 65534, 65534), 0);
  char err[512] = "";
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  cr_expect_null(a, "a tokens file of uid 65534 loaded");
  ww_auth_free(a);
  cr_expect_not_null(strstr(err, "owned by uid 65534"), "%s", err);
  cr_expect_not_null(strstr(err, "run: chown 0 "), "%s", err);
  cr_assert_eq(chown(path, 0, 65534), 0);   /* root's, group another's: fine */
  cr_assert_eq(chmod(path, 0640), 0);
  a = ww_auth_load(path, err, sizeof err);
  cr_expect_not_null(a, "%s", err);
  ww_auth_free(a);
}

Test(auth, refuses_open_permissions) {
  static const struct { mode_t mode; const char *why; } bad[] = {
      {0644, "anyone may read it"},
      {0604, "anyone may read it"},
      {0666, "anyone may write it"},
      {0602, "anyone may write it"},
      {0620, "its group may write it"},
      {0660, "its group may write it"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file("advice website " ABC_HASH "\n", bad[i].mode);
    char err[256] = "";
    ww_auth *a = ww_auth_load(path, err, sizeof err);
    cr_expect_null(a, "mode %04o loaded", (unsigned)bad[i].mode);
    ww_auth_free(a);
    cr_expect(strstr(err, "chmod 600") != NULL, "no fix in '%s'", err);
    cr_expect(strstr(err, bad[i].why) != NULL, "want '%s' in '%s'", bad[i].why, err);
    cr_expect(strstr(err, path) != NULL, "no path in '%s'", err);
  }
  /* Owner-only and group-readable are fine. */
  mode_t ok[] = {0600, 0400, 0640};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    write_file("advice website " ABC_HASH "\n", ok[i]);
    char err[256] = "";
    ww_auth *a = ww_auth_load(path, err, sizeof err);
    cr_expect_not_null(a, "mode %04o: %s", (unsigned)ok[i], err);
    ww_auth_free(a);
  }
}

Test(auth, missing_file_and_directory) {
  char err[256] = "";
  cr_assert_null(ww_auth_load(path, err, sizeof err));
  cr_expect(strstr(err, "cannot open") != NULL, "%s", err);
  cr_assert_null(ww_auth_load(dir, err, sizeof err));
  cr_expect(strstr(err, "not a regular file") != NULL, "%s", err);
}

Test(auth, no_or_malformed_header_is_401) {
  ww_auth *a = load_two();
  const char *who = "x";
  cr_expect_eq(ww_auth_check(a, NULL, WW_ROLE_ADVICE, &who), 401);
  cr_expect_null(who);
  const char *bad[] = {"", "   ", "Bearer", "Bearer ", "Bearer    ", "Bearer\tadv-secret x",
                       "Bearer adv-secret adv-secret", "Basic adv-secret",
                       "Bearertoken", "Bearer: adv-secret", "adv-secret",
                       "Bearer adv-secret\x01", "Bearer adv\x7fsecret"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    who = "x";
    cr_expect_eq(ww_auth_check(a, bad[i], WW_ROLE_ADVICE, &who), 401, "'%s'", bad[i]);
    cr_expect_null(who, "'%s'", bad[i]);
  }
  ww_auth_free(a);
}

Test(auth, wrong_token_is_401) {
  ww_auth *a = load_two();
  const char *who = "x";
  cr_expect_eq(ww_auth_check(a, "Bearer adv-secreT", WW_ROLE_ADVICE, &who), 401);
  cr_expect_null(who);
  cr_expect_eq(ww_auth_check(a, "Bearer adv-secret2", WW_ROLE_ADVICE, NULL), 401);
  cr_expect_eq(ww_auth_check(a, "Bearer adm-secre", WW_ROLE_ADMIN, NULL), 401);
  /* The hash itself is not a token. */
  char h[65], hdr[80];
  snprintf(hdr, sizeof hdr, "Bearer %s", hash_of("adv-secret", h));
  cr_expect_eq(ww_auth_check(a, hdr, WW_ROLE_ADVICE, NULL), 401);
  ww_auth_free(a);
}

Test(auth, advice_token_on_admin_is_403) {
  ww_auth *a = load_two();
  const char *who = NULL;
  cr_expect_eq(ww_auth_check(a, "Bearer adv-secret", WW_ROLE_ADMIN, &who), 403);
  cr_expect_str_eq(who, "website");
  cr_expect_eq(ww_auth_check(a, "Bearer adv-secret", WW_ROLE_ADVICE, &who), 0);
  cr_expect_str_eq(who, "website");
  ww_auth_free(a);
}

Test(auth, admin_token_may_do_everything) {
  ww_auth *a = load_two();
  const char *who = NULL;
  cr_expect_eq(ww_auth_check(a, "Bearer adm-secret", WW_ROLE_ADMIN, &who), 0);
  cr_expect_str_eq(who, "ops");
  who = NULL;
  cr_expect_eq(ww_auth_check(a, "Bearer adm-secret", WW_ROLE_ADVICE, &who), 0);
  cr_expect_str_eq(who, "ops");
  ww_auth_free(a);
}

Test(auth, scheme_case_insensitive_and_extra_blanks) {
  ww_auth *a = load_two();
  const char *ok[] = {"bearer adm-secret", "BEARER adm-secret", "BeArEr adm-secret",
                      "Bearer   adm-secret", "  Bearer adm-secret  ", "Bearer\tadm-secret\t",
                      "\tbearer \t adm-secret"};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    const char *who = NULL;
    cr_expect_eq(ww_auth_check(a, ok[i], WW_ROLE_ADMIN, &who), 0, "'%s'", ok[i]);
    cr_expect(who && strcmp(who, "ops") == 0, "'%s'", ok[i]);
  }
  /* The token itself stays case-sensitive. */
  cr_expect_eq(ww_auth_check(a, "bearer ADM-SECRET", WW_ROLE_ADMIN, NULL), 401);
  ww_auth_free(a);
}

Test(auth, many_tokens_each_found) {
  /* Every entry is compared; make sure the selected one is the match, first to last. */
  char text[8192] = "", h[65], line[128];
  for (int i = 0; i < 40; i++) {
    char tok[32];
    snprintf(tok, sizeof tok, "tok-%d", i);
    snprintf(line, sizeof line, "%s name%d %s\n", i % 2 ? "admin" : "advice", i,
             hash_of(tok, h));
    strcat(text, line);
  }
  write_file(text, 0600);
  char err[256];
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  cr_assert_not_null(a, "%s", err);
  cr_assert_eq(ww_auth_count(a), 40);
  for (int i = 0; i < 40; i++) {
    char hdr[64], name[16];
    snprintf(hdr, sizeof hdr, "Bearer tok-%d", i);
    snprintf(name, sizeof name, "name%d", i);
    const char *who = NULL;
    cr_expect_eq(ww_auth_check(a, hdr, WW_ROLE_ADMIN, &who), i % 2 ? 0 : 403, "%s", hdr);
    cr_expect(who && strcmp(who, name) == 0, "%s -> %s", hdr, who ? who : "(null)");
  }
  ww_auth_free(a);
}

Test(auth, policy_without_tokens_file) {
  const char *who = NULL;
  cr_expect_eq(ww_auth_policy(NULL, 1, WW_ROLE_ADVICE, NULL, &who), 0);
  cr_expect_str_eq(who, "local");
  cr_expect_eq(ww_auth_policy(NULL, 1, WW_ROLE_ADVICE, "Bearer anything", NULL), 0);
  /* Author routes (drafts, versions) open on loopback as advice ones; the actor "local". */
  cr_expect_eq(ww_auth_policy(NULL, 1, WW_ROLE_AUTHOR, NULL, &who), 0);
  cr_expect_str_eq(who, "local");
  cr_expect_eq(ww_auth_policy(NULL, 0, WW_ROLE_AUTHOR, NULL, &who), 401);
  /* Admin never open without a token file, not even on loopback. */
  cr_expect_eq(ww_auth_policy(NULL, 1, WW_ROLE_ADMIN, NULL, &who), 401);
  cr_expect_null(who);
  cr_expect_eq(ww_auth_policy(NULL, 1, WW_ROLE_ADMIN, "Bearer anything", NULL), 401);
  /* Not loopback: advice closed too. */
  cr_expect_eq(ww_auth_policy(NULL, 0, WW_ROLE_ADVICE, NULL, &who), 401);
  cr_expect_eq(ww_auth_policy(NULL, 0, WW_ROLE_ADVICE, "Bearer x", NULL), 401);
  cr_expect_eq(ww_auth_policy(NULL, 0, WW_ROLE_ADMIN, NULL, NULL), 401);
}

Test(auth, policy_with_tokens_file_ignores_loopback) {
  ww_auth *a = load_two();
  const char *who = NULL;
  cr_expect_eq(ww_auth_policy(a, 1, WW_ROLE_ADVICE, NULL, &who), 401);
  cr_expect_eq(ww_auth_policy(a, 0, WW_ROLE_ADVICE, NULL, &who), 401);
  cr_expect_eq(ww_auth_policy(a, 0, WW_ROLE_ADVICE, "Bearer adv-secret", &who), 0);
  cr_expect_str_eq(who, "website");
  cr_expect_eq(ww_auth_policy(a, 1, WW_ROLE_ADMIN, "Bearer adv-secret", &who), 403);
  cr_expect_eq(ww_auth_policy(a, 0, WW_ROLE_ADMIN, "Bearer adm-secret", &who), 0);
  cr_expect_str_eq(who, "ops");
  ww_auth_free(a);
}

Test(auth, loopback_addresses) {
  const char *yes[] = {"127.0.0.1", "127.1.2.3", "127.255.255.255", "::1", "[::1]",
                       "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST", "localhost.",
                       "::ffff:127.0.0.1"};
  const char *no[] = {NULL, "", "0.0.0.0", "::", "[::]", "10.0.0.1", "128.0.0.1",
                      "126.255.255.255", "192.168.1.1", "::2", "fe80::1", "example.org",
                      "localhost.example.org", "127.0.0.1.nip.io", "[::1", "::ffff:10.0.0.1",
                      "1.127.0.0"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    cr_expect_eq(ww_auth_is_loopback(yes[i]), 1, "%s", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    cr_expect_eq(ww_auth_is_loopback(no[i]), 0, "%s", no[i] ? no[i] : "(null)");
}

Test(auth, role_names) {
  ww_role r;
  cr_expect_eq(ww_role_parse("advice", &r), 0);
  cr_expect_eq(r, WW_ROLE_ADVICE);
  cr_expect_eq(ww_role_parse("admin", &r), 0);
  cr_expect_eq(r, WW_ROLE_ADMIN);
  cr_expect_eq(ww_role_parse("ADMIN", &r), -1);
  cr_expect_eq(ww_role_parse(NULL, &r), -1);
  cr_expect_str_eq(ww_role_name(WW_ROLE_ADMIN), "admin");
  cr_expect_str_eq(ww_role_name(WW_ROLE_ADVICE), "advice");
}

/* scripts/wegwijzer-token: its line loads, its token passes, and the file is 0600. */
Test(auth, token_script_makes_a_working_line) {
  const char *root = getenv("WW_SOURCE_ROOT");
  cr_assert_not_null(root, "WW_SOURCE_ROOT not set (run through meson test)");
  char cmd[512];
  snprintf(cmd, sizeof cmd, "sh '%s/scripts/wegwijzer-token' admin ops --append '%s'", root,
           path);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  char out[1024] = "", line[256];
  while (fgets(line, sizeof line, p)) strncat(out, line, sizeof out - strlen(out) - 1);
  cr_assert_eq(pclose(p), 0, "script failed: %s", out);
  /* The token is the indented line after the first one. */
  char token[128] = "";
  cr_assert_eq(sscanf(out, "%*[^\n]\n %127s", token), 1, "output: %s", out);
  cr_assert_eq(strlen(token), 43, "token '%s'", token);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  cr_expect_eq(st.st_mode & 0777, 0600);
  char err[256];
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  cr_assert_not_null(a, "%s", err);
  char hdr[160];
  snprintf(hdr, sizeof hdr, "Bearer %s", token);
  const char *who = NULL;
  cr_expect_eq(ww_auth_check(a, hdr, WW_ROLE_ADMIN, &who), 0);
  cr_expect_str_eq(who, "ops");
  /* The file holds the hash, not the token. */
  FILE *f = fopen(path, "r");
  char file[512] = "";
  size_t n = fread(file, 1, sizeof file - 1, f);
  fclose(f);
  file[n] = '\0';
  cr_expect_null(strstr(file, token));
  ww_auth_free(a);
}

/* advice < author < admin: a role includes the smaller ones. */
Test(auth, author_role_between_advice_and_admin) {
  char path[] = "/tmp/ww-auth-author-XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  char h1[65], h2[65], h3[65];
  ww_sha256_hex("tok-adv", 7, h1);
  ww_sha256_hex("tok-aut", 7, h2);
  ww_sha256_hex("tok-adm", 7, h3);
  char text[400];
  int n = snprintf(text, sizeof text, "advice web %s\nauthor beleid %s\nadmin beheer %s\n", h1,
                   h2, h3);
  cr_assert_eq(write(fd, text, (size_t)n), n);
  close(fd);
  chmod(path, 0600);
  char err[300];
  ww_auth *a = ww_auth_load(path, err, sizeof err);
  unlink(path);
  cr_assert_not_null(a, "%s", err);
  const char *who = NULL;
  cr_expect_eq(ww_auth_check(a, "Bearer tok-adv", WW_ROLE_AUTHOR, &who), 403);
  cr_expect_eq(ww_auth_check(a, "Bearer tok-aut", WW_ROLE_ADVICE, &who), 0);
  cr_expect_eq(ww_auth_check(a, "Bearer tok-aut", WW_ROLE_AUTHOR, &who), 0);
  cr_expect_str_eq(who, "beleid");
  cr_expect_eq(ww_auth_check(a, "Bearer tok-aut", WW_ROLE_ADMIN, &who), 403);
  cr_expect_eq(ww_auth_check(a, "Bearer tok-adm", WW_ROLE_AUTHOR, &who), 0);
  cr_expect_eq(ww_auth_check(a, "Bearer tok-adm", WW_ROLE_ADMIN, &who), 0);
  ww_role r;
  cr_expect_eq(ww_role_parse("author", &r), 0);
  cr_expect_eq(r, WW_ROLE_AUTHOR);
  cr_expect_str_eq(ww_role_name(WW_ROLE_AUTHOR), "author");
  ww_auth_free(a);
}
