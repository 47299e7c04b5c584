// CSupport: small compiler built-ins and vector loops that Swift does not
// expose (or does not compile to vector code inside the whole-module
// optimized Entex target).
#ifndef ENTEX_CSUPPORT_H
#define ENTEX_CSUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Asks the processor to bring the cache line holding `address` into the cache
/// for a read, without waiting for it: a hint (it never faults, whatever the
/// address), used a few items ahead of a load that would otherwise miss.
static inline __attribute__((always_inline)) void entex_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Where `entex_json_escape` stopped: the source bytes it has written and
/// the end of what it wrote.
typedef struct {
    size_t consumed;
    uint8_t *end;
} entex_json_escaped;

/// Writes the body of a JSON string literal for the `count` bytes at `src`
/// (no quotes) at `out`: '"', '\\' and bytes below 0x20 escaped exactly as
/// `JSONBuffer.stringBytewise` does (\" \\ \n \r \t \b \f, else \u00xx in
/// lower-case hex), every other byte copied as it is (so invalid UTF-8,
/// U+2028 and U+2029 pass unchanged).
///
/// The caller guarantees `limit - out >= count + 16`: plain runs are stored
/// sixteen bytes at a time, and the stores may write up to sixteen bytes past
/// the end of what is kept (never past `limit`). When an escape would leave
/// less room than that for the rest, the function stops before it and says
/// how far it got; the caller makes room and calls again with the rest.
///
/// `readable` (at least `count`) is how many bytes from `src` may be read: a
/// slice of a longer text may have its last bytes tested in one vector load
/// from inside the text. No byte at or past `src + readable` is ever read.
entex_json_escaped entex_json_escape(uint8_t *out, const uint8_t *limit,
                                     const uint8_t *src, size_t count, size_t readable);

/// The same as `entex_json_escape`, a byte at a time: the loop used where
/// SSE2 is missing, always compiled so that the tests can compare the two.
entex_json_escaped entex_json_escape_scalar(uint8_t *out, const uint8_t *limit,
                                            const uint8_t *src, size_t count, size_t readable);

/// Where the quick scan of `SimpleSentenceBreaks.find` stops: the first
/// position at or after `i` (of the `n` bytes at `p`, valid UTF-8) of an
/// ASCII byte whose sentence break class ends the scan (`.`, `!`, `?`, CR,
/// LF, a control other than tab, VT and FF, DEL), or of a non-ASCII
/// character other than those `SimpleSentenceBreaks.passableLength` lets
/// through (Latin-1 letters but × ÷, ‘ ’ “ ” – — • …); `n` when there is
/// none. Sixteen bytes at a time with SSE2, each stop candidate checked.
size_t entex_sentence_scan(const uint8_t *p, size_t n, size_t i);

/// The same as `entex_sentence_scan`, a byte at a time: the loop used where
/// SSE2 is missing, always compiled so that the tests can compare the two.
size_t entex_sentence_scan_scalar(const uint8_t *p, size_t n, size_t i);

// MARK: - Fixed-size copies and short strings of the JSON writer

/// Copies 64 bytes from `src` to `dst` (neither aligned): inlined where it is
/// called as four vector moves. Swift's `copyMemory(from:byteCount:)` with a
/// constant 64 became a call to the standard library, then to `memcpy`.
static inline __attribute__((always_inline)) void entex_copy64(void *dst, const void *src) {
    __builtin_memcpy(dst, src, 64);
}

/// Bit 7 of each byte of `x` at or above the lowest byte that JSON escapes
/// ('"', '\\', below 0x20) is set only if some byte at or below it needs an
/// escape, and the lowest such byte always has it: (v - 1) & ~v marks a zero
/// byte, and its borrow can mark only the bytes above it.
static inline __attribute__((always_inline)) uint64_t entex_json_escape_marks64(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * 0x22), backslash = x ^ (ones * 0x5C);
    return ((x - ones * 0x20) & ~x | (quote - ones) & ~quote | (backslash - ones) & ~backslash) & high;
}

