#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Input formats `entex` reads.
public enum InputFormat: String, Sendable, CaseIterable {
    /// Decide from the input: a first non-blank `{` or `[` means JSON
    /// (tweets or JSON Lines, told apart per record by their fields),
    /// anything else is `text`.
    case auto
    /// All of the input is one document.
    case text
    /// One document per line; blank lines are skipped.
    case lines
    /// One JSON object per line with `text` and optional `id`, `lang`, `date`;
    /// other fields pass through under `meta`.
    case jsonl
    /// Twitter API JSON (v1.1 or v2), one per line or one JSON array.
    case tweets
}

/// One thing read from the input: a document, or a record that could not
/// become one (it still yields exactly one output record).
public enum InputRecord: Sendable {
    case document(Document)
    case failure(RecordFailure)
}

/// A record that could not be read as a document.
public struct RecordFailure: Error, Sendable {
    public var id: String?
    public var message: String
    public var source: String
    /// 1-based line number in the source, when records are lines.
    public var line: Int?
    public init(id: String?, message: String, source: String, line: Int?) {
        self.id = id
        self.message = message
        self.source = source
        self.line = line
    }
}

/// Reads documents from a byte stream in any `InputFormat`.
///
/// Records stream out as they are read; memory stays bounded by the
/// largest record. A line longer than `maxDocumentBytes` is skipped to its
/// end and reported as a failure. Invalid UTF-8 is repaired (with warnings),
/// never fatal; a UTF-8 byte order mark at the start is ignored.
public struct DocumentReader {
    public var format: InputFormat
    /// Name of the source in ids and error records (`stdin`, a file path).
    public var sourceName: String
    /// Prefix of generated ids; default: `sourceName` + ":".
    public var idPrefix: String
    public var maxDocumentBytes: Int
    /// Size of the largest JSON document (a whole array of tweets) accepted.
    public var maxJSONBytes: Int

    public static let defaultMaxDocumentBytes = 32 << 20

    /// Whether JSON Lines records go through `JSONParser.parseRecordLine`
    /// (text decoded straight to bytes) before the full parser, and the
    /// parser decodes escaped strings in one pass. Off only in tests that
    /// check both paths give the same records.
    var usesRecordFastPath = true
    /// Whether a JSON Lines record that is a plain document (`id`, `text`,
    /// `lang`, `date` and nothing else) is read straight to its document
    /// with `JSONParser.parseDocumentLine` before the general fast path is
    /// tried (only with `usesRecordFastPath`). Off only in tests that check
    /// both give the same records.
    var usesDocumentLinePath = true
    /// Least room `LineReader` makes for each read from the source. Tests
    /// make it small, so that lines cross the end of the buffer often.
    var lineReadSize = 1 << 16
    /// Where the JSON Lines fast path takes the array of each document's
    /// text from when it has room: the pipeline's that annotates the
    /// documents on this thread (`Pipeline.recycledText`), or nil.
    public var recycledText: RecycledText?

    public init(format: InputFormat = .auto, sourceName: String = "stdin", idPrefix: String? = nil,
                maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes) {
        self.format = format
        self.sourceName = sourceName
        self.idPrefix = idPrefix ?? "\(sourceName):"
        self.maxDocumentBytes = min(maxDocumentBytes, Int(Int32.max) - 1)
        self.maxJSONBytes = max(self.maxDocumentBytes, 1 << 30)
    }

    /// Reads every record of `source`, calling `emit` for each in order.
    /// Throws only when the source itself cannot be read.
    public func read(_ source: some ByteSource, emit: (InputRecord) -> Void) throws(InputError) {
        try readConsuming(source) { record in emit(record) }
    }

    /// Reads every record of `source` like `read(_:emit:)`, handing each
    /// over to `emit`: a caller that keeps the records (`documents.append`)
    /// takes them as they are, instead of copying each document and
    /// releasing the original.
    public func readConsuming(_ source: some ByteSource, emit: (consuming InputRecord) -> Void) throws(InputError) {
        try readConsuming(source, takeRaw: nil, emit: emit)
    }

