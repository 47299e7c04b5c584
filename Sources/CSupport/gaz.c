// The first pass of `Gazetteer.match` (declared in include/CSupport.h, block `// gaz`).
#include "CSupport.h"

int64_t entex_gaz_scan(entex_gaz_scan_state *s, uint64_t value, int have_value) {
    const uint8_t *keys = s->keys;
    const entex_gaz_token *tokens = s->tokens;
    const uint64_t *hashes = s->hashes;
    uint64_t *sets = s->sets;
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
            uint64_t *set = sets + ((hash >> shift) << 3);
            if (set[0] == tag) {
                value = set[1];
                // A long key's remembered hit, to check byte for byte: the caller does.
                if (((tag & ~value) >> 63) != 0) break;
            } else {
                // Another way (`MemoSets.hit`): its entry becomes the first, the ones before it
                // move one way down. In no way, or a long key's hit: the caller looks it up.
                const int way = set[2] == tag ? 1 : set[4] == tag ? 2 : set[6] == tag ? 3 : 0;
                if (way == 0) break;
                value = set[2 * way + 1];
                if (((tag & ~value) >> 63) != 0) break;
                for (int w = way; w > 0; w--) {
                    set[2 * w] = set[2 * w - 2];
                    set[2 * w + 1] = set[2 * w - 1];
                }
                set[0] = tag;
                set[1] = value;
            }
        }
    take:
        tags[t] = value;
        {
            // The previous token starts a walk when a name ends at its state, or when its state
            // has transitions and this token is a second word (`match` skips the walk if their
            // step is known to fail). Worked out for every token, without a branch (a previous
            // token that cannot start a walk has `pending` 0).
            const uint32_t second = (value & (ENTEX_GAZ_SECOND_BIT | 1ull << 63)) == ENTEX_GAZ_SECOND_BIT;
            // (The first step is prefetched by the walk loop, two walks ahead: prefetched here,
            // under a test of `steps`, it cost about 0.1 mispredicted branches a token.)
            const uint32_t steps = (pending >> 30) & second;
            walks[walk_count] = (uint32_t)(t - 1);
            walk_count += (int64_t)(steps | pending >> 31);
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
