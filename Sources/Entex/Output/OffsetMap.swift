/// Units in which output offsets are counted.
public enum OffsetUnit: String, Sendable, CaseIterable {
    /// UTF-8 bytes (what Rust, Go and byte-oriented tools slice with).
    case utf8
    /// UTF-16 code units (JavaScript, Java, C# string indexes).
    case utf16
    /// Unicode code points (Python `str` indexes); the default.
    case codepoints
}

/// Converts UTF-8 byte offsets of one text to another unit by counting from
/// the last offset converted, forward or backward: the writer asks for the
/// offsets of each layer in increasing order, so a document costs about one
/// pass over its text per layer, and no table.
struct OffsetCursor {
    private let text: UnsafeBufferPointer<UInt8>
    private let utf16: Bool
    /// Nothing to convert: UTF-8 output, or ASCII text.
    private let identity: Bool
    private var byte = 0
    private var units: Int32 = 0

    init(text: UnsafeBufferPointer<UInt8>, unit: OffsetUnit) {
        self.text = text
        utf16 = unit == .utf16
        identity = unit == .utf8 || OffsetCursor.isASCII(text)
    }

    static func isASCII(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return true }
        var i = 0
        var any: UInt64 = 0
        while i + 32 <= p.count {
            let r = UnsafeRawPointer(base + i)
            any |= r.loadUnaligned(fromByteOffset: 0, as: UInt64.self) | r.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                | r.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | r.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            i += 32
        }
        while i + 8 <= p.count {
            any |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        if any & 0x8080_8080_8080_8080 != 0 { return false }
        while i < p.count {
            if p[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The offset in the chosen unit of UTF-8 byte offset `target`.
    @inline(__always)
    mutating func convert(_ target: Int32) -> Int32 {
        if identity { return target }
        return advance(to: Int(target))
    }

    /// Units one byte adds: a lead byte starts a scalar (two UTF-16 units from 4-byte sequences on).
    @inline(__always)
    private func weight(_ b: UInt8) -> Int32 {
        b & 0xC0 == 0x80 ? 0 : (utf16 && b >= 0xF0) ? 2 : 1
    }

    /// The units the eight bytes of `w` add, the sum of their `weight`s:
    /// one per byte that is not a continuation byte (10xxxxxx), plus one per
    /// lead byte of a 4-byte sequence (11110xxx) in UTF-16. Each test moves
    /// the bit it needs to the top bit of its own byte, so no byte's bits
    /// reach another's mark; each byte's weight (0, 1 or 2) is then formed
    /// in its own byte and the eight are summed by one multiplication (the
    /// sum, at most 16, fits in the top byte).
    @inline(__always)
    private func wordUnits(_ w: UInt64) -> Int32 {
        let high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        var weights = ones &- ((w & ~(w << 1) & high) >> 7)
        if utf16 {
            // Never a continuation byte, so never a byte whose weight is 0.
            weights &+= (w & (w << 1) & (w << 2) & (w << 3) & high) >> 7
        }
        return Int32(truncatingIfNeeded: (weights &* ones) >> 56)
    }

    private mutating func advance(to target: Int) -> Int32 {
        guard let base = text.baseAddress else { return units }
        var i = byte
        var u = units
        if target < i / 2 {
            // Nearer the start than the last offset: count from the start.
            i = 0
            u = 0
        }
        // Eight bytes at a time in either direction, counted in one word
        // (`wordUnits`), then byte by byte up to the target.
        while i &+ 8 <= target {
            u &+= wordUnits(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            i &+= 8
        }
        while i < target {
            u &+= weight(base[i])
            i &+= 1
        }
        while i &- 8 >= target {
            i &-= 8
            u &-= wordUnits(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
        }
        while i > target {
            i &-= 1
            u &-= weight(base[i])
        }
        byte = i
        units = u
        return u
    }
}
