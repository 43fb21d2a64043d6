// Frame codec hot path in C: COBS with memchr/memcpy block moves and hardware CRC-32C. The JS
// codec (cobs.ts, crc32c.ts) gives identical bytes and is used when this addon is not built;
// this one exists because a byte loop in JS cannot keep up with mqtt-packet's parser on 4 KiB
// frames (see bench/RESULTS.md).
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define POLY 0x82f63b78u

static uint32_t sw_table[8][256];

static void sw_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
    sw_table[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = sw_table[0][n];
    for (int k = 1; k < 8; k++) {
      c = sw_table[0][c & 0xff] ^ (c >> 8);
      sw_table[k][n] = c;
    }
  }
}

// Slice-by-8 on the raw (pre-inverted) register.
static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t len) {
  while (len && ((uintptr_t)p & 7)) {
    crc = sw_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    len--;
  }
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    w ^= crc;
    crc = sw_table[7][w & 0xff] ^ sw_table[6][(w >> 8) & 0xff] ^ sw_table[5][(w >> 16) & 0xff] ^
          sw_table[4][(w >> 24) & 0xff] ^ sw_table[3][(w >> 32) & 0xff] ^ sw_table[2][(w >> 40) & 0xff] ^
          sw_table[1][(w >> 48) & 0xff] ^ sw_table[0][w >> 56];
    p += 8;
    len -= 8;
  }
  while (len--) crc = sw_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
#define HAVE_HW 1
// Three interleaved crc32 streams hide the instruction's latency; their results are combined
// by shifting with precomputed zero-run operators (after Mark Adler's crc32c.c).
#define SHORT 256
static uint32_t shift_short[4][256];

static uint32_t gf2_times(const uint32_t *mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1) sum ^= *mat;
    vec >>= 1;
    mat++;
  }
  return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat) {
  for (int n = 0; n < 32; n++) square[n] = gf2_times(mat, mat[n]);
}

// Operator appending `len` zero bytes (a power of two) to a raw CRC register.
static void zeros_op(uint32_t *even, size_t len) {
  uint32_t odd[32];
  odd[0] = POLY;
  uint32_t row = 1;
  for (int n = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2_square(even, odd);
  gf2_square(odd, even);
  do {
    gf2_square(even, odd);
    len >>= 1;
    if (len == 0) return;
    gf2_square(odd, even);
    len >>= 1;
  } while (len);
  memcpy(even, odd, sizeof odd);
}

static void zeros_tables(uint32_t zeros[4][256], size_t len) {
  uint32_t op[32];
  zeros_op(op, len);
  for (uint32_t n = 0; n < 256; n++) {
    zeros[0][n] = gf2_times(op, n);
    zeros[1][n] = gf2_times(op, n << 8);
    zeros[2][n] = gf2_times(op, n << 16);
    zeros[3][n] = gf2_times(op, n << 24);
  }
}

static inline uint32_t shift(uint32_t zeros[4][256], uint32_t crc) {
  return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len) {
  uint64_t c0 = crc;
  while (len && ((uintptr_t)p & 7)) {
    c0 = __builtin_ia32_crc32qi((uint32_t)c0, *p++);
    len--;
  }
  while (len >= SHORT * 3) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t *end = p + SHORT;
    do {
      uint64_t a, b, c;
      memcpy(&a, p, 8);
      memcpy(&b, p + SHORT, 8);
      memcpy(&c, p + 2 * SHORT, 8);
      c0 = __builtin_ia32_crc32di(c0, a);
      c1 = __builtin_ia32_crc32di(c1, b);
      c2 = __builtin_ia32_crc32di(c2, c);
      p += 8;
    } while (p < end);
    c0 = shift(shift_short, (uint32_t)c0) ^ (uint32_t)c1;
    c0 = shift(shift_short, (uint32_t)c0) ^ (uint32_t)c2;
    p += 2 * SHORT;
    len -= 3 * SHORT;
  }
  while (len >= 8) {
    uint64_t a;
    memcpy(&a, p, 8);
    c0 = __builtin_ia32_crc32di(c0, a);
    p += 8;
    len -= 8;
  }
  while (len--) c0 = __builtin_ia32_crc32qi((uint32_t)c0, *p++);
  return (uint32_t)c0;
}

