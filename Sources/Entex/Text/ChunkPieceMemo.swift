/// ICU's word pieces of short chunks seen before, by the chunk's bytes
/// (`Tokenizer.memoizedICUPieces`): an open-addressing table keyed by the
/// `KeyHash` of the bytes, the bytes and the pieces (offsets from the
/// chunk's start) kept in two flat buffers. A lookup costs a probe or two
/// and a comparison of at most `maxBytes` bytes: no dictionary hashing,
/// reference counting or allocation. Holds at most `limit` chunks, the
/// first ones seen; a chunk whose hash is taken by other bytes is not
/// added. Owned by one tokenizer, which frees it (`deallocate`).
struct ChunkPieceMemo {
    /// One slot: `byteCount` 0 is empty (no chunk is).
    struct Slot {
        var hash: UInt64 = 0
        var bytesStart: Int32 = 0
        var piecesStart: Int32 = 0
        var byteCount: UInt8 = 0
        var pieceCount: UInt8 = 0
    }

    /// The longest chunk kept (its pieces fit `Slot.pieceCount`).
    static let maxBytes = 32
    let limit: Int
    /// How many chunks are kept.
    private(set) var count = 0
    private let slots: UnsafeMutablePointer<Slot>
    /// The slots' memory (filled in full at once: `PrefaultedMemory`).
    private let slotMemory: PrefaultedMemory
    private let mask: Int
    private var bytes: GrowableBuffer<UInt8>
    private var pieces: GrowableBuffer<Tokenizer.Piece>

    init(limit: Int) {
        self.limit = limit
        var size = 16
        while size < 2 * limit { size *= 2 }
        mask = size - 1
        slotMemory = PrefaultedMemory(byteCount: size * MemoryLayout<Slot>.stride, alignment: MemoryLayout<Slot>.alignment)
        slots = slotMemory.base.initializeMemory(as: Slot.self, repeating: Slot(), count: size)
        bytes = GrowableBuffer(capacity: 1024)
        pieces = GrowableBuffer(capacity: 256)
    }

    func deallocate() {
        slotMemory.deallocate()
        bytes.deallocate()
        pieces.deallocate()
    }

    /// The slot of `hash`, or the empty slot where it would go.
    @inline(__always)
    private func slot(of hash: UInt64) -> UnsafeMutablePointer<Slot> {
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i].byteCount != 0, slots[i].hash != hash { i = (i &+ 1) & mask }
        return slots + i
    }

    /// Appends the kept pieces of `chunk` to `out`, moved to start at
    /// `start`, and returns true; false, appending nothing, when the bytes
    /// of `chunk` (`hash` its `KeyHash`) are not kept.
    @inline(__always)
    func appendPieces(of chunk: UnsafeBufferPointer<UInt8>, hash: UInt64, start: Int,
                      to out: inout GrowableBuffer<Tokenizer.Piece>) -> Bool {
        let s = slot(of: hash).pointee
        guard Int(s.byteCount) == chunk.count else { return false }
        let kept = bytes.base + Int(s.bytesStart)
        for k in 0..<chunk.count where kept[k] != chunk[k] { return false }
        let from = pieces.base + Int(s.piecesStart)
        out.reserve(Int(s.pieceCount))
        for k in 0..<Int(s.pieceCount) {
            let piece = from[k]
            out.append(Tokenizer.Piece(start: start &+ piece.start, end: start &+ piece.end, kind: piece.kind))
        }
        return true
    }

    /// Keeps `chunk` (1 to `maxBytes` bytes, `hash` its `KeyHash`) and its
    /// `found` pieces (offsets from `start`), unless the memo is full or
    /// holds other bytes of the same hash.
    mutating func insert(_ chunk: UnsafeBufferPointer<UInt8>, hash: UInt64, start: Int,
                         found: UnsafeBufferPointer<Tokenizer.Piece>) {
        precondition(chunk.count >= 1 && chunk.count <= ChunkPieceMemo.maxBytes && found.count <= ChunkPieceMemo.maxBytes)
        guard count < limit else { return }
        let s = slot(of: hash)
        guard s.pointee.byteCount == 0 else { return }
        s.pointee = Slot(hash: hash, bytesStart: Int32(bytes.count), piecesStart: Int32(pieces.count),
                         byteCount: UInt8(chunk.count), pieceCount: UInt8(found.count))
        bytes.append(contentsOf: chunk)
        for piece in found {
            pieces.append(Tokenizer.Piece(start: piece.start &- start, end: piece.end &- start, kind: piece.kind))
        }
        count += 1
    }
}
