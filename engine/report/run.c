/* wegwijzer report: one run -- the rule-set context, a reader, the outputs. */
#include <errno.h>
#include <string.h>

#include "report/internal.h"

int ww_report_run(const ww_report_opts *o, FILE *out) {
  ww__report_catalogue cat;
  if (ww__report_catalogue_load(o, &cat) != 0) return 1;
  ww__tally t;
  int rc = 1;
  FILE *exp = NULL;
  if (ww__tally_init(&t) != 0) goto done;
  if (o->export_path) {
    exp = fopen(o->export_path, "w");
    if (exp == NULL) {
      fprintf(stderr, "wegwijzer report: cannot write %s: %s\n", o->export_path, strerror(errno));
      goto done;
    }
    t.export_file = exp;
  }
  if ((o->from ? ww__report_read_jsonl(o, &t) : ww__report_read_redis(o, &t)) != 0) goto done;
  ww__report_text(out, o, &t, &cat);
  if (o->svg && ww__report_svg(o->svg, o, &t, &cat) != 0) goto done;
  rc = 0;
done:
  if (exp && fclose(exp) != 0) {
    fprintf(stderr, "wegwijzer report: writing %s failed\n", o->export_path);
    rc = 1;
  }
  ww__tally_close(&t);
  ww__report_catalogue_close(&cat);
  return fflush(out) == 0 ? rc : 1;
}
