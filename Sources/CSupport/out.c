// The JSON writer's offset-table scan (declared in include/CSupport.h, block `// out`).
#include "CSupport.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

size_t entex_first_high_byte_scalar(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) if (p[i] >= 0x80) return i;
    return n;
}

size_t entex_offset_events_scalar(const uint8_t *p, size_t n, size_t i, int utf16, int32_t *events) {
    int32_t deficit = 0;
    size_t count = 0;
    for (; i < n; i++) {
        uint8_t b = p[i];
        if (b >= 0x80 && b < 0xC0) deficit += 1;
        else if (utf16 && b >= 0xF0) deficit -= 1;
        else continue;
        events[2 * count] = (int32_t)i;
        events[2 * count + 1] = deficit;
        count++;
    }
    return count;
}

#if defined(__SSE2__)

size_t entex_first_high_byte(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (n - i >= 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(p + i + 16));
        if (_mm_movemask_epi8(_mm_or_si128(a, b)) != 0) break;
        i += 32;
    }
    while (n - i >= 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(p + i)));
        if (m != 0) return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    if (n >= 16) {
        // The last bytes, in the sixteen that end the text (those before them are ASCII).
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(p + n - 16)));
        m >>= 16 - (n - i);
        return m != 0 ? i + (size_t)__builtin_ctz(m) : n;
    }
    for (; i < n; i++) if (p[i] >= 0x80) return i;
    return n;
}

/// Bit k set for byte k of `v` that makes an event: a continuation byte
/// (0x80-0xBF: below 0xC0 as a signed byte), and in UTF-16 (`utf16`, a
/// constant where this is inlined) a byte from 0xF0 on (-16 to -1); `lead`
/// gets the bits of the latter.
static inline __attribute__((always_inline)) unsigned event_marks(__m128i v, int utf16, unsigned *lead) {
    unsigned cont = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8((char)0xC0)));
    if (!utf16) { *lead = 0; return cont; }
    unsigned four = (unsigned)_mm_movemask_epi8(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xEF)))
                  & (unsigned)_mm_movemask_epi8(v);
    *lead = four;
    return cont | four;
}

static inline __attribute__((always_inline)) size_t offset_events(const uint8_t *p, size_t n, size_t i, int utf16,
                                                                  int32_t *events) {
    int32_t deficit = 0;
    int32_t *out = events;
    for (;;) {
        unsigned marks, lead;
        size_t base = i;
        if (n - i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            if (_mm_movemask_epi8(v) == 0) {
                i += 16;
                continue;
            }
            marks = event_marks(v, utf16, &lead);
            i += 16;
        } else if (i == n) {
            break;
        } else if (n >= 16) {
            // The last bytes, in the sixteen that end the text (those before them are done).
            size_t back = 16 - (n - i);
            marks = event_marks(_mm_loadu_si128((const __m128i *)(p + n - 16)), utf16, &lead);
            marks >>= back;
            lead >>= back;
            i = n;
        } else {
            uint8_t buffer[16] = {0};
            for (size_t k = 0; k < n - i; k++) buffer[k] = p[i + k];
            marks = event_marks(_mm_loadu_si128((const __m128i *)buffer), utf16, &lead);
            i = n;
        }
        while (marks != 0) {
            unsigned k = (unsigned)__builtin_ctz(marks);
            if (utf16 && ((lead >> k) & 1)) deficit -= 1; else deficit += 1;
            out[0] = (int32_t)(base + k);
            out[1] = deficit;
            out += 2;
            marks &= marks - 1;
        }
    }
    return (size_t)(out - events) / 2;
}

size_t entex_offset_events(const uint8_t *p, size_t n, size_t i, int utf16, int32_t *events) {
    return utf16 ? offset_events(p, n, i, 1, events) : offset_events(p, n, i, 0, events);
}

#else

size_t entex_first_high_byte(const uint8_t *p, size_t n) { return entex_first_high_byte_scalar(p, n); }

size_t entex_offset_events(const uint8_t *p, size_t n, size_t i, int utf16, int32_t *events) {
    return entex_offset_events_scalar(p, n, i, utf16, events);
}

#endif
