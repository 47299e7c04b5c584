#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One JSON Lines record parsed for the common case: an object whose first
/// `text` member is a string, decoded straight to the document's UTF-8 bytes.
struct ParsedRecordLine {
    /// The object's members in order. The member at `textIndex` holds an
    /// empty string in place of the text (its bytes are in `text`).
    var members: [JSONValue.Member]
    /// Index in `members` of the first member named `text` when its value
    /// was decoded into `text`.
    var textIndex: Int?
    /// The decoded text: valid UTF-8, escapes resolved.
    var text: [UInt8]

    /// The record as the full parser would have returned it.
    var value: JSONValue {
        var members = members
        if let textIndex {
            members[textIndex].value = .string(String(decoding: text, as: UTF8.self))
        }
        return .object(members)
    }
}

extension JSONParser {
    /// Parses one JSON Lines record the way `parse` does, except that the
    /// first top-level `text` string (nearly all of a news record's bytes)
    /// is decoded straight to bytes instead of into a `String` that would be
    /// copied again.
    ///
    /// Returns nil, and the caller parses the line with `parse`, whenever
    /// the line is not exactly one object or the text holds anything the
    /// full parser repairs or rejects (invalid UTF-8, a lone surrogate
    /// escape, a control character, a bad escape): those records take the
    /// one slow path that reports them. Otherwise the members, their values
    /// and `replacements` (counted in the other members) are what `parse`
    /// gives.
    mutating func parseRecordLine(_ p: UnsafeBufferPointer<UInt8>) -> ParsedRecordLine? {
        do throws(JSONParseError) {
            return try parseRecordLineOrThrow(p)
        } catch {
            return nil
        }
    }

    private mutating func parseRecordLineOrThrow(_ p: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> ParsedRecordLine? {
        replacements = 0
        var i = 0
        skipSpace(p, &i)
        guard i < p.count, p[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var record = ParsedRecordLine(members: [], textIndex: nil, text: [])
        var sawText = false
        skipSpace(p, &i)
        if i < p.count && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace(p, &i)
                guard i < p.count, p[i] == UInt8(ascii: "\"") else { return nil }
                let key = try parseString(p, &i)
                skipSpace(p, &i)
                guard i < p.count, p[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace(p, &i)
                if !sawText, key == "text" {
                    sawText = true
                    if i < p.count, p[i] == UInt8(ascii: "\"") {
                        guard let text = JSONParser.decodeCleanString(p, &i) else { return nil }
                        record.text = text
                        record.textIndex = record.members.count
                        record.members.append(.init(key, .string("")))
                    } else {
                        record.members.append(.init(key, try parseValue(p, &i, depth: 1)))
                    }
                } else {
                    record.members.append(.init(key, try parseValue(p, &i, depth: 1)))
                }
                skipSpace(p, &i)
                guard i < p.count else { return nil }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; break }
                return nil
            }
        }
        skipSpace(p, &i)
        return i == p.count ? record : nil
    }

    /// Decodes the JSON string whose opening quote is at `i` into UTF-8
    /// bytes and moves `i` past its closing quote; nil when the string is
    /// unterminated, holds a control character, a bad or lone-surrogate
    /// escape, or invalid UTF-8 (the full parser handles those).
    ///
    /// Escapes never lengthen the text and invalid input is refused, so the
    /// bytes from the quote to the end of `p` bound the result: it is
    /// written in place, runs between escapes copied whole.
    static func decodeCleanString(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> [UInt8]? {
        let n = p.count
        let base = p.baseAddress!
        var r = i + 1
        var clean = true
        let out = [UInt8](unsafeUninitializedCapacity: n - r) { buffer, count in
            let dst = buffer.baseAddress!
            var w = 0
            decoding: while true {
                let start = r
                // Eight bytes at a time while none is '"', '\\' or a control character.
                while r + 8 <= n, !mayEndPlainRun(UnsafeRawPointer(base + r).loadUnaligned(as: UInt64.self)) {
                    r += 8
                }
                while r < n {
                    let b = base[r]
                    if b == 0x22 || b == 0x5C || b < 0x20 { break }
                    r += 1
                }
                if r > start {
                    (dst + w).update(from: base + start, count: r - start)
                    w += r - start
                }
                guard r < n, base[r] != 0x22 else { break decoding }
                guard base[r] == 0x5C, r + 1 < n else { clean = false; break decoding }
                let escaped: UInt8
                switch base[r + 1] {
                case UInt8(ascii: "\""): escaped = 0x22
                case UInt8(ascii: "\\"): escaped = 0x5C
                case UInt8(ascii: "/"): escaped = 0x2F
                case UInt8(ascii: "b"): escaped = 0x08
                case UInt8(ascii: "f"): escaped = 0x0C
                case UInt8(ascii: "n"): escaped = 0x0A
                case UInt8(ascii: "r"): escaped = 0x0D
                case UInt8(ascii: "t"): escaped = 0x09
                case UInt8(ascii: "u"):
                    guard var scalar = hexQuad(p, r + 2) else { clean = false; break decoding }
                    r += 6
                    if scalar >= 0xD800 && scalar <= 0xDFFF {
                        // Only a high surrogate with an escaped low one after it is clean.
                        guard scalar <= 0xDBFF, r + 6 <= n, base[r] == 0x5C, base[r + 1] == UInt8(ascii: "u"),
                              let low = hexQuad(p, r + 2), low >= 0xDC00, low <= 0xDFFF else {
                            clean = false
                            break decoding
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        r += 6
                    }
                    w += encodeUTF8(scalar, into: dst + w)
                    continue decoding
                default:
                    clean = false
                    break decoding
                }
                dst[w] = escaped
                w += 1
                r += 2
            }
            if clean, r >= n { clean = false }
            if clean, UTF8Repair.firstInvalid(UnsafeBufferPointer(start: dst, count: w)) != nil { clean = false }
            count = clean ? w : 0
        }
        guard clean else { return nil }
        i = r + 1
        return out
    }

    /// The value of four hex digits at `at`, or nil.
    @inline(__always)
    private static func hexQuad(_ p: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= p.count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = p[at + k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Writes the UTF-8 form of a scalar value (not a surrogate) and returns its length.
    @inline(__always)
    private static func encodeUTF8(_ v: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if v < 0x80 {
            out[0] = UInt8(v)
            return 1
        }
        if v < 0x800 {
            out[0] = UInt8(0xC0 | v >> 6)
            out[1] = UInt8(0x80 | v & 0x3F)
            return 2
        }
        if v < 0x10000 {
            out[0] = UInt8(0xE0 | v >> 12)
            out[1] = UInt8(0x80 | (v >> 6) & 0x3F)
            out[2] = UInt8(0x80 | v & 0x3F)
            return 3
        }
        out[0] = UInt8(0xF0 | v >> 18)
        out[1] = UInt8(0x80 | (v >> 12) & 0x3F)
        out[2] = UInt8(0x80 | (v >> 6) & 0x3F)
        out[3] = UInt8(0x80 | v & 0x3F)
        return 4
    }
}
