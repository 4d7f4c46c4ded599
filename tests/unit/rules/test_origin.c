/* A channel's 'origin' (issue 13 §3): which catalogue channel a request's context.origin
 * stands for in session events. Loaded and looked up; wrong values fail at FILE:LINE. */
#include "helpers.h"

static char dir[256];

static const char SERVICES[] = "service \"afval\" { name = \"Grofvuil\" }\n";

static void teardown(void) { scratch_remove(dir); }

TestSuite(origin, .fini = teardown, .timeout = 10);

static ww_rules *load_channels(const char *channels) {
  scratch_new(dir, sizeof dir, channels, SERVICES);
  ww_err err = {0};
  ww_rules *r = ww_rules_load(dir, NULL, &err);
  cr_assert_not_null(r, "%s", err.msg);
  return r;
}

Test(origin, one_or_a_list) {
  ww_rules *r = load_channels(
      "channel \"website\" { name = \"Website\", kind = \"online\", origin = { \"web\", \"app\" } }\n"
      "channel \"telefoon\" { name = \"Telefoon\", kind = \"phone\", assisted = true,\n"
      "  origin = \"ivr\", route = { kind = \"queue\", queue = \"kcc\" } }\n"
      "fallback { channels = { \"telefoon\" }, route = \"telefoon\" }\n");
  cr_assert_str_eq(ww_decision_origin_channel(r, "web"), "website");
  cr_assert_str_eq(ww_decision_origin_channel(r, "app"), "website");
  cr_assert_str_eq(ww_decision_origin_channel(r, "ivr"), "telefoon");
  cr_assert_null(ww_decision_origin_channel(r, "balie"), "no channel stands for balie");
  cr_assert_str_eq(ww_decision_channel_name(r, "telefoon"), "Telefoon");
  cr_assert_str_eq(ww_decision_service_name(r, "afval"), "Grofvuil");
  cr_assert_null(ww_decision_service_name(r, "bestaat_niet"));
  ww_rules_free(r);
}

static void fails(const char *channels, int line, const char *text) {
  scratch_new(dir, sizeof dir, channels, SERVICES);
  scratch_fails_at(dir, "channels.lua", line, text, NULL);
}

Test(origin, unknown_origin_fails) {
  fails("channel \"website\" { name = \"Website\", kind = \"online\", origin = \"wbe\" }\n"
        "fallback { channels = { \"website\" } }\n",
        1, "origin must be one of web, app, ivr");
}

Test(origin, not_text_fails) {
  fails("channel \"website\" { name = \"Website\", kind = \"online\", origin = { 1 } }\n"
        "fallback { channels = { \"website\" } }\n",
        1, "origin must be one of");
}

Test(origin, one_origin_one_channel) {
  fails("channel \"website\" { name = \"Website\", kind = \"online\", origin = \"web\" }\n"
        "channel \"portaal\" { name = \"Portaal\", kind = \"portal\",\n"
        "  origin = { \"app\", \"web\" } }\n"
        "fallback { channels = { \"website\" } }\n",
        2, "origin \"web\" is already the origin of channel \"website\"");
}
