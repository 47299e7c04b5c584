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

// MARK: - The offset table's window and the entities of a document

int32_t entex_offset_deficit(entex_offset_table *t, int32_t target) {
    const int32_t *events = t->events;
    intptr_t k = t->position, count = t->count;
    if (k > 0 && events[2 * (k - 1)] >= target) {
        // Backward (a new layer): a binary search over the events before.
        intptr_t low = 0;
        while (low < k) {
            intptr_t mid = (low + k) >> 1;
            if (events[2 * mid] < target) low = mid + 1; else k = mid;
        }
    } else {
        while (k < count && events[2 * k] < target) k++;
    }
    t->position = k;
    // Events `..<k` are before `target`, those from `k` at or after it.
    int32_t start = k > 0 ? (int32_t)((uint32_t)events[2 * (k - 1)] + 1u) : 0;
    int32_t end = k < count ? events[2 * k] : INT32_MAX;
    t->window_start = start;
    t->window_width = (uint32_t)end - (uint32_t)start;
    t->window_deficit = k > 0 ? events[2 * (k - 1) + 1] : 0;
    return t->window_deficit;
}

/// The decimal digits of 0 to 99, two per number, as `JSONBuffer.writeInt` reads them.
static const char entex_digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/// `JSONBuffer.writeInt`: `value` in decimal at `p` (at most 11 bytes); returns the end.
static inline __attribute__((always_inline)) uint8_t *write_int(uint8_t *p, int32_t value) {
    if ((uint32_t)value < 10) {
        *p = (uint8_t)('0' + value);
        return p + 1;
    }
    uint32_t v = (uint32_t)value;
    if (value < 0) {
        *p++ = '-';
        v = 0u - v;
    }
    int digits = v < 100 ? (v < 10 ? 1 : 2)
        : v < 10000 ? (v < 1000 ? 3 : 4)
        : v < 1000000 ? (v < 100000 ? 5 : 6)
        : v < 100000000 ? (v < 10000000 ? 7 : 8)
        : v < 1000000000 ? 9 : 10;
    uint8_t *end = p + digits, *q = end;
    while (v >= 100) {
        uint32_t pair = (v % 100) * 2;
        v /= 100;
        q -= 2;
        __builtin_memcpy(q, entex_digit_pairs + pair, 2);
    }
    if (v >= 10) {
        q -= 2;
        __builtin_memcpy(q, entex_digit_pairs + v * 2, 2);
    } else {
        q[-1] = (uint8_t)('0' + v);
    }
    return end;
}

/// Copies the literal `s` (its length known where this is inlined) to `p`; returns the end.
#define PUT(p, s) (__builtin_memcpy((p), (s), sizeof(s) - 1), (p) + (sizeof(s) - 1))

/// `JSONBuffer.escapedString`: `"`, the `n` bytes at `src` (`readable` of
/// them readable) escaped, `"`, with room for 6 `n` + 18 bytes at `p`.
static inline __attribute__((always_inline)) uint8_t *write_string(uint8_t *p, const uint8_t *limit, const uint8_t *src,
                                                                   size_t n, size_t readable) {
    if (src != NULL && n <= 16 && readable >= 16) {
        uint8_t *end = entex_json_short_plain(p, src, n);
        if (end != NULL) return end;
    }
    *p++ = '"';
    if (src != NULL && n > 0) p = entex_json_escape(p, limit, src, n, readable).end;
    *p = '"';
    return p + 1;
}

/// The window of an offset table in registers: the loops below keep it in
/// locals, as every byte they store might otherwise be the table's (a
/// `uint8_t` store may alias anything) and each conversion would read the
/// table again.
typedef struct {
    int32_t start;
    uint32_t width;
    int32_t deficit;
} window;

static inline __attribute__((always_inline)) window window_of(const entex_offset_table *t) {
    window w = {t->window_start, t->window_width, t->window_deficit};
    return w;
}

/// `entex_offset_convert` with the window in `w`, written back to `t` for
/// (and read again after) the call that moves it.
static inline __attribute__((always_inline)) int32_t convert(entex_offset_table *t, window *w, int32_t target) {
    if ((uint32_t)target - (uint32_t)w->start <= w->width) return (int32_t)((uint32_t)target - (uint32_t)w->deficit);
    int32_t deficit = entex_offset_deficit(t, target);
    *w = window_of(t);
    return (int32_t)((uint32_t)target - (uint32_t)deficit);
}

/// An entity's canonical name or id (`start`, `end`; start UINT32_MAX for
/// none) as `JSONWriter.writeName` writes it.
static inline __attribute__((always_inline)) uint8_t *write_name(uint8_t *p, const uint8_t *limit, uint32_t start, uint32_t end,
                                                                 const uint8_t *names, size_t names_count) {
    if (start == UINT32_MAX) return PUT(p, "null");
    return write_string(p, limit, names == NULL ? NULL : names + start, end - start, names_count - start);
}

