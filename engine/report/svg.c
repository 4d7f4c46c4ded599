/* wegwijzer report: the chart, one SVG file (stacked bars per service against the rule
 * set's targets), self-contained and accessible (title, desc, colours for colour-blind
 * readers, a text equivalent in <title> of every segment). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/internal.h"

/* One channel of the chart: id, label and colour slot. */
typedef struct chan {
  const char *id;     /* borrowed */
  const char *name;   /* borrowed */
  int slot;           /* palette index: catalogue position, stable across reports */
} chan;

static int chan_cmp(const void *a, const void *b) {
  const chan *x = a, *y = b;
  if (x->slot != y->slot) return x->slot < y->slot ? -1 : 1;
  return strcmp(x->id, y->id);
}

/* The channels seen in the period or named by a target: catalogue order first, then
 * unknown ones by name, "(geen)" last. New array (free()). */
static chan *chart_channels(const ww__tally *t, const ww__report_catalogue *cat, size_t *n) {
  size_t cap = json_object_size(t->total) + json_object_size(cat->targets) + 1;
  chan *a = calloc(cap, sizeof *a);
  size_t cnt = 0;
  if (a == NULL) {
    *n = 0;
    return NULL;
  }
  size_t ncat = json_array_size(cat->channels);
  for (int pass = 0; pass < 2; pass++) {
    const char *k;
    json_t *v;
    json_object_foreach(pass == 0 ? t->total : cat->targets, k, v) {
      int dup = 0;
      for (size_t i = 0; i < cnt && !dup; i++) dup = strcmp(a[i].id, k) == 0;
      if (dup || cnt == cap) continue;
      a[cnt].id = k;
      a[cnt].name = k;
      a[cnt].slot = strcmp(k, WW_REPORT_NO_CHANNEL) == 0 ? 1 << 20 : (1 << 19);
      for (size_t i = 0; i < ncat; i++) {
        const json_t *c = json_array_get(cat->channels, i);
        if (strcmp(ww__report_str(c, "id", ""), k) == 0) {
          a[cnt].slot = (int)i;
          a[cnt].name = ww__report_str(c, "name", k);
          break;
        }
      }
      cnt++;
    }
  }
  qsort(a, cnt, sizeof *a, chan_cmp);
  /* unknown channels get the slots after the catalogue, in name order */
  int next = (int)ncat;
  for (size_t i = 0; i < cnt; i++)
    if (a[i].slot == (1 << 19)) a[i].slot = next++;
  *n = cnt;
  return a;
}

/* Okabe-Ito plus Paul Tol's muted colours: distinguishable with colour-blindness. */
static const char *const palette[] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#332288", "#44AA99", "#882255", "#999933", "#AA4499",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

static const char *colour(int slot) {
  if (slot >= (1 << 20)) return "#BBBBBB";   /* (geen) */
  return palette[(size_t)slot % NPALETTE];
}

/* Black or white text on 'hex' (WCAG relative luminance). */
static const char *ink(const char *hex) {
  unsigned rgb = (unsigned)strtoul(hex + 1, NULL, 16);
  double ch[3] = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
  for (int i = 0; i < 3; i++) {
    double c = ch[i] / 255.0;
    ch[i] = c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
  }
  double l = 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000000" : "#FFFFFF";
}

/* XML text: escapes markup and drops control characters XML 1.0 does not allow. */
static void xml(FILE *out, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
      case '&': fputs("&amp;", out); break;
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '"': fputs("&quot;", out); break;
      case '\'': fputs("&apos;", out); break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n') fputc('?', out);
        else fputc(c, out);
    }
  }
}

/* At most 'max' code points of 's' into 'buf', with "…" when cut. */
static const char *clip(const char *s, size_t max, char *buf, size_t size) {
  if (ww__report_u8len(s) <= max) return s;
  size_t n = 0, i = 0;
  for (; s[i] && i + 4 < size; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max - 1) break;
    buf[i] = s[i];
  }
  memcpy(buf + i, "\xE2\x80\xA6", 4);
  return buf;
}

#define SVG_W 1000
#define SVG_PAD 24
#define ROW_H 30
#define BAR_H 20
#define CHAR_W 7.4   /* average advance of a 13 px sans-serif glyph */

typedef struct svg_ctx {
  FILE *out;
  const chan *ch;
  size_t nch;
  double x0, bw;   /* bar area */
} svg_ctx;

