import CSupport

/// A compiled gazetteer: every name and alias of the loaded lexicons as a
/// trie over token match keys, flattened into arrays.
///
/// - Vocabulary: every token key that occurs in some name, as a
///   `ByteStringTable` (key bytes → term id).
/// - Transitions: one open-addressed hash table of `(state, term) → state`,
///   so a step costs one hash probe whatever the number of entries.
/// - Outputs: for each state, the entries whose name (or alias) ends there
///   (compressed rows: `outputStarts[state]..<outputStarts[state + 1]`).
/// - Entries: type, flags, language, canonical name, knowledge-base id and
///   the file they came from.
///
/// Built by `GazetteerBuilder`, saved and loaded by `GazetteerCache`,
/// matched by `match(_:into:)`. Immutable once built, shared by all threads.
public final class Gazetteer: Sendable {
    /// Priority given to candidates from bundled lexicons (see `Entity.priority`).
    public static let bundledPriority: Int32 = 10
    /// Priority given to candidates from user lexicons (`--lexicon`): above every bundled entry.
    public static let userPriority: Int32 = 30

    /// Per-entry flags, as written in the `flags` column.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// `cs`: the text must equal the name or alias byte for byte.
        public static let caseSensitive = Flags(rawValue: 1 << 0)
        /// `cap`: the name's capitalized words must be capitalized in the text, and
        /// a one-token match is rejected at a sentence start or in an all-caps sentence.
        public static let needsCapital = Flags(rawValue: 1 << 1)
        /// `lc`: a bundled entry that also matches written all in lower case
        /// (`twitter`, `youtube`); other bundled entries need a capitalized token.
        public static let anyCase = Flags(rawValue: 1 << 2)
    }

    /// Entry language: `*` (any), `en`, `es`.
    public enum Language: UInt8, Sendable {
        case any = 0, en = 1, es = 2

        public init?(code: some StringProtocol) {
            switch code {
            case "*": self = .any
            case "en": self = .en
            case "es": self = .es
            default: return nil
            }
        }

        public var code: String {
            switch self {
            case .any: "*"
            case .en: "en"
            case .es: "es"
            }
        }
    }

    /// Marks an output that needs no surface comparison (its entry is not `cs`).
    static let noForm = UInt32.max
    static let emptySlot = UInt64.max
    /// The most states a gazetteer may have: matching keeps state ids in 29 bits
    /// beside three flag bits (see `GazetteerScratch.memo`). The builder refuses
    /// lexicons that need more, and the cache reader files that hold more.
    public static let stateLimit = 1 << 29

    // Vocabulary and trie. Every array is a `MappableArray`: its own memory when the
    // gazetteer was compiled, the pages of the cache file when it was read from one.
    let vocabulary: TermTable
    /// `rootTargets[term]`: the state reached from the root on `term`, or 0 (none):
    /// the first step of every walk is one array read, not a hash probe.
    let rootTargets: MappableArray<UInt32>
    /// Open-addressed keys `state << 32 | term` (`emptySlot` = free); size is a power of two.
    let transitionKeys: MappableArray<UInt64>
    let transitionTargets: MappableArray<UInt32>
    /// `stateCount + 1` offsets into the output arrays.
    let outputStarts: MappableArray<UInt32>
    /// Entry of each output.
    let outputEntries: MappableArray<UInt32>
    /// For `cs` entries, the string id of the exact surface form (name or alias), else `noForm`.
    let outputForms: MappableArray<UInt32>
    /// For `cap` entries, bit `i` set when token `i` of the form is capitalized (first 32 tokens).
    let outputCapitals: MappableArray<UInt32>

    // Entries.
    let entryTypes: MappableArray<UInt8>
    let entryFlags: MappableArray<UInt8>
    let entryLanguages: MappableArray<UInt8>
    /// Index into `files`.
    let entryFiles: MappableArray<UInt16>
    /// String ids of the canonical name and the kb id (`noForm` when absent).
    let entryCanonical: MappableArray<UInt32>
    let entryKB: MappableArray<UInt32>
    /// Canonical names, kb ids and `cs` surface forms, concatenated; string
    /// `id` is `stringPool[stringEnds[id - 1]..<stringEnds[id]]` (start 0 for id 0).
    let stringPool: MappableArray<UInt8>
    let stringEnds: MappableArray<UInt32>

    // Derived from the arrays above (`Gazetteer.derive`) when compiling; the cache
    // file stores them too, so that reading it builds nothing.

    /// For each state, `stateAccepts` (names end there), `stateHasChildren` (it has
    /// a transition: a walk that reaches a state without one stops there, with no
    /// lookup of the next token) and `stateCapitalOnly` (see `capitalOnly`), in the
    /// bit positions a step memo value keeps them at (bits 32–34): a step that misses
    /// the step memo reads one byte here, not the output rows and their entries.
    let stateFlags: MappableArray<UInt8>
    /// For each term, the memo value of its key (see `GazetteerScratch.memo`): a key
    /// lookup that misses the memo reads it here once the vocabulary has given the
    /// term, rather than the root target, the state's outputs and three bit arrays.
    let termValues: MappableArray<UInt64>
    /// Bit `t` set when term `t` is the second or a later word of some name
    /// (a token whose term is not stops a walk without a transition probe).
    let termFollows: MappableArray<UInt64>
    /// Bit `t` set when term `t` is the second word of some name: the first step of
    /// a walk, from the state its first token reaches, is tried only on such a term.
    /// Most later words of names never come second ("Foundation", "Council"), so a
    /// pair such as "the Foundation" costs no step memo or transition-table probe.
    let termSeconds: MappableArray<UInt64>
    /// A Bloom filter of the vocabulary's folded key hashes (`ByteStringTable.hash`),
    /// probed with the hash the tokenizer stored (`Document.keyHashes`): a key seen
    /// for the first time that is in no name (most are) is turned away here, without
    /// hashing its bytes and without a probe of the much larger `TermTable`.
    let termFilter: KeyHashFilter
    /// The length in bytes of the vocabulary's longest key: a longer token (a URL, most
    /// handles) is in no name, known without hashing it.
    let longestTerm: Int

    /// `outputEntries` with their entries' fields.
    let outputRecords: MappableArray<OutputRecord>

    /// File names (last path component) of the lexicons, as candidates' `rule`.
    public let files: [String]
    /// Whether each file is a user lexicon.
    public let fileIsUser: [Bool]
    /// `RuleNames` id of each file name.
    let fileRuleIDs: [UInt32]

    /// A gazetteer of freshly compiled arrays (`GazetteerBuilder`): derives the rest. Each
    /// derived table is freed as soon as it is copied into its final storage.
    convenience init(compiled core: Core) {
        var derived = Gazetteer.derive(core)
        self.init(core, Derived(stateFlags: MappableArray(taking: &derived.stateFlags),
                                termValues: MappableArray(taking: &derived.termValues),
                                termFollows: MappableArray(taking: &derived.termFollows),
                                termSeconds: MappableArray(taking: &derived.termSeconds),
                                termFilter: derived.termFilter, longestTerm: derived.longestTerm,
                                outputRecords: MappableArray(taking: &derived.outputRecords)))
    }

    /// A gazetteer of `core` and what was derived from it (by `derive`, or read from a cache file).
    init(_ core: Core, _ derived: Derived) {
        vocabulary = core.vocabulary
        rootTargets = core.rootTargets
        transitionKeys = core.transitionKeys
        transitionTargets = core.transitionTargets
        outputStarts = core.outputStarts
        outputEntries = core.outputEntries
        outputForms = core.outputForms
        outputCapitals = core.outputCapitals
        entryTypes = core.entryTypes
        entryFlags = core.entryFlags
        entryLanguages = core.entryLanguages
        entryFiles = core.entryFiles
        entryCanonical = core.entryCanonical
        entryKB = core.entryKB
        stringPool = core.stringPool
        stringEnds = core.stringEnds
        files = core.files
        fileIsUser = core.fileIsUser
        fileRuleIDs = core.files.map { RuleNames.id($0) }
        stateFlags = derived.stateFlags
        termValues = derived.termValues
        termFollows = derived.termFollows
        termSeconds = derived.termSeconds
        termFilter = derived.termFilter
        longestTerm = derived.longestTerm
        outputRecords = derived.outputRecords
    }

    /// The arrays a gazetteer is compiled into: what the rest is derived from.
    struct Core {
        var vocabulary: TermTable
        var rootTargets: MappableArray<UInt32>
        var transitionKeys: MappableArray<UInt64>
        var transitionTargets: MappableArray<UInt32>
        var outputStarts: MappableArray<UInt32>
        var outputEntries: MappableArray<UInt32>
        var outputForms: MappableArray<UInt32>
        var outputCapitals: MappableArray<UInt32>
        var entryTypes: MappableArray<UInt8>
        var entryFlags: MappableArray<UInt8>
        var entryLanguages: MappableArray<UInt8>
        var entryFiles: MappableArray<UInt16>
        var entryCanonical: MappableArray<UInt32>
        var entryKB: MappableArray<UInt32>
        var stringPool: MappableArray<UInt8>
        var stringEnds: MappableArray<UInt32>
        var files: [String]
        var fileIsUser: [Bool]
    }

    /// The tables derived from a `Core` for matching (see the properties of the same names).
    struct Derived {
        var stateFlags: MappableArray<UInt8>
        var termValues: MappableArray<UInt64>
        var termFollows: MappableArray<UInt64>
        var termSeconds: MappableArray<UInt64>
        var termFilter: KeyHashFilter
        var longestTerm: Int
        var outputRecords: MappableArray<OutputRecord>
    }

    /// `Derived`'s tables as built by `derive`, in arrays of their own.
    struct DerivedArrays {
        var stateFlags: [UInt8]
        var termValues: [UInt64]
        var termFollows: [UInt64]
        var termSeconds: [UInt64]
        var termFilter: KeyHashFilter
        var longestTerm: Int
        var outputRecords: [OutputRecord]
    }

    /// Derives the matching tables from `core`. Indices out of range (a damaged
    /// cache file, which its consistency check refuses anyway) are skipped, never followed.
    static func derive(_ core: Core) -> DerivedArrays {
        let vocabulary = core.vocabulary, rootTargets = core.rootTargets, transitionKeys = core.transitionKeys
        let outputStarts = core.outputStarts, outputEntries = core.outputEntries
        let entryTypes = core.entryTypes, entryFlags = core.entryFlags, entryLanguages = core.entryLanguages
        let entryFiles = core.entryFiles, entryCanonical = core.entryCanonical, entryKB = core.entryKB
        let fileIsUser = core.fileIsUser
        // Derived from the transition keys in one pass; keys out of range (a
        // damaged cache, rejected by its consistency check next) are skipped.
        let states = max(outputStarts.count - 1, 0), terms = vocabulary.count
        // Entries out of range (a damaged cache, rejected next) get an empty record.
        let records = outputEntries.map { e in
            let entry = Int(e)
            guard entry < entryTypes.count, entry < entryFlags.count, entry < entryLanguages.count,
                  entry < entryFiles.count, entry < entryCanonical.count, entry < entryKB.count,
                  Int(entryFiles[entry]) < fileIsUser.count else {
                return OutputRecord(entry: 0, canonical: 0, kb: 0, file: 0, type: 0, bits: 0)
            }
            let bits = entryFlags[entry] & 7 | (entryLanguages[entry] & 3) << 3
                | (fileIsUser[Int(entryFiles[entry])] ? 1 << 5 : 0)
            return OutputRecord(entry: e, canonical: entryCanonical[entry], kb: entryKB[entry],
                                file: entryFiles[entry], type: entryTypes[entry], bits: bits)
        }
        var stateBits = [UInt8](repeating: 0, count: states)
        var follows = [UInt64](repeating: 0, count: (terms + 63) / 64)
        var seconds = [UInt64](repeating: 0, count: (terms + 63) / 64)
        // The states one word from the root.
        var firstStates = [UInt64](repeating: 0, count: (states + 63) / 64)
        for target in rootTargets where target != 0 && Int(target) < states {
            firstStates[Int(target) >> 6] |= 1 << UInt64(target & 63)
        }
        for key in transitionKeys where key != Gazetteer.emptySlot {
            let state = Int(key >> 32), term = Int(key & 0xFFFF_FFFF)
            if state < states { stateBits[state] |= Gazetteer.stateHasChildren }
            if term < terms { follows[term >> 6] |= 1 << UInt64(term & 63) }
            if term < terms, state < states, firstStates[state >> 6] & (1 << UInt64(state & 63)) != 0 {
                seconds[term >> 6] |= 1 << UInt64(term & 63)
            }
        }
        // Outputs out of range or out of order (a damaged cache, rejected next) mark nothing.
        stateBits.withUnsafeMutableBufferPointer { bits in
            outputStarts.withUnsafeBufferPointer { starts in
                records.withUnsafeBufferPointer { records in
                    for state in 0..<states {
                        let start = Int(starts[state]), end = Int(starts[state &+ 1])
                        guard start < end, end <= records.count else { continue }
                        var flags = Gazetteer.stateAccepts | Gazetteer.stateCapitalOnly
                        for o in start..<end where records[o].isUser || records[o].flags.contains(.anyCase) {
                            flags = Gazetteer.stateAccepts
                            break
                        }
                        bits[state] |= flags
                    }
                }
            }
        }
        var values = [UInt64](repeating: Gazetteer.missValue, count: terms)
        values.withUnsafeMutableBufferPointer { values in
            stateBits.withUnsafeBufferPointer { stateBits in
                follows.withUnsafeBufferPointer { follows in
                    seconds.withUnsafeBufferPointer { seconds in
                        rootTargets.withUnsafeBufferPointer { roots in
                            for term in 0..<terms {
                                values[term] = Gazetteer.termValue(term, root: term < roots.count ? roots[term] : 0,
                                                                   stateFlags: stateBits, follows: follows, seconds: seconds)
                            }
                        }
                    }
                }
            }
        }
        var filter = KeyHashFilter(capacity: terms)
        filter.insert(contentsOf: vocabulary.slots.lazy.filter { $0 != 0 }.map { UInt32(truncatingIfNeeded: $0 >> 32) })
        var longest = 0, previousEnd: UInt32 = 0
        for end in vocabulary.ends {
            longest = max(longest, Int(end) - Int(previousEnd))
            previousEnd = end
        }
        return DerivedArrays(stateFlags: stateBits, termValues: values, termFollows: follows, termSeconds: seconds,
                             termFilter: filter, longestTerm: longest, outputRecords: records)
    }

    /// `stateFlags` bits: names end at the state, it has transitions, every output needs a capital.
    static let stateAccepts: UInt8 = 1 << 0
    static let stateHasChildren: UInt8 = 1 << 1
    static let stateCapitalOnly: UInt8 = 1 << 2

    /// The memo value of term `term` (see `GazetteerScratch.memo`), whose first word
    /// leads from the root to `root` (0: none; out of range, from a damaged cache: none).
    @inline(__always)
    static func termValue(_ term: Int, root: UInt32, stateFlags: UnsafeBufferPointer<UInt8>,
                          follows: UnsafeBufferPointer<UInt64>, seconds: UnsafeBufferPointer<UInt64>) -> UInt64 {
        let state = Int(root) < stateFlags.count ? root : 0
        let flags = state == 0 ? 0 : stateFlags[Int(state)]
        var low = state
        var high = UInt64(UInt32(truncatingIfNeeded: term))
        // Names end at the state: `acceptsBit` when some of them need no capital, else
        // `rootCapitalOnlyBit` (see `pendingRoot`).
        if flags & stateAccepts != 0 && flags & stateCapitalOnly == 0 { low |= acceptsBit }
        if flags & stateHasChildren != 0 { low |= childrenBit }
        if bit(follows, term) { low |= followsBit }
        if flags & stateAccepts != 0 && flags & stateCapitalOnly != 0 { high |= rootCapitalOnlyBit >> 32 }
        if bit(seconds, term) { high |= secondBit >> 32 }
        return high << 32 | UInt64(low)
    }

    /// The memo value of a key that is in no name: every bit of the term id set, bit 63 set
    /// (no term), no state, and `secondBit` clear, so that `match`'s walk test reads bit 62
    /// alone (testing bits 63 and 62 together cost it seven instructions a token), and
    /// `rootCapitalOnlyBit` clear, so that `pendingRoot` gives no `acceptsBit` for it.
    static let missValue: UInt64 = 0x9FFF_FFFF << 32

    /// What `emit` needs of an output's entry, in 16 bytes beside those of the state's
    /// other outputs: one cache line rather than one in each of six entry arrays.
    struct OutputRecord: Sendable {
        let entry: UInt32
        let canonical: UInt32
        let kb: UInt32
        let file: UInt16
        let type: UInt8
        /// `Flags` in bits 0–2, `Language` in bits 3–4, bit 5 set for a user lexicon.
        let bits: UInt8

        var flags: Flags { Flags(rawValue: bits & 7) }
        var language: UInt8 { (bits >> 3) & 3 }
        var isUser: Bool { bits & 1 << 5 != 0 }
    }

    /// Whether bit `i` of `bits` is set (false beyond the end).
    @inline(__always)
    static func bit(_ bits: UnsafeBufferPointer<UInt64>, _ i: Int) -> Bool {
        let w = i >> 6
        return w < bits.count && bits[w] & (1 << UInt64(i & 63)) != 0
    }

    /// Number of entries (rows of all lexicons).
    public var entryCount: Int { entryTypes.count }
    /// Number of trie states (the root included).
    public var stateCount: Int { outputStarts.count - 1 }
    /// Number of (state, term) transitions.
    public var transitionCount: Int { stateCount - 1 }
    /// Number of distinct token keys in all names.
    public var vocabularySize: Int { vocabulary.count }

    @inline(__always)
    static func slot(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: slotHash(key)) & mask
    }

    /// The hash of a transition key whose low bits pick its slot.
    @inline(__always)
    static func slotHash(_ key: UInt64) -> UInt64 {
        let h = key &* 0x9E37_79B9_7F4A_7C15
        return h ^ h >> 31
    }

    /// The state reached from `state` on `term`, or nil.
    @inline(__always)
    static func step(_ keys: UnsafeBufferPointer<UInt64>, _ targets: UnsafeBufferPointer<UInt32>,
                     _ state: UInt32, _ term: UInt32) -> UInt32? {
        let key = UInt64(state) << 32 | UInt64(term)
        let mask = keys.count - 1
        var i = slot(key, mask: mask)
        while true {
            let k = keys[i]
            if k == key { return targets[i] }
            if k == emptySlot { return nil }
            i = (i + 1) & mask
        }
    }

    /// The bytes of string `id`.
    func string(_ id: Int) -> MappableArray<UInt8> {
        stringPool.extracting((id == 0 ? 0 : Int(stringEnds[id - 1]))..<Int(stringEnds[id]))
    }

    /// The canonical name of an entry.
    func canonical(_ entry: Int) -> String {
        string(Int(entryCanonical[entry])).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// The candidate `match` proposes for the entry of output `record`, with an empty
    /// span and no names (`emit` copies them into the document's `annotationBytes`).
    /// Read from the record, which holds the entry's type and file beside the state's
    /// other outputs, not from `entryTypes` and `entryFiles` (two more cache misses
    /// with a million entries).
    func candidate(_ record: OutputRecord) -> Entity {
        let user = record.isUser
        return Entity(span: Span(start: 0, end: 0), type: EntityType(rawValue: record.type) ?? .org,
                      source: user ? .user : .gazetteer,
                      priority: user ? Gazetteer.userPriority : Gazetteer.bundledPriority,
                      ruleID: fileRuleIDs[Int(record.file)])
    }

    /// The kb id of an entry, if it has one.
    func kb(_ entry: Int) -> String? {
        let id = entryKB[entry]
        return id == Gazetteer.noForm ? nil : string(Int(id)).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }
}

