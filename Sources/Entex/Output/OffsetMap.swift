/// Units in which output offsets are counted.
public enum OffsetUnit: String, Sendable, CaseIterable {
    /// UTF-8 bytes (what Rust, Go and byte-oriented tools slice with).
    case utf8
    /// UTF-16 code units (JavaScript, Java, C# string indexes).
    case utf16
    /// Unicode code points (Python `str` indexes); the default.
    case codepoints
}

/// Converts UTF-8 byte offsets of one text to another unit.
///
/// ASCII text needs no table; otherwise one prefix table of the text's
/// length is built once, so every conversion is a lookup.
public struct OffsetMap {
    private let table: [Int32]?

    public init(text: [UInt8], unit: OffsetUnit) {
        guard unit != .utf8 else { table = nil; return }
        let ascii = text.withUnsafeBufferPointer { p -> Bool in
            var i = 0
            while i + 8 <= p.count {
                let word = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
            while i < p.count { if p[i] >= 0x80 { return false }; i += 1 }
            return true
        }
        guard !ascii else { table = nil; return }
        var map = [Int32](repeating: 0, count: text.count + 1)
        var units: Int32 = 0
        text.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                map[i] = units
                let b = p[i]
                if b & 0xC0 != 0x80 {  // a lead byte starts a scalar
                    units += (unit == .utf16 && b >= 0xF0) ? 2 : 1
                }
            }
        }
        map[text.count] = units
        table = map
    }

    /// The offset in the chosen unit of UTF-8 byte offset `byte`.
    @inline(__always)
    public func convert(_ byte: Int32) -> Int32 {
        guard let table else { return byte }
        return table[Int(byte)]
    }
}