/// Writes `"`, the `n` bytes at `src` and `"` at `out` when `n` is at most 16
/// and none of the bytes needs an escape, and returns the end of what it
/// wrote; returns NULL (and writes nothing that counts) otherwise. Sixteen
/// bytes from `src` must be readable (the string lies inside a longer text)
/// and eighteen writable at `out`: the two words are tested (only their
/// first `n` bytes count) and stored whole. Inlined where it is called, so a
/// short entity text or name costs neither the call nor the set-up of
/// `entex_json_escape`, which gives the same bytes (the tests compare them).
static inline __attribute__((always_inline)) uint8_t *entex_json_short_plain(uint8_t *out, const uint8_t *src, size_t n) {
    if (n > 16) return NULL;
    uint64_t low, high;
    __builtin_memcpy(&low, src, 8);
    __builtin_memcpy(&high, src + 8, 8);
    uint64_t lowMask = n >= 8 ? ~0ull : (1ull << (n * 8)) - 1;
    uint64_t highMask = n >= 16 ? ~0ull : n <= 8 ? 0 : (1ull << ((n - 8) * 8)) - 1;
    if (((entex_json_escape_marks64(low) & lowMask) | (entex_json_escape_marks64(high) & highMask)) != 0) return NULL;
    out[0] = '"';
    __builtin_memcpy(out + 1, &low, 8);
    __builtin_memcpy(out + 9, &high, 8);
    out[n + 1] = '"';
    return out + n + 2;
}

/// `entex_json_short_plain` for `n` (at most 32) bytes of which no more can
/// be read: a string of its own (a document's id, a short code) rather than a
/// slice of a longer text. The bytes are read with loads that stay inside
/// them, overlapping where `n` is not a whole number of loads (the shared
/// bytes agree): from 8 bytes on, the first and last words (and from 17 on
/// the second and the last but one too), each all real bytes, so each is
/// tested whole and stored at its own place; below 8, two 4-byte loads or
/// the bytes one by one. Writes `"`, the bytes and `"` (`n + 2` bytes at
/// `out`) and returns the end; returns NULL, having written nothing that
/// counts, when `n` is over 32 or a byte needs an escape.
static inline __attribute__((always_inline)) uint8_t *entex_json_short_exact(uint8_t *out, const uint8_t *src, size_t n) {
    if (n > 32) return NULL;
    if (n >= 8) {
        uint64_t first, last;
        __builtin_memcpy(&first, src, 8);
        __builtin_memcpy(&last, src + n - 8, 8);
        if (n > 16) {
            uint64_t second, before;
            __builtin_memcpy(&second, src + 8, 8);
            __builtin_memcpy(&before, src + n - 16, 8);
            if ((entex_json_escape_marks64(first) | entex_json_escape_marks64(second)
                 | entex_json_escape_marks64(before) | entex_json_escape_marks64(last)) != 0) return NULL;
            __builtin_memcpy(out + 1, &first, 8);
            __builtin_memcpy(out + 9, &second, 8);
            __builtin_memcpy(out + 1 + n - 16, &before, 8);
        } else {
            if ((entex_json_escape_marks64(first) | entex_json_escape_marks64(last)) != 0) return NULL;
            __builtin_memcpy(out + 1, &first, 8);
        }
        __builtin_memcpy(out + 1 + n - 8, &last, 8);
    } else if (n >= 4) {
        uint32_t first, last;
        __builtin_memcpy(&first, src, 4);
        __builtin_memcpy(&last, src + n - 4, 4);
        // Marks of the low four bytes only count on their own bytes (see entex_json_escape_marks64).
        if (((entex_json_escape_marks64(first) | entex_json_escape_marks64(last)) & 0x80808080ull) != 0) return NULL;
        __builtin_memcpy(out + 1, &first, 4);
        __builtin_memcpy(out + 1 + n - 4, &last, 4);
    } else if (n > 0) {
        uint8_t a = src[0], b = src[n >> 1], c = src[n - 1];
        uint64_t word = (uint64_t)a | (uint64_t)b << 8 | (uint64_t)c << 16;
        if ((entex_json_escape_marks64(word) & 0x808080ull) != 0) return NULL;
        out[1] = a;
        out[1 + (n >> 1)] = b;
        out[n] = c;
    }
    out[0] = '"';
    out[n + 1] = '"';
    return out + n + 2;
}