/* One stacked bar: counts per channel of 'mix' (or target shares when 'targets'). */
static void svg_bar(svg_ctx *s, double y, const char *label, const json_t *mix, int targets,
                    const char *right) {
  FILE *out = s->out;
  char cut[256];
  fprintf(out, "<g class=\"bar\">\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"label\">",
          s->x0 - 8, y + BAR_H / 2.0 + 4.5);
  xml(out, clip(label, 34, cut, sizeof cut));
  fputs("<title>", out);
  xml(out, label);
  fputs("</title></text>\n", out);
  double total = 0;
  for (size_t i = 0; i < s->nch; i++) {
    json_t *v = json_object_get(mix, s->ch[i].id);
    total += targets ? json_number_value(v) : (double)json_integer_value(v);
  }
  double denom = targets ? 1.0 : total;
  double x = s->x0;
  fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
               "stroke=\"#888888\" stroke-width=\"0.5\"/>\n",
          s->x0, y, s->bw, BAR_H, targets ? "url(#rest)" : "#F2F2F2");
  for (size_t i = 0; denom > 0 && i < s->nch; i++) {
    json_t *v = json_object_get(mix, s->ch[i].id);
    double n = targets ? json_number_value(v) : (double)json_integer_value(v);
    if (v == NULL || n <= 0) continue;
    double f = n / denom, w = f * s->bw;
    const char *fill = colour(s->ch[i].slot);
    char p[24];
    ww__report_fmt_pct(p, f * 100.0);
    fprintf(out, "<rect class=\"seg\" data-channel=\"");
    xml(out, s->ch[i].id);
    fprintf(out, "\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>", x, y,
            w, BAR_H, fill);
    xml(out, label);
    fputs(": ", out);
    xml(out, s->ch[i].name);
    if (targets) fprintf(out, " doel %s", p);
    else fprintf(out, " %ld (%s)", (long)n, p);
    fputs("</title></rect>\n", out);
    if (w >= 38) {
      snprintf(p, sizeof p, "%.0f%%", f * 100.0);
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"pct\" style=\"fill:%s\">%s</text>\n",
              x + w / 2, y + BAR_H / 2.0 + 4.5, ink(fill), p);
    }
    x += w;
  }
  if (right)
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"n\">%s</text>\n", s->x0 + s->bw + 8,
            y + BAR_H / 2.0 + 4.5, right);
  fputs("</g>\n", out);
}

