// The vector loops declared in include/CSupport.h (the built-ins there are
// static inline and need no code here).
#include "CSupport.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Whether JSON needs `b` escaped.
static inline int needs_escape(uint8_t b) {
    return b < 0x20 || b == '"' || b == '\\';
}

/// Writes the escape of `b` (a byte `needs_escape` accepts) at `out`; returns its length.
static inline size_t write_escape(uint8_t b, uint8_t *out) {
    static const char hex[] = "0123456789abcdef";
    out[0] = '\\';
    switch (b) {
    case '"': out[1] = '"'; return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\t': out[1] = 't'; return 2;
    case '\b': out[1] = 'b'; return 2;
    case '\f': out[1] = 'f'; return 2;
    default:
        out[1] = 'u';
        out[2] = '0';
        out[3] = '0';
        out[4] = (uint8_t)hex[b >> 4];
        out[5] = (uint8_t)hex[b & 0xF];
        return 6;
    }
}

/// Room an escape needs so that the room rule (`count + 16` from `out`) still
/// holds for the `left` bytes after it: six bytes for the escape.
static inline int room_for_escape(uint8_t *out, const uint8_t *limit, size_t left) {
    return (size_t)(limit - out) >= left + 6 + 16;
}

entex_json_escaped entex_json_escape_scalar(uint8_t *out, const uint8_t *limit,
                                            const uint8_t *src, size_t count, size_t readable) {
    (void)readable;
    size_t i = 0;
    for (; i < count; i++) {
        uint8_t b = src[i];
        if (!needs_escape(b)) {
            *out++ = b;
            continue;
        }
        if (!room_for_escape(out, limit, count - i)) break;
        out += write_escape(b, out);
    }
    entex_json_escaped result = { i, out };
    return result;
}

#if defined(__SSE2__)

/// 0xFF in each byte of `v` that needs an escape, 0 in the others.
static inline __m128i escape_lanes(__m128i v) {
    // Unsigned v <= 0x1F: the unsigned minimum with 0x1F is v itself.
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return _mm_or_si128(control, _mm_or_si128(quote, backslash));
}

/// One bit per byte of `v` that needs an escape (bit k for byte k).
static inline unsigned escape_marks(__m128i v) {
    return (unsigned)_mm_movemask_epi8(escape_lanes(v));
}

static inline uint64_t load64(const uint8_t *p) { uint64_t w; memcpy(&w, p, 8); return w; }
static inline uint32_t load32(const uint8_t *p) { uint32_t w; memcpy(&w, p, 4); return w; }
static inline void store64(uint8_t *p, uint64_t w) { memcpy(p, &w, 8); }
static inline void store32(uint8_t *p, uint32_t w) { memcpy(p, &w, 4); }

entex_json_escaped entex_json_escape(uint8_t *out, const uint8_t *limit,
                                     const uint8_t *src, size_t count, size_t readable) {
    size_t i = 0;
    // Where the current run of bytes copied as they are began: from there on,
    // `out` and `src + i` move together, so a vector that ends at the string's
    // end may be stored again over bytes of the run with the same values.
    size_t run = 0;
    for (;;) {
        size_t plain;
        // Thirty-two bytes a step while they last (the room rule leaves room
        // for both stores): one test of the two vectors' lanes together, and
        // the marks of each only when one needs an escape.
        while (count - i >= 32) {
            __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
            _mm_storeu_si128((__m128i *)out, a);
            _mm_storeu_si128((__m128i *)(out + 16), b);
            __m128i lanesA = escape_lanes(a), lanesB = escape_lanes(b);
            if (_mm_movemask_epi8(_mm_or_si128(lanesA, lanesB)) != 0) {
                unsigned marks = (unsigned)_mm_movemask_epi8(lanesA) | (unsigned)_mm_movemask_epi8(lanesB) << 16;
                plain = (size_t)__builtin_ctz(marks);
                goto escape;
            }
            i += 32;
            out += 32;
        }
        while (count - i >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
            _mm_storeu_si128((__m128i *)out, v);
            unsigned marks = escape_marks(v);
            if (marks != 0) {
                plain = (size_t)__builtin_ctz(marks);
                goto escape;
            }
            i += 16;
            out += 16;
        }
        {
            size_t left = count - i;
            if (left == 0) break;
            unsigned marks;
            if (readable - i >= 16) {
                // The string goes on inside a longer text: one load, only its own bytes count.
                __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
                _mm_storeu_si128((__m128i *)out, v);
                marks = escape_marks(v) & ((1u << left) - 1);
            } else if (count >= 16 && count - 16 >= run) {
                // The last sixteen bytes of the string, the first of them already
                // copied in this run: stored again where they were.
                size_t back = 16 - left;
                __m128i v = _mm_loadu_si128((const __m128i *)(src + count - 16));
                _mm_storeu_si128((__m128i *)(out - back), v);
                marks = escape_marks(v) >> back;
            } else if (left >= 8) {
                // Two words that overlap: bytes 0-7 and left-8 to left-1.
                uint64_t low = load64(src + i), high = load64(src + count - 8);
                store64(out, low);
                store64(out + left - 8, high);
                unsigned both = escape_marks(_mm_set_epi64x((long long)high, (long long)low));
                unsigned first = both & 0xFF, second = both >> 8;
                marks = first | (second << (left - 8));
            } else if (left >= 4) {
                uint32_t low = load32(src + i), high = load32(src + count - 4);
                store32(out, low);
                store32(out + left - 4, high);
                unsigned both = escape_marks(_mm_cvtsi64_si128((long long)((uint64_t)high << 32 | low)));
                unsigned first = both & 0xF, second = (both >> 4) & 0xF;
                marks = first | (second << (left - 4));
            } else {
                marks = 0;
                for (size_t k = 0; k < left; k++) {
                    out[k] = src[i + k];
                    if (needs_escape(src[i + k])) marks |= 1u << k;
                }
            }
            if (marks == 0) {
                out += left;
                i = count;
                break;
            }
            plain = (size_t)__builtin_ctz(marks);
        }
    escape:
        i += plain;
        out += plain;
        if (!room_for_escape(out, limit, count - i)) break;
        out += write_escape(src[i], out);
        i += 1;
        run = i;
    }
    entex_json_escaped result = { i, out };
    return result;
}