// out
/// The position of the first byte from 0x80 on among the `n` bytes at `p`
/// (`n` when there is none): 64 bytes at a time with SSE2. The JSON writer's
/// offset table has no event before it (`OffsetTable.findEvents`).
size_t entex_first_high_byte(const uint8_t *p, size_t n);

/// The same as `entex_first_high_byte`, a byte at a time, for the tests.
size_t entex_first_high_byte_scalar(const uint8_t *p, size_t n);

/// The offset table's events (`OffsetEvent`: byte offset, then deficit, two
/// `int32_t` each) of the `n` bytes at `p` from `i` on, where no byte before
/// `i` makes one: each continuation byte (0x80-0xBF) adds one to the
/// deficit, and with `utf16` each byte from 0xF0 on takes one away; every
/// such byte is written with the deficit after it. `events` has room for
/// `n - i` events. Returns how many were written. With SSE2, 64 bytes at a
/// time (the marks of four loads in one word) and the last ones sixteen at a
/// time; no byte outside the `n` is read.
size_t entex_offset_events(const uint8_t *p, size_t n, size_t i, int utf16, int32_t *events);

/// The same as `entex_offset_events`, a byte at a time, for the tests.
size_t entex_offset_events_scalar(const uint8_t *p, size_t n, size_t i, int utf16, int32_t *events);

/// Copies the `n` bytes at `src` to `dst` (no byte outside either is touched):
/// up to 32 with two loads and two stores that overlap where `n` is not a
/// whole number of them (the shared bytes agree), more by `memcpy`. Inlined
/// where the JSON writer copies an entity's value (a few bytes of JSON text),
/// which was a call to `memcpy`.
static inline __attribute__((always_inline)) void entex_copy_short(uint8_t *dst, const uint8_t *src, size_t n) {
    if (n >= 8) {
        if (n > 32) { __builtin_memcpy(dst, src, n); return; }
        if (n >= 16) {
            uint64_t a[2], b[2];
            __builtin_memcpy(a, src, 16);
            __builtin_memcpy(b, src + n - 16, 16);
            __builtin_memcpy(dst, a, 16);
            __builtin_memcpy(dst + n - 16, b, 16);
            return;
        }
        uint64_t first, last;
        __builtin_memcpy(&first, src, 8);
        __builtin_memcpy(&last, src + n - 8, 8);
        __builtin_memcpy(dst, &first, 8);
        __builtin_memcpy(dst + n - 8, &last, 8);
    } else if (n >= 4) {
        uint32_t first, last;
        __builtin_memcpy(&first, src, 4);
        __builtin_memcpy(&last, src + n - 4, 4);
        __builtin_memcpy(dst, &first, 4);
        __builtin_memcpy(dst + n - 4, &last, 4);
    } else if (n > 0) {
        uint8_t a = src[0], b = src[n >> 1], c = src[n - 1];
        dst[0] = a;
        dst[n >> 1] = b;
        dst[n - 1] = c;
    }
}

/// Writes `"`, the `n` bytes at `src` (copied as `entex_copy_short` copies
/// them: no byte outside them is read) and `"` at `out`, and returns the end
/// (`out + n + 2`): bytes known to need no escape, such as an entity's text
/// in a text that needed none or a `ShortID`. Inlined: the two quotes,
/// written in Swift with `initialize(to:)`, became two calls an entity.
static inline __attribute__((always_inline)) uint8_t *entex_quoted_copy(uint8_t *out, const uint8_t *src, size_t n) {
    out[0] = '"';
    entex_copy_short(out + 1, src, n);
    out[n + 1] = '"';
    return out + n + 2;
}

