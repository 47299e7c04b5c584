#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed JSON value. Numbers keep their source text so that large ids
/// (tweet ids exceed 2^53) pass through unchanged.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The member named `key` of an object (the first, if repeated).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A string, or a number's source text (ids come in both forms).
    public var scalarText: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n
        default: nil
        }
    }

    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// Makes a number value from an integer or a double.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func double(_ value: Double) -> JSONValue {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return .number(String(Int(value))) }
        return value.isFinite ? .number(String(value)) : .null
    }
}

/// Why a JSON text could not be parsed.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Byte offset in the parsed text.
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict JSON parser (RFC 8259) over bytes, bounded in nesting depth.
///
/// Invalid UTF-8 and lone surrogate escapes (`\ud800`) inside strings are
/// replaced by U+FFFD and counted in `replacements`, never rejected: tweets
/// in the wild carry both.
public struct JSONParser {
    /// Deepest nesting accepted; deeper input is an error, not a stack overflow.
    public static let maxDepth = 512

    public internal(set) var replacements = 0
    private var scratch: [UInt8] = []
    /// Room the JSON Lines fast path decodes a record's text into, kept
    /// from record to record (see `decodeCleanString`).
    var textScratch: [UInt8] = []
    /// Where the JSON Lines fast path takes the array of a record's text
    /// from, when it has room (a finished document's, kept by a pipeline).
    var recycledText: RecycledText?
    /// Whether a string with escapes is first tried with `decodeClean` (one
    /// pass) before the byte-by-byte loop. Off only in tests that compare the two.
    var decodesEscapesInOnePass = true
    /// Room for `decodeClean` (its count is its size, kept between strings).
    private var cleanScratch: [UInt8] = []

    public init() {}

