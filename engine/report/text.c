/* wegwijzer report: the text tables (Dutch: the report is read by policy officers). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"
#include "util/tztime.h"

static void pad(FILE *out, const char *s, size_t width) {
  fputs(s, out);
  for (size_t n = ww__report_u8len(s); n < width; n++) fputc(' ', out);
}

static void fmt_pp(char out[24], double pp) {
  if (fabs(pp) < 0.05) pp = 0.0;   /* no "-0,0" */
  snprintf(out, 24, "%+.1f pp", pp);
  char *dot = strchr(out, '.');
  if (dot) *dot = ',';
}

/* A mix table: group (service or origin) -> channel, with a blank line between groups. */
static void print_mix(FILE *out, const char *title, const char *col, const json_t *groups) {
  fprintf(out, "\n%s\n", title);
  size_t ng;
  ww__kv *g = ww__report_sorted(groups, &ng);
  size_t w1 = ww__report_u8len(col), w2 = strlen("kanaal");
  for (size_t i = 0; i < ng; i++) {
    if (ww__report_u8len(g[i].key) > w1) w1 = ww__report_u8len(g[i].key);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(groups, g[i].key), k, v)
      if (ww__report_u8len(k) > w2) w2 = ww__report_u8len(k);
  }
  pad(out, col, w1 + 2);
  pad(out, "kanaal", w2 + 2);
  fprintf(out, "%8s %8s\n", "aantal", "aandeel");
  if (ng == 0) fprintf(out, "(geen beslissingen)\n");
  for (size_t i = 0; i < ng; i++) {
    size_t nc;
    ww__kv *c = ww__report_sorted(json_object_get(groups, g[i].key), &nc);
    char p[24];
    for (size_t j = 0; j < nc; j++) {
      ww__report_fmt_pct(p, ww__report_share(c[j].n, g[i].n));
      pad(out, g[i].key, w1 + 2);
      pad(out, c[j].key, w2 + 2);
      fprintf(out, "%8ld %8s\n", c[j].n, p);
    }
    pad(out, g[i].key, w1 + 2);
    pad(out, "totaal", w2 + 2);
    ww__report_fmt_pct(p, 100.0);
    fprintf(out, "%8ld %8s\n", g[i].n, p);
    if (i + 1 < ng) fputc('\n', out);
    free(c);
  }
  free(g);
}

static void print_totals(FILE *out, const ww__tally *t, const ww__report_catalogue *cat) {
  long all = t->advice + t->route;
  size_t nc;
  ww__kv *c = ww__report_sorted(t->total, &nc);
  /* target channels not seen in the period follow, biggest target first */
  size_t nt = 0;
  ww__kv *extra = calloc(json_object_size(cat->targets) + 1, sizeof *extra);
  const char *k;
  json_t *v;
  json_object_foreach(cat->targets, k, v) {
    if (extra && json_object_get(t->total, k) == NULL) {
      extra[nt].key = k;
      extra[nt].n = (long)llround(json_number_value(v) * 1e6);
      nt++;
    }
  }
  if (extra) qsort(extra, nt, sizeof *extra, ww__report_kv_cmp);
  int with_targets = cat->targets != NULL;
  size_t w = strlen("kanaal");
  for (size_t i = 0; i < nc; i++)
    if (ww__report_u8len(c[i].key) > w) w = ww__report_u8len(c[i].key);
  for (size_t i = 0; i < nt; i++)
    if (ww__report_u8len(extra[i].key) > w) w = ww__report_u8len(extra[i].key);

  fprintf(out, "\nTotaal per kanaal%s\n",
          with_targets ? " (doel uit de regelset; verschil in procentpunten)" : "");
  pad(out, "kanaal", w + 2);
  fprintf(out, "%8s %8s", "aantal", "aandeel");
  if (with_targets) fprintf(out, " %8s %10s", "doel", "verschil");
  fputc('\n', out);
  char p[24], tp[24], d[24];
  for (size_t i = 0; i < nc + nt; i++) {
    const char *id = i < nc ? c[i].key : extra[i - nc].key;
    long n = i < nc ? c[i].n : 0;
    double act = ww__report_share(n, all);
    ww__report_fmt_pct(p, act);
    pad(out, id, w + 2);
    fprintf(out, "%8ld %8s", n, p);
    if (with_targets) {
      int has;
      double tg = ww__report_catalogue_target(cat, id, &has) * 100.0;
      if (has) {
        ww__report_fmt_pct(tp, tg);
        fmt_pp(d, act - tg);
        fprintf(out, " %8s %10s", tp, all > 0 ? d : "-");
      } else {
        fprintf(out, " %8s %10s", "-", "-");
      }
    }
    fputc('\n', out);
  }
  pad(out, "totaal", w + 2);
  ww__report_fmt_pct(p, 100.0);
  fprintf(out, "%8ld %8s\n", all, all > 0 ? p : "-");
  if (!with_targets)
    fprintf(out, "(de regelset geeft geen doelen: targets { ... } in channels.lua)\n");
  free(extra);
  free(c);
}