// Carry-less multiplication folds 64 bytes per instruction pair where the crc32 instruction
// takes 8: on a 4 KiB frame the CRC was a sixth of the native decode. Folding a 128-bit lane
// forward by N bits multiplies its first (low) qword by x^(N+32) and its second by x^(N-32)
// modulo P, with constants in the bit-reflected form of Intel's white paper ("Fast CRC
// Computation Using PCLMULQDQ"); the folded remainder is then finished with crc32.
#include <immintrin.h>

/** reflect32(x^n mod P) << 1, P the CRC-32C polynomial in normal form. */
static uint64_t fold_constant(size_t n) {
  uint64_t r = 1;
  for (size_t i = 0; i < n; i++) {
    r <<= 1;
    if (r >> 32) r ^= 0x11edc6f41ull;
  }
  uint32_t reflected = 0;
  for (int i = 0; i < 32; i++)
    if (r & (1ull << i)) reflected |= 1u << (31 - i);
  return (uint64_t)reflected << 1;
}

static uint64_t fold_by[3][2]; // 128, 512 and 2048 bits: {first qword, second qword}

static void fold_constants(void) {
  const size_t distance[3] = {128, 512, 2048};
  for (int i = 0; i < 3; i++) {
    fold_by[i][0] = fold_constant(distance[i] + 32);
    fold_by[i][1] = fold_constant(distance[i] - 32);
  }
}

#define VPCLMUL_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.2")))

VPCLMUL_TARGET static inline __m512i fold512(__m512i a, __m512i k, __m512i next) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00), _mm512_clmulepi64_epi128(a, k, 0x11), next, 0x96);
}

VPCLMUL_TARGET static inline __m128i fold128(__m128i a, __m128i k, __m128i next) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00), _mm_clmulepi64_si128(a, k, 0x11)), next);
}

/** len >= 256. */
VPCLMUL_TARGET static uint32_t crc_vpclmul(uint32_t crc, const uint8_t *p, size_t len) {
  const __m512i first = _mm512_inserti32x4(_mm512_setzero_si512(), _mm_cvtsi32_si128((int)crc), 0);
  __m512i a0 = _mm512_xor_si512(_mm512_loadu_si512(p), first);
  __m512i a1 = _mm512_loadu_si512(p + 64), a2 = _mm512_loadu_si512(p + 128), a3 = _mm512_loadu_si512(p + 192);
  p += 256;
  len -= 256;
  const __m512i k2048 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)fold_by[2][1], (long long)fold_by[2][0]));
  for (; len >= 256; p += 256, len -= 256) {
    a0 = fold512(a0, k2048, _mm512_loadu_si512(p));
    a1 = fold512(a1, k2048, _mm512_loadu_si512(p + 64));
    a2 = fold512(a2, k2048, _mm512_loadu_si512(p + 128));
    a3 = fold512(a3, k2048, _mm512_loadu_si512(p + 192));
  }
  const __m512i k512 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)fold_by[1][1], (long long)fold_by[1][0]));
  a1 = fold512(a0, k512, a1);
  a2 = fold512(a1, k512, a2);
  a3 = fold512(a2, k512, a3);
  for (; len >= 64; p += 64, len -= 64) a3 = fold512(a3, k512, _mm512_loadu_si512(p));
  const __m128i k128 = _mm_set_epi64x((long long)fold_by[0][1], (long long)fold_by[0][0]);
  __m128i x = _mm512_extracti32x4_epi32(a3, 0);
  x = fold128(x, k128, _mm512_extracti32x4_epi32(a3, 1));
  x = fold128(x, k128, _mm512_extracti32x4_epi32(a3, 2));
  x = fold128(x, k128, _mm512_extracti32x4_epi32(a3, 3));
  for (; len >= 16; p += 16, len -= 16) x = fold128(x, k128, _mm_loadu_si128((const __m128i *)p));
  uint64_t c = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
  c = _mm_crc32_u64(c, (uint64_t)_mm_extract_epi64(x, 1));
  return crc_hw((uint32_t)c, p, len);
}
#endif

static int use_hw = 0;
static int use_vpclmul = 0;