    /// Parses one complete JSON value; surrounding whitespace is allowed.
    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        replacements = 0
        var i = 0
        skipSpace(bytes, &i)
        let value = try parseValue(bytes, &i, depth: 0)
        skipSpace(bytes, &i)
        if i != bytes.count { throw JSONParseError(message: "unexpected data after the JSON value", offset: i) }
        return value
    }

    /// Parses one complete JSON value from an array or slice of bytes.
    public mutating func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { p in
            do throws(JSONParseError) { return .success(try parse(p)) } catch { return .failure(error) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { p throws(JSONParseError) in try parse(p) }
    }

    @inline(__always)
    func skipSpace(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        while i < p.count {
            switch p[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    mutating func parseValue(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, depth: Int) throws(JSONParseError) -> JSONValue {
        guard i < p.count else { throw JSONParseError(message: "unexpected end of JSON", offset: i) }
        switch p[i] {
        case UInt8(ascii: "{"):
            guard depth < JSONParser.maxDepth else { throw JSONParseError(message: "JSON nested deeper than \(JSONParser.maxDepth) levels", offset: i) }
            i += 1
            var members: [JSONValue.Member] = []
            skipSpace(p, &i)
            if i < p.count && p[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace(p, &i)
                guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw JSONParseError(message: "expected a string key", offset: i) }
                let key = try parseString(p, &i)
                skipSpace(p, &i)
                guard i < p.count, p[i] == UInt8(ascii: ":") else { throw JSONParseError(message: "expected ':'", offset: i) }
                i += 1
                skipSpace(p, &i)
                let value = try parseValue(p, &i, depth: depth + 1)
                members.append(.init(key, value))
                skipSpace(p, &i)
                guard i < p.count else { throw JSONParseError(message: "unterminated object", offset: i) }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw JSONParseError(message: "expected ',' or '}'", offset: i)
            }
        case UInt8(ascii: "["):
            guard depth < JSONParser.maxDepth else { throw JSONParseError(message: "JSON nested deeper than \(JSONParser.maxDepth) levels", offset: i) }
            i += 1
            var elements: [JSONValue] = []
            skipSpace(p, &i)
            if i < p.count && p[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
            while true {
                skipSpace(p, &i)
                elements.append(try parseValue(p, &i, depth: depth + 1))
                skipSpace(p, &i)
                guard i < p.count else { throw JSONParseError(message: "unterminated array", offset: i) }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
                throw JSONParseError(message: "expected ',' or ']'", offset: i)
            }
        case UInt8(ascii: "\""):
            return .string(try parseString(p, &i))
        case UInt8(ascii: "t"):
            try expectLiteral(p, &i, "true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral(p, &i, "false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral(p, &i, "null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber(p, &i))
        default:
            throw JSONParseError(message: "unexpected character", offset: i)
        }
    }

    private func expectLiteral(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard i + count <= p.count else { throw JSONParseError(message: "unexpected end of JSON", offset: i) }
        let ok = literal.withUTF8Buffer { l in
            (0..<count).allSatisfy { p[i + $0] == l[$0] }
        }
        guard ok else { throw JSONParseError(message: "invalid literal", offset: i) }
        i += count
    }

    func parseNumber(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONParseError) -> String {
        let start = i
        func digits(_ i: inout Int) -> Int {
            let s = i
            while i < p.count, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
            return i - s
        }
        if p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < p.count else { throw JSONParseError(message: "invalid number", offset: start) }
        if p[i] == UInt8(ascii: "0") { i += 1 } else if digits(&i) == 0 {
            throw JSONParseError(message: "invalid number", offset: start)
        }
        if i < p.count, p[i] == UInt8(ascii: ".") {
            i += 1
            if digits(&i) == 0 { throw JSONParseError(message: "invalid number", offset: start) }
        }
        if i < p.count, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&i) == 0 { throw JSONParseError(message: "invalid number", offset: start) }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
    }

    mutating func parseString(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONParseError) -> String {
        let open = i
        i += 1
        // Fast path: no escapes and no control characters up to the closing
        // quote, and valid UTF-8 (checked once, by String(decoding:)).
        var j = i
        var plain = true
        // The bytes seen ORed together: no high bit means ASCII, which is valid UTF-8.
        var seen: UInt64 = 0
        let n = p.count
        while j < n {
            // Eight bytes at a time while none is '"', '\\' or a control character.
            if j + 8 <= n {
                let w = UnsafeRawPointer(p.baseAddress! + j).loadUnaligned(as: UInt64.self)
                if !JSONParser.mayEndPlainRun(w) {
                    seen |= w
                    j += 8
                    continue
                }
            }
            let b = p[j]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") || b < 0x20 { plain = false; break }
            seen |= UInt64(b)
            j += 1
        }
        if plain {
            guard j < p.count else { throw JSONParseError(message: "unterminated string", offset: open) }
            let raw = UnsafeBufferPointer(rebasing: p[i..<j])
            var s = String(decoding: raw, as: UTF8.self)
            // ASCII (ids, keys, language codes): nothing String(decoding:) could have replaced.
            if seen & 0x8080_8080_8080_8080 == 0 {
                i = j + 1
                return s
            }
            // String(decoding:) replaces invalid UTF-8 without saying so: the
            // same bytes back mean there was none. (String(validating:) would
            // say so, but is not specialized here and costs more than it saves.)
            let same = s.utf8.count == raw.count
                && s.withUTF8 { u in raw.isEmpty || memcmp(u.baseAddress!, raw.baseAddress!, raw.count) == 0 }
            if same {
                i = j + 1
                return s
            }
            // Invalid UTF-8: the slow path below replaces it and counts the replacements.
        } else if decodesEscapesInOnePass, let s = decodeEscapedClean(p, &i) {
            return s
        }
        scratch.removeAll(keepingCapacity: true)
        while true {
            // Copy the run of plain ASCII in one go.
            var k = i
            while k < p.count {
                let b = p[k]
                if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { break }
                k += 1
            }
            if k > i {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<k]))
                i = k
            }
            guard i < p.count else { throw JSONParseError(message: "unterminated string", offset: open) }
            let b = p[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw JSONParseError(message: "control character in string", offset: i) }
            if b == UInt8(ascii: "\\") {
                guard i + 1 < p.count else { throw JSONParseError(message: "unterminated escape", offset: i) }
                let e = p[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(p, &i)
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        if i + 6 <= p.count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") {
                            var k = i + 2
                            let low = try hex4(p, &k)
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                                i = k
                            } else {
                                scalar = 0xFFFD
                                replacements += 1
                            }
                        } else {
                            scalar = 0xFFFD
                            replacements += 1
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                        replacements += 1
                    }
                    appendScalar(scalar)
                default:
                    throw JSONParseError(message: "invalid escape", offset: i - 2)
                }
                continue
            }
            if b < 0x80 { scratch.append(b); i += 1; continue }
            var subpart = 0
            let length = UTF8Repair.sequenceLength(p, i, subpart: &subpart)
            if length == 0 {
                appendScalar(0xFFFD)
                replacements += 1
                i += subpart
            } else {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<(i + length)]))
                i += length
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// A string with escapes and nothing to repair or reject, decoded in
    /// one pass (`i` is past its opening quote, and moves past its closing
    /// one); nil, leaving `i` alone, for anything else: the byte-by-byte
    /// loop of `parseString` then reports or repairs it.
    private mutating func decodeEscapedClean(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> String? {
        let from = i
        let room = p.count - from
        guard room > 0 else { return nil }
        if cleanScratch.count < room {
            cleanScratch = [UInt8](repeating: 0, count: max(room, 2 * cleanScratch.count, 256))
        }
        let result: String? = cleanScratch.withUnsafeMutableBufferPointer { buffer in
            guard let done = JSONParser.decodeClean(p.baseAddress!, from: from, count: p.count, into: buffer.baseAddress!) else {
                return nil
            }
            i = done.closingQuote + 1
            return String(decoding: UnsafeBufferPointer(start: buffer.baseAddress!, count: done.written), as: UTF8.self)
        }
        return result
    }

    /// Whether any of the 8 bytes of `w` is a control character, '"' or
    /// '\\' (exact: a false answer means none is; bytes >= 0x80 never count).
    @inline(__always)
    static func mayEndPlainRun(_ w: UInt64) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ 0x2222_2222_2222_2222
        let backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
        let flagged = ((w &- 0x2020_2020_2020_2020) & ~w)
            | ((quote &- 0x0101_0101_0101_0101) & ~quote)
            | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
        return flagged & high != 0
    }

    private func hex4(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONParseError) -> UInt32 {
        guard i + 4 <= p.count else { throw JSONParseError(message: "truncated \\u escape", offset: i) }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = p[i + k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw JSONParseError(message: "invalid \\u escape", offset: i)
            }
            value = value << 4 | digit
        }
        i += 4
        return value
    }

    private mutating func appendScalar(_ value: UInt32) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        scratch.append(contentsOf: UTF8.encode(scalar)!)
    }
}
