import CSupport

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

    /// Makes room for `extra` bytes and returns where the next byte goes: the
    /// caller writes up to `extra` bytes there (`copy`, `writeInt`) and then
    /// calls `advance(to:)` with the end. A run of small pieces written so
    /// checks the room once.
    @inline(__always)
    mutating func room(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        bytes.reserve(extra)
        return bytes.base + bytes.count
    }

    /// Records `end` (inside the room `room(_:)` made) as the end of the bytes written.
    @inline(__always)
    mutating func advance(to end: UnsafeMutablePointer<UInt8>) {
        bytes.count = bytes.base.distance(to: end)
    }

    /// Copies `s` to `p` (room made by the caller); returns the end.
    @inline(__always)
    static func copy(_ s: StaticString, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        s.withUTF8Buffer { p.initialize(from: $0.baseAddress!, count: $0.count) }
        return p + s.utf8CodeUnitCount
    }

    /// Writes `value` in decimal at `start` (at most 11 bytes, room made by
    /// the caller) and returns the end.
    @inline(__always)
    static func writeInt(_ value: Int32, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
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
    mutating func optionalString(_ ref: TextRef, in names: UnsafeBufferPointer<UInt8>) {
        if ref.isNone { literal("null"); return }
        string(names, from: Int(ref.start), to: Int(ref.end))
    }

    mutating func string(_ s: String) {
        // A native string's bytes are read where they are, without making
        // the string mutable (a copy and a check) as `withUTF8` does.
        if s.utf8.withContiguousStorageIfAvailable({ string(bytes: $0) }) != nil { return }
        var s = s
        s.withUTF8 { string(bytes: $0) }
    }

    private static var hex: StaticString { "0123456789abcdef" }

    /// A JSON string literal for the bytes `p`: quotes, backslashes and
    /// control characters escaped, other bytes (invalid UTF-8, U+2028 and
    /// U+2029 too) copied as they are.
    ///
    /// The bytes go through `entex_json_escape` (CSupport), which tests and
    /// copies them sixteen at a time with SSE2: Swift inside the Entex
    /// target compiled such a loop to scalar code. `stringBytewise` is the
    /// byte-by-byte reference.
    ///
    /// Bytes of their own up to 32 long (a document's id, a date, a code) are
    /// tested and stored a word at a time (`entex_json_short_exact`), without
    /// the call and set-up of the loop: about a hundred instructions a string.
    mutating func string(bytes p: UnsafeBufferPointer<UInt8>) {
        inlinedString(bytes: p)
    }

    /// `string(bytes:)` inlined where it is called: the writer calls it for every
    /// document's text, where the call and its saved registers came to some
    /// twenty-five instructions a document.
    @inline(__always)
    mutating func inlinedString(bytes p: UnsafeBufferPointer<UInt8>) {
        if let src = p.baseAddress, p.count <= 32 {
            bytes.reserve(34)
            if let end = entex_json_short_exact(bytes.base + bytes.count, src, p.count) {
                bytes.count = bytes.base.distance(to: end)
                return
            }
        }
        escapedString(p.baseAddress, count: p.count, readable: p.count)
    }

    /// `string(bytes:)` without its short-string path: the loop for every
    /// length, the reference the tests compare the short path with.
    mutating func stringThroughLoop(bytes p: UnsafeBufferPointer<UInt8>) {
        escapedString(p.baseAddress, count: p.count, readable: p.count)
    }

    /// `string(bytes: text[start..<end])` for a slice of a longer text (an
    /// entity's words in its document): where the text goes on after `end`,
    /// the last bytes of the slice are tested in one vector load that reads
    /// into the rest of the text (and only the slice's bytes are kept).
    /// Inlined: entities' texts and names come here, two or three a piece.
    @inline(__always)
    mutating func string(_ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        guard let base = text.baseAddress else {
            escapedString(nil, count: 0, readable: 0)
            return
        }
        escapedString(base + start, count: end &- start, readable: text.count &- start)
    }

    /// The C escape loops' type: `entex_json_escape`, or `entex_json_escape_scalar` for the tests.
    typealias EscapeLoop = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafePointer<UInt8>?,
                                           UnsafePointer<UInt8>?, Int, Int) -> entex_json_escaped

    /// Writes `"`, the escaped `count` bytes at `src` (of which `readable`
    /// may be read) and `"`. Room is made for the bytes as they are plus the
    /// sixteen bytes of slack `escape` stores into; where escapes use that up,
    /// it stops and more room is made for the rest.
    @inline(__always)
    private mutating func escapedString(_ src: UnsafePointer<UInt8>?, count n: Int, readable: Int,
                                        using escape: EscapeLoop = entex_json_escape) {
        if let src, n <= 16, readable >= 16 {
            // Most entity texts and names are short, inside a longer text, and
            // need no escape: tested and stored in two words, inlined
            // (`entex_json_short_plain`), without the call and set-up of the loop.
            bytes.reserve(18)
            if let end = entex_json_short_plain(bytes.base + bytes.count, src, n) {
                bytes.count = bytes.base.distance(to: end)
                return
            }
        }
        // The opening quote, the bytes, the slack (the closing quote fits in it).
        bytes.reserve(n &+ 17)
        var out = bytes.base + bytes.count
        out.initialize(to: UInt8(ascii: "\""))
        out += 1
        if var src, n > 0 {
            var left = n
            var readable = readable
            while true {
                let done = escape(out, bytes.base + bytes.capacity, src, left, readable)
                out = done.end
                if done.consumed == left { break }
                // Escapes used up the room: more for the rest, and a quarter more for its escapes.
                left &-= done.consumed
                readable &-= done.consumed
                src += done.consumed
                bytes.count = bytes.base.distance(to: out)
                bytes.reserve(left &+ 16 &+ 64 &+ left &>> 2)
                out = bytes.base + bytes.count
            }
        }
        closeString(at: out)
    }

    /// The bytes `entex_json_escape_scalar` (the loop used without SSE2)
    /// writes for `p` as a string literal, for the tests.
    mutating func stringScalar(bytes p: UnsafeBufferPointer<UInt8>) {
        escapedString(p.baseAddress, count: p.count, readable: p.count, using: entex_json_escape_scalar)
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