    /// Reads `source` like `readConsuming(_:emit:)`, except that the lines
    /// of a JSON Lines source after its first record go to `takeRaw`
    /// unread whenever it has room for them (see `RawLineTaker`), and the
    /// caller reads them with `readJSONLines(inBlock:firstLine:emit:)`.
    func readConsuming(_ source: some ByteSource, takeRaw: RawLineTaker?,
                       emit: (consuming InputRecord) -> Void) throws(InputError) {
        var lines = LineReader(source: source, maxLine: max(maxDocumentBytes, 64), readSize: lineReadSize)
        var format = self.format
        if format == .auto || format == .text {
            let first = try lines.peekFirstNonBlank()
            if format == .auto {
                format = first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .jsonl : .text
                if first == UInt8(ascii: "[") { format = .tweets }
            }
        }
        switch format {
        case .text:
            let whole = try lines.readAll(limit: maxDocumentBytes)
            if whole.truncated {
                emit(.failure(RecordFailure(id: sourceName, message: "document exceeds the maximum size of \(maxDocumentBytes) bytes", source: sourceName, line: nil)))
            } else if !whole.bytes.isEmpty {
                emit(.document(Document(id: sourceName, bytes: whole.bytes, origin: Origin(source: sourceName, line: 1))))
            }
        case .lines:
            while let line = try lines.next() {
                if line.tooLong {
                    emit(.failure(tooLong(line.number)))
                    continue
                }
                if isBlank(line.bytes) { continue }
                emit(.document(Document(id: idPrefix + String(line.number), bytes: line.bytes,
                                        origin: Origin(source: sourceName, line: line.number))))
            }
        case .jsonl, .tweets, .auto:
            try readJSON(&lines, tweetsOnly: format == .tweets && self.format == .tweets, takeRaw: takeRaw, emit: emit)
        }
    }

    private func tooLong(_ line: Int) -> RecordFailure {
        RecordFailure(id: idPrefix + String(line), message: "line exceeds the maximum document size of \(maxDocumentBytes) bytes",
                      source: sourceName, line: line)
    }

    private func isBlank(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    }

    private func readJSON(_ lines: inout LineReader, tweetsOnly: Bool,
                          takeRaw: RawLineTaker? = nil,
                          emit: (consuming InputRecord) -> Void) throws(InputError) {
        let first = try lines.peekFirstNonBlank()
        var parser = JSONParser()
        parser.decodesEscapesInOnePass = usesRecordFastPath
        parser.recycledText = recycledText
        if first == UInt8(ascii: "[") {
            // One JSON array of records over any number of lines.
            let whole = try lines.readAll(limit: maxJSONBytes)
            guard !whole.truncated else {
                emit(.failure(RecordFailure(id: nil, message: "JSON array exceeds \(maxJSONBytes) bytes", source: sourceName, line: 1)))
                return
            }
            do {
                // The first non-blank byte is "[", so a value that parses is an array.
                mapWhole(try parser.parse(whole.bytes), line: 1, replacements: parser.replacements,
                         tweetsOnly: tweetsOnly, emit: emit)
            } catch {
                emit(.failure(RecordFailure(id: nil, message: "malformed JSON: \(error)", source: sourceName, line: lineOf(whole.bytes, error.offset))))
            }
            return
        }
        try readJSONLines(&lines, parser: &parser, firstMayOpenMultiline: true, tweetsOnly: tweetsOnly,
                          takeRaw: takeRaw, emit: emit)
    }

    /// What one JSON Lines line turned out to be.
    private enum LineOutcome {
        case blank
        /// Its records (or its failure) were emitted.
        case read
        /// Not JSON; the line's bytes when it may open multi-line JSON.
        case malformed(JSONParseError, [UInt8])
    }

