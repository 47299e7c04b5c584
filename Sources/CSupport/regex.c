// The regex stage's pass over every token (declared in include/CSupport.h, block `// regex`).
#include "CSupport.h"

#include <stddef.h>

/// Whether the token with key hash `h` may have trigger bits by the filter of
/// `TriggerKeys` (`TriggerKeys.test`): bits `h >> 49` and `(h >> 34) & 0x7FFF`.
static inline __attribute__((always_inline)) int filter_has(const uint64_t *filter, uint64_t h) {
    uint64_t a = h >> 49, b = (h >> 34) & 0x7FFF;
    return ((filter[a >> 6] >> (a & 63)) & 1) && ((filter[b >> 6] >> (b & 63)) & 1);
}

static inline __attribute__((always_inline)) size_t stops_from(const entex_token *tokens, const uint64_t *hashes,
                                                               size_t i, size_t n, const uint64_t *filter,
                                                               uint32_t block_kinds, uint64_t *masks,
                                                               int32_t *stops, size_t count) {
    for (; i < n; i++) {
        masks[i] = 0;
        uint8_t kind = tokens[i].kind;
        if (filter_has(filter, hashes[i]) || (kind < 32 && ((block_kinds >> kind) & 1)) || (tokens[i].flags & 8)) {
            stops[count++] = (int32_t)i;
        }
    }
    return count;
}

size_t entex_regex_stops_scalar(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                                uint32_t block_kinds, uint64_t *masks, int32_t *stops) {
    return stops_from(tokens, hashes, 0, n, filter, block_kinds, masks, stops, 0);
}

#if defined(__x86_64__)
#include <immintrin.h>

// Four tokens a step: the two filter words of the four hashes in two gathers,
// the kind and flags bytes of the four tokens in a third; a step with no stop
// (most) only zeroes its four masks.
__attribute__((target("avx2,bmi,bmi2"))) static size_t stops_avx2(const entex_token *tokens, const uint64_t *hashes,
                                                                  size_t n, const uint64_t *filter,
                                                                  uint32_t block_kinds, uint64_t *masks,
                                                                  int32_t *stops) {
    const __m256i low6 = _mm256_set1_epi64x(63), low9 = _mm256_set1_epi64x(0x1FF), zero = _mm256_setzero_si256();
    const __m128i kinds = _mm_set1_epi32((int)block_kinds), low8 = _mm_set1_epi32(0xFF);
    const int stride = (int)sizeof(entex_token);
    const __m128i offsets = _mm_setr_epi32(0, stride, 2 * stride, 3 * stride);
    const long long *words = (const long long *)filter;
    size_t count = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256i h = _mm256_loadu_si256((const __m256i *)(hashes + i));
        __m256i w1 = _mm256_i64gather_epi64(words, _mm256_srli_epi64(h, 55), 8);
        __m256i w2 = _mm256_i64gather_epi64(words, _mm256_and_si256(_mm256_srli_epi64(h, 40), low9), 8);
        __m256i b1 = _mm256_srlv_epi64(w1, _mm256_and_si256(_mm256_srli_epi64(h, 49), low6));
        __m256i b2 = _mm256_srlv_epi64(w2, _mm256_and_si256(_mm256_srli_epi64(h, 34), low6));
        // The kind byte and the flags byte after it (and two bytes of padding) of each token.
        const int *kf_base = (const int *)((const uint8_t *)(tokens + i) + offsetof(entex_token, kind));
        __m128i kf = _mm_i32gather_epi32(kf_base, offsets, 1);
        // Bit 0: a token-block kind, or the flags' hasDigit (bit 3 of the flags byte, bit 11 here).
        __m128i k = _mm_or_si128(_mm_srlv_epi32(kinds, _mm_and_si128(kf, low8)), _mm_srli_epi32(kf, 11));
        __m256i stop = _mm256_or_si256(_mm256_and_si256(b1, b2), _mm256_cvtepu32_epi64(k));
        unsigned m = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_slli_epi64(stop, 63)));
        _mm256_storeu_si256((__m256i *)(masks + i), zero);
        while (m) {
            stops[count++] = (int32_t)(i + (size_t)__builtin_ctz(m));
            m &= m - 1;
        }
    }
    return stops_from(tokens, hashes, i, n, filter, block_kinds, masks, stops, count);
}

// The tokenizer's loop needs the same features (AVX2, BMI, BMI2): its test, asked once
// and kept here (a call into it for every document cost ~0.4 M instructions on tweets).
static inline __attribute__((always_inline)) int has_avx2(void) {
    static int known = -1;
    if (known < 0) known = entex_plain_words_has_avx2();
    return known;
}

int entex_regex_stops_has_avx2(void) { return has_avx2(); }

size_t entex_regex_stops_avx2(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                              uint32_t block_kinds, uint64_t *masks, int32_t *stops) {
    if (!has_avx2()) return entex_regex_stops_scalar(tokens, hashes, n, filter, block_kinds, masks, stops);
    return stops_avx2(tokens, hashes, n, filter, block_kinds, masks, stops);
}

size_t entex_regex_stops(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                         uint32_t block_kinds, uint64_t *masks, int32_t *stops) {
    return has_avx2() ? stops_avx2(tokens, hashes, n, filter, block_kinds, masks, stops)
                                        : entex_regex_stops_scalar(tokens, hashes, n, filter, block_kinds, masks, stops);
}

#else

int entex_regex_stops_has_avx2(void) { return 0; }

size_t entex_regex_stops_avx2(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                              uint32_t block_kinds, uint64_t *masks, int32_t *stops) {
    return entex_regex_stops_scalar(tokens, hashes, n, filter, block_kinds, masks, stops);
}

size_t entex_regex_stops(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                         uint32_t block_kinds, uint64_t *masks, int32_t *stops) {
    return entex_regex_stops_scalar(tokens, hashes, n, filter, block_kinds, masks, stops);
}

#endif
