// The tokenizer's plain-word loop (declared in include/CSupport.h, block `// tok`).
#include "CSupport.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

const uint8_t entex_tok_class[256] = {
    // Tab, line feed, vertical tab, form feed, carriage return.
    ['\t'] = 1, ['\n'] = 1, [0x0B] = 1, [0x0C] = 1, ['\r'] = 1, [' '] = 1,
    ['!'] = 2, ['"'] = 2, ['#'] = 2, ['%'] = 2, ['&'] = 2, ['\''] = 2, ['('] = 2, [')'] = 2, ['*'] = 2,
    [','] = 2, ['-'] = 2, ['.'] = 2, ['/'] = 2, [':'] = 2, [';'] = 2, ['?'] = 2, ['@'] = 2,
    ['['] = 2, ['\\'] = 2, [']'] = 2, ['_'] = 2, ['{'] = 2, ['}'] = 2,
    // ASCII letters and digits.
    ['0' ... '9'] = 4, ['A' ... 'Z'] = 4, ['a' ... 'z'] = 4,
};

#if defined(__SSE2__) && defined(__x86_64__)

/// Sixteen 0xFF bytes then sixteen zero bytes: the 16 bytes from `16 - k`
/// keep the first `k` bytes of a vector.
static const uint8_t keep_first[32] __attribute__((aligned(32))) = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/// The kind (low byte: word 0, number 1) and flags (high byte) of a plain
/// word after white space (`ascii`, `spaceBefore`), by whether its first
/// byte is a capital (bit 0: `capitalized`), and whether it has capitals
/// (bit 1), small letters (bit 2) and digits (bit 3): `allCaps`,
/// `hasLetter`, `hasDigit`.
static const uint16_t kind_flags[16] = {
    0x5001, 0x5101, 0x5600, 0x5700, 0x5400, 0x5500, 0x5400, 0x5500,
    0x5801, 0x5901, 0x5E00, 0x5F00, 0x5C00, 0x5D00, 0x5C00, 0x5D00,
};

/// `KeyHash.mix`: the high and low halves of the 128-bit product, xored.
static inline __attribute__((always_inline)) uint64_t mix(uint64_t a, uint64_t b) {
    unsigned __int128 product = (unsigned __int128)a * b;
    return (uint64_t)(product >> 64) ^ (uint64_t)product;
}

/// ASCII white space (`entex_tok_class` bit 0), without the table.
static inline __attribute__((always_inline)) int is_space(uint8_t b) { return b == ' ' || (uint8_t)(b - 9) < 5; }

/// Whether the ASCII byte `b` right after a word may join it to more (`' - _`:
/// "it's", "well-known", "a_b"): never a piece of its own there, so a take
/// that meets one leaves the chunk to the Swift path.
static inline __attribute__((always_inline)) int joins_word(uint8_t b) { return b == '\'' || b == '-' || b == '_'; }

/// Whether the byte `c` after a word is a piece of its own: ASCII, not white
/// space, a letter or a digit (`entex_tok_class` bits 0 and 2), and not `joins_word`.
static inline __attribute__((always_inline)) int lone_piece(uint8_t c) {
    return c < 0x80 && !(entex_tok_class[c] & 5) && !joins_word(c);
}

/// 1 when `m` (at most 16 bits) is not zero: no flags, no branch.
static inline __attribute__((always_inline)) uint32_t nonzero16(uint32_t m) { return (m + 0xFFFF) >> 16; }

/// `KeyHash.hash` of a key of `n` bytes (1 to 16) whose first eight bytes are
/// `key0` and next eight `key1` (little-endian, zero past the key; `key1` is
/// read only when `n` is over 8).
static inline __attribute__((always_inline)) uint64_t key_hash(uint64_t key0, uint64_t key1, uint32_t n) {
    const uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xBF58476D1CE4E5B9ull, k2 = 0x94D049BB133111EBull;
    return n <= 8 ? mix(key0 ^ k0, n ^ k1) : mix(key1 ^ k0, mix(key0 ^ k2, n ^ k1) ^ k1);
}

/// `KeyHash.hash` of the key of `n` bytes (17 to 31) at `k`, zero after it
/// up to byte 32.
static inline __attribute__((always_inline)) uint64_t long_key_hash(const uint8_t *k, uint32_t n) {
    const uint64_t k0 = 0x9E3779B97F4A7C15ull, k1 = 0xBF58476D1CE4E5B9ull, k2 = 0x94D049BB133111EBull;
    uint64_t w[4], s = n;
    memcpy(w, k, 32);
    s = mix(w[0] ^ k2, s ^ k1);
    s = mix(w[1] ^ k2, s ^ k1);
    if (n > 24) return mix(w[3] ^ k0, mix(w[2] ^ k2, s ^ k1) ^ k1);
    return mix(w[2] ^ k0, s ^ k1);
}

/// The token (`t`, hash `h`) of the ASCII punctuation or symbol byte `b` at
/// `e` right after a word, its key at `keys + kc`: no space before it.
static inline __attribute__((always_inline)) void punct_token(entex_token *t, uint64_t *h, uint8_t *keys, size_t kc,
                                                              uint8_t b, size_t e) {
    keys[kc] = b;
    t->start = (int32_t)e;
    t->end = (int32_t)(e + 1);
    t->key_start = (int32_t)kc;
    t->key_end = (int32_t)(kc + 1);
    t->kind = entex_tok_class[b] & 2 ? 2 : 3;  // punct, symbol
    t->flags = 0x40;                           // ascii
    *h = key_hash(b, 0, 1);
}

/// Whether a chunk may end before `e`: white space at `e` before `end`, or the
/// text's end at `e` (`end` then too).
static inline __attribute__((always_inline)) int ends_chunk(const uint8_t *p, size_t n, size_t end, size_t e) {
    return e == n ? end == n : e < end && is_space(p[e]);
}

/// Whether the 3 bytes at `e` are "…" (U+2026) and end its chunk (`ends_chunk`).
static inline __attribute__((always_inline)) int ellipsis_ends_chunk(const uint8_t *p, size_t n, size_t end, size_t e) {
    if (e + 3 > n || p[e] != 0xE2 || p[e + 1] != 0x80 || p[e + 2] != 0xA6) return 0;
    return ends_chunk(p, n, end, e + 3);
}

/// The token (`t`, hash `h`) of the 3-byte punctuation character at `e`
/// whose key is the 3 bytes of `key` (little-endian), written at `keys + kc`:
/// not ASCII, `flags` 0 after a word or a special token, `spaceBefore` (0x10) alone.
static inline __attribute__((always_inline)) void punct3_token(entex_token *t, uint64_t *h, uint8_t *keys, size_t kc,
                                                               size_t e, uint32_t key, uint8_t flags) {
    memcpy(keys + kc, &key, 3);
    t->start = (int32_t)e;
    t->end = (int32_t)(e + 3);
    t->key_start = (int32_t)kc;
    t->key_end = (int32_t)(kc + 3);
    t->kind = 2;  // punct
    t->flags = flags;
    *h = key_hash(key, 0, 3);
}

/// The token (`t`, hash `h`) of the "…" at `e`, its key "..." (NFKC) at `keys + kc` (`punct3_token`).
static inline __attribute__((always_inline)) void ellipsis_token(entex_token *t, uint64_t *h, uint8_t *keys, size_t kc,
                                                                 size_t e, uint8_t flags) {
    punct3_token(t, h, keys, kc, e, 0x2E2E2E, flags);
}

/// The loop's state: the next byte `i`, the next token `t` and its hash `h`, the key count `kc`.
typedef struct {
    size_t i;
    entex_token *t;
    uint64_t *h;
    size_t kc;
} state;

