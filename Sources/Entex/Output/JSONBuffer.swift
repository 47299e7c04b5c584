/// The bytes of JSON being written, in a buffer written through a pointer:
/// the writer appends many short pieces per document, and an array would
/// check uniqueness and capacity (and copy literals through the generic
/// `String.UTF8View` path) on each. The owner calls `deallocate`.
struct JSONBuffer {
    private var bytes: GrowableBuffer<UInt8>

    init(capacity: Int) { bytes = GrowableBuffer(capacity: capacity) }

    func deallocate() { bytes.deallocate() }

    var count: Int { bytes.count }

    /// Forgets the bytes written, keeping the memory.
    mutating func removeAll() { bytes.count = 0 }

    /// Calls `body` with the bytes written so far.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: bytes.base, count: bytes.count))
    }

    /// Writes with `body` into a fresh buffer and appends the result to `out`.
    static func appending(to out: inout [UInt8], _ body: (inout JSONBuffer) -> Void) {
        var json = JSONBuffer(capacity: 64)
        defer { json.deallocate() }
        body(&json)
        json.withBytes { out.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Bytes copied as they are (JSON syntax, or names known to need no escaping).
    @inline(__always)
    mutating func literal(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// The UTF-8 of `s` copied as it is (names known to need no escaping).
    @inline(__always)
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Bytes copied as they are (names known to need no escaping).
    @inline(__always)
    mutating func raw(_ p: [UInt8]) {
        p.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
    }

    /// A decimal integer.
    mutating func int(_ value: Int32) {
        bytes.reserve(11)
        if value >= 0 && value < 10 {
            bytes.append(UInt8(48 + value))
            return
        }
        var v = Int64(value)
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            v = -v
        }
        var digits = 0
        var rest = v
        repeat {
            digits += 1
            rest /= 10
        } while rest > 0
        let end = bytes.base + bytes.count + digits
        var p = end
        repeat {
            p -= 1
            p.initialize(to: UInt8(48 + v % 10))
            v /= 10
        } while v > 0
        bytes.count += digits
    }

    mutating func optionalString(_ s: String?) {
        if let s { string(s) } else { literal("null") }
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(bytes: $0) }
    }

    private static let hex: StaticString = "0123456789abcdef"

    /// A JSON string literal for valid UTF-8 `p`: quotes, backslashes and
    /// control characters escaped, other bytes copied.
    mutating func string(bytes p: UnsafeBufferPointer<UInt8>) {
        bytes.reserve(p.count + 2)
        bytes.append(UInt8(ascii: "\""))
        guard let base = p.baseAddress else {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        let n = p.count
        var runStart = 0
        var i = 0
        while i < n {
            // Eight bytes at a time while none is a control character, '"' or '\\'
            // (a byte below 0x20, or equal to 0x22 or 0x5C, sets its high bit in `flagged`).
            if i + 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                let quote = w ^ 0x2222_2222_2222_2222
                let backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let flagged = ((w &- 0x2020_2020_2020_2020) & ~w)
                    | ((quote &- 0x0101_0101_0101_0101) & ~quote)
                    | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
                if flagged & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b = base[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C {
                i += 1
                continue
            }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i])) }
            bytes.reserve(6)
            bytes.append(UInt8(ascii: "\\"))
            switch b {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                literal("u00")
                JSONBuffer.hex.withUTF8Buffer { hex in
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 0xF)])
                }
            }
            i += 1
            runStart = i
        }
        if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<n])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Any JSON value.
    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: literal("null")
        case .bool(let b): if b { literal("true") } else { literal("false") }
        case .number(let n): raw(n)
        case .string(let s): string(s)
        case .array(let items):
            byte(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { byte(UInt8(ascii: ",")) }
                self.value(item)
            }
            byte(UInt8(ascii: "]"))
        case .object(let members):
            byte(UInt8(ascii: "{"))
            for (n, m) in members.enumerated() {
                if n > 0 { byte(UInt8(ascii: ",")) }
                string(m.key)
                byte(UInt8(ascii: ":"))
                self.value(m.value)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}