/// Reusable buffers of one matching thread.
struct GazetteerScratch {
    /// Function words (`Lexicons/text/stopwords-*.txt`): one of them alone at
    /// the start of a sentence is never a bundled name ("Un", "Se", "The").
    var functionWords = ByteStringTable()
    /// Accepting (state, last token) pairs along the current walk, `state | end << 32`
    /// (bit 31 of the state is `Gazetteer.capitalOnlyFlag`); only the first entries (a count
    /// kept by the walk) are current. As long as `tags`: a walk accepts at most once a token.
    var accepting = ScratchBuffer<UInt64>(repeating: 0, count: 0)
    /// (entry type, canonical id << 32 | kb id) already emitted for the current span, two
    /// words each: the first ones, as many as `emit` has emitted for the span. Grown to
    /// hold a state's outputs (`emit` uses it only for a state of more than one).
    var emitted = ScratchBuffer<UInt64>(repeating: 0, count: 0)
    /// A small memo of recent key lookups: text repeats its words, and this
    /// stays in the CPU cache however large the vocabulary is. It is set-associative:
    /// sets of `memoWays` entries, one 64-byte cache line each (see `MemoSets`; the
    /// buffer is 64-byte aligned, its first set at `base`), the
    /// most recently used first; a key's set is the top `memoBits - 2` bits of its
    /// `KeyHash` (which the tokenizer stored). (Direct-mapped, as it was, the distinct
    /// words of a few megabytes of news evicted one another: on 500 BBC articles read
    /// twice, 140 553 lookups missed it; every miss probes the vocabulary's filter,
    /// which with a million entries is 4 MiB, far out of L2.)
    /// Entry `m` of a set is `set[2m]` (the tag) and `set[2m + 1]` (the term id
    /// in bits 32–60, `Gazetteer.missValue` = not in the vocabulary, bit 61 set
    /// when names end at the root's state and every one of its outputs needs a capital (see
    /// `Gazetteer.rootCapitalOnlyBit`); in the low 32 bits
    /// the state the root reaches on it in bits 0–28, 0 = none, bit 31 set
    /// when names end at that state and not all need a capital, bit 30 when it has transitions, bit 29
    /// when the term is a later word of some name), side by side so that a
    /// probe touches one cache line and most tokens need no other table.
    ///
    /// Tags: a key of at most 7 bytes is its own tag (its bytes packed into
    /// a `UInt64`, its length in the top byte), so the common case needs
    /// neither a hash nor a byte comparison; a longer key is tagged by its
    /// `KeyHash` (which the tokenizer stored), with the top bit set (so no
    /// short tag equals it) and the two low bits clear (so that neither a tag nor
    /// its `Gazetteer.unconfirmedKey` is `emptyTag`).
    /// An entry is kept under its key's tag, and trusted on an equal tag, except a
    /// long key's remembered hit: it is kept under `Gazetteer.unconfirmedKey` and
    /// checked against the key bytes.
    var memo = ScratchBuffer<UInt64>(repeating: 0, count: 0)
    /// The gazetteer the memo and the string cache were filled for.
    var memoOwner: ObjectIdentifier?
    /// A memo of recent trie steps, set-associative as `memo` is (`MemoSets`):
    /// entry `m` of a set is `set[2m]` (`state << 32 | term`, `emptySlot` = free) and
    /// `set[2m + 1]` (the state reached, 0 = none, with bits 32–34 as
    /// `Gazetteer.stepAcceptsBit` and the two after it). Word pairs such as
    /// "of the" or "New York" recur, and the transition table of a large
    /// lexicon is far out of cache.
    var steps = GazetteerScratch.emptySteps()
    /// First steps known to fail, direct-mapped: slot `Gazetteer.failedStepSlot(key)` holds a
    /// `state << 32 | term` key whose step leads nowhere (`UInt64.max` = empty). A walk's
    /// first step that fails is written here, and a token whose first step is here does not
    /// start a walk (unless a name ends at its own state): on BBC news about 70 % of walks
    /// were such, each about 75 instructions and two or three mispredicted branches to learn
    /// what the step memo already knew. Emptied with the memo, when the gazetteer changes.
    var failedSteps = ScratchBuffer<UInt64>(repeating: .max, count: 0)
    /// Bit `t` set when term `t` of the memo's gazetteer is a function word:
    /// `emit` tests one bit rather than looking the token up in `functionWords`.
    var functionTerms: [UInt64] = []
    /// For each token of the current document, its memo value: see `Gazetteer.match`.
    var tags = ScratchBuffer<UInt64>(repeating: 0, count: 0)
    /// The tokens of the current document that start a walk (their key starts a
    /// name and they may start a match), in order; as long as `tags`.
    var walks = ScratchBuffer<UInt32>(repeating: 0, count: 0)
    /// Where the loads that warm the memo go, so that they are not optimized away.
    var touched: UInt64 = 0
    /// The current document's `tokenKeys` followed by 8 zero bytes (the rest of the
    /// buffer is left over from longer documents), so that `Gazetteer.memoTag` reads
    /// every key as one word.
    var paddedKeys = ScratchBuffer<UInt8>(repeating: 0, count: 0)
    /// The candidates of recently emitted entries, direct-mapped by entry (`entry + 1`
    /// in `key`, 0 = empty), with an empty span: an entry's names are decoded and its
    /// `Entity` is built once, and each match appends a copy of it with its span set
    /// (building an `Entity` at every match also moved it into the array and destroyed
    /// the temporary; so did building one from stored names alone, or setting the span
    /// of a local copy before appending it: both copied the `Entity` twice).
    ///
    /// `document` is the number of the document (`GazetteerScratch.document`) whose
    /// `annotations` the cached entity's `canonical` and `kb` name: a later match of the
    /// entry in the same document copies them, not the names' bytes again, so that the
    /// string pool (35 MB with a million entries, far out of cache) is read once per entry
    /// and document.
    /// (A buffer, not an array: `emit` reads and writes it with no uniqueness or bounds check.)
    var entryCandidates = GazetteerScratch.emptyEntryCandidates(count: 0)
    /// The number of the document being matched (counted from 1; see `entryCandidates`).
    var document: UInt64 = 0
    /// The current document's `annotationBytes`, which `emit` appends names to
    /// (swapped in and out by the caller of `match`).
    var annotations: [UInt8] = []
    static let entryCandidatesSize = 1 << 12