/// `SimpleText.latin1Fold`: the ASCII letter `C3 d` folds to, 0 for none.
static inline __attribute__((always_inline)) uint8_t latin1_fold(uint8_t d) {
    switch (d & 0xDF) {  // upper and lower case share a row, 0x20 apart
    case 0x80 ... 0x85: return 'a';
    case 0x87: return 'c';
    case 0x88 ... 0x8B: return 'e';
    case 0x8C ... 0x8F: return 'i';
    case 0x91: return 'n';
    case 0x92 ... 0x96: return d == 0x97 || d == 0xB7 ? 0 : 'o';
    case 0x99 ... 0x9C: return 'u';
    case 0x9D: return 'y';
    case 0x9F: return d == 0xBF ? 'y' : 0;  // ÿ folds to y; ß does not
    default: return 0;
    }
}

/// Whether the key whose `KeyHash` is `hash` has its bit in `abbreviations`
/// (4096 bits by `KeyHash >> 52`, `entex_token_sink`): the word before a '.'
/// may be an abbreviation (`Tokenizer.mayAbbreviate`); true without the bits.
static inline __attribute__((always_inline)) int abbreviation_bit(uint64_t hash, const uint64_t *abbreviations) {
    return !abbreviations || (abbreviations[hash >> 58] >> (hash >> 52 & 63) & 1);
}

/// What `latin_word` took: where the next word may start (0: nothing taken),
/// and the key bytes and tokens it appended.
typedef struct {
    size_t next;
    uint32_t keys, tokens;
} latin_taken;

/// `*st` copied to `copy`, for an out-of-line take (`settled`): the word loop's
/// own state never has its address taken, so it stays in registers.
static inline __attribute__((always_inline)) state *copied(state *copy, const state *st) {
    *copy = *st;
    return copy;
}

/// `taken`, what an out-of-line take returned, after `copy`, the state it
/// moved (`copied`), is written back to `*st`.
static inline __attribute__((always_inline)) int settled(state *st, const state *copy, int taken) {
    *st = *copy;
    return taken;
}

/// The ASCII capitals, small letters and digits among the 16 bytes `x`, a bit
/// each; `*u` the capitals' mask, for `ascii_key`. A byte's class by one signed
/// compare: adding 0x80 - first moves the class's range to the bottom of the
/// signed bytes, -128 up.
static inline __attribute__((always_inline)) void ascii_classes(__m128i x, __m128i *u, uint32_t *upper, uint32_t *lower,
                                                                 uint32_t *digit) {
    *u = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 'A'))), _mm_set1_epi8(-128 + 26));
    *upper = (uint32_t)_mm_movemask_epi8(*u);
    *lower = (uint32_t)_mm_movemask_epi8(
        _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - 'a'))), _mm_set1_epi8(-128 + 26)));
    *digit = (uint32_t)_mm_movemask_epi8(
        _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0'))), _mm_set1_epi8(-128 + 10)));
}

/// The 16 bytes `x` with the capitals `u` lowered: an ASCII word's key before `keep`.
static inline __attribute__((always_inline)) __m128i ascii_key(__m128i x, __m128i u) {
    return _mm_or_si128(x, _mm_and_si128(u, _mm_set1_epi8(0x20)));
}

/// The first `take` bytes (at most 16) of `key`, zero after.
static inline __attribute__((always_inline)) __m128i keep(__m128i key, uint32_t take) {
    return _mm_and_si128(key, _mm_loadu_si128((const __m128i *)(keep_first + 16 - take)));
}

/// The 16 bytes at `i` (before `n`) of the `n` at `p`, zero past the text. Near
/// its end, the text's last 16 bytes stored before 16 zero bytes and read from
/// `i`'s place among them: no call to copy them, which would make its callers
/// (takes of the word loop) save their registers. `n` is 16 at least.
static inline __attribute__((always_inline)) __m128i load16(const uint8_t *p, size_t n, size_t i) {
    if (i + 16 <= n) return _mm_loadu_si128((const __m128i *)(p + i));
    uint8_t b[32] __attribute__((aligned(16)));
    _mm_store_si128((__m128i *)b, _mm_loadu_si128((const __m128i *)(p + n - 16)));
    _mm_store_si128((__m128i *)(b + 16), _mm_setzero_si128());
    return _mm_loadu_si128((const __m128i *)(b + 16 - (n - i)));
}

/// Whether the lowered `key` has three identical letters (`letters`) in a row
/// from two bytes before the end of its `bits` on: an elongation perhaps.
static inline __attribute__((always_inline)) int has_elongation(__m128i key, uint32_t letters, uint32_t bits) {
    __m128i runs = _mm_and_si128(_mm_cmpeq_epi8(key, _mm_srli_si128(key, 1)), _mm_cmpeq_epi8(key, _mm_srli_si128(key, 2)));
    return ((uint32_t)_mm_movemask_epi8(runs) & letters & (bits >> 2)) != 0;
}

/// The word at `s` (before `end`) that has a Latin-1 letter (`C3 xx` that
/// folds to an ASCII letter) among ASCII letters and digits, as
/// `Tokenizer.emitPlainWord` takes it: key folded and lowercased, flags
/// without `ascii` (case from its first letter), and the punctuation or
/// symbol byte after it, before white space or `end`. Nothing is taken (the
/// caller's Swift path decides) when the word has a byte of any other kind,
/// ends at `' - _`, or at a '.' when its key's bit is set in `abbreviations`
/// (`abbreviation_bit`: the filter holds the entries' keys folded as here, so
/// a clear bit means no entry matches the word's bytes), has a key of more
/// than 16 bytes or three identical letters in a row. Its runs of ASCII
/// letters and digits are classified and keyed 16 bytes at a time, its
/// Latin-1 letters one by one. `n` is 16 at least (`load16`). Out of line:
/// rare next to ASCII words.
static __attribute__((noinline)) latin_taken latin_word(const uint8_t *p, size_t n, size_t end, size_t s, uint8_t *keys,
                                                        size_t kc, const uint64_t *abbreviations, entex_token *t, uint64_t *h) {
    latin_taken none = {0, 0, 0};
    // Each run's 16 key bytes (zero after it) are stored at its place, the last one's
    // before the key is read: up to 16 bytes past the key's 16.
    uint8_t key[32];
    size_t r = s;
    uint32_t w = 0, upper = 0, lower = 0, digit = 0;
    int first = -1;  // whether the first letter is a capital
    for (;;) {
        __m128i x = load16(p, n, r), u;
        uint32_t up, low, dig;
        ascii_classes(x, &u, &up, &low, &dig);
        // Bits 16 and up of `~alnum` are set: `run` is at most 16.
        uint32_t run = (uint32_t)__builtin_ctz(~(up | low | dig));
        if (run > end - r) run = (uint32_t)(end - r);
        if (w + run > 16) return none;
        _mm_storeu_si128((__m128i *)(key + w), keep(ascii_key(x, u), run));
        uint32_t bits = (1u << run) - 1, letters = (up | low) & bits;
        if (first < 0 && letters) first = (letters & (0u - letters) & up) != 0;
        upper |= up & bits, lower |= low & bits, digit |= dig & bits;
        w += run, r += run;
        if (r >= end) break;
        uint8_t b = p[r];
        if (b < 0x80) {
            // 16 letters and digits may go on; any other ASCII byte ends the word.
            if (run == 16) continue;
            break;
        }
        if (b != 0xC3 || r + 1 >= end) return none;
        uint8_t d = p[r + 1], folded = latin1_fold(d);
        if (!folded) return none;
        uint32_t capital = d <= 0x9E && d != 0x97;  // `SimpleText.latin1IsUpper`: d >= 0x80 here
        key[w] = folded, upper |= capital, lower |= !capital;
        if (first < 0) first = (int)capital;
        r += 2;
        if (++w > 16) return none;
    }
    // A word with no Latin-1 letter is `take_word`'s.
    if (r - s == w) return none;
    uint32_t punct = 0;
    uint8_t b = r < end ? p[r] : ' ';
    if (!is_space(b)) {
        // An ASCII byte other than a letter or a digit.
        if (joins_word(b) || (r + 1 != end && !is_space(p[r + 1]))) return none;
        punct = 1;
    }
    __m128i k = _mm_loadu_si128((const __m128i *)key);
    uint32_t bits = (1u << w) - 1;
    uint32_t small = (uint32_t)_mm_movemask_epi8(
        _mm_cmplt_epi8(_mm_add_epi8(k, _mm_set1_epi8((char)(0x80 - 'a'))), _mm_set1_epi8(-128 + 26)));
    if (has_elongation(k, small & bits, bits)) return none;
    uint64_t hash = key_hash((uint64_t)_mm_cvtsi128_si64(k), (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(k, k)), w);
    if (b == '.' && abbreviation_bit(hash, abbreviations)) return none;
    _mm_storeu_si128((__m128i *)(keys + kc), k);
    h[0] = hash;
    t->start = (int32_t)s;
    t->end = (int32_t)r;
    t->key_start = (int32_t)kc;
    t->key_end = (int32_t)(kc + w);
    t->kind = 0;  // word
    // spaceBefore, hasLetter; capitalized, allCaps, hasDigit.
    t->flags = (uint8_t)(0x14 | (first == 1) | (upper && !lower) << 1 | (digit != 0) << 3);
    if (!punct) return (latin_taken){r < end ? r + 1 : r, w, 1};
    punct_token(t + 1, h + 1, keys, kc + w, b, r);
    return (latin_taken){r + 1, w + 1, 2};
}