// MARK: - The JSON Lines reader's string scan

#if defined(__SSE2__)
#include <emmintrin.h>

/// Bit k set for byte k of `v` that ends a plain run of a JSON string: a
/// control character or a byte from 0x80 on (both below 0x20 as signed
/// bytes, one compare), '"' or '\\'.
static inline __attribute__((always_inline)) unsigned entex_json_run_stops(__m128i v) {
    __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash)));
}
#endif

/// `entex_json_plain_run` a byte at a time: the loop used where SSE2 is
/// missing, and the reference the tests compare the vector loop with.
static inline __attribute__((always_inline)) size_t entex_json_plain_run_scalar(const uint8_t *p, size_t i, size_t n) {
    for (; i < n; i++) {
        uint8_t b = p[i];
        if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') return i;
    }
    return n;
}

/// The first position at or after `i` (at most `n`) of the `n` bytes at `p`
/// that holds '"', '\\', a control character or a byte from 0x80 on: where a
/// plain run of a JSON string ends; `n` when there is none. Sixteen bytes at
/// a time with SSE2, and the last few in the sixteen that end the `n` bytes
/// (when there are sixteen); no byte outside them is read. Inlined where the
/// JSON Lines reader decodes a record's text (`JSONParser.plainRun`): the
/// Swift loop tested two words with integer arithmetic, about three times the
/// instructions, and the bytes after the last sixteen one at a time.
static inline __attribute__((always_inline)) size_t entex_json_plain_run(const uint8_t *p, size_t i, size_t n) {
#if defined(__SSE2__)
    while (n - i >= 16) {
        unsigned stops = entex_json_run_stops(_mm_loadu_si128((const __m128i *)(p + i)));
        if (stops != 0) return i + (size_t)__builtin_ctz(stops);
        i += 16;
    }
    if (i == n) return n;
    if (n >= 16) {
        // Bytes before `i` in these sixteen were passed already: their bits are shifted out.
        unsigned stops = entex_json_run_stops(_mm_loadu_si128((const __m128i *)(p + n - 16))) >> (16 - (n - i));
        return stops != 0 ? i + (size_t)__builtin_ctz(stops) : n;
    }
#endif
    return entex_json_plain_run_scalar(p, i, n);
}

// MARK: - The tokenizer's scans

/// The classes of the sixteen bytes at the start of a word, for the
/// tokenizer's plain-word path (`Tokenizer.emitPlainWords`): bit k of
/// `upper`, `lower` and `digit` is set when byte k is an ASCII capital,
/// small letter or digit; `key0` and `key1` are the sixteen bytes as
/// little-endian words with the ASCII capitals lowercased (every other
/// byte as it is); bit k of `tripled` (k < 14) is set when lowercased byte
/// k equals bytes k + 1 and k + 2.
typedef struct {
    uint64_t key0, key1;
    uint32_t upper, lower, digit, tripled;
} entex_word16;

/// `entex_word16` of the bytes at `p`, of which `readable` may be read,
/// and `before` bytes below `p`: with fewer than sixteen readable, those
/// that may not are taken as zero bytes (none is read). One vector load and
/// a few compares with SSE2 (for a short tail with sixteen bytes readable
/// up to its end, moved down through a buffer, rather than copied).
static inline __attribute__((always_inline)) entex_word16 entex_classify_word16(const uint8_t *p, size_t readable,
                                                                                size_t before);

