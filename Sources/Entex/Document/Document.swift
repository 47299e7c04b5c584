/// One input document and the layers that pipeline stages add to it.
///
/// The text is always valid UTF-8: invalid input sequences are replaced with
/// U+FFFD when the document is made, and each replacement is reported in
/// `warnings`. Every span in every layer is a half-open range of UTF-8 byte
/// offsets into `text`; other offset units are produced only at output time.
public struct Document: Sendable {
    /// Identifier given by the input, or one made from the input position.
    public var id: String
    /// Original text as valid UTF-8 bytes.
    public private(set) var text: [UInt8]
    /// Language code (`en`, `es`, `und`), given by the input or detected.
    public var language: String?
    /// Whether `language` came from the input (`true`) or detection (`false`).
    public var languageGiven: Bool
    /// Document date (ISO 8601 or the source's own form) for resolving relative dates.
    public var date: String?
    /// Fields of the input record that entex does not interpret, passed through.
    public var meta: [(key: String, value: JSONValue)]
    /// Where the document came from (file and line), for error messages.
    public var origin: Origin?

    public var sentences: [Span] = []
    public var tokens: [Token] = []
    /// Match keys of all tokens, concatenated; each token names its slice.
    public var tokenKeys: [UInt8] = []
    /// `KeyHash.hash` of each token's match key (`keyHashes[i]` for
    /// `tokens[i]`), computed by the tokenizer while it writes the key, so
    /// that later stages probe their tables without hashing keys again.
    public var keyHashes: [UInt64] = []
    /// Entity proposals from every tagger, before overlap resolution.
    public var candidates: [Entity] = []
    /// Resolved entities, sorted by start offset.
    public var entities: [Entity] = []
    /// The canonical names, kb ids and values (as JSON text) of candidates and entities, concatenated;
    /// each entity names its slices (`TextRef`). Only appended to while the
    /// document is processed, so a slice stays valid as entities are copied.
    public var annotationBytes: [UInt8] = []
    public var quotes: [Quote] = []
    public var relations: [Relation] = []
    public var warnings: [Warning] = []
    /// Layers present, as stages record them.
    public var layers: Layers = [.text]

    /// The text as a Swift string.
    public var string: String { String(decoding: text, as: UTF8.self) }

    /// The text of a span as a Swift string.
    public func string(_ span: Span) -> String {
        String(decoding: text[Int(span.start)..<Int(span.end)], as: UTF8.self)
    }

    /// The match key of token `index`.
    public func key(ofToken index: Int) -> ArraySlice<UInt8> {
        let token = tokens[index]
        return tokenKeys[Int(token.keyStart)..<Int(token.keyEnd)]
    }

    /// The match key of token `index` as a string.
    public func keyString(ofToken index: Int) -> String {
        String(decoding: key(ofToken: index), as: UTF8.self)
    }

    /// The text of an annotation slice (nil for `TextRef.none`).
    public func string(_ ref: TextRef) -> String? {
        guard !ref.isNone else { return nil }
        return String(decoding: annotationBytes[Int(ref.start)..<Int(ref.end)], as: UTF8.self)
    }

    /// The canonical name of `entity` (one of this document's).
    public func canonical(of entity: Entity) -> String? { string(entity.canonical) }

    /// The kb id of `entity` (one of this document's).
    public func kb(of entity: Entity) -> String? { string(entity.kb) }

    /// The normalized value of `entity` (one of this document's), parsed from its JSON text.
    public func value(of entity: Entity) -> JSONValue? {
        guard !entity.value.isNone else { return nil }
        var parser = JSONParser()
        return try? parser.parse(annotationBytes[Int(entity.value.start)..<Int(entity.value.end)])
    }

    /// The value of `entity` when it is a JSON string (a segmented hashtag), decoded.
    func stringValue(of entity: Entity) -> String? { Document.stringValue(entity.value, in: annotationBytes) }

    /// The value `ref` names in `names` (a document's `annotationBytes`) when it is
    /// a JSON string, decoded. (Static, so that a stage reading an entity of an
    /// `inout` document does not copy the document to call it.)
    static func stringValue(_ ref: TextRef, in names: [UInt8]) -> String? {
        guard !ref.isNone, ref.end - ref.start >= 2 else { return nil }
        return names.withUnsafeBufferPointer { p -> String? in
            let json = UnsafeBufferPointer(rebasing: p[Int(ref.start)..<Int(ref.end)])
            guard json[0] == UInt8(ascii: "\"") else { return nil }
            let inner = UnsafeBufferPointer(rebasing: json[1..<(json.count - 1)])
            // Most values have no escapes: their bytes between the quotes are the string.
            if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
            var parser = JSONParser()
            guard case .string(let s)? = try? parser.parse(json) else { return nil }
            return s
        }
    }

    /// Appends `value` as JSON text to `annotationBytes` and names it, for an
    /// entity of this document (`TextRef.none` for nil).
    public mutating func annotation(json value: JSONValue?) -> TextRef {
        TextRef.append(json: value, to: &annotationBytes)
    }

    /// The name of the rule, pattern or lexicon file that proposed `entity`.
    public func rule(of entity: Entity) -> String? { entity.rule }

