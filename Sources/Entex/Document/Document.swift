/// One input document and the layers that pipeline stages add to it.
///
/// The text is always valid UTF-8: invalid input sequences are replaced with
/// U+FFFD when the document is made, and each replacement is reported in
/// `warnings`. Every span in every layer is a half-open range of UTF-8 byte
/// offsets into `text`; other offset units are produced only at output time.
public struct Document: Sendable {
    /// Identifier given by the input, or one made from the input position.
    /// A short plain id a reader found (`ShortID`) is held in place, not as a
    /// string: no string is made, freed or read for it on the way from the
    /// input line to the output line.
    public var id: String {
        get { shortID.isEmpty ? idString : shortID.string }
        set {
            idString = newValue
            shortID = ShortID()
        }
    }
    /// The id when `shortID` does not hold it (else empty).
    var idString: String
    /// The id's bytes when a reader found it short and plain, else empty.
    var shortID = ShortID()
    /// Original text as valid UTF-8 bytes.
    public private(set) var text: [UInt8]
    /// Language code (`en`, `es`, `und`), given by the input or detected.
    public var language: String? {
        get { languageCode }
        set {
            languageCode = newValue
            languageKind = DocumentLanguage(newValue)
        }
    }
    /// `language`'s string.
    private var languageCode: String?
    /// `language` as the stages that choose tables by it ask: English, Spanish or
    /// another (`und` included), kept as it is set, so that each document's
    /// stages test one byte rather than compare the code's string each.
    public private(set) var languageKind: DocumentLanguage
    /// Whether `language` came from the input (`true`) or detection (`false`).
    public var languageGiven: Bool
    /// Document date (ISO 8601 or the source's own form) for resolving relative dates.
    public var date: String? {
        get { rare?.date }
        _modify { yield &rareFields().date }
    }
    /// Fields of the input record that entex does not interpret, passed through.
    public var meta: [(key: String, value: JSONValue)] {
        get { rare?.meta ?? [] }
        _modify { yield &rareFields().meta }
    }
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
    public var quotes: [Quote] {
        get { rare?.quotes ?? [] }
        _modify { yield &rareFields().quotes }
    }
    public var relations: [Relation] {
        get { rare?.relations ?? [] }
        _modify { yield &rareFields().relations }
    }
    public var warnings: [Warning] {
        get { rare?.warnings ?? [] }
        _modify { yield &rareFields().warnings }
    }
    /// The fields most documents leave empty (`date`, `meta`, `quotes`,
    /// `relations`, `warnings`), in one box made when one of them is first
    /// given or changed (nil: all empty): a tweet's document then releases one
    /// reference for them when it is freed, not five.
    private var rare: RareFields?
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
    /// A non-empty `shortID` is the id (`id` is then not read).
    init(id: String, shortID: ShortID = ShortID(), validUTF8 bytes: [UInt8], language: String? = nil,
         date: String? = nil, meta: [(key: String, value: JSONValue)] = [],
         origin: Origin? = nil, warnings: [Warning] = []) {
        self.init(idString: shortID.isEmpty ? id : "", shortID: shortID, text: bytes, languageCode: language,
                  languageKind: language == nil ? .other : DocumentLanguage(language), languageGiven: language != nil,
                  origin: origin,
                  rare: date == nil && meta.isEmpty && warnings.isEmpty ? nil : RareFields.box(date: date, meta: meta, warnings: warnings))
    }

    /// Makes a document from a Swift string (always valid UTF-8).
    public init(id: String, text: String, language: String? = nil, date: String? = nil) {
        self.init(id: id, bytes: Array(text.utf8), language: language, date: date)
    }
}

extension Document {
    /// The box of rarely set fields, made, or copied when another document
    /// shares it, so that this document alone holds it (copy on write).
    private mutating func rareFields() -> RareFields {
        guard let box = rare else {
            let made = RareFields()
            rare = made
            return made
        }
        if isKnownUniquelyReferenced(&rare) { return box }
        let copy = RareFields(copying: box)
        rare = copy
        return copy
    }
}

/// `Document`'s rarely set fields (`Document.rare`). Changed only through the
/// one document that holds it (`Document.rareFields()` copies it otherwise),
/// so documents that share it stay values.
private final class RareFields: @unchecked Sendable {
    var date: String?
    var meta: [(key: String, value: JSONValue)]
    var quotes: [Quote] = []
    var relations: [Relation] = []
    var warnings: [Warning]

    init(date: String? = nil, meta: [(key: String, value: JSONValue)] = [], warnings: [Warning] = []) {
        self.date = date
        self.meta = meta
        self.warnings = warnings
    }

    convenience init(copying other: RareFields) {
        self.init(date: other.date, meta: other.meta, warnings: other.warnings)
        quotes = other.quotes
        relations = other.relations
    }

    /// A box of these fields (for a document given any). Out of line: the
    /// allocation inlined where a reader makes each document grew the reader's
    /// loop until the compiler split a closure out of it (about 50 instructions
    /// a tweet); the test whether any is given stays inline (a call for every
    /// document cost about 30).
    @inline(never)
    static func box(date: String?, meta: [(key: String, value: JSONValue)], warnings: [Warning]) -> RareFields {
        RareFields(date: date, meta: meta, warnings: warnings)
    }
}

extension Document {
    /// Sets the language the detector found (`en`, `es`, else `und`), not given by the input.
    mutating func setDetectedLanguage(_ kind: DocumentLanguage) {
        languageCode = kind.detectedCode
        languageKind = kind
        languageGiven = false
    }
}

/// A document's language as the stages that have tables for English and for
/// Spanish read it (`Document.languageKind`).
public enum DocumentLanguage: UInt8, Sendable {
    /// Any code but `en` and `es` (`und` included), or none.
    case other = 0, en, es