/// The same as `entex_classify_word16`, a byte at a time: the code used
/// where SSE2 is missing, always compiled so that the tests can compare.
static inline entex_word16 entex_classify_word16_scalar(const uint8_t *p, size_t readable, size_t before) {
    (void)before;
    uint8_t b[18] = {0};
    __builtin_memcpy(b, p, readable < 16 ? readable : 16);
    entex_word16 w = {0, 0, 0, 0, 0, 0};
    for (int k = 0; k < 16; k++) {
        uint8_t c = b[k];
        if (c >= 'A' && c <= 'Z') { w.upper |= 1u << k; b[k] = c | 0x20; }
        else if (c >= 'a' && c <= 'z') w.lower |= 1u << k;
        else if (c >= '0' && c <= '9') w.digit |= 1u << k;
    }
    for (int k = 0; k < 16; k++) {
        if (k < 14 && b[k] == b[k + 1] && b[k] == b[k + 2]) w.tripled |= 1u << k;
        if (k < 8) w.key0 |= (uint64_t)b[k] << (8 * k); else w.key1 |= (uint64_t)b[k] << (8 * (k - 8));
    }
    return w;
}

#if defined(__SSE2__)
static inline __attribute__((always_inline)) entex_word16 entex_classify_word16(const uint8_t *p, size_t readable,
                                                                                size_t before) {
    __m128i x;
    if (__builtin_expect(readable >= 16, 1)) {
        x = _mm_loadu_si128((const __m128i *)p);
    } else if (before + readable >= 16) {
        // The 16 bytes ending where the readable ones end, stored below 16 zero bytes: the 16
        // from the first readable one are those bytes, then zeros.
        uint8_t b[32] __attribute__((aligned(16)));
        _mm_store_si128((__m128i *)b, _mm_loadu_si128((const __m128i *)(p + readable - 16)));
        _mm_store_si128((__m128i *)(b + 16), _mm_setzero_si128());
        x = _mm_loadu_si128((const __m128i *)(b + 16 - readable));
    } else {
        uint8_t b[16] = {0};
        __builtin_memcpy(b, p, readable);
        x = _mm_loadu_si128((const __m128i *)b);
    }
    // A byte's class by one signed compare: adding 0x80 - first moves the
    // class's range to the bottom of the signed bytes, -128 up.
    __m128i upper = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x80 - 'A')), _mm_set1_epi8(-128 + 26));
    __m128i lower = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x80 - 'a')), _mm_set1_epi8(-128 + 26));
    __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x80 - '0')), _mm_set1_epi8(-128 + 10));
    __m128i key = _mm_or_si128(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    // Bytes 14 and 15 are compared with the zero bytes shifted in: their bits are cleared.
    __m128i runs = _mm_and_si128(_mm_cmpeq_epi8(key, _mm_srli_si128(key, 1)), _mm_cmpeq_epi8(key, _mm_srli_si128(key, 2)));
    entex_word16 w;
    w.key0 = (uint64_t)_mm_cvtsi128_si64(key);
    w.key1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(key, key));
    w.upper = (uint32_t)_mm_movemask_epi8(upper);
    w.lower = (uint32_t)_mm_movemask_epi8(lower);
    w.digit = (uint32_t)_mm_movemask_epi8(digit);
    w.tripled = (uint32_t)_mm_movemask_epi8(runs) & 0x3FFF;
    return w;
}
#else
static inline __attribute__((always_inline)) entex_word16 entex_classify_word16(const uint8_t *p, size_t readable,
                                                                                size_t before) {
    return entex_classify_word16_scalar(p, readable, before);
}
#endif

