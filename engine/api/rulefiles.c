/* Rule sets as files in JSON (rulefiles.h). */
#include "api/rulefiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crypto.h"
#include "util/linediff.h"

static const char *const subdirs[] = {"steering", "tests"};

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The paths of 'files' in the loader's order: channels.lua, services.lua, then steering/
 * and tests/ each sorted (strcmp). A new array of borrowed keys; '*n' of them. */
static const char **loader_order(const json_t *files, size_t *n) {
  size_t cap = json_object_size(files), k = 0;
  const char **v = calloc(cap ? cap : 1, sizeof *v);
  if (v == NULL) return NULL;
  static const char *const roots[2] = {"channels.lua", "services.lua"};
  for (int i = 0; i < 2; i++)
    if (json_object_get(files, roots[i])) v[k++] = roots[i];
  for (int s = 0; s < 2; s++) {
    size_t start = k, sl = strlen(subdirs[s]);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)files, key, val) {
      if (strncmp(key, subdirs[s], sl) == 0 && key[sl] == '/') v[k++] = key;
    }
    qsort(v + start, k - start, sizeof *v, cmp_str);
  }
  *n = k;
  return v;
}

void ww_rulefiles_version(const json_t *files, char version[16]) {
  version[0] = '\0';
  size_t n;
  const char **order = loader_order(files, &n);
  ww_sha256 h;
  if (order == NULL || ww_sha256_init(&h) != 0) {
    free(order);
    return;
  }
  for (size_t i = 0; i < n; i++) {   /* as engine/rules/loader.c hashes them */
    const json_t *t = json_object_get(files, order[i]);
    ww_sha256_update(&h, order[i], strlen(order[i]) + 1);
    ww_sha256_update(&h, json_string_value(t), json_string_length(t));
  }
  char hex[65];
  ww_sha256_final_hex(&h, hex);
  memcpy(version, hex, 12);
  version[12] = '\0';
  free(order);
}

/* The whole file 'dir'/'rel' as a JSON string (new), or NULL. */
static json_t *read_text(const char *dir, const char *rel, char *why, size_t whylen) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(why, whylen, "%s: %s", rel, strerror(errno));
    return NULL;
  }
  size_t cap = 8192, len = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len > WW_RULEFILES_MAX_BYTES) break;
    if (len == cap) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  json_t *s = buf && len <= WW_RULEFILES_MAX_BYTES ? json_stringn(buf, len) : NULL;
  free(buf);
  if (s == NULL)
    snprintf(why, whylen, "%s: %s", rel, len > WW_RULEFILES_MAX_BYTES ? "larger than 2 MiB"
                                                                        : "not UTF-8 text");
  return s;
}

json_t *ww_rulefiles_read(const char *dir, char version[16], char *why, size_t whylen) {
  json_t *files = json_object();
  const char *roots[2] = {"channels.lua", "services.lua"};
  for (int i = 0; files && i < 2; i++) {
    json_t *t = read_text(dir, roots[i], why, whylen);
    if (t == NULL) goto fail;
    json_object_set_new(files, roots[i], t);
  }
  for (int s = 0; s < 2; s++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, subdirs[s]);
    DIR *d = opendir(path);
    if (d == NULL) continue;   /* the loader reads a missing folder as empty */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      size_t l = strlen(e->d_name);
      if (l < 5 || strcmp(e->d_name + l - 4, ".lua") != 0 || e->d_name[0] == '.') continue;
      char rel[400];
      snprintf(rel, sizeof rel, "%s/%s", subdirs[s], e->d_name);
      json_t *t = read_text(dir, rel, why, whylen);
      if (t == NULL) {
        closedir(d);
        goto fail;
      }
      json_object_set_new(files, rel, t);
    }
    closedir(d);
  }
  ww_rulefiles_version(files, version);
  return files;
fail:
  json_decref(files);
  return NULL;
}

/* "NAME.lua": A-Z a-z 0-9 _ - . only, not starting with '.', at most 100 characters. */
static int good_name(const char *s) {
  size_t n = strlen(s);
  if (n < 5 || n > 100 || s[0] == '.' || strcmp(s + n - 4, ".lua") != 0) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || c == '.'))
      return 0;
  }
  return 1;
}

static int good_path(const char *p) {
  if (strcmp(p, "channels.lua") == 0 || strcmp(p, "services.lua") == 0) return 1;
  for (int s = 0; s < 2; s++) {
    size_t sl = strlen(subdirs[s]);
    if (strncmp(p, subdirs[s], sl) == 0 && p[sl] == '/') return good_name(p + sl + 1);
  }
  return 0;
}

static void param(json_t **list, const char *path, const char *reason) {
  if (*list == NULL) *list = json_array();
  char name[160];
  snprintf(name, sizeof name, path ? "files.%.120s" : "files", path);
  json_array_append_new(*list, json_pack("{s:s, s:s}", "name", name, "reason", reason));
}