/// `latin_word` at `st->i`: 2 when it took the word, else 0.
static inline __attribute__((always_inline)) int take_latin(const uint8_t *p, size_t n, size_t end, uint8_t *keys,
                                                            const uint64_t *abbreviations, state *st) {
    latin_taken taken = latin_word(p, n, end, st->i, keys, st->kc, abbreviations, st->t, st->h);
    if (!taken.next) return 0;
    st->i = taken.next;
    st->kc += taken.keys;
    st->t += taken.tokens;
    st->h += taken.tokens;
    return 2;
}

/// Writes the hash of `key` (the first `take` bytes kept) and the offsets of a
/// token of `take` bytes at `s` whose key starts at `kc` in the keys; its kind
/// and flags are the caller's.
static inline __attribute__((always_inline)) void keyed_token(entex_token *t, uint64_t *h, __m128i key, size_t s, size_t kc,
                                                               uint32_t take) {
    *h = key_hash((uint64_t)_mm_cvtsi128_si64(key), (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(key, key)), take);
    t->start = (int32_t)s;
    t->end = (int32_t)(s + take);
    t->key_start = (int32_t)kc;
    t->key_end = (int32_t)(kc + take);
}

/// Where the state stands after a take: the next byte to read, the next token
/// and hash to write, the keys' length.
static inline __attribute__((always_inline)) void moved(state *st, size_t i, entex_token *t, uint64_t *h, size_t kc) {
    st->i = i;
    st->t = t;
    st->h = h;
    st->kc = kc;
}

/// `Tokenizer.mayAbbreviate` for the ASCII word of `take` bytes (with a letter)
/// whose first 16 bytes are `x` (capitals `u`, bits `upper`) and the '.' after
/// it: whether it is one capital, or its key's bit is set (`abbreviation_bit`).
static inline __attribute__((always_inline)) int may_abbreviate(__m128i x, __m128i u, uint32_t take, uint32_t upper,
                                                                 const uint64_t *abbreviations) {
    if ((take == 1 && (upper & 1)) || !abbreviations) return 1;
    __m128i key = keep(ascii_key(x, u), take);
    return abbreviation_bit(key_hash((uint64_t)_mm_cvtsi128_si64(key), (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(key, key)), take),
                            abbreviations);
}

/// Whether the non-ASCII character at `e` (of `n` bytes) ends a hashtag in
/// `Tokenizer.scanHashtag`: one of the punctuation characters its fast path
/// knows (`SimpleText.otherLength`: ¡ ¿ « », no-break space, – — ‘ ’ “ ” …).
/// False for any other (a Latin letter goes on, others need a property look-up).
static inline __attribute__((always_inline)) int ends_hashtag(const uint8_t *p, size_t n, size_t e) {
    uint8_t c = p[e];
    if (c == 0xC2) {
        if (e + 1 >= n) return 0;
        uint8_t d = p[e + 1];
        return d == 0xA1 || d == 0xBF || d == 0xAB || d == 0xBB || d == 0xA0;
    }
    if (c != 0xE2 || e + 2 >= n || p[e + 1] != 0x80) return 0;
    uint8_t d = p[e + 2];
    return d == 0x93 || d == 0x94 || d == 0x98 || d == 0x99 || d == 0x9C || d == 0x9D || d == 0xA6;
}

/// `Tokenizer.asciiFlags` with `spaceBefore` of the ASCII token whose classes
/// are `upper`, `lower` and `digit` (masked to it): case from its first letter
/// or digit.
static inline __attribute__((always_inline)) uint8_t ascii_flags(uint32_t upper, uint32_t lower, uint32_t digit) {
    uint32_t alnum = upper | lower | digit;
    return (uint8_t)(0x50 | ((alnum & (0u - alnum) & upper) != 0) | (upper && !lower) << 1 | (upper || lower) << 2
                     | (digit != 0) << 3);
}

/// The kind and flags of the hashtag (sigil `b` '#') or handle (`b` '@') token
/// `t`, its body's classes `upper`, `lower` and `digit` (masked to it).
static inline __attribute__((always_inline)) void sigil_kind_flags(entex_token *t, uint8_t b, uint32_t upper, uint32_t lower,
                                                                    uint32_t digit) {
    t->kind = b == '#' ? 8 : 7;  // hashtag, handle
    t->flags = ascii_flags(upper, lower, digit);
}

/// The token (`t`, hash `h`) of the hashtag or handle of `take` bytes (2 to
/// 16, sigil `b`) at `s` whose first 16 bytes are `x` (capitals `u`, classes
/// masked to it), its key (lowered) at `keys + kc`.
static inline __attribute__((always_inline)) void sigil_token(entex_token *t, uint64_t *h, uint8_t *keys, size_t kc, uint8_t b,
                                                               __m128i x, __m128i u, size_t s, uint32_t take, uint32_t upper,
                                                               uint32_t lower, uint32_t digit) {
    __m128i key = keep(ascii_key(x, u), take);
    _mm_storeu_si128((__m128i *)(keys + kc), key);
    keyed_token(t, h, key, s, kc, take);
    sigil_kind_flags(t, b, upper, lower, digit);
}

/// `Tokenizer.markRetweet` for the handle at `s` whose token is to be `t`:
/// the token before it (after the sink's first, `tokens`) becomes a symbol
/// when it is "RT" (any case) and one space before the handle.
static inline __attribute__((always_inline)) void mark_retweet(const uint8_t *p, size_t s, entex_token *t,
                                                                const entex_token *tokens) {
    if (t == tokens) return;
    entex_token *last = t - 1;
    if (last->kind == 0 && last->end - last->start == 2 && (size_t)last->end + 1 == s && p[last->end] == ' '
        && (p[last->start] | 0x20) == 'r' && (p[last->start + 1] | 0x20) == 't')
        last->kind = 3;  // symbol
}

