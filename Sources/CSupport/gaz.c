// The first pass of `Gazetteer.match` (declared in include/CSupport.h, block `// gaz`).
#include "CSupport.h"

int64_t entex_gaz_scan(entex_gaz_scan_state *s, uint64_t value, int have_value) {
    const uint8_t *keys = s->keys;
    const entex_gaz_token *tokens = s->tokens;
    const uint64_t *hashes = s->hashes;
    const uint64_t *sets = s->sets;
    const uint64_t *masks = s->masks;
    uint64_t *tags = s->tags;
    uint32_t *walks = s->walks;
    const int64_t word_limit = s->word_limit, n = s->n;
    const unsigned shift = s->shift;
    int64_t t = s->t, walk_count = s->walk_count;
    uint32_t pending = s->pending;
    if (have_value) goto take;
    while (t < n) {
        {
            const entex_gaz_token *token = tokens + t;
            const uint64_t hash = hashes[t];
            const int64_t start = token->key_start;
            const uint32_t length = (uint32_t)(token->key_end - token->key_start);
            // A key in the last 8 bytes of the buffer cannot be read as one word: the caller tags it.
            if (__builtin_expect(start > word_limit, 0)) break;
            uint64_t word;
            __builtin_memcpy(&word, keys + start, 8);
            const uint64_t short_tag = (word & masks[length & 7]) | (uint64_t)length << 56;
            const uint64_t long_tag = (hash & ~1ull) | 1ull << 63;
            // Chosen without a branch: which words are longer than 7 bytes follows the text.
            const uint64_t tag = __builtin_unpredictable(length > 7) ? long_tag : short_tag;
            const uint64_t *set = sets + ((hash >> shift) << 3);
            value = set[1];
            // Not in the set's first way, or a long key's hit to check byte for byte: the caller looks it up.
            if (set[0] != tag || ((tag & ~value) >> 63) != 0) break;
        }
    take:
        tags[t] = value;
        {
            // The previous token starts a walk when a name ends at its state, or when its state
            // has transitions and this token is a second word (`match` skips the walk if their
            // step is known to fail). Worked out for every token, without a branch (a previous
            // token that cannot start a walk has `pending` 0).
            const uint32_t second = (value & (ENTEX_GAZ_SECOND_BIT | 1ull << 63)) == ENTEX_GAZ_SECOND_BIT;
            const uint32_t steps = (pending >> 30) & second;
            walks[walk_count] = (uint32_t)(t - 1);
            walk_count += (int64_t)(steps | pending >> 31);
            if (steps != 0) {
                const uint64_t key = (uint64_t)(pending & ENTEX_GAZ_STATE_MASK) << 32 | ((value >> 32) & ENTEX_GAZ_TERM_MASK);
                const uint64_t product = key * 0x9E3779B97F4A7C15ull;
                __builtin_prefetch(s->step_sets + ((product >> (64 - (ENTEX_GAZ_STEP_BITS - 2))) << 3), 0, 3);
                __builtin_prefetch(s->transitions + ((product ^ product >> 31) & s->transition_mask), 0, 3);
            }
        }
        {
            // This token's `pending` (`Gazetteer.pendingRoot`), without a branch. A key with no
            // state from the root has neither its accepts nor its children bit: only the kind is tested.
            const entex_gaz_token *token = tokens + t;
            const uint32_t root = (uint32_t)value;
            const uint32_t edge = (uint8_t)(token->kind - 2) > 2;
            // Bit 61 of the value (every name of the state needs a capital) without bit 0 of the
            // flags (`capitalized`) clears the accepts bit.
            const uint32_t uncapitalized = ((uint32_t)(value >> 61) & ~(uint32_t)token->flags) << 31;
            pending = edge ? root & ~uncapitalized : 0;
        }
        t += 1;
    }
    s->t = t;
    s->walk_count = walk_count;
    s->pending = pending;
    return t < n;
}
