/// UTF-8 validation and repair.
///
/// Invalid sequences are replaced by U+FFFD following the "maximal subpart"
/// practice of the Unicode Standard (the same as Swift's and ICU's decoders),
/// so offsets of valid text after a bad byte stay predictable.
public enum UTF8Repair {
    /// At most this many replacements are reported one by one in warnings.
    public static let reportedReplacementLimit = 20

    public struct Result {
        /// Valid UTF-8.
        public var bytes: [UInt8]
        /// Byte offsets in `bytes` where U+FFFD was inserted.
        public var replacements: [Int32]
    }

    /// Length of the valid sequence starting at `i`, or 0 if it is invalid,
    /// in which case `subpart` is the number of bytes to replace.
    @inline(__always)
    static func sequenceLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, subpart: inout Int) -> Int {
        let n = p.count
        let b0 = p[i]
        if b0 < 0x80 { return 1 }
        func cont(_ j: Int) -> Bool { j < n && p[j] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            if cont(i + 1) { return 2 }
            subpart = 1
        case 0xE0...0xEF:
            guard i + 1 < n else { subpart = 1; return 0 }
            let b1 = p[i + 1]
            let lowOK: Bool
            switch b0 {
            case 0xE0: lowOK = (0xA0...0xBF).contains(b1)
            case 0xED: lowOK = (0x80...0x9F).contains(b1)  // no surrogates
            default: lowOK = (0x80...0xBF).contains(b1)
            }
            guard lowOK else { subpart = 1; return 0 }
            if cont(i + 2) { return 3 }
            subpart = 2
        case 0xF0...0xF4:
            guard i + 1 < n else { subpart = 1; return 0 }
            let b1 = p[i + 1]
            let lowOK: Bool
            switch b0 {
            case 0xF0: lowOK = (0x90...0xBF).contains(b1)
            case 0xF4: lowOK = (0x80...0x8F).contains(b1)
            default: lowOK = (0x80...0xBF).contains(b1)
            }
            guard lowOK else { subpart = 1; return 0 }
            guard cont(i + 2) else { subpart = 2; return 0 }
            if cont(i + 3) { return 4 }
            subpart = 3
        default:
            subpart = 1
        }
        return 0
    }

    /// Offset of the first invalid byte, or nil when `bytes` are valid UTF-8.
    public static func firstInvalid(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = p.count
        while i < n {
            // Skip ASCII eight bytes at a time, then straight to the first
            // byte >= 0x80 of the word that has one.
            while i + 8 <= n {
                let word = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
                let high = word & 0x8080_8080_8080_8080
                if high != 0 {
                    i += high.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            if i >= n { break }
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            // Two-byte sequences (Latin letters with accents) first: the common case.
            if b0 >= 0xC2, b0 <= 0xDF, i + 1 < n, p[i + 1] & 0xC0 == 0x80 {
                i += 2
                continue
            }
            var subpart = 0
            let length = sequenceLength(p, i, subpart: &subpart)
            if length == 0 { return i }
            i += length
        }
        return nil
    }

    /// Returns valid UTF-8: the input itself when it is valid, otherwise a
    /// copy with each maximal invalid subpart replaced by U+FFFD.
    public static func repair(_ bytes: some Collection<UInt8>) -> Result {
        var array = (bytes as? [UInt8]) ?? Array(bytes)
        let bad = array.withUnsafeBufferPointer { firstInvalid($0) }
        guard let first = bad else { return Result(bytes: array, replacements: []) }
        var out: [UInt8] = []
        out.reserveCapacity(array.count + 16)
        var replacements: [Int32] = []
        array.withUnsafeBufferPointer { p in
            out.append(contentsOf: p[0..<first])
            var i = first
            while i < p.count {
                if p[i] < 0x80 { out.append(p[i]); i += 1; continue }
                var subpart = 0
                let length = sequenceLength(p, i, subpart: &subpart)
                if length == 0 {
                    replacements.append(Int32(truncatingIfNeeded: out.count))
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    i += subpart
                } else {
                    out.append(contentsOf: p[i..<(i + length)])
                    i += length
                }
            }
        }
        array = out
        return Result(bytes: array, replacements: replacements)
    }

    /// Decodes one scalar of valid UTF-8 at `i`; returns the scalar value and its length.
    @inline(__always)
    public static func decode(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                | UInt32(p[i + 3] & 0x3F), 4)
    }

    /// Decodes the scalar that ends just before `i` in valid UTF-8.
    @inline(__always)
    public static func decodeBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        var j = i - 1
        while j > 0 && p[j] & 0xC0 == 0x80 && i - j < 4 { j -= 1 }
        let (scalar, length) = decode(p, j)
        return (scalar, length)
    }
}
