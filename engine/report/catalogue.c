/* wegwijzer report: the rule-set context -- channel order and names, and the targets
 * (targets { ... } in channels.lua), through the public API. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report/internal.h"
#include "wegwijzer/wegwijzer.h"

int ww__report_catalogue_load(const ww_report_opts *o, ww__report_catalogue *cat) {
  memset(cat, 0, sizeof *cat);
  struct stat sb;
  if (!o->rules_explicit && stat(o->rules, &sb) != 0) return 0;   /* no rule set here */
  ww_err err = {0};
  ww_rules *r = ww_rules_load(o->rules, NULL, &err);
  if (r == NULL) {
    fprintf(stderr, "wegwijzer report: rule set %s: %s\n", o->rules, err.msg);
    ww_err_clear(&err);
    return o->rules_explicit ? -1 : 0;
  }
  json_t *info = ww_rules_info(r);
  json_t *targets = json_object_get(info, "targets");
  if (json_is_object(targets) && json_object_size(targets) > 0) cat->targets = json_incref(targets);
  json_decref(info);
  json_t *ch = ww_rules_channels(r, (int64_t)time(NULL), NULL);
  cat->channels = json_incref(json_object_get(ch, "channels"));
  json_decref(ch);
  snprintf(cat->version, sizeof cat->version, "%s", ww_rules_version(r));
  ww_rules_free(r);
  return 0;
}

void ww__report_catalogue_close(ww__report_catalogue *cat) {
  json_decref(cat->channels);
  json_decref(cat->targets);
}

double ww__report_catalogue_target(const ww__report_catalogue *cat, const char *channel,
                                   int *has) {
  json_t *v = json_object_get(cat->targets, channel);
  *has = json_is_number(v);
  return *has ? json_number_value(v) : 0.0;
}
