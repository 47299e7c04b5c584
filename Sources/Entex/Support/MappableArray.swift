#if canImport(Glibc)
import Glibc
#endif

/// An immutable array of plain values (no references) whose elements live either in
/// an allocation of its own (a gazetteer compiled from its lexicons) or in a read-only
/// memory-mapped file (one read from its cache file), so that a structure read from a
/// cache file uses the file's pages in place instead of copying them.
///
/// The elements are at one fixed address for the array's whole life, whichever the
/// storage: reading one costs what an `Array` read costs (a bounds check and a load),
/// and `withUnsafeBufferPointer` no more than building the buffer. (Keeping a compiled
/// gazetteer's Swift arrays instead of copying them, behind a branch on the storage,
/// made matching 4 % slower: a Swift array's elements may be borrowed only inside a
/// closure, so each access and each borrow had to branch.) Arrays made by `extracting`
/// share the storage.
struct MappableArray<Element: BitwiseCopyable>: RandomAccessCollection, @unchecked Sendable {
    // Sendable: the elements are never written after creation, and `owner` (immutable
    // too) keeps them alive as long as any copy of the array exists.
    private let base: UnsafePointer<Element>?
    let count: Int
    /// Keeps the elements alive: an `OwnedElements` or a `MappedFile` (nil when empty).
    private let owner: AnyObject?

    /// An empty array.
    init() {
        base = nil
        count = 0
        owner = nil
    }

    /// A copy of `elements`, in an allocation of its own.
    init(_ elements: [Element]) {
        guard !elements.isEmpty else {
            self.init()
            return
        }
        let storage = OwnedElements(elements)
        self.init(base: UnsafePointer(storage.elements.baseAddress!), count: elements.count, owner: storage)
    }

    /// The elements of `elements`, in an allocation of its own; `elements` is left empty, so
    /// that its storage (when nothing else shares it) is freed as soon as the copy is made.
    /// A gazetteer compiled from a million entries is built this way one array at a time:
    /// copying them all while the originals were alive doubled its memory.
    init(taking elements: inout [Element]) {
        self.init(elements)
        elements = []
    }

    /// `count` copies of `value`, in an allocation of its own, then changed by `fill`
    /// (given the elements, the only time they can be written): a table is built in the
    /// storage it is used from, rather than in an `Array` that is then copied.
    init(repeating value: Element, count: Int, fill: (UnsafeMutableBufferPointer<Element>) -> Void) {
        guard count > 0 else {
            self.init()
            return
        }
        let storage = OwnedElements<Element>(repeating: value, count: count)
        fill(storage.elements)
        self.init(base: UnsafePointer(storage.elements.baseAddress!), count: count, owner: storage)
    }

    /// `count` elements at `base`, inside the mapping of `file`.
    init(viewing base: UnsafePointer<Element>, count: Int, in file: MappedFile) {
        self.init(base: base, count: count, owner: file)
    }

    private init(base: UnsafePointer<Element>?, count: Int, owner: AnyObject?) {
        self.base = base
        self.count = count
        self.owner = owner
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    @inline(__always)
    subscript(i: Int) -> Element {
        precondition(UInt(bitPattern: i) < UInt(bitPattern: count), "index out of range")
        return base.unsafelyUnwrapped[i]
    }

    /// Element `i`, not checked against `count`: for an index the caller's structure keeps in
    /// range (a filter's word, a hash table's slot), read through this array, which the caller
    /// holds, so that nothing is retained (`withUnsafeBufferPointer` extends the owner's life
    /// at every call, a retain and a release where the array is a copy).
    @inline(__always)
    func element(unchecked i: Int) -> Element {
        base.unsafelyUnwrapped[i]
    }

    /// The address of the elements (nil when empty), valid while this array (or a copy) is
    /// alive: for reads by a method of a structure that stores the array, as `element(unchecked:)`.
    @inline(__always)
    var baseAddress: UnsafePointer<Element>? { base }

    /// Calls `body` with the elements; the pointer is valid only during the call.
    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        // The owner outlives the call (`defer`, not a closure around `body`: with one, nested
        // borrows such as `Gazetteer.withTables` were not inlined and copied their captures).
        defer { withExtendedLifetime(owner) {} }
        return try body(UnsafeBufferPointer(start: base, count: count))
    }

    @inline(__always)
    func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R? {
        try withUnsafeBufferPointer(body)
    }

    /// The elements of `range`, as an array of their own indices (0-based) sharing this one's storage.
    func extracting(_ range: Range<Int>) -> MappableArray {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        guard let base, !range.isEmpty else { return MappableArray() }
        return MappableArray(base: base + range.lowerBound, count: range.count, owner: owner)
    }

    /// The elements as a Swift array (a copy).
    var array: [Element] { withUnsafeBufferPointer { Array($0) } }
}

extension MappableArray: Equatable where Element: Equatable {
    static func == (a: MappableArray, b: MappableArray) -> Bool {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in a.elementsEqual(b) } }
    }
}

/// Elements copied into an allocation of their own, freed with the last array using them.
private final class OwnedElements<Element: BitwiseCopyable> {
    let elements: UnsafeMutableBufferPointer<Element>

    init(_ array: [Element]) {
        elements = .allocate(capacity: array.count)
        _ = elements.initialize(fromContentsOf: array)
    }

    init(repeating value: Element, count: Int) {
        elements = .allocate(capacity: count)
        elements.initialize(repeating: value)
    }

    deinit { elements.deallocate() }
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