    /// `entryCandidates` with every slot empty.
    static func emptyEntryCandidates(count: Int = entryCandidatesSize)
        -> ScratchBuffer<(key: UInt32, document: UInt64, entity: Entity)> {
        ScratchBuffer(repeating: (0, 0, Entity(span: Span(start: 0, end: 0), type: .org, source: .gazetteer)), count: count)
    }

    /// The slot in `entryCandidates` of the entry of output `record` of `gazetteer` (the
    /// memo's owner), filled if need be.
    @inline(__always)
    func candidateSlot(of record: Gazetteer.OutputRecord, in gazetteer: Gazetteer)
        -> UnsafeMutablePointer<(key: UInt32, document: UInt64, entity: Entity)> {
        let entry = Int(record.entry)
        let slot = entryCandidates.base + (entry & (GazetteerScratch.entryCandidatesSize &- 1))
        let key = UInt32(truncatingIfNeeded: entry &+ 1)
        if slot.pointee.key != key {
            slot.pointee = (key, 0, gazetteer.candidate(record))
        }
        return slot
    }
    /// 32 Ki entries, 512 KiB: the distinct words of a few megabytes of news
    /// (about 30 000 in 4.7 MB of English) fit. That is all of this machine's L2, so
    /// other stages evict much of it between documents: `match` loads a document's
    /// entries all at once before using them. (A simulated 512 KiB cache saw about as
    /// many misses with 8 Ki entries as with 32 Ki; measured on English news, 8 Ki and
    /// 16 Ki entries were slower than 32 Ki, and 64 Ki no faster.)
    /// log2 of the number of memo entries, 3 (two sets; tests make it small) to 15
    /// (`Gazetteer.memoIndex` takes the set from the top 16 bits of the hash).
    var memoBits = 15
    static let emptyTag = UInt64.max

    /// log2 of the number of step memo entries.
    static let stepBits = 13

    /// log2 of the number of `failedSteps` slots (32 KiB).
    static let failedStepBits = 12

    static func emptySteps() -> ScratchBuffer<UInt64> { emptyMemo(bits: stepBits) }

    static func emptyMemo(bits: Int) -> ScratchBuffer<UInt64> {
        ScratchBuffer(repeating: .max, count: MemoSets.words(entryBits: bits))
    }
}

/// `count` elements in a 64-byte aligned allocation of their own, used through `base`: a
/// memo or per-token buffer of `GazetteerScratch`, which `Gazetteer.match` reads and writes
/// with no uniqueness check, swap or closure per document (as arrays, its four buffers cost
/// about 100 instructions a document in those). Copies of a scratch share its buffers; none
/// is made while one is matching.
final class ScratchBuffer<Element> {
    let base: UnsafeMutablePointer<Element>
    let count: Int
    /// The memory (`PrefaultedMemory`: the memos are filled as soon as they are made).
    private let memory: PrefaultedMemory

    init(repeating value: Element, count: Int) {
        memory = PrefaultedMemory(byteCount: max(count, 1) &* MemoryLayout<Element>.stride, alignment: 64)
        base = memory.base.initializeMemory(as: Element.self, repeating: value, count: count)
        self.count = count
    }

    deinit {
        base.deinitialize(count: count)
        memory.deallocate()
    }
}

/// A set-associative memo of 64-bit keys and values kept in a 64-byte aligned
/// `ScratchBuffer` (or, in tests, a `[UInt64]` that holds one line more than the sets,
/// whose first aligned element `sets(in:)` gives): sets of `ways` (key, value) entries,
/// each set one 64-byte cache line, its most recently used entry first. A free entry's key is `UInt64.max`, which no
/// key of the memos equals (`GazetteerScratch.emptyTag`, `Gazetteer.emptySlot`).
/// Lookups compare the first entry inline and call `find` for the others.
enum MemoSets {
    static let ways = 4
    /// `UInt64`s of one set.
    static let setWords = 2 * ways

    /// The `UInt64`s of a memo of `1 << entryBits` entries (one set more, for alignment).
    @inline(__always)
    static func count(entryBits: Int) -> Int { (2 << entryBits) + setWords }

    /// The `UInt64`s of a memo of `1 << entryBits` entries in an aligned buffer (`ScratchBuffer`).
    @inline(__always)
    static func words(entryBits: Int) -> Int { 2 << entryBits }

    /// An empty memo of `1 << entryBits` entries.
    static func empty(entryBits: Int) -> [UInt64] {
        [UInt64](repeating: .max, count: count(entryBits: entryBits))
    }

    /// The first set of `memo` (aligned to 64 bytes).
    @inline(__always)
    static func sets(in memo: UnsafeMutableBufferPointer<UInt64>) -> UnsafeMutablePointer<UInt64> {
        let base = memo.baseAddress!
        let misaligned = Int(bitPattern: base) & 63
        return misaligned == 0 ? base : base + (64 &- misaligned) / 8
    }

    /// The way of `set` whose key is `key`, or -1. Way 0 is not looked at (the caller has).
    @inline(__always)
    static func way(of key: UInt64, in set: UnsafeMutablePointer<UInt64>) -> Int {
        if set[2] == key { return 1 }
        if set[4] == key { return 2 }
        if set[6] == key { return 3 }
        return -1
    }

