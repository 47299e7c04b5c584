/// The `alias` stage: links mentions of the same thing within a document.
///
/// Runs after `resolve`, on `entities`:
/// - mentions that share a `cluster` value set by a tagger (an acronym and its
///   long name, a name and its handle) stay linked;
/// - a PERSON whose capitalised words are an ordered subsequence of an earlier
///   PERSON's (`Maduro`, `Nicolás Maduro` after `Nicolas Maduro`; compared by
///   match key, so accents and case do not matter) joins that person, the most
///   recent one when several fit;
/// - a place or organisation from the gazetteer or the rules whose words are a
///   strict part of a PERSON's name in the same document (`Clinton` with `Bill
///   Clinton`, before or after it) becomes that PERSON (`source: .alias`, its
///   `kb` dropped): one name, one sense, within a document;
/// - a mention made before a link existed (a long name used before its acronym
///   is defined) joins the cluster with the same words and type;
/// - a later entity with the same words and type as an earlier linked mention,
///   or with the text of a defined acronym, joins it;
/// - a capitalised word no tagger took that is a later bare use of a defined
///   acronym (`CNSA`) or of an earlier multi-word person's name (`Zhang`) becomes
///   a new entity with `source: .alias`, the type of its cluster, and joins it.
///
/// Every cluster of two or more mentions gets a number, 1, 2, … in order of
/// its first mention, and `canonical` is set to the longest mention's canonical
/// name (or its text) on every member that has no knowledge-base id of its own.
/// Single mentions get `cluster = nil`. `entities` stays sorted by start, then end.
public final class Aliasing: Stage {
    public let name = "alias"
    public let requires: Layers = [.tokens, .entities]
    public let produces: Layers = [.entities]

    // Scratch buffers kept between documents (one stage object per thread).
    // The union-find sets and the per-person tables are buffers of the stage,
    // kept between documents: set up by setting a count and filling through a
    // pointer, where an array's `removeAll(keepingCapacity:)` and `append(contentsOf:)`
    // were some 10 calls and 200 instructions a document.
    private var parent = GrowableBuffer<Int>(capacity: 256)
    /// Per set root: the number of mentions in its set (kept by `union`).
    private var sizes = GrowableBuffer<Int32>(capacity: 256)
    /// Whether some `union` joined two sets since `link` began.
    private var merged = false
    /// The name key at hand (`nameKey`).
    private var scratch = GrowableBuffer<UInt8>(capacity: 256)
    /// Token range of each entity.
    private var firstTokenOf = GrowableBuffer<Int32>(capacity: 256)
    private var endTokenOf = GrowableBuffer<Int32>(capacity: 256)
    /// Per token: id of its match key in `terms` if it is a name token, else -1.
    private var term = GrowableBuffer<Int32>(capacity: 1024)
    /// The indices of the name tokens, in order: the token walk steps from
    /// one to the next between entities instead of over every token.
    private var nameTokens = GrowableBuffer<Int32>(capacity: 256)
    private var terms = ByteStringTable()
    /// `internPersonWords`'s table (all zeros between calls, up to `zeroedSlots`),
    /// and per word id its first token and its slot.
    private var internSlots = GrowableBuffer<UInt64>(capacity: 256)
    private var zeroedSlots = 0
    private var tokenOfWord = GrowableBuffer<Int32>(capacity: 256)
    private var slotOfWord = GrowableBuffer<Int32>(capacity: 256)
    /// Per term: index in `allPersons` of the latest multi-word person with that word, or -1.
    private var personOfTerm = GrowableBuffer<Int32>(capacity: 256)
    /// Every multi-word person of the document, in order; words are term ids in `personWords`.
    private var allPersons: [Person] = []
    private var personWords = GrowableBuffer<Int32>(capacity: 256)
    /// The name words of the entity at hand.
    private var words = GrowableBuffer<Int32>(capacity: 16)
    private var members = GrowableBuffer<Int32>(capacity: 256)
    private var acronyms = ByteStringTable()
    private var acronymRoot: [Int] = []
    private var linkedNames = ByteStringTable()
    private var linkedNameEntity: [Int] = []
    private var clusteredNames = ByteStringTable()
    private var clusteredEntity: [Int] = []
    private var linkedShapes = ShapeFilter()
    /// The mentions of no cluster, after the walk.
    private var loose = GrowableBuffer<Int32>(capacity: 256)
    private var order: [Int] = []
    private var sizeOf = GrowableBuffer<Int32>(capacity: 256)
    private var longestOf = GrowableBuffer<Int32>(capacity: 256)
    private var numberOf = GrowableBuffer<Int32>(capacity: 256)
    private var canonicalOf: [TextRef] = []
    /// Cluster number of each entity in output order (`number`).
    private var clusterAt = GrowableBuffer<Int32>(capacity: 256)
    /// The mentions in a cluster after the walk, and the filter of their key
    /// signatures (`joinLooseMentions`).
    private var clusteredMentions = GrowableBuffer<Int32>(capacity: 256)
    private var keyFilter = GrowableBuffer<UInt64>(capacity: Aliasing.keyFilterWords)
    /// The entities that are multi-word persons (a PERSON with two or more name tokens), in order.
    private var multiWordPersons = GrowableBuffer<Int32>(capacity: 64)
    /// The term of a name token before `internPersonWords` gives it an id.
    private static var unassigned: Int32 { .max }

    /// Whether documents with nothing to link skip the stage (see `nothingToLink`),
    /// and documents left without a cluster skip `number`; tests turn it off
    /// to compare with the full stage.
    var skipsUnlinkedDocuments = true
    /// Whether every name token's key is interned (`internAllNameTokens`) rather
    /// than only multi-word persons' words; tests turn it on to compare.
    var internsAllNameTokens = false
    /// Whether the token walk steps from name token to name token (`nameTokens`),
    /// skipping those that can start no alias (see `link`); tests turn it off to
    /// compare with stepping over each token.
    var skipsUnmatchableNameTokens = true
    /// Whether `link` takes its exact shortcuts: no tagger cluster means no linked
    /// name and no acronym to record during the walk; a mention with a name word no
    /// multi-word person has matches no person; a name key is made only when a
    /// linked mention may have its type and length (`ShapeFilter`), and the keys of
    /// the clustered mentions only when a loose one's signature may be among theirs
    /// (`joinLooseMentions`); cluster sizes come from `union` instead of a recount.
    /// Tests turn it off to compare with the stage that does every step.
    var takesShortcuts = true
    /// Whether `link` stops before its walk when nothing can link: no tagger cluster,
    /// no two entities sharing a token, and no match key of a multi-word person's
    /// word at two name tokens (see `internPersonWords`). Tests turn it off to
    /// compare with the walk.
    var skipsDocumentsWithoutRepeatedNames = true
    /// Whether `number` merges the two ascending runs that the tagged entities and
    /// the appended aliases most often are, rather than sorting; tests turn it off
    /// to compare with the sort.
    var mergesRuns = true

