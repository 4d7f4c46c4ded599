/* Unit tests of engine/api/rulefiles.c: a rule set as files in JSON. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/rulefiles.h"
#include "wegwijzer/wegwijzer.h"

/* The version computed from the files is the one the loader gives the folder. */
Test(rulefiles, read_gives_the_loaders_version) {
  char v[16], why[300];
  json_t *files = ww_rulefiles_read(WW_RULES_DIR, v, why, sizeof why);
  cr_assert_not_null(files, "%s", why);
  ww_err err = {0};
  ww_rules *rules = ww_rules_load(WW_RULES_DIR, NULL, &err);
  cr_assert_not_null(rules, "%s", err.msg);
  cr_assert_str_eq(v, ww_rules_version(rules));
  cr_assert_not_null(json_object_get(files, "channels.lua"));
  cr_assert_null(ww_rulefiles_check(files), "the bundled set is a good set of files");
  /* written to a private dir and loaded from there: the same version */
  char dir[WW_RULEFILES_TMP_MAX];
  cr_assert_eq(ww_rulefiles_write(files, dir), 0);
  struct stat st;
  cr_assert_eq(stat(dir, &st), 0);
  cr_assert_eq(st.st_mode & 0777, 0700);
  ww_rules *again = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(again, "%s", err.msg);
  cr_assert_str_eq(ww_rules_version(again), v);
  ww_rulefiles_remove(dir);
  cr_assert_neq(stat(dir, &st), 0, "the temp dir is gone");
  ww_rules_free(again);
  ww_rules_free(rules);
  json_decref(files);
}

Test(rulefiles, check_refuses_paths_outside_the_set) {
  const char *bad[] = {"../x.lua", "/etc/x.lua", "steering/../x.lua", "steering/sub/x.lua",
                       "x.lua", "steering/.hidden.lua", "steering/x.txt", "tests\\x.lua",
                       "lib/x.lua", NULL};
  for (int i = 0; bad[i]; i++) {
    json_t *f = json_pack("{s:s}", bad[i], "return 1");
    json_t *p = ww_rulefiles_check(f);
    cr_expect_not_null(p, "%s accepted", bad[i]);
    json_decref(p);
    json_decref(f);
  }
  json_t *good = json_pack("{s:s, s:s, s:s, s:s}", "channels.lua", "", "services.lua", "",
                           "steering/web-1_x.lua", "", "tests/basis.lua", "");
  cr_expect_null(ww_rulefiles_check(good));
  json_decref(good);
  json_t *nul = json_object();
  json_object_set_new(nul, "channels.lua", json_stringn("a\0b", 3));
  json_t *p = ww_rulefiles_check(nul);
  cr_expect_not_null(p, "a NUL byte");
  json_decref(p);
  json_decref(nul);
  p = ww_rulefiles_check(json_object());
  cr_expect_not_null(p, "no files");
  json_decref(p);
}

Test(rulefiles, problems_and_diff) {
  json_t *texts = json_pack("[s, s, s]", "steering/web.lua:14: syntax error near 'x'",
                            "services.lua: every service ...", "no channels");
  json_t *p = ww_rulefiles_problems(texts);
  cr_assert_eq(json_array_size(p), 3);
  json_t *e = json_array_get(p, 0);
  cr_expect_str_eq(json_string_value(json_object_get(e, "file")), "steering/web.lua");
  cr_expect_eq(json_integer_value(json_object_get(e, "line")), 14);
  cr_expect_str_eq(json_string_value(json_object_get(e, "message")), "syntax error near 'x'");
  e = json_array_get(p, 1);
  cr_expect_str_eq(json_string_value(json_object_get(e, "file")), "services.lua");
  cr_expect_eq(json_integer_value(json_object_get(e, "line")), 0);
  e = json_array_get(p, 2);
  cr_expect_str_eq(json_string_value(json_object_get(e, "file")), "");
  cr_expect_str_eq(json_string_value(json_object_get(e, "message")), "no channels");
  json_decref(p);
  json_decref(texts);

  json_t *a = json_pack("{s:s, s:s}", "channels.lua", "a\nb\n", "tests/x.lua", "t\n");
  json_t *b = json_pack("{s:s, s:s}", "channels.lua", "a\nc\nb\n", "steering/y.lua", "1\n2\n");
  json_t *d = ww_rulefiles_diff(a, b);
  cr_assert_eq(json_array_size(d), 3, "%s", json_dumps(d, 0));
  const char *want[3][3] = {{"channels.lua", "1", "0"}, {"steering/y.lua", "2", "0"},
                            {"tests/x.lua", "0", "1"}};
  for (int i = 0; i < 3; i++) {
    json_t *x = json_array_get(d, (size_t)i);
    cr_expect_str_eq(json_string_value(json_object_get(x, "path")), want[i][0]);
    cr_expect_eq(json_integer_value(json_object_get(x, "added")), atoi(want[i][1]));
    cr_expect_eq(json_integer_value(json_object_get(x, "removed")), atoi(want[i][2]));
  }
  json_decref(d);
  json_decref(a);
  json_decref(b);
}