#else

entex_json_escaped entex_json_escape(uint8_t *out, const uint8_t *limit,
                                     const uint8_t *src, size_t count, size_t readable) {
    return entex_json_escape_scalar(out, limit, src, count, readable);
}

#endif

// MARK: - The quick scan of the sentence splitter

/// The length of the character at `i` that the scan passes, 0 for one that
/// stops it (as `SimpleSentenceBreaks.passableLength` says for non-ASCII;
/// tab, VT and FF among the ASCII bytes a vector marks).
static inline size_t sentence_passable(const uint8_t *p, size_t n, size_t i) {
    uint8_t b = p[i];
    if (b == 0x09 || b == 0x0B || b == 0x0C) return 1;
    if (b == 0xC3) {
        if (i + 1 >= n) return 0;
        uint8_t d = p[i + 1];
        return (d & 0xC0) == 0x80 && d != 0x97 && d != 0xB7 ? 2 : 0;
    }
    if (b != 0xE2 || i + 2 >= n || p[i + 1] != 0x80) return 0;
    switch (p[i + 2]) {
    case 0x93: case 0x94: case 0x98: case 0x99: case 0x9C: case 0x9D: case 0xA2: case 0xA6: return 3;
    default: return 0;
    }
}

/// Whether the scan looks closer at byte `b`: non-ASCII, a control, `.`, `!`, `?` or DEL.
static inline int sentence_marked(uint8_t b) {
    return b >= 0x80 || b < 0x20 || b == '.' || b == '!' || b == '?' || b == 0x7F;
}

size_t entex_sentence_scan_scalar(const uint8_t *p, size_t n, size_t i) {
    while (i < n) {
        if (!sentence_marked(p[i])) { i++; continue; }
        size_t length = sentence_passable(p, n, i);
        if (length == 0) return i;
        i += length;
    }
    return n;
}

#if defined(__SSE2__)

size_t entex_sentence_scan(const uint8_t *p, size_t n, size_t i) {
    const __m128i space = _mm_set1_epi8(0x20), dot = _mm_set1_epi8('.'), bang = _mm_set1_epi8('!');
    const __m128i question = _mm_set1_epi8('?'), del = _mm_set1_epi8(0x7F);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        // Signed, bytes from 0x80 on are negative: below 0x20 marks them and the controls.
        __m128i marked = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, dot)),
                                      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, bang), _mm_cmpeq_epi8(v, question)),
                                                   _mm_cmpeq_epi8(v, del)));
        unsigned marks = (unsigned)_mm_movemask_epi8(marked);
        if (marks == 0) { i += 16; continue; }
        size_t j = i + (size_t)__builtin_ctz(marks);
        size_t length = sentence_passable(p, n, j);
        if (length == 0) return j;
        i = j + length;
    }
    if (i >= n || n < 16) return entex_sentence_scan_scalar(p, n, i);
    // Fewer than sixteen bytes left: the text's last sixteen in one load, the
    // marks of the bytes before `i` shifted out (bit k: byte i + k).
    const uint8_t *last = p + n - 16;
    __m128i v = _mm_loadu_si128((const __m128i *)last);
    __m128i marked = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, dot)),
                                  _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, bang), _mm_cmpeq_epi8(v, question)),
                                               _mm_cmpeq_epi8(v, del)));
    unsigned all = (unsigned)_mm_movemask_epi8(marked);
    while (i < n) {
        unsigned marks = all >> (i - (n - 16));
        if (marks == 0) return n;
        size_t j = i + (size_t)__builtin_ctz(marks);
        size_t length = sentence_passable(p, n, j);
        if (length == 0) return j;
        i = j + length;
    }
    return n;
}

#else

size_t entex_sentence_scan(const uint8_t *p, size_t n, size_t i) {
    return entex_sentence_scan_scalar(p, n, i);
}

#endif
