#include "CPCRE2.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JIT_NOT_TRIED = 0, JIT_READY = 1, JIT_UNAVAILABLE = 2 };

// The JIT compile is made on the first match, not at compile time: most of
// start-up went into JIT-compiling patterns that a run never tries (or whose
// unanchored form only serves to check examples). `jit_state` is read with
// acquire ordering on every match; only the first caller takes `lock`, and
// every match waits for the JIT compile to finish, because
// pcre2_jit_compile changes the code that pcre2_match reads.
struct entex_regex {
    pcre2_code *code;
    _Atomic int32_t jit_state;
    pthread_mutex_t lock;
};

/// Makes the JIT compile once (whichever thread comes first); returns 1 when the pattern runs JIT-compiled.
static int32_t ensure_jit(const entex_regex *shared) {
    entex_regex *regex = (entex_regex *)shared;
    int32_t state = atomic_load_explicit(&regex->jit_state, memory_order_acquire);
    if (state == JIT_NOT_TRIED) {
        pthread_mutex_lock(&regex->lock);
        state = atomic_load_explicit(&regex->jit_state, memory_order_relaxed);
        if (state == JIT_NOT_TRIED) {
            state = pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE) == 0 ? JIT_READY : JIT_UNAVAILABLE;
            atomic_store_explicit(&regex->jit_state, state, memory_order_release);
        }
        pthread_mutex_unlock(&regex->lock);
    }
    return state == JIT_READY;
}

struct entex_matcher {
    pcre2_match_data *data;
    pcre2_match_context *context;
    pcre2_jit_stack *stack;
    /// PCRE2's offsets of `data` (fixed for its lifetime), read in place by
    /// `entex_regex_match_in_place` callers: no library call and no copy per match.
    PCRE2_SIZE *offsets;
    uint32_t offset_pairs;
};

entex_regex *entex_regex_compile(const uint8_t *pattern, size_t length, uint32_t flags,
                                 size_t *error_offset, char *message, size_t message_capacity) {
    uint32_t options = PCRE2_UTF;
    if (flags & ENTEX_RE_CASELESS) options |= PCRE2_CASELESS;
    if (flags & ENTEX_RE_UCP) options |= PCRE2_UCP;
    if (flags & ENTEX_RE_EXTENDED) options |= PCRE2_EXTENDED;
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *code = pcre2_compile(pattern, length, options, &error, &offset, NULL);
    if (!code) {
        *error_offset = offset;
        if (message && message_capacity) pcre2_get_error_message(error, (PCRE2_UCHAR *)message, message_capacity);
        return NULL;
    }
    entex_regex *regex = calloc(1, sizeof(entex_regex));
    if (!regex) {
        pcre2_code_free(code);
        *error_offset = 0;
        if (message && message_capacity) snprintf(message, message_capacity, "out of memory");
        return NULL;
    }
    regex->code = code;
    atomic_init(&regex->jit_state, JIT_NOT_TRIED);
    pthread_mutex_init(&regex->lock, NULL);
    return regex;
}

void entex_regex_free(entex_regex *regex) {
    if (!regex) return;
    pcre2_code_free(regex->code);
    pthread_mutex_destroy(&regex->lock);
    free(regex);
}

int32_t entex_regex_is_jit(const entex_regex *regex) { return ensure_jit(regex); }

int32_t entex_regex_jit_tried(const entex_regex *regex) {
    return atomic_load_explicit(&((entex_regex *)regex)->jit_state, memory_order_acquire) != JIT_NOT_TRIED;
}

uint32_t entex_regex_capture_count(const entex_regex *regex) {
    uint32_t count = 0;
    pcre2_pattern_info(regex->code, PCRE2_INFO_CAPTURECOUNT, &count);
    return count;
}

uint32_t entex_regex_group_numbers(const entex_regex *regex, const char *name,
                                   uint32_t *numbers, uint32_t capacity) {
    PCRE2_SPTR first = NULL, last = NULL;
    int entry_size = pcre2_substring_nametable_scan(regex->code, (PCRE2_SPTR)name, &first, &last);
    if (entry_size <= 0 || !first) return 0;
    uint32_t count = 0;
    for (PCRE2_SPTR entry = first; entry <= last; entry += entry_size) {
        // Each name-table entry starts with the group number, big-endian, in two bytes.
        if (count < capacity) numbers[count] = ((uint32_t)entry[0] << 8) | entry[1];
        count++;
    }
    return count;
}