// Below this the vector set-up and the lane reduction cost more than they save.
#define VPCLMUL_MIN_BYTES 512

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t len) {
#ifdef HAVE_HW
  if (use_vpclmul && len >= VPCLMUL_MIN_BYTES) return crc_vpclmul(crc, p, len);
  if (use_hw) return crc_hw(crc, p, len);
#endif
  return crc_sw(crc, p, len);
}

// COBS decode of a delimiter-free run, possibly in place (dst <= src: output never overtakes
// input, hence memmove). Returns the decoded length or -1 when a code byte reaches past the
// end (a truncated frame).
static long cobs_decode(const uint8_t *src, size_t len, uint8_t *dst) {
  size_t i = 0, o = 0;
  while (i < len) {
    size_t code = src[i];
    if (code == 0 || i + code > len) return -1;
    memmove(dst + o, src + i + 1, code - 1);
    o += code - 1;
    i += code;
    if (code != 0xff && i < len) dst[o++] = 0;
  }
  return (long)o;
}

// Streaming COBS encoder, so header, payload and CRC are encoded without first being joined.
// Canonical output: a block filled to 254 bytes at the very end gets no extra code byte.
typedef struct {
  uint8_t *out;
  size_t o, code_at;
  unsigned code;
  int open, after_zero;
} cobs_enc;

static void enc_bytes(cobs_enc *e, const uint8_t *p, size_t n) {
  while (n) {
    if (!e->open) {
      e->code_at = e->o++;
      e->code = 1;
      e->open = 1;
    }
    if (*p == 0) {
      e->out[e->code_at] = (uint8_t)e->code;
      e->open = 0;
      e->after_zero = 1;
      p++;
      n--;
      continue;
    }
    const uint8_t *z = memchr(p, 0, n);
    size_t run = z ? (size_t)(z - p) : n;
    size_t room = 0xff - e->code;
    if (run > room) run = room;
    memcpy(e->out + e->o, p, run);
    e->o += run;
    e->code += (unsigned)run;
    p += run;
    n -= run;
    e->after_zero = 0;
    if (e->code == 0xff) {
      e->out[e->code_at] = 0xff;
      e->open = 0;
    }
  }
}

static size_t enc_finish(cobs_enc *e) {
  if (e->open) e->out[e->code_at] = (uint8_t)e->code;
  else if (e->after_zero) e->out[e->o++] = 1;
  return e->o;
}

static int arg_buffer(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return 0;
  }
  return napi_get_buffer_info(env, v, (void **)data, len) == napi_ok;
}

static int arg_u32(napi_env env, napi_value v, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an integer");
    return 0;
  }
  return 1;
}

static napi_value ret_i32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

// decode(src, start, end, dst, dstOffset) -> decoded length (CRC included) | -1 truncated | -2 CRC.
// dst may be src with dstOffset <= start (in-place decoding).
static napi_value js_decode(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value a[5];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  uint8_t *src, *dst;
  size_t slen, dlen;
  uint32_t start, end, off;
  if (argc < 5 || !arg_buffer(env, a[0], &src, &slen) || !arg_u32(env, a[1], &start) || !arg_u32(env, a[2], &end) ||
      !arg_buffer(env, a[3], &dst, &dlen) || !arg_u32(env, a[4], &off))
    return NULL;
  if (end > slen || start > end || off > dlen || dlen - off < end - start) {
    napi_throw_range_error(env, NULL, "decode: range outside the buffers");
    return NULL;
  }
  long n = cobs_decode(src + start, end - start, dst + off);
  if (n < 8) return ret_i32(env, -1);
  uint32_t crc = crc_update(0xffffffffu, dst + off, (size_t)n - 4) ^ 0xffffffffu;
  const uint8_t *c = dst + off + n - 4;
  uint32_t got = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
  return ret_i32(env, crc == got ? (int32_t)n : -2);
}

