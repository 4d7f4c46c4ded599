/* The decision cache (engine/decision/memo.c, issue 16): a verdict is given again only
 * for the same facts, never when the rules read the session, citizen.ref, the second of
 * r.context.time or math.random, or failed; an override change is a new key; adviceId
 * stays fresh. (The whole bench corpus, cached against uncached: tests/unit/decision/
 * test_text_answer.c.) */
#include "helpers.h"

static char dir[64];
static ww_rules *R;

static void load(const char *steering) {
  scratch_new(dir, sizeof dir, SCRATCH_CHANNELS, SCRATCH_SERVICES);
  scratch_put(dir, "steering/r.lua", steering);
  R = scratch_load(dir, NULL);
  cr_assert_eq(ww_decision_cache(R, 64), 0);
}

static void teardown(void) {
  ww_rules_free(R);
  R = NULL;
  scratch_remove(dir);
}

TestSuite(memo, .fini = teardown, .timeout = 30);

/* Decides 'text' (a request) with the session, overrides and adviceId given (each may be
 * NULL/0); returns the first note (static buffer, "" when none) and the adviceId. */
static const char *note_of(const char *text, const char *session, const char *status,
                           uint64_t status_version, char *advice_id) {
  static char note[200];
  json_t *req = json_loads(text, 0, NULL);
  json_t *sess = session ? json_loads(session, 0, NULL) : NULL;
  json_t *st = status ? json_loads(status, 0, NULL) : NULL;
  cr_assert_not_null(req);
  ww_decision_opts o = {0};
  o.session = sess;
  o.status = st;
  o.status_version = status_version;
  json_t *a = decide_with(R, req, &o);
  const char *n = json_string_value(json_array_get(json_object_get(a, "notes"), 0));
  snprintf(note, sizeof note, "%s", n ? n : "");
  const char *id = json_string_value(json_object_get(a, "adviceId"));
  if (advice_id) snprintf(advice_id, 33, "%s", id ? id : "");
  json_decref(a);
  json_decref(req);
  json_decref(sess);
  json_decref(st);
  return note;
}

static void counts(unsigned long hits, unsigned long misses) {
  unsigned long h, m;
  ww_decision_cache_counts(R, &h, &m);
  cr_assert_eq(h, hits, "hits %lu, expected %lu", h, hits);
  cr_assert_eq(m, misses, "misses %lu, expected %lu", m, misses);
}

#define AT(t) "{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"low\"},\"context\":{\"time\":\"" t "\"}}"

Test(memo, the_same_question_in_the_same_minute_is_answered_from_the_cache) {
  load("rule \"laag\" { citizen = { digitalSkills = \"low\" },\n"
       "  advise = function(r, a) a:note(\"laag om \" .. r.context.hhmm) end }\n");
  char id1[33], id2[33];
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), NULL, NULL, 0, id1), "laag om 10:15");
  counts(0, 1);
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:41+01:00"), NULL, NULL, 0, id2), "laag om 10:15");
  counts(1, 1);
  cr_assert_str_neq(id1, id2, "adviceId must be made per request");
  /* the next minute is another key */
  cr_assert_str_eq(note_of(AT("2026-12-01T10:16:00+01:00"), NULL, NULL, 0, NULL), "laag om 10:16");
  counts(1, 2);
  /* another citizen is another key */
  cr_assert_str_eq(note_of("{\"service\":\"afval\",\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}",
                           NULL, NULL, 0, NULL), "");
  counts(1, 3);
}

/* Traffic asks about many moments in turn (a varied corpus, or web and phone questions about
 * tomorrow): recomputing the channel states for another moment must not lose the entries
 * of the moments before it. */
Test(memo, questions_about_alternating_moments_keep_their_entries) {
  load("rule \"laag\" { citizen = { digitalSkills = \"low\" },\n"
       "  advise = function(r, a) a:note(\"laag om \" .. r.context.hhmm) end }\n");
  for (int round = 0; round < 3; round++) {
    cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), NULL, NULL, 0, NULL), "laag om 10:15");
    cr_assert_str_eq(note_of(AT("2026-12-05T22:40:00+01:00"), NULL, NULL, 0, NULL), "laag om 22:40");
  }
  counts(4, 2);
}