/// The first position at or after `i` (of the `n` bytes at `p`) of a byte
/// that may start or continue a special token of the tokenizer
/// (`ByteClass.nextSigilOrAddressByte`): `# $ % + - . : @ _`, and with
/// `or_space` ASCII white space too (tab to carriage return, space); `n`
/// when there is none. Sixteen bytes at a time with SSE2 (the last ones of
/// a text of 16 bytes or more from its last 16, else through a zero-padded
/// copy: a zero byte is none of them); inlined where it is called.
static inline __attribute__((always_inline)) size_t entex_next_sigil_or_address_byte(const uint8_t *p, size_t n, size_t i,
                                                                                    int or_space) {
#if defined(__SSE2__)
    while (i < n) {
        __m128i x;
        // Bytes below `i` in `x` (the last load of a text of 16 bytes or more), whose bits are shifted out.
        unsigned below = 0;
        if (__builtin_expect(n - i >= 16, 1)) {
            x = _mm_loadu_si128((const __m128i *)(p + i));
        } else if (n >= 16) {
            below = (unsigned)(16 - (n - i));
            x = _mm_loadu_si128((const __m128i *)(p + n - 16));
        } else {
            uint8_t b[16] = {0};
            __builtin_memcpy(b, p + i, n - i);
            x = _mm_loadu_si128((const __m128i *)b);
        }
        // # $ % and - . as ranges (a signed compare after moving the range to -128 up), + : @ _ one by one.
        __m128i found = _mm_or_si128(
            _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 0x23))), _mm_set1_epi8(-128 + 3)),
            _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 0x2D))), _mm_set1_epi8(-128 + 2)));
        found = _mm_or_si128(found, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x2B)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x3A))));
        found = _mm_or_si128(found, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x40)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x5F))));
        if (or_space) {
            found = _mm_or_si128(found, _mm_or_si128(
                _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 0x09))), _mm_set1_epi8(-128 + 5)),
                _mm_cmpeq_epi8(x, _mm_set1_epi8(0x20))));
        }
        unsigned bits = (unsigned)_mm_movemask_epi8(found) >> below;
        if (bits != 0) {
            size_t j = i + (size_t)__builtin_ctz(bits);
            return j < n ? j : n;
        }
        i += 16;
    }
    return n;
#else
    for (; i < n; i++) {
        uint8_t b = p[i];
        if ((b >= 0x23 && b <= 0x25) || b == 0x2B || b == 0x2D || b == 0x2E || b == 0x3A || b == 0x40 || b == 0x5F
            || (or_space && ((b >= 0x09 && b <= 0x0D) || b == 0x20))) return i;
    }
    return n;
#endif
}

// tok
/// A token as the tokenizer's Swift `Token` lays it out: start, end, key
/// start and key end (byte offsets), kind (`TokenKind`'s raw value) and
/// flags (`TokenFlags`); 18 bytes, stride 20. A test pins the layout.
typedef struct {
    int32_t start, end, key_start, key_end;
    uint8_t kind, flags;
} entex_token;

/// Where `entex_plain_words` writes: `count` of `capacity` tokens at
/// `tokens`, their key hashes (`KeyHash`) at the same index of `hashes`,
/// and `key_count` key bytes at `keys`, which has room for 16 bytes past
/// the key of every byte of text the call takes. `not_plain` is set on
/// return when the chunk it stopped at is not a plain word at all.
/// `abbreviations` (4096 bits, `Tokenizer.abbreviationFilter`, or null)
/// has bit `KeyHash >> 52` set for the key of every abbreviation before its
/// '.'.
typedef struct {
    entex_token *tokens;
    uint64_t *hashes;
    uint8_t *keys;
    size_t count, capacity, key_count;
    int not_plain;
    const uint64_t *abbreviations;
} entex_token_sink;

