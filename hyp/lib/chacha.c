/*
 * The ChaCha20 block function.  See chacha.h.
 */
#include "lib/chacha.h"

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t rotl(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

static void quarter(uint32_t *s, int a, int b, int c, int d)
{
	s[a] += s[b], s[d] = rotl(s[d] ^ s[a], 16);
	s[c] += s[d], s[b] = rotl(s[b] ^ s[c], 12);
	s[a] += s[b], s[d] = rotl(s[d] ^ s[a], 8);
	s[c] += s[d], s[b] = rotl(s[b] ^ s[c], 7);
}

void chacha20_block(const uint8_t key[CHACHA_KEY_BYTES], uint32_t counter, const uint32_t nonce[3],
                    uint8_t out[CHACHA_BLOCK_BYTES])
{
	/* "expand 32-byte k" */
	uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	for (int i = 0; i < 8; i++)
		in[4 + i] = le32(key + 4 * i);
	in[12] = counter;
	in[13] = nonce[0], in[14] = nonce[1], in[15] = nonce[2];
	uint32_t s[16];
	for (int i = 0; i < 16; i++)
		s[i] = in[i];
	for (int round = 0; round < 10; round++) {
		quarter(s, 0, 4, 8, 12), quarter(s, 1, 5, 9, 13);
		quarter(s, 2, 6, 10, 14), quarter(s, 3, 7, 11, 15);
		quarter(s, 0, 5, 10, 15), quarter(s, 1, 6, 11, 12);
		quarter(s, 2, 7, 8, 13), quarter(s, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t w = s[i] + in[i];
		for (int b = 0; b < 4; b++)
			out[4 * i + b] = (uint8_t)(w >> 8 * b);
	}
}

void chacha20_fill(const uint8_t key[CHACHA_KEY_BYTES], const uint32_t nonce[3], uint8_t *out,
                   uint32_t len)
{
	uint8_t block[CHACHA_BLOCK_BYTES];
	for (uint32_t at = 0, counter = 0; at < len; at += CHACHA_BLOCK_BYTES, counter++) {
		chacha20_block(key, counter, nonce, block);
		for (uint32_t i = 0; i < CHACHA_BLOCK_BYTES && at + i < len; i++)
			out[at + i] = block[i];
	}
}