    public init() {}

    deinit {
        firstTokenOf.deallocate()
        endTokenOf.deallocate()
        term.deallocate()
        nameTokens.deallocate()
        words.deallocate()
        loose.deallocate()
        parent.deallocate()
        sizes.deallocate()
        personOfTerm.deallocate()
        personWords.deallocate()
        members.deallocate()
        sizeOf.deallocate()
        longestOf.deallocate()
        numberOf.deallocate()
        clusterAt.deallocate()
        internSlots.deallocate()
        tokenOfWord.deallocate()
        slotOfWord.deallocate()
        scratch.deallocate()
        clusteredMentions.deallocate()
        keyFilter.deallocate()
        multiWordPersons.deallocate()
    }

    private func root(_ i: Int) -> Int {
        let parent = self.parent.base
        var i = i
        while parent[i] != i {
            parent[i] = parent[parent[i]]
            i = parent[i]
        }
        return i
    }

    private func union(_ a: Int, _ b: Int) {
        let ra = root(a), rb = root(b)
        if ra == rb { return }
        merged = true
        let parent = self.parent.base, sizes = self.sizes.base
        // The earlier mention stays the root.
        if ra < rb {
            parent[rb] = ra
            sizes[ra] += sizes[rb]
        } else {
            parent[ra] = rb
            sizes[rb] += sizes[ra]
        }
    }

    /// A new mention (an alias), alone in its set.
    private func addMention() {
        parent.append(parent.count)
        sizes.append(1)
    }

    /// A multi-word person: entity index and its name words (`personWords[words]`).
    private struct Person {
        var entity: Int
        var start: Int32
        var words: Range<Int>
        /// Bit `id % 64` of each name word's term id: a subsequence's bits are a subset.
        var mask: UInt64
    }

    @inline(__always)
    private static func mask(_ words: some Sequence<Int32>) -> UInt64 {
        var m: UInt64 = 0
        for w in words { m |= 1 << UInt64(w & 63) }
        return m
    }

    public func process(_ doc: inout Document) {
        guard !doc.entities.isEmpty, !doc.tokens.isEmpty else { return }
        if skipsUnlinkedDocuments, doc.tokens.withUnsafeBufferPointer({ Aliasing.nothingToLink(doc.entities, tokens: $0, names: doc.annotationBytes) }) { return }
        // Swap the entities out so that changing them copies nothing.
        var entities: [Entity] = []
        swap(&entities, &doc.entities)
        var names: [UInt8] = []
        swap(&names, &doc.annotationBytes)
        let text = doc.text
        let clustered = doc.tokens.withUnsafeBufferPointer { tokens in
            doc.tokenKeys.withUnsafeBufferPointer { keys in
                doc.keyHashes.withUnsafeBufferPointer { hashes in
                    text.withUnsafeBufferPointer { text in
                        link(&entities, tokens: tokens, keys: keys, hashes: hashes.count == tokens.count ? hashes.baseAddress : nil,
                             text: text)
                    }
                }
            }
        }
        if clustered || !skipsUnlinkedDocuments || !Aliasing.inOutputOrder(entities, names: names) {
            number(&entities, text: text, names: &names)
        } else {
            // No cluster of two and no entity out of place: all `number` would do
            // is clear the taggers' cluster values (a tagger's cluster of one).
            for i in entities.indices where entities[i].cluster != nil { entities[i].cluster = nil }
        }
        swap(&entities, &doc.entities)
        swap(&names, &doc.annotationBytes)
    }

    /// Whether `link` and `number` would leave `entities` as they are: no
    /// entity has a tagger's `cluster`, no PERSON has two or more name words
    /// (every other link starts from one of these), and the entities are
    /// already in output order. Most tweets: the stage then costs one pass.
    static func nothingToLink(_ entities: [Entity], tokens: UnsafeBufferPointer<Token>, names: [UInt8]) -> Bool {
        entities.withUnsafeBufferPointer { entities in
            for i in entities.indices {
                if entities[i].cluster != nil { return false }
                if i > 0, OverlapResolver.outputBefore(entities, i, i - 1, names: names) { return false }
                guard entities[i].type == .person else { continue }
                let span = entities[i].span
                var a = tokens.firstToken(atOrAfter: span.start)
                var names = 0
                while a < tokens.count, tokens[a].end <= span.end {
                    if isNameToken(tokens[a]) {
                        names += 1
                        if names >= 2 { return false }
                    }
                    a += 1
                }
            }
            return true
        }
    }

    /// Whether `entities` are already in output order (`OverlapResolver.outputBefore`).
    static func inOutputOrder(_ entities: [Entity], names: [UInt8]) -> Bool {
        entities.withUnsafeBufferPointer { entities in
            for i in 1..<max(entities.count, 1) where OverlapResolver.outputBefore(entities, i, i - 1, names: names) { return false }
            return true
        }
    }

    /// The tokens inside `span`.
    @inline(__always)
    private static func tokenRange(_ tokens: UnsafeBufferPointer<Token>, of span: Span) -> Range<Int> {
        var a = tokens.firstToken(atOrAfter: span.start)
        let start = a
        while a < tokens.count, tokens[a].end <= span.end { a += 1 }
        return start..<a
    }

    @inline(__always)
    private static func isNameToken(_ tok: Token) -> Bool {
        // The flag first: it rules out the lowercase words and the punctuation, most tokens, in one test.
        tok.flags.contains(.capitalized) && (tok.kind == .word || tok.kind == .abbreviation) && tok.flags.contains(.hasLetter)
    }

    @inline(__always)
    private static func isAcronymToken(_ tok: Token) -> Bool {
        tok.kind == .word && tok.flags.contains(.allCaps) && tok.flags.contains(.ascii) && (2...10).contains(tok.end - tok.start)
    }

    /// Whether `words` (term ids) are an ordered subsequence of `person`'s name words.
    @inline(__always)
    private func isSubsequence(_ words: UnsafeBufferPointer<Int32>, of person: Person) -> Bool {
        Aliasing.isSubsequence(words, of: person, personWords: personWords.base)
    }

