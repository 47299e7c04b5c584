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

/// An entity's canonical name or id (`TextRef` at `ref`: start, end; start
/// UINT32_MAX for none) as `JSONWriter.writeName` writes it.
static inline __attribute__((always_inline)) uint8_t *write_name(uint8_t *p, const uint8_t *limit, const uint8_t *ref,
                                                                 const entex_json_entity_input *in) {
    uint32_t start, end;
    __builtin_memcpy(&start, ref, 4);
    __builtin_memcpy(&end, ref + 4, 4);
    if (start == UINT32_MAX) return PUT(p, "null");
    return write_string(p, limit, in->names == NULL ? NULL : in->names + start, end - start, in->names_count - start);
}

entex_json_entities_written entex_json_entities(uint8_t *out, const uint8_t *limit, const uint8_t *entities, size_t first,
                                                size_t count, const entex_json_entity_input *in, entex_offset_table *map) {
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
        size_t textCount = (size_t)(uint32_t)(end - start);
        size_t entry = (size_t)e[ENTEX_ENTITY_TYPE] * in->source_count + e[ENTEX_ENTITY_SOURCE];
        size_t entryStart = (size_t)in->type_source_starts[entry];
        size_t entryCount = (size_t)in->type_source_starts[entry + 1] - entryStart;
        size_t valueCount = value[0] == UINT32_MAX ? 4 : (size_t)(value[1] - value[0]);
        size_t canonicalCount = canonical[0] == UINT32_MAX ? 0 : (size_t)(canonical[1] - canonical[0]);
        size_t kbCount = kb[0] == UINT32_MAX ? 0 : (size_t)(kb[1] - kb[0]);
        // Every piece at its longest (an escape is at most six bytes a byte),
        // the string loops' sixteen bytes of slack, and the table entry's 64-byte copy.
        size_t need = ENTEX_JSON_ENTITY_ROOM + 6 * (textCount + canonicalCount + kbCount) + entryCount + valueCount;
        if ((size_t)(limit - p) < need) {
            entex_json_entities_written stopped = {k, p, need};
            return stopped;
        }
        if (k > 0) *p++ = ',';
        p = PUT(p, "{\"id\":\"e");
        p = write_int(p, (int32_t)(k + 1));
        p = PUT(p, "\",\"start\":");
        p = write_int(p, entex_offset_convert(map, start));
        p = PUT(p, ",\"end\":");
        p = write_int(p, entex_offset_convert(map, end));
        p = PUT(p, ",\"text\":");
        if (in->plain_text && in->text != NULL) {
            *p = '"';
            entex_copy_short(p + 1, in->text + start, textCount);
            p += textCount + 1;
            *p++ = '"';
        } else {
            p = write_string(p, limit, in->text == NULL ? NULL : in->text + start, textCount,
                             in->text_count - (size_t)start);
        }
        if (entryCount <= 64) {
            entex_copy64(p, in->type_source + entryStart);
        } else {
            __builtin_memcpy(p, in->type_source + entryStart, entryCount);
        }
        p += entryCount;
        p = write_name(p, limit, e + ENTEX_ENTITY_CANONICAL, in);
        p = PUT(p, ",\"kb\":");
        p = write_name(p, limit, e + ENTEX_ENTITY_KB, in);
        p = PUT(p, ",\"value\":");
        if (value[0] == UINT32_MAX) {
            p = PUT(p, "null");
        } else {
            entex_copy_short(p, in->names + value[0], valueCount);
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