/// Takes the chunk at `st->i` that starts with the ASCII byte `b` (no letter,
/// digit or white space) when `Tokenizer.tokenizeByChunk` would emit it as
/// one token with nothing pending (a lone symbol is `take_lone_symbol`'s, a
/// short hashtag or handle before white space `take_sigil_word`'s, both
/// tried first): "&amp;", or a hashtag or a handle (`scanHashtag`,
/// `scanHandle`) of at most 31 ASCII bytes and its punctuation as
/// `take_word` takes a word's (any ASCII byte then white space or the end:
/// `tokenizeByChunk` emits it alone, a '.' through its pieces), or a "…"
/// before either (a truncated tweet's last hashtag: the '…' a piece of its
/// own). A handle right after "RT " makes that token a symbol
/// (`markRetweet`). When a hashtag or handle goes on with bytes of another
/// kind, it is taken and 0 returned with `st->i` after it, where the caller
/// goes on as `tokenizeByChunk` does after a special token. Returns 1, having
/// written nothing, for any other chunk (a '$', a longer or non-ASCII
/// hashtag, "#123", "(word"). `x` holds the chunk's first 16 bytes (zero past
/// the text); `tokens` is the sink's first token. Out of line: the word loop
/// keeps its registers.
static __attribute__((noinline)) int sigil_or_symbol(const uint8_t *p, size_t n, size_t end, __m128i x, uint8_t *keys,
                                                     state *st, entex_token *tokens) {
    size_t s = st->i;
    uint8_t b = p[s];
    __m128i u;
    uint32_t upper, lower, digit;
    ascii_classes(x, &u, &upper, &lower, &digit);
    uint32_t run = 0;
    // The next 16 bytes of a hashtag or handle longer than 16 bytes (zero past the text), lowered.
    __m128i key2 = _mm_setzero_si128();
    if (b == '#' || b == '@') {
        uint32_t word = (upper | lower | digit | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')))) >> 1;
        // Bit 15 of `word` is clear: `run` is at most 15, and 15 may go on past the vector.
        run = (uint32_t)__builtin_ctz(~word);
        if (run == 15 && s + 16 < n) {
            // Up to 31 bytes: the bytes from 16 on classified as the first 16.
            __m128i x2 = load16(p, n, s + 16);
            __m128i u2;
            uint32_t upper2, lower2, digit2;
            ascii_classes(x2, &u2, &upper2, &lower2, &digit2);
            uint32_t word2 = upper2 | lower2 | digit2 | (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, _mm_set1_epi8('_')));
            uint32_t run2 = (uint32_t)__builtin_ctz(~word2);
            if (run2 == 16) return 1;
            run += run2;
            key2 = keep(ascii_key(x2, u2), run2);
            upper |= upper2 << 16, lower |= lower2 << 16, digit |= digit2 << 16;
        } else if (run == 15) {
            return 1;
        }
    }
    size_t kc = st->kc;
    entex_token *t = st->t;
    uint64_t *h = st->h;
    if (run == 0) {
        if (b == '&' && s + 5 <= n && memcmp(p + s + 1, "amp;", 4) == 0
            && ends_chunk(p, n, end, s + 5)) {
            // "&amp;" left in tweets' text: the pieces '&', "amp" and ';'.
            punct_token(t, h, keys, kc, '&', s);
            t->flags = 0x50;  // ascii, spaceBefore
            memcpy(keys + kc + 1, "amp", 3);
            t[1].start = (int32_t)(s + 1);
            t[1].end = (int32_t)(s + 4);
            t[1].key_start = (int32_t)(kc + 1);
            t[1].key_end = (int32_t)(kc + 4);
            t[1].kind = 0;      // word
            t[1].flags = 0x44;  // ascii, hasLetter
            h[1] = key_hash('a' | 'm' << 8 | 'p' << 16, 0, 3);
            punct_token(t + 2, h + 2, keys, kc + 4, ';', s + 4);
            moved(st, s + 5 == n ? n : s + 6, t + 3, h + 3, kc + 5);
            return 2;
        }
        return 1;
    }
    uint32_t take = run + 1;
    uint32_t bits = (1u << take) - 1;
    upper &= bits, lower &= bits, digit &= bits;
    if (b == '#' && !(upper | lower)) return 1;  // a hashtag has a letter
    size_t e = s + take;
    // A special token ends before `end` or at the text's end (`end` is the next one's start).
    if (e > end || (e == end && end != n)) return 1;
    // What follows: 0 white space or the end, 1 a punctuation or symbol byte before either, 3 "…" before
    // either, 2 anything else.
    int follows = 0;
    if (e < n) {
        uint8_t c = p[e];
        if (c >= 0x80) {
            // Any character but a letter or a digit ends a handle; a hashtag, only some.
            if (b == '#' && !ends_hashtag(p, n, e)) return 1;
            follows = ellipsis_ends_chunk(p, n, end, e) ? 3 : 2;
        } else if (!is_space(c)) {
            follows = e + 1 == n || is_space(p[e + 1]) ? 1 : 2;
        }
    }
    if (b == '@') mark_retweet(p, s, t, tokens);
    if (take <= 16) {
        sigil_token(t, h, keys, kc, b, x, u, s, take, upper, lower, digit);
    } else {
        _mm_storeu_si128((__m128i *)(keys + kc), ascii_key(x, u));
        _mm_storeu_si128((__m128i *)(keys + kc + 16), key2);
        *h = long_key_hash(keys + kc, take);
        t->start = (int32_t)s;
        t->end = (int32_t)e;
        t->key_start = (int32_t)kc;
        t->key_end = (int32_t)(kc + take);
        sigil_kind_flags(t, b, upper, lower, digit);
    }
    kc += take;
    if (follows == 0) {
        moved(st, e < n ? e + 1 : e, t + 1, h + 1, kc);
        return 2;
    }
    if (follows == 1) {
        punct_token(t + 1, h + 1, keys, kc, p[e], e);
        moved(st, e + 1, t + 2, h + 2, kc + 1);
        return 2;
    }
    if (follows == 3) {
        // A truncated tweet's "#tag…": the '…' a piece of its own after the special token.
        ellipsis_token(t + 1, h + 1, keys, kc, e, 0);
        moved(st, e + 3 == n ? n : e + 4, t + 2, h + 2, kc + 3);
        return 2;
    }
    moved(st, e, t + 1, h + 1, kc);
    return 0;
}

/// The length of a joined word in a chunk whose first 16 bytes have the
/// classes `letters` and `alnum`: `take` ASCII letters and digits (a letter
/// last), a mark of `gap` bytes, and the ASCII letters and digits after it (a
/// letter first); 0 when either letter is missing or the word reaches byte 16.
static inline __attribute__((always_inline)) uint32_t joined_length(uint32_t letters, uint32_t alnum, uint32_t take, uint32_t gap) {
    if (!(letters >> (take - 1) & 1) || !(letters >> (take + gap) & 1)) return 0;
    // Bits 16 and up of `alnum` are clear: the run after the mark ends within them.
    uint32_t total = take + gap + (uint32_t)__builtin_ctz(~(alnum >> (take + gap)));
    return total >= 16 ? 0 : total;
}

/// `Tokenizer.asciiFlags` with `spaceBefore` of the ASCII word whose classes
/// are `upper`, `lower` and `digit` within `bits`: case from its first letter or digit.
static inline __attribute__((always_inline)) uint8_t ascii_word_flags(uint32_t upper, uint32_t lower, uint32_t digit, uint32_t bits) {
    return ascii_flags(upper & bits, lower & bits, digit & bits);
}

/// The key (`x` lowered by its capitals `u`, zero after `total` bytes) of an
/// ASCII word of `total` bytes, and its classes `upper`, `lower` and `digit`
/// masked to it; 0 when it has three identical letters in a row.
static inline __attribute__((always_inline)) int word_key(__m128i x, __m128i u, uint32_t total, uint32_t *upper,
                                                             uint32_t *lower, uint32_t *digit, __m128i *key) {
    uint32_t bits = (1u << total) - 1;
    *upper &= bits, *lower &= bits, *digit &= bits;
    __m128i k = ascii_key(x, u);
    if (has_elongation(k, *upper | *lower, bits)) return 0;
    *key = keep(k, total);
    return 1;
}

/// Writes the token (`t`, hash `hash`) of a possessive's "'s" or "’s" from `s`
/// to `e`, its key from `ks` to `ke` in the keys, a word with the caller's `flags`.
static inline __attribute__((always_inline)) void possessive_piece(entex_token *t, uint64_t *h, size_t s, size_t e, size_t ks,
                                                                    size_t ke, uint8_t flags, uint64_t hash) {
    t->start = (int32_t)s;
    t->end = (int32_t)e;
    t->key_start = (int32_t)ks;
    t->key_end = (int32_t)ke;
    t->kind = 0;  // word
    t->flags = flags;
    *h = hash;
}

