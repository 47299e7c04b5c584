/// Entity types: the OntoNotes names plus social-media and contact types.
public enum EntityType: UInt8, Sendable, CaseIterable, Hashable {
    case person, norp, fac, org, gpe, loc, product, event, workOfArt, law, language
    case date, time, percent, money, quantity, ordinal, cardinal
    case handle, hashtag, cashtag, url, email, phone

    /// The name used in JSON output and data files.
    public var name: String {
        switch self {
        case .person: "PERSON"
        case .norp: "NORP"
        case .fac: "FAC"
        case .org: "ORG"
        case .gpe: "GPE"
        case .loc: "LOC"
        case .product: "PRODUCT"
        case .event: "EVENT"
        case .workOfArt: "WORK_OF_ART"
        case .law: "LAW"
        case .language: "LANGUAGE"
        case .date: "DATE"
        case .time: "TIME"
        case .percent: "PERCENT"
        case .money: "MONEY"
        case .quantity: "QUANTITY"
        case .ordinal: "ORDINAL"
        case .cardinal: "CARDINAL"
        case .handle: "HANDLE"
        case .hashtag: "HASHTAG"
        case .cashtag: "CASHTAG"
        case .url: "URL"
        case .email: "EMAIL"
        case .phone: "PHONE"
        }
    }

    /// Parses a type name as written in data files (`GPE`, `WORK_OF_ART`).
    public init?(name: some StringProtocol) {
        guard let type = EntityType.byName[String(name).uppercased()] else { return nil }
        self = type
    }

    private static let byName: [String: EntityType] =
        Dictionary(uniqueKeysWithValues: EntityType.allCases.map { ($0.name, $0) })
}

/// Which kind of tagger proposed an entity.
public enum EntitySource: UInt8, Sendable, Hashable, CaseIterable {
    /// A lexicon the user supplied at run time; wins overlaps.
    case user
    case gazetteer
    case regex
    case rule
    /// A later mention linked to an earlier entity of the same document.
    case alias

    public var name: String {
        switch self {
        case .user: "user"
        case .gazetteer: "gazetteer"
        case .regex: "regex"
        case .rule: "rule"
        case .alias: "alias"
        }
    }
}

/// A slice of a document's `annotationBytes` (a canonical name, kb id or value), or
/// none: plain data, so that entities stay plain data and copying a name from
/// one entity to another copies two integers.
public struct TextRef: Hashable, Sendable {
    /// Byte offsets into `Document.annotationBytes` (`start == UInt32.max`: none).
    public var start: UInt32
    public var end: UInt32

    @inline(__always)
    public init(start: UInt32, end: UInt32) {
        self.start = start
        self.end = end
    }

    /// No text (a nil name).
    public static var none: TextRef { TextRef(start: .max, end: .max) }

    @inline(__always)
    public var isNone: Bool { start == .max }

    /// Appends `bytes` to `arena` and names them.
    @inline(__always)
    static func append(_ bytes: UnsafeBufferPointer<UInt8>, to arena: inout [UInt8]) -> TextRef {
        let start = UInt32(truncatingIfNeeded: arena.count)
        arena.append(contentsOf: bytes)
        return TextRef(start: start, end: UInt32(truncatingIfNeeded: arena.count))
    }

    /// Appends `value` as JSON text to `arena` and names it (`none` for nil).
    static func append(json value: JSONValue?, to arena: inout [UInt8]) -> TextRef {
        guard let value else { return .none }
        let start = UInt32(truncatingIfNeeded: arena.count)
        JSONBuffer.appending(to: &arena) { $0.value(value) }
        return TextRef(start: start, end: UInt32(truncatingIfNeeded: arena.count))
    }

    /// Appends the UTF-8 of `string` to `arena` and names it (`none` for nil).
    static func append(_ string: String?, to arena: inout [UInt8]) -> TextRef {
        guard var string else { return .none }
        return string.withUTF8 { append($0, to: &arena) }
    }
}

