// CPCRE2: PCRE2 (8-bit, UTF, JIT) behind a header that exposes only
// <stdint.h>/<stddef.h> types and opaque handles. PCRE2 renames its
// functions with width macros that Swift cannot see; these wrappers are the
// names Swift calls.
#ifndef ENTEX_CPCRE2_H
#define ENTEX_CPCRE2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    ENTEX_RE_CASELESS = 1u << 0,
    ENTEX_RE_UCP = 1u << 1,        // \w, \d, \b and POSIX classes use Unicode properties
    ENTEX_RE_EXTENDED = 1u << 2,   // whitespace and # comments in the pattern are ignored
};

/// A compiled pattern; safe to share across threads (its one change after
/// compilation, the lazy JIT compile, is made once under a lock).
typedef struct entex_regex entex_regex;
/// Per-thread match state: match data, a match context with limits, a JIT stack.
typedef struct entex_matcher entex_matcher;

/// Compiles a UTF-8 pattern (always in UTF mode). The JIT compile, when the
/// JIT is available, is made once on first use (a match or
/// `entex_regex_is_jit`), by whichever thread comes first; other threads wait
/// for it. On failure returns NULL, writes PCRE2's error message into
/// `message` (NUL-terminated) and the byte offset of the error into
/// `*error_offset`.
entex_regex *entex_regex_compile(const uint8_t *pattern, size_t length, uint32_t flags,
                                 size_t *error_offset, char *message, size_t message_capacity);
void entex_regex_free(entex_regex *regex);
/// 1 when the pattern runs JIT-compiled (makes the JIT compile if not yet made).
int32_t entex_regex_is_jit(const entex_regex *regex);
/// 1 once the JIT compile has been tried (for tests of the lazy compile).
int32_t entex_regex_jit_tried(const entex_regex *regex);
/// Number of capture groups.
uint32_t entex_regex_capture_count(const entex_regex *regex);
/// Numbers of the capture groups called `name` (NUL-terminated UTF-8):
/// several when groups share a name (`(?J)`). Writes up to `capacity`
/// numbers in ascending order into `numbers` and returns how many groups
/// have that name (0 when none).
uint32_t entex_regex_group_numbers(const entex_regex *regex, const char *name,
                                   uint32_t *numbers, uint32_t capacity);

/// The pattern's table of named groups: `*count` entries of `*entry_size` bytes, each
/// the group number (big-endian, two bytes) then the name (NUL-terminated UTF-8), sorted
/// by name, groups of one name (`(?J)`) in ascending number; NULL when it has none.
const uint8_t *entex_regex_name_table(const entex_regex *regex, uint32_t *count, uint32_t *entry_size);

/// The bytes a match can start with, as PCRE2 worked them out at compile
/// time (its start-of-match optimization): writes a 256-bit set into
/// `bitmap` (32 bytes, bit b of byte b/8 for byte value b) and returns 1, or
/// returns 0 when a match may start with any byte.
int32_t entex_regex_start_bytes(const entex_regex *regex, uint8_t *bitmap);

/// Creates match state with a match limit and a depth limit (backtracking
/// bounds, so hostile input cannot hang a match). Capacity for `pairs`
/// capture pairs (group 0 included).
entex_matcher *entex_matcher_create(uint32_t pairs, uint32_t match_limit, uint32_t depth_limit);
void entex_matcher_free(entex_matcher *matcher);

/// Finds the first match in `subject[0..length)` starting at `start`. The
/// subject must be valid UTF-8 (checked once per document by the caller):
/// no UTF check is made here. Returns the number of capture pairs set (>0),
/// 0 for no match, or a negative PCRE2 error code (for instance the match
/// limit). Capture offsets (byte offsets, start and end interleaved, unset
/// groups as SIZE_MAX) are copied into `ovector` up to `pairs` pairs.
/// `anchored` != 0 matches only at `start`.
int32_t entex_regex_match(const entex_regex *regex, const uint8_t *subject, size_t length,
                          size_t start, int32_t anchored, entex_matcher *matcher,
                          size_t *ovector, uint32_t pairs);

/// `entex_regex_match` (unanchored) without copying the offsets: they are read in place,
/// from `entex_matcher_offsets(matcher)`, until the matcher's next match. Returns what
/// `entex_regex_match` returns (pairs set, 0 for no match, or a negative error code).
int32_t entex_regex_match_in_place(const entex_regex *regex, const uint8_t *subject, size_t length,
                                   size_t start, entex_matcher *matcher);

/// The capture offsets of the matcher's last match (`entex_regex_match_in_place`), laid
/// out as `entex_regex_match` copies them; the pointer stays the same for the matcher's life.
const size_t *entex_matcher_offsets(const entex_matcher *matcher);

/// `entex_regex_match` (unanchored) with PCRE2's interpreter, without making the
/// JIT compile: for checking a pattern's examples at load time, where
/// JIT-compiling costs far more than the match. Same results as the JIT.
int32_t entex_regex_match_interpreted(const entex_regex *regex, const uint8_t *subject, size_t length,
                                      size_t start, entex_matcher *matcher, size_t *ovector, uint32_t pairs);

/// The compiled code of `count` patterns (all made by `entex_regex_compile`) as one
/// byte string (PCRE2's serialized form, for this PCRE2 version only), for a cache file;
/// NULL on failure. Free it with `entex_regex_serialized_free`.
uint8_t *entex_regex_serialize(const entex_regex *const *regexes, uint32_t count, size_t *size);
void entex_regex_serialized_free(uint8_t *bytes);
/// The `count` patterns of what `entex_regex_serialize` made (`size` bytes) into
/// `regexes`, each to be freed with `entex_regex_free`; returns `count`, or -1 when
/// the bytes are of another PCRE2 version or configuration, hold another number of
/// patterns, or are too short (nothing is then made). PCRE2 checks the header only:
/// the caller must know the bytes undamaged (a cache file's checksum).
int32_t entex_regex_deserialize(const uint8_t *bytes, size_t size, uint32_t count, entex_regex **regexes);

/// The PCRE2 version string.
const char *entex_pcre2_version(void);
/// Error text for a PCRE2 error code.
void entex_pcre2_error_message(int32_t code, char *message, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