    /// One JSON record per line. When `firstMayOpenMultiline`, a first line
    /// that does not parse but looks like the start of pretty-printed JSON
    /// ("{" alone, or a line ending in "{", "[", "," or ":") is read together
    /// with the rest of the input as one value; if that fails too, the first
    /// line is an error record and the other lines are records of their own.
    ///
    /// The lines after the first non-blank one (which may open multi-line
    /// JSON) go to `takeRaw` as they are whenever it has room (see
    /// `RawLineTaker`): the whole lines already read, in one piece, and a
    /// line that was still being read (across the end of the buffer) on
    /// its own. They are left to the caller, to be read later with
    /// `readJSONLines(inBlock:firstLine:emit:)`, which reads them as this
    /// loop would. A line over the size limit is never handed on: its
    /// failure is emitted here.
    private func readJSONLines(_ lines: inout LineReader, parser: inout JSONParser,
                               firstMayOpenMultiline: Bool, tweetsOnly: Bool,
                               takeRaw: RawLineTaker? = nil,
                               emit: (consuming InputRecord) -> Void) throws(InputError) {
        var mayOpenMultiline = firstMayOpenMultiline
        while true {
            if !mayOpenMultiline, let takeRaw {
                let room = takeRaw.room(lines.nextLineNumber)
                if room.lines > 0, lines.takeWholeLines(maxLines: room.lines, maxBytes: room.bytes, takeRaw.take) { continue }
            }
            guard let span = try lines.nextSpan() else { break }
            if span.tooLong {
                emit(.failure(tooLong(span.number)))
                mayOpenMultiline = false
                continue
            }
            if !mayOpenMultiline, let takeRaw, takeRaw.room(span.number).lines > 0 {
                lines.withRawBytes(of: span) { takeRaw.take($0, span.number, 1) }
                continue
            }
            // The line is parsed where it lies in the reader's buffer; only a
            // first line that may open multi-line JSON is copied out when it
            // does not parse.
            let outcome = lines.withBytes(of: span) { p -> LineOutcome in
                if isBlank(p) { return .blank }
                guard let error = readLine(p, number: span.number, parser: &parser, tweetsOnly: tweetsOnly, emit: emit) else {
                    return .read
                }
                return .malformed(error, mayOpenMultiline ? Array(p) : [])
            }
            let error: JSONParseError, bytes: [UInt8]
            switch outcome {
            case .blank: continue
            case .read:
                mayOpenMultiline = false
                continue
            case .malformed(let e, let b): (error, bytes) = (e, b)
            }
            let failure = malformedFailure(error, line: span.number)
            guard mayOpenMultiline, LineReader.opensMultilineJSON(bytes) else {
                mayOpenMultiline = false
                emit(.failure(failure))
                continue
            }
            var joined = bytes
            joined.append(0x0A)
            let rest = try lines.readAll(limit: maxJSONBytes)
            joined.append(contentsOf: rest.bytes)
            if let value = try? parser.parse(joined) {
                mapWhole(value, line: span.number, replacements: parser.replacements, tweetsOnly: tweetsOnly, emit: emit)
                return
            }
            emit(.failure(failure))
            var remaining = LineReader(source: MemorySource(rest.bytes), maxLine: lines.maxLine, firstLine: span.number + 1)
            try readJSONLines(&remaining, parser: &parser, firstMayOpenMultiline: false, tweetsOnly: tweetsOnly, emit: emit)
            return
        }
    }

    /// Reads the JSON Lines records of `block`: whole lines as they are in
    /// the input, each ending in a line feed (the last may not), none over
    /// `maxDocumentBytes` once a carriage return before its line feed is
    /// removed (as `LineReader` removes it), the first being line
    /// `firstLine` of the source. Emits what `readConsuming` emits for
    /// those lines when they follow the first record of a JSON Lines
    /// source. `BatchEngine`'s workers read the lines its reader thread
    /// took raw, so that parsing runs on every worker instead of on the one reader.
    /// Inlined, so that each document moves to the caller's `emit` without
    /// a copy (called through a closure, the record is copied out).
    @inline(__always)
    public func readJSONLines(inBlock block: UnsafeBufferPointer<UInt8>, firstLine: Int,
                              emit: (consuming InputRecord) -> Void) {
        guard let base = block.baseAddress else { return }
        var parser = JSONParser()
        parser.decodesEscapesInOnePass = usesRecordFastPath
        parser.recycledText = recycledText
        let tweetsOnly = format == .tweets
        var start = 0
        var number = firstLine
        while start < block.count {
            let end: Int
            if let hit = memchr(base + start, 0x0A, block.count - start) {
                end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            } else {
                end = block.count
            }
            // One carriage return before the line feed is not part of the line (`LineReader.nextSpan`).
            let lineEnd = end > start && base[end - 1] == 0x0D ? end - 1 : end
            let p = UnsafeBufferPointer(rebasing: block[start..<lineEnd])
            if !isBlank(p), let error = readLine(p, number: number, parser: &parser, tweetsOnly: tweetsOnly, emit: emit) {
                emit(.failure(malformedFailure(error, line: number)))
            }
            start = end + 1
            number += 1
        }
    }