static void print_by_channel(FILE *out, const char *label, const json_t *obj) {
  size_t n;
  ww__kv *a = ww__report_sorted(obj, &n);
  if (n == 0) {
    free(a);
    return;
  }
  fprintf(out, "  %s", label);
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%s %ld", i ? ", " : " ", a[i].key, a[i].n);
  fputc('\n', out);
  free(a);
}

void ww__report_text(FILE *out, const ww_report_opts *o, const ww__tally *t,
                     const ww__report_catalogue *cat) {
  char src[400];
  ww__report_source(o, src, sizeof src);
  long all = t->advice + t->route;
  fprintf(out, "Kanaalmix (wegwijzer report)\n");
  char period[96];
  ww__report_period(o, period);
  fprintf(out, "Periode:      %s\n", period);
  fprintf(out, "Bron:         %s\n", src);
  fprintf(out, "Beslissingen: %ld (advies %ld, route %ld)\n", all, t->advice, t->route);
  if (all > 0) {
    char a[32], b[32];
    ww_time_format(t->first_ms / 1000, a);
    ww_time_format(t->last_ms / 1000, b);
    fprintf(out, "Gezien:       %s tot en met %s\n", a, b);
    size_t n;
    ww__kv *rs = ww__report_sorted(t->rulesets, &n);
    fprintf(out, "Regelsets:   ");
    for (size_t i = 0; i < n; i++) fprintf(out, "%s %s (%ld)", i ? "," : "", rs[i].key, rs[i].n);
    fputc('\n', out);
    free(rs);
  }
  if (cat->version[0]) fprintf(out, "Doelen uit:   %s (regelset %s)\n", o->rules, cat->version);
  if (t->other) fprintf(out, "Overige regels in de log (niet meegeteld): %ld\n", t->other);

  print_mix(out, "Per dienst (eerste geadviseerde kanaal; bij route het doel)", "dienst",
            t->by_service);
  print_mix(out, "Per herkomst (waar de vraag vandaan kwam)", "herkomst", t->by_origin);
  print_totals(out, t, cat);

  fprintf(out, "\nOverdrachten (bron: %s)\n",
          t->handovers_from_sessions
              ? "sessies in Redis; verlopen sessies tellen niet meer mee"
              : o->from ? "bestand" : "beslissingenstroom");
  char p[24];
  fprintf(out, "  gemaakt    %6ld\n", t->made);
  ww__report_fmt_pct(p, ww__report_share(t->claimed, t->made));
  fprintf(out, "  opgehaald  %6ld", t->claimed);
  if (t->made > 0) fprintf(out, "  (%s van gemaakt)", p);
  fputc('\n', out);
  print_by_channel(out, "gemaakt via:", t->made_ch);
  print_by_channel(out, "opgehaald via:", t->claimed_ch);

  ww__report_fmt_pct(p, ww__report_share(t->degraded, all));
  fprintf(out, "\nTerugvaladvies (degraded): %ld van %ld beslissingen (%s)\n", t->degraded, all,
          all > 0 ? p : "-");
}
