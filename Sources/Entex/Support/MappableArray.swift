#if canImport(Glibc)
import Glibc
#endif

/// An immutable array of plain values (no references) whose elements live either in
/// a Swift array (a gazetteer compiled from its lexicons) or in a read-only memory-mapped
/// file (one read from its cache file), so that a structure read from a cache file uses
/// the file's pages in place instead of copying them.
///
/// Reading an element costs a bounds check and a branch on where it lives; hot loops
/// take `withUnsafeBufferPointer` once. Arrays made by `extracting` share the storage.
struct MappableArray<Element: BitwiseCopyable>: RandomAccessCollection, @unchecked Sendable {
    // Sendable: the elements are never written after creation, and the storage (a Swift
    // array, or the mapping) stays alive as long as any copy of the array exists.
    private enum Storage {
        /// Elements `offset..<offset + count` of an array.
        case owned([Element])
        /// `count` elements at a pointer into a mapping, which keeps them valid.
        case mapped(UnsafePointer<Element>, MappedFile)
    }

    private let storage: Storage
    /// Where the elements start in an `owned` array.
    private let offset: Int
    let count: Int

    /// An empty array.
    init() {
        self.init(Array())
    }

    /// The elements of `elements` (shared with it: an array is never copied).
    init(_ elements: [Element]) {
        storage = .owned(elements)
        offset = 0
        count = elements.count
    }

    /// `count` elements at `base`, inside the mapping of `file`.
    init(viewing base: UnsafePointer<Element>, count: Int, in file: MappedFile) {
        storage = .mapped(base, file)
        offset = 0
        self.count = count
    }

    private init(_ storage: Storage, offset: Int, count: Int) {
        self.storage = storage
        self.offset = offset
        self.count = count
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always)
    subscript(i: Int) -> Element {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "index out of range")
        switch storage {
        case .owned(let elements): return elements[offset &+ i]
        case .mapped(let base, _): return base[i]
        }
    }

    /// Calls `body` with the elements; the pointer is valid only during the call.
    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        switch storage {
        case .owned(let elements):
            return try elements.withUnsafeBufferPointer {
                try body(UnsafeBufferPointer(rebasing: $0[offset..<offset &+ count]))
            }
        case .mapped(let base, let file):
            return try withExtendedLifetime(file) { try body(UnsafeBufferPointer(start: base, count: count)) }
        }
    }

    @inline(__always)
    func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R? {
        try withUnsafeBufferPointer(body)
    }

    /// The elements of `range`, as an array of their own indices (0-based) sharing this one's storage.
    func extracting(_ range: Range<Int>) -> MappableArray {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        switch storage {
        case .owned: return MappableArray(storage, offset: offset + range.lowerBound, count: range.count)
        case .mapped(let base, let file): return MappableArray(viewing: base + range.lowerBound, count: range.count, in: file)
        }
    }

    /// The elements as a Swift array (a copy, unless they are one).
    var array: [Element] {
        if case .owned(let elements) = storage, offset == 0, count == elements.count { return elements }
        return withUnsafeBufferPointer { Array($0) }
    }
}

extension MappableArray: Equatable where Element: Equatable {
    static func == (a: MappableArray, b: MappableArray) -> Bool {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }
}

/// A whole file mapped read-only into memory, unmapped when the last `MappableArray`
/// viewing it goes. Pages are read from the page cache on first touch, so mapping a
/// large file costs almost nothing until its bytes are used.
///
/// The file must not be changed in place while mapped (a truncation would make a
/// later read of a lost page fault): cache files are only ever replaced by a rename,
/// which leaves the mapped file intact.
final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is read-only and unmapped only in deinit.
    let bytes: UnsafeRawBufferPointer
    /// The identity fields of the file mapped (`FileIdentity.identity`), from the open descriptor.
    let identity: [Int64]

    /// Maps `path`; nil when it cannot be opened, is empty, or cannot be mapped.
    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let identity = FileIdentity.identity(descriptor: fd), identity[2] > 0,
              let size = Int(exactly: identity[2]) else { return nil }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        self.identity = identity
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}
