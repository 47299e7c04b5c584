/// The bytes of JSON being written, in a buffer written through a pointer:
/// the writer appends many short pieces per document, and an array would
/// check uniqueness and capacity (and copy literals through the generic
/// `String.UTF8View` path) on each. The owner calls `deallocate`.
struct JSONBuffer {
    private var bytes: GrowableBuffer<UInt8>
    /// The writer's `OffsetTable` for the document at hand, kept here so that
    /// its memory serves one document after another.
    var offsetEvents: GrowableBuffer<OffsetEvent>

    init(capacity: Int) {
        bytes = GrowableBuffer(capacity: capacity)
        offsetEvents = GrowableBuffer(capacity: 16)
    }

    func deallocate() {
        bytes.deallocate()
        offsetEvents.deallocate()
    }

    var count: Int { bytes.count }

    /// Bytes the buffer holds room for without growing.
    var capacity: Int { bytes.capacity }

    /// Makes room for `extra` more bytes.
    mutating func reserve(_ extra: Int) { bytes.reserve(extra) }

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
    mutating func raw(_ p: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: p)
    }

    /// Bytes copied as they are (names known to need no escaping).
    @inline(__always)
    mutating func raw(_ p: [UInt8]) {
        p.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
    }

    /// The decimal digits of 0 to 99, two per number ("00", "01", … "99").
    private static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// A decimal integer. Its length is found by comparisons and its digits
    /// written two at a time from a table, right to left: offsets are most
    /// of the numbers written, several per entity (inlined: the call cost
    /// about a third of the work).
    @inline(__always)
    mutating func int(_ value: Int32) {
        bytes.reserve(11)
        let end = JSONBuffer.writeInt(value, at: bytes.base + bytes.count)
        bytes.count = bytes.base.distance(to: end)
    }

    /// `"start":S,"end":E`, with one reservation for all of it: every
    /// sentence, token and entity has one, so the checks of writing its four
    /// pieces one by one added up.
    @inline(__always)
    mutating func offsets(start: Int32, end: Int32) {
        bytes.reserve(8 + 11 + 7 + 11)
        var p = bytes.base + bytes.count
        p = JSONBuffer.copy(#""start":"#, to: p)
        p = JSONBuffer.writeInt(start, at: p)
        p = JSONBuffer.copy(#","end":"#, to: p)
        p = JSONBuffer.writeInt(end, at: p)
        bytes.count = bytes.base.distance(to: p)
    }

    /// Copies `s` to `p` (room made by the caller); returns the end.
    @inline(__always)
    private static func copy(_ s: StaticString, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        s.withUTF8Buffer { p.initialize(from: $0.baseAddress!, count: $0.count) }
        return p + s.utf8CodeUnitCount
    }

    /// Writes `value` in decimal at `start` (at most 11 bytes, room made by
    /// the caller) and returns the end.
    @inline(__always)
    private static func writeInt(_ value: Int32, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var start = start
        if value >= 0 && value < 10 {
            start.initialize(to: UInt8(48 + value))
            return start + 1
        }
        if value < 0 {
            start.initialize(to: UInt8(ascii: "-"))
            start += 1
        }
        // The magnitude; `Int32.min` has none in Int32, but has one in UInt32.
        var v = value < 0 ? UInt32(bitPattern: 0 &- value) : UInt32(value)
        let digits = v < 100 ? (v < 10 ? 1 : 2)
            : v < 10_000 ? (v < 1000 ? 3 : 4)
            : v < 1_000_000 ? (v < 100_000 ? 5 : 6)
            : v < 100_000_000 ? (v < 10_000_000 ? 7 : 8)
            : v < 1_000_000_000 ? 9 : 10
        let end = start + digits
        var p = end
        JSONBuffer.digitPairs.withUTF8Buffer { pairs in
            let table = pairs.baseAddress!
            while v >= 100 {
                let pair = Int(v % 100) &* 2
                v /= 100
                p -= 2
                p[0] = table[pair]
                p[1] = table[pair + 1]
            }
            if v >= 10 {
                let pair = Int(v) &* 2
                p -= 2
                p[0] = table[pair]
                p[1] = table[pair + 1]
            } else {
                p -= 1
                p[0] = UInt8(48 + v)
            }
        }
        return end
    }

    mutating func optionalString(_ s: String?) {
        if let s { string(s) } else { literal("null") }
    }

    /// A slice of a document's `annotationBytes` (`names`) as a string, or `null` for none.
    @inline(__always)
    mutating func optionalString(_ ref: TextRef, in names: [UInt8]) {
        if ref.isNone { literal("null"); return }
        names.withUnsafeBufferPointer { string(bytes: UnsafeBufferPointer(rebasing: $0[Int(ref.start)..<Int(ref.end)])) }
    }

    mutating func string(_ s: String) {
        // A native string's bytes are read where they are, without making
        // the string mutable (a copy and a check) as `withUTF8` does.
        if s.utf8.withContiguousStorageIfAvailable({ string(bytes: $0) }) != nil { return }
        var s = s
        s.withUTF8 { string(bytes: $0) }
    }

    private static var hex: StaticString { "0123456789abcdef" }

    /// A JSON string literal for valid UTF-8 `p`: quotes, backslashes and
    /// control characters escaped, other bytes copied.
    ///
    /// Most strings need no escape at all, so the bytes are moved eight at a
    /// time: each word is checked (`JSONParser.plainRunEnds`) and stored as
    /// loaded, without a copy call per run. The room reserved keeps eight
    /// bytes beyond what is left to write, so a whole word may always be
    /// stored; a word with a byte to escape is stored too and only its plain
    /// bytes are kept. The last few bytes are gathered into one word
    /// (`KeyHash.loadPartial`) and go the same way. `stringBytewise` is the byte-by-byte
    /// reference.
    mutating func string(bytes p: UnsafeBufferPointer<UInt8>) {
        let n = p.count
        // Left to write, plus the closing quote, plus a word of slack.
        bytes.reserve(n + 10)
        var out = bytes.base + bytes.count
        out.initialize(to: UInt8(ascii: "\""))
        out += 1
        guard let src = p.baseAddress else {
            out.initialize(to: UInt8(ascii: "\""))
            bytes.count += 2
            return
        }
        var i = 0
        while true {
            while i &+ 8 <= n {
                let w = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                UnsafeMutableRawPointer(out).storeBytes(of: w, as: UInt64.self)
                let marks = JSONParser.plainRunEnds(w)
                if marks == 0 {
                    i &+= 8
                    out += 8
                    continue
                }
                // The lowest mark is exact: the bytes before it are plain.
                let plain = marks.trailingZeroBitCount &>> 3
                i &+= plain
                out += plain
                break
            }
            if i &+ 8 > n {
                // Fewer than eight bytes left: gathered into one word, moved and
                // checked as the others (only the marks of those bytes count).
                let left = n &- i
                if left == 0 { break }
                let w = KeyHash.loadPartial(src + i, left)
                UnsafeMutableRawPointer(out).storeBytes(of: w, as: UInt64.self)
                let marks = JSONParser.plainRunEnds(w) & ((1 &<< UInt64(truncatingIfNeeded: left &* 8)) &- 1)
                if marks == 0 {
                    out += left
                    break
                }
                let plain = marks.trailingZeroBitCount &>> 3
                i &+= plain
                out += plain
            }
            out = escape(src[i], at: out, thenLeft: n &- i)
            i &+= 1
        }
        closeString(at: out)
    }

    /// `string(bytes: text[start..<end])` for a slice of a longer text (an
    /// entity's words in its document): where the text goes on for seven
    /// bytes after `end`, the last few bytes are moved as one word too, read
    /// past `end` and only those before it kept, instead of one at a time.
    /// Short strings (most entities) are then one or two words.
    mutating func string(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        guard let base = text.baseAddress, end &+ 7 <= text.count else {
            string(bytes: UnsafeBufferPointer(rebasing: text[start..<end]))
            return
        }
        let src = base + start
        let n = end &- start
        // The string, the closing quote, and a word of slack.
        bytes.reserve(n &+ 10)
        var out = bytes.base + bytes.count
        out.initialize(to: UInt8(ascii: "\""))
        out += 1
        var i = 0
        while i < n {
            // Readable: src + i + 8 <= base + end + 7.
            let w = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(out).storeBytes(of: w, as: UInt64.self)
            var marks = JSONParser.plainRunEnds(w)
            let left = n &- i
            if left < 8 {
                // Only the marks of bytes of the string count (the lowest of them is exact too).
                marks &= (1 &<< UInt64(truncatingIfNeeded: left &* 8)) &- 1
                if marks == 0 {
                    out += left
                    break
                }
            } else if marks == 0 {
                i &+= 8
                out += 8
                continue
            }
            let plain = marks.trailingZeroBitCount &>> 3
            i &+= plain
            out += plain
            out = escape(src[i], at: out, thenLeft: n &- i)
            i &+= 1
        }
        closeString(at: out)
    }

    /// Writes the escape of `b` (up to six bytes) at `out`, the end of the bytes
    /// written so far, after making room for it and for the `left` bytes of the
    /// string still to come; returns the new end. The string loops call it at
    /// each byte that needs an escape.
    @inline(__always)
    private mutating func escape(_ b: UInt8, at out: UnsafeMutablePointer<UInt8>,
                                 thenLeft left: Int) -> UnsafeMutablePointer<UInt8> {
        bytes.count = bytes.base.distance(to: out)
        bytes.reserve(left &+ 16)
        let end = bytes.base + bytes.count
        return end + JSONBuffer.writeEscape(b, to: end)
    }

    /// Writes the closing quote of a string whose bytes end at `out`.
    @inline(__always)
    private mutating func closeString(at out: UnsafeMutablePointer<UInt8>) {
        out.initialize(to: UInt8(ascii: "\""))
        bytes.count = bytes.base.distance(to: out) + 1
    }

    /// Writes the escape of a byte that needs one (a control character, '"'
    /// or '\\') and returns its length.
    @inline(__always)
    private static func writeEscape(_ b: UInt8, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\\")
        switch b {
        case 0x22: out[1] = 0x22
        case 0x5C: out[1] = 0x5C
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x0C: out[1] = UInt8(ascii: "f")
        default:
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            JSONBuffer.hex.withUTF8Buffer { hex in
                out[4] = hex[Int(b >> 4)]
                out[5] = hex[Int(b & 0xF)]
            }
            return 6
        }
        return 2
    }

    /// The same literal as `string(bytes:)`, written a byte at a time: the
    /// reference the tests compare the word-at-a-time loop with.
    mutating func stringBytewise(bytes p: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        for b in p {
            if b >= 0x20 && b != 0x22 && b != 0x5C {
                byte(b)
                continue
            }
            bytes.reserve(6)
            let written = JSONBuffer.writeEscape(b, to: bytes.base + bytes.count)
            bytes.count += written
        }
        byte(UInt8(ascii: "\""))
    }

    /// An integer, as `JSONValue.int` writes it.
    @inline(__always)
    mutating func integer(_ value: Int) {
        if let small = Int32(exactly: value) { int(small) } else { raw(String(value)) }
    }

    /// A number, as `JSONValue.double` writes it: whole numbers below 10^15 without
    /// a fraction, other finite ones as Swift prints them, `null` for the rest.
    mutating func number(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            integer(Int(value))
        } else if value.isFinite {
            raw(String(value))
        } else {
            literal("null")
        }
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
