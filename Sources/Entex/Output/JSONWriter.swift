import CSupport

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
    /// `typeAndSourceBytes` and `typeAndSourceStarts`, held by the writer so
    /// that a document does not pass the static tables' initialization checks.
    private let typeAndSource = JSONWriter.typeAndSourceBytes
    private let typeAndSourceStart = JSONWriter.typeAndSourceStarts

    public init(options: Options = Options()) { self.options = options }

    /// For every entity type and source (entry `type.rawValue * sourceCount +
    /// source.rawValue`), the bytes between an entity's text and its
    /// canonical name: `,"type":"GPE","source":"gazetteer","canonical":`,
    /// written with one copy per entity instead of five. The entries follow
    /// one another in `typeAndSourceBytes`, entry `k` from
    /// `typeAndSourceStarts[k]` to `typeAndSourceStarts[k + 1]`: one array, so
    /// that copying an entry retains nothing.
    private static let typeAndSourceBytes: [UInt8] = {
        var bytes: [UInt8] = []
        for type in EntityType.allCases {
            for source in EntitySource.allCases { bytes += typeAndSourceEntry(type, source) }
        }
        // Padding, so that `typeAndSourceCopy` bytes may be read from any entry's start.
        return bytes + [UInt8](repeating: 0, count: typeAndSourceCopy)
    }()
    /// Bytes moved for an entry of `typeAndSourceBytes` (up to 55 long): a
    /// fixed-size copy, four vector moves (`entex_copy64`, inlined from C:
    /// `copyMemory` with this constant stayed a call) instead of a call to `memcpy`.
    private static let typeAndSourceCopy = 64
    private static let typeAndSourceStarts: [Int] = {
        var starts = [0]
        for type in EntityType.allCases {
            for source in EntitySource.allCases { starts.append(starts.last! + typeAndSourceEntry(type, source).count) }
        }
        return starts
    }()

    private static func typeAndSourceEntry(_ type: EntityType, _ source: EntitySource) -> [UInt8] {
        var entry = Array(#","type":""#.utf8)
        entry += type.name.utf8
        entry += #"","source":""#.utf8
        entry += source.name.utf8
        entry += #"","canonical":"#.utf8
        return entry
    }
    private static let sourceCount = EntitySource.allCases.count

    /// The entry of `typeAndSourceBytes` for `type` and `source`: their raw
    /// values are their declaration positions (0, 1, 2…, which a test pins),
    /// so their stored tags are those values, read without the calls to the
    /// `rawValue` getters the optimizer left in the entity loop.
    @inline(__always)
    static func typeAndSourceIndex(_ type: EntityType, _ source: EntitySource) -> Int {
        Int(unsafeBitCast(type, to: UInt8.self)) &* sourceCount &+ Int(unsafeBitCast(source, to: UInt8.self))
    }

    /// Appends one document as a single line of JSON (no trailing newline).
    public func write(_ doc: Document, into out: inout [UInt8]) {
        var json = JSONBuffer(capacity: JSONWriter.estimatedSize(doc))
        defer { json.deallocate() }
        write(doc, into: &json)
        json.withBytes { out.append(contentsOf: $0) }
    }

    /// Appends one document as a single line of JSON (no trailing newline).
    func write(_ doc: Document, into out: inout JSONBuffer) {
        doc.text.withUnsafeBufferPointer { text in
            // The table reads its events where they are: the buffer is not touched while it is used.
            var events = out.offsetEvents
            var map = OffsetTable(text: text, unit: options.offsets, storage: &events)
            out.offsetEvents = events
            // Whether the layers after the entities are all empty, found here:
            // in the long function below, each `isEmpty` stayed a call.
            let emptyTail = doc.quotes.isEmpty && doc.relations.isEmpty && doc.warnings.isEmpty && doc.meta.isEmpty
            write(doc, text: text, map: &map, emptyTail: emptyTail, into: &out)
        }
    }

    /// A capacity that most documents' output fits in: the text, a little for
    /// escapes, and room for the annotations.
    static func estimatedSize(_ doc: Document) -> Int {
        doc.text.count + doc.text.count / 8 + 256 + 40 * doc.sentences.count + 200 * doc.entities.count
    }

    /// The start of a document's line up to its id, `{"schema":"entex/1","id":`.
    private static var head: StaticString { #"{"schema":"entex/1","id":"# }

    /// The start of a document's line (`head`) and its id as a JSON string.
    /// A short id (`ShortID`, which holds only bytes that need no escape) is
    /// copied from the bytes the document holds in quotes, after the same
    /// reservation as the head, without making or reading a string and without
    /// the call and tests of `string(bytes:)` (about 90 instructions a tweet).
    @inline(__always)
    static func writeHeadAndID(of doc: Document, into out: inout JSONBuffer) {
        if doc.shortID.isEmpty {
            out.literal(head)
            out.string(doc.idString)
        } else {
            doc.shortID.withBytes { id in
                let p = JSONBuffer.copy(head, to: out.room(head.utf8CodeUnitCount &+ 2 &+ ShortID.capacity))
                out.advance(to: entex_quoted_copy(p, id.baseAddress!, id.count))
            }
        }
    }

    private func write(_ doc: Document, text: UnsafeBufferPointer<UInt8>, map: inout OffsetTable, emptyTail: Bool,
                       into out: inout JSONBuffer) {
        JSONWriter.writeHeadAndID(of: doc, into: &out)
        if let date = doc.date {
            JSONWriter.writeLanguageMember(doc.language, textFollows: false, into: &out)
            out.literal(#","date":"#)
            out.string(date)
            out.literal(#","text":"#)
        } else {
            JSONWriter.writeLanguageMember(doc.language, textFollows: true, into: &out)
        }
        let textStart = out.count
        out.inlinedString(bytes: text)
        // No byte of the text needed an escape (each one lengthens the output):
        // the entities' texts are then copied as they are, not tested again.
        let plainText = out.count &- textStart == text.count &+ 2

        doc.sentences.withUnsafeBufferPointer { sentences in
            if sentences.isEmpty { out.literal(#","sentences":["#) }
            for n in sentences.indices {
                // `,{"start":S,"end":E}` after one reservation, the first after the layer's key.
                var p = out.room(14 + 9 + 11 + 7 + 11 + 1)
                if n > 0 {
                    p.initialize(to: UInt8(ascii: ","))
                    p += 1
                } else {
                    p = JSONBuffer.copy(#","sentences":["#, to: p)
                }
                p = JSONBuffer.copy(#"{"start":"#, to: p)
                let start = map.convert(sentences[n].start)
                p = JSONBuffer.writeInt(start, at: p)
                p = JSONBuffer.copy(#","end":"#, to: p)
                p = JSONBuffer.writeInt(map.convert(sentences[n].end), at: p)
                p.initialize(to: UInt8(ascii: "}"))
                out.advance(to: p + 1)
            }
        }
        if options.includeTokens {
            out.literal(#"],"tokens":["#)
            doc.tokenKeys.withUnsafeBufferPointer { keys in
                doc.tokens.withUnsafeBufferPointer { tokens in
                    for n in tokens.indices {
                        let t = tokens[n]
                        if n > 0 { out.byte(UInt8(ascii: ",")) }
                        out.byte(UInt8(ascii: "{"))
                        writeOffsets(Span(start: t.start, end: t.end), map: &map, into: &out)
                        out.literal(#","key":"#)
                        out.string(bytes: UnsafeBufferPointer(rebasing: keys[Int(t.keyStart)..<Int(t.keyEnd)]))
                        out.literal(#","kind":""#)
                        out.raw(t.kind.name)
                        out.literal(#""}"#)
                    }
                }
            }
        }
        // The end of the sentences or tokens, and the start of the entities.
        out.literal(#"],"entities":["#)
        // The entities' offsets start again near the start of the text.
        map.rewind()
        doc.annotationBytes.withUnsafeBufferPointer { names in
            doc.entities.withUnsafeBufferPointer { entities in
                self.typeAndSource.withUnsafeBufferPointer { typeAndSource in
                    typeAndSourceStart.withUnsafeBufferPointer { starts in
                        for n in entities.indices {
                            writeEntity(entities[n], number: n &+ 1, text: text, plainText: plainText, names: names, map: &map,
                                        typeAndSource: typeAndSource, starts: starts, into: &out)
                        }
                    }
                }
            }
        }
        if emptyTail {
            // Most documents: the empty layers after the entities, and the end, in one copy.
            out.literal(#"],"quotes":[],"relations":[],"warnings":[]}"#)
            return
        }
        out.byte(UInt8(ascii: "]"))

        out.literal(#","quotes":["#)
        for (n, q) in doc.quotes.enumerated() {
            if n > 0 { out.byte(UInt8(ascii: ",")) }
            out.literal(#"{"id":"q"#)
            out.int(Int32(n + 1))
            out.byte(UInt8(ascii: "\""))
            writeSpan(q.span, text: text, map: &map, into: &out)
            out.literal(#","kind":"#)
            out.string(q.kind.rawValue)
            out.literal(#","speaker":"#)
            if let s = q.speaker {
                out.byte(UInt8(ascii: "{"))
                writeSpanFields(s, text: text, map: &map, into: &out)
                out.literal(#","entity":"#)
                if let e = q.speakerEntity { writeEntityRef(e, into: &out) } else { out.literal("null") }
                out.byte(UInt8(ascii: "}"))
            } else {
                out.literal("null")
            }
            out.literal(#","cue":"#)
            if let c = q.cue {
                out.byte(UInt8(ascii: "{"))
                writeSpanFields(c, text: text, map: &map, into: &out)
                out.byte(UInt8(ascii: "}"))
            } else {
                out.literal("null")
            }
            out.literal(#","attribution":"#)
            out.string(q.attribution.rawValue)
            out.byte(UInt8(ascii: "}"))
        }
        out.byte(UInt8(ascii: "]"))

        out.literal(#","relations":["#)
        for (n, r) in doc.relations.enumerated() {
            if n > 0 { out.byte(UInt8(ascii: ",")) }
            out.literal(#"{"id":"r"#)
            out.int(Int32(n + 1))
            out.byte(UInt8(ascii: "\""))
            out.literal(#","type":"#)
            out.string(r.type)
            out.literal(#","subject":"#)
            writeEntityRef(r.subject, into: &out)
            out.literal(#","object":"#)
            writeEntityRef(r.object, into: &out)
            out.byte(UInt8(ascii: ","))
            writeOffsets(r.span, map: &map, into: &out)
            out.literal(#","rule":"#)
            out.string(r.rule)
            out.byte(UInt8(ascii: "}"))
        }
        out.byte(UInt8(ascii: "]"))

        out.literal(#","warnings":["#)
        for (n, w) in doc.warnings.enumerated() {
            if n > 0 { out.byte(UInt8(ascii: ",")) }
            out.literal(#"{"code":"#)
            out.string(w.code)
            out.literal(#","message":"#)
            out.string(w.message)
            if let offset = w.offset {
                out.literal(#","offset":"#)
                out.int(map.convert(offset))
            }
            out.byte(UInt8(ascii: "}"))
        }
        out.byte(UInt8(ascii: "]"))

        if !doc.meta.isEmpty {
            out.literal(#","meta":{"#)
            for (n, member) in doc.meta.enumerated() {
                if n > 0 { out.byte(UInt8(ascii: ",")) }
                out.string(member.key)
                out.byte(UInt8(ascii: ":"))
                out.value(member.value)
            }
            out.byte(UInt8(ascii: "}"))
        }
        out.byte(UInt8(ascii: "}"))
    }

    /// `,"lang":` and a document's language code as a string literal (or
    /// `null`), and `,"text":` after it when `textFollows`: the codes the
    /// detector gives are written with the keys around them in one copy (no
    /// call to the escape loop, about a hundred instructions a document), any
    /// other one by `string`. The code's length is tested first: a comparison
    /// of strings that differ is a call to the standard library, one that
    /// matches is not, so "und" is never compared with "en" (two calls an
    /// undetermined document).
    @inline(__always)
    static func writeLanguageMember(_ lang: String?, textFollows: Bool, into out: inout JSONBuffer) {
        guard let lang else {
            if textFollows { out.literal(#","lang":null,"text":"#) } else { out.literal(#","lang":null"#) }
            return
        }
        switch lang.utf8.count {
        case 2 where lang == "en":
            if textFollows { out.literal(#","lang":"en","text":"#) } else { out.literal(#","lang":"en""#) }
        case 2 where lang == "es":
            if textFollows { out.literal(#","lang":"es","text":"#) } else { out.literal(#","lang":"es""#) }
        case 3 where lang == "und":
            if textFollows { out.literal(#","lang":"und","text":"#) } else { out.literal(#","lang":"und""#) }
        default:
            out.literal(#","lang":"#)
            out.string(lang)
            if textFollows { out.literal(#","text":"#) }
        }
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

    /// One entity (`number` counts from 1), preceded by a comma after the
    /// first: the pieces before its text, and those after each string, are
    /// written after one reservation each (`JSONBuffer.room`), not checked
    /// piece by piece, as an entity's eleven fields came to a few hundred
    /// instructions.
    @inline(__always)
    private func writeEntity(_ entity: Entity, number: Int, text: UnsafeBufferPointer<UInt8>, plainText: Bool,
                             names: UnsafeBufferPointer<UInt8>, map: inout OffsetTable,
                             typeAndSource: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int>,
                             into out: inout JSONBuffer) {
        // `,{"id":"e`, the number, `","start":`, S, `,"end":`, E, `,"text":`, and
        // the text in quotes when it needs no escape (`plainText`); the room
        // made here also holds what follows the text (`tailRoom`), so that an
        // entity whose text and table entry are copied makes room once.
        let textStart = Int(entity.span.start), textCount = Int(entity.span.end) &- textStart
        let value = entity.value
        let valueCount = value.isNone ? 4 : Int(value.end &- value.start)
        let tailRoom = 9 &+ valueCount &+ 11 &+ 2 &+ 11 &+ 2
        let afterText = JSONWriter.typeAndSourceCopy &+ JSONWriter.namesRoom &+ tailRoom
        var p = out.room(1 + 8 + 11 + 10 + 11 + 7 + 11 + 8 &+ textCount &+ 2 &+ afterText)
        if number > 1 {
            p.initialize(to: UInt8(ascii: ","))
            p += 1
        }
        p = JSONBuffer.copy(#"{"id":"e"#, to: p)
        p = JSONBuffer.writeInt(Int32(truncatingIfNeeded: number), at: p)
        p = JSONBuffer.copy(#"","start":"#, to: p)
        let start = map.convert(entity.span.start)
        p = JSONBuffer.writeInt(start, at: p)
        p = JSONBuffer.copy(#","end":"#, to: p)
        p = JSONBuffer.writeInt(map.convert(entity.span.end), at: p)
        p = JSONBuffer.copy(#","text":"#, to: p)
        if plainText, let base = text.baseAddress {
            p = entex_quoted_copy(p, base + textStart, textCount)
        } else {
            out.advance(to: p)
            out.string(text, from: textStart, to: Int(entity.span.end))
            p = out.room(afterText)
        }

        // `,"type":"…","source":"…","canonical":` (one entry of the table), the name,
        // `,"kb":`, the id, and `,"value":` and the value's JSON text (or null),
        // in the room made above (`afterText`): each piece checked the room on its own.
        let k = JSONWriter.typeAndSourceIndex(entity.type, entity.source)
        let entryStart = starts[k]
        let entryCount = starts[k &+ 1] &- entryStart
        if entryCount <= JSONWriter.typeAndSourceCopy {
            entex_copy64(p, typeAndSource.baseAddress! + entryStart)
            p += entryCount
        } else {
            out.advance(to: p)
            out.raw(UnsafeBufferPointer(rebasing: typeAndSource[entryStart..<(entryStart &+ entryCount)]))
            p = out.room(JSONWriter.namesRoom &+ tailRoom)
        }
        p = JSONWriter.writeName(entity.canonical, in: names, at: p, roomAfter: 6 &+ 18 &+ tailRoom, into: &out)
        p = JSONBuffer.copy(#","kb":"#, to: p)
        p = JSONWriter.writeName(entity.kb, in: names, at: p, roomAfter: tailRoom, into: &out)

        // `,"value":` and the value's JSON text (or null), `,"cluster":` and `"cN"` (or null), `}`.
        p = JSONBuffer.copy(#","value":"#, to: p)
        if value.isNone {
            p = JSONBuffer.copy("null", to: p)
        } else {
            // A few bytes: copied inline (`memcpy` was a call a value).
            entex_copy_short(p, names.baseAddress! + Int(value.start), valueCount)
            p += valueCount
        }
        p = JSONBuffer.copy(#","cluster":"#, to: p)
        if let c = entity.cluster {
            p = JSONBuffer.copy(#""c"#, to: p)
            p = JSONBuffer.writeInt(c, at: p)
            p = JSONBuffer.copy(#""}"#, to: p)
        } else {
            p = JSONBuffer.copy("null}", to: p)
        }
        out.advance(to: p)
    }

    /// Room `writeEntity` makes for an entity's two names written in place
    /// (`writeName`, at most 18 bytes each) and the `,"kb":` between them.
    private static let namesRoom = 18 + 6 + 18

    /// Writes a name of `names` (or `null`) at `p`, inside room made for it (18
    /// bytes) and `roomAfter` more, and returns the end: a short one that needs
    /// no escape by `entex_json_short_plain`, as `JSONBuffer.optionalString`
    /// writes it; any other through `optionalString`, after which room is made
    /// again for the `roomAfter` bytes.
    @inline(__always)
    private static func writeName(_ ref: TextRef, in names: UnsafeBufferPointer<UInt8>, at p: UnsafeMutablePointer<UInt8>,
                                  roomAfter: Int, into out: inout JSONBuffer) -> UnsafeMutablePointer<UInt8> {
        if ref.isNone { return JSONBuffer.copy("null", to: p) }
        let start = Int(ref.start), n = Int(ref.end &- ref.start)
        if n <= 16, names.count &- start >= 16, let end = entex_json_short_plain(p, names.baseAddress! + start, n) { return end }
        out.advance(to: p)
        out.optionalString(ref, in: names)
        return out.room(roomAfter)
    }

    private func writeEntityRef(_ index: Int, into out: inout JSONBuffer) {
        out.literal(#""e"#)
        out.int(Int32(index + 1))
        out.byte(UInt8(ascii: "\""))
    }

    private func writeSpan(_ span: Span, text: UnsafeBufferPointer<UInt8>, map: inout OffsetTable, into out: inout JSONBuffer) {
        out.byte(UInt8(ascii: ","))
        writeSpanFields(span, text: text, map: &map, into: &out)
    }

    /// `"start":…,"end":…` in the output unit.
    @inline(__always)
    private func writeOffsets(_ span: Span, map: inout OffsetTable, into out: inout JSONBuffer) {
        let start = map.convert(span.start)
        out.offsets(start: start, end: map.convert(span.end))
    }

    private func writeSpanFields(_ span: Span, text: UnsafeBufferPointer<UInt8>, map: inout OffsetTable,
                                 into out: inout JSONBuffer) {
        writeOffsets(span, map: &map, into: &out)
        out.literal(#","text":"#)
        out.string(text, from: Int(span.start), to: Int(span.end))
    }

    // MARK: - Primitives on arrays (the writer itself uses `JSONBuffer`)

    public static func appendInt(_ value: Int32, to out: inout [UInt8]) {
        JSONBuffer.appending(to: &out) { $0.int(value) }
    }

    public static func appendOptionalString(_ s: String?, to out: inout [UInt8]) {
        JSONBuffer.appending(to: &out) { $0.optionalString(s) }
    }

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        JSONBuffer.appending(to: &out) { $0.string(s) }
    }

    /// Appends a JSON string literal for valid UTF-8 `bytes`: quotes,
    /// backslashes and control characters escaped, other bytes copied.
    public static func appendString(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        JSONBuffer.appending(to: &out) { $0.string(bytes: bytes) }
    }

    /// Appends any JSON value.
    public static func appendValue(_ value: JSONValue, to out: inout [UInt8]) {
        JSONBuffer.appending(to: &out) { $0.value(value) }
    }
}