    /// The kind of language code `code`: its bytes compared, `en` and `es` exactly
    /// (what comparing the strings gives; a test compares the two). Out of line:
    /// inlined where a reader makes each document, it grew the reader's loop
    /// until the compiler split a closure out of it (about 50 instructions a
    /// tweet more, though tweets give no code).
    @inline(never)
    public init(_ code: String?) {
        guard var code else {
            self = .other
            return
        }
        self = code.withUTF8 { b in
            guard b.count == 2, b[0] == 0x65 else { return .other }
            return b[1] == 0x6E ? .en : b[1] == 0x73 ? .es : .other
        }
    }

    /// The code the language detector gives for this kind.
    var detectedCode: String {
        switch self {
        case .en: "en"
        case .es: "es"
        case .other: "und"
        }
    }
}

/// A document id of 1 to 24 ASCII bytes none of which JSON escapes (no
/// control character, quote or backslash), held in place: most ids of a
/// stream of tweets, which as strings were made by the parser (a string of
/// over 15 bytes allocated), freed with the document and read again by the
/// JSON writer, some 500 instructions a tweet. `Document.id` makes the
/// string when it is asked for.
struct ShortID: Sendable, Equatable {
    /// The bytes in memory order, zeros after the last.
    private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
    /// Number of bytes; 0 for none.
    private(set) var count = 0

    static let capacity = 24

    init() {}

    /// The id `bytes` are, or nil when they are not 1 to 24 bytes that
    /// `ShortID` may hold (the reference `init(quotedAt:in:)` is compared with).
    init?(_ bytes: some Collection<UInt8>) {
        guard (1...ShortID.capacity).contains(bytes.count),
              bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5C }) else { return nil }
        withUnsafeMutableBytes(of: &words) { raw in
            for (k, b) in bytes.enumerated() { raw[k] = b }
        }
        count = bytes.count
    }

    /// The id in the JSON string whose opening quote is at `i` in `p`, when
    /// it is one `ShortID` may hold, written without escapes, with 24 bytes
    /// after the quote to read (the next member's follow an id); `i` then
    /// moves past the closing quote. Otherwise nil, and `i` is not moved.
    /// Three word loads and a test for the first byte that ends the plain
    /// run (`JSONParser.plainRunEnds`, the high bit for non-ASCII).
    @inline(__always)
    init?(quotedAt i: inout Int, in p: UnsafeBufferPointer<UInt8>) {
        let from = i &+ 1
        guard let base = p.baseAddress, from &+ ShortID.capacity <= p.count else { return nil }
        let raw = UnsafeRawPointer(base + from)
        let w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        let w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let w2 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        let high: UInt64 = 0x8080_8080_8080_8080
        let f0 = JSONParser.plainRunEnds(w0) | w0 & high
        let f1 = JSONParser.plainRunEnds(w1) | w1 & high
        let f2 = JSONParser.plainRunEnds(w2) | w2 & high
        let k = f0 != 0 ? f0.trailingZeroBitCount &>> 3
            : f1 != 0 ? 8 &+ f1.trailingZeroBitCount &>> 3
            : f2 != 0 ? 16 &+ f2.trailingZeroBitCount &>> 3 : ShortID.capacity
        guard k > 0, k < ShortID.capacity || from &+ k < p.count, base[from &+ k] == 0x22 else { return nil }
        words = (ShortID.keep(w0, k).littleEndian, ShortID.keep(w1, k &- 8).littleEndian,
                 ShortID.keep(w2, k &- 16).littleEndian)
        count = k
        i = from &+ k &+ 1
    }

    /// The first `n` bytes of word `w` (little-endian order), the others zero.
    @inline(__always)
    private static func keep(_ w: UInt64, _ n: Int) -> UInt64 {
        n >= 8 ? w : n <= 0 ? 0 : w & (1 &<< UInt64(n &* 8) &- 1)
    }

    var isEmpty: Bool { count == 0 }

    /// Calls `body` with the bytes.
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeBytes(of: words) { raw in
            raw.withMemoryRebound(to: UInt8.self) { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// The id as a string.
    var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

    static func == (a: ShortID, b: ShortID) -> Bool {
        a.count == b.count && a.words == b.words
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
    }

    /// Most memory one kept array may hold: a huge document's layers are freed with it.
    static let maxKeptBytes = 1 << 20

    /// Keeps the larger of the two arrays' memory, emptied. (Emptying an
    /// array that a copy of the document still shares allocates it anew,
    /// leaving the copy as it was.) Inlined: a call per layer cost about 15
    /// instructions of its own, nine times a document.
    @inline(__always)
    private static func take<T>(_ layer: inout [T], into kept: inout [T]) {
        guard layer.capacity > kept.capacity, layer.capacity * MemoryLayout<T>.stride <= maxKeptBytes else { return }
        swap(&layer, &kept)
        kept.removeAllKeepingCapacity()
    }
}

extension Array {
    /// Empties the array keeping its memory, as `removeAll(keepingCapacity: true)`
    /// does, in fewer instructions for the lengths a stream of tweets leaves in
    /// its layers: an empty array is left alone, one element is taken off the end
    /// (about 25 instructions), and any other length is replaced by nothing
    /// (85; `removeAll` asks whether the array is shared before it does the
    /// same, about 100 in all). A shared array still ends empty with the same
    /// capacity, but `replaceSubrange` builds it anew at about 1 100 instructions
    /// (`removeAll` about 500), so documents reach `Pipeline.recycle` handed over
    /// (`consume`), not copied.
    @inline(__always)
    mutating func removeAllKeepingCapacity() {
        switch count {
        case 0: return
        case 1: removeLast()
        default: replaceSubrange(indices, with: EmptyCollection())
        }
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