    /// `isSubsequence(_:of:)` with `personWords` given.
    @inline(__always)
    private static func isSubsequence(_ words: UnsafeBufferPointer<Int32>, of person: Person,
                                      personWords: UnsafePointer<Int32>) -> Bool {
        var k = 0
        for w in person.words where k < words.count {
            if personWords[w] == words[k] { k += 1 }
        }
        return k == words.count
    }

    /// `scratch` = the match keys of the tokens `range` joined by spaces, 0x1F, the type;
    /// returned as a buffer (valid until the next call). Written through a pointer, to
    /// the length `nameKeyLength` gives: an array's appends were some 10 calls a mention.
    @inline(__always)
    @discardableResult
    private func nameKey(_ range: Range<Int>, type: EntityType, tokens: UnsafeBufferPointer<Token>,
                         keys: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let length = Aliasing.nameKeyLength(range, tokens: tokens)
        scratch.count = 0
        scratch.reserve(length)
        let start = scratch.base
        var p = start
        for k in range {
            // A separator after some key byte (none after leading empty keys), as `nameKeyLength` counts.
            if p != start {
                p.pointee = 0x20
                p += 1
            }
            var from = keys.baseAddress.unsafelyUnwrapped + Int(tokens[k].keyStart)
            let end = keys.baseAddress.unsafelyUnwrapped + Int(tokens[k].keyEnd)
            while from < end {
                p.pointee = from.pointee
                p += 1
                from += 1
            }
        }
        p[0] = 0x1F
        p[1] = type.rawValue
        scratch.count = length
        return UnsafeBufferPointer(start: start, count: length)
    }

    /// The key `nameKey` makes, as an array (for the tests).
    func nameKeyForTesting(_ range: Range<Int>, type: EntityType, tokens: UnsafeBufferPointer<Token>,
                           keys: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        Array(nameKey(range, type: type, tokens: tokens, keys: keys))
    }