    /// Appends `string` to `annotationBytes` and names it, for an entity of this
    /// document (`TextRef.none` for nil).
    public mutating func annotation(_ string: String?) -> TextRef {
        TextRef.append(string, to: &annotationBytes)
    }

    /// Index of the first token whose start is at or after `offset`.
    public func firstToken(atOrAfter offset: Int32) -> Int {
        tokens.withUnsafeBufferPointer { $0.firstToken(atOrAfter: offset) }
    }
}

extension Document {
    /// Makes a document from raw bytes, repairing invalid UTF-8.
    public init(id: String, bytes: some Collection<UInt8>, language: String? = nil,
                date: String? = nil, meta: [(key: String, value: JSONValue)] = [],
                origin: Origin? = nil) {
        let repaired = UTF8Repair.repair(bytes)
        self.init(id: id, validUTF8: repaired.bytes, language: language, date: date, meta: meta, origin: origin)
        for offset in repaired.replacements.prefix(UTF8Repair.reportedReplacementLimit) {
            warnings.append(Warning(code: "invalid-utf8", message: "invalid UTF-8 replaced with U+FFFD", offset: offset))
        }
        if repaired.replacements.count > UTF8Repair.reportedReplacementLimit {
            warnings.append(Warning(
                code: "invalid-utf8",
                message: "\(repaired.replacements.count - UTF8Repair.reportedReplacementLimit) more invalid UTF-8 sequences replaced",
                offset: nil))
        }
    }

    /// Makes a document from bytes already known to be valid UTF-8 (a Swift
    /// string's, or bytes a parser has validated), without checking them
    /// again. Warnings are given here rather than appended after, so that a
    /// reader can hand the document on as made, without copying it.
    /// (It calls the memberwise initializer, which needs these initializers
    /// to be in an extension: assigned one property at a time, the document
    /// was built in memory and then copied whole, every array and string
    /// retained and the first released, at each document read.)
    init(id: String, validUTF8 bytes: [UInt8], language: String? = nil,
         date: String? = nil, meta: [(key: String, value: JSONValue)] = [],
         origin: Origin? = nil, warnings: [Warning] = []) {
        self.init(id: id, text: bytes, language: language, languageGiven: language != nil, date: date, meta: meta,
                  origin: origin, warnings: warnings)
    }

    /// Makes a document from a Swift string (always valid UTF-8).
    public init(id: String, text: String, language: String? = nil, date: String? = nil) {
        self.init(id: id, bytes: Array(text.utf8), language: language, date: date)
    }
}

/// The layer arrays of finished documents, emptied with their memory kept,
/// for the next documents to fill: a pipeline keeps one (`Pipeline.recycle`),
/// so that a stream of small documents (tweets) does not allocate and free
/// each layer's array once per document.
struct RecycledLayers {
    var sentences: [Span] = []
    var tokens: [Token] = []
    var tokenKeys: [UInt8] = []
    var keyHashes: [UInt64] = []
    var candidates: [Entity] = []
    var entities: [Entity] = []
    var annotationBytes: [UInt8] = []
    var quotes: [Quote] = []
    var relations: [Relation] = []

    /// Gives `doc` the kept arrays for its layers that are empty (a layer
    /// already filled is left as it is).
    mutating func lend(to doc: inout Document) {
        if doc.sentences.isEmpty { swap(&sentences, &doc.sentences) }
        if doc.tokens.isEmpty { swap(&tokens, &doc.tokens) }
        if doc.tokenKeys.isEmpty { swap(&tokenKeys, &doc.tokenKeys) }
        if doc.keyHashes.isEmpty { swap(&keyHashes, &doc.keyHashes) }
        if doc.candidates.isEmpty { swap(&candidates, &doc.candidates) }
        if doc.entities.isEmpty { swap(&entities, &doc.entities) }
        if doc.annotationBytes.isEmpty { swap(&annotationBytes, &doc.annotationBytes) }
        if doc.quotes.isEmpty { swap(&quotes, &doc.quotes) }
        if doc.relations.isEmpty { swap(&relations, &doc.relations) }
    }

    /// Takes the layer arrays of a finished `doc`, emptied, in place of the
    /// ones kept (which `doc` takes, and frees with itself).
    mutating func take(from doc: inout Document) {
        RecycledLayers.take(&doc.sentences, into: &sentences)
        RecycledLayers.take(&doc.tokens, into: &tokens)
        RecycledLayers.take(&doc.tokenKeys, into: &tokenKeys)
        RecycledLayers.take(&doc.keyHashes, into: &keyHashes)
        RecycledLayers.take(&doc.candidates, into: &candidates)
        RecycledLayers.take(&doc.entities, into: &entities)
        RecycledLayers.take(&doc.annotationBytes, into: &annotationBytes)
        RecycledLayers.take(&doc.quotes, into: &quotes)
        RecycledLayers.take(&doc.relations, into: &relations)
    }

    /// Most memory one kept array may hold: a huge document's layers are freed with it.
    static let maxKeptBytes = 1 << 20