    /// Reads one JSON Lines record (a line that is not blank) and emits its
    /// documents or its failure; returns the parse error, without emitting
    /// anything, when the line is not JSON.
    @inline(__always)
    private func readLine(_ p: UnsafeBufferPointer<UInt8>, number: Int, parser: inout JSONParser, tweetsOnly: Bool,
                          emit: (consuming InputRecord) -> Void) -> JSONParseError? {
        if usesRecordFastPath {
            // Tweets-only input makes a plain document an error record: the general path says so.
            if usesDocumentLinePath, !tweetsOnly, var document = parser.parseDocumentLine(p) {
                // The fields are moved out, not copied: the record would hold
                // them until the document is done with, and the text's array
                // could not go back to `recycledText` the only holder of it.
                var text: [UInt8] = []
                swap(&text, &document.text)
                let shortID = document.shortID
                emitDocument(id: document.idString.take() ?? (shortID.isEmpty ? idPrefix + String(number) : ""),
                             shortID: shortID, text: text,
                             language: RecordMapper.language(document.lang), date: document.date.take(), meta: [],
                             line: number, index: number, replacements: 0, emit: emit)
                return nil
            }
            if let record = parser.parseRecordLine(p) {
                mapParsedRecord(record, line: number, replacements: parser.replacements, tweetsOnly: tweetsOnly, emit: emit)
                return nil
            }
        }
        do {
            let value = try parser.parse(p)
            mapRecord(value, line: number, index: number, replacements: parser.replacements, tweetsOnly: tweetsOnly, emit: emit)
            return nil
        } catch {
            return error
        }
    }

    private func malformedFailure(_ error: JSONParseError, line: Int) -> RecordFailure {
        RecordFailure(id: idPrefix + String(line), message: "malformed JSON: \(error)", source: sourceName, line: line)
    }

    /// The records of one whole JSON value: each element of an array, or the value itself.
    private func mapWhole(_ value: JSONValue, line: Int?, replacements: Int, tweetsOnly: Bool,
                          emit: (consuming InputRecord) -> Void) {
        if case .array(let items) = value {
            for (n, item) in items.enumerated() {
                mapRecord(item, line: nil, index: n + 1, replacements: 0, tweetsOnly: tweetsOnly, emit: emit)
            }
        } else {
            mapRecord(value, line: line, index: line ?? 1, replacements: replacements, tweetsOnly: tweetsOnly, emit: emit)
        }
    }

    private func lineOf(_ bytes: [UInt8], _ offset: Int) -> Int {
        var line = 1
        for b in bytes.prefix(offset) where b == 0x0A { line += 1 }
        return line
    }

    /// Turns one JSON record into documents (a v2 response may hold several).
    func mapRecord(_ value: JSONValue, line: Int?, index: Int, replacements: Int, tweetsOnly: Bool,
                   emit: (consuming InputRecord) -> Void) {
        guard case .object = value else {
            emit(.failure(RecordFailure(id: idPrefix + String(index), message: "record is not a JSON object",
                                        source: sourceName, line: line)))
            return
        }
        mapRecord(RecordMapper.map(value, tweetsOnly: tweetsOnly), line: line, index: index,
                  replacements: replacements, emit: emit)
    }

    /// Emits the documents of one mapped JSON object, or its failure.
    private func mapRecord(_ mapped: Result<[RecordMapper.Mapped], RecordMapper.Failure>, line: Int?, index: Int,
                           replacements: Int, emit: (consuming InputRecord) -> Void) {
        // Most records carry their own id: the one made from the position is made only when needed.
        var fallbackID: String { idPrefix + String(index) }
        func fail(_ message: String, id: String? = nil) {
            emit(.failure(RecordFailure(id: id ?? fallbackID, message: message, source: sourceName, line: line)))
        }
        let records: [RecordMapper.Mapped]
        switch mapped {
        case .success(let mapped): records = mapped
        case .failure(let error): fail(error.message, id: error.id)
            return
        }
        for (n, var record) in records.enumerated() {
            if record.id == nil { record.id = records.count > 1 ? "\(fallbackID).\(n + 1)" : fallbackID }
            emitDocument(record, line: line, index: index, replacements: replacements, emit: emit)
        }
    }

