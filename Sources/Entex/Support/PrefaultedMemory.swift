#if canImport(Glibc)
import Glibc
#endif

/// Memory for the large scratch tables that are filled in full as soon as they are made
/// (memos, hash slots): from 64 KiB up, an anonymous mapping whose pages the kernel
/// allocates in the `mmap` call (`MAP_POPULATE`) rather than at one page fault per 4 KiB
/// when the fill first writes them. A run's first document made some 250 such faults
/// (a page fault costs about 6 µs of system time on a virtual machine; filling in the
/// call, the zeroed pages cost a fraction of that). Smaller blocks, or any when the
/// mapping fails, come from the allocator. Freed once, by the owner, with `deallocate()`.
struct PrefaultedMemory {
    /// Blocks of at least this many bytes are mapped.
    static let mappedBytes = 1 << 16

    let base: UnsafeMutableRawPointer
    let byteCount: Int
    private let mapped: Bool

    /// `byteCount` bytes aligned to `alignment` (at most a page), uninitialized.
    init(byteCount: Int, alignment: Int) {
        self.byteCount = byteCount
        if byteCount >= PrefaultedMemory.mappedBytes,
           let p = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0),
           p != MAP_FAILED {
            base = p
            mapped = true
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: alignment)
            mapped = false
        }
    }

    func deallocate() {
        if mapped { munmap(base, byteCount) } else { base.deallocate() }
    }
}