int ww__report_svg(const char *path, const ww_report_opts *o, const ww__tally *t,
                   const ww__report_catalogue *cat) {
  FILE *out = fopen(path, "w");
  if (out == NULL) {
    fprintf(stderr, "wegwijzer report: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t nch;
  chan *ch = chart_channels(t, cat, &nch);
  size_t nsvc;
  ww__kv *svc = ww__report_sorted(t->by_service, &nsvc);
  long all = t->advice + t->route;

  /* label column from the longest service id, clipped at 34 code points */
  size_t maxlab = strlen("Alle diensten");
  for (size_t i = 0; i < nsvc; i++) {
    size_t l = ww__report_u8len(svc[i].key);
    if (l > maxlab) maxlab = l > 34 ? 34 : l;
  }
  svg_ctx s = {out, ch, nch, 0, 0};
  s.x0 = SVG_PAD + maxlab * CHAR_W + 12;
  s.bw = SVG_W - SVG_PAD - 80 - s.x0;

  /* legend layout: items flow left to right, wrapping */
  double lx = SVG_PAD, ly = 84;
  double *itx = calloc(nch + 2, sizeof *itx), *ity = calloc(nch + 2, sizeof *ity);
  for (size_t i = 0; itx && ity && i <= nch; i++) {
    const char *name = i < nch ? ch[i].name : "doel: grens per kanaal";
    double w = 14 + 6 + ww__report_u8len(name) * 7.0 + 18;
    if (lx + w > SVG_W - SVG_PAD && lx > SVG_PAD) {
      lx = SVG_PAD;
      ly += 22;
    }
    itx[i] = lx;
    ity[i] = ly;
    lx += w;
  }
  int with_targets = cat->targets != NULL;
  double top = ly + 40;
  size_t rows = (with_targets ? 1 : 0) + 1 + nsvc;
  double height = top + 18 + rows * ROW_H + 14 + 60;

  char period[96];
  ww__report_period(o, period);

  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
          "viewBox=\"0 0 %d %.0f\" role=\"img\" aria-labelledby=\"title desc\" lang=\"nl\">\n",
          SVG_W, height, SVG_W, height);
  fputs("<title id=\"title\">Kanaalmix per dienst</title>\n<desc id=\"desc\">", out);
  fprintf(out, "Gestapelde staven: per dienst het aandeel van elk kanaal als eerste advies "
               "(bij route het doel), periode %s, %ld beslissingen. ", period, all);
  if (all > 0) {
    size_t nt;
    ww__kv *tot = ww__report_sorted(t->total, &nt);
    fputs("Alle diensten samen:", out);
    for (size_t i = 0; i < nt; i++) {
      char p[24];
      ww__report_fmt_pct(p, ww__report_share(tot[i].n, all));
      fputs(i ? ", " : " ", out);
      xml(out, tot[i].key);
      fprintf(out, " %s", p);
      int has;
      double tg = ww__report_catalogue_target(cat, tot[i].key, &has);
      if (has) {
        ww__report_fmt_pct(p, tg * 100.0);
        fprintf(out, " (doel %s)", p);
      }
    }
    fputs(".", out);
    free(tot);
  }
  fputs("</desc>\n", out);
  fputs("<defs><pattern id=\"rest\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#FFFFFF\"/>"
        "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#CCCCCC\" stroke-width=\"2\"/>"
        "</pattern></defs>\n"
        "<style>text{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;"
        "font-size:13px;fill:#1A1A1A}.h1{font-size:20px;font-weight:bold}"
        ".sub{font-size:13px;fill:#404040}.pct{font-size:12px;font-weight:bold}"
        ".n{font-size:12px;fill:#404040}.axis{font-size:11px;fill:#595959}</style>\n",
        out);
  fprintf(out, "<rect width=\"%d\" height=\"%.0f\" fill=\"#FFFFFF\"/>\n", SVG_W, height);
  fprintf(out, "<text x=\"%d\" y=\"36\" class=\"h1\">Kanaalmix per dienst</text>\n", SVG_PAD);
  fprintf(out, "<text x=\"%d\" y=\"60\" class=\"sub\">", SVG_PAD);
  xml(out, period);
  fprintf(out, " · %ld beslissingen · eerste geadviseerde kanaal (route: het doel)</text>\n", all);

  /* legend */
  fputs("<g class=\"legend\">\n", out);
  for (size_t i = 0; itx && ity && i < nch + (with_targets ? 1 : 0); i++) {
    if (i < nch) {
      fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>", itx[i],
              ity[i] - 11, colour(ch[i].slot));
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", itx[i] + 20, ity[i]);
      xml(out, ch[i].name);
      fputs("<title>", out);
      xml(out, ch[i].id);
      fputs("</title></text>\n", out);
    } else {
      fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000000\" "
                   "stroke-width=\"2\"/>",
              itx[i] + 7, ity[i] - 13, itx[i] + 7, ity[i] + 3);
      fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">doel: grens per kanaal</text>\n", itx[i] + 20,
              ity[i]);
    }
  }
  fputs("</g>\n", out);

  /* axis: 0..100% with grid lines under the bars */
  double gy0 = top, gy1 = top + 18 + rows * ROW_H + 14;
  for (int pct = 0; pct <= 100; pct += 25) {
    double x = s.x0 + s.bw * pct / 100.0;
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#DDDDDD\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%d%%</text>\n",
            x, gy0 + 6, x, gy1, x, gy0, pct);
  }

  double y = top + 14;
  if (with_targets) {
    svg_bar(&s, y, "Doel (regelset)", cat->targets, 1, NULL);
    y += ROW_H;
  }
  if (all == 0)
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">Geen beslissingen in deze periode.</text>\n", s.x0,
            y + BAR_H / 2.0 + 4.5);
  char nbuf[48];
  if (all > 0) {
    snprintf(nbuf, sizeof nbuf, "n = %ld", all);
    svg_bar(&s, y, "Alle diensten", t->total, 0, nbuf);
    if (with_targets) {   /* markers: where each channel's target share ends, so the eye
                             can follow the Doel bar's boundaries into this one */
      double cum = 0;
      for (size_t i = 0; i < nch; i++) {
        int has;
        double tg = ww__report_catalogue_target(cat, ch[i].id, &has);
        if (!has) continue;
        cum += tg;
        double x = s.x0 + s.bw * (cum > 1 ? 1 : cum);
        char p[24];
        ww__report_fmt_pct(p, tg * 100.0);
        fprintf(out, "<line class=\"target\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
                     "stroke=\"#000000\" stroke-width=\"2\"><title>doel ",
                x, y - 9, x, y + 5);   /* above the labels: points into the bar */
        xml(out, ch[i].name);
        fprintf(out, " %s</title></line>\n", p);
      }
    }
    y += ROW_H + 14;
  }
  for (size_t i = 0; i < nsvc; i++) {
    snprintf(nbuf, sizeof nbuf, "n = %ld", svc[i].n);
    svg_bar(&s, y, svc[i].key, json_object_get(t->by_service, svc[i].key), 0, nbuf);
    y += ROW_H;
  }

  char p[24];
  ww__report_fmt_pct(p, ww__report_share(t->degraded, all));
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"sub\">Overdrachten: %ld gemaakt, %ld opgehaald"
               " · terugvaladvies (degraded): %ld (%s)</text>\n",
          SVG_PAD, height - 36, t->made, t->claimed, t->degraded, all > 0 ? p : "-");
  char src[400];
  ww__report_source(o, src, sizeof src);
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"axis\">Bron: ", SVG_PAD, height - 16);
  xml(out, src);
  if (cat->version[0]) fprintf(out, " · doelen uit regelset %s", cat->version);
  fputs(" · wegwijzer report</text>\n</svg>\n", out);

  free(itx);
  free(ity);
  free(svc);
  free(ch);
  int rc = ferror(out) ? -1 : 0;
  if (fclose(out) != 0) rc = -1;
  if (rc != 0) fprintf(stderr, "wegwijzer report: writing %s failed\n", path);
  return rc;
}