/// Takes the chunk at `st->i` whose first `take` bytes (1 to 15, a letter
/// last) are ASCII letters and digits and the next one an apostrophe, when it
/// is ASCII letters and digits after it too (a letter first), 15 bytes at
/// most, then white space, the end, or one punctuation or symbol byte before
/// either (a '.' only when `abbreviations` says the whole is no
/// abbreviation), and has no three identical letters in a row: one word as
/// the pieces path joins it ("don't"), or, a possessive of more than 3 bytes,
/// the word and "'s" (`Tokenizer.mergeAndEmit`), and the punctuation byte.
/// Returns 1, having written nothing, for any other chunk. `x` as in
/// `take_word`. Out of line: the word loop keeps its registers.
static __attribute__((noinline)) int take_contraction(const uint8_t *p, size_t n, size_t end, __m128i x, uint32_t take,
                                                      uint8_t *keys, const uint64_t *abbreviations, state *st) {
    size_t s = st->i;
    __m128i u;
    uint32_t upper, lower, digit;
    ascii_classes(x, &u, &upper, &lower, &digit);
    uint32_t total = joined_length(upper | lower, upper | lower | digit, take, 1);
    if (!total) return 1;
    size_t e = s + total;
    // A chunk ends before `end` or at the text's end (`end` is a special token's start).
    if (e > end || (e == end && end != n)) return 1;
    uint32_t punct = 0;
    if (e < n && !is_space(p[e])) {
        uint8_t b = p[e];
        if (b >= 0x80 || joins_word(b) || (e + 1 != n && !is_space(p[e + 1]))) return 1;
        if (b == '.' && may_abbreviate(x, u, total, upper, abbreviations)) return 1;
        punct = 1;
    }
    __m128i key;
    if (!word_key(x, u, total, &upper, &lower, &digit, &key)) return 1;
    size_t kc = st->kc;
    _mm_storeu_si128((__m128i *)(keys + kc), key);
    entex_token *t = st->t;
    uint64_t *h = st->h;
    // A possessive: "China's" is "China" and "'s"; "it's" stays one word.
    uint32_t possessive = total == take + 2 && total > 3 && (p[e - 1] | 0x20) == 's';
    uint32_t first = possessive ? take : total;
    keyed_token(t, h, keep(key, first), s, kc, first);
    t->kind = 0;  // word
    t->flags = ascii_word_flags(upper, lower, digit, (1u << first) - 1);
    if (possessive) {
        // ascii, hasLetter; "'S": capitalized, allCaps.
        possessive_piece(t + 1, h + 1, e - 2, e, kc + take, kc + total, p[e - 1] == 'S' ? 0x47 : 0x44,
                         key_hash((uint64_t)'\'' | (uint64_t)'s' << 8, 0, 2));
        t++, h++;
    }
    kc += total;
    if (punct) {
        punct_token(t + 1, h + 1, keys, kc, p[e], e);
        t++, h++, kc++, e++;
    }
    moved(st, e, t + 1, h + 1, kc);
    return 2;
}

/// Writes the token of the ASCII word of `take` bytes (1 to 16) at `st->i`
/// whose first 16 bytes are `x` (letters and digits), as `take_word` does,
/// and moves `st` past it (not past the byte after it); returns 0, having
/// written nothing, when it has three identical letters in a row.
static inline __attribute__((always_inline)) int word_token(__m128i x, uint32_t take, uint8_t *keys, state *st) {
    __m128i u;
    uint32_t upper, lower, digit;
    ascii_classes(x, &u, &upper, &lower, &digit);
    __m128i key;
    if (!word_key(x, u, take, &upper, &lower, &digit, &key)) return 0;
    uint32_t index = (upper & 1) | nonzero16(upper) << 1 | nonzero16(lower) << 2 | nonzero16(digit) << 3;
    _mm_storeu_si128((__m128i *)(keys + st->kc), key);
    keyed_token(st->t, st->h, key, st->i, st->kc, take);
    memcpy(&st->t->kind, &kind_flags[index], 2);
    moved(st, st->i + take, st->t + 1, st->h + 1, st->kc + take);
    return 1;
}

/// Takes the chunk at `st->i` whose first `take` bytes are ASCII letters and
/// digits (`x` its first 16 bytes, as in `take_word`, a letter last) and the
/// next a right single quotation mark (’, E2 80 99) when it is ASCII letters
/// and digits after it too (a letter first), 15 bytes in all at most, then
/// white space, the end, or one punctuation or symbol byte other than '.'
/// before either, and has no three identical letters in a row: one word as
/// the pieces path joins it ("don’t", keyed with its ’ and flagged without
/// `ascii`, as `emitOther` does), or, ending in "’s", the word and "’s"
/// (`Tokenizer.mergeAndEmit`), and the punctuation byte. Returns 1, having
/// written nothing, for any other chunk. Out of line: rare.
static __attribute__((noinline)) int take_curly_contraction(const uint8_t *p, size_t n, size_t end, __m128i x, uint32_t take,
                                                            uint8_t *keys, state *st) {
    size_t s = st->i;
    if (take + 4 >= 16) return 1;
    __m128i u;
    uint32_t upper, lower, digit;
    ascii_classes(x, &u, &upper, &lower, &digit);
    uint32_t letters = upper | lower;
    uint32_t total = joined_length(letters, letters | digit, take, 3);
    if (!total) return 1;
    size_t e = s + total;
    if (e > end || (e == end && end != n)) return 1;
    uint32_t punct = 0;
    if (e < n && !is_space(p[e])) {
        uint8_t b = p[e];
        if (b >= 0x80 || joins_word(b) || b == '.' || !ends_chunk(p, n, end, e + 1)) return 1;
        punct = 1;
    }
    __m128i key;
    if (!word_key(x, u, total, &upper, &lower, &digit, &key)) return 1;
    size_t kc = st->kc;
    entex_token *t = st->t;
    uint64_t *h = st->h;
    uint8_t last = p[e - 1];
    if (total == take + 4 && (last | 0x20) == 's') {
        // A possessive: "China’s" is "China" and "’s".
        keyed_token(t, h, keep(key, take), s, kc, take);
        t->kind = 0;  // word
        t->flags = ascii_word_flags(upper, lower, digit, (1u << take) - 1);
        _mm_storeu_si128((__m128i *)(keys + kc), key);
        // hasLetter; "’S": capitalized, allCaps (no `ascii`).
        possessive_piece(t + 1, h + 1, e - 4, e, kc + take, kc + total, last == 'S' ? 0x07 : 0x04,
                         key_hash(0xE2 | 0x80 << 8 | 0x99 << 16 | (uint64_t)'s' << 24, 0, 4));
        t++, h++;
    } else {
        _mm_storeu_si128((__m128i *)(keys + kc), key);
        keyed_token(t, h, key, s, kc, total);
        t->kind = 0;  // word
        // `emitOther`'s flags: spaceBefore, hasLetter; case from the first letter.
        t->flags = (uint8_t)(0x14 | ((letters & (0u - letters) & upper) != 0) | (upper && !lower) << 1 | (digit != 0) << 3);
    }
    kc += total;
    if (punct) {
        punct_token(t + 1, h + 1, keys, kc, p[e], e);
        t++, h++, kc++, e++;
    }
    moved(st, e < n ? e + 1 : e, t + 1, h + 1, kc);
    return 2;
}