json_t *ww_rulefiles_check(const json_t *files) {
  json_t *bad = NULL;
  if (!json_is_object(files) || json_object_size(files) == 0) {
    param(&bad, NULL, "must be an object of rule files, path -> text");
    return bad;
  }
  if (json_object_size(files) > WW_RULEFILES_MAX_COUNT) {
    param(&bad, NULL, "holds more than 200 files");
    return bad;
  }
  size_t total = 0;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)files, key, v) {
    if (strstr(key, "..") || key[0] == '/' || strchr(key, '\\'))
      param(&bad, key, "must be a path inside the rule set: no '..', no absolute path");
    else if (!good_path(key))
      param(&bad, key, "is not a rule file: channels.lua, services.lua, steering/NAME.lua or "
                       "tests/NAME.lua (NAME of A-Z a-z 0-9 _ - .)");
    else if (!json_is_string(v))
      param(&bad, key, "must be the file's text");
    else if (memchr(json_string_value(v), '\0', json_string_length(v)))
      param(&bad, key, "holds a NUL byte; rule files are text");
    if (json_is_string(v)) total += json_string_length(v);
  }
  if (total > WW_RULEFILES_MAX_BYTES) param(&bad, NULL, "hold more than 2 MiB of text together");
  return bad;
}

static int write_one(const char *path, const char *text, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, text + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return -1;
    }
    off += (size_t)n;
  }
  return close(fd);
}

int ww_rulefiles_write(const json_t *files, char dir[WW_RULEFILES_TMP_MAX]) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, WW_RULEFILES_TMP_MAX, "%.200s/wegwijzer-rules-XXXXXX",
           tmp && tmp[0] == '/' ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) return -1;   /* mode 0700 */
  char path[WW_RULEFILES_TMP_MAX + 200];
  for (int s = 0; s < 2; s++) {
    snprintf(path, sizeof path, "%s/%s", dir, subdirs[s]);
    if (mkdir(path, 0700) != 0) goto fail;
  }
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)files, key, v) {
    if (!good_path(key) || !json_is_string(v)) goto fail;   /* checked before: never */
    snprintf(path, sizeof path, "%s/%s", dir, key);
    if (write_one(path, json_string_value(v), json_string_length(v)) != 0) goto fail;
  }
  return 0;
fail:
  ww_rulefiles_remove(dir);
  return -1;
}

/* Unlink every entry of 'path' (plain files only: the dir is ours and flat). */
static void empty_dir(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) return;
  struct dirent *e;
  char p[WW_RULEFILES_TMP_MAX + 400];
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%s", path, e->d_name);
    unlink(p);
  }
  closedir(d);
}

void ww_rulefiles_remove(const char *dir) {
  if (dir == NULL || strstr(dir, "/wegwijzer-rules-") == NULL) return;
  char path[WW_RULEFILES_TMP_MAX + 20];
  for (int s = 0; s < 2; s++) {
    snprintf(path, sizeof path, "%s/%s", dir, subdirs[s]);
    empty_dir(path);
    rmdir(path);
  }
  empty_dir(dir);
  rmdir(dir);
}

json_t *ww_rulefiles_diff(const json_t *from, const json_t *to) {
  json_t *paths = json_object();   /* the union, as a set */
  const char *key;
  json_t *v;
  if (json_is_object(from)) json_object_foreach((json_t *)from, key, v) json_object_set(paths, key, json_null());
  if (json_is_object(to)) json_object_foreach((json_t *)to, key, v) json_object_set(paths, key, json_null());
  size_t n = json_object_size(paths), k = 0;
  const char **names = calloc(n ? n : 1, sizeof *names);
  json_t *out = json_array();
  if (names == NULL || out == NULL) {
    free(names);
    json_decref(paths);
    json_decref(out);
    return NULL;
  }
  json_object_foreach(paths, key, v) names[k++] = key;
  qsort(names, k, sizeof *names, cmp_str);
  for (size_t i = 0; i < k; i++) {
    const json_t *a = json_object_get(from, names[i]), *b = json_object_get(to, names[i]);
    if (a && b && json_equal((json_t *)a, (json_t *)b)) continue;
    size_t added, removed;
    ww_linediff(json_string_value(a), json_string_length(a), json_string_value(b),
                json_string_length(b), 0, &added, &removed);
    json_array_append_new(out, json_pack("{s:s, s:I, s:I}", "path", names[i], "added",
                                         (json_int_t)added, "removed", (json_int_t)removed));
  }
  free(names);
  json_decref(paths);
  return out;
}

json_t *ww_rulefiles_problems(const json_t *texts) {
  json_t *out = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(texts, i, t) {
    const char *s = json_string_value(t);
    if (s == NULL) continue;
    /* "FILE.lua:LINE: message" or "FILE.lua: message": the file is what ends in .lua */
    const char *lua = strstr(s, ".lua:");
    const char *file_end = lua ? lua + 4 : NULL;
    int line = 0;
    const char *msg = s;
    if (file_end && memchr(s, ' ', (size_t)(file_end - s)) == NULL) {
      const char *p = file_end + 1;
      char *end;
      long l = strtol(p, &end, 10);
      if (end != p && *end == ':' && l > 0 && l < 10000000) {
        line = (int)l;
        p = end + 1;
      }
      while (*p == ' ') p++;
      msg = p;
    } else {
      file_end = NULL;
    }
    json_array_append_new(out, json_pack("{s:s%, s:i, s:s}", "file", s,
                                         file_end ? (size_t)(file_end - s) : 0, "line", line,
                                         "message", msg));
  }
  return out;
}