/// An entity mention (or a candidate before overlap resolution). Plain data
/// (`_isPOD`): its names are a `RuleNames` id and slices of the document's
/// `annotationBytes`, so that copying, sorting and freeing entities touches
/// no reference count.
public struct Entity: Sendable {
    public var span: Span
    public var type: EntityType
    public var source: EntitySource
    /// Canonical name from a lexicon or the cluster's head mention, as a slice
    /// of the document's `annotationBytes` (`Document.canonical(of:)` reads it).
    public var canonical: TextRef
    /// Knowledge-base id (`geonames:…`, `iso3166:…`, `local:…`), as a slice
    /// of the document's `annotationBytes` (`Document.kb(of:)` reads it).
    public var kb: TextRef
    /// Normalized value (dates, amounts, numbers, segmented hashtags) as JSON
    /// text, a slice of the document's `annotationBytes`, written by the regex
    /// tagger and copied as it is by the writer (`Document.value(of:)` parses it).
    public var value: TextRef
    /// In-document cluster number (mentions of the same thing), if any.
    public var cluster: Int32?
    /// Tie-breaker among sources: higher wins when spans are equal.
    public var priority: Int32
    /// Id in `RuleNames` of the rule, pattern or lexicon file that proposed it
    /// (`RuleNames.none` for none): taggers register their names once, at load.
    public var ruleID: UInt32

    /// Name of the rule, pattern or lexicon file that proposed it.
    public var rule: String? {
        get { RuleNames.name(ruleID) }
        set { ruleID = RuleNames.id(newValue) }
    }

    public init(span: Span, type: EntityType, source: EntitySource, canonical: TextRef = .none,
                kb: TextRef = .none, value: TextRef = .none, cluster: Int32? = nil,
                priority: Int32 = 0, rule: String? = nil) {
        self.init(span: span, type: type, source: source, canonical: canonical, kb: kb, value: value,
                  cluster: cluster, priority: priority, ruleID: RuleNames.id(rule))
    }

    /// An entity whose rule name is already registered (`RuleNames.id`).
    public init(span: Span, type: EntityType, source: EntitySource, canonical: TextRef = .none,
                kb: TextRef = .none, value: TextRef = .none, cluster: Int32? = nil,
                priority: Int32 = 0, ruleID: UInt32) {
        self.span = span
        self.type = type
        self.source = source
        self.canonical = canonical
        self.kb = kb
        self.value = value
        self.cluster = cluster
        self.priority = priority
        self.ruleID = ruleID
    }
}

/// A direct or reported quotation and its attribution (quote stage).
public struct Quote: Sendable {
    public enum Kind: String, Sendable { case direct, mixed, dialogue }
    public enum Attribution: String, Sendable { case explicit, pronoun, previous, none }
    public var span: Span
    public var kind: Kind
    /// Speaker mention and the entity it refers to (index into `Document.entities`).
    public var speaker: Span?
    public var speakerEntity: Int?
    /// Cue word or phrase (`said`, `dijo`, `según`).
    public var cue: Span?
    public var attribution: Attribution

    public init(span: Span, kind: Kind, speaker: Span? = nil, speakerEntity: Int? = nil,
                cue: Span? = nil, attribution: Attribution) {
        self.span = span
        self.kind = kind
        self.speaker = speaker
        self.speakerEntity = speakerEntity
        self.cue = cue
        self.attribution = attribution
    }
}

/// A typed relation between two entities (relation stage).
public struct Relation: Sendable {
    public var type: String
    /// Indexes into `Document.entities`.
    public var subject: Int
    public var object: Int
    /// The text that expresses the relation.
    public var span: Span
    /// Name of the pattern that found it.
    public var rule: String

    public init(type: String, subject: Int, object: Int, span: Span, rule: String) {
        self.type = type
        self.subject = subject
        self.object = object
        self.span = span
        self.rule = rule
    }
}