// encode(b0, seq, ack, credit, payload, out) -> bytes written (with both delimiters)
static napi_value js_encode(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  uint32_t h[4];
  uint8_t *payload, *out;
  size_t plen, olen;
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "encode: 6 arguments expected");
    return NULL;
  }
  for (int i = 0; i < 4; i++)
    if (!arg_u32(env, a[i], &h[i])) return NULL;
  if (!arg_buffer(env, a[4], &payload, &plen) || !arg_buffer(env, a[5], &out, &olen)) return NULL;
  size_t raw = plen + 8;
  if (olen < raw + raw / 254 + 3) {
    napi_throw_range_error(env, NULL, "encode: output buffer too small");
    return NULL;
  }
  uint8_t header[4] = {(uint8_t)h[0], (uint8_t)h[1], (uint8_t)h[2], (uint8_t)h[3]};
  uint32_t crc = crc_update(crc_update(0xffffffffu, header, 4), payload, plen) ^ 0xffffffffu;
  uint8_t trailer[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
  out[0] = 0;
  cobs_enc e = {out, 1, 0, 1, 0, 1};
  enc_bytes(&e, header, 4);
  enc_bytes(&e, payload, plen);
  enc_bytes(&e, trailer, 4);
  size_t n = enc_finish(&e);
  out[n] = 0;
  return ret_i32(env, (int32_t)(n + 1));
}

static int check_crc(const uint8_t *p, size_t n) {
  uint32_t crc = crc_update(0xffffffffu, p, n - 4) ^ 0xffffffffu;
  const uint8_t *c = p + n - 4;
  return crc == ((uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24);
}

// Printable ASCII, TAB, CR, LF, ESC or any byte >= 0x80 (UTF-8 is checked later, in JS).
static int text_like(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t b = p[i];
    if ((b < 0x20 && b != 0x09 && b != 0x0a && b != 0x0d && b != 0x1b) || b == 0x7f) return 0;
  }
  return 1;
}

// The protocol name of a plain MQTT CONNECT ("\4MQTT", or "\6MQIsdp" for 3.1), which starts a
// run since its length's high byte is 0x00. No frame starts so: the decoded first byte would be
// 'M', not a link-version-1 header. What follows it (client id, user name, password) must not be
// shown as console text.
static int plain_mqtt_connect(const uint8_t *p, size_t n) {
  return (n >= 5 && memcmp(p, "\4MQTT", 5) == 0) || (n >= 7 && memcmp(p, "\6MQIsdp", 7) == 0);
}

// Decodes one run in place; -1 truncated, -2 CRC, else the decoded length. A run that reads as
// text (rare for a frame: its header usually holds a control byte) is decoded from a copy, so
// that if it is not a frame its bytes stay intact for the console (-3). -5: a plain MQTT
// CONNECT's protocol name (bytes untouched).
static long decode_run(uint8_t *p, size_t n) {
  if (plain_mqtt_connect(p, n)) return -5;
  if (text_like(p, n)) {
    uint8_t stack[512];
    uint8_t *copy = n <= sizeof stack ? stack : malloc(n);
    if (!copy) return -3;
    memcpy(copy, p, n);
    long m = cobs_decode(copy, n, copy);
    int frame = m >= 8 && check_crc(copy, (size_t)m);
    if (frame) memcpy(p, copy, (size_t)m);
    if (copy != stack) free(copy);
    return frame ? m : -3;
  }
  long m = cobs_decode(p, n, p);
  if (m < 8) return -1;
  return check_crc(p, (size_t)m) ? m : -2;
}