    /// Emits a JSON Lines record the fast path parsed: a plain document goes
    /// straight to `emitDocument` (no one-element array of mapped records,
    /// no `Result` around it); any other shape takes `RecordMapper.map`.
    private func mapParsedRecord(_ record: ParsedRecordLine, line: Int, replacements: Int, tweetsOnly: Bool,
                                 emit: (consuming InputRecord) -> Void) {
        if !tweetsOnly, var mapped = RecordMapper.mapPlainDocument(record) {
            if mapped.id == nil { mapped.id = idPrefix + String(line) }
            emitDocument(mapped, line: line, index: line, replacements: replacements, emit: emit)
            return
        }
        mapRecord(RecordMapper.map(record, tweetsOnly: tweetsOnly), line: line, index: line,
                  replacements: replacements, emit: emit)
    }

    /// Emits one mapped record (its `id` set) as a document, or as a
    /// failure when its text is over the size limit.
    @inline(__always)
    private func emitDocument(_ record: consuming RecordMapper.Mapped, line: Int?, index: Int,
                              replacements: Int, emit: (consuming InputRecord) -> Void) {
        emitDocument(id: record.id ?? "", text: record.text, language: record.language, date: record.date, meta: record.meta,
                     line: line, index: index, replacements: replacements, emit: emit)
    }

    /// Emits a document of these fields, or a failure when its text is over the size limit.
    /// The fields are taken (`consuming`), not borrowed: borrowed, each was
    /// retained for the document and released after it was annotated (five
    /// pairs a document).
    @inline(__always)
    private func emitDocument(id: consuming String, shortID: ShortID = ShortID(), text: consuming [UInt8], language: consuming String?,
                              date: consuming String?, meta: consuming [(key: String, value: JSONValue)], line: Int?, index: Int,
                              replacements: Int, emit: (consuming InputRecord) -> Void) {
        if text.count > maxDocumentBytes {
            emit(.failure(RecordFailure(id: shortID.isEmpty ? id : shortID.string, message: "document exceeds the maximum size of \(maxDocumentBytes) bytes",
                                        source: sourceName, line: line)))
            return
        }
        let warnings = replacements > 0
            ? [Warning(code: "invalid-input",
                       message: "\(replacements) invalid UTF-8 sequences or lone surrogate escapes in the JSON record were replaced with U+FFFD")]
            : []
        // A Swift string's bytes, or bytes the fast path validated: no second check.
        emit(.document(Document(id: id, shortID: shortID, validUTF8: text, language: language, date: date,
                                meta: meta, origin: Origin(source: sourceName, line: line ?? index),
                                warnings: warnings)))
    }
}

/// Where `DocumentReader.readConsuming(_:takeRaw:emit:)` hands JSON Lines
/// lines on unread (`BatchEngine`'s reader thread, for its workers to parse).
struct RawLineTaker {
    /// How many more lines, and about how many more bytes, `take` accepts
    /// now, the next line being the one of this number; no lines while it
    /// takes none (the reader then reads them itself).
    var room: (_ nextLine: Int) -> (lines: Int, bytes: Int)
    /// Takes `lines` consecutive lines from number `firstLine` on, as they
    /// are in the input: each ends in a line feed, except a last line of
    /// the input without one, or a single line handed on without its line
    /// feed (`lines` is 1 then).
    var take: (UnsafeBufferPointer<UInt8>, _ firstLine: Int, _ lines: Int) -> Void
}

/// Splits a byte stream into lines without holding more than one line (up
/// to a limit) in memory.
///
/// Not generic over its source: the source is read once per 64 KiB, while
/// the reader's other methods run for every line, and a generic reader
/// (with the `DocumentReader` methods that take it, unspecialized across
/// the module boundary) instantiated its type metadata at every line, about
/// 330 instructions a tweet.
struct LineReader {
    struct Line {
        var bytes: [UInt8]
        var number: Int
        /// The line was longer than the limit; its bytes were discarded.
        var tooLong: Bool
    }