/// Takes the chunk at `st->i` whose first `take` bytes (1 to 16) are ASCII
/// letters and digits (`x` its first 16 bytes, as in `take_word`) and the
/// rest "…" (a truncated tweet's "word…") or ” (a closing quotation mark,
/// also before one ASCII punctuation or symbol byte other than `' - _`),
/// before white space or the text's end: the word as `take_word` takes it
/// and the '…' or ” (and the byte) as a piece of its own.
/// Returns 1, having written nothing, for any other chunk (a word with three
/// identical letters in a row too: the chunk is no plain word, and the pieces
/// path shortens it). Out of line: the word loop keeps its registers.
static __attribute__((noinline)) int take_word_ellipsis(const uint8_t *p, size_t n, size_t end, __m128i x, uint32_t take,
                                                        uint8_t *keys, state *st) {
    size_t e = st->i + take;
    if (e + 3 <= n && p[e] == 0xE2 && p[e + 1] == 0x80 && p[e + 2] == 0x99)
        return take_curly_contraction(p, n, end, x, take, keys, st);
    if (e + 3 <= n && p[e] == 0xE2 && p[e + 1] == 0x80 && p[e + 2] == 0x9D) {
        // A closing quotation mark (”, E2 80 9D) ending the chunk, or before one punctuation or
        // symbol byte that does ("word”.", "word”,"): a punctuation piece keyed by its bytes (NFKC
        // case folding leaves them), no space before, not ASCII; the byte a piece of its own.
        size_t f = e + 3;
        uint8_t c = f < n ? p[f] : ' ';
        int punct = lone_piece(c);
        if (!ends_chunk(p, n, end, f + punct) || !word_token(x, take, keys, st)) return 1;
        punct3_token(st->t, st->h, keys, st->kc, e, 0x9D80E2, 0);
        moved(st, f, st->t + 1, st->h + 1, st->kc + 3);
        if (punct) {
            punct_token(st->t, st->h, keys, st->kc, c, f);
            moved(st, f + 1, st->t + 1, st->h + 1, st->kc + 1);
            f++;
        }
        st->i = f == n ? n : f + 1;
        return 2;
    }
    if (!ellipsis_ends_chunk(p, n, end, e) || !word_token(x, take, keys, st)) return 1;
    ellipsis_token(st->t, st->h, keys, st->kc, e, 0);
    moved(st, e + 3 == n ? n : e + 4, st->t + 1, st->h + 1, st->kc + 3);
    return 2;
}

/// Takes the chunk at `st->i` whose first `take` bytes (1 to 15) are ASCII
/// letters and digits (`x` its first 16 bytes, as in `take_word`) and the
/// rest two or three ASCII bytes of other kinds ("said,\"", "wow!!!", "it?!"),
/// or one to three and a "…" ("word,…", a truncated tweet's), before white
/// space or the text's end: the word as `take_word` takes it and each byte
/// (the '…' too) a piece of its own, as `mergeAndEmit` emits them, when none
/// is `' - _`, no '.' follows another (an ellipsis), and a '.' right after
/// the word leaves it no abbreviation (`may_abbreviate`). Returns 1, having
/// written nothing, for any other chunk. Out of line: the word loop keeps
/// its registers.
static __attribute__((noinline)) int take_word_puncts(const uint8_t *p, size_t n, size_t end, __m128i x, uint32_t take,
                                                      uint8_t *keys, const uint64_t *abbreviations, state *st) {
    size_t e = st->i + take, r = e;
    uint8_t before = 0;
    int ellipsis = 0;
    for (;;) {
        uint8_t c = p[r];
        if (c >= 0x80) {
            if (r == e || before == '.' || !ellipsis_ends_chunk(p, n, end, r)) return 1;
            ellipsis = 1;
            break;
        }
        if (!lone_piece(c) || (c == '.' && before == '.')) return 1;
        before = c;
        if (++r == n) {
            if (end != n) return 1;
            break;
        }
        if (r >= end) return 1;
        if (is_space(p[r])) break;
        if (r - e == 3) return 1;
    }
    if (p[e] == '.') {
        __m128i u;
        uint32_t upper, lower, digit;
        ascii_classes(x, &u, &upper, &lower, &digit);
        if (((upper | lower) & ((1u << take) - 1)) && may_abbreviate(x, u, take, upper, abbreviations)) return 1;
    }
    if (!word_token(x, take, keys, st)) return 1;
    for (size_t k = e; k < r; k++) {
        punct_token(st->t, st->h, keys, st->kc, p[k], k);
        moved(st, k + 1, st->t + 1, st->h + 1, st->kc + 1);
    }
    if (ellipsis) {
        ellipsis_token(st->t, st->h, keys, st->kc, r, 0);
        moved(st, r + 3, st->t + 1, st->h + 1, st->kc + 3);
        r += 3;
    }
    st->i = r == n ? n : r + 1;
    return 2;
}

/// Takes the chunk at `st->i` whose first `take` bytes (1 to 15) are ASCII
/// letters and digits (`x` its first 16 bytes, as in `take_word`), then a
/// '-' and 1 to 15 more that begin with a letter ("well-known", "Jean-Paul";
/// a digit after the '-' may make a designation, "F-16"), then white space,
/// the end, or one punctuation or symbol byte before either as `take_word`
/// takes a word's: the two words as `take_word` takes them (the second with
/// no space before) and the '-' a piece between them, as `mergeAndEmit`
/// emits them. Returns 1, having written nothing, for any other chunk.
/// Out of line: the word loop keeps its registers.
static __attribute__((noinline)) int take_hyphenated(const uint8_t *p, size_t n, size_t end, __m128i x, uint32_t take,
                                                     uint8_t *keys, const uint64_t *abbreviations, state *st) {
    size_t e = st->i + take, w = e + 1;
    if (w >= end || (uint8_t)((p[w] | 0x20) - 'a') >= 26) return 1;
    __m128i x2 = load16(p, n, w);
    __m128i u2;
    uint32_t upper2, lower2, digit2;
    ascii_classes(x2, &u2, &upper2, &lower2, &digit2);
    uint32_t take2 = (uint32_t)__builtin_ctz(~(upper2 | lower2 | digit2));
    if (take2 >= 16) return 1;
    size_t f = w + take2;
    // Past the second word: white space or the end, or one byte of another kind before either.
    if (f > end || (f == end && end != n)) return 1;
    uint32_t punct = 0;
    if (f < n && !is_space(p[f])) {
        uint8_t b = p[f];
        if (b >= 0x80 || joins_word(b) || !ends_chunk(p, n, end, f + 1)) return 1;
        if (b == '.' && may_abbreviate(x2, u2, take2, upper2, abbreviations)) return 1;
        punct = 1;
    }
    uint32_t bits2 = (1u << take2) - 1;
    if (has_elongation(ascii_key(x2, u2), (upper2 | lower2) & bits2, bits2)) return 1;
    if (!word_token(x, take, keys, st)) return 1;
    punct_token(st->t, st->h, keys, st->kc, '-', e);
    moved(st, w, st->t + 1, st->h + 1, st->kc + 1);
    word_token(x2, take2, keys, st);
    st->t[-1].flags &= (uint8_t)~0x10;  // no space before
    if (punct) {
        punct_token(st->t, st->h, keys, st->kc, p[f], f);
        moved(st, f + 1, st->t + 1, st->h + 1, st->kc + 1);
        f++;
    }
    st->i = f < n ? f + 1 : f;
    return 2;
}

/// Takes the chunk at `st->i` (its first byte from 0x80 on, not C3) when it
/// is "…" alone (punctuation keyed "...") or U+FE0F VARIATION SELECTOR-16
/// alone (a symbol whose key is empty: NFKC case folding drops it), before
/// white space or the text's end, as the pieces path emits it. Returns 1,
/// having written nothing, for any other chunk. Out of line: rare.
static __attribute__((noinline)) int lone_other(const uint8_t *p, size_t n, size_t end, uint8_t *keys, state *st) {
    size_t s = st->i;
    if (s + 3 > n || !ends_chunk(p, n, end, s + 3)) return 1;
    uint32_t c = (uint32_t)p[s] << 16 | (uint32_t)p[s + 1] << 8 | p[s + 2];
    entex_token *t = st->t;
    uint64_t *h = st->h;
    size_t kc = st->kc;
    if (c == 0xE280A6) {
        ellipsis_token(t, h, keys, kc, s, 0x10);  // spaceBefore
        kc += 3;
    } else if (c == 0xEFB88F) {
        t->start = (int32_t)s;
        t->end = (int32_t)(s + 3);
        t->key_start = (int32_t)kc;
        t->key_end = (int32_t)kc;
        t->kind = 3;      // symbol
        t->flags = 0x10;  // spaceBefore
        *h = key_hash(0, 0, 0);
    } else {
        return 1;
    }
    moved(st, s + 3 == n ? n : s + 4, t + 1, h + 1, kc);
    return 2;
}

