/* The replay report for a reader: text (Dutch, as wegwijzer report: policy officers read
 * it) and an SVG chart of the changed share per service. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"

/* "12,5%": one decimal, Dutch decimal comma. */
static void pct(char out[24], long n, long total) {
  snprintf(out, 24, "%.1f%%", total > 0 ? 100.0 * (double)n / (double)total : 0.0);
  char *dot = strchr(out, '.');
  if (dot) *dot = ',';
}

static long num(const json_t *o, const char *key) {
  return (long)json_integer_value(json_object_get(o, key));
}

static const char *or_none(const json_t *v) {
  return json_is_string(v) ? json_string_value(v) : "(geen)";
}

void ww_replay_text(FILE *out, const json_t *rep) {
  long replayed = num(rep, "replayed"), changed = num(rep, "changed");
  char p[24];
  pct(p, changed, replayed);
  fprintf(out, "Herhaald: %ld beslissingen, regelset %s tegen %s\n", replayed,
          or_none(json_object_get(rep, "from")), or_none(json_object_get(rep, "to")));
  fprintf(out, "Ander eerste kanaal: %ld (%s)\n", changed, p);
  fprintf(out, "Regelfouten: voor %ld, na %ld\n", num(rep, "errorsBefore"),
          num(rep, "errorsAfter"));

  fprintf(out, "\nPer dienst\n%-28s %10s %10s %9s\n", "dienst", "herhaald", "anders", "aandeel");
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(rep, "byService"), i, v) {
    pct(p, num(v, "changed"), num(v, "replayed"));
    fprintf(out, "%-28s %10ld %10ld %9s\n", or_none(json_object_get(v, "service")),
            num(v, "replayed"), num(v, "changed"), p);
  }

  const json_t *shifts = json_object_get(rep, "shifts");
  fprintf(out, "\nVerschuivingen (eerste kanaal van -> naar)\n");
  if (json_array_size(shifts) == 0) fprintf(out, "(geen)\n");
  json_array_foreach(shifts, i, v) {
    fprintf(out, "%s -> %s: %ld (", or_none(json_object_get(v, "from")),
            or_none(json_object_get(v, "to")), num(v, "count"));
    const char *k;
    json_t *n;
    int first = 1;
    json_object_foreach(json_object_get(v, "services"), k, n) {
      fprintf(out, "%s%s %lld", first ? "" : ", ", k, (long long)json_integer_value(n));
      first = 0;
    }
    fprintf(out, ")\n");
  }

  const json_t *excl = json_object_get(rep, "newlyExcluded");
  fprintf(out, "\nNieuw uitgesloten kanalen\n");
  if (json_array_size(excl) == 0) fprintf(out, "(geen)\n");
  json_array_foreach(excl, i, v)
    fprintf(out, "%s: %ld\n", or_none(json_object_get(v, "channel")), num(v, "count"));

  const json_t *ex = json_object_get(rep, "examples");
  if (json_array_size(ex) > 0) fprintf(out, "\nVoorbeelden (met --json: verzoek en beide traces)\n");
  json_array_foreach(ex, i, v) {
    char *req = json_dumps(json_object_get(v, "request"), JSON_COMPACT);
    fprintf(out, "%s -> %s: %s\n",
            or_none(json_object_get(json_object_get(v, "before"), "first")),
            or_none(json_object_get(json_object_get(v, "after"), "first")), req ? req : "");
    free(req);
  }
}

static void xml_text(FILE *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '&': fputs("&amp;", out); break;
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '"': fputs("&quot;", out); break;
      default: fputc(*s, out);
    }
  }
}

int ww_replay_svg(const char *path, const json_t *rep) {
  FILE *out = fopen(path, "w");
  if (out == NULL) {
    fprintf(stderr, "wegwijzer replay: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  const json_t *by = json_object_get(rep, "byService");
  size_t n = json_array_size(by), i;
  const int bar = 22, left = 200, width = 400, top = 40;
  int height = top + (int)n * (bar + 8) + 20;
  fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"13\">\n", left + width + 120, height);
  char p[24];
  pct(p, num(rep, "changed"), num(rep, "replayed"));
  fprintf(out, "<text x=\"10\" y=\"22\" font-weight=\"bold\">Ander eerste kanaal per dienst "
               "(totaal %s van %ld)</text>\n", p, num(rep, "replayed"));
  const json_t *v;
  json_array_foreach(by, i, v) {
    long r = num(v, "replayed"), c = num(v, "changed");
    double share = r > 0 ? (double)c / (double)r : 0;
    int y = top + (int)i * (bar + 8);
    pct(p, c, r);
    fprintf(out, "<g class=\"bar\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8,
            y + 16);
    xml_text(out, or_none(json_object_get(v, "service")));
    fprintf(out, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#eee\"/>"
                 "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#c0392b\">"
                 "<title>%ld van %ld</title></rect>\n"
                 "<text x=\"%d\" y=\"%d\">%s</text></g>\n",
            left, y, width, bar, left, y, share * width, bar, c, r, left + width + 8, y + 16, p);
  }
  fputs("</svg>\n", out);
  if (fclose(out) != 0) {
    fprintf(stderr, "wegwijzer replay: writing %s failed\n", path);
    return -1;
  }
  return 0;
}