/// The plain-word loop of the tokenizer (`Tokenizer.emitPlainWords`) for
/// the words it takes most often, from `i` (of the `n` bytes at `p`, up to
/// `end`; `from` is where the run of words began): white space is skipped,
/// and each word of ASCII letters and digits and Latin-1 letters that fold
/// to ASCII (`C3 xx`), of a key of 1 to 16 bytes, that ends at white space
/// or `end`, or at one ASCII punctuation or symbol byte other than `' - _`
/// followed by either, and has no three identical letters in a row, is
/// keyed, flagged, hashed and appended to `sink` with that byte's token,
/// exactly as `emitPlainWords` would; a '.' after a word with a letter only
/// after an ASCII word that is no abbreviation by `sink->abbreviations`
/// (not one capital letter either). It also takes, as `Tokenizer.tokenizeByChunk`
/// emits them with nothing pending: a lone ASCII symbol (`isLoneSymbol`); an
/// ASCII hashtag or handle of up to 31 bytes and its punctuation (an "RT"
/// before a handle made a symbol); a word with one apostrophe between
/// letters ("don't"; a possessive as the word and "'s"); a quote, a
/// parenthesis, a '*', ¿, ¡, “ or U+FE0F before a word, hashtag or handle it
/// takes ("(Reuters", "*word*", "¿Qué", "(@user"); an ASCII word, hashtag or handle
/// before "…" (a truncated tweet's); and "…" or U+FE0F alone.
/// Returns where it stopped: `end`, or the start of a chunk it leaves to
/// the caller, having written nothing of it; `not_plain` when that chunk
/// is none of `emitPlainWords`'s (it starts with neither an ASCII letter
/// or digit nor a Latin-1 letter's C3, or its letters and digits end at a
/// byte no plain word ends at). A word at `from` that follows no ASCII
/// white space is left to the caller too. One 16-byte load a word (the
/// last bytes of a text of 16 bytes or more from its last 16); with AVX2
/// and BMI2 where the processor has them (`entex_plain_words_avx2`), else
/// SSE2 (`entex_plain_words_sse2`); elsewhere every chunk is the caller's.
size_t entex_plain_words(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink);

/// `entex_plain_words` with SSE2 only; the same as returning `i` where SSE2 is missing.
size_t entex_plain_words_sse2(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink);

/// `entex_plain_words` compiled for AVX2 and BMI2; returns `i` having done
/// nothing where the processor lacks them (`entex_plain_words_has_avx2`).
size_t entex_plain_words_avx2(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink);

/// Whether `entex_plain_words` takes the AVX2 path on this processor.
int entex_plain_words_has_avx2(void);

/// The byte classes `entex_plain_words` reads: bit 0 ASCII white space
/// (`ByteClass.isSpace`), bit 1 ASCII punctuation (`ByteClass.isPunct`),
/// bit 2 ASCII letters and digits (`ByteClass.isAlnum`).
extern const uint8_t entex_tok_class[256];

// regex
/// The regex stage's pass over a document's tokens (`RegexTagger.computeTriggers`):
/// writes to `stops` (room for `n`) the index of every token of the `n` at
/// `tokens` that is not quiet, in order, and returns how many it wrote; sets
/// `masks[i]` to 0 for every i below `n`. A token is quiet when its key hash
/// `hashes[i]` misses the Bloom filter `filter` (`TriggerKeys`: 512 words,
/// bits `h >> 49` and `(h >> 34) & 0x7FFF`), `block_kinds` has no bit
/// `1 << kind` and its flags have no `hasDigit` (bit 3): the tokens
/// `RegexTagger.nextNotQuiet` passes. Four tokens at a time with AVX2
/// where the processor has it (`entex_regex_stops_avx2`), else one at a time.
size_t entex_regex_stops(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                         uint32_t block_kinds, uint64_t *masks, int32_t *stops);

/// `entex_regex_stops` one token at a time, for the tests and where AVX2 is missing.
size_t entex_regex_stops_scalar(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                                uint32_t block_kinds, uint64_t *masks, int32_t *stops);

/// `entex_regex_stops` with AVX2; the scalar loop where the processor lacks it.
size_t entex_regex_stops_avx2(const entex_token *tokens, const uint64_t *hashes, size_t n, const uint64_t *filter,
                              uint32_t block_kinds, uint64_t *masks, int32_t *stops);

/// Whether `entex_regex_stops` takes the AVX2 path on this processor.
int entex_regex_stops_has_avx2(void);

#endif