/// Takes the chunk at `st->i`, the ASCII byte `b` (no letter, digit or white
/// space), when it is a lone symbol (`Tokenizer.isLoneSymbol`: one byte other
/// than '.' and '_', then white space or the text's end), a piece of its own
/// as `Tokenizer.tokenizeByChunk` emits it with nothing pending. Without
/// `tail` the byte after it lies in the text (no test against its length,
/// which would keep `n` in a register through the word loop). Returns 2, or
/// 0 having written nothing.
static inline __attribute__((always_inline)) int take_lone_symbol(const uint8_t *p, size_t n, uint8_t b, uint8_t *keys, state *st,
                                                                   int tail) {
    size_t s = st->i;
    // No special token is one byte long, and a lone piece merges with none ('.' may begin a
    // spaced abbreviation, '_' joins words).
    if (b == '.' || b == '_' || ((!tail || s + 1 != n) && !is_space(p[s + 1]))) return 0;
    punct_token(st->t, st->h, keys, st->kc, b, s);
    st->t->flags = 0x50;  // ascii, spaceBefore
    moved(st, s + 1, st->t + 1, st->h + 1, st->kc + 1);
    return 2;
}

/// Takes the hashtag or handle at `st->i` (its sigil `b`, '#' or '@') whose
/// first 16 bytes `x` have the capitals `u` and the classes `upper`, `lower`
/// and `digit` (`ascii_classes`), when its body is 1 to 14 ASCII letters,
/// digits and '_' (a hashtag's with a letter) before white space (or, with
/// `tail`, the text's end): the token `sigil_or_symbol` writes for it, without
/// the checks for longer or punctuated ones, nor a call (nor, without `tail`,
/// a test against the text's length). Returns 2, or 0 having written nothing.
static inline __attribute__((always_inline)) int take_sigil_word(const uint8_t *p, size_t n, size_t end, uint8_t b, __m128i x,
                                                                  __m128i u, uint32_t upper, uint32_t lower, uint32_t digit,
                                                                  uint8_t *keys, const entex_token_sink *sink, state *st,
                                                                  int tail) {
    size_t s = st->i;
    uint32_t under = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('_')));
    // The sigil's bit set: `take` counts it and the body (16 when the body may go on past `x`).
    uint32_t take = (uint32_t)__builtin_ctz(~(upper | lower | digit | under | 1));
    uint32_t bits = (1u << take) - 1;
    upper &= bits, lower &= bits, digit &= bits;
    if (take < 2 || take == 16 || (b == '#' && !(upper | lower))) return 0;
    size_t e = s + take;
    // Without `tail`, `end` lies more than 16 bytes on.
    if (tail ? !ends_chunk(p, n, end, e) : !is_space(p[e])) return 0;
    if (b == '@') mark_retweet(p, s, st->t, sink->tokens);
    sigil_token(st->t, st->h, keys, st->kc, b, x, u, s, take, upper, lower, digit);
    moved(st, !tail || e < n ? e + 1 : e, st->t + 1, st->h + 1, st->kc + take);
    return 2;
}

/// Takes the word at `st->i` (not white space, before `end`) whose first 16 bytes
/// (zero past the text) are `x`, and its punctuation, as `entex_plain_words`
/// describes (a word with a Latin-1 letter through `latin_word`); returns 0 when
/// it leaves the word to the caller (1 when the chunk is not plain), having
/// written nothing, else 2. The sink's abbreviation bits and first token are
/// read from `sink` only where a rare take needs them: they hold no register
/// in the word loop, which would spill others on its common path.
static inline __attribute__((always_inline)) int take_word(const uint8_t *p, size_t n, size_t end, __m128i x, uint8_t *keys,
                                                            const entex_token_sink *sink, state *st, int tail) {
    size_t s = st->i;
    state cold;  // the state of an out-of-line take (`copied`)
    __m128i u;
    uint32_t upper, lower, digit;
    ascii_classes(x, &u, &upper, &lower, &digit);
    // Bits 16 and up of `~alnum` are set: `take` is at most 16.
    uint32_t take = (uint32_t)__builtin_ctz(~(upper | lower | digit));
    if (take == 0) {
        // Only a Latin-1 letter (C3 xx) besides an ASCII letter or digit starts a plain word;
        // an ASCII byte, a lone symbol, a hashtag or a handle perhaps.
        uint8_t b = p[s];
        if (b < 0x80) {
            // Most often a lone symbol, a hashtag or a handle.
            if (take_lone_symbol(p, n, b, keys, st, tail)
                || ((b == '#' || b == '@') && take_sigil_word(p, n, end, b, x, u, upper, lower, digit, keys, sink, st, tail)))
                return 2;
            return settled(st, &cold, sigil_or_symbol(p, n, end, x, keys, copied(&cold, st), sink->tokens));
        }
        if (b != 0xC3) return settled(st, &cold, lone_other(p, n, end, keys, copied(&cold, st)));
        return take_latin(p, n, end, keys, sink->abbreviations, st);
    }
    size_t e = s + take;
    uint32_t punct = 0;
    // Without `tail`, `end` lies more than 16 bytes on: the word and its punctuation end before it.
    if (tail && e >= end) {
        take = (uint32_t)(end - s);
        e = end;
    } else if (__builtin_expect(p[e] == ' ', 1)) {
        // Most words end at a space: the next one starts after it at the earliest.
        if (!word_token(x, take, keys, st)) return 0;
        st->i = e + 1;
        return 2;
    } else if (!is_space(p[e])) {
        // 16 letters and digits, or a byte that is not white space: the word goes on
        // (a Latin-1 letter), is no plain word ("it's", "well-known", "a_b", "x+y"),
        // or ends at punctuation or a symbol.
        uint8_t b = p[e];
        if (b == 0xC3) return take_latin(p, n, end, keys, sink->abbreviations, st);
        // Any other byte from 0x80 on ends no plain word (`emitPlainWord` gives up
        // there, and `emitPlainWords` at the chunk): the chunk is not one.
        if (b >= 0x80) return settled(st, &cold, take_word_ellipsis(p, n, end, x, take, keys, copied(&cold, st)));
        if (take == 16) return 0;
        // Without `tail` the byte after it lies before `end` (`fast` in `plain_words`).
        if (b == '\'' && take < 15)
            return settled(st, &cold, take_contraction(p, n, end, x, take, keys, sink->abbreviations, copied(&cold, st)));
        if (b == '-') return settled(st, &cold, take_hyphenated(p, n, end, x, take, keys, sink->abbreviations, copied(&cold, st)));
        if (b == '\'' || b == '_') return 1;
        if ((!tail || e + 1 != end) && !is_space(p[e + 1]))
            return settled(st, &cold, take_word_puncts(p, n, end, x, take, keys, sink->abbreviations, copied(&cold, st)));
        // A word and a '.': an abbreviation or an initial perhaps.
        if (b == '.' && ((upper | lower) & ((1u << take) - 1)) && may_abbreviate(x, u, take, upper, sink->abbreviations))
            return 0;
        punct = 1;
    }
    if (!word_token(x, take, keys, st)) return 0;
    if (!punct) {
        // Before `end` the word ends at white space: the next one starts after it at the earliest.
        st->i = !tail || e < end ? e + 1 : e;
        return 2;
    }
    // The punctuation or symbol byte: its own key, no space before.
    punct_token(st->t, st->h, keys, st->kc, p[e], e);
    moved(st, e + 1, st->t + 1, st->h + 1, st->kc + 1);
    return 2;
}

