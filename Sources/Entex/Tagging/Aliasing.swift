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

    private var parent: [Int] = []
    private var scratch: [UInt8] = []

    public init() {}

    private func root(_ i: Int) -> Int {
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
        // The earlier mention stays the root.
        if ra < rb { parent[rb] = ra } else { parent[ra] = rb }
    }

    /// An earlier multi-word person: entity index and its name words' key ranges.
    private struct Person {
        var entity: Int
        var words: [Range<Int>]
    }

    public func process(_ doc: inout Document) {
        var entities = doc.entities
        guard !entities.isEmpty, !doc.tokens.isEmpty else { return }
        parent = Array(entities.indices)

        // Links made by taggers.
        var byTaggerCluster: [Int32: Int] = [:]
        for (i, e) in entities.enumerated() {
            guard let c = e.cluster else { continue }
            if let first = byTaggerCluster[c] { union(first, i) } else { byTaggerCluster[c] = i }
        }
        var members = [Int](repeating: 0, count: entities.count)
        for i in entities.indices { members[root(i)] += 1 }

        let tokens = doc.tokens, keys = doc.tokenKeys, text = doc.text
        var persons: [Person] = []
        var personWords = ByteStringTable()
        var personOfWord: [Int] = []     // id in personWords → latest person index
        var acronyms = ByteStringTable()
        var acronymRoot: [Int] = []      // id → entity index
        var linkedNames = ByteStringTable()
        var linkedNameEntity: [Int] = []  // id → entity index
        let base = entities.count  // aliases are appended after the tagged entities

        func keyRange(_ t: Int) -> Range<Int> { Int(tokens[t].keyStart)..<Int(tokens[t].keyEnd) }
        func isNameToken(_ t: Int) -> Bool {
            let tok = tokens[t]
            return (tok.kind == .word || tok.kind == .abbreviation) && tok.flags.contains(.capitalized) && tok.flags.contains(.hasLetter)
        }
        func isAcronymToken(_ t: Int) -> Bool {
            let tok = tokens[t]
            return tok.kind == .word && tok.flags.contains(.allCaps) && tok.flags.contains(.ascii) && (2...10).contains(tok.end - tok.start)
        }
        func tokenBytes(_ t: Int) -> ArraySlice<UInt8> { text[Int(tokens[t].start)..<Int(tokens[t].end)] }
        /// Whether name words `words` (key ranges) are an ordered subsequence of `person`'s.
        func isSubsequence(_ words: [Range<Int>], of person: Person) -> Bool {
            var k = 0
            for w in person.words where k < words.count {
                if keys[w].elementsEqual(keys[words[k]]) { k += 1 }
            }
            return k == words.count
        }
        func tokenRange(of span: Span) -> Range<Int> {
            var a = doc.firstToken(atOrAfter: span.start)
            let start = a
            while a < tokens.count, tokens[a].end <= span.end { a += 1 }
            return start..<a
        }

        // Every multi-word person of the document, in order.
        var allPersons: [Person] = []
        for (i, entity) in entities.enumerated() where entity.type == .person {
            let words = tokenRange(of: entity.span).filter(isNameToken).map(keyRange)
            if words.count >= 2 { allPersons.append(Person(entity: i, words: words)) }
        }

        var e = 0
        var t = 0
        while t < tokens.count || e < base {
            if e < base, t >= tokens.count || entities[e].span.start <= tokens[t].start {
                let entity = entities[e]
                let range = tokenRange(of: entity.span)
                // Same words and type as an earlier linked mention.
                scratch.removeAll(keepingCapacity: true)
                for k in range {
                    if !scratch.isEmpty { scratch.append(0x20) }
                    scratch.append(contentsOf: keys[keyRange(k)])
                }
                scratch.append(0x1F)
                scratch.append(entity.type.rawValue)
                if let id = linkedNames.lookup(scratch), entities[linkedNameEntity[id]].type == entity.type {
                    union(linkedNameEntity[id], e)
                }
                if range.count == 1, isAcronymToken(range.lowerBound), let id = acronyms.lookup(tokenBytes(range.lowerBound)),
                   root(acronymRoot[id]) != root(e) {
                    union(acronymRoot[id], e)
                }
                // A person's name words, or a place/organisation whose words are part of a
                // person's name in this document ("Clinton" with "Bill Clinton").
                let retypable = entity.type == .gpe || entity.type == .loc || entity.type == .org || entity.type == .fac
                if entity.type == .person || (retypable && (entity.source == .gazetteer || entity.source == .rule)) {
                    let words = range.filter(isNameToken).map(keyRange)
                    let isPerson = entity.type == .person
                    if !words.isEmpty, isPerson || words.count == range.count {
                        func fits(_ p: Person) -> Bool {
                            p.entity != e && (isPerson || p.words.count > words.count) && isSubsequence(words, of: p)
                        }
                        let start = entity.span.start
                        let match = allPersons.last(where: { entities[$0.entity].span.start < start && fits($0) })
                            ?? allPersons.first(where: { entities[$0.entity].span.start > start && $0.words.count > words.count && fits($0) })
                        if let match {
                            if !isPerson {
                                entities[e].type = .person
                                entities[e].source = .alias
                                entities[e].rule = "person-name"
                                entities[e].kb = nil
                                entities[e].canonical = nil
                            }
                            union(match.entity, e)
                        }
                    }
                    if isPerson, words.count >= 2 {
                        persons.append(Person(entity: e, words: words))
                        for w in words where w.count >= 2 {
                            let id = personWords.insert(keys[w])
                            if id == personOfWord.count { personOfWord.append(persons.count - 1) } else { personOfWord[id] = persons.count - 1 }
                        }
                    }
                }
                if members[root(e)] >= 2 {
                    let id = linkedNames.insert(scratch)
                    if id == linkedNameEntity.count { linkedNameEntity.append(e) }
                    if range.count == 1, isAcronymToken(range.lowerBound) {
                        let a = acronyms.insert(tokenBytes(range.lowerBound))
                        if a == acronymRoot.count { acronymRoot.append(e) }
                    }
                }
                if range.upperBound > t { t = range.upperBound }
                e += 1
                continue
            }
            // A token no entity covers.
            guard isNameToken(t) else {
                t += 1
                continue
            }
            if isAcronymToken(t), let id = acronyms.lookup(tokenBytes(t)) {
                let target = acronymRoot[id]
                parent.append(parent.count)
                entities.append(Entity(span: tokens[t].span, type: entities[target].type, source: .alias, rule: "acronym"))
                union(target, parent.count - 1)
                t += 1
                continue
            }
            if let id = personWords.lookup(keys[keyRange(t)]) {
                let person = persons[personOfWord[id]]
                // The longest run of following bare name words that still fits the person.
                var end = t + 1
                while end < tokens.count, isNameToken(end),
                      e >= base || tokens[end].end <= entities[e].span.start,
                      isSubsequence((t...end).map(keyRange), of: person) {
                    end += 1
                }
                let span = Span(start: tokens[t].start, end: tokens[end - 1].end)
                let alias = Entity(span: span, type: .person, source: .alias, rule: "person-name")
                parent.append(parent.count)
                entities.append(alias)
                union(person.entity, parent.count - 1)
                t = end
                continue
            }
            t += 1
        }

        // Mentions before a link was made (a long name before its acronym was
        // defined) join a cluster with the same words and type.
        var clusterSize: [Int: Int] = [:]
        for i in entities.indices { clusterSize[root(i), default: 0] += 1 }
        var clusteredNames = ByteStringTable()
        var clusteredEntity: [Int] = []
        var loose: [(entity: Int, key: [UInt8])] = []
        for i in entities.indices {
            scratch.removeAll(keepingCapacity: true)
            for k in tokenRange(of: entities[i].span) {
                if !scratch.isEmpty { scratch.append(0x20) }
                scratch.append(contentsOf: keys[keyRange(k)])
            }
            scratch.append(0x1F)
            scratch.append(entities[i].type.rawValue)
            if clusterSize[root(i), default: 1] >= 2 {
                let id = clusteredNames.insert(scratch)
                if id == clusteredEntity.count { clusteredEntity.append(i) }
            } else {
                loose.append((i, scratch))
            }
        }
        for (i, key) in loose {
            if let id = clusteredNames.lookup(key) { union(clusteredEntity[id], i) }
        }

        // Number clusters by first mention; canonical from the longest mention.
        let order = entities.indices.sorted { OverlapResolver.outputBefore(entities[$0], entities[$1]) }
        var size: [Int: Int] = [:]
        var longest: [Int: Int] = [:]
        for i in order {
            let r = root(i)
            size[r, default: 0] += 1
            if let l = longest[r] {
                if entities[i].span.length > entities[l].span.length { longest[r] = i }
            } else {
                longest[r] = i
            }
        }
        var number: [Int: Int32] = [:]
        var result: [Entity] = []
        result.reserveCapacity(entities.count)
        for i in order {
            var entity = entities[i]
            let r = root(i)
            if size[r, default: 1] >= 2 {
                if number[r] == nil { number[r] = Int32(number.count + 1) }
                entity.cluster = number[r]
                if entity.kb == nil, let l = longest[r] {
                    entity.canonical = entities[l].canonical ?? doc.string(entities[l].span)
                }
            } else {
                entity.cluster = nil
            }
            result.append(entity)
        }
        doc.entities = result
    }
}
