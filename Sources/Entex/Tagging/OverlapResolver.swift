import Glibc

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
    /// Up to this many candidates are ranked by insertion sort (a tweet has a
    /// handful: the standard sort's set-up costs more than the sorting);
    /// tests set it to 0 to compare with the standard sort.
    var smallSortLimit = 16

    /// Scratch buffers kept between documents.
    private var scratch = Scratch()
    /// The non-empty candidates by start: start in the high half, index in the low.
    private var byStart = GrowableBuffer<UInt64>(capacity: 64)
    /// Where `byStart` is merged into, run by run (the two are swapped after each pass).
    private var merged = GrowableBuffer<UInt64>(capacity: 64)
    /// Where each run of `byStart` in start order begins (each tagger's
    /// candidates are one), and its end: merged instead of sorted (`mergeRuns`).
    private var runs = GrowableBuffer<Int>(capacity: 16)
    /// Whether candidates out of start order are put in order by merging the
    /// runs in which they arrive (`mergeRuns`); tests turn it off to compare
    /// with the standard sort.
    var mergesRuns = true
    /// Whether candidates are resolved group by group (groups of overlapping
    /// spans, a span that overlaps none taken as it is); tests turn it off to
    /// compare with ranking all candidates at once.
    var splitsGroups = true
    /// Whether a group of two overlapping candidates is resolved directly (the one
    /// that ranks first wins), not by the sort and the walk over taken spans;
    /// tests turn it off to compare.
    var resolvesPairsDirectly = true

    /// The buffers one group of overlapping candidates is resolved in, kept
    /// between groups and documents, written through pointers (no uniqueness
    /// or capacity checks per element; emptying one costs nothing). One value,
    /// passed `inout`, so that resolving a group captures nothing (a closure
    /// over the buffers was allocated once per document).
    private struct Scratch {
        /// The group's candidates (indices), ranked.
        var order = GrowableBuffer<Int>(capacity: 64)
        /// Rank keys by candidate index (written for the group's candidates only).
        var keys = GrowableBuffer<RankKey>(capacity: 64)
        /// Spans taken so far, sorted by start (disjoint), each with the position
        /// in `chosen` of the candidate that took it (one array: one insert a winner).
        var taken = GrowableBuffer<(span: Span, by: Int32)>(capacity: 64)
        /// Candidate index of each winner, in the order they were taken.
        var chosen = GrowableBuffer<Int32>(capacity: 64)
        /// Position in the output of each winner.
        var outputSlot = GrowableBuffer<Int32>(capacity: 64)
        /// (winner position in `chosen`, dropped candidate): equal span and type, in rank order.
        var handovers = GrowableBuffer<(winner: Int32, loser: Int32)>(capacity: 16)

        func deallocate() {
            order.deallocate()
            keys.deallocate()
            taken.deallocate()
            chosen.deallocate()
            outputSlot.deallocate()
            handovers.deallocate()
        }
    }

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

    deinit {
        scratch.deallocate()
        byStart.deallocate()
        merged.deallocate()
        runs.deallocate()
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
    /// `names` is the entities' document's `annotationBytes`.
    public static func ranksBefore(_ a: Entity, _ b: Entity, names: [UInt8]) -> Bool {
        let au = a.source == .user, bu = b.source == .user
        if au != bu { return au }
        if a.span.length != b.span.length { return a.span.length > b.span.length }
        if a.priority != b.priority { return a.priority > b.priority }
        let ar = sourceRank(a.source, for: a.type), br = sourceRank(b.source, for: b.type)
        if ar != br { return ar < br }
        if a.span.start != b.span.start { return a.span.start < b.span.start }
        return tieBreak(a, b, names: names)
    }

    static func tieBreak(_ a: Entity, _ b: Entity, names: [UInt8]) -> Bool {
        if a.type != b.type { return a.type.rawValue < b.type.rawValue }
        if a.source != b.source { return a.source.rawValue < b.source.rawValue }
        // Different ids are different bytes; `String` still decides, as it did (canonically equivalent names are equal).
        if a.ruleID != b.ruleID, a.rule != b.rule { return (a.rule ?? "") < (b.rule ?? "") }
        switch compareNames(a.canonical, b.canonical, names) {
        case .before: return true
        case .after, .undecided: return false
        case .equal: break
        }
        switch compareNames(a.kb, b.kb, names) {
        case .before: return true
        case .after, .undecided: return false
        case .equal: break
        }
        return (a.cluster ?? -1) < (b.cluster ?? -1)
    }

    /// How two optional names compare as `String?`s do in the tie-break: equal
    /// (the next field decides), or, when they differ, in `String` order with an
    /// absent name as an empty one (`nil` and `""` differ, yet neither comes first).
    enum NameOrder { case equal, before, after, undecided }

    /// `NameOrder` of two annotation slices of `names`, as `String` orders them:
    /// by canonical equivalence ("Á" and "A\u{301}" are equal), comparing the
    /// NFC forms' scalars. Every character below U+0300 is its own NFC form, and
    /// UTF-8 keeps scalar order, so when no byte is 0xCC or above (a scalar from
    /// U+0300 on: combining marks and the rest) the bytes decide; otherwise
    /// the decoded strings do.
    static func compareNames(_ a: TextRef, _ b: TextRef, _ names: [UInt8]) -> NameOrder {
        names.withUnsafeBufferPointer { compareNames(a, b, $0.baseAddress) }
    }

    /// `compareNames` of slices of the bytes at `names`, inlined into the
    /// tie-break: equal slices (the same bytes at two places, as often as not)
    /// are found first, and the first byte that differs a word at a time; the
    /// bytes are then looked at for a scalar from U+0300 on only when they
    /// differ (no call to `memcmp`, no byte-by-byte tail).
    @inline(__always)
    static func compareNames(_ a: TextRef, _ b: TextRef, _ names: UnsafePointer<UInt8>?) -> NameOrder {
        if a == b { return .equal }
        if a.isNone || b.isNone {
            let other = a.isNone ? b : a
            if other.start == other.end { return .undecided }
            return a.isNone ? .before : .after
        }
        guard let names else { return .equal }  // both empty: `a == b` above, or no bytes at all
        return bytesOrder(names + Int(a.start), Int(a.end &- a.start), names + Int(b.start), Int(b.end &- b.start))
    }

    /// `NameOrder` of the `nx` bytes at `x` and the `ny` at `y` as strings: by
    /// their bytes (`byteOrder`) unless either may hold a scalar from U+0300 on,
    /// then by the decoded strings (`stringOrder`).
    @inline(__always)
    static func bytesOrder(_ x: UnsafePointer<UInt8>, _ nx: Int, _ y: UnsafePointer<UInt8>, _ ny: Int) -> NameOrder {
        let order = byteOrder(x, nx, y, ny)
        if order == 0 { return .equal }
        if !mayHoldScalarsFromU0300(x, nx) && !mayHoldScalarsFromU0300(y, ny) { return order < 0 ? .before : .after }
        return stringOrder(UnsafeBufferPointer(start: x, count: nx), UnsafeBufferPointer(start: y, count: ny))
    }

    /// The order of the decoded strings, for bytes that may hold a scalar from
    /// U+0300 on: as the `String?` comparison did, `String` order is not total
    /// on every pair ("e\u{301}" and "éz" differ, yet neither comes first): then undecided.
    @inline(never)
    static func stringOrder(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> NameOrder {
        let sx = String(decoding: x, as: UTF8.self), sy = String(decoding: y, as: UTF8.self)
        return sx == sy ? .equal : sx < sy ? .before : sy < sx ? .after : .undecided
    }

    /// `memcmp` of the `nx` bytes at `x` and the `ny` at `y`, then shorter
    /// first, as a sign: -1, 0 or 1. A word at a time (the first differing
    /// byte of two words is the lowest set byte of their difference), the
    /// last few bytes too (no byte outside either is read).
    @inline(__always)
    static func byteOrder(_ x: UnsafePointer<UInt8>, _ nx: Int, _ y: UnsafePointer<UInt8>, _ ny: Int) -> Int {
        let common = min(nx, ny)
        var i = 0
        while i &+ 8 <= common {
            let wx = UnsafeRawPointer(x + i).loadUnaligned(as: UInt64.self)
            let wy = UnsafeRawPointer(y + i).loadUnaligned(as: UInt64.self)
            if wx != wy {
                let shift = UInt64((wx ^ wy).trailingZeroBitCount & ~7)
                return (wx &>> shift) & 0xFF < (wy &>> shift) & 0xFF ? -1 : 1
            }
            i &+= 8
        }
        if i < common {
            // The last bytes in one more word each: the one that ends at `common`
            // (its bytes before `i` are equal), or, shorter than a word, the bytes alone.
            let wx: UInt64, wy: UInt64
            if common >= 8 {
                wx = UnsafeRawPointer(x + (common &- 8)).loadUnaligned(as: UInt64.self)
                wy = UnsafeRawPointer(y + (common &- 8)).loadUnaligned(as: UInt64.self)
            } else {
                wx = KeyHash.loadPartial(x, common)
                wy = KeyHash.loadPartial(y, common)
            }
            if wx != wy {
                let shift = UInt64((wx ^ wy).trailingZeroBitCount & ~7)
                return (wx &>> shift) & 0xFF < (wy &>> shift) & 0xFF ? -1 : 1
            }
        }
        return nx == ny ? 0 : nx < ny ? -1 : 1
    }

    /// Whether the `n` bytes at `p` hold one of 0xCC or above (the lead byte of
    /// a scalar from U+0300 on): names are nearly all ASCII, found so a word at
    /// a time (the last word overlapping the one before), and only the others
    /// are looked at byte by byte.
    @inline(__always)
    static func mayHoldScalarsFromU0300(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var any: UInt64
        if n >= 8 {
            any = UnsafeRawPointer(p + (n &- 8)).loadUnaligned(as: UInt64.self)
            var i = 0
            while i &+ 8 < n {
                any |= UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                i &+= 8
            }
        } else {
            any = KeyHash.loadPartial(p, n)
        }
        if any & 0x8080_8080_8080_8080 == 0 { return false }
        return UnsafeBufferPointer(start: p, count: n).contains { $0 >= 0xCC }
    }

    /// Whether `p` holds a byte of 0xCC or above (the lead byte of a scalar
    /// from U+0300 on): names are nearly all ASCII, found so a word at a time
    /// (no byte from 0x80 on), and only the others are looked at byte by byte.
    @inline(__always)
    static func mayHoldScalarsFromU0300(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return false }
        return mayHoldScalarsFromU0300(base, p.count)
    }

    /// `NameOrder` of two rule names (by id) as `String?`s compare in the
    /// tie-break, an absent one as empty: ids differ only where the bytes do, so
    /// names without a scalar from U+0300 on are ordered by their bytes, read
    /// in place, where comparing the `String`s (three times) came to about
    /// 700 instructions a pair.
    static func compareRules(_ a: UInt32, _ b: UInt32) -> NameOrder {
        if a == b { return .equal }
        if a == RuleNames.none || b == RuleNames.none {
            let other = RuleNames.name(a == RuleNames.none ? b : a) ?? ""
            if other.isEmpty { return .undecided }
            return a == RuleNames.none ? .before : .after
        }
        var x = RuleNames.name(a) ?? "", y = RuleNames.name(b) ?? ""
        return x.withUTF8 { px in
            y.withUTF8 { py in
                guard let bx = px.baseAddress, let by = py.baseAddress else {
                    return px.count == py.count ? .equal : px.isEmpty ? .before : .after
                }
                return bytesOrder(bx, px.count, by, py.count)
            }
        }
    }

    /// Whether candidate `a` ranks before candidate `b` when their integer
    /// keys are equal: `tieBreak`, then input position. Reads the fields in
    /// place (no entity is copied) and compares names only when type and
    /// source are equal too.
    @inline(__always)
    private static func tieBreak(_ candidates: UnsafeBufferPointer<Entity>, _ a: Int, _ b: Int, names: UnsafePointer<UInt8>?) -> Bool {
        let x = candidates.baseAddress! + a, y = candidates.baseAddress! + b
        if x.pointee.type != y.pointee.type { return x.pointee.type.rawValue < y.pointee.type.rawValue }
        if x.pointee.source != y.pointee.source { return x.pointee.source.rawValue < y.pointee.source.rawValue }
        return namesBeforeOutOfLine(x, y, names: names) ?? (a < b)
    }

    /// `namesBefore` with the bytes at `names`, kept out of line (the ranking
    /// that calls it stays small).
    @inline(never)
    static func namesBeforeOutOfLine(_ x: UnsafePointer<Entity>, _ y: UnsafePointer<Entity>, names: UnsafePointer<UInt8>?) -> Bool? {
        namesBefore(x, y, names: names)
    }

    /// `tieBreak(x, y)` for entities of equal type and source, read in place:
    /// true or false when one of `tieBreak(x, y)` and `tieBreak(y, x)` holds,
    /// nil when neither does. As there, the first field that differs decides,
    /// and absent names compare as empty ones (`nil` and `""` differ, yet
    /// neither comes first).
    @inline(never)
    static func namesBefore(_ x: UnsafePointer<Entity>, _ y: UnsafePointer<Entity>, names: [UInt8]) -> Bool? {
        names.withUnsafeBufferPointer { namesBefore(x, y, names: $0.baseAddress) }
    }

    /// `namesBefore` with the bytes of `annotationBytes` at `names`.
    @inline(__always)
    static func namesBefore(_ x: UnsafePointer<Entity>, _ y: UnsafePointer<Entity>, names: UnsafePointer<UInt8>?) -> Bool? {
        if x.pointee.ruleID != y.pointee.ruleID {
            switch compareRules(x.pointee.ruleID, y.pointee.ruleID) {
            case .before: return true
            case .after: return false
            case .undecided: return nil
            case .equal: break
            }
        }
        switch compareNames(x.pointee.canonical, y.pointee.canonical, names) {
        case .before: return true
        case .after: return false
        case .undecided: return nil
        case .equal: break
        }
        switch compareNames(x.pointee.kb, y.pointee.kb, names) {
        case .before: return true
        case .after: return false
        case .undecided: return nil
        case .equal: break
        }
        let cx = x.pointee.cluster ?? -1, cy = y.pointee.cluster ?? -1
        return cx < cy ? true : cy < cx ? false : nil
    }

    /// Output order: start, end, then rank.
    static func outputBefore(_ a: Entity, _ b: Entity, names: [UInt8]) -> Bool {
        if a.span != b.span { return a.span < b.span }
        return ranksBefore(a, b, names: names)
    }

    /// `outputBefore(entities[a], entities[b])`, read in place: the entities
    /// are copied only when their spans are equal (never, among resolved ones).
    @inline(__always)
    static func outputBefore(_ entities: UnsafeBufferPointer<Entity>, _ a: Int, _ b: Int, names: [UInt8]) -> Bool {
        let x = entities.baseAddress! + a, y = entities.baseAddress! + b
        if x.pointee.span != y.pointee.span { return x.pointee.span < y.pointee.span }
        return ranksBefore(x.pointee, y.pointee, names: names)
    }

    /// Sorts `order` by `before`, a strict total order, by insertion.
    @inline(__always)
    static func insertionSort(_ order: UnsafeMutableBufferPointer<Int>, by before: (Int, Int) -> Bool) {
        guard order.count > 1 else { return }
        for i in 1..<order.count {
            let x = order[i]
            var j = i
            while j > 0, before(x, order[j - 1]) {
                order[j] = order[j - 1]
                j -= 1
            }
            order[j] = x
        }
    }

    /// Sorts `values` in place by insertion (a handful, mostly in order).
    @inline(__always)
    static func insertionSort(_ values: UnsafeMutableBufferPointer<UInt64>) {
        guard values.count > 1 else { return }
        for i in 1..<values.count {
            let x = values[i]
            var j = i
            while j > 0, x < values[j - 1] {
                values[j] = values[j - 1]
                j -= 1
            }
            values[j] = x
        }
    }

    /// Puts `keys.base[0..<count]` in order, given where its runs in order
    /// begin (`runs`: 0, each later start, then `count`), by merging pairs
    /// of neighbouring runs into `spare` and back until one run is left; the
    /// two buffers are swapped when the result ends in `spare`. The keys are
    /// distinct (each holds its candidate's index), so no tie needs a rule.
    /// A few runs (one a tagger) merge in one or two passes of a few
    /// instructions a key, where the standard sort looked for them again and
    /// came to about 4 M instructions on English news.
    static func mergeRuns(_ keys: inout GrowableBuffer<UInt64>, count: Int, runs: inout GrowableBuffer<Int>,
                          spare: inout GrowableBuffer<UInt64>) {
        spare.reserve(count)
        var runCount = runs.count &- 1
        while runCount > 1 {
            let from = keys.base, to = spare.base, bounds = runs.base
            var r = 0, kept = 0
            while r < runCount {
                let low = bounds[r]
                if r &+ 1 == runCount {
                    // An odd run at the end: copied as it is.
                    let high = bounds[r &+ 1]
                    (to + low).update(from: from + low, count: high &- low)
                    bounds[kept] = low
                    kept &+= 1
                    break
                }
                let mid = bounds[r &+ 1], high = bounds[r &+ 2]
                var i = low, j = mid, o = low
                if i < mid && j < high {
                    var a = from[i], b = from[j]
                    while true {
                        if b < a {
                            to[o] = b
                            o &+= 1
                            j &+= 1
                            if j == high { break }
                            b = from[j]
                        } else {
                            to[o] = a
                            o &+= 1
                            i &+= 1
                            if i == mid { break }
                            a = from[i]
                        }
                    }
                }
                if i < mid { (to + o).update(from: from + i, count: mid &- i) }
                if j < high { (to + o).update(from: from + j, count: high &- j) }
                bounds[kept] = low
                kept &+= 1
                r &+= 2
            }
            bounds[kept] = count
            runCount = kept
            swap(&keys, &spare)
        }
    }

    /// Takes the candidates `scratch.order` names greedily in rank order (a
    /// candidate that overlaps one taken is dropped) and appends the winners
    /// to `entities` in start order, each given what its dropped candidates
    /// of equal span and type have and it lacks.
    private static func resolveGroup(_ candidates: UnsafeBufferPointer<Entity>, names: [UInt8], smallSortLimit: Int,
                                     pairsDirectly: Bool = true, scratch: inout Scratch, into entities: inout [Entity]) {
        // The names' bytes through a pointer: the ranking closure below captured the
        // array, a retain and a release a group.
        names.withUnsafeBufferPointer { names in
            resolveGroup(candidates, names: names.baseAddress, smallSortLimit: smallSortLimit, pairsDirectly: pairsDirectly,
                         scratch: &scratch, into: &entities)
        }
    }

    /// `resolveGroup` with the bytes of `annotationBytes` at `names`.
    private static func resolveGroup(_ candidates: UnsafeBufferPointer<Entity>, names: UnsafePointer<UInt8>?, smallSortLimit: Int,
                                     pairsDirectly: Bool, scratch: inout Scratch, into entities: inout [Entity]) {
        let n = scratch.order.count
        let order = scratch.order.base, keys = scratch.keys.base
        for k in 0..<n {
            let i = order[k]
            let span = candidates[i].span, source = candidates[i].source
            keys[i] = RankKey(user: source == .user ? 0 : 1, length: -span.length, priority: -candidates[i].priority,
                              source: Int32(OverlapResolver.sourceRank(source, for: candidates[i].type)), start: span.start)
        }
        // Sort indices on precomputed integer keys (cheap to compare, no entity
        // copies); equal keys fall back to the full order, then input position.
        // The order is total (input position breaks every tie), so both sorts give the same.
        let before = { (a: Int, b: Int) -> Bool in
            let ka = keys[a], kb = keys[b]
            if ka != kb { return ka < kb }
            return OverlapResolver.tieBreak(candidates, a, b, names: names)
        }
        if n == 2, pairsDirectly {
            let a = order[0], b = order[1]
            let sa = candidates[a].span, sb = candidates[b].span
            if !sa.isEmpty, !sb.isEmpty, sa.start < sb.end, sb.start < sa.end {
                // Two overlapping candidates (a group of two, most groups of a tweet:
                // one name tagged twice): the one that ranks first is taken, the other
                // dropped, handing over what it has when its span and type are the
                // winner's. What the sort and the walk below come to, without them.
                let (w, l) = before(b, a) ? (b, a) : (a, b)
                var winner = candidates[w]
                if candidates[l].span == winner.span, candidates[l].type == winner.type {
                    let loser = candidates.baseAddress! + l
                    if winner.cluster == nil { winner.cluster = loser.pointee.cluster }
                    if winner.canonical.isNone { winner.canonical = loser.pointee.canonical }
                    if winner.kb.isNone { winner.kb = loser.pointee.kb }
                    if winner.value.isNone { winner.value = loser.pointee.value }
                }
                entities.append(winner)
                return
            }
        }
        var indices = UnsafeMutableBufferPointer(start: order, count: n)
        if n <= smallSortLimit {
            OverlapResolver.insertionSort(indices, by: before)
        } else {
            indices.sort(by: before)
        }
        var taken = scratch.taken, chosen = scratch.chosen, handovers = scratch.handovers, outputSlot = scratch.outputSlot
        defer {
            scratch.taken = taken
            scratch.chosen = chosen
            scratch.handovers = handovers
            scratch.outputSlot = outputSlot
        }
        taken.count = 0
        chosen.count = 0
        handovers.count = 0
        for k in 0..<n {
            let index = order[k]
            let span = candidates[index].span
            guard !span.isEmpty else { continue }
            // Taken spans are disjoint and sorted by start: the first one starting at
            // or after this span's start, and the one before it, are the only ones
            // that can overlap it.
            let spans = taken.base
            var low = 0, high = taken.count
            while low < high {
                let mid = (low + high) / 2
                if spans[mid].span.start < span.start { low = mid + 1 } else { high = mid }
            }
            let overlapsNext = low < taken.count && spans[low].span.start < span.end
            let overlapsPrevious = low > 0 && spans[low - 1].span.end > span.start
            if overlapsNext || overlapsPrevious {
                // A loser with the winner's exact span (only `taken[low]` can have it) and type.
                if low < taken.count, spans[low].span == span,
                   candidates[Int(chosen.base[Int(spans[low].by)])].type == candidates[index].type {
                    handovers.append((spans[low].by, Int32(index)))
                }
                continue
            }
            // Insert at `low`, moving the later spans up one.
            taken.reserve(1)
            if low < taken.count { (taken.base + low + 1).moveInitialize(from: taken.base + low, count: taken.count - low) }
            (taken.base + low).initialize(to: (span, Int32(chosen.count)))
            taken.count += 1
            chosen.append(Int32(index))
        }
        // Output order: start, end, then rank — `taken` is already sorted by start,
        // and disjoint spans never tie.
        let first = entities.count
        outputSlot.count = 0
        outputSlot.reserve(chosen.count)
        outputSlot.count = chosen.count
        for slot in 0..<taken.count {
            let position = taken.base[slot].by
            outputSlot.base[Int(position)] = Int32(first + slot)
            entities.append(candidates[Int(chosen.base[Int(position)])])
        }
        // What a winner lacks, from dropped candidates of its span and type, in rank order.
        for h in 0..<handovers.count {
            let w = Int(outputSlot.base[Int(handovers.base[h].winner)])
            let c = Int(handovers.base[h].loser)
            if entities[w].cluster == nil { entities[w].cluster = candidates[c].cluster }
            if entities[w].canonical.isNone { entities[w].canonical = candidates[c].canonical }
            if entities[w].kb.isNone { entities[w].kb = candidates[c].kb }
            if entities[w].value.isNone { entities[w].value = candidates[c].value }
        }
    }

    public func process(_ doc: inout Document) {
        doc.layers.insert(.entities)
        let count = doc.candidates.count
        if keepOverlaps {
            // Sorted indices, ties by input position (a stable sort), then one copy per entity.
            var order = Array(0..<count)
            let names = doc.annotationBytes
            doc.candidates.withUnsafeBufferPointer { candidates in
                if count > 1 { order.sort { a, b in
                    if OverlapResolver.outputBefore(candidates[a], candidates[b], names: names) { return true }
                    if OverlapResolver.outputBefore(candidates[b], candidates[a], names: names) { return false }
                    return a < b
                } }
                var entities: [Entity] = []
                entities.reserveCapacity(count)
                for i in order { entities.append(candidates[i]) }
                doc.entities = entities
            }
            return
        }
        // Written into the document's own array: one kept from an earlier
        // document (`Pipeline.recycle`) needs no allocation.
        var entities: [Entity] = []
        swap(&entities, &doc.entities)
        if !entities.isEmpty { entities.removeAll(keepingCapacity: true) }
        guard count > 0 else {
            swap(&entities, &doc.entities)
            return
        }
        // The start-order buffer as a local for the document (no access to the
        // stage's property in the loops); stored back after. The group buffers
        // are used in place: copying them in and out was a memcpy a document.
        var byStart = self.byStart
        defer { self.byStart = byStart }
        byStart.count = 0
        byStart.reserve(count)
        // `keys` is indexed by candidate, written only for candidates in groups.
        scratch.keys.count = 0
        scratch.keys.reserve(count)
        let names = doc.annotationBytes
        let smallSortLimit = self.smallSortLimit, splitsGroups = self.splitsGroups, pairsDirectly = resolvesPairsDirectly
        let mergesRuns = self.mergesRuns
        doc.candidates.withUnsafeBufferPointer { candidates in
            guard splitsGroups else {
                // The reference: every candidate in one group.
                self.scratch.order.count = 0
                for i in 0..<count { self.scratch.order.append(i) }
                OverlapResolver.resolveGroup(candidates, names: names, smallSortLimit: smallSortLimit, pairsDirectly: pairsDirectly,
                                             scratch: &self.scratch, into: &entities)
                return
            }
            // Candidates only compete with those they overlap, directly or through
            // others: the greedy choice in rank order takes in each group of
            // overlapping spans (a maximal run, by start, whose spans each start
            // before the run's end so far) what it takes there when run alone, as
            // no span outside the group can block one inside. So the non-empty
            // spans are put in start order (start above input position, one word
            // each; most stages append in text order, so a sort mostly merges a
            // few runs, and none is needed when they arrive in order), a span
            // that overlaps no other is taken as it is, and only groups are
            // ranked and resolved.
            var inOrder = true
            var previous: UInt64 = 0
            for i in 0..<count {
                let span = candidates[i].span
                guard span.start < span.end else { continue }
                let key = UInt64(UInt32(bitPattern: span.start)) &<< 32 | UInt64(UInt32(truncatingIfNeeded: i))
                if key < previous { inOrder = false }
                previous = key
                (byStart.base + byStart.count).initialize(to: key)
                byStart.count &+= 1
            }
            let spans = byStart.count
            if !inOrder {
                var keys = UnsafeMutableBufferPointer(start: byStart.base, count: spans)
                if spans <= smallSortLimit {
                    OverlapResolver.insertionSort(keys)
                } else if mergesRuns {
                    // Where each run in order starts, found again here: noting them in the
                    // loop above cost every document a few instructions more than it saved.
                    var runs = self.runs
                    runs.count = 0
                    runs.reserve(spans &+ 1)
                    let bounds = runs.base, sorted = byStart.base
                    bounds[0] = 0
                    var r = 1
                    for k in 1..<spans where sorted[k] < sorted[k &- 1] {
                        bounds[r] = k
                        r &+= 1
                    }
                    bounds[r] = spans
                    runs.count = r &+ 1
                    OverlapResolver.mergeRuns(&byStart, count: spans, runs: &runs, spare: &self.merged)
                    self.runs = runs
                } else {
                    keys.sort()
                }
            }
            entities.reserveCapacity(spans)
            @inline(__always) func candidate(_ k: Int) -> Int { Int(truncatingIfNeeded: byStart.base[k] & 0xFFFF_FFFF) }
            var k = 0
            while k < spans {
                let i = candidate(k)
                var end = candidates[i].span.end
                var next = k &+ 1
                while next < spans {
                    let span = candidates[candidate(next)].span
                    if span.start >= end { break }
                    if span.end > end { end = span.end }
                    next &+= 1
                }
                if next == k &+ 1 {
                    entities.append(candidates[i])
                } else {
                    self.scratch.order.count = 0
                    self.scratch.order.reserve(next &- k)
                    for g in k..<next { self.scratch.order.append(candidate(g)) }
                    OverlapResolver.resolveGroup(candidates, names: names, smallSortLimit: smallSortLimit, pairsDirectly: pairsDirectly,
                                             scratch: &self.scratch, into: &entities)
                }
                k = next
            }
        }
        swap(&entities, &doc.entities)
    }
}