Test(memo, a_rule_that_reads_the_second_is_never_reused) {
  load("rule \"t\" { advise = function(r, a) a:note(\"t\" .. r.context.time) end }\n");
  const char *a = note_of(AT("2026-12-01T10:15:05+01:00"), NULL, NULL, 0, NULL);
  cr_assert_str_eq(a, "t1796116505");
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:06+01:00"), NULL, NULL, 0, NULL), "t1796116506");
  counts(0, 2);
  /* pairs() over r.context reads the time too */
  teardown();
  load("rule \"p\" { advise = function(r, a)\n"
       "  local n = 0 for k, v in pairs(r.context) do if k == \"time\" then n = v end end\n"
       "  a:note(\"p\" .. n) end }\n");
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), NULL, NULL, 0, NULL), "p1796116505");
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:06+01:00"), NULL, NULL, 0, NULL), "p1796116506");
  counts(0, 2);
}

Test(memo, a_decision_with_a_session_is_never_cached) {
  load("rule \"s\" { advise = function(r, a)\n"
       "  a:note(\"stap \" .. tostring(r.session and r.session.data.stap)) end }\n");
  const char *s1 = "{\"id\":\"s1\",\"service\":\"afval\",\"events\":[],\"data\":{\"stap\":1}}";
  const char *s2 = "{\"id\":\"s1\",\"service\":\"afval\",\"events\":[],\"data\":{\"stap\":2}}";
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), s1, NULL, 0, NULL), "stap 1");
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), s2, NULL, 0, NULL), "stap 2");
  counts(0, 0);
  /* without a session: cached (r.session is nil for every such request) */
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), NULL, NULL, 0, NULL), "stap nil");
  cr_assert_str_eq(note_of(AT("2026-12-01T10:15:05+01:00"), NULL, NULL, 0, NULL), "stap nil");
  counts(1, 1);
}

Test(memo, citizen_ref_and_random_are_never_reused) {
  load("rule \"ref\" { advise = function(r, a) a:note(tostring(r.citizen.ref)) end }\n"
       "rule \"rnd\" { priority = 100, when = function(r) return r.citizen.digitalSkills == \"high\" end,\n"
       "  advise = function(r, a) a:note(\"r\" .. math.random(1000000000)) end }\n");
  char n1[80], n2[80];
  snprintf(n1, sizeof n1, "%s", note_of("{\"service\":\"afval\",\"citizen\":{\"id\":\"999993653\"}}",
                                        NULL, NULL, 0, NULL));
  snprintf(n2, sizeof n2, "%s", note_of("{\"service\":\"afval\",\"citizen\":{\"id\":\"111222333\"}}",
                                        NULL, NULL, 0, NULL));
  cr_assert_eq(strlen(n1), 64, "%s", n1);
  cr_assert_str_neq(n1, n2);
  counts(0, 0);   /* a citizen.id is never looked up */
  const char *hi = "{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"high\"},"
                   "\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}";
  int differ = 0;
  snprintf(n1, sizeof n1, "%s", note_of(hi, NULL, NULL, 0, NULL));
  for (int i = 0; i < 5 && !differ; i++) differ = strcmp(n1, note_of(hi, NULL, NULL, 0, NULL)) != 0;
  cr_assert(differ, "math.random gave %s every time: a cached verdict", n1);
  unsigned long h, m;
  ww_decision_cache_counts(R, &h, &m);
  cr_assert_eq(h, 0);
}

