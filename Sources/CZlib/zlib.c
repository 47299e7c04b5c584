#include "CZlib.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct entex_gunzip {
    z_stream stream;
    int32_t in_member;
    const char *message;
};

entex_gunzip *entex_gunzip_new(void) {
    entex_gunzip *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    // 16 + MAX_WBITS: expect a gzip header and trailer (not raw zlib).
    if (inflateInit2(&z->stream, 16 + MAX_WBITS) != Z_OK) {
        free(z);
        return NULL;
    }
    z->message = "no error";
    return z;
}

void entex_gunzip_free(entex_gunzip *z) {
    if (!z) return;
    inflateEnd(&z->stream);
    free(z);
}

int32_t entex_gunzip_run(entex_gunzip *z, const uint8_t *input, size_t input_length, size_t *consumed,
                         uint8_t *output, size_t output_capacity, size_t *produced) {
    // zlib counts in uInt; callers pass chunks far below 4 GiB.
    uInt in_length = input_length > 0x40000000u ? 0x40000000u : (uInt)input_length;
    uInt out_capacity = output_capacity > 0x40000000u ? 0x40000000u : (uInt)output_capacity;
    z->stream.next_in = (Bytef *)input;
    z->stream.avail_in = in_length;
    z->stream.next_out = output;
    z->stream.avail_out = out_capacity;
    if (in_length > 0) z->in_member = 1;
    int status = inflate(&z->stream, Z_NO_FLUSH);
    *consumed = in_length - z->stream.avail_in;
    *produced = out_capacity - z->stream.avail_out;
    switch (status) {
    case Z_OK:
        return ENTEX_GUNZIP_OK;
    case Z_BUF_ERROR:
        // No progress was possible with this input and output: not an error by itself.
        return ENTEX_GUNZIP_OK;
    case Z_STREAM_END:
        inflateReset(&z->stream);
        z->in_member = 0;
        return ENTEX_GUNZIP_MEMBER_END;
    default:
        z->message = z->stream.msg ? z->stream.msg : (status == Z_MEM_ERROR ? "out of memory" : "corrupt gzip data");
        return ENTEX_GUNZIP_ERROR;
    }
}

int32_t entex_gunzip_in_member(const entex_gunzip *z) { return z->in_member; }

const char *entex_gunzip_message(const entex_gunzip *z) { return z->message; }
