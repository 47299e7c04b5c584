// CZlib: zlib's gzip decompression behind a header that exposes only
// <stdint.h>/<stddef.h> types and an opaque handle.
#ifndef ENTEX_CZLIB_H
#define ENTEX_CZLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Results of `entex_gunzip_run`.
enum {
    /// Made progress; call again with more input or more output room.
    ENTEX_GUNZIP_OK = 0,
    /// One gzip member ended; the inflater is ready for the next member.
    ENTEX_GUNZIP_MEMBER_END = 1,
    /// The data is not gzip or is corrupt; `entex_gunzip_message` says why.
    ENTEX_GUNZIP_ERROR = -1,
};

/// State of one gzip decompression (one stream of one or more members).
typedef struct entex_gunzip entex_gunzip;

/// A new inflater expecting a gzip header, or NULL when out of memory.
entex_gunzip *entex_gunzip_new(void);
void entex_gunzip_free(entex_gunzip *z);

/// Inflates from `input` (length `input_length`) into `output` (capacity
/// `output_capacity`); stores the bytes consumed and produced. After
/// ENTEX_GUNZIP_MEMBER_END the state is reset for a following member.
int32_t entex_gunzip_run(entex_gunzip *z, const uint8_t *input, size_t input_length, size_t *consumed,
                         uint8_t *output, size_t output_capacity, size_t *produced);

/// True while the current member has started but not ended.
int32_t entex_gunzip_in_member(const entex_gunzip *z);

/// zlib's message for the last error (never NULL).
const char *entex_gunzip_message(const entex_gunzip *z);

#ifdef __cplusplus
}
#endif

#endif