Test(memo, an_override_change_is_a_new_key) {
  load("rule \"dicht\" { when = function(r) return not r.channels.telefoon.open end,\n"
       "  advise = function(r, a) a:note(\"telefoon dicht\") end }\n");
  const char *q = AT("2026-12-01T10:15:05+01:00");   /* a Tuesday: open all day */
  const char *closed = "{\"telefoon\":{\"open\":false}}", *open = "{\"telefoon\":{\"open\":true}}";
  cr_assert_str_eq(note_of(q, NULL, closed, 1, NULL), "telefoon dicht");
  cr_assert_str_eq(note_of(q, NULL, closed, 1, NULL), "telefoon dicht");
  counts(1, 1);
  cr_assert_str_eq(note_of(q, NULL, open, 2, NULL), "");
  counts(1, 2);
  cr_assert_str_eq(note_of(q, NULL, open, 2, NULL), "");
  counts(2, 2);
  /* overrides without a version (0) are never cached */
  cr_assert_str_eq(note_of(q, NULL, closed, 0, NULL), "telefoon dicht");
  counts(2, 2);
}

Test(memo, a_failed_decision_is_not_kept_and_a_new_load_starts_empty) {
  load("rule \"kapot\" { citizen = { digitalSkills = \"low\" },\n"
       "  advise = function(r, a) error(\"stuk\") end }\n");
  const char *q = AT("2026-12-01T10:15:05+01:00");
  note_of(q, NULL, NULL, 0, NULL);
  note_of(q, NULL, NULL, 0, NULL);
  counts(0, 2);
  unsigned long failures, budget, memory;
  ww_decision_failures(R, &failures, &budget, &memory);
  cr_assert_eq(failures, 2, "the second decision ran the rules again");
  /* a reload is a new rule set: its cache starts empty */
  scratch_put(dir, "steering/r.lua",
              "rule \"heel\" { citizen = { digitalSkills = \"low\" },\n"
              "  advise = function(r, a) a:note(\"heel\") end }\n");
  ww_rules_free(R);
  R = scratch_load(dir, NULL);
  cr_assert_eq(ww_decision_cache(R, 64), 0);
  cr_assert_str_eq(note_of(q, NULL, NULL, 0, NULL), "heel");
  counts(0, 1);
}

/* ---- the answer cache: the whole text by the body's bytes ---- */

/* The text answer to 'body' with the overrides given (or NULL/0), from the answer cache
 * when it has it (*hit = 1), else decided and offered to it; new. */
static char *text_at(const char *body, const char *status, uint64_t status_version, int *hit) {
  json_t *st = status ? json_loads(status, 0, NULL) : NULL;
  ww_decision_opts o = {0};
  o.status = st;
  o.status_version = status_version;
  const char *s;
  size_t len;
  ww_decision_info info;
  *hit = ww_decision_text_cached(R, body, strlen(body), &o, &s, &len, &info) == 0;
  if (!*hit) {
    json_t *req = json_loads(body, 0, NULL);
    cr_assert_not_null(req);
    ww_parse_opts po = {0};
    po.secret = test_secret;
    po.secret_len = sizeof test_secret - 1;
    ww_decision_input in;
    ww_err err = {0};
    cr_assert_eq(ww_decision_parse(R, req, &po, &in, &err), 0, "%s", err.msg);
    cr_assert_eq(ww_decision_text(R, &in, &o, NULL, &s, &len, &info, &err), 0, "%s", err.msg);
    ww_decision_text_keep(R, body, strlen(body), &in, &o, NULL, &info);
    json_decref(req);
  }
  char *out = strndup(s, len);
  json_decref(st);
  return out;
}

/* 'a' and 'b' the same but for their adviceIds, which differ. */
static void same_but_ids(const char *a, const char *b) {
  cr_assert_eq(strlen(a), strlen(b), "\n %s\n %s", a, b);
  cr_assert_eq(strncmp(a, "{\"adviceId\":\"", 13), 0, "%s", a);
  cr_assert_neq(strncmp(a + 13, b + 13, 32), 0, "adviceId must be made per request");
  cr_assert_str_eq(a + 45, b + 45);
}