    let source: any ByteSource
    let maxLine: Int
    /// Least room made for each read from the source.
    let chunk: Int
    /// Bytes read and not yet consumed are `buffer[position..<end]`. The
    /// array's count is its room, zeroed once when it grows, so that reads
    /// go straight into it.
    private var buffer: [UInt8] = []
    private var position = 0
    private var end = 0
    private var atEnd = false
    private var lineNumber = 0
    private var sawFirstChunk = false

    init(source: any ByteSource, maxLine: Int, firstLine: Int = 1, readSize: Int = 1 << 16) {
        self.source = source
        self.maxLine = maxLine
        self.chunk = max(1, readSize)
        self.lineNumber = firstLine - 1
        // A stream that continues another one has no byte order mark of its own.
        self.sawFirstChunk = firstLine > 1
    }

    /// Whether a first line looks like the start of JSON written over several
    /// lines: it ends (ignoring white space) in `{`, `[`, `,` or `:`.
    static func opensMultilineJSON(_ line: [UInt8]) -> Bool {
        guard let last = line.last(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return false }
        return last == UInt8(ascii: "{") || last == UInt8(ascii: "[") || last == UInt8(ascii: ",") || last == UInt8(ascii: ":")
    }

    /// Forgets every unconsumed byte (an overlong line being skipped).
    private mutating func discardAll() {
        position = 0
        end = 0
    }

