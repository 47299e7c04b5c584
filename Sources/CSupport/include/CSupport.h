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

#endif