Test(memo, the_answer_cache_gives_the_same_text_with_a_fresh_advice_id) {
  load("rule \"laag\" { citizen = { digitalSkills = \"low\" },\n"
       "  advise = function(r, a) a:note(\"laag om \" .. r.context.hhmm) end }\n");
  int hit;
  char *a = text_at(AT("2026-12-01T10:15:05+01:00"), NULL, 0, &hit);
  cr_assert_not(hit);
  counts(0, 1);
  char *b = text_at(AT("2026-12-01T10:15:05+01:00"), NULL, 0, &hit);
  cr_assert(hit);
  counts(1, 1);
  same_but_ids(a, b);
  cr_assert(strstr(b, "laag om 10:15"));
  /* other bytes (even the same facts) are another entry */
  char *c = text_at(AT("2026-12-01T10:15:41+01:00"), NULL, 0, &hit);
  cr_assert_not(hit);
  counts(2, 1);   /* ... whose verdict the decision cache has */
  same_but_ids(a, c);
  free(a);
  free(b);
  free(c);
}

Test(memo, the_answer_cache_sees_an_override_change_at_once) {
  load("rule \"dicht\" { when = function(r) return not r.channels.telefoon.open end,\n"
       "  advise = function(r, a) a:note(\"telefoon dicht\") end }\n");
  const char *q = AT("2026-12-01T10:15:05+01:00");
  const char *closed = "{\"telefoon\":{\"open\":false}}", *open = "{\"telefoon\":{\"open\":true}}";
  /* each step: the overrides, and whether it is a hit and says "telefoon dicht" */
  struct { const char *status; uint64_t version; int hit, dicht; } step[] = {
      {closed, 1, 0, 1}, {closed, 1, 1, 1}, {open, 2, 0, 0}, {open, 2, 1, 0},
      {closed, 3, 0, 1},
      {closed, 0, 0, 1}, {closed, 0, 0, 1},   /* overrides without a version: never cached */
  };
  for (size_t i = 0; i < sizeof step / sizeof step[0]; i++) {
    int hit;
    char *t = text_at(q, step[i].status, step[i].version, &hit);
    cr_assert_eq(hit, step[i].hit, "step %zu", i);
    cr_assert_eq(strstr(t, "telefoon dicht") != NULL, step[i].dicht, "step %zu: %s", i, t);
    free(t);
  }
}

Test(memo, the_answer_cache_keeps_no_session_citizen_id_explain_random_or_failure) {
  load("rule \"rnd\" { when = function(r) return r.citizen.digitalSkills == \"high\" end,\n"
       "  advise = function(r, a) a:note(\"r\" .. math.random(1000000000)) end }\n"
       "rule \"kapot\" { citizen = { digitalSkills = \"medium\" },\n"
       "  advise = function(r, a) error(\"stuk\") end }\n");
  const char *never[] = {
      "{\"service\":\"afval\",\"sessionId\":\"s1\",\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}",
      "{\"service\":\"afval\",\"citizen\":{\"id\":\"999993653\"},\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}",
      "{\"service\":\"afval\",\"explain\":true,\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}",
      "{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"high\"},\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}",
      "{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"medium\"},\"context\":{\"time\":\"2026-12-01T10:15:05+01:00\"}}",
  };
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
    for (int pass = 0; pass < 2; pass++) {
      int hit;
      free(text_at(never[i], NULL, 0, &hit));
      cr_assert_not(hit, "%s was answered from the answer cache", never[i]);
    }
  /* the control: the same rule set keeps a plain question */
  int hit;
  const char *plain = AT("2026-12-01T10:15:05+01:00");
  free(text_at(plain, NULL, 0, &hit));
  free(text_at(plain, NULL, 0, &hit));
  cr_assert(hit);
}

Test(memo, the_answer_cache_of_a_question_without_time_holds_for_its_minute) {
  load("rule \"laag\" { citizen = { digitalSkills = \"low\" },\n"
       "  advise = function(r, a) a:note(\"laag\") end }\n");
  const char *q = "{\"service\":\"afval\",\"citizen\":{\"digitalSkills\":\"low\"}}";
  int hit = 0;
  for (int tries = 0; tries < 3 && !hit; tries++) {   /* a minute may turn in between */
    free(text_at(q, NULL, 0, &hit));
    free(text_at(q, NULL, 0, &hit));
  }
  cr_assert(hit);
}
