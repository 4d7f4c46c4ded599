/* wegwijzer eval --text: the advice with its trace, explained in Dutch for the policy
 * officer: the ranking, each channel's score with the rules that moved it, the channels
 * left out and why, the notes. Read from the answer (the same JSON eval prints). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Whether effect text 'e' ("prefer telefoon +30", "only balie, telefoon", ...) names
 * channel 'id' after its verb; sets *pts for prefer/avoid. */
static int effect_names(const char *e, const char *verb, const char *id, double *pts) {
  size_t vl = strlen(verb), il = strlen(id);
  if (strncmp(e, verb, vl) != 0 || e[vl] != ' ') return 0;
  const char *p = e + vl + 1;
  if (strcmp(verb, "only") == 0) {   /* a list: "a, b, c" */
    for (;;) {
      if (strncmp(p, id, il) == 0 && (p[il] == ',' || p[il] == '\0')) return 1;
      p = strchr(p, ',');
      if (p == NULL) return 0;
      p += 2;
    }
  }
  if (strncmp(p, id, il) != 0 || (p[il] != ' ' && p[il] != '\0')) return 0;
  if (pts && p[il] == ' ') *pts = strtod(p + il + 1, NULL);
  return 1;
}

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* The lines under one channel (none when 'out' is NULL): each rule that moved or placed
 * it. Returns the points the rules gave, *first when a rule put it first. */
static double explain_channel(FILE *out, const json_t *trace, const char *id, int excluded,
                              int *first) {
  double sum = 0;
  size_t i;
  json_t *t;
  *first = 0;
  json_array_foreach(trace, i, t) {
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(t, "effects"), k, e) {
      const char *fx = json_string_value(e);
      double pts = 0;
      if (fx == NULL) continue;
      const char *what = NULL;
      char buf[80];
      if (effect_names(fx, "prefer", id, &pts)) {
        snprintf(buf, sizeof buf, "%+g", pts);
        what = buf;
        sum += pts;
      } else if (effect_names(fx, "avoid", id, &pts)) {   /* written "avoid X -10" */
        snprintf(buf, sizeof buf, "%+g", pts);
        what = buf;
        sum += pts;
      } else if (effect_names(fx, "first", id, NULL)) {
        what = "bovenaan gezet";
        *first = 1;
      } else if (effect_names(fx, "exclude", id, NULL)) {
        what = "weggehaald";
      } else if (strncmp(fx, "only ", 5) == 0) {
        int named = effect_names(fx, "only", id, NULL);
        if (named == excluded) continue;   /* only says something about this channel */
        what = named ? "blijft (alleen deze kanalen)" : "weggehaald (alleen andere kanalen)";
      }
      if (what && out)
        fprintf(out, "       %-28s regel \"%s\" (%s)\n", what, str(t, "rule"), str(t, "source"));
    }
  }
  return sum;
}

static void reasons(FILE *out, const json_t *item) {
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(item, "reasons"), i, r)
      fprintf(out, "       reden: %s\n", json_string_value(r));
}

void ww_cli_eval_text(FILE *out, const json_t *ans) {
  const json_t *svc = json_object_get(ans, "service");
  const json_t *trace = json_object_get(ans, "trace");
  fprintf(out, "Advies voor \"%s\" (%s), regels versie %s\n", str(svc, "name"), str(svc, "id"),
          str(json_object_get(ans, "ruleset"), "version"));
  if (json_is_true(json_object_get(ans, "degraded"))) {
    fputs("\nLet op: de regels gingen fout; dit is het noodadvies (fallback).\n", out);
    size_t i;
    json_t *t;
    json_array_foreach(trace, i, t) if (json_object_get(t, "error"))
        fprintf(out, "  fout in regel \"%s\" (%s): %s\n", str(t, "rule"), str(t, "source"),
                str(t, "error"));
  }
  fputs("\nVolgorde (eerst open kanalen, dan op score):\n", out);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(ans, "channels"), i, c) {
    fprintf(out, "  %d. %s (%s): score %g, %s\n", (int)json_integer_value(json_object_get(c, "rank")),
            str(c, "name"), str(c, "id"), json_number_value(json_object_get(c, "score")),
            json_is_true(json_object_get(c, "open")) ? "open" : "nu gesloten");
    int first = 0;
    double moved = explain_channel(NULL, trace, str(c, "id"), 0, &first);
    if (!first)   /* a:first sets the score above the rest: no start score to show then */
      fprintf(out, "       %-28g startscore (base in channels.lua)\n",
              json_number_value(json_object_get(c, "score")) - moved);
    explain_channel(out, trace, str(c, "id"), 0, &first);
    reasons(out, c);
  }
  const json_t *ex = json_object_get(ans, "excluded");
  if (json_array_size(ex)) {
    fputs("\nNiet aangeboden:\n", out);
    json_array_foreach(ex, i, c) {
      fprintf(out, "  - %s\n", str(c, "id"));
      int first;
      explain_channel(out, trace, str(c, "id"), 1, &first);
      reasons(out, c);
    }
  }
  const json_t *notes = json_object_get(ans, "notes");
  if (json_array_size(notes)) {
    fputs("\nOpmerkingen:\n", out);
    json_array_foreach(notes, i, c) fprintf(out, "  - %s\n", json_string_value(c));
  }
  int matched = 0;
  json_array_foreach(trace, i, c) matched += json_is_true(json_object_get(c, "matched"));
  fprintf(out, "\nRegels die golden: %d van de %d bekeken.\n", matched, (int)json_array_size(trace));
}
