/* The workbench's files, generated at build time by scripts/embed.py --assets
 * (engine/werkbank/meson.build lists them). */
#ifndef WW_WERKBANK_ASSETS_H
#define WW_WERKBANK_ASSETS_H

#include <stddef.h>

typedef struct ww_werkbank_asset {
  const char *name;           /* "werkbank.js": the last path segment */
  const char *content_type;   /* by extension */
  const char *etag;           /* strong, quoted: part of the bytes' SHA-256 */
  const char *data;           /* NUL-terminated (the NUL is not part of len) */
  size_t len;
} ww_werkbank_asset;

extern const ww_werkbank_asset ww_werkbank_assets[];
extern const size_t ww_werkbank_nassets;

#endif