    /// Reads more bytes into the buffer; false at end of input.
    private mutating func fill() throws(InputError) -> Bool {
        guard !atEnd else { return false }
        if position > 0 && position >= end / 2 {
            // Move the unconsumed bytes to the front (at most as many as were consumed).
            let kept = end - position
            let from = position
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + from, kept)
            }
            position = 0
            end = kept
        }
        if buffer.count - end < chunk {
            // Grow by doubling; the zeros are written once, not at every read.
            let grow = max(chunk, buffer.count)
            buffer += [UInt8](unsafeUninitializedCapacity: grow) { zeros, count in
                zeros.initialize(repeating: 0)
                count = grow
            }
        }
        let old = end
        var failure: InputError?
        let n = buffer.withUnsafeMutableBytes { raw -> Int in
            do {
                return try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[old...]))
            } catch {
                failure = error as? InputError ?? InputError("\(error)")
                return 0
            }
        }
        if let failure { throw failure }
        end = old + n
        if n == 0 { atEnd = true; return false }
        if !sawFirstChunk {
            sawFirstChunk = true
            // Skip a UTF-8 byte order mark.
            if end >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        }
        return true
    }

    /// The first byte that is not white space, without consuming anything.
    mutating func peekFirstNonBlank() throws(InputError) -> UInt8? {
        var i = position
        while true {
            while i < end {
                let b = buffer[i]
                if b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return b }
                i += 1
            }
            let consumed = position
            guard try fill() else { return nil }
            // fill() may have compacted the buffer.
            i -= consumed - position
            if i < position { i = position }
        }
    }

    /// Index of the first line feed in the buffer at or after `start`.
    private func newline(from start: Int) -> Int? {
        let end = self.end
        return buffer.withUnsafeBufferPointer { p -> Int? in
            guard start < end, let base = p.baseAddress,
                  let hit = memchr(base + start, 0x0A, end - start) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// A line as a range of the reader's buffer: valid until the next read.
    struct Span {
        var range: Range<Int>
        var number: Int
        /// The line was longer than the limit; its bytes were discarded.
        var tooLong: Bool
        /// A carriage return before the line feed follows `range` in the buffer.
        var carriageReturn = false
    }

    /// The next line without its line break, or nil at end of input.
    mutating func next() throws(InputError) -> Line? {
        guard let span = try nextSpan() else { return nil }
        return Line(bytes: span.tooLong ? [] : Array(buffer[span.range]), number: span.number, tooLong: span.tooLong)
    }

    /// Calls `body` with the bytes of `span`, the line `nextSpan` last returned.
    func withBytes<R>(of span: Span, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[span.range])) }
    }

    /// Number of the line `nextSpan` or `takeWholeLines` gives next.
    var nextLineNumber: Int { lineNumber + 1 }

    /// Calls `body` with the bytes of `span` as they are in the input: its
    /// carriage return before the line feed kept, the line feed not.
    func withRawBytes<R>(of span: Span, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let range = span.range.lowerBound..<(span.range.upperBound + (span.carriageReturn ? 1 : 0))
        return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Consumes the whole lines at the front of the buffer, as they are in
    /// the input (each with its line feed, a carriage return before it
    /// kept), and hands them to `take` in one piece with the number of the
    /// first and their count: at most `maxLines` lines, and no more than
    /// `maxBytes` bytes unless a single line is longer. Reads nothing from
    /// the source: it stops at a line not wholly in the buffer, or one
    /// over the size limit, which `nextSpan` then returns. False when
    /// there was no such line (nothing is handed on).
    ///
    /// `BatchEngine`'s reader thread hands lines on this way: one copy of a
    /// run of lines instead of one of each line.
    mutating func takeWholeLines(maxLines: Int, maxBytes: Int,
                                 _ take: (UnsafeBufferPointer<UInt8>, _ firstLine: Int, _ lines: Int) -> Void) -> Bool {
        let from = position, end = self.end, maxLine = self.maxLine
        guard from < end, maxLines > 0 else { return false }
        let (to, count) = buffer.withUnsafeBufferPointer { p -> (Int, Int) in
            let base = p.baseAddress!
            var at = from, count = 0
            while count < maxLines, at < end, let hit = memchr(base + at, 0x0A, end - at) {
                let nl = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                // The limit applies without the carriage return, as in `nextSpan`.
                let length = nl > at && base[nl - 1] == 0x0D ? nl - 1 - at : nl - at
                if length > maxLine || (count > 0 && nl + 1 - from > maxBytes) { break }
                at = nl + 1
                count += 1
            }
            guard count > 0 else { return (from, 0) }
            take(UnsafeBufferPointer(rebasing: p[from..<at]), lineNumber + 1, count)
            return (at, count)
        }
        guard count > 0 else { return false }
        position = to
        lineNumber += count
        return true
    }

    /// The next line without its line break, as a range of the buffer (no
    /// copy), or nil at end of input.
    mutating func nextSpan() throws(InputError) -> Span? {
        var scanFrom = position
        var discarding = false
        while true {
            if let nl = newline(from: scanFrom) {
                lineNumber += 1
                if discarding {
                    position = nl + 1
                    return Span(range: 0..<0, number: lineNumber, tooLong: true)
                }
                var lineEnd = nl
                if lineEnd > position, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd - position > maxLine {
                    position = nl + 1
                    return Span(range: 0..<0, number: lineNumber, tooLong: true)
                }
                let line = position..<lineEnd
                position = nl + 1
                return Span(range: line, number: lineNumber, tooLong: false, carriageReturn: lineEnd < nl)
            }
            if end - position > maxLine {
                // Drop what we have of an overlong line and keep scanning for its end.
                discarding = true
                discardAll()
            }
            let offset = end - position
            guard try fill() else {
                guard position < end || discarding else { return nil }
                lineNumber += 1
                if discarding {
                    position = end
                    return Span(range: 0..<0, number: lineNumber, tooLong: true)
                }
                var lineEnd = end
                if lineEnd > position, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd - position > maxLine {
                    position = end
                    return Span(range: 0..<0, number: lineNumber, tooLong: true)
                }
                let line = position..<lineEnd
                position = end
                return Span(range: line, number: lineNumber, tooLong: false, carriageReturn: lineEnd < end)
            }
            scanFrom = position + offset
        }
    }

    /// Everything left, up to `limit` bytes; beyond that the rest is
    /// drained and `truncated` is set.
    mutating func readAll(limit: Int) throws(InputError) -> (bytes: [UInt8], truncated: Bool) {
        while end - position <= limit, try fill() {}
        if end - position > limit {
            discardAll()
            while try fill() { discardAll() }
            return ([], true)
        }
        let bytes = Array(buffer[position..<end])
        position = end
        return (bytes, false)
    }
}
