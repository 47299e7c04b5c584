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

/// Whether the 64 bytes at `p` are all ASCII: one test for four loads.
static inline __attribute__((always_inline)) int ascii64(const uint8_t *p) {
    __m128i a = _mm_loadu_si128((const __m128i *)p), b = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 32)), d = _mm_loadu_si128((const __m128i *)(p + 48));
    return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0;
}

size_t entex_first_high_byte(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (n - i >= 64 && ascii64(p + i)) i += 64;
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

/// Writes at `out` the events of the bytes at `base + k` for each bit k of
/// `marks` (`event_marks`; `lead` has the bits of the bytes from 0xF0 on),
/// counting `*deficit` along, and returns the end.
static inline __attribute__((always_inline)) int32_t *write_events(int32_t *out, uint64_t marks, uint64_t lead, size_t base,
                                                                   int utf16, int32_t *deficit) {
    while (marks != 0) {
        unsigned k = (unsigned)__builtin_ctzll(marks);
        if (utf16 && ((lead >> k) & 1)) *deficit -= 1; else *deficit += 1;
        out[0] = (int32_t)(base + k);
        out[1] = *deficit;
        out += 2;
        marks &= marks - 1;
    }
    return out;
}

static inline __attribute__((always_inline)) size_t offset_events(const uint8_t *p, size_t n, size_t i, int utf16,
                                                                  int32_t *events) {
    int32_t deficit = 0;
    int32_t *out = events;
    // Sixty-four bytes a step while they last: the marks of four loads in
    // one word (an ASCII block has none, so it needs no test of its own).
    while (n - i >= 64) {
        uint64_t marks = 0, lead = 0;
        for (int k = 0; k < 4; k++) {
            unsigned blockLead;
            unsigned block = event_marks(_mm_loadu_si128((const __m128i *)(p + i + 16 * k)), utf16, &blockLead);
            marks |= (uint64_t)block << (16 * k);
            lead |= (uint64_t)blockLead << (16 * k);
        }
        out = write_events(out, marks, lead, i, utf16, &deficit);
        i += 64;
    }
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
        out = write_events(out, marks, lead, base, utf16, &deficit);
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