    /// What `hit` returns when it does not give the value: a key's memo value has a
    /// term (bit 63 clear, see `GazetteerScratch.memo`) or no state (the low half 0).
    static let notFound = UInt64.max

    /// The value of memo key `tag` when a way of `set` other than the first holds it,
    /// after making it the first entry (the entries before it move one way down); else
    /// `notFound` and `set` is unchanged (the caller looks further). Inlined in `Gazetteer.memoFind`
    /// before anything else: a path that saves no registers (the whole lookup cost about
    /// 35 instructions for such a hit, most of them saving and restoring registers).
    @inline(__always)
    static func hit(_ set: UnsafeMutablePointer<UInt64>, _ tag: UInt64) -> UInt64 {
        let raw = UnsafeMutableRawPointer(set)
        if set[2] == tag {
            let value = set[3]
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD2<UInt64>.self), toByteOffset: 16, as: SIMD2<UInt64>.self)
            set[0] = tag
            set[1] = value
            return value
        }
        if set[4] == tag {
            let value = set[5]
            let e0 = raw.loadUnaligned(as: SIMD2<UInt64>.self), e1 = raw.loadUnaligned(fromByteOffset: 16, as: SIMD2<UInt64>.self)
            raw.storeBytes(of: e1, toByteOffset: 32, as: SIMD2<UInt64>.self)
            raw.storeBytes(of: e0, toByteOffset: 16, as: SIMD2<UInt64>.self)
            set[0] = tag
            set[1] = value
            return value
        }
        if set[6] == tag {
            let value = set[7]
            let e0 = raw.loadUnaligned(as: SIMD2<UInt64>.self), e1 = raw.loadUnaligned(fromByteOffset: 16, as: SIMD2<UInt64>.self)
            let e2 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD2<UInt64>.self)
            raw.storeBytes(of: e2, toByteOffset: 48, as: SIMD2<UInt64>.self)
            raw.storeBytes(of: e1, toByteOffset: 32, as: SIMD2<UInt64>.self)
            raw.storeBytes(of: e0, toByteOffset: 16, as: SIMD2<UInt64>.self)
            set[0] = tag
            set[1] = value
            return value
        }
        return notFound
    }

    /// Makes (`key`, `value`) the first entry of `set`, moving the entries before way
    /// `replacing` (the key's own way, or the last one when it had none) one way down.
    @inline(__always)
    static func promote(_ set: UnsafeMutablePointer<UInt64>, key: UInt64, value: UInt64, replacing: Int) {
        var w = replacing
        while w > 0 {
            set[2 &* w] = set[2 &* w &- 2]
            set[2 &* w &+ 1] = set[2 &* w &- 1]
            w &-= 1
        }
        set[0] = key
        set[1] = value
    }
}

extension Gazetteer {
    /// Appends to `candidates` the entities this gazetteer finds in `doc`,
    /// which must have tokens (and sentence starts, for `cap` entries).
    ///
    /// From every token that is not punctuation or a symbol, walks the trie
    /// as far as the text allows and proposes the longest match that has at
    /// least one entry passing its flags and language, with all such entries
    /// (one candidate each, duplicates of type/canonical/kb dropped), in
    /// lexicon order. Candidates come out ordered by start token.
    /// The candidates' names are appended to `annotations`, `doc`'s `annotationBytes`.
    public func match(_ doc: Document, into candidates: inout [Entity], annotations: inout [UInt8]) {
        var scratch = GazetteerScratch()
        swap(&scratch.annotations, &annotations)
        match(doc, into: &candidates, scratch: &scratch)
        swap(&scratch.annotations, &annotations)
    }