const uint8_t *entex_regex_name_table(const entex_regex *regex, uint32_t *count, uint32_t *entry_size) {
    PCRE2_SPTR table = NULL;
    *count = 0;
    *entry_size = 0;
    if (pcre2_pattern_info(regex->code, PCRE2_INFO_NAMECOUNT, count) != 0 || *count == 0 ||
        pcre2_pattern_info(regex->code, PCRE2_INFO_NAMEENTRYSIZE, entry_size) != 0 ||
        pcre2_pattern_info(regex->code, PCRE2_INFO_NAMETABLE, &table) != 0 || !table) {
        *count = 0;
        return NULL;
    }
    return table;
}

int32_t entex_regex_start_bytes(const entex_regex *regex, uint8_t *bitmap) {
    uint32_t type = 0;
    if (pcre2_pattern_info(regex->code, PCRE2_INFO_FIRSTCODETYPE, &type) != 0) return 0;
    memset(bitmap, 0, 32);
    if (type == 1) {
        // One first code unit; PCRE2 does not say whether it is caseless, so an
        // ASCII letter allows both cases and a non-ASCII unit allows anything.
        uint32_t unit = 0;
        if (pcre2_pattern_info(regex->code, PCRE2_INFO_FIRSTCODEUNIT, &unit) != 0 || unit >= 0x80) return 0;
        bitmap[unit >> 3] |= (uint8_t)(1u << (unit & 7));
        uint32_t lower = unit | 0x20;
        if (lower >= 'a' && lower <= 'z') {
            bitmap[lower >> 3] |= (uint8_t)(1u << (lower & 7));
            uint32_t upper = lower & ~0x20u;
            bitmap[upper >> 3] |= (uint8_t)(1u << (upper & 7));
        }
        return 1;
    }
    if (type != 0) return 0;
    const uint8_t *bits = NULL;
    if (pcre2_pattern_info(regex->code, PCRE2_INFO_FIRSTBITMAP, &bits) != 0 || !bits) return 0;
    memcpy(bitmap, bits, 32);
    return 1;
}

entex_matcher *entex_matcher_create(uint32_t pairs, uint32_t match_limit, uint32_t depth_limit) {
    entex_matcher *matcher = calloc(1, sizeof(entex_matcher));
    if (!matcher) return NULL;
    matcher->data = pcre2_match_data_create(pairs ? pairs : 1, NULL);
    matcher->context = pcre2_match_context_create(NULL);
    matcher->stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (!matcher->data || !matcher->context) {
        entex_matcher_free(matcher);
        return NULL;
    }
    matcher->offsets = pcre2_get_ovector_pointer(matcher->data);
    matcher->offset_pairs = pcre2_get_ovector_count(matcher->data);
    pcre2_set_match_limit(matcher->context, match_limit);
    pcre2_set_depth_limit(matcher->context, depth_limit);
    if (matcher->stack) pcre2_jit_stack_assign(matcher->context, NULL, matcher->stack);
    return matcher;
}

void entex_matcher_free(entex_matcher *matcher) {
    if (!matcher) return;
    if (matcher->data) pcre2_match_data_free(matcher->data);
    if (matcher->context) pcre2_match_context_free(matcher->context);
    if (matcher->stack) pcre2_jit_stack_free(matcher->stack);
    free(matcher);
}

/// The result of `rc` (a pcre2_match result): the pairs set, 0 for no match, or an error.
static inline int32_t match_result(int rc, const entex_matcher *matcher) {
    if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL) return 0;
    if (rc == 0) return (int32_t)matcher->offset_pairs;  // ovector too small: every slot was filled
    return rc;
}

/// Copies the match of `rc` (a pcre2_match result) into `ovector`; returns the pairs set, 0 or an error.
static int32_t finish_match(int rc, entex_matcher *matcher, size_t *ovector, uint32_t pairs) {
    rc = match_result(rc, matcher);
    if (rc <= 0) return rc;
    const PCRE2_SIZE *vector = matcher->offsets;
    uint32_t copy = (uint32_t)rc < pairs ? (uint32_t)rc : pairs;
    for (uint32_t i = 0; i < copy; i++) {
        ovector[2 * i] = vector[2 * i];
        ovector[2 * i + 1] = vector[2 * i + 1];
    }
    return rc;
}

