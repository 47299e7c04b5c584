// CICU: the few ICU services entex needs, behind a header that exposes only
// <stdint.h> types and opaque handles. System ICU's own headers are included
// by the implementation file alone, never by Swift code, so they cannot clash
// with the ICU copy inside Foundation.
#ifndef ENTEX_CICU_H
#define ENTEX_CICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kinds of text boundary analysis.
enum {
    ENTEX_BREAK_WORD = 0,
    ENTEX_BREAK_SENTENCE = 1,
};

/// An ICU break iterator over UTF-8 text. Not thread-safe: one per thread.
typedef struct entex_breaker entex_breaker;

/// Opens a break iterator for `kind` and `locale` (e.g. "en", "es", "root").
/// Returns NULL on failure and stores ICU's error code in `*error`.
entex_breaker *entex_breaker_open(int32_t kind, const char *locale, int32_t *error);
void entex_breaker_close(entex_breaker *breaker);

/// Points the iterator at `length` bytes of valid UTF-8. The bytes must stay
/// alive and unchanged until the next call to this function or close.
/// Returns 0 on success or an ICU error code.
int32_t entex_breaker_set_text(entex_breaker *breaker, const uint8_t *utf8, int64_t length);

/// The next boundary as a byte offset into the text, or -1 when done.
/// `*status` receives the rule status of the segment ending there
/// (word iterators: 0-99 none, 100-199 number, 200-299 letter,
/// 300-399 kana, 400-499 ideographic).
int64_t entex_breaker_next(entex_breaker *breaker, int32_t *status);

/// Fold UTF-8 text into a match key: NFKC case folding (compatibility forms,
/// case, default ignorables), then removal of non-spacing marks, then NFC.
/// Writes at most `capacity` bytes into `out` and returns the length of the
/// key, which may exceed `capacity` (call again with a bigger buffer), or a
/// negative ICU error code.
int32_t entex_fold_key(const uint8_t *utf8, int32_t length, uint8_t *out, int32_t capacity);

/// NFC-normalize UTF-8 text; same buffer contract as `entex_fold_key`.
int32_t entex_nfc(const uint8_t *utf8, int32_t length, uint8_t *out, int32_t capacity);

/// The ICU version string, e.g. "72.1".
const char *entex_icu_version(void);

#ifdef __cplusplus
}
#endif

#endif
