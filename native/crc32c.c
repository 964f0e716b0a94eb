/*
 * CRC-32C (Castagnoli) for Samsa, as a Node-API addon: the checksum of every record batch the
 * broker appends, replicates and serves. x86-64 SSE4.2 crc32 instructions over three interleaved
 * streams (the instruction's latency is 3 cycles, its throughput 1 per cycle), combined with
 * precomputed "shift by N zero bytes" tables; the method and the zeros operator follow Mark
 * Adler's public crc32c.c (https://stackoverflow.com/questions/17645167). Built by
 * scripts/build-native.mjs; src/protocol/crc32c.ts falls back to @node-rs/crc32 without it.
 */
#include <node_api.h>
#include <nmmintrin.h>
#include <stdint.h>
#include <string.h>

#define POLY 0x82f63b78u
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t zeros_long[4][256];
static uint32_t zeros_short[4][256];

static uint32_t gf2_matrix_times(const uint32_t *mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1) sum ^= *mat;
    vec >>= 1;
    mat++;
  }
  return sum;
}

static void gf2_matrix_square(uint32_t *square, const uint32_t *mat) {
  for (int n = 0; n < 32; n++) square[n] = gf2_matrix_times(mat, mat[n]);
}

/* The operator that appends len zero bytes to a CRC register; len must be a power of two. */
static void zeros_op(uint32_t *even, size_t len) {
  uint32_t odd[32];
  odd[0] = POLY;
  uint32_t row = 1;
  for (int n = 1; n < 32; n++) {
    odd[n] = row;
    row <<= 1;
  }
  gf2_matrix_square(even, odd); /* two zero bits */
  gf2_matrix_square(odd, even); /* four zero bits */
  do {
    gf2_matrix_square(even, odd);
    len >>= 1;
    if (len == 0) return;
    gf2_matrix_square(odd, even);
    len >>= 1;
  } while (len);
  memcpy(even, odd, sizeof(odd));
}

static void zeros_table(uint32_t zeros[][256], size_t len) {
  uint32_t op[32];
  zeros_op(op, len);
  for (uint32_t n = 0; n < 256; n++) {
    zeros[0][n] = gf2_matrix_times(op, n);
    zeros[1][n] = gf2_matrix_times(op, n << 8);
    zeros[2][n] = gf2_matrix_times(op, n << 16);
    zeros[3][n] = gf2_matrix_times(op, n << 24);
  }
}

static inline uint32_t shift(uint32_t zeros[][256], uint32_t crc) {
  return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

static inline uint64_t load64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* Runs of 3 * block bytes as three interleaved streams, combined by shifting with `zeros`. */
static inline uint64_t three_way(uint64_t crc0, const unsigned char **at, size_t *remaining, size_t block, uint32_t zeros[][256]) {
  const unsigned char *next = *at;
  size_t len = *remaining;
  while (len >= 3 * block) {
    uint64_t crc1 = 0, crc2 = 0;
    const unsigned char *end = next + block;
    do {
      crc0 = _mm_crc32_u64(crc0, load64(next));
      crc1 = _mm_crc32_u64(crc1, load64(next + block));
      crc2 = _mm_crc32_u64(crc2, load64(next + 2 * block));
      next += 8;
    } while (next < end);
    crc0 = shift(zeros, (uint32_t)crc0) ^ crc1;
    crc0 = shift(zeros, (uint32_t)crc0) ^ crc2;
    next += 2 * block;
    len -= 3 * block;
  }
  *at = next;
  *remaining = len;
  return crc0;
}

static uint32_t crc32c_hw(uint32_t crc, const unsigned char *next, size_t len) {
  uint64_t crc0 = crc ^ 0xffffffffu;
  while (len && ((uintptr_t)next & 7) != 0) {
    crc0 = _mm_crc32_u8((uint32_t)crc0, *next++);
    len--;
  }
  crc0 = three_way(crc0, &next, &len, LONG_BLOCK, zeros_long);
  crc0 = three_way(crc0, &next, &len, SHORT_BLOCK, zeros_short);
  while (len >= 8) {
    crc0 = _mm_crc32_u64(crc0, load64(next));
    next += 8;
    len -= 8;
  }
  while (len) {
    crc0 = _mm_crc32_u8((uint32_t)crc0, *next++);
    len--;
  }
  return (uint32_t)crc0 ^ 0xffffffffu;
}

/* crc32c(data: Uint8Array, initial?: number): number -- initial continues an earlier CRC. */
static napi_value Crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok) return NULL;
  bool is_typed_array = false;
  if (argc < 1 || napi_is_typedarray(env, args[0], &is_typed_array) != napi_ok || !is_typed_array) {
    napi_throw_type_error(env, NULL, "crc32c: the data must be a Buffer or Uint8Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, args[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c: the data must be a Buffer or Uint8Array");
    return NULL;
  }
  uint32_t initial = 0;
  if (argc >= 2) {
    napi_valuetype t;
    napi_typeof(env, args[1], &t);
    if (t == napi_number) napi_get_value_uint32(env, args[1], &initial);
  }
  uint32_t crc = length == 0 ? initial : crc32c_hw(initial, (const unsigned char *)data, length);
  napi_value result;
  napi_create_uint32(env, crc, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  zeros_table(zeros_long, LONG_BLOCK);
  zeros_table(zeros_short, SHORT_BLOCK);
  napi_value fn;
  napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, Crc32c, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
