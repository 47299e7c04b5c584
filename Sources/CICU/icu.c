#include "CICU.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/uversion.h>

struct entex_breaker {
    UBreakIterator *iterator;
    UText *text;
};

entex_breaker *entex_breaker_open(int32_t kind, const char *locale, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIteratorType type = kind == ENTEX_BREAK_SENTENCE ? UBRK_SENTENCE : UBRK_WORD;
    UBreakIterator *iterator = ubrk_open(type, locale, NULL, 0, &status);
    if (U_FAILURE(status)) {
        *error = (int32_t)status;
        return NULL;
    }
    entex_breaker *breaker = calloc(1, sizeof(entex_breaker));
    if (!breaker) {
        ubrk_close(iterator);
        *error = (int32_t)U_MEMORY_ALLOCATION_ERROR;
        return NULL;
    }
    breaker->iterator = iterator;
    *error = 0;
    return breaker;
}

void entex_breaker_close(entex_breaker *breaker) {
    if (!breaker) return;
    if (breaker->text) utext_close(breaker->text);
    ubrk_close(breaker->iterator);
    free(breaker);
}

int32_t entex_breaker_set_text(entex_breaker *breaker, const uint8_t *utf8, int64_t length) {
    UErrorCode status = U_ZERO_ERROR;
    // Reuses the UText allocation across documents.
    breaker->text = utext_openUTF8(breaker->text, (const char *)utf8, length, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    ubrk_setUText(breaker->iterator, breaker->text, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    return 0;
}

int64_t entex_breaker_next(entex_breaker *breaker, int32_t *status) {
    int32_t boundary = ubrk_next(breaker->iterator);
    if (boundary == UBRK_DONE) return -1;
    *status = ubrk_getRuleStatus(breaker->iterator);
    // With a UTF-8 UText, ICU reports native (byte) indexes.
    return (int64_t)boundary;
}

// Small inputs (tokens) are folded in stack buffers; longer ones allocate.
enum { STACK_UNITS = 256 };

typedef struct {
    UChar *units;
    int32_t length;
    int32_t capacity;
    UChar stack[STACK_UNITS];
} ubuf;

static void ubuf_init(ubuf *b) {
    b->units = b->stack;
    b->length = 0;
    b->capacity = STACK_UNITS;
}

static int ubuf_reserve(ubuf *b, int32_t capacity) {
    if (capacity <= b->capacity) return 1;
    UChar *units = malloc((size_t)capacity * sizeof(UChar));
    if (!units) return 0;
    if (b->units != b->stack) free(b->units);
    b->units = units;
    b->capacity = capacity;
    return 1;
}

static void ubuf_free(ubuf *b) {
    if (b->units != b->stack) free(b->units);
}

static int32_t from_utf8(ubuf *b, const uint8_t *utf8, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = 0;
    if (!ubuf_reserve(b, length + 1)) return (int32_t)U_MEMORY_ALLOCATION_ERROR;
    // UTF-16 never needs more units than UTF-8 has bytes.
    u_strFromUTF8WithSub(b->units, b->capacity, &needed, (const char *)utf8, length, 0xFFFD, NULL, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    b->length = needed;
    return 0;
}

static int32_t normalize(const UNormalizer2 *norm, const ubuf *in, ubuf *out) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = unorm2_normalize(norm, in->units, in->length, out->units, out->capacity, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        if (!ubuf_reserve(out, needed + 1)) return (int32_t)U_MEMORY_ALLOCATION_ERROR;
        status = U_ZERO_ERROR;
        needed = unorm2_normalize(norm, in->units, in->length, out->units, out->capacity, &status);
    }
    if (U_FAILURE(status)) return (int32_t)status;
    out->length = needed;
    return 0;
}

static int32_t fail(int32_t code) { return code > 0 ? -code : (code == 0 ? -1 : code); }

static int32_t to_utf8(const ubuf *b, uint8_t *out, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t needed = 0;
    u_strToUTF8WithSub((char *)out, capacity, &needed, b->units, b->length, 0xFFFD, NULL, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) return needed;
    if (U_FAILURE(status)) return fail((int32_t)status);
    return needed;
}

int32_t entex_fold_key(const uint8_t *utf8, int32_t length, uint8_t *out, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *casefold = unorm2_getNFKCCasefoldInstance(&status);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&status);
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status)) return fail((int32_t)status);

    ubuf a, b;
    ubuf_init(&a);
    ubuf_init(&b);
    int32_t result = from_utf8(&a, utf8, length);
    if (result == 0) result = normalize(casefold, &a, &b);
    if (result == 0) result = normalize(nfd, &b, &a);
    if (result == 0) {
        // Drop non-spacing marks (accents) in place.
        int32_t kept = 0;
        for (int32_t i = 0; i < a.length;) {
            UChar32 c;
            int32_t start = i;
            U16_NEXT(a.units, i, a.length, c);
            if (u_charType(c) == U_NON_SPACING_MARK) continue;
            for (int32_t j = start; j < i; j++) a.units[kept++] = a.units[j];
        }
        a.length = kept;
        result = normalize(nfc, &a, &b);
    }
    if (result == 0) result = to_utf8(&b, out, capacity);
    else result = fail(result);
    ubuf_free(&a);
    ubuf_free(&b);
    return result;
}

int32_t entex_nfc(const uint8_t *utf8, int32_t length, uint8_t *out, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status)) return fail((int32_t)status);
    ubuf a, b;
    ubuf_init(&a);
    ubuf_init(&b);
    int32_t result = from_utf8(&a, utf8, length);
    if (result == 0) result = normalize(nfc, &a, &b);
    if (result == 0) result = to_utf8(&b, out, capacity);
    else result = fail(result);
    ubuf_free(&a);
    ubuf_free(&b);
    return result;
}

const char *entex_icu_version(void) {
    static char version[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo info;
    u_getVersion(info);
    u_versionToString(info, version);
    return version;
}