/// Matches with the JIT when the pattern has it (and the match is not `anchored`, an
/// option the JIT entry point does not take), else with the interpreter.
static inline int run_match(const entex_regex *regex, const uint8_t *subject, size_t length, size_t start,
                            int32_t anchored, entex_matcher *matcher) {
    uint32_t options = PCRE2_NO_UTF_CHECK;
    if (anchored) options |= PCRE2_ANCHORED;
    if (ensure_jit(regex) && !anchored) {
        // The JIT entry point skips argument checks; the subject is valid UTF-8.
        return pcre2_jit_match(regex->code, subject, length, start, options, matcher->data, matcher->context);
    }
    return pcre2_match(regex->code, subject, length, start, options, matcher->data, matcher->context);
}

int32_t entex_regex_match(const entex_regex *regex, const uint8_t *subject, size_t length,
                          size_t start, int32_t anchored, entex_matcher *matcher,
                          size_t *ovector, uint32_t pairs) {
    return finish_match(run_match(regex, subject, length, start, anchored, matcher), matcher, ovector, pairs);
}

int32_t entex_regex_match_in_place(const entex_regex *regex, const uint8_t *subject, size_t length,
                                   size_t start, entex_matcher *matcher) {
    return match_result(run_match(regex, subject, length, start, 0, matcher), matcher);
}

const size_t *entex_matcher_offsets(const entex_matcher *matcher) { return matcher->offsets; }

int32_t entex_regex_match_interpreted(const entex_regex *shared, const uint8_t *subject, size_t length,
                                      size_t start, entex_matcher *matcher, size_t *ovector, uint32_t pairs) {
    entex_regex *regex = (entex_regex *)shared;
    // The lock keeps this match apart from a JIT compile started by another thread.
    pthread_mutex_lock(&regex->lock);
    int rc = pcre2_match(regex->code, subject, length, start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                         matcher->data, matcher->context);
    pthread_mutex_unlock(&regex->lock);
    return finish_match(rc, matcher, ovector, pairs);
}

const char *entex_pcre2_version(void) {
    static char version[64];
    if (!version[0]) pcre2_config(PCRE2_CONFIG_VERSION, version);
    return version;
}

void entex_pcre2_error_message(int32_t code, char *message, size_t capacity) {
    pcre2_get_error_message(code, (PCRE2_UCHAR *)message, capacity);
}

uint8_t *entex_regex_serialize(const entex_regex *const *regexes, uint32_t count, size_t *size) {
    if (count == 0 || count > INT32_MAX) return NULL;
    const pcre2_code **codes = malloc(count * sizeof(pcre2_code *));
    if (!codes) return NULL;
    for (uint32_t i = 0; i < count; i++) codes[i] = regexes[i]->code;
    uint8_t *bytes = NULL;
    PCRE2_SIZE length = 0;
    int32_t rc = pcre2_serialize_encode(codes, (int32_t)count, &bytes, &length, NULL);
    free(codes);
    if (rc != (int32_t)count) return NULL;
    *size = length;
    return bytes;
}

void entex_regex_serialized_free(uint8_t *bytes) { pcre2_serialize_free(bytes); }

int32_t entex_regex_deserialize(const uint8_t *bytes, size_t size, uint32_t count, entex_regex **regexes) {
    // The header (magic, version, configuration, number of codes: four 32-bit words)
    // must be there before PCRE2 reads it; PCRE2 checks the first three.
    if (size < 16 || count == 0 || count > INT32_MAX) return -1;
    if (pcre2_serialize_get_number_of_codes(bytes) != (int32_t)count) return -1;
    pcre2_code **codes = calloc(count, sizeof(pcre2_code *));
    if (!codes) return -1;
    if (pcre2_serialize_decode(codes, (int32_t)count, bytes, NULL) != (int32_t)count) {
        free(codes);
        return -1;
    }
    uint32_t made = 0;
    for (; made < count; made++) {
        entex_regex *regex = calloc(1, sizeof(entex_regex));
        if (!regex) break;
        regex->code = codes[made];
        atomic_init(&regex->jit_state, JIT_NOT_TRIED);
        pthread_mutex_init(&regex->lock, NULL);
        regexes[made] = regex;
    }
    if (made < count) {
        for (uint32_t i = 0; i < made; i++) entex_regex_free(regexes[i]);
        for (uint32_t i = made; i < count; i++) pcre2_code_free(codes[i]);
        free(codes);
        return -1;
    }
    free(codes);
    return (int32_t)count;
}
