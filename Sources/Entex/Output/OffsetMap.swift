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

    private mutating func advance(to target: Int) -> Int32 {
        guard let base = text.baseAddress else { return units }
        var i = byte
        var u = units
        if target < i / 2 {
            // Nearer the start than the last offset: count from the start.
            i = 0
            u = 0
        }
        // Eight ASCII bytes at a time where there are, in either direction.
        while i < target {
            if i + 8 <= target,
               UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                u += 8
                continue
            }
            u += weight(base[i])
            i += 1
        }
        while i > target {
            if i - 8 >= target,
               UnsafeRawPointer(base + i - 8).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i -= 8
                u -= 8
                continue
            }
            i -= 1
            u -= weight(base[i])
        }
        byte = i
        units = u
        return u
    }
}
