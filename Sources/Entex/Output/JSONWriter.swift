/// Writes documents as `entex/1` JSON straight into a byte buffer.
///
/// Field names are a contract read by tools outside the project; see the
/// README and `Sources/Entex/Output/entex-1.schema.json`. Every layer is
/// always present (empty when its stage did not run); `tokens` only when
/// asked for. The writer knows only the `Document`, nothing of how its
/// layers were made.
public struct JSONWriter: Sendable {
    public static let schema = "entex/1"

    public struct Options: Sendable {
        public var offsets: OffsetUnit
        public var includeTokens: Bool
        public init(offsets: OffsetUnit = .codepoints, includeTokens: Bool = false) {
            self.offsets = offsets
            self.includeTokens = includeTokens
        }
    }

    public var options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Appends one document as a single line of JSON (no trailing newline).
    public func write(_ doc: Document, into out: inout [UInt8]) {
        doc.text.withUnsafeBufferPointer { text in
            var map = OffsetCursor(text: text, unit: options.offsets)
            write(doc, text: text, map: &map, into: &out)
        }
    }

    private func write(_ doc: Document, text: UnsafeBufferPointer<UInt8>, map: inout OffsetCursor, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"schema":"entex/1","id":"#.utf8)
        JSONWriter.appendString(doc.id, to: &out)
        out.append(contentsOf: #","lang":"#.utf8)
        if let lang = doc.language { JSONWriter.appendString(lang, to: &out) } else { out.append(contentsOf: "null".utf8) }
        if let date = doc.date {
            out.append(contentsOf: #","date":"#.utf8)
            JSONWriter.appendString(date, to: &out)
        }
        out.append(contentsOf: #","text":"#.utf8)
        JSONWriter.appendString(bytes: text, to: &out)

        out.append(contentsOf: #","sentences":["#.utf8)
        for (n, s) in doc.sentences.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"start":"#.utf8)
            JSONWriter.appendInt(map.convert(s.start), to: &out)
            out.append(contentsOf: #","end":"#.utf8)
            JSONWriter.appendInt(map.convert(s.end), to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))

        if options.includeTokens {
            out.append(contentsOf: #","tokens":["#.utf8)
            doc.tokenKeys.withUnsafeBufferPointer { keys in
                for (n, t) in doc.tokens.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: #"{"start":"#.utf8)
                    JSONWriter.appendInt(map.convert(t.start), to: &out)
                    out.append(contentsOf: #","end":"#.utf8)
                    JSONWriter.appendInt(map.convert(t.end), to: &out)
                    out.append(contentsOf: #","key":"#.utf8)
                    JSONWriter.appendString(bytes: UnsafeBufferPointer(rebasing: keys[Int(t.keyStart)..<Int(t.keyEnd)]), to: &out)
                    out.append(contentsOf: #","kind":""#.utf8)
                    out.append(contentsOf: t.kind.name.utf8)
                    out.append(contentsOf: #""}"#.utf8)
                }
            }
            out.append(UInt8(ascii: "]"))
        }

        out.append(contentsOf: #","entities":["#.utf8)
        for (n, e) in doc.entities.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"e"#.utf8)
            JSONWriter.appendInt(Int32(n + 1), to: &out)
            out.append(UInt8(ascii: "\""))
            writeSpan(e.span, doc: doc, map: &map, into: &out)
            out.append(contentsOf: #","type":""#.utf8)
            out.append(contentsOf: e.type.name.utf8)
            out.append(contentsOf: #"","source":""#.utf8)
            out.append(contentsOf: e.source.name.utf8)
            out.append(contentsOf: #"","canonical":"#.utf8)
            JSONWriter.appendOptionalString(e.canonical, to: &out)
            out.append(contentsOf: #","kb":"#.utf8)
            JSONWriter.appendOptionalString(e.kb, to: &out)
            out.append(contentsOf: #","value":"#.utf8)
            JSONWriter.appendValue(e.value ?? .null, to: &out)
            out.append(contentsOf: #","cluster":"#.utf8)
            if let c = e.cluster {
                out.append(contentsOf: #""c"#.utf8)
                JSONWriter.appendInt(c, to: &out)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))

        out.append(contentsOf: #","quotes":["#.utf8)
        for (n, q) in doc.quotes.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"q"#.utf8)
            JSONWriter.appendInt(Int32(n + 1), to: &out)
            out.append(UInt8(ascii: "\""))
            writeSpan(q.span, doc: doc, map: &map, into: &out)
            out.append(contentsOf: #","kind":"#.utf8)
            JSONWriter.appendString(q.kind.rawValue, to: &out)
            out.append(contentsOf: #","speaker":"#.utf8)
            if let s = q.speaker {
                out.append(contentsOf: #"{"#.utf8)
                writeSpanFields(s, doc: doc, map: &map, into: &out)
                out.append(contentsOf: #","entity":"#.utf8)
                if let e = q.speakerEntity { writeEntityRef(e, into: &out) } else { out.append(contentsOf: "null".utf8) }
                out.append(UInt8(ascii: "}"))
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(contentsOf: #","cue":"#.utf8)
            if let c = q.cue {
                out.append(contentsOf: #"{"#.utf8)
                writeSpanFields(c, doc: doc, map: &map, into: &out)
                out.append(UInt8(ascii: "}"))
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(contentsOf: #","attribution":"#.utf8)
            JSONWriter.appendString(q.attribution.rawValue, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))

        out.append(contentsOf: #","relations":["#.utf8)
        for (n, r) in doc.relations.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"id":"r"#.utf8)
            JSONWriter.appendInt(Int32(n + 1), to: &out)
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: #","type":"#.utf8)
            JSONWriter.appendString(r.type, to: &out)
            out.append(contentsOf: #","subject":"#.utf8)
            writeEntityRef(r.subject, into: &out)
            out.append(contentsOf: #","object":"#.utf8)
            writeEntityRef(r.object, into: &out)
            out.append(contentsOf: #","start":"#.utf8)
            JSONWriter.appendInt(map.convert(r.span.start), to: &out)
            out.append(contentsOf: #","end":"#.utf8)
            JSONWriter.appendInt(map.convert(r.span.end), to: &out)
            out.append(contentsOf: #","rule":"#.utf8)
            JSONWriter.appendString(r.rule, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))

        out.append(contentsOf: #","warnings":["#.utf8)
        for (n, w) in doc.warnings.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"code":"#.utf8)
            JSONWriter.appendString(w.code, to: &out)
            out.append(contentsOf: #","message":"#.utf8)
            JSONWriter.appendString(w.message, to: &out)
            if let offset = w.offset {
                out.append(contentsOf: #","offset":"#.utf8)
                JSONWriter.appendInt(map.convert(offset), to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))

        if !doc.meta.isEmpty {
            out.append(contentsOf: #","meta":"#.utf8)
            JSONWriter.appendValue(.object(doc.meta.map { .init($0.key, $0.value) }), to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Appends an error record: a document that could not be read or processed.
    public static func writeError(id: String?, message: String, source: String?, line: Int?, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"schema":"entex/1","id":"#.utf8)
        appendOptionalString(id, to: &out)
        out.append(contentsOf: #","error":"#.utf8)
        appendString(message, to: &out)
        if let source {
            out.append(contentsOf: #","source":"#.utf8)
            appendString(source, to: &out)
        }
        out.append(contentsOf: #","line":"#.utf8)
        if let line { appendInt(Int32(clamping: line), to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(UInt8(ascii: "}"))
    }

    private func writeEntityRef(_ index: Int, into out: inout [UInt8]) {
        out.append(contentsOf: #""e"#.utf8)
        JSONWriter.appendInt(Int32(index + 1), to: &out)
        out.append(UInt8(ascii: "\""))
    }

    private func writeSpan(_ span: Span, doc: Document, map: inout OffsetCursor, into out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        writeSpanFields(span, doc: doc, map: &map, into: &out)
    }

    private func writeSpanFields(_ span: Span, doc: Document, map: inout OffsetCursor, into out: inout [UInt8]) {
        out.append(contentsOf: #""start":"#.utf8)
        JSONWriter.appendInt(map.convert(span.start), to: &out)
        out.append(contentsOf: #","end":"#.utf8)
        JSONWriter.appendInt(map.convert(span.end), to: &out)
        out.append(contentsOf: #","text":"#.utf8)
        doc.text.withUnsafeBufferPointer { p in
            JSONWriter.appendString(bytes: UnsafeBufferPointer(rebasing: p[Int(span.start)..<Int(span.end)]), to: &out)
        }
    }

    // MARK: - Primitives

    @inline(__always)
    public static func appendInt(_ value: Int32, to out: inout [UInt8]) {
        if value >= 0 && value < 10 { out.append(UInt8(48 + value)); return }
        var v = Int64(value)
        if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            while count > 0 {
                count -= 1
                out.append(d[count])
            }
        }
    }

    public static func appendOptionalString(_ s: String?, to out: inout [UInt8]) {
        if let s { appendString(s, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(bytes: $0, to: &out) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a JSON string literal for valid UTF-8 `bytes`: quotes,
    /// backslashes and control characters escaped, other bytes copied.
    public static func appendString(bytes p: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        guard let base = p.baseAddress else {
            out.append(UInt8(ascii: "\""))
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
            if b >= 0x20 && b != 0x22 && b != 0x5C { i += 1; continue }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i])) }
            out.append(UInt8(ascii: "\\"))
            switch b {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            default:
                out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            }
            i += 1
            runStart = i
        }
        if runStart < p.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<p.count])) }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends any JSON value.
    public static func appendValue(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (n, m) in members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                appendString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(m.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