/// Takes the chunk at `st->i`, an opening byte (`"`, `(`, `'`, `*`) or an
/// opening character of `len` bytes (¿, ¡, “, or U+FE0F left by an emoji:
/// `open_len`) before a word, hashtag or handle ("\"Yes", "(Reuters",
/// "'90s", "*word*", "(@user", "¿Qué", "“Yes"), when `take_word` takes what
/// follows it: the opener is a piece of its own (an ASCII byte of its class,
/// `ascii`; ¿ ¡ “ punctuation keyed by their bytes, as NFKC case folding
/// leaves them; U+FE0F a symbol with an empty key, as `lone_other` emits
/// it), and the tokens after it are those of the word alone, without space
/// before. Returns 2, or 1 having written nothing the caller keeps. Only
/// when the word starts before `fast` in `plain_words` (it has 16 bytes to
/// read, and ends with its punctuation and the byte after it before `end`).
/// Out of line: the word loop keeps its registers.
static __attribute__((noinline)) int take_opened(const uint8_t *p, size_t n, size_t end, uint32_t len, uint8_t *keys,
                                                 const entex_token_sink *sink, state *st) {
    size_t s = st->i, kc = st->kc;
    entex_token *t = st->t;
    uint64_t *h = st->h;
    uint32_t klen = len;
    // The opener first: a handle's "RT" check (`sigil_or_symbol`) reads the token before it.
    if (len == 1) {
        punct_token(t, h, keys, kc, p[s], s);
        t->flags = 0x50;  // ascii, spaceBefore
    } else {
        uint64_t k = 0;
        memcpy(&k, p + s, len);
        if (p[s] == 0xEF) {
            klen = 0, k = 0;
            t->kind = 3;  // symbol
        } else {
            memcpy(keys + kc, p + s, len);
            t->kind = 2;  // punct
        }
        t->start = (int32_t)s;
        t->end = (int32_t)(s + len);
        t->key_start = (int32_t)kc;
        t->key_end = (int32_t)(kc + klen);
        t->flags = 0x10;  // spaceBefore
        *h = key_hash(k, 0, klen);
    }
    state inner = {s + len, t + 1, h + 1, kc + klen};
    if (take_word(p, n, end, _mm_loadu_si128((const __m128i *)(p + s + len)), keys, sink, &inner, 0) != 2)
        return 1;
    t[1].flags &= (uint8_t)~0x10;
    *st = inner;
    return 2;
}

/// Whether the byte `c` may begin what `take_opened` takes after an opener:
/// an ASCII letter or digit, a hashtag's or a handle's sigil, or (`latin`)
/// a Latin-1 letter's first byte (C3).
static inline __attribute__((always_inline)) int opens_onto(uint8_t c, int latin) {
    return (entex_tok_class[c] & 4) || c == '#' || c == '@' || (latin && c == 0xC3);
}

/// The length of the opening character at `i` (¿ C2 BF, ¡ C2 A1, “ E2 80
/// 9C, U+FE0F EF B8 8F) before what `take_opened` takes (`opens_onto`), 0
/// for anything else. `p[i + 3]` lies in the text.
static inline __attribute__((always_inline)) uint32_t open_len(const uint8_t *p, size_t i) {
    uint32_t len;
    if (p[i] == 0xC2 && (p[i + 1] == 0xBF || p[i + 1] == 0xA1)) len = 2;
    else if ((p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] == 0x9C) || (p[i] == 0xEF && p[i + 1] == 0xB8 && p[i + 2] == 0x8F)) len = 3;
    else return 0;
    return opens_onto(p[i + len], 1) ? len : 0;
}

/// `entex_plain_words`, inlined into the SSE2 and the AVX2 entry points
/// (the same intrinsics, VEX-encoded in the second, with BMI's shifts).
static inline __attribute__((always_inline)) size_t plain_words(const uint8_t *p, size_t n, size_t i, size_t end,
                                                                size_t from, entex_token_sink *sink) {
    const uint8_t *cls = entex_tok_class;
    sink->not_plain = 0;
    // Every word taken here follows white space (or starts the text): `spaceBefore`.
    if (i == from && i != 0 && i < end && !(cls[p[i]] & 1) && !(cls[p[i - 1]] & 1)) return i;
    size_t room = sink->capacity - sink->count;
    if (room < 2 || i >= end) return i;
    // Every token takes a byte of text at least (a word and its punctuation two): the
    // tokens of the words that start before `stop` fit.
    size_t stop = end - i > room - 1 ? i + room - 1 : end;
    // Words that start before `fast` have 16 bytes to read, and end with their
    // punctuation and the byte after it before `end`.
    size_t fast = n >= 16 ? n - 15 : 0;
    if (fast > stop) fast = stop;
    if (end < 18) fast = 0;
    else if (fast > end - 17) fast = end - 17;
    state st = {i, sink->tokens + sink->count, sink->hashes + sink->count, sink->key_count};
    uint8_t *keys = sink->keys;
    int taken = 2;
    for (;;) {
        // After a word, most often a letter or a digit; else white space, skipped.
        while (st.i < fast && p[st.i] <= ' ' && is_space(p[st.i])) st.i++;
        if (st.i >= fast) break;
        taken = take_word(p, n, end, _mm_loadu_si128((const __m128i *)(p + st.i)), keys, sink, &st, 0);
        // Most takes: straight back to the loop's head, without the tests below.
        if (taken == 2) continue;
        if (taken == 1) {
            uint8_t b = p[st.i];
            state cold;  // `copied`
            if ((b == '"' || b == '(' || b == '\'' || b == '*') && opens_onto(p[st.i + 1], 0)) {
                taken = settled(&st, &cold, take_opened(p, n, end, 1, keys, sink, copied(&cold, &st)));
            } else if (b >= 0xC2) {
                uint32_t len = open_len(p, st.i);
                if (len && st.i + len < fast)
                    taken = settled(&st, &cold, take_opened(p, n, end, len, keys, sink, copied(&cold, &st)));
            }
        }
        if (taken != 2) break;
    }
    if (taken == 2) {
        // The last 16 bytes of the text stored below 16 zero bytes, read from each word's start
        // (`load16` reads them so, storing them for each read: here once for the loop).
        uint8_t b[32] __attribute__((aligned(16)));
        if (n >= 16) {
            _mm_store_si128((__m128i *)b, _mm_loadu_si128((const __m128i *)(p + n - 16)));
            _mm_store_si128((__m128i *)(b + 16), _mm_setzero_si128());
        }
        for (;;) {
            while (st.i < stop && is_space(p[st.i])) st.i++;
            if (st.i >= stop) break;
            __m128i x;
            if (n - st.i >= 16) x = _mm_loadu_si128((const __m128i *)(p + st.i));
            else if (n >= 16) x = _mm_loadu_si128((const __m128i *)(b + 16 - (n - st.i)));
            else break;
            taken = take_word(p, n, end, x, keys, sink, &st, 1);
            if (taken != 2) break;
        }
    }
    sink->not_plain = taken == 1;
    sink->count = (size_t)(st.t - sink->tokens);
    sink->key_count = st.kc;
    return st.i;
}

size_t entex_plain_words_sse2(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink) {
    return plain_words(p, n, i, end, from, sink);
}

__attribute__((target("avx2,bmi,bmi2"))) static size_t plain_words_avx2(const uint8_t *p, size_t n, size_t i, size_t end,
                                                                       size_t from, entex_token_sink *sink) {
    return plain_words(p, n, i, end, from, sink);
}

int entex_plain_words_has_avx2(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    }
    return known;
}

size_t entex_plain_words_avx2(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink) {
    if (!entex_plain_words_has_avx2()) {
        sink->not_plain = 0;
        return i;
    }
    return plain_words_avx2(p, n, i, end, from, sink);
}

size_t entex_plain_words(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink) {
    // The SSE2 loop through its entry point, not inlined here: a jump to either loop, no frame of its own.
    return entex_plain_words_has_avx2() ? plain_words_avx2(p, n, i, end, from, sink)
                                        : entex_plain_words_sse2(p, n, i, end, from, sink);
}

#else

size_t entex_plain_words_sse2(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink) {
    (void)p, (void)n, (void)end, (void)from;
    sink->not_plain = 0;
    return i;
}

size_t entex_plain_words_avx2(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink) {
    return entex_plain_words_sse2(p, n, i, end, from, sink);
}

int entex_plain_words_has_avx2(void) { return 0; }

size_t entex_plain_words(const uint8_t *p, size_t n, size_t i, size_t end, size_t from, entex_token_sink *sink) {
    return entex_plain_words_sse2(p, n, i, end, from, sink);
}

#endif
