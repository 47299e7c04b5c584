/// The `resolve` stage: turns `candidates` into non-overlapping `entities`
/// with one deterministic policy.
///
/// Candidates are ranked, and taken greedily in rank order; a candidate that
/// overlaps one already taken is dropped. Rank, first criterion first:
/// 1. user lexicon entries (`source: .user`) before everything else;
/// 2. longer span (in UTF-8 bytes) first;
/// 3. higher `Entity.priority` first;
/// 4. source order by type family: for value types (DATE, TIME, PERCENT, MONEY,
///    QUANTITY, ORDINAL, CARDINAL, HANDLE, HASHTAG, CASHTAG, URL, EMAIL, PHONE)
///    regex, then gazetteer, then rule, then alias; for name types (PERSON,
///    NORP, FAC, ORG, GPE, LOC, PRODUCT, EVENT, WORK_OF_ART, LAW, LANGUAGE)
///    gazetteer, then rule, then regex, then alias;
/// 5. earlier start first;
/// 6. type order (`EntityType` declaration order), then rule name, canonical
///    name and knowledge-base id, so the result never depends on input order.
///
/// A dropped candidate with exactly the winner's span and type hands over what
/// the winner lacks (`cluster`, `canonical`, `kb`, `value`), so a link made by
/// one tagger survives when another tagger's equal proposal wins.
///
/// With `keepOverlaps`, every candidate is emitted instead (users who score
/// candidates themselves). Either way `entities` is sorted by start, then
/// end, then the rank above.
public final class OverlapResolver: Stage {
    public let name = "resolve"
    public let requires: Layers = [.candidates]
    public let produces: Layers = [.entities]

    /// Emit all candidates (sorted) instead of resolving overlaps.
    public var keepOverlaps: Bool

    private var order: [Int] = []
    private var keys: [RankKey] = []

    /// The integer part of the ranking, compared lexicographically (lower ranks first).
    private struct RankKey: Equatable, Comparable {
        var user: Int32, length: Int32, priority: Int32, source: Int32, start: Int32
        static func < (a: RankKey, b: RankKey) -> Bool {
            (a.user, a.length, a.priority, a.source, a.start) < (b.user, b.length, b.priority, b.source, b.start)
        }
    }

    public init(keepOverlaps: Bool = false) {
        self.keepOverlaps = keepOverlaps
    }

    /// Rank of a source for a type (lower wins).
    public static func sourceRank(_ source: EntitySource, for type: EntityType) -> Int {
        switch source {
        case .user: return 0
        case .alias: return 4
        case .gazetteer: return isValueType(type) ? 2 : 1
        case .rule: return 3 - (isValueType(type) ? 0 : 1)
        case .regex: return isValueType(type) ? 1 : 3
        }
    }

    /// Types whose text has a form a pattern recognizes (dates, amounts, handles).
    public static func isValueType(_ type: EntityType) -> Bool {
        switch type {
        case .date, .time, .percent, .money, .quantity, .ordinal, .cardinal,
             .handle, .hashtag, .cashtag, .url, .email, .phone:
            return true
        default:
            return false
        }
    }

    /// Whether `a` ranks before `b` under the policy (a strict total order on distinct candidates).
    public static func ranksBefore(_ a: Entity, _ b: Entity) -> Bool {
        let au = a.source == .user, bu = b.source == .user
        if au != bu { return au }
        if a.span.length != b.span.length { return a.span.length > b.span.length }
        if a.priority != b.priority { return a.priority > b.priority }
        let ar = sourceRank(a.source, for: a.type), br = sourceRank(b.source, for: b.type)
        if ar != br { return ar < br }
        if a.span.start != b.span.start { return a.span.start < b.span.start }
        return tieBreak(a, b)
    }

    static func tieBreak(_ a: Entity, _ b: Entity) -> Bool {
        if a.type != b.type { return a.type.rawValue < b.type.rawValue }
        if a.source != b.source { return a.source.rawValue < b.source.rawValue }
        if a.rule != b.rule { return (a.rule ?? "") < (b.rule ?? "") }
        if a.canonical != b.canonical { return (a.canonical ?? "") < (b.canonical ?? "") }
        if a.kb != b.kb { return (a.kb ?? "") < (b.kb ?? "") }
        return (a.cluster ?? -1) < (b.cluster ?? -1)
    }

    /// Output order: start, end, then rank.
    static func outputBefore(_ a: Entity, _ b: Entity) -> Bool {
        if a.span != b.span { return a.span < b.span }
        return ranksBefore(a, b)
    }

    public func process(_ doc: inout Document) {
        let candidates = doc.candidates
        doc.layers.insert(.entities)
        if keepOverlaps {
            doc.entities = candidates.sorted(by: OverlapResolver.outputBefore)
            return
        }
        // Sort indices on precomputed integer keys (cheap to compare, no entity
        // copies); equal keys fall back to the full order.
        keys.removeAll(keepingCapacity: true)
        for c in candidates {
            keys.append(RankKey(user: c.source == .user ? 0 : 1, length: -c.span.length, priority: -c.priority,
                                source: Int32(OverlapResolver.sourceRank(c.source, for: c.type)), start: c.span.start))
        }
        order = Array(candidates.indices)
        order.sort { a, b in
            let ka = keys[a], kb = keys[b]
            if ka != kb { return ka < kb }
            return OverlapResolver.tieBreak(candidates[a], candidates[b])
        }
        var chosen: [Entity] = []
        // Taken spans, sorted by start, to test overlap by binary search.
        var spans: [Span] = []
        var winnerOf: [Span: Int] = [:]
        for index in order {
            let c = candidates[index]
            guard !c.span.isEmpty else { continue }
            var low = 0, high = spans.count
            while low < high {
                let mid = (low + high) / 2
                if spans[mid].start < c.span.start { low = mid + 1 } else { high = mid }
            }
            let overlapsNext = low < spans.count && spans[low].start < c.span.end
            let overlapsPrevious = low > 0 && spans[low - 1].end > c.span.start
            if overlapsNext || overlapsPrevious {
                if let w = winnerOf[c.span], chosen[w].type == c.type {
                    if chosen[w].cluster == nil { chosen[w].cluster = c.cluster }
                    if chosen[w].canonical == nil { chosen[w].canonical = c.canonical }
                    if chosen[w].kb == nil { chosen[w].kb = c.kb }
                    if chosen[w].value == nil { chosen[w].value = c.value }
                }
                continue
            }
            spans.insert(c.span, at: low)
            winnerOf[c.span] = chosen.count
            chosen.append(c)
        }
        // Output order: start, end, then rank — the order `chosen` was built in breaks rank ties.
        var output = Array(chosen.indices)
        output.sort { a, b in
            let sa = chosen[a].span, sb = chosen[b].span
            return sa != sb ? sa < sb : a < b
        }
        doc.entities = output.map { chosen[$0] }
    }
}
