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
