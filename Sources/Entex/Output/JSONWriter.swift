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
    /// Whether the sentences and entities are written by `entex_json_sentences`
    /// and `entex_json_entities` (CSupport): true when `Span` and `Entity` are
    /// laid out as the C code reads them (`entityLayoutIsC`); tests turn it off
    /// to compare with the Swift loops (`writeEntity`), the reference.
    var writesEntitiesInC = JSONWriter.entityLayoutIsC
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

    /// Whether `Entity` keeps the fields `entex_json_entities` reads where it
    /// reads them (the `ENTEX_ENTITY_*` offsets; a test pins them and how an
    /// absent cluster is marked). Constants, folded where they are compared.
    static var entityLayoutIsC: Bool {
        MemoryLayout<Entity>.stride == Int(ENTEX_ENTITY_STRIDE)
            && MemoryLayout<Entity>.offset(of: \.span) == Int(ENTEX_ENTITY_SPAN)
            && MemoryLayout<Entity>.offset(of: \.type) == Int(ENTEX_ENTITY_TYPE)
            && MemoryLayout<Entity>.offset(of: \.source) == Int(ENTEX_ENTITY_SOURCE)
            && MemoryLayout<Entity>.offset(of: \.canonical) == Int(ENTEX_ENTITY_CANONICAL)
            && MemoryLayout<Entity>.offset(of: \.kb) == Int(ENTEX_ENTITY_KB)
            && MemoryLayout<Entity>.offset(of: \.value) == Int(ENTEX_ENTITY_VALUE)
            && MemoryLayout<Entity>.offset(of: \.cluster) == Int(ENTEX_ENTITY_CLUSTER)
            && MemoryLayout<Int32?>.size == Int(ENTEX_ENTITY_CLUSTER_NONE) - Int(ENTEX_ENTITY_CLUSTER) + 1
            && MemoryLayout<Span>.size == 8 && MemoryLayout<Span>.offset(of: \.end) == 4 && MemoryLayout<TextRef>.size == 8
            && MemoryLayout<EntityType>.size == 1 && MemoryLayout<EntitySource>.size == 1
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

    private func write(_ doc: Document, text: UnsafeBufferPointer<UInt8>, map: inout OffsetTable, emptyTail: Bool,
                       into out: inout JSONBuffer) {
        out.literal(#"{"schema":"entex/1","id":"#)
        out.shortString(doc.id)
        out.literal(#","lang":"#)
        if let lang = doc.language { JSONWriter.writeLanguage(lang, into: &out) } else { out.literal("null") }
        if let date = doc.date {
            out.literal(#","date":"#)
            out.shortString(date)
        }
        out.literal(#","text":"#)
        let textStart = out.count
        out.inlinedString(bytes: text)
        // No byte of the text needed an escape (each one lengthens the output):
        // the entities' texts are then copied as they are, not tested again.
        let plainText = out.count &- textStart == text.count &+ 2

        out.literal(#","sentences":["#)
        doc.sentences.withUnsafeBufferPointer { sentences in
            if writesEntitiesInC, let first = sentences.baseAddress {
                // In C with the entities (`entex_json_sentences`): the loop in Swift kept the
                // table and the buffer in memory, about sixty instructions a sentence.
                let p = out.room(sentences.count &* Int(ENTEX_JSON_SENTENCE_ROOM))
                let spans = UnsafeRawPointer(first).assumingMemoryBound(to: Int32.self)
                out.advance(to: entex_json_sentences(p, spans, sentences.count, &map.table))
                return
            }
            for n in sentences.indices {
                // `,{"start":S,"end":E}` after one reservation.
                var p = out.room(1 + 9 + 11 + 7 + 11 + 1)
                if n > 0 {
                    p.initialize(to: UInt8(ascii: ","))
                    p += 1
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
        out.byte(UInt8(ascii: "]"))

        if options.includeTokens {
            out.literal(#","tokens":["#)
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
            out.byte(UInt8(ascii: "]"))
        }

        out.literal(#","entities":["#)
        // The entities' offsets start again near the start of the text.
        map.rewind()
        doc.annotationBytes.withUnsafeBufferPointer { names in
            doc.entities.withUnsafeBufferPointer { entities in
                self.typeAndSource.withUnsafeBufferPointer { typeAndSource in
                    typeAndSourceStart.withUnsafeBufferPointer { starts in
                        if writesEntitiesInC {
                            JSONWriter.writeEntitiesInC(entities, text: text, plainText: plainText, names: names, map: &map,
                                                        typeAndSource: typeAndSource, starts: starts, into: &out)
                            return
                        }
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

    /// A document's language code as a string literal: a short ASCII code
    /// from its bits (`shortString`: no call to the escape loop, about a
    /// hundred instructions a document, nor the comparisons with the
    /// detector's codes that stood here), any other one by `string`.
    @inline(__always)
    static func writeLanguage(_ lang: String, into out: inout JSONBuffer) {
        out.shortString(lang)
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
        // the text in quotes when it needs no escape (`plainText`).
        let textStart = Int(entity.span.start), textCount = Int(entity.span.end) &- textStart
        var p = out.room(1 + 8 + 11 + 10 + 11 + 7 + 11 + 8 &+ textCount &+ 2)
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
            p.initialize(to: UInt8(ascii: "\""))
            entex_copy_short(p + 1, base + textStart, textCount)
            p += textCount &+ 1
            p.initialize(to: UInt8(ascii: "\""))
            out.advance(to: p + 1)
        } else {
            out.advance(to: p)
            out.string(text, from: textStart, to: Int(entity.span.end))
        }

        // `,"type":"…","source":"…","canonical":` (one entry of the table), the name,
        // `,"kb":`, the id, and `,"value":` and the value's JSON text (or null),
        // after one reservation: each piece checked the room on its own.
        let value = entity.value
        let valueCount = value.isNone ? 4 : Int(value.end &- value.start)
        let tailRoom = 9 &+ valueCount &+ 11 &+ 2 &+ 11 &+ 2
        let k = JSONWriter.typeAndSourceIndex(entity.type, entity.source)
        let entryStart = starts[k]
        let entryCount = starts[k &+ 1] &- entryStart
        if entryCount <= JSONWriter.typeAndSourceCopy {
            p = out.room(JSONWriter.typeAndSourceCopy &+ JSONWriter.namesRoom &+ tailRoom)
            entex_copy64(p, typeAndSource.baseAddress! + entryStart)
            p += entryCount
        } else {
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

    /// The entities as `writeEntity` writes them, by `entex_json_entities`
    /// (CSupport), which reads each entity in place and converts its offsets
    /// with the same table: an entity's fields cost about 250 instructions in
    /// Swift, most of them in keeping the eleven fields and the pointers in
    /// memory around the pieces. The C loop stops before an entity that might
    /// not fit in the room there is; more is made here and it goes on.
    @inline(__always)
    private static func writeEntitiesInC(_ entities: UnsafeBufferPointer<Entity>, text: UnsafeBufferPointer<UInt8>, plainText: Bool,
                                         names: UnsafeBufferPointer<UInt8>, map: inout OffsetTable,
                                         typeAndSource: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int>,
                                         into out: inout JSONBuffer) {
        guard let base = entities.baseAddress else { return }
        var input = entex_json_entity_input(text: text.baseAddress, text_count: text.count, names: names.baseAddress,
                                            names_count: names.count, type_source: typeAndSource.baseAddress,
                                            type_source_starts: starts.baseAddress, source_count: JSONWriter.sourceCount,
                                            plain_text: plainText ? 1 : 0)
        let first = UnsafeRawPointer(base).assumingMemoryBound(to: UInt8.self)
        var k = 0
        while true {
            let written = entex_json_entities(out.room(0), out.limit, first, k, entities.count, &input, &map.table)
            out.advance(to: written.end)
            k = written.next
            if k >= entities.count { return }
            out.reserve(written.need)
        }
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