    /// The key `nameKey` made last.
    private var scratchKey: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: scratch.base, count: scratch.count) }

    /// Links mentions: tagger clusters, persons' names, acronyms, linked names; adds alias entities.
    /// Returns whether some cluster has two or more mentions.
    /// `hashes` are the tokens' `KeyHash`es (`Document.keyHashes`), or nil when the
    /// document has none (then keys are hashed).
    private func link(_ entities: inout [Entity], tokens: UnsafeBufferPointer<Token>, keys: UnsafeBufferPointer<UInt8>,
                      hashes: UnsafePointer<UInt64>?, text: UnsafeBufferPointer<UInt8>) -> Bool {
        let base = entities.count  // aliases are appended after the tagged entities
        // The per-token and per-entity scratch buffers as locals, read and written
        // through pointers (no bounds, uniqueness or exclusivity checks); stored back after.
        var firstTokenOf = self.firstTokenOf, endTokenOf = self.endTokenOf, words = self.words
        var nameTokens = self.nameTokens, loose = self.loose
        defer {
            self.firstTokenOf = firstTokenOf
            self.endTokenOf = endTokenOf
            self.words = words
            self.nameTokens = nameTokens
            self.loose = loose
        }
        parent.count = 0
        parent.reserve(base)
        for i in 0..<base { parent.base[i] = i }
        parent.count = base
        sizes.fill(count: base, with: 1)
        merged = false

        // Whether a tagger linked mentions (a `cluster` value), found with the token ranges.
        var taggerLinks = false

        // Name tokens: `unassigned`, others -1 (term ids replace it below: only ids
        // and -1 are left for the walk); and the list of the name tokens.
        self.term.count = 0
        self.term.reserve(tokens.count)
        self.term.count = tokens.count
        let term = UnsafeMutableBufferPointer(start: self.term.base, count: tokens.count)
        nameTokens.count = 0
        nameTokens.reserve(tokens.count &+ 1)
        let names = nameTokens.base
        var nameCount = 0
        do {
            @inline(__always) func classify(_ t: Int) {
                if Aliasing.isNameToken(tokens[t]) {
                    term[t] = Aliasing.unassigned
                    names[nameCount] = Int32(truncatingIfNeeded: t)
                    nameCount &+= 1
                }
            }
            // Two tokens a step: most are lower-case words or punctuation, and one test
            // of both flags rules out the pair (a name token is capitalised).
            let capitalized = TokenFlags.capitalized.rawValue
            let count = tokens.count
            var t = 0
            while t &+ 1 < count {
                term[t] = -1
                term[t &+ 1] = -1
                if (tokens[t].flags.rawValue | tokens[t &+ 1].flags.rawValue) & capitalized != 0 {
                    classify(t)
                    classify(t &+ 1)
                }
                t &+= 2
            }
            if t < count {
                term[t] = -1
                classify(t)
            }
        }
        // A last entry past every token: the walk's search for the next name token stops there.
        names[nameCount] = Int32(truncatingIfNeeded: tokens.count)
        nameTokens.count = nameCount

        // Token ranges (entities are sorted by start, so a cursor moves forward;
        // a binary search otherwise), and the multi-word persons.
        firstTokenOf.count = 0
        endTokenOf.count = 0
        firstTokenOf.reserve(base)
        endTokenOf.reserve(base)
        multiWordPersons.count = 0
        multiWordPersons.reserve(base)
        let multiWord = multiWordPersons.base
        var multiWordCount = 0
        // Whether no two entities share a token (`reach`: the end of the ranges so far).
        var disjoint = true
        var reach = 0
        var cursor = 0
        var lastStart = Int32.min
        // Written through pointers (room reserved above), the entities read through one:
        // no capacity, bounds or overflow checks once an entity.
        let firstOf = firstTokenOf.base, endOf = endTokenOf.base
        entities.withUnsafeBufferPointer { entities in
            for i in 0..<base {  // fields read in place: no entity copies
                let span = entities[i].span
                var a: Int
                if span.start >= lastStart {
                    a = cursor
                    // Eight tokens at a time while the eighth still starts before the entity
                    // (token starts increase); the first token at or after it is then one of
                    // `a`...`a + 8`, found by halving.
                    while a &+ 8 < tokens.count, tokens[a &+ 8].start < span.start { a &+= 8 }
                    if a &+ 4 < tokens.count, tokens[a &+ 4].start < span.start { a &+= 4 }
                    if a &+ 2 < tokens.count, tokens[a &+ 2].start < span.start { a &+= 2 }
                    if a &+ 1 < tokens.count, tokens[a &+ 1].start < span.start { a &+= 1 }
                    if a < tokens.count, tokens[a].start < span.start { a &+= 1 }
                } else {
                    a = tokens.firstToken(atOrAfter: span.start)
                }
                cursor = a
                lastStart = span.start
                let first = a
                var names = 0
                while a < tokens.count, tokens[a].end <= span.end {
                    if term[a] >= 0 { names &+= 1 }
                    a &+= 1
                }
                firstOf[i] = Int32(truncatingIfNeeded: first)
                endOf[i] = Int32(truncatingIfNeeded: a)
                if first < reach { disjoint = false }
                if a > reach { reach = a }
                if names >= 2, entities[i].type == .person {
                    multiWord[multiWordCount] = Int32(truncatingIfNeeded: i)
                    multiWordCount &+= 1
                }
                if entities[i].cluster != nil { taggerLinks = true }
            }
        }
        firstTokenOf.count = base
        endTokenOf.count = base
        multiWordPersons.count = multiWordCount
        let multiWordPerson = multiWordCount > 0

        // Links made by taggers (rare: only then is a dictionary made).
        if taggerLinks {
            var byTaggerCluster: [Int32: Int] = [:]
            for i in entities.indices {
                guard let c = entities[i].cluster else { continue }
                if let first = byTaggerCluster[c] { union(first, i) } else { byTaggerCluster[c] = i }
            }
        }
        // The walk records a mention as linked when its set had two or more mentions
        // before the walk (`members`, which the walk's own links leave as they are).
        // Without a tagger cluster every set had one: nothing is recorded, so no linked
        // name or acronym exists (a set's root stays one of the tagged entities).
        let recordsLinks = taggerLinks || !takesShortcuts
        if recordsLinks {
            members.fill(count: base, with: 0)
            for i in 0..<base { members.base[root(i)] += 1 }
        }

        // Every multi-word person of the document, in order, with its name words as
        // term ids (match keys interned); without one, no person can match.
        allPersons.removeAll(keepingCapacity: true)
        personWords.count = 0
        personOfTerm.count = 0
        var noPerson: Int32 = -2  // a term id no multi-word person has, when known (no token has -2)
        // Without a tagger cluster, only a person's words link (a mention made of them,
        // or a bare one). Every such link pairs two name tokens with one key, one of a
        // multi-word person's words, and the other outside that person's tokens: so
        // when entities share no token and no such key is at two name tokens, the walk
        // would make no link, and `link` ends here.
        let mayStopEarly = skipsDocumentsWithoutRepeatedNames && !taggerLinks && disjoint
        if mayStopEarly, !multiWordPerson { return false }
        if multiWordPerson {
            if internsAllNameTokens {
                internAllNameTokens(tokens: tokens, keys: keys, term: term)
            } else {
                let interned = internPersonWords(UnsafeBufferPointer(start: multiWord, count: multiWordCount),
                                                 tokens: tokens, keys: keys, hashes: hashes, term: term,
                                                 names: UnsafeBufferPointer(start: names, count: nameCount),
                                                 firstTokenOf: firstTokenOf.base, endTokenOf: endTokenOf.base)
                if mayStopEarly, !interned.repeated { return false }
                // The id every name token outside multi-word persons shares.
                if takesShortcuts { noPerson = Int32(interned.terms) }
            }
            // Each has two or more name tokens, as counted above (each now has an id).
            for m in 0..<multiWordCount {
                let i = Int(multiWord[m])
                let from = personWords.count
                for k in Int(firstTokenOf.base[i])..<Int(endTokenOf.base[i]) where term[k] >= 0 { personWords.append(term[k]) }
                allPersons.append(Person(entity: i, start: entities[i].span.start, words: from..<personWords.count,
                                         mask: Aliasing.mask(personWords.elements(from: from))))
            }
        } else {
            // Every name token is term 0, of no person.
            for k in 0..<nameCount { term[Int(names[k])] = 0 }
            personOfTerm.fill(count: 1, with: -1)
        }
        var persons = 0  // allPersons[..<persons] are the ones seen so far
        acronyms.removeAll()
        acronymRoot.removeAll(keepingCapacity: true)
        linkedNames.removeAll()
        // Whether the tables have keys, kept here: their `count` stayed a call, made
        // once an entity and once a name token skipped.
        var hasAcronyms = false, hasLinkedNames = false
        linkedShapes = ShapeFilter(passesAll: !takesShortcuts)
        linkedNameEntity.removeAll(keepingCapacity: true)

        /// Whether name token `t` (not inside an entity) may become an alias: a bare
        /// acronym once one is defined, or a word of a person seen so far.
        @inline(__always) func mayStartAlias(_ t: Int) -> Bool {
            personOfTerm.base[Int(term[t])] >= 0 || (hasAcronyms && Aliasing.isAcronymToken(tokens[t]))
        }
        var e = 0
        var t = 0
        var nextName = 0  // names[nextName] is the first name token at or after t (once caught up)
        while t < tokens.count || e < base {
            // (Entity `e` starts at or before token `t` exactly when its first token is not
            // after `t`: its first token is the first that starts at or after it.)
            if e < base, Int(firstTokenOf.base[e]) <= t {
                let type = entities[e].type, source = entities[e].source, start = entities[e].span.start
                let range = Int(firstTokenOf.base[e])..<Int(endTokenOf.base[e])
                // Same words and type as an earlier linked mention.
                var keyMade = false
                if hasLinkedNames,
                   linkedShapes.mayContain(type: type, length: Aliasing.nameKeyLength(range, tokens: tokens)) {
                    let key = nameKey(range, type: type, tokens: tokens, keys: keys)
                    keyMade = true
                    if let id = linkedNames.lookup(key),
                       entities[linkedNameEntity[id]].type == type {
                        union(linkedNameEntity[id], e)
                    }
                }
                // (`Range.count` stayed a call too.)
                let tokenCount = range.upperBound &- range.lowerBound
                if hasAcronyms, tokenCount == 1, Aliasing.isAcronymToken(tokens[range.lowerBound]) {
                    let tok = tokens[range.lowerBound]
                    if let id = acronyms.lookup(UnsafeBufferPointer(rebasing: text[Int(tok.start)..<Int(tok.end)])),
                       root(acronymRoot[id]) != root(e) {
                        union(acronymRoot[id], e)
                    }
                }
                // A person's name words, or a place/organisation whose words are part of a
                // person's name in this document ("Clinton" with "Bill Clinton").
                let retypable = type == .gpe || type == .loc || type == .org || type == .fac
                if type == .person || (retypable && (source == .gazetteer || source == .rule)) {
                    words.count = 0
                    words.reserve(tokenCount)
                    // A word no multi-word person has: no person's words contain these.
                    var personless = false
                    for k in range where term[k] >= 0 {
                        words.base[words.count] = term[k]
                        words.count += 1
                        if term[k] == noPerson { personless = true }
                    }
                    let isPerson = type == .person
                    if words.count > 0, !personless, !allPersons.isEmpty, isPerson || words.count == tokenCount {
                        let mention = UnsafeBufferPointer(start: words.base, count: words.count)
                        let personWords = UnsafePointer(self.personWords.base)
                        // The persons seen so far (`allPersons[..<persons]`, entities before this one)
                        // are the only ones that start before it, the others the only ones that may
                        // start after it: each search begins at that split (the reference, without
                        // `takesShortcuts`, searches all persons both ways).
                        let seen = takesShortcuts ? persons : allPersons.count
                        let later = takesShortcuts ? persons : 0
                        let match: Int? = allPersons.withUnsafeBufferPointer { people -> Int? in
                            let wordMask = Aliasing.mask(mention)
                            let wordCount = mention.count
                            // The masks first: they rule out most persons in one test.
                            @inline(__always) func fits(_ p: Person) -> Bool {
                                p.mask & wordMask == wordMask && p.entity != e && (isPerson || p.words.count > wordCount)
                                    && Aliasing.isSubsequence(mention, of: p, personWords: personWords)
                            }
                            var j = seen
                            while j > 0 {
                                j &-= 1
                                if people[j].start < start, fits(people[j]) { return people[j].entity }
                            }
                            for j in later..<people.count where people[j].start > start && people[j].words.count > wordCount && fits(people[j]) {
                                return people[j].entity
                            }
                            return nil
                        }
                        if let match {
                            if !isPerson {
                                entities[e].type = .person
                                entities[e].source = .alias
                                entities[e].ruleID = RuleNames.personName
                                entities[e].kb = .none
                                entities[e].canonical = .none
                            }
                            union(match, e)
                        }
                    }
                    if isPerson, words.count >= 2 {
                        // This entity is the next of `allPersons`.
                        persons += 1
                        for k in range {
                            let w = term[k]
                            if w >= 0, tokens[k].keyEnd - tokens[k].keyStart >= 2 { personOfTerm.base[Int(w)] = Int32(persons - 1) }
                        }
                    }
                }
                if recordsLinks, members.base[root(e)] >= 2 {
                    if !keyMade { nameKey(range, type: type, tokens: tokens, keys: keys) }
                    let id = linkedNames.insert(scratchKey)
                    hasLinkedNames = true
                    if id == linkedNameEntity.count { linkedNameEntity.append(e) }
                    linkedShapes.insert(type: type, length: scratch.count)
                    if tokenCount == 1, Aliasing.isAcronymToken(tokens[range.lowerBound]) {
                        let tok = tokens[range.lowerBound]
                        let a = acronyms.insert(UnsafeBufferPointer(rebasing: text[Int(tok.start)..<Int(tok.end)]))
                        hasAcronyms = true
                        if a == acronymRoot.count { acronymRoot.append(e) }
                    }
                }
                if range.upperBound > t { t = range.upperBound }
                e += 1
                continue
            }
            // A token no entity covers: skip to the next name token that may start an
            // alias, or the next entity. A name token may when it is a word of a person
            // seen so far (`personOfTerm`, which changes only at entities) or, once an
            // acronym is defined, looks like one; the others are skipped here as the
            // steps below would (`skipsUnmatchableNameTokens`).
            guard term[t] >= 0, !skipsUnmatchableNameTokens || mayStartAlias(t) else {
                t += 1
                if skipsUnmatchableNameTokens {
                    // From name token to name token (`names`), up to the next entity's
                    // first token (the first whose start is not before the entity's).
                    let first = e < base ? Int(firstTokenOf.base[e]) : tokens.count
                    let stop = first > t ? first : t  // (not `max`: it stayed a call)
                    while Int(names[nextName]) < t { nextName &+= 1 }
                    while Int(names[nextName]) < stop, !mayStartAlias(Int(names[nextName])) { nextName &+= 1 }
                    // (Not `min`: the generic function stayed a call here.)
                    let next = Int(names[nextName])
                    t = next < stop ? next : stop
                } else {
                    let next = e < base ? entities[e].span.start : Int32.max
                    while t < tokens.count, term[t] < 0, tokens[t].start < next { t += 1 }
                }
                continue
            }
            let tok = tokens[t]
            if hasAcronyms, Aliasing.isAcronymToken(tok),
               let id = acronyms.lookup(UnsafeBufferPointer(rebasing: text[Int(tok.start)..<Int(tok.end)])) {
                let target = acronymRoot[id]
                addMention()
                entities.append(Entity(span: tok.span, type: entities[target].type, source: .alias, ruleID: RuleNames.acronym))
                union(target, parent.count - 1)
                t += 1
                continue
            }
            let p = personOfTerm.base[Int(term[t])]
            if p >= 0 {
                let person = allPersons[Int(p)]
                // The longest run of following bare name words that still fits the person.
                var end = t + 1
                while end < tokens.count, term[end] >= 0,
                      e >= base || tokens[end].end <= entities[e].span.start,
                      isSubsequence(UnsafeBufferPointer(start: term.baseAddress! + t, count: end - t + 1), of: person) {
                    end += 1
                }
                let span = Span(start: tokens[t].start, end: tokens[end - 1].end)
                addMention()
                entities.append(Entity(span: span, type: .person, source: .alias, ruleID: RuleNames.personName))
                union(person.entity, parent.count - 1)
                t = end
                continue
            }
            t += 1
        }
        for i in base..<entities.count {
            let range = Aliasing.tokenRange(tokens, of: entities[i].span)
            firstTokenOf.append(Int32(range.lowerBound))
            endTokenOf.append(Int32(range.upperBound))
        }

        // Mentions before a link was made (a long name before its acronym was
        // defined) join a cluster with the same words and type.
        // `union` kept each set's size; the reference counts them again.
        if !takesShortcuts {
            sizes.fill(count: entities.count, with: 0)
            merged = false
            for i in entities.indices {
                let r = root(i)
                sizes.base[r] += 1
                if sizes.base[r] >= 2 { merged = true }
            }
        }
        guard merged else { return false }  // no cluster: nothing to join
        loose.count = 0
        // Every mention's parent made its root in one forward pass, as `root`'s
        // path halving would over the passes to come: a parent is never after its
        // mention (`union` keeps the earlier root, `addMention` appends), so the
        // parent's parent is already its root. The loop below then reads roots
        // in place instead of calling `root` once a mention.
        do {
            let parent = self.parent.base
            for i in 0..<self.parent.count {
                let p = parent[i]
                if p != i { parent[i] = parent[p] }
            }
        }
        if takesShortcuts {
            joinLooseMentions(&entities, tokens: tokens, keys: keys, firstTokenOf: firstTokenOf.base,
                              endTokenOf: endTokenOf.base, loose: &loose)
            return true
        }
        clusteredNames.removeAll()
        clusteredEntity.removeAll(keepingCapacity: true)
        for i in entities.indices {
            let range = Int(firstTokenOf.base[i])..<Int(endTokenOf.base[i])
            if sizes.base[parent.base[i]] >= 2 {
                let id = clusteredNames.insert(nameKey(range, type: entities[i].type, tokens: tokens, keys: keys))
                if id == clusteredEntity.count { clusteredEntity.append(i) }
            } else {
                loose.append(Int32(truncatingIfNeeded: i))
            }
        }
        for k in 0..<loose.count {
            let i = Int(loose.base[k])
            let range = Int(firstTokenOf.base[i])..<Int(endTokenOf.base[i])
            if let id = clusteredNames.lookup(nameKey(range, type: entities[i].type, tokens: tokens, keys: keys)) {
                union(clusteredEntity[id], i)
            }
        }
        return true
    }

    /// The last step of `link` (its shortcut; the reference, in `link`, makes every
    /// clustered mention's key and every loose mention's key that a shape filter
    /// passes): a loose mention (a set of one, after the walk; every parent is its
    /// root) joins the cluster of the first clustered mention with its name key.
    /// Equal keys have equal types and signatures (`keySignature`): the clustered
    /// mentions' types go into a bit mask and their signatures into a 4 096-bit
    /// filter, and the table of their keys is made only once a loose mention passes
    /// both, most often never.
    private func joinLooseMentions(_ entities: inout [Entity], tokens: UnsafeBufferPointer<Token>,
                                   keys: UnsafeBufferPointer<UInt8>, firstTokenOf: UnsafePointer<Int32>,
                                   endTokenOf: UnsafePointer<Int32>, loose: inout GrowableBuffer<Int32>) {
        let count = entities.count
        keyFilter.fill(count: Aliasing.keyFilterWords, with: 0)
        let filter = keyFilter.base
        clusteredMentions.count = 0
        clusteredMentions.reserve(count)
        loose.reserve(count)
        let clustered = clusteredMentions.base, looseBase = loose.base
        var clusteredCount = 0, looseCount = loose.count
        let parent = self.parent.base, sizes = self.sizes.base
        // The types of the clustered mentions, a bit each (the type is the key's last
        // byte): without a tagger cluster, all are persons.
        var types: UInt64 = 0
        @inline(__always) func typeBit(_ type: EntityType) -> UInt64 { 1 &<< UInt64(type.rawValue & 63) }
        entities.withUnsafeBufferPointer { entities in
            for i in 0..<count {
                if sizes[parent[i]] >= 2 {
                    clustered[clusteredCount] = Int32(truncatingIfNeeded: i)
                    clusteredCount &+= 1
                    let type = entities[i].type
                    types |= typeBit(type)
                    let b = Aliasing.keyFilterBit(Aliasing.keySignature(Int(firstTokenOf[i])..<Int(endTokenOf[i]),
                                                                       type: type, tokens: tokens, keys: keys))
                    filter[b &>> 6] |= 1 &<< UInt64(b & 63)
                } else {
                    looseBase[looseCount] = Int32(truncatingIfNeeded: i)
                    looseCount &+= 1
                }
            }
        }
        clusteredMentions.count = clusteredCount
        loose.count = looseCount
        var built = false
        entities.withUnsafeBufferPointer { entities in
            for k in 0..<looseCount {
                let i = Int(looseBase[k])
                let type = entities[i].type
                guard types & typeBit(type) != 0 else { continue }
                let range = Int(firstTokenOf[i])..<Int(endTokenOf[i])
                let b = Aliasing.keyFilterBit(Aliasing.keySignature(range, type: type, tokens: tokens, keys: keys))
                guard filter[b &>> 6] & (1 &<< UInt64(b & 63)) != 0 else { continue }
                if !built {
                    // The clustered mentions' keys, in order: the first with a key stands for it.
                    built = true
                    clusteredNames.removeAll()
                    clusteredEntity.removeAll(keepingCapacity: true)
                    for c in 0..<clusteredCount {
                        let j = Int(clustered[c])
                        let id = clusteredNames.insert(nameKey(Int(firstTokenOf[j])..<Int(endTokenOf[j]), type: entities[j].type,
                                                               tokens: tokens, keys: keys))
                        if id == clusteredEntity.count { clusteredEntity.append(j) }
                    }
                }
                if let id = clusteredNames.lookup(nameKey(range, type: type, tokens: tokens, keys: keys)) {
                    union(clusteredEntity[id], i)
                }
            }
        }
    }

    /// Words of `keyFilter`: 4 096 bits.
    private static let keyFilterWords = 64

    /// What `nameKey` would give for `range` and `type` shares with every equal key:
    /// its type, its length, its first byte and its last byte before the 0x1F (0x100
    /// when there is none), packed in one value; the key itself is not made.
    @inline(__always)
    static func keySignature(_ range: Range<Int>, type: EntityType, tokens: UnsafeBufferPointer<Token>,
                             keys: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var length = 0
        var first: UInt64 = 0x100, last: UInt64 = 0x100
        for k in range {
            let from = Int(tokens[k].keyStart), to = Int(tokens[k].keyEnd)
            // A separator after some key byte, as `nameKey` writes.
            if length > 0 {
                length &+= 1
                last = 0x20
            }
            if to > from {
                if first == 0x100 { first = UInt64(keys[from]) }
                last = UInt64(keys[to &- 1])
            }
            length &+= to &- from
        }
        return UInt64(truncatingIfNeeded: length) &<< 32 | UInt64(type.rawValue) &<< 18 | first &<< 9 | last
    }

    /// The bit of `keyFilter` for a signature (`keySignature`).
    @inline(__always)
    static func keyFilterBit(_ signature: UInt64) -> Int {
        Int(truncatingIfNeeded: (signature &* 0x9E37_79B9_7F4A_7C15) &>> 52)
    }

    /// Gives every name token the id of its match key in `terms` (the reference
    /// for `internPersonWords`, kept for the tests that compare the two).
    private func internAllNameTokens(tokens: UnsafeBufferPointer<Token>, keys: UnsafeBufferPointer<UInt8>,
                                     term: UnsafeMutableBufferPointer<Int32>) {
        terms.removeAll()
        for t in 0..<tokens.count where term[t] >= 0 {
            let tok = tokens[t]
            term[t] = Int32(terms.insert(UnsafeBufferPointer(rebasing: keys[Int(tok.keyStart)..<Int(tok.keyEnd)])))
        }
        personOfTerm.fill(count: terms.count, with: -1)
    }

    /// Gives name tokens ids that link exactly as `internAllNameTokens`'s do,
    /// interning only the words of multi-word persons: a name token matters
    /// only when its key is such a word (person matching compares a mention's
    /// words with theirs, bare words look up `personOfTerm`). Every other name
    /// token gets one shared id, the number of persons' words (`terms`), which no
    /// person has. Most name tokens of news are of the second kind; a 2 048-bit
    /// filter over 11 bits of their key's hash rules most of them out without a
    /// lookup. Only the name tokens (`names`, in order, each `unassigned` in `term`)
    /// and the multi-word persons (`persons`, entity indices in order, as `link`
    /// found them) are visited; the keys' hashes are the tokenizer's (`hashes`) when
    /// the document has them.
    ///
    /// The words are interned in a table of this call's own, sized for the name
    /// tokens (at most half full), whose slots hold a word's folded hash and id,
    /// and whose keys are read at the first token that had them: no key is copied
    /// and no table is cleared or kept between documents (`ByteStringTable`, which
    /// `internAllNameTokens` keeps using, did both).
    /// Returns the number of words, and whether some word's key is at two name
    /// tokens (or one token is in two persons): when not, no person's word is used
    /// anywhere else.
    private func internPersonWords(_ persons: UnsafeBufferPointer<Int32>, tokens: UnsafeBufferPointer<Token>, keys: UnsafeBufferPointer<UInt8>,
                                   hashes: UnsafePointer<UInt64>?, term: UnsafeMutableBufferPointer<Int32>,
                                   names: UnsafeBufferPointer<Int32>, firstTokenOf: UnsafePointer<Int32>,
                                   endTokenOf: UnsafePointer<Int32>) -> (terms: Int, repeated: Bool) {
        var repeated = false
        var count = 0
        let pending = Aliasing.unassigned
        @inline(__always) func key(_ t: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: keys[Int(tokens[t].keyStart)..<Int(tokens[t].keyEnd)])
        }
        @inline(__always) func keyHash(_ t: Int) -> UInt64 {
            if let hashes { return hashes[t] }
            return KeyHash.hash(key(t))
        }
        var size = 64
        while size < names.count &* 2 { size &<<= 1 }
        let mask = size &- 1
        // `size` slots: (folded hash << 32) | (id + 1), 0 when empty. The stage's buffer,
        // all zeros between calls: the slots filled are cleared after (`slotOfWord`),
        // where clearing the table (a memset of 2 KB or more, a `rep stosb` byte by
        // byte) and allocating it cost more than the interning in most news documents.
        internSlots.count = 0
        let capacity = internSlots.capacity
        internSlots.reserve(size)
        if internSlots.capacity != capacity { zeroedSlots = 0 }  // new memory
        if zeroedSlots < size {
            (internSlots.base + zeroedSlots).initialize(repeating: 0, count: internSlots.capacity &- zeroedSlots)
            zeroedSlots = internSlots.capacity
        }
        let slots = internSlots.base
        // The token whose key each id stands for, and the slot the id is in (ids are
        // fewer than the name tokens).
        tokenOfWord.count = 0
        tokenOfWord.reserve(names.count)
        slotOfWord.count = 0
        slotOfWord.reserve(names.count)
        let tokenOf = tokenOfWord.base, slotOf = slotOfWord.base
        defer { for id in 0..<count { slots[Int(slotOf[id])] = 0 } }
        // 32 words of filter.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 32) { space in
            space.initialize(repeating: 0)
            let filter = space.baseAddress!
            do {
                @inline(__always) func bit(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h >> 53) }
                /// The slot of token `t`'s key: the one holding its id, or the empty one where it would go.
                @inline(__always) func find(_ t: Int, _ folded: UInt32) -> Int {
                    let mine = key(t)
                    var i = Int(truncatingIfNeeded: folded) & mask
                    while true {
                        let slot = slots[i]
                        if slot == 0 { return i }
                        if UInt32(truncatingIfNeeded: slot &>> 32) == folded {
                            let other = key(Int(tokenOf[Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: slot)) &- 1]))
                            if other.count == mine.count
                                && (mine.count == 0 || memcmpEqual(other.baseAddress!, mine.baseAddress!, mine.count)) {
                                return i
                            }
                        }
                        i = (i &+ 1) & mask
                    }
                }
                // (The name tokens are `pending` until given an id.)
                for p in persons {
                    let i = Int(p)
                    let range = Int(firstTokenOf[i])..<Int(endTokenOf[i])
                    for k in range where term[k] >= 0 {
                        let h = keyHash(k)
                        let folded = ByteStringTable.hash(folding: h)
                        let i = find(k, folded)
                        if slots[i] == 0 {
                            slots[i] = UInt64(folded) &<< 32 | UInt64(count &+ 1)
                            tokenOf[count] = Int32(truncatingIfNeeded: k)
                            slotOf[count] = Int32(truncatingIfNeeded: i)
                            term[k] = Int32(truncatingIfNeeded: count)
                            count &+= 1
                        } else {
                            repeated = true
                            term[k] = Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: slots[i])) &- 1
                        }
                        let b = bit(h)
                        filter[b &>> 6] |= 1 &<< UInt64(b & 63)
                    }
                }
                let none = Int32(truncatingIfNeeded: count)
                for t in names {
                    let t = Int(t)
                    guard term[t] == pending else { continue }
                    let h = keyHash(t)
                    let b = bit(h)
                    term[t] = none
                    if filter[b &>> 6] & (1 &<< UInt64(b & 63)) != 0 {
                        let slot = slots[find(t, ByteStringTable.hash(folding: h))]
                        if slot != 0 {
                            term[t] = Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: slot)) &- 1
                            repeated = true
                        }
                    }
                }
            }
        }
        personOfTerm.fill(count: count &+ 1, with: -1)
        return (count, repeated)
    }

    /// The types and key lengths (`nameKey`) of the keys in a table, as a 256-bit
    /// filter: a mention's key is made and looked up only when one of its type and
    /// length may be there. The lookup decides; the filter only saves keys that
    /// cannot match (a false positive costs one key and one lookup).
    struct ShapeFilter {
        private var bits = ByteBitSet()
        /// Every shape may be there (the reference, for tests).
        private var passesAll = false

        init(passesAll: Bool = false) { self.passesAll = passesAll }

        @inline(__always)
        private static func bit(_ type: EntityType, _ length: Int) -> UInt8 {
            UInt8(truncatingIfNeeded: Int(type.rawValue) &* 61 &+ length)
        }

        @inline(__always)
        mutating func insert(type: EntityType, length: Int) {
            bits.insert(ShapeFilter.bit(type, length))
        }

        @inline(__always)
        func mayContain(type: EntityType, length: Int) -> Bool {
            passesAll || bits.contains(ShapeFilter.bit(type, length))
        }
    }

    /// The length `nameKey` would have for `range`.
    @inline(__always)
    private static func nameKeyLength(_ range: Range<Int>, tokens: UnsafeBufferPointer<Token>) -> Int {
        var length = 0
        for k in range {
            if length > 0 { length += 1 }
            length += Int(tokens[k].keyEnd - tokens[k].keyStart)
        }
        return length + 2
    }

    /// Numbers clusters by first mention and sets canonical names from the longest mention.
    /// `names` is the document's `annotationBytes`: a cluster's name made from its
    /// longest mention's text is appended there.
    private func number(_ entities: inout [Entity], text: [UInt8], names: inout [UInt8]) {
        let count = entities.count
        // Output order: already sorted unless aliases were added. The aliases are appended
        // in text order after the tagged entities, so the entities are most often two
        // ascending runs: merged, they give what a stable sort gives (ties keep the
        // earlier run first); a stable sort otherwise.
        let descent = entities.withUnsafeBufferPointer { entities in
            var i = 1
            while i < count, !OverlapResolver.outputBefore(entities, i, i - 1, names: names) { i += 1 }
            return i
        }
        let sorted = descent >= count
        if !sorted {
            order.removeAll(keepingCapacity: true)
            entities.withUnsafeBufferPointer { entities in
                var i = descent + 1
                while i < count, !OverlapResolver.outputBefore(entities, i, i - 1, names: names) { i += 1 }
                if i >= count, mergesRuns {
                    order.reserveCapacity(count)
                    var a = 0, b = descent
                    while a < descent, b < count {
                        if OverlapResolver.outputBefore(entities, b, a, names: names) {
                            order.append(b)
                            b += 1
                        } else {
                            order.append(a)
                            a += 1
                        }
                    }
                    while a < descent { order.append(a); a += 1 }
                    while b < count { order.append(b); b += 1 }
                } else {
                    order.append(contentsOf: 0..<count)
                    order.sort { a, b in
                        if OverlapResolver.outputBefore(entities, a, b, names: names) { return true }
                        if OverlapResolver.outputBefore(entities, b, a, names: names) { return false }
                        return a < b
                    }
                }
            }
        }
        sizeOf.fill(count: count, with: 0)
        longestOf.fill(count: count, with: -1)
        numberOf.fill(count: count, with: 0)
        canonicalOf.removeAll(keepingCapacity: true)
        let sizeOf = self.sizeOf.base, longestOf = self.longestOf.base, numberOf = self.numberOf.base
        // Cluster sizes and longest mentions, in output order (the first of the longest wins).
        entities.withUnsafeBufferPointer { entities in
            @inline(__always) func tally(_ i: Int) {
                let r = root(i)
                sizeOf[r] &+= 1
                let l = longestOf[r]
                if l < 0 || entities[i].span.length > entities[Int(l)].span.length { longestOf[r] = Int32(truncatingIfNeeded: i) }
            }
            if sorted {
                for i in 0..<count { tally(i) }
            } else {
                for i in order { tally(i) }
            }
        }
        var clusters: Int32 = 0
        // The cluster number of entity `i` (0: alone). A cluster is numbered at its first
        // mention, and its longest mention's canonical name or text made then, into
        // `canonicalOf[number - 1]` (that mention is not updated yet: it comes later).
        func clusterOf(_ i: Int, _ entities: UnsafeBufferPointer<Entity>) -> Int32 {
            let r = root(i)
            guard sizeOf[r] >= 2 else { return 0 }
            if numberOf[r] == 0 {
                clusters += 1
                numberOf[r] = clusters
                let l = Int(longestOf[r])
                var name = entities[l].canonical
                if name.isNone {
                    let span = entities[l].span
                    name = text.withUnsafeBufferPointer {
                        TextRef.append(UnsafeBufferPointer(rebasing: $0[Int(span.start)..<Int(span.end)]), to: &names)
                    }
                }
                canonicalOf.append(name)
            }
            return numberOf[r]
        }
        // Cluster numbers in output order (they read the entities at their old
        // places), then, when the order changes, the entities moved into it (no
        // copies, no releases), then each updated through a pointer.
        clusterAt.count = 0
        clusterAt.reserve(count)
        let clusterAt = self.clusterAt.base
        entities.withUnsafeBufferPointer { entities in
            if sorted {
                for i in 0..<count { clusterAt[i] = clusterOf(i, entities) }
            } else {
                for (k, i) in order.enumerated() { clusterAt[k] = clusterOf(i, entities) }
            }
        }
        if !sorted { Aliasing.permute(&entities, to: order) }
        let canonicals = canonicalOf
        entities.withUnsafeMutableBufferPointer { entities in
            for k in 0..<count {
                let cluster = clusterAt[k]
                if cluster > 0 {
                    entities[k].cluster = cluster
                    if entities[k].kb.isNone { entities[k].canonical = canonicals[Int(cluster) - 1] }
                } else {
                    entities[k].cluster = nil
                }
            }
        }
    }

    /// Puts `entities[order[k]]` at place `k` for every `k` (`order` is a permutation
    /// of the indices), moving the values rather than copying them.
    static func permute(_ entities: inout [Entity], to order: [Int]) {
        precondition(order.count == entities.count)
        let count = entities.count
        guard count > 1 else { return }
        entities.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let moved = UnsafeMutablePointer<Entity>.allocate(capacity: count)
            for k in 0..<count { (moved + k).moveInitialize(from: base + order[k], count: 1) }
            base.moveInitialize(from: moved, count: count)
            moved.deallocate()
        }
    }
}
