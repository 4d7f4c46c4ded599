/* Cryptographic helpers on OpenSSL's libcrypto: HMAC-SHA256, SHA-256, CSPRNG. */
#ifndef WW_CRYPTO_H
#define WW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* HMAC-SHA256(key, msg) as 64 lowercase hex digits + NUL. */
void ww_hmac_sha256_hex(const unsigned char *key, size_t key_len,
                        const void *msg, size_t msg_len, char out[65]);

/* The same with a keyed context kept for the next message under the same key (one-shot
 * HMAC() costs ~20k instructions per call: OpenSSL 3 fetches the algorithm each time).
 * Zero-initialise; one per thread; release with ww_hmac_close (then zeroed again). */
typedef struct ww_hmac { void *ctx; unsigned char *key; size_t key_len; } ww_hmac;
void ww_hmac_hex(ww_hmac *h, const unsigned char *key, size_t key_len, const void *msg,
                 size_t msg_len, char out[65]);
void ww_hmac_close(ww_hmac *h);

/* SHA-256 of 'data' as 64 lowercase hex digits + NUL. */
void ww_sha256_hex(const void *data, size_t len, char out[65]);

/* Incremental SHA-256 (for hashing several files). */
typedef struct ww_sha256 { void *ctx; } ww_sha256;
int ww_sha256_init(ww_sha256 *h);
void ww_sha256_update(ww_sha256 *h, const void *data, size_t len);
void ww_sha256_final_hex(ww_sha256 *h, char out[65]);   /* frees the context */

/* Fill 'buf' from the CSPRNG. Returns 0, or -1 if the CSPRNG failed. */
int ww_random_bytes(void *buf, size_t len);

/* A uniformly random integer in [0, bound) from the CSPRNG (bound > 0). */
int ww_random_below(uint32_t bound, uint32_t *out);

/* A random id: 'nbytes' random bytes as lowercase hex (2*nbytes chars + NUL in 'out'). */
int ww_random_hex(char *out, size_t nbytes);

/* Constant-time comparison of two equal-length buffers: 1 if equal. */
int ww_ct_equal(const void *a, const void *b, size_t len);

#endif
