#include "util/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

static void to_hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

void ww_hmac_sha256_hex(const unsigned char *key, size_t key_len,
                        const void *msg, size_t msg_len, char out[65]) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  /* HMAC() with a NULL-free key: OpenSSL treats a zero-length key as valid. */
  static const unsigned char empty = 0;
  if (HMAC(EVP_sha256(), key_len ? key : &empty, (int)key_len, msg, msg_len, mac,
           &mac_len) == NULL || mac_len != 32) {
    memset(out, '0', 64);   /* unreachable in practice; never leak the input */
    out[64] = '\0';
    return;
  }
  to_hex(mac, 32, out);
}

void ww_hmac_close(ww_hmac *h) {
  EVP_MAC_CTX_free(h->ctx);
  free(h->key);
  memset(h, 0, sizeof *h);
}

/* Keys 'h' with 'key' (copied). -1 when OpenSSL or memory fails. */
static int hmac_key(ww_hmac *h, const unsigned char *key, size_t key_len) {
  static const unsigned char empty = 0;
  ww_hmac_close(h);
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac);
  unsigned char *copy = malloc(key_len ? key_len : 1);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (ctx == NULL || copy == NULL ||
      EVP_MAC_init(ctx, key_len ? key : &empty, key_len, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    free(copy);
    return -1;
  }
  if (key_len) memcpy(copy, key, key_len);
  h->ctx = ctx;
  h->key = copy;
  h->key_len = key_len;
  return 0;
}

void ww_hmac_hex(ww_hmac *h, const unsigned char *key, size_t key_len, const void *msg,
                 size_t msg_len, char out[65]) {
  int same = h->ctx && h->key_len == key_len && (key_len == 0 || memcmp(h->key, key, key_len) == 0);
  if (same ? EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 : hmac_key(h, key, key_len) != 0) {
    ww_hmac_sha256_hex(key, key_len, msg, msg_len, out);   /* the slow way, same result */
    return;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t md_len = 0;
  if (EVP_MAC_update(h->ctx, msg, msg_len) != 1 ||
      EVP_MAC_final(h->ctx, md, &md_len, sizeof md) != 1 || md_len != 32) {
    ww_hmac_sha256_hex(key, key_len, msg, msg_len, out);
    return;
  }
  to_hex(md, 32, out);
}

void ww_sha256_hex(const void *data, size_t len, char out[65]) {
  unsigned char md[32];
  unsigned int md_len = 0;
  EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
  to_hex(md, 32, out);
}

int ww_sha256_init(ww_sha256 *h) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx == NULL) return -1;
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    return -1;
  }
  h->ctx = ctx;
  return 0;
}

void ww_sha256_update(ww_sha256 *h, const void *data, size_t len) {
  EVP_DigestUpdate(h->ctx, data, len);
}

void ww_sha256_final_hex(ww_sha256 *h, char out[65]) {
  unsigned char md[32];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(h->ctx, md, &md_len);
  EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
  to_hex(md, 32, out);
}

/* Small requests (an adviceId, a session id) are served from a per-thread block filled by
 * one RAND_bytes call: the call itself costs more than the bytes (~1.5 us each, per
 * request). Bytes handed out are wiped from the block. wegwijzer never forks, so the block
 * is never shared by two processes. */
#define POOL_SIZE 1024
static _Thread_local unsigned char pool[POOL_SIZE];
static _Thread_local size_t pool_left;

int ww_random_bytes(void *buf, size_t len) {
  if (len > POOL_SIZE / 4) return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
  if (pool_left < len) {
    if (RAND_bytes(pool, POOL_SIZE) != 1) {   /* nothing half-filled is ever handed out */
      OPENSSL_cleanse(pool, POOL_SIZE);
      pool_left = 0;
      return -1;
    }
    pool_left = POOL_SIZE;
  }
  unsigned char *p = pool + (POOL_SIZE - pool_left);
  memcpy(buf, p, len);
  OPENSSL_cleanse(p, len);
  pool_left -= len;
  return 0;
}

int ww_random_below(uint32_t bound, uint32_t *out) {
  /* Rejection sampling: drop the top partial range so every value is equally likely. */
  uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  for (;;) {
    uint32_t v;
    if (ww_random_bytes(&v, sizeof v) != 0) return -1;
    if (v < limit) {
      *out = v % bound;
      return 0;
    }
  }
}

int ww_random_hex(char *out, size_t nbytes) {
  unsigned char raw[64];
  if (nbytes > sizeof raw || ww_random_bytes(raw, nbytes) != 0) return -1;
  to_hex(raw, nbytes, out);
  return 0;
}

int ww_ct_equal(const void *a, const void *b, size_t len) {
  return CRYPTO_memcmp(a, b, len) == 0;
}