/// Copies the 64 bytes at `src` to `dst` in four vector moves (the compiler
/// made one call to `memcpy` of the two sizes `entex_json_entities` copies).
static inline __attribute__((always_inline)) void copy64(uint8_t *dst, const uint8_t *src) {
#if defined(__SSE2__)
    __m128i a = _mm_loadu_si128((const __m128i *)src), b = _mm_loadu_si128((const __m128i *)(src + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(src + 32)), d = _mm_loadu_si128((const __m128i *)(src + 48));
    _mm_storeu_si128((__m128i *)dst, a);
    _mm_storeu_si128((__m128i *)(dst + 16), b);
    _mm_storeu_si128((__m128i *)(dst + 32), c);
    _mm_storeu_si128((__m128i *)(dst + 48), d);
#else
    entex_copy64(dst, src);
#endif
}

entex_json_entities_written entex_json_entities(uint8_t *out, const uint8_t *limit, const uint8_t *entities, size_t first,
                                                size_t count, const entex_json_entity_input *in, entex_offset_table *map) {
    // Everything read more than once, in locals (see `window`).
    const uint8_t *text = in->text, *names = in->names, *typeSource = in->type_source;
    const intptr_t *starts = in->type_source_starts;
    const size_t textCount = in->text_count, namesCount = in->names_count, sourceCount = in->source_count;
    const int plainText = in->plain_text && text != NULL;
    window w = window_of(map);
    uint8_t *p = out;
    size_t k = first;
    for (; k < count; k++) {
        const uint8_t *e = entities + k * ENTEX_ENTITY_STRIDE;
        int32_t start, end;
        uint32_t canonical[2], kb[2], value[2];
        __builtin_memcpy(&start, e + ENTEX_ENTITY_SPAN, 4);
        __builtin_memcpy(&end, e + ENTEX_ENTITY_SPAN + 4, 4);
        __builtin_memcpy(canonical, e + ENTEX_ENTITY_CANONICAL, 8);
        __builtin_memcpy(kb, e + ENTEX_ENTITY_KB, 8);
        __builtin_memcpy(value, e + ENTEX_ENTITY_VALUE, 8);
        size_t textCount1 = (size_t)(uint32_t)(end - start);
        // An absent name or value has start == end (both UINT32_MAX): no bytes.
        size_t valueCount = (size_t)(value[1] - value[0]);
        // Every piece at its longest (an escape is at most six bytes a byte),
        // the string loops' sixteen bytes of slack, and the table entry's 64-byte copy.
        size_t need = ENTEX_JSON_ENTITY_ROOM + 6 * (textCount1 + (size_t)(canonical[1] - canonical[0]) + (size_t)(kb[1] - kb[0]))
                      + valueCount + 64;
        if ((size_t)(limit - p) < need) {
            entex_json_entities_written stopped = {k, p, need};
            return stopped;
        }
        if (k > 0) *p++ = ',';
        p = PUT(p, "{\"id\":\"e");
        p = write_int(p, (int32_t)(k + 1));
        p = PUT(p, "\",\"start\":");
        p = write_int(p, convert(map, &w, start));
        p = PUT(p, ",\"end\":");
        p = write_int(p, convert(map, &w, end));
        p = PUT(p, ",\"text\":");
        if (plainText) {
            *p = '"';
            entex_copy_short(p + 1, text + start, textCount1);
            p += textCount1 + 1;
            *p++ = '"';
        } else {
            p = write_string(p, limit, text == NULL ? NULL : text + start, textCount1, textCount - (size_t)start);
        }
        size_t entry = (size_t)e[ENTEX_ENTITY_TYPE] * sourceCount + e[ENTEX_ENTITY_SOURCE];
        size_t entryStart = (size_t)starts[entry], entryCount = (size_t)starts[entry + 1] - entryStart;
        if (__builtin_expect(entryCount <= 64, 1)) {
            copy64(p, typeSource + entryStart);
        } else {
            __builtin_memcpy(p, typeSource + entryStart, entryCount);
        }
        p += entryCount;
        p = write_name(p, limit, canonical[0], canonical[1], names, namesCount);
        p = PUT(p, ",\"kb\":");
        p = write_name(p, limit, kb[0], kb[1], names, namesCount);
        p = PUT(p, ",\"value\":");
        if (value[0] == UINT32_MAX) {
            p = PUT(p, "null");
        } else {
            entex_copy_short(p, names + value[0], valueCount);
            p += valueCount;
        }
        p = PUT(p, ",\"cluster\":");
        if (e[ENTEX_ENTITY_CLUSTER_NONE] == 0) {
            int32_t cluster;
            __builtin_memcpy(&cluster, e + ENTEX_ENTITY_CLUSTER, 4);
            p = PUT(p, "\"c");
            p = write_int(p, cluster);
            p = PUT(p, "\"}");
        } else {
            p = PUT(p, "null}");
        }
    }
    entex_json_entities_written done = {k, p, 0};
    return done;
}

uint8_t *entex_json_sentences(uint8_t *out, const int32_t *spans, size_t count, entex_offset_table *map) {
    window w = window_of(map);
    uint8_t *p = out;
    for (size_t n = 0; n < count; n++) {
        int32_t start = spans[2 * n], end = spans[2 * n + 1];
        if (n > 0) *p++ = ',';
        p = PUT(p, "{\"start\":");
        p = write_int(p, convert(map, &w, start));
        p = PUT(p, ",\"end\":");
        p = write_int(p, convert(map, &w, end));
        *p++ = '}';
    }
    return p;
}
