// CSupport: small compiler built-ins that Swift does not expose, as static
// inline functions (so they inline into Swift callers and cost no call).
#ifndef ENTEX_CSUPPORT_H
#define ENTEX_CSUPPORT_H

/// Asks the processor to bring the cache line holding `address` into the cache
/// for a read, without waiting for it: a hint (it never faults, whatever the
/// address), used a few items ahead of a load that would otherwise miss.
static inline __attribute__((always_inline)) void entex_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