// decodeRuns(buf, start, end, maxRun, out: Int32Array) -> results
// Splits buf[start, end) on 0x00 and decodes every complete run in place, in one call per read
// instead of one per frame. out[0] receives the offset where the unterminated tail begins;
// then (runStart, runEnd, status) triples: status >= 0 = decoded length (the frame starts at
// runStart), -1 truncated, -2 CRC, -3 text (bytes untouched), -4 longer than maxRun (untouched),
// -5 a plain MQTT CONNECT's protocol name (untouched).
// Stops early when out is full; out[0] then says where to resume.
//
// decodeRuns(..., carry, carryLen): carry[0, carryLen) holds the start of a run left open by
// earlier reads. Its end, buf[start, first 0x00), is appended to carry and the joined run
// decoded there, in the same call: a frame split across reads costs one copy and no extra
// crossing into JS. Its triple comes first with runStart -1 (status as above; -4 leaves both
// parts untouched). With no 0x00 in buf, nothing is appended and 0 is returned.
static napi_value js_decode_runs(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  uint8_t *buf;
  size_t len;
  uint32_t start, end, max_run;
  if (argc < 5 || !arg_buffer(env, a[0], &buf, &len) || !arg_u32(env, a[1], &start) || !arg_u32(env, a[2], &end) ||
      !arg_u32(env, a[3], &max_run))
    return NULL;
  napi_typedarray_type type;
  size_t out_len;
  void *out_data;
  if (napi_get_typedarray_info(env, a[4], &type, &out_len, &out_data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      out_len < 4) {
    napi_throw_type_error(env, NULL, "decodeRuns: out must be an Int32Array of at least 4");
    return NULL;
  }
  if (end > len || start > end) {
    napi_throw_range_error(env, NULL, "decodeRuns: range outside the buffer");
    return NULL;
  }
  int32_t *out = out_data;
  size_t slots = (out_len - 1) / 3, used = 0, pos = start;
  uint32_t carry_len = 0;
  uint8_t *carry = NULL;
  size_t carry_cap = 0;
  if (argc >= 7 && (!arg_u32(env, a[6], &carry_len) || (carry_len > 0 && !arg_buffer(env, a[5], &carry, &carry_cap))))
    return NULL;
  if (carry_len > carry_cap) {
    napi_throw_range_error(env, NULL, "decodeRuns: carryLen beyond the carry buffer");
    return NULL;
  }
  if (carry_len > 0) {
    uint8_t *z = memchr(buf + pos, 0, end - pos);
    if (!z) {
      out[0] = (int32_t)pos;
      return ret_i32(env, 0);
    }
    size_t zero = (size_t)(z - buf), n = carry_len + (zero - pos);
    long status = -4;
    if (n <= max_run && n <= carry_cap) {
      memcpy(carry + carry_len, buf + pos, zero - pos);
      status = decode_run(carry, n);
    }
    out[1] = -1;
    out[2] = (int32_t)zero;
    out[3] = (int32_t)status;
    used = 1;
    pos = zero + 1;
  }
  while (used < slots) {
    uint8_t *z = memchr(buf + pos, 0, end - pos);
    if (!z) break;
    size_t zero = (size_t)(z - buf);
    if (zero > pos) {
      size_t n = zero - pos;
      long status = n > max_run ? -4 : decode_run(buf + pos, n);
      out[1 + used * 3] = (int32_t)pos;
      out[2 + used * 3] = (int32_t)zero;
      out[3 + used * 3] = (int32_t)status;
      used++;
    }
    pos = zero + 1;
  }
  out[0] = (int32_t)pos;
  return ret_i32(env, (int32_t)used);
}

// crc32c(buf, start, end) -> CRC-32C
static napi_value js_crc(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  uint8_t *p;
  size_t len;
  uint32_t start, end;
  if (argc < 3 || !arg_buffer(env, a[0], &p, &len) || !arg_u32(env, a[1], &start) || !arg_u32(env, a[2], &end)) return NULL;
  if (end > len || start > end) {
    napi_throw_range_error(env, NULL, "crc32c: range outside the buffer");
    return NULL;
  }
  napi_value r;
  napi_create_uint32(env, crc_update(0xffffffffu, p + start, end - start) ^ 0xffffffffu, &r);
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  sw_init();
#ifdef HAVE_HW
  zeros_tables(shift_short, SHORT);
  __builtin_cpu_init();
  use_hw = __builtin_cpu_supports("sse4.2");
  fold_constants();
  use_vpclmul = use_hw && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul") && getenv("DL7450_NO_VPCLMUL") == NULL;
#endif
  napi_value fn, s;
  napi_create_function(env, "decode", NAPI_AUTO_LENGTH, js_decode, NULL, &fn);
  napi_set_named_property(env, exports, "decode", fn);
  napi_create_function(env, "encode", NAPI_AUTO_LENGTH, js_encode, NULL, &fn);
  napi_set_named_property(env, exports, "encode", fn);
  napi_create_function(env, "decodeRuns", NAPI_AUTO_LENGTH, js_decode_runs, NULL, &fn);
  napi_set_named_property(env, exports, "decodeRuns", fn);
  napi_create_function(env, "crc32c", NAPI_AUTO_LENGTH, js_crc, NULL, &fn);
  napi_set_named_property(env, exports, "crc32c", fn);
  napi_create_string_utf8(env, use_vpclmul ? "vpclmulqdq + sse4.2" : use_hw ? "sse4.2" : "slice-by-8", NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, exports, "crcEngine", s);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
