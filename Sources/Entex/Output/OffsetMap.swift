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

/// Converts UTF-8 byte offsets of one text to another unit by counting from
/// the last offset converted: the writer asks for offsets mostly in
/// increasing order, so a document costs one pass over its text and no
/// table. The first offset before the last one builds the whole table
/// (`OffsetMap`), used from then on, so the cost stays linear.
struct OffsetCursor {
    private let text: UnsafeBufferPointer<UInt8>
    private let unit: OffsetUnit
    private let utf16: Bool
    /// Nothing to convert: UTF-8 output, or ASCII text.
    private let identity: Bool
    private var byte = 0
    private var units: Int32 = 0
    private var map: OffsetMap?

    init(text: UnsafeBufferPointer<UInt8>, unit: OffsetUnit) {
        self.text = text
        self.unit = unit
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

    private mutating func advance(to target: Int) -> Int32 {
        if target < byte || map != nil {
            if map == nil { map = OffsetMap(text: Array(text), unit: unit) }
            return map!.convert(Int32(target))
        }
        guard let base = text.baseAddress else { return units }
        var i = byte
        var u = units
        while i < target {
            // Eight ASCII bytes at a time where there are.
            if i + 8 <= target,
               UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                u += 8
                continue
            }
            let b = base[i]
            if b & 0xC0 != 0x80 {  // a lead byte starts a scalar
                u += (utf16 && b >= 0xF0) ? 2 : 1
            }
            i += 1
        }
        byte = i
        units = u
        return u
    }
}
