/* Reference outputs of xoshiro128** (Blackman & Vigna) from a given 4-word state, for
   test/random.test.ts. Build and run: cc -O2 -o /tmp/x xoshiro128ss.c && /tmp/x */
#include <stdint.h>
#include <stdio.h>

static uint32_t s[4] = {0x12345678u, 0x9abcdef0u, 0x0fedcba9u, 0x87654321u};

static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static uint32_t next(void) {
  uint32_t result = rotl(s[1] * 5, 7) * 9;
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

int main(void) {
  for (int i = 0; i < 8; i++) printf("%u%s", next(), i < 7 ? ", " : "\n");
  return 0;
}