    /// Keeps the larger of the two arrays' memory, emptied. (Emptying an
    /// array that a copy of the document still shares allocates it anew,
    /// leaving the copy as it was.)
    private static func take<T>(_ layer: inout [T], into kept: inout [T]) {
        guard layer.capacity > kept.capacity, layer.capacity * MemoryLayout<T>.stride <= maxKeptBytes else { return }
        swap(&layer, &kept)
        kept.removeAll(keepingCapacity: true)
    }
}

/// The text array of a finished document, kept for the next document's
/// text to be decoded into: a reader (`DocumentReader.recycledText`) and a
/// pipeline (`Pipeline.recycledText`) on one thread share one, so that a
/// stream of tweets does not allocate and free an array for each text
/// (about 300 instructions a tweet). The output is the same with or without it.
public final class RecycledText {
    /// The kept array, with its old bytes (they are replaced when it is reused).
    private var bytes: [UInt8] = []

    public init() {}

    /// Takes the text array of a finished `doc`, leaving it an empty text,
    /// when it is larger than the one kept and not over `RecycledLayers.maxKeptBytes`;
    /// else leaves `doc` as it is.
    func keep(textOf doc: inout Document) {
        guard doc.text.capacity > bytes.capacity, doc.text.capacity <= RecycledLayers.maxKeptBytes else { return }
        doc.exchangeText(with: &bytes)
        // The array kept before (if any, with old bytes) is freed here, not left in the document.
        if !doc.text.isEmpty {
            var empty: [UInt8] = []
            doc.exchangeText(with: &empty)
        }
    }

    /// `count` bytes from `source`, in the kept array when it has room for
    /// them (it is then no longer kept), else in a new array.
    @inline(__always)
    func text(copying source: UnsafePointer<UInt8>, count: Int) -> [UInt8] {
        guard bytes.capacity >= count, count > 0 else {
            return Array(UnsafeBufferPointer(start: source, count: count))
        }
        var text: [UInt8] = []
        swap(&text, &bytes)
        text.replaceSubrange(0..<text.count, with: UnsafeBufferPointer(start: source, count: count))
        return text
    }
}

extension Document {
    /// Exchanges the document's text array with `other` (`RecycledText`).
    fileprivate mutating func exchangeText(with other: inout [UInt8]) {
        swap(&text, &other)
    }
}

/// Where a document was read from.
public struct Origin: Sendable, Hashable {
    public var source: String
    public var line: Int
    public init(source: String, line: Int) {
        self.source = source
        self.line = line
    }
}

/// A half-open range of UTF-8 byte offsets into a document's text.
public struct Span: Hashable, Sendable, Comparable {
    public var start: Int32
    public var end: Int32
    public init(start: Int32, end: Int32) {
        self.start = start
        self.end = end
    }
    public init(_ start: Int, _ end: Int) {
        self.start = Int32(start)
        self.end = Int32(end)
    }
    public var length: Int32 { end - start }
    public var isEmpty: Bool { end <= start }
    public func contains(_ other: Span) -> Bool { start <= other.start && other.end <= end }
    public func overlaps(_ other: Span) -> Bool { start < other.end && other.start < end }
    public static func < (a: Span, b: Span) -> Bool {
        a.start != b.start ? a.start < b.start : a.end < b.end
    }
}

/// A non-fatal problem found while processing a document.
public struct Warning: Sendable, Hashable {
    /// Stable machine-readable code, e.g. `invalid-utf8`.
    public var code: String
    public var message: String
    /// UTF-8 byte offset in the text the warning refers to, if any.
    public var offset: Int32?
    public init(code: String, message: String, offset: Int32? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }
}

/// The layers a document can carry; stages declare which they read and write.
public struct Layers: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let text = Layers(rawValue: 1 << 0)
    public static let tokens = Layers(rawValue: 1 << 1)
    public static let sentences = Layers(rawValue: 1 << 2)
    public static let language = Layers(rawValue: 1 << 3)
    public static let candidates = Layers(rawValue: 1 << 4)
    public static let entities = Layers(rawValue: 1 << 5)
    public static let quotes = Layers(rawValue: 1 << 6)
    public static let relations = Layers(rawValue: 1 << 7)

    static let names: [(Layers, String)] = [
        (.text, "text"), (.tokens, "tokens"), (.sentences, "sentences"), (.language, "language"),
        (.candidates, "candidates"), (.entities, "entities"), (.quotes, "quotes"), (.relations, "relations"),
    ]
    public var description: String {
        Layers.names.filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }
}

extension UnsafeBufferPointer where Element == Token {
    /// Index of the first token whose start is at or after `offset` (tokens are sorted by start).
    @inline(__always)
    func firstToken(atOrAfter offset: Int32) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid].start < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension Document {
    /// `KeyHash` of every token's key, hashed here: what `keyHashes` holds when the
    /// tokenizer stored them, for a document built without them.
    func hashingKeys() -> [UInt64] {
        tokenKeys.withUnsafeBufferPointer { keys in
            tokens.map { KeyHash.hash(UnsafeBufferPointer(rebasing: keys[Int($0.keyStart)..<Int($0.keyEnd)])) }
        }
    }
}
