/* "bedoelt u ...?": a field name one slip away from a known one (loader.c, dsl.c). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rules/load_private.h"

/* One edit apart, ignoring case: a letter more, less, another, or two swapped; or the
 * same letters in another case ("digitalskills"). */
static int one_slip(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > lb) {
    const char *t = a;
    a = b, b = t;
    size_t tl = la;
    la = lb, lb = tl;
  }
  if (lb - la > 1) return 0;
  size_t i = 0;
  while (i < la && tolower((unsigned char)a[i]) == tolower((unsigned char)b[i])) i++;
  if (i == la) return 1;                         /* equal but for case, or one letter more */
  if (la == lb) {
    if (strcasecmp(a + i + 1, b + i + 1) == 0) return 1;                  /* another letter */
    return i + 1 < la && tolower((unsigned char)a[i]) == tolower((unsigned char)b[i + 1]) &&
           tolower((unsigned char)a[i + 1]) == tolower((unsigned char)b[i]) &&
           strcasecmp(a + i + 2, b + i + 2) == 0;                          /* two swapped */
  }
  return strcasecmp(a + i, b + i + 1) == 0;                                /* one letter less */
}

const char *ww__near(const char *word, const char *const *known) {
  if (word == NULL || strlen(word) < 3) return NULL;   /* "id" is one slip from too much */
  for (int i = 0; known[i]; i++)
    if (strcmp(word, known[i]) != 0 && one_slip(word, known[i])) return known[i];
  return NULL;
}

const char *const ww__channel_fields[] = {"name", "kind", "assisted", "base", "hours",
                                          "contact", "route", "origin", "from", "until",
                                          "to", NULL};
const char *const ww__service_fields[] = {"id", "name", "presence", "auth", "complexity",
                                          "upl", "tags", "audience", "from", "until", "to",
                                          NULL};
const char *const ww__citizen_fields[] = {"ref", "authLevel", "digitalSkills", "language",
                                          "needs", "age", NULL};
const char *const ww__context_fields[] = {"origin", "device", "time", "date", "weekday",
                                          "hhmm", "minutes", "intent", NULL};
