/*
 * The ChaCha20 block function (RFC 8439 §2.3): popek's one source of fresh
 * bytes, keyed by the seed the board hands popek (/chosen rng-seed), to
 * give each boot of each VM its own seed as the board gives each boot its
 * own (vm.c seed_guest_dt()).
 */
#ifndef POPEK_LIB_CHACHA_H
#define POPEK_LIB_CHACHA_H

#include <stdint.h>

#define CHACHA_KEY_BYTES   32
#define CHACHA_BLOCK_BYTES 64

/* 64 bytes of key stream: `key` (32 bytes), block `counter`, a 96-bit `nonce` (three words). */
void chacha20_block(const uint8_t key[CHACHA_KEY_BYTES], uint32_t counter, const uint32_t nonce[3],
                    uint8_t out[CHACHA_BLOCK_BYTES]);

/* `len` bytes of key stream from block 0 on: the first len bytes of blocks 0, 1, ... */
void chacha20_fill(const uint8_t key[CHACHA_KEY_BYTES], const uint32_t nonce[3], uint8_t *out,
                   uint32_t len);

#endif