    func match(_ doc: Document, into candidates: inout [Entity], scratch: inout GazetteerScratch) {
        let tokens = doc.tokens
        let n = tokens.count
        // State ids fit in 29 bits: the builder and the cache reader refuse larger gazetteers.
        guard n > 0, stateCount > 1 else { return }
        precondition(stateCount <= Gazetteer.stateLimit && vocabulary.count <= Gazetteer.stateLimit,
                     "a gazetteer of \(stateCount) states cannot be matched")
        let language = Gazetteer.language(of: doc.languageKind)
        if scratch.memoOwner != ObjectIdentifier(self) || scratch.memo.count != MemoSets.words(entryBits: scratch.memoBits) {
            scratch.memo = GazetteerScratch.emptyMemo(bits: scratch.memoBits)
            scratch.steps = GazetteerScratch.emptySteps()
            scratch.failedSteps = ScratchBuffer(repeating: .max, count: 1 << GazetteerScratch.failedStepBits)
            scratch.entryCandidates = GazetteerScratch.emptyEntryCandidates()
            scratch.functionTerms = functionTermBits(scratch.functionWords)
            scratch.memoOwner = ObjectIdentifier(self)
        }
        let memoBits = scratch.memoBits
        scratch.document &+= 1
        if scratch.tags.count < n {
            scratch.tags = ScratchBuffer(repeating: 0, count: max(n, 2 &* scratch.tags.count))
            scratch.walks = ScratchBuffer(repeating: 0, count: scratch.tags.count)
            scratch.accepting = ScratchBuffer(repeating: 0, count: scratch.tags.count)
        }
        let keyCount = doc.tokenKeys.count
        if scratch.paddedKeys.count < keyCount &+ 8 {
            scratch.paddedKeys = ScratchBuffer(repeating: 0, count: max(keyCount &+ 8, 2 &* scratch.paddedKeys.count))
        }
        doc.tokenKeys.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { scratch.paddedKeys.base.update(from: base, count: keyCount) }
        }
        UnsafeMutableRawPointer(scratch.paddedKeys.base + keyCount).storeBytes(of: 0, as: UInt64.self)
        let keys = UnsafeBufferPointer(start: UnsafePointer(scratch.paddedKeys.base), count: keyCount)
        // The memos and per-token buffers, used through pointers for the document: `scratch`
        // keeps them alive, and `emit` (which takes `scratch` inout) does not replace them.
        let sets = scratch.memo.base, stepSets = scratch.steps.base
        let tags = scratch.tags.base, walks = scratch.walks.base, accepting = scratch.accepting.base
        let failedSteps = scratch.failedSteps.base
        var walkCount = 0
        var allCapsSentence = AllCapsSentenceCache()
        // Every token's `KeyHash`, as the tokenizer stored it (hashed here only for a
        // document built without it). The stored array is borrowed, not copied: a copy
        // cost a retain and a release a document.
        let rehashed = doc.keyHashes.count == n ? [] : doc.hashingKeys()
        doc.keyHashes.withUnsafeBufferPointer { stored in
        rehashed.withUnsafeBufferPointer { rehashed in
        let hashes = stored.count == n ? stored : rehashed
          tokens.withUnsafeBufferPointer { tokens in
                withTables { table in
                    // First a load of every token's memo entry (`touchBlock` tokens at a time),
                    // found from the `KeyHash` the tokenizer stored: the loads do not depend on one
                    // another, so the processor has many cache misses in flight at once instead of
                    // one per token (a document's entries have often left the cache while the other
                    // stages ran). (Probing the vocabulary's filter first instead, for every
                    // token, was no faster with the bundled lexicons and 10 % slower with a
                    // million entries, whose filter is far out of cache: the filter is
                    // probed on a memo miss only.)
                    let setMask = Gazetteer.memoSetMask(entryBits: memoBits)
                    // Then every token's memo value (its memo set now in cache), kept in `tags`, and
                    // in the same pass the tokens that start a walk that may find something, in
                    // `walks`: a token whose key starts a name and that may start a match, where
                    // either a name ends at its state (one that needs a capital only if the token
                    // has one) or its state has transitions and the next token is a second word.
                    // (Two loops, as it was, read each token and its value twice: about 44 and 14
                    // instructions a token on English news.) The step memo entry and the transition
                    // slot of each walk's first step are prefetched, not loaded: a load (and the
                    // transition slot's, when the memo held another step) had to complete before
                    // it retired, so the cache misses stalled the loop; a prefetch does not wait.
                    // (Gazetteer stage on English news, thread clock, 20 alternated runs: 1 M
                    // lexicon +7 %, faster in 20 of 20; bundled +3 %, 10 k +4 %.)
                    // `pending`: the low half of the previous token's memo value when it may
                    // start a walk (without `acceptsBit` when its names need a capital it
                    // lacks), else 0.
                    let tokenBase = tokens.baseAddress!, hashBase = hashes.baseAddress!
                    let transitionBase = table.transitionKeys.baseAddress!
                    let transitionMask = table.transitionKeys.count &- 1
                    var pending: UInt32 = 0
                    var t = 0
                    var maskTable = ShortKeyMasks.table
                    withUnsafeBytes(of: &maskTable) { maskBytes in
                    let masks = maskBytes.baseAddress!.assumingMemoryBound(to: UInt64.self)
                    var token = tokenBase
                    while t < n {
                    // The memo loads of the next `touchBlock` tokens, then their values: a whole
                    // document's loads at once (as it was) left many of its first tokens' memo lines
                    // out of the 32 KiB first-level cache by the time they were used (on BBC news,
                    // about 350 000 of the 880 000 lines loaded in a pass over it twice).
                    let blockEnd = min(n, t &+ Gazetteer.touchBlock)
                    // (What the loads give is kept once a block, not in a register the whole loop.)
                    var touched: UInt64 = 0
                    var u = t
                    while u < blockEnd {
                        touched |= sets[Gazetteer.memoIndex(hashBase[u], mask: setMask)]
                        u &+= 1
                    }
                    scratch.touched |= touched
                    while t < blockEnd {
                        // The token through a running pointer (`tokenBase + t` cost an index times
                        // the stride, kept on the stack, each token).
                        let hash = hashBase[t]
                        let tag = Gazetteer.memoTag(paddedKeys: keys, token.pointee, keyHash: hash, masks: masks)
                        let set = sets + Gazetteer.memoIndex(topOf: hashBase, t, mask: setMask)
                        var value = set[1]
                        // (Marked unlikely: the call's argument set-up and a jump were laid out
                        // on the path of the hits, nine tokens in ten.)
                        if _slowPath(set[0] != tag) {
                            value = Gazetteer.memoFind(keys, token.pointee, tag: tag, keyHash: hash, set, table)
                        }
                        tags[t] = value
                        // The previous token starts a walk when it may start a match (`canEdge`)
                        // and a name ends at its state, or its state has transitions, this token
                        // is a second word and their step is not known to fail (`failedSteps`).
                        // One branch, on whether a name ends at its state or it has transitions
                        // and this is a second word, which is rarely so (one token in eight on
                        // news): branches on whether a token's key starts a name and on the
                        // `pending` that came of it (one token in three has it, as the text
                        // falls) were mispredicted about 350 000 times in a pass over the BBC news.
                        // (Bit 62 of `value`, a second word, is clear in `missValue`: moved to
                        // `childrenBit`, it is tested without looking at bit 63.)
                        let walkBits = UInt32(truncatingIfNeeded: value >> 32) & Gazetteer.childrenBit | Gazetteer.acceptsBit
                        if pending & walkBits != 0 {
                            // The rest without a branch: the three branches this took were
                            // mispredicted about 190 000 times in a pass over the BBC news.
                            let edge: UInt32 = Gazetteer.canEdge(token[-1].kind) ? 1 : 0
                            let key = UInt64(pending & Gazetteer.stateMask) << 32 | (value >> 32) & Gazetteer.termMask
                            let unknown: UInt32 = failedSteps[Gazetteer.failedStepSlot(key)] == key ? 0 : 1
                            let steps = (pending & walkBits) >> Gazetteer.childrenBit.trailingZeroBitCount & unknown & edge
                            walks[walkCount] = UInt32(truncatingIfNeeded: t &- 1)
                            walkCount &+= Int(truncatingIfNeeded: steps | pending >> Gazetteer.acceptsBit.trailingZeroBitCount & edge)
                            if steps != 0 {
                                entex_prefetch(stepSets + (Gazetteer.stepIndex(key) &<< 3))
                                entex_prefetch(transitionBase + Gazetteer.slot(key, mask: transitionMask))
                            }
                        }
                        pending = Gazetteer.pendingRoot(value, token)
                        token += 1
                        t &+= 1
                    }
                    }
                    }
                    // The last token has no next one: it starts a walk only if a name ends at its state.
                    if pending & Gazetteer.acceptsBit != 0 && Gazetteer.canEdge(tokens[n &- 1].kind) {
                        walks[walkCount] = UInt32(truncatingIfNeeded: n &- 1)
                        walkCount &+= 1
                    }
                    if walkCount > 0 && candidates.capacity < candidates.count &+ 4 {
                        // Room for the document's likely candidates at once (about one per
                        // walk), not 1, 2, 4, 8… reallocations: on tweets, growing from empty
                        // cost 43 M instructions, one reservation per tweet with walks 28 M.
                        candidates.reserveCapacity(candidates.count &+ max(4, walkCount))
                    }
                    for w in 0..<walkCount {
                        let i = Int(walks[w])
                        let value = tags[i]
                        let first = Int((value >> 32) & Gazetteer.termMask)
                        var state = UInt32(truncatingIfNeeded: value) & Gazetteer.stateMask
                        // `accepting[..<acceptingCount]`: reused storage, not emptied per walk.
                        var acceptingCount = 0
                        // Names end at the root's state: `acceptsBit`, or `rootCapitalOnlyBit` when they all need a capital.
                        let rootCapitalOnly = value & Gazetteer.rootCapitalOnlyBit != 0
                        if UInt32(truncatingIfNeeded: value) & Gazetteer.acceptsBit != 0 || rootCapitalOnly {
                            let capitalOnly = rootCapitalOnly ? Gazetteer.capitalOnlyFlag : 0
                            accepting[0] = UInt64(state | capitalOnly) | UInt64(truncatingIfNeeded: i) << 32
                            acceptingCount = 1
                        }
                        var j = i &+ 1
                        var more = UInt32(truncatingIfNeeded: value) & Gazetteer.childrenBit != 0
                        while more && j < n {
                            let next = tags[j]
                            if next >> 63 != 0 || UInt32(truncatingIfNeeded: next) & Gazetteer.followsBit == 0 { break }
                            // The first step leaves a state one word from the root: only a second word can follow.
                            if j == i &+ 1 && next & Gazetteer.secondBit == 0 { break }
                            let stepped = Gazetteer.step(table, state, UInt32(truncatingIfNeeded: (next >> 32) & Gazetteer.termMask),
                                                         sets: stepSets)
                            let target = UInt32(truncatingIfNeeded: stepped)
                            if target == 0 {
                                if j == i &+ 1 {
                                    let key = UInt64(state) << 32 | (next >> 32) & Gazetteer.termMask
                                    failedSteps[Gazetteer.failedStepSlot(key)] = key
                                }
                                break
                            }
                            state = target
                            more = stepped & Gazetteer.stepChildrenBit != 0
                            if stepped & Gazetteer.stepAcceptsBit != 0, Gazetteer.canEdge(tokens[j].kind) {
                                let capitalOnly = stepped & Gazetteer.stepCapitalOnlyBit != 0 ? Gazetteer.capitalOnlyFlag : 0
                                accepting[acceptingCount] = UInt64(state | capitalOnly) | UInt64(truncatingIfNeeded: j) << 32
                                acceptingCount &+= 1
                            }
                            j &+= 1
                        }
                        // Longest first: the first span with a passing entry wins.
                        var k = acceptingCount &- 1
                        while k >= 0 {
                            defer { k &-= 1 }
                            let packed = UInt32(truncatingIfNeeded: accepting[k])
                            let end = Int(truncatingIfNeeded: accepting[k] >> 32)
                            // Every output of the state is a bundled entry that needs a capital
                            // (`emit` would pass none): no call when no token of the span has one.
                            if packed & Gazetteer.capitalOnlyFlag != 0 && !Gazetteer.anyCapitalized(tokens, i, end) { continue }
                            let state = Int(packed & Gazetteer.stateMask)
                            if emit(doc, tokens, from: i, to: end, firstTerm: first, language: language,
                                    outputs: Int(table.starts[state])..<Int(table.starts[state &+ 1]), table: table,
                                    allCaps: &allCapsSentence, scratch: &scratch, into: &candidates) {
                                break
                            }
                        }
                    }
                }
          }
        }
        }
    }

    /// The `Language` of a document's language (`Document.languageKind`): `en`, `es`, else `.any`.
    @inline(__always)
    static func language(of kind: DocumentLanguage) -> Language {
        switch kind {
        case .en: .en
        case .es: .es
        case .other: .any
        }
    }

    /// Calls `body` with this gazetteer's matching arrays borrowed.
    @inline(__always)
    func withTables<R>(_ body: (TermTables) -> R) -> R {
        vocabulary.pool.withUnsafeBufferPointer { pool in
          vocabulary.ends.withUnsafeBufferPointer { ends in
            vocabulary.slots.withUnsafeBufferPointer { slots in
              transitionKeys.withUnsafeBufferPointer { tkeys in
                transitionTargets.withUnsafeBufferPointer { targets in
                  outputStarts.withUnsafeBufferPointer { starts in
                    stateFlags.withUnsafeBufferPointer { stateFlags in
                      termValues.withUnsafeBufferPointer { termValues in
                        outputRecords.withUnsafeBufferPointer { records in
                          outputForms.withUnsafeBufferPointer { forms in
                            outputCapitals.withUnsafeBufferPointer { capitals in
                              stringPool.withUnsafeBufferPointer { stringPool in
                                stringEnds.withUnsafeBufferPointer { stringEnds in
                                  body(TermTables(pool: pool, ends: ends, slots: slots, starts: starts, stateFlags: stateFlags,
                                                  termValues: termValues, filter: termFilter, longestTerm: longestTerm,
                                                  transitionKeys: tkeys, transitionTargets: targets, records: records,
                                                  forms: forms, capitals: capitals, stringPool: stringPool,
                                                  stringEnds: stringEnds))
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
    }

    /// Whether a token of `first...last` is capitalized.
    @inline(__always)
    static func anyCapitalized(_ tokens: UnsafeBufferPointer<Token>, _ first: Int, _ last: Int) -> Bool {
        var t = first
        while t <= last {
            if tokens[t].flags.contains(.capitalized) { return true }
            t &+= 1
        }
        return false
    }

    /// Bit 31 of a memo value's root: names end at that state, and not all of them need a
    /// capital (else `rootCapitalOnlyBit` is set instead).
    static let acceptsBit: UInt32 = 1 << 31
    /// Bit 30: the state has transitions.
    static let childrenBit: UInt32 = 1 << 30
    /// Bit 29: the term is a later word of some name.
    static let followsBit: UInt32 = 1 << 29
    static let stateMask: UInt32 = followsBit - 1
    /// Term ids, like state ids, fit in 29 bits (every term labels a transition); the
    /// memo value keeps its term id in bits 32–60 (bit 63 set: no term, `missValue`).
    static let termMask: UInt64 = (1 << 29) - 1
    /// Bit 61 of a memo value (with a term): names end at the root state and every output
    /// of it is a bundled entry that needs a capitalized token (neither `lc` nor from a user
    /// lexicon); `acceptsBit` is then clear.
    static let rootCapitalOnlyBit: UInt64 = 1 << 61
    /// Bit 62 of a memo value (with a term; clear in `missValue`):
    /// the term is the second word of some name (`Gazetteer.termSeconds`).
    static let secondBit: UInt64 = 1 << 62
    /// Bits 32–34 of a step memo value: names end at the state reached, it has
    /// transitions, and every output of it needs a capitalized token (as `rootCapitalOnlyBit`).
    /// (`stateFlags` shifted into place.)
    static let stepAcceptsBit = UInt64(stateAccepts) << 32
    static let stepChildrenBit = UInt64(stateHasChildren) << 32
    static let stepCapitalOnlyBit = UInt64(stateCapitalOnly) << 32
    /// Bit 31 of a state kept in `GazetteerScratch.accepting`: the state's outputs all need a capital.
    static let capitalOnlyFlag: UInt32 = 1 << 31

    /// The state reached from `state` on `term` in the low 32 bits (0: none),
    /// with `stepAcceptsBit`, `stepChildrenBit` and `stepCapitalOnlyBit`; through the
    /// step memo, whose first set is `sets`.
    @inline(__always)
    static func step(_ table: TermTables, _ state: UInt32, _ term: UInt32, sets: UnsafeMutablePointer<UInt64>) -> UInt64 {
        let key = UInt64(state) << 32 | UInt64(term)
        let set = sets + (stepIndex(key) &<< 3)
        if set[0] == key { return set[1] }
        return stepFind(table, key, set)
    }

    /// `step` when the first entry of the step memo's set is another step: the set's
    /// other entries, else the transition-table probe; either way the step becomes
    /// the set's first entry.
    @inline(never)
    static func stepFind(_ table: TermTables, _ key: UInt64, _ set: UnsafeMutablePointer<UInt64>) -> UInt64 {
        let way = MemoSets.way(of: key, in: set)
        var value: UInt64 = 0
        if way > 0 {
            value = set[2 &* way &+ 1]
        } else if let next = step(table.transitionKeys, table.transitionTargets, UInt32(truncatingIfNeeded: key >> 32),
                                  UInt32(truncatingIfNeeded: key)) {
            value = UInt64(next) | UInt64(table.stateFlags[Int(next)]) << 32
        }
        MemoSets.promote(set, key: key, value: value, replacing: way > 0 ? way : MemoSets.ways &- 1)
        return value
    }

    /// The `GazetteerScratch.failedSteps` slot of a `state << 32 | term` key.
    @inline(__always)
    static func failedStepSlot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - GazetteerScratch.failedStepBits))
    }

    /// The step memo set of a `state << 32 | term` key.
    @inline(__always)
    static func stepIndex(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - (GazetteerScratch.stepBits - 2)))
    }

    /// The gazetteer's arrays, borrowed for one `match`.
    struct TermTables {
        let pool: UnsafeBufferPointer<UInt8>
        let ends: UnsafeBufferPointer<UInt32>
        let slots: UnsafeBufferPointer<UInt64>
        let starts: UnsafeBufferPointer<UInt32>
        let stateFlags: UnsafeBufferPointer<UInt8>
        let termValues: UnsafeBufferPointer<UInt64>
        let filter: KeyHashFilter
        let longestTerm: Int
        let transitionKeys: UnsafeBufferPointer<UInt64>
        let transitionTargets: UnsafeBufferPointer<UInt32>
        let records: UnsafeBufferPointer<OutputRecord>
        let forms: UnsafeBufferPointer<UInt32>
        let capitals: UnsafeBufferPointer<UInt32>
        let stringPool: UnsafeBufferPointer<UInt8>
        let stringEnds: UnsafeBufferPointer<UInt32>
    }

    /// The memo value of `token`'s key when the first entry of its memo set `set` does not
    /// hold its tag: most often (about half of the calls on the mix) an entry of another way,
    /// moved first by `MemoSets.hit` with no register saved; else `memoLookup`. `tag` is
    /// `memoTag(keys, token, keyHash:)` and `keyHash` the `KeyHash` of the token's key.
    @inline(never)
    static func memoFind(_ keys: UnsafeBufferPointer<UInt8>, _ token: Token, tag: UInt64, keyHash: UInt64,
                         _ set: UnsafeMutablePointer<UInt64>, _ table: TermTables) -> UInt64 {
        let value = MemoSets.hit(set, tag)
        if value != MemoSets.notFound { return value }
        return memoLookup(keys, token, tag: tag, keyHash: keyHash, set, table)
    }

    /// `memoFind` when no way holds the key's tag: a long key's remembered hit (kept under
    /// `unconfirmedKey`) checked byte for byte, else the key looked up (`memoFill`); either
    /// way it becomes the set's first entry.
    @inline(never)
    static func memoLookup(_ keys: UnsafeBufferPointer<UInt8>, _ token: Token, tag: UInt64, keyHash: UInt64,
                           _ set: UnsafeMutablePointer<UInt64>, _ table: TermTables) -> UInt64 {
        // A short key's `unconfirmedKey` is its tag, which no way holds: no branch on the length.
        let unconfirmed = unconfirmedKey(tag)
        let way = set[0] == unconfirmed ? 0 : MemoSets.way(of: unconfirmed, in: set)
        if way >= 0 {
            let value = set[2 &* way &+ 1]
            // The same key unless two long keys share a tag (then this key takes the other's entry).
            if longKeyEquals(keys, token, value, table) {
                if way > 0 { MemoSets.promote(set, key: unconfirmed, value: value, replacing: way) }
                return value
            }
        }
        let value = memoFill(keys, token, keyHash: keyHash, table)
        MemoSets.promote(set, key: value >> 63 == 0 ? unconfirmed : tag, value: value,
                         replacing: way >= 0 ? way : MemoSets.ways &- 1)
        return value
    }

    /// The memo key under which the remembered hit of a key with tag `tag` is kept: for a long
    /// key, its tag with the low bit set, which no tag has (a long key's has that bit clear, a
    /// short key's the top bit) and which is never `GazetteerScratch.emptyTag` (see `longKeyTag`),
    /// so that an entry found by its tag (`match`'s test of the first way, `MemoSets.hit`) is
    /// always trusted, and only `memoLookup` checks such a hit against the key's bytes (`match`
    /// tested each first-way hit's tag and value together for it: four instructions and a
    /// branch a token); for a short key, its tag.
    @inline(__always)
    static func unconfirmedKey(_ tag: UInt64) -> UInt64 { tag | tag >> 63 }

    /// Whether `token`'s key, of 8 bytes or more (a long memo tag's), is the key of the term
    /// of memo value `value`: a key of at most 16 bytes is compared as its first and its last
    /// 8 bytes (which overlap below 16).
    @inline(__always)
    static func longKeyEquals(_ keys: UnsafeBufferPointer<UInt8>, _ token: Token, _ value: UInt64, _ table: TermTables) -> Bool {
        let start = Int(token.keyStart), length = Int(token.keyEnd) &- start
        let id = Int(UInt32(truncatingIfNeeded: value >> 32) & UInt32(termMask))
        let termStart = id == 0 ? 0 : Int(table.ends[id &- 1]), termEnd = Int(table.ends[id])
        guard termEnd &- termStart == length else { return false }
        let key = UnsafeRawPointer(keys.baseAddress! + start), term = UnsafeRawPointer(table.pool.baseAddress! + termStart)
        if length >= 8 && length <= 16 {
            let tail = length &- 8
            return key.loadUnaligned(as: UInt64.self) == term.loadUnaligned(as: UInt64.self)
                && key.loadUnaligned(fromByteOffset: tail, as: UInt64.self) == term.loadUnaligned(fromByteOffset: tail, as: UInt64.self)
        }
        return length == 0 || memcmpEqual(table.pool.baseAddress! + termStart, keys.baseAddress! + start, length)
    }

    /// The memo value of `token`'s key: the term id (-1 when the key is in no name) and
    /// the state the root reaches on it (see `GazetteerScratch.memo`: the term's
    /// `termValues` entry). `keyHash` is the `KeyHash` of the token's key: the
    /// vocabulary is probed with it folded, so a miss hashes no key bytes.
    @inline(__always)
    static func memoFill(_ keys: UnsafeBufferPointer<UInt8>, _ token: Token, keyHash: UInt64, _ table: TermTables) -> UInt64 {
        let start = Int(token.keyStart), length = Int(token.keyEnd) &- start
        let key = UnsafeBufferPointer(start: keys.baseAddress! + start, count: length)
        var id: Int32 = -1
        if length <= table.longestTerm {
            let h = ByteStringTable.hash(folding: keyHash)
            if table.filter.mayContain(h) {
                id = TermTable.lookup(key, hash: h, pool: table.pool, ends: table.ends, slots: table.slots)
            }
        }
        return id < 0 ? missValue : table.termValues[Int(id)]
    }

    /// The memo tag of `token`'s key, whose `KeyHash` is `keyHash` (see `GazetteerScratch.memo`).
    /// `keys` must be followed by at least 8 readable bytes (whatever they hold; `match` reads
    /// a copy, `GazetteerScratch.paddedKeys`): every key is read as one unaligned word, masked
    /// to its length, with no check of where it starts (`match` tags every token; a test of
    /// whether the word could be read cost two instructions a token, and a byte-by-byte
    /// packing of the keys that could not eight more).
    /// `masks` is `ShortKeyMasks.table` (in `match`, a copy on its stack: each mask is one
    /// load from the frame, where computing one took five instructions and the shift
    /// register, which the memo index needs too).
    @inline(__always)
    static func memoTag(paddedKeys keys: UnsafeBufferPointer<UInt8>, _ token: Token, keyHash: UInt64,
                        masks: UnsafePointer<UInt64>) -> UInt64 {
        let start = Int(token.keyStart), length = Int(token.keyEnd) &- start
        // The short and the long tag from one formula, with three masks chosen by the length
        // (at most 8: a long key), not a branch on it: which keys are longer than 7 bytes
        // follows the text, and that branch was mispredicted about 136 000 times in a pass
        // over the BBC news. (A `?:` between the two tags was made a branch again by the
        // compiler.)
        let word = UInt64(littleEndian: UnsafeRawPointer(keys.baseAddress! + start).loadUnaligned(as: UInt64.self))
        let row = min(length, 8)
        return word & masks[row] | keyHash & masks[row &+ ShortKeyMasks.hashRow] | masks[row &+ ShortKeyMasks.bitsRow]
    }

    /// `memoTag(paddedKeys:_:keyHash:masks:)` with a table of its own.
    static func memoTag(paddedKeys keys: UnsafeBufferPointer<UInt8>, _ token: Token, keyHash: UInt64) -> UInt64 {
        withUnsafeBytes(of: ShortKeyMasks.table) { masks in
            memoTag(paddedKeys: keys, token, keyHash: keyHash, masks: masks.baseAddress!.assumingMemoryBound(to: UInt64.self))
        }
    }

    /// The masks of `memoTag`, three rows of nine entries for a key of `n` bytes (0...7, and 8
    /// for any longer key): the key word's (the low `n` bytes; none of a long key's), the
    /// `KeyHash`'s (none of a short key's; a long key's `longKeyTag` bits) and the bits or-ed
    /// in (a short key's length in the top byte; a long key's top bit).
    enum ShortKeyMasks {
        static let hashRow = 9
        static let bitsRow = 18
        static let table: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                           UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                           UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0xFF, 0xFFFF, 0xFF_FFFF, 0xFFFF_FFFF, 0xFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF, 0xFF_FFFF_FFFF_FFFF, 0,
             0, 0, 0, 0, 0, 0, 0, 0, ~(1 << 63 | 3),
             0, 1 << 56, 2 << 56, 3 << 56, 4 << 56, 5 << 56, 6 << 56, 7 << 56, 1 << 63)
    }


    /// The first `UInt64` of the memo set of a key whose `KeyHash` is `keyHash`, in a memo
    /// whose `memoSetMask` is `mask`: the hash's top bits (the tokenizer has hashed every key),
    /// by a constant shift and a mask (a shift by the memo's size needed the count register,
    /// reloaded for every token, and a second shift).
    @inline(__always)
    static func memoIndex(_ keyHash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: keyHash &>> 48) & mask
    }

    /// `memoIndex(hashes[t], mask:)`, written as a 2-byte load of the hash's top 16 bits. In
    /// `match`'s token loop the compiler still takes them from the whole hash, which the tag
    /// needs too, but allocates the loop's registers better: one instruction a token fewer
    /// (`Gazetteer.match` on BBC news, `entex bench` under callgrind: 150.92 → 149.06 M).
    @inline(__always)
    static func memoIndex(topOf hashes: UnsafePointer<UInt64>, _ t: Int, mask: Int) -> Int {
        #if _endian(little)
        let top = 6
        #else
        let top = 0
        #endif
        return Int(truncatingIfNeeded: UnsafeRawPointer(hashes + t).load(fromByteOffset: top, as: UInt16.self)) & mask
    }

    /// The mask `memoIndex` takes for a memo of `1 << entryBits` entries (3...15): the set
    /// number (bits 51 and up of the hash, 51–63 for the full memo) times the 8 `UInt64`s of a set.
    @inline(__always)
    static func memoSetMask(entryBits: Int) -> Int {
        ((1 &<< (entryBits &- 2)) &- 1) &<< 3
    }

    /// How many tokens' memo sets `match` loads before it uses them: 128 sets are 8 KiB,
    /// a quarter of the first-level data cache.
    static let touchBlock = 128

    /// The memo tag of a key of 8 bytes or more, from its `KeyHash` (see `GazetteerScratch.memo`):
    /// the top bit set, so that no short key's tag equals it, and the two low bits clear, so that
    /// neither it nor its `unconfirmedKey` is `emptyTag` or another tag. The tokenizer has
    /// already hashed every key, so this costs two operations.
    @inline(__always)
    static func longKeyTag(_ keyHash: UInt64) -> UInt64 {
        (keyHash | 1 << 63) & ~3
    }

    /// The low half of a token's memo value `value`, with `acceptsBit` also when every name
    /// ending at its state needs a capital (`rootCapitalOnlyBit`) and the token has one (six
    /// instructions: clearing `acceptsBit` when such a token had none, from a value that
    /// held both bits, took nine): with `acceptsBit` or
    /// `childrenBit` when its key starts a name (a value with either has a state), which
    /// `match` tests, with whether the token may start a match (`canEdge`), only when it
    /// may start a walk. Without a branch: whether a token's key starts a name follows the
    /// text (one token in three on news); the branch on it (and on `canEdge`), then the
    /// branch on its result at the next token, were mispredicted about 350 000 times in a
    /// pass over the BBC news. (Which tokens lack the capital their names need follows the
    /// text too: that branch was mispredicted about 120 000 times.)
    @inline(__always)
    static func pendingRoot(_ value: UInt64, _ token: UnsafePointer<Token>) -> UInt32 {
        let root = UInt32(truncatingIfNeeded: value)
        // `rootCapitalOnlyBit` and the capitalized flag, both moved to `acceptsBit` (the flag
        // is bit 0 of the flags byte, so nothing else is left below it).
        let capitalOnly = UInt32(truncatingIfNeeded: value >> (rootCapitalOnlyBit.trailingZeroBitCount &- acceptsBit.trailingZeroBitCount))
        let capitalized = UInt32(token.pointee.flags.rawValue) << (acceptsBit.trailingZeroBitCount &- TokenFlags.capitalized.rawValue.trailingZeroBitCount)
        return root | capitalOnly & capitalized
    }

    /// Whether a token of this kind may start or end a match: not `punct`, `symbol` or
    /// `emoji` (raw values 2, 3 and 4: one comparison).
    @inline(__always)
    static func canEdge(_ kind: TokenKind) -> Bool {
        kind.rawValue &- TokenKind.punct.rawValue > TokenKind.emoji.rawValue &- TokenKind.punct.rawValue
    }

    /// Appends the passing entries of one state as candidates for tokens
    /// `first...last`; returns whether any passed.
    /// `firstTerm` is the term id of token `first`, `tokens` are `doc.tokens` and `table`
    /// this gazetteer's arrays: the outputs' records, forms and capitals, the names'
    /// bytes and `scratch`'s buffers are read through pointers, with no bounds or
    /// uniqueness check (about a third of the 375 instructions a call cost on English news).
    private func emit(_ doc: Document, _ tokens: UnsafeBufferPointer<Token>, from first: Int, to last: Int, firstTerm: Int,
                      language: Language, outputs: Range<Int>, table: TermTables, allCaps: inout AllCapsSentenceCache,
                      scratch: inout GazetteerScratch, into candidates: inout [Entity]) -> Bool {
        let span = Span(start: tokens[first].start, end: tokens[last].end)
        // Bundled names are written with a capital somewhere: an all-lowercase
        // match is a common word ("ventas", "iba", "venezolanos"), and a lone
        // function word opening a sentence is not a name either.
        var bundledAllowed = false
        var t = first
        while t <= last {
            if tokens[t].flags.contains(.capitalized) { bundledAllowed = true; break }
            t &+= 1
        }
        // A lone function word is a bundled name only as an exact acronym (`cs`: "US"),
        // and not even then opening a sentence or among words in capitals
        // ("@ana Un momento", "WHERE IS THE PARTY", "COMPRAR UN COCHE").
        var loneFunctionWord = false
        if bundledAllowed, first == last, scratch.functionTerms.withUnsafeBufferPointer({ Gazetteer.bit($0, firstTerm) }) {
            loneFunctionWord = true
            if tokens[first].flags.contains(.sentenceStart) || Gazetteer.besideCapitals(tokens, first) {
                bundledAllowed = false
            }
        }
        // (type, names) of the entries emitted for the span, to drop duplicates: needed
        // only when the state has more than one output.
        let several = outputs.count > 1
        if several && scratch.emitted.count < 2 &* outputs.count {
            scratch.emitted = ScratchBuffer(repeating: 0, count: max(2 &* outputs.count, 2 &* scratch.emitted.count))
        }
        let emitted = scratch.emitted.base
        var emittedCount = 0
        for o in outputs {
            let record = table.records[o]
            let flags = record.flags
            let user = record.isUser
            if !bundledAllowed && !user && !flags.contains(.anyCase) { continue }
            if loneFunctionWord && !user && !flags.contains(.caseSensitive) { continue }
            let lang = record.language
            if lang != Language.any.rawValue && language != .any && lang != language.rawValue { continue }
            if flags.contains(.caseSensitive) {
                let form = table.forms[o]
                if form != Gazetteer.noForm && !surface(doc, span, equals: Int(form)) { continue }
            }
            if flags.contains(.needsCapital) {
                let mask = table.capitals[o]
                var ok = true
                for t in first...last where t - first < 32 && mask & (1 << UInt32(t - first)) != 0 {
                    if !tokens[t].flags.contains(.capitalized) { ok = false; break }
                }
                if !ok { continue }
                if first == last {
                    if tokens[first].flags.contains(.sentenceStart) { continue }
                    if allCaps.isAllCaps(tokens, first) { continue }
                }
            }
            let canonical = record.canonical, kbID = record.kb
            if several {
                let names = UInt64(canonical) << 32 | UInt64(kbID), type = UInt64(record.type)
                var seen = false
                var e = 0
                while e < emittedCount {
                    if emitted[2 &* e] == names && emitted[2 &* e &+ 1] == type { seen = true; break }
                    e &+= 1
                }
                if seen { continue }
                emitted[2 &* emittedCount] = names
                emitted[2 &* emittedCount &+ 1] = type
            }
            emittedCount &+= 1
            let slot = scratch.candidateSlot(of: record, in: self)
            if slot.pointee.document != scratch.document {
                // The entry's first match in this document: its names are appended once.
                let names = Gazetteer.appendNames(canonical, kbID, table, to: &scratch.annotations)
                slot.pointee.entity.canonical = names.canonical
                slot.pointee.entity.kb = names.kb
                slot.pointee.document = scratch.document
            }
            var candidate = slot.pointee.entity
            candidate.span = span
            candidates.append(candidate)
        }
        return emittedCount > 0
    }

    /// Appends the bytes of canonical name `canonical` and then those of kb id `kb` (string
    /// ids of `table`, `noForm`: none) to `arena`, a document's `annotationBytes`, and names
    /// them. When the kb id is the string after the name (the builder interns an entry's
    /// two one after the other, so it mostly is) both are in one stretch of the string
    /// pool, appended at once: an `append(contentsOf:)` costs about 100 instructions.
    @inline(__always)
    static func appendNames(_ canonical: UInt32, _ kb: UInt32, _ table: TermTables,
                            to arena: inout [UInt8]) -> (canonical: TextRef, kb: TextRef) {
        guard canonical != noForm, kb != noForm, kb == canonical &+ 1 else {
            let name = appendString(canonical, table, to: &arena)
            return (name, appendString(kb, table, to: &arena))
        }
        let i = Int(canonical)
        let start = i == 0 ? 0 : Int(table.stringEnds[i &- 1])
        let middle = Int(table.stringEnds[i]), end = Int(table.stringEnds[i &+ 1])
        let base = UInt32(truncatingIfNeeded: arena.count)
        arena.append(contentsOf: UnsafeBufferPointer(rebasing: table.stringPool[start..<end]))
        let split = base &+ UInt32(truncatingIfNeeded: middle &- start)
        return (TextRef(start: base, end: split), TextRef(start: split, end: UInt32(truncatingIfNeeded: arena.count)))
    }

    /// Appends the bytes of string `id` of `table` (`noForm`: none) to `arena` and names them.
    @inline(__always)
    static func appendString(_ id: UInt32, _ table: TermTables, to arena: inout [UInt8]) -> TextRef {
        guard id != Gazetteer.noForm else { return .none }
        let i = Int(id)
        let start = i == 0 ? 0 : Int(table.stringEnds[i &- 1]), end = Int(table.stringEnds[i])
        return TextRef.append(UnsafeBufferPointer(rebasing: table.stringPool[start..<end]), to: &arena)
    }

    /// Bit `t` set when term `t` is one of `functionWords` (the same key bytes).
    func functionTermBits(_ functionWords: ByteStringTable) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: (vocabulary.count + 63) / 64)
        for id in 0..<functionWords.count {
            let key = Array(functionWords.key(id))
            let term = key.withUnsafeBufferPointer { vocabulary.lookup($0, hash: ByteStringTable.hash($0)) }
            if term >= 0 { bits[Int(term) >> 6] |= 1 << UInt64(term & 63) }
        }
        return bits
    }

    /// Whether a word next to token `i` is written in capitals (two letters or more).
    /// (The two neighbours are looked at in place: an array literal of their indices was
    /// allocated and freed at every call, about 245 instructions.)
    static func besideCapitals(_ tokens: UnsafeBufferPointer<Token>, _ i: Int) -> Bool {
        func capitals(_ k: Int) -> Bool {
            guard k >= 0 && k < tokens.count else { return false }
            let f = tokens[k].flags
            return f.contains(.allCaps) && f.contains(.hasLetter) && tokens[k].end - tokens[k].start > 1
        }
        return capitals(i &- 1) || capitals(i &+ 1)
    }

    /// Whether the text of `span` is byte for byte string `form`.
    private func surface(_ doc: Document, _ span: Span, equals form: Int) -> Bool {
        let bytes = string(form)
        guard bytes.count == Int(span.length) else { return false }
        return doc.text.withUnsafeBufferPointer { text in
            bytes.withUnsafeBufferPointer { f in
                memcmpEqual(text.baseAddress! + Int(span.start), f.baseAddress!, f.count)
            }
        }
    }
}

/// Remembers whether the sentence around a token is written in capitals
/// (at least two letter tokens, all of them all-caps): headlines like
/// `CHINA LAUNCHES PROBE` say nothing about which words are names.
struct AllCapsSentenceCache {
    private var start = -1
    private var end = -1
    private var value = false

    mutating func isAllCaps(_ tokens: UnsafeBufferPointer<Token>, _ index: Int) -> Bool {
        if index >= start && index < end { return value }
        var s = index
        while s > 0 && !tokens[s].flags.contains(.sentenceStart) { s -= 1 }
        var e = index + 1
        while e < tokens.count && !tokens[e].flags.contains(.sentenceStart) { e += 1 }
        var letters = 0
        var caps = true
        for t in s..<e where tokens[t].flags.contains(.hasLetter) {
            letters += 1
            if !tokens[t].flags.contains(.allCaps) { caps = false; break }
        }
        start = s
        end = e
        value = caps && letters >= 2
        return value
    }
}

/// The vocabulary of a gazetteer: token keys → dense term ids, in one
/// open-addressed array whose slots hold `hash << 32 | (id + 1)` (0 = empty),
/// so a probe that misses never touches the key bytes.
struct TermTable: Sendable {
    /// Concatenated key bytes; key `id` ends at `ends[id]`.
    let pool: MappableArray<UInt8>
    let ends: MappableArray<UInt32>
    /// Power-of-two size, at most half full.
    let slots: MappableArray<UInt64>

    var count: Int { ends.count }

    init(pool: MappableArray<UInt8>, ends: MappableArray<UInt32>, slots: MappableArray<UInt64>) {
        self.pool = pool
        self.ends = ends
        self.slots = slots
    }

    /// The table of the keys of `table`, same ids; `table` is left empty (its arrays are
    /// freed one by one as this table's are made from them).
    init(taking table: inout ByteStringTable) {
        var (pool, ends, hashes) = table.takeKeys()
        self.pool = MappableArray(taking: &pool)
        self.ends = MappableArray(taking: &ends)
        var size = 16
        while size < hashes.count * 2 { size <<= 1 }
        slots = MappableArray(repeating: 0, count: size) { slots in
            for (id, h) in hashes.enumerated() {
                var i = Int(h) & (size - 1)
                while slots[i] != 0 { i = (i + 1) & (size - 1) }
                slots[i] = UInt64(h) << 32 | UInt64(id + 1)
            }
        }
    }

    /// Whether term `id` has the bytes of `key`.
    @inline(__always)
    static func keyEquals(_ id: Int, _ key: UnsafeBufferPointer<UInt8>, pool: UnsafeBufferPointer<UInt8>,
                          ends: UnsafeBufferPointer<UInt32>) -> Bool {
        let start = id == 0 ? 0 : Int(ends[id - 1]), end = Int(ends[id])
        return end - start == key.count
            && (key.count == 0 || memcmpEqual(pool.baseAddress! + start, key.baseAddress!, key.count))
    }

    /// Whether term `id` has the bytes of `key`.
    @inline(__always)
    func keyEquals(_ id: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        pool.withUnsafeBufferPointer { pool in
            ends.withUnsafeBufferPointer { ends in TermTable.keyEquals(id, key, pool: pool, ends: ends) }
        }
    }

    /// The term id of `key` (whose `ByteStringTable.hash` is `h`), or -1.
    @inline(__always)
    func lookup(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int32 {
        pool.withUnsafeBufferPointer { pool in
            ends.withUnsafeBufferPointer { ends in
                slots.withUnsafeBufferPointer { slots in
                    TermTable.lookup(key, hash: h, pool: pool, ends: ends, slots: slots)
                }
            }
        }
    }

    /// The term id of `key` (whose `ByteStringTable.hash` is `h`), or -1.
    @inline(__always)
    static func lookup(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32, pool: UnsafeBufferPointer<UInt8>,
                       ends: UnsafeBufferPointer<UInt32>, slots: UnsafeBufferPointer<UInt64>) -> Int32 {
        let mask = slots.count - 1
        var i = Int(h) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { return -1 }
            if UInt32(truncatingIfNeeded: slot >> 32) == h {
                let id = Int(UInt32(truncatingIfNeeded: slot)) - 1
                let start = id == 0 ? 0 : Int(ends[id - 1]), end = Int(ends[id])
                if end - start == key.count
                    && (key.count == 0 || memcmpEqual(pool.baseAddress! + start, key.baseAddress!, key.count)) {
                    return Int32(id)
                }
            }
            i = (i + 1) & mask
        }
    }
}

extension Gazetteer {
    /// The first entry (in lexicon order) whose name or alias is exactly the
    /// words `words`, one token each, that passes the entry's language and
    /// flags as `match` would check them: `cs` against the words joined by
    /// single spaces, `cap` against the words' capitalization. Bundled entries
    /// also need a capitalized word unless they are `lc`, as in running text. Nil when none does.
    ///
    /// For text that is not tokenized like running text, such as the words a
    /// hashtag is segmented into (`#NicolasMaduro` → `Nicolas`, `Maduro`).
    public func entry(namedBy words: [[UInt8]], language code: String?) -> Int? {
        // Only words the byte form can carry (non-empty, no space) are looked up;
        // any other word names nothing.
        guard !words.isEmpty, words.allSatisfy({ !$0.isEmpty && !$0.contains(0x20) }) else { return nil }
        let tag = Array(words.joined(separator: [0x20]))
        var key: [UInt8] = []
        return tag.withUnsafeBufferPointer { entry(namedBy: $0, language: code, key: &key) }
    }

    /// `entry(namedBy:language:)` for the words of `tag` separated by spaces
    /// (the words `split(separator: " ")` gives), read where they are: each
    /// word's match key is made in `key`, which the caller keeps between
    /// calls, so that a lookup allocates nothing once it has grown, and a
    /// `cs` form is compared with `tag` itself unless its spaces are not
    /// single ones between words. The hashtag linker's lookup (a word array
    /// and a joined string per call cost more than the walk).
    public func entry(namedBy tag: UnsafeBufferPointer<UInt8>, language code: String?, key: inout [UInt8]) -> Int? {
        guard stateCount > 1, let base = tag.baseAddress else { return nil }
        let language: Language
        switch code {
        case "en": language = .en
        case "es": language = .es
        default: language = .any
        }
        let n = tag.count
        var state: UInt32 = 0
        var capitals: UInt32 = 0
        var anyCapital = false
        var w = 0
        var i = 0
        while true {
            while i < n, base[i] == 0x20 { i &+= 1 }
            if i == n { break }
            let start = i
            while i < n, base[i] != 0x20 { i &+= 1 }
            let word = UnsafeBufferPointer(start: base + start, count: i &- start)
            key.removeAll(keepingCapacity: true)
            Tokenizer.appendKey(word, to: &key)
            let term = key.withUnsafeBufferPointer { vocabulary.lookup($0, hash: ByteStringTable.hash($0)) }
            guard term >= 0 else { return nil }
            let next: UInt32?
            if w == 0 {
                let root = rootTargets[Int(term)]
                next = root == 0 ? nil : root
            } else {
                next = transitionKeys.withUnsafeBufferPointer { keys in
                    transitionTargets.withUnsafeBufferPointer { Gazetteer.step(keys, $0, state, UInt32(term)) }
                }
            }
            guard let next else { return nil }
            state = next
            if Gazetteer.startsCapitalized(word), w < 32 {
                capitals |= 1 << UInt32(w)
                anyCapital = true
            }
            w &+= 1
        }
        guard w > 0 else { return nil }
        for o in Int(outputStarts[Int(state)])..<Int(outputStarts[Int(state) + 1]) {
            let entry = Int(outputEntries[o])
            let flags = Flags(rawValue: entryFlags[entry])
            if !anyCapital && !flags.contains(.anyCase) && !fileIsUser[Int(entryFiles[entry])] { continue }
            let lang = entryLanguages[entry]
            if lang != Language.any.rawValue && language != .any && lang != language.rawValue { continue }
            if flags.contains(.caseSensitive), outputForms[o] != Gazetteer.noForm,
               !Gazetteer.isJoinedWords(string(Int(outputForms[o])), of: tag) {
                continue
            }
            if flags.contains(.needsCapital), outputCapitals[o] & ~capitals != 0 { continue }
            return entry
        }
        return nil
    }

    /// Whether `form` is the words of `tag` joined by single spaces: `tag`
    /// itself when it has no space at either end and none after another
    /// (a segmented hashtag), else the joined words, made for the comparison.
    private static func isJoinedWords(_ form: MappableArray<UInt8>, of tag: UnsafeBufferPointer<UInt8>) -> Bool {
        var plain = tag.first != 0x20 && tag.last != 0x20
        if plain {
            for k in 1..<max(tag.count, 1) where tag[k] == 0x20 && tag[k &- 1] == 0x20 {
                plain = false
                break
            }
        }
        if plain { return form.elementsEqual(tag) }
        return form.elementsEqual(Array(tag.split(separator: 0x20).joined(separator: [0x20])))
    }

    /// Whether a word starts with an uppercase or titlecase letter.
    private static func startsCapitalized(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = word.first else { return false }
        if first < 0x80 { return ByteClass.isUpper(first) }
        guard let scalar = String(decoding: word.prefix(4), as: UTF8.self).unicodeScalars.first else { return false }
        return scalar.properties.isUppercase || scalar.properties.generalCategory == .titlecaseLetter
    }

    /// The canonical name and kb id of `entry`, for callers outside matching.
    public func describe(_ entry: Int) -> (canonical: String, kb: String?) {
        (canonical(entry), kb(entry))
    }
}
