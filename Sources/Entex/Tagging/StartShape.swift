/// The `shape:` of a regex pattern (`Lexicons/patterns/README.md`, "Shapes"): a few bytes
/// every match of the pattern begins with, checked at a token start before PCRE2 is called
/// there. A shape only skips calls that cannot succeed: the pattern file promises (and
/// `RegexPatternTests` checks on the corpora) that every match of the pattern begins with a
/// string the shape matches, so a start where the shape fails is one where PCRE2 would fail.
///
/// The syntax is a small subset of PCRE2's, in extended mode (white space ignored):
/// alternatives separated by `|` (top level only, no groups); atoms `\d` (an ASCII digit),
/// `\s` (ASCII white space: space, tab, LF, VT, FF, CR), a literal character (ASCII letters
/// match both cases, and `s` and `k` also `ſ` and the Kelvin sign, as in PCRE2's caseless
/// matching), `\` and a punctuation character (that character), and classes `[…]` of
/// literal characters, `\d`, `\s` and ASCII ranges (`[0-3]`), negated with `^` (`[^\s\d]`:
/// any one character, however many bytes, that is neither); quantifiers `?`, `*`, `+`, `{m}`
/// and `{m,n}`. A bare `.` is an error (write `\.`): the shape is not a regex.
/// A shape is compiled at load into a deterministic automaton over byte classes (at most
/// 250 states), so matching reads each byte once, never past the subject end, and stops at
/// the first byte that decides.
public final class StartShape: @unchecked Sendable {
    // Safe to share: never changed after `init`.

    /// One atom with its repetition bounds (as parsed; the automaton is made from these).
    struct Item {
        /// Single bytes the atom accepts; for a negated class, the bytes it refuses.
        var bytes: ByteBitSet
        /// Multi-byte sequences the atom accepts (UTF-8 of non-ASCII characters), in `sequences`.
        var sequences: Range<Int>
        var negated: Bool
        var min: Int
        var max: Int
    }

    /// The source, as written in the pattern file.
    public let source: String

    struct ParseError: Error { var message: String }

    init(_ source: String) throws(ParseError) {
        self.source = source
        var items: [Item] = []
        var bounds = [0]
        var sequences: [[UInt8]] = []
        let chars = Array(source.unicodeScalars)
        var i = 0

        /// Adds a literal character: both cases of an ASCII letter, PCRE2's other caseless forms of s and k.
        func addLiteral(_ c: Unicode.Scalar, _ set: inout ByteBitSet, _ multi: inout [[UInt8]],
                        negated: Bool) throws(ParseError) {
            if c.isASCII {
                let b = UInt8(c.value)
                set.insert(b)
                if b | 0x20 >= 0x61 && b | 0x20 <= 0x7A {
                    set.insert(b ^ 0x20)
                    if !negated {
                        if b | 0x20 == 0x73 { multi.append([0xC5, 0xBF]) }  // ſ
                        if b | 0x20 == 0x6B { multi.append([0xE2, 0x84, 0xAA]) }  // Kelvin sign
                    }
                }
            } else {
                guard !negated else { throw ParseError(message: "a negated class takes ASCII characters only") }
                multi.append(Array(String(Character(c)).utf8))
            }
        }
        func addDigits(_ set: inout ByteBitSet) {
            for b in UInt8(ascii: "0")...UInt8(ascii: "9") { set.insert(b) }
        }
        func addSpaces(_ set: inout ByteBitSet) {
            for b: UInt8 in [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D] { set.insert(b) }
        }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        func number() throws(ParseError) -> Int {
            var n = 0, digits = 0
            while i < chars.count, let d = Int(String(chars[i])), chars[i].isASCII {
                n = n * 10 + d
                digits += 1
                i += 1
            }
            guard digits > 0, n <= 1000 else { throw ParseError(message: "expected a count in {…}") }
            return n
        }

        while i < chars.count {
            let c = chars[i]
            if isSpace(c) { i += 1; continue }
            if c == "|" {
                guard bounds.last! < items.count else { throw ParseError(message: "empty alternative") }
                bounds.append(items.count)
                i += 1
                continue
            }
            var set = ByteBitSet()
            var multi: [[UInt8]] = []
            var negated = false
            switch c {
            case "\\":
                guard i + 1 < chars.count else { throw ParseError(message: "trailing \\") }
                let e = chars[i + 1]
                i += 2
                if e == "d" { addDigits(&set) } else if e == "s" { addSpaces(&set) } else if e.isASCII && !e.properties.isAlphabetic && !(e.value >= 0x30 && e.value <= 0x39) {
                    try addLiteral(e, &set, &multi, negated: false)
                } else {
                    throw ParseError(message: "unknown escape \\\(e)")
                }
            case "[":
                i += 1
                if i < chars.count && chars[i] == "^" { negated = true; i += 1 }
                var empty = true
                while i < chars.count && chars[i] != "]" {
                    let d = chars[i]
                    if d == "\\" {
                        guard i + 1 < chars.count else { throw ParseError(message: "trailing \\") }
                        let e = chars[i + 1]
                        i += 2
                        if e == "d" { addDigits(&set) } else if e == "s" { addSpaces(&set) } else if e.isASCII && !e.properties.isAlphabetic {
                            try addLiteral(e, &set, &multi, negated: negated)
                        } else {
                            throw ParseError(message: "unknown escape \\\(e) in a class")
                        }
                    } else if i + 2 < chars.count, chars[i + 1] == "-", chars[i + 2] != "]" {
                        let (lo, hi) = (d, chars[i + 2])
                        guard lo.isASCII, hi.isASCII, lo.value <= hi.value else { throw ParseError(message: "ranges must be ASCII, low to high") }
                        for v in lo.value...hi.value { try addLiteral(Unicode.Scalar(v)!, &set, &multi, negated: negated) }
                        i += 3
                    } else {
                        try addLiteral(d, &set, &multi, negated: negated)
                        i += 1
                    }
                    empty = false
                }
                guard i < chars.count, !empty else { throw ParseError(message: "unclosed or empty class") }
                i += 1
            case ".": throw ParseError(message: "a bare '.' (write \\. for a dot)")
            case "(", ")", "?", "*", "+", "{", "}", "]": throw ParseError(message: "unexpected '\(c)' (groups are not supported; escape it)")
            default:
                try addLiteral(c, &set, &multi, negated: false)
                i += 1
            }
            var (low, high) = (1, 1)
            while i < chars.count && isSpace(chars[i]) { i += 1 }
            if i < chars.count {
                switch chars[i] {
                case "?": (low, high) = (0, 1); i += 1
                case "*": (low, high) = (0, Int.max); i += 1
                case "+": (low, high) = (1, Int.max); i += 1
                case "{":
                    i += 1
                    low = try number()
                    high = low
                    if i < chars.count && chars[i] == "," {
                        i += 1
                        high = try number()
                    }
                    guard i < chars.count, chars[i] == "}", low <= high, high > 0 else { throw ParseError(message: "bad {m,n}") }
                    i += 1
                default: break
                }
            }
            let first = sequences.count
            sequences += multi
            items.append(Item(bytes: set, sequences: first..<sequences.count, negated: negated, min: low, max: high))
        }
        guard bounds.last! < items.count else { throw ParseError(message: "empty alternative") }
        bounds.append(items.count)
        let automaton = try StartShape.automaton(items: items, bounds: bounds, sequences: sequences)
        always = automaton.always
        startState = automaton.start
        classCount = automaton.classCount
        classes = .allocate(capacity: 256)
        classes.initialize(from: automaton.classes, count: 256)
        table = .allocate(capacity: automaton.table.count)
        table.initialize(from: automaton.table, count: automaton.table.count)
        tableCount = automaton.table.count
        steps = StartShape.steps(table, tableCount, automaton.classCount)
    }

    /// The shape of `source` from the tables its `automaton` gave (the pattern cache's copy);
    /// nil when they are not a well-formed automaton (a damaged file), so that matching
    /// never reads outside them.
    init?(source: String, always: Bool, start: Int, classCount: Int, classes: [UInt8], table: [UInt8]) {
        guard classCount >= 1, classes.count == 256, table.count >= 2 * classCount, table.count % classCount == 0 else { return nil }
        let states = table.count / classCount
        guard start >= 0, start < states, classes.allSatisfy({ Int($0) < classCount }),
              table.allSatisfy({ Int($0) < states }) else { return nil }
        self.source = source
        self.always = always
        startState = start
        self.classCount = classCount
        self.classes = .allocate(capacity: 256)
        self.classes.initialize(from: classes, count: 256)
        self.table = .allocate(capacity: table.count)
        self.table.initialize(from: table, count: table.count)
        tableCount = table.count
        steps = StartShape.steps(self.table, tableCount, classCount)
    }

    /// `table` with each target state written as the offset of its row (state × `classCount`;
    /// at most 254 × 255, so a `UInt16`): the walk adds a byte's class to it, no multiplication.
    /// Run at every start-up for every shape (from the cache), so a loop the compiler can vectorise.
    private static func steps(_ table: UnsafeMutablePointer<UInt8>, _ count: Int, _ classCount: Int) -> UnsafeMutablePointer<UInt16> {
        let steps = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
        for i in 0..<count { steps[i] = UInt16(truncatingIfNeeded: Int(table[i]) &* classCount) }
        return steps
    }

    /// The automaton's tables, as `init(source:always:start:classCount:classes:table:)` takes them back.
    var automaton: (always: Bool, start: Int, classCount: Int, classes: [UInt8], table: [UInt8]) {
        (always, startState, classCount, Array(UnsafeBufferPointer(start: classes, count: 256)),
         Array(UnsafeBufferPointer(start: table, count: tableCount)))
    }

    deinit {
        classes.deallocate()
        table.deallocate()
        steps.deallocate()
    }

    /// Whether the shape matches `text` from `start`, reading no byte at or past `end`:
    /// a walk of its automaton, one table read per byte, stopping at the first decision.
    @inline(__always)
    public func matches(_ text: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> Bool {
        if always { return true }
        let end = min(end, text.count)
        // Row offsets (`steps`): dead is row 0, accept row `classCount`, the others after.
        var row = startState &* classCount
        let acceptRow = classCount
        var i = start
        while i < end {
            row = Int(steps[row &+ Int(classes[Int(text[i])])])
            if row <= acceptRow { return row == acceptRow }
            i += 1
        }
        return false
    }

    /// Automaton states: 0 no match possible, 1 matched (both final); the others walk on.
    static let dead = 0, accept = 1

    /// A shape whose empty prefix already matches (every item optional): no gate at all.
    private let always: Bool
    private let startState: Int
    /// Byte → byte class (bytes every state treats alike), and state × class → state.
    private let classCount: Int
    private let classes: UnsafeMutablePointer<UInt8>
    private let table: UnsafeMutablePointer<UInt8>
    /// `table` as row offsets (`steps(_:_:)`), what `matches` walks; `table` is what the pattern cache keeps.
    private let steps: UnsafeMutablePointer<UInt16>
    /// Entries of `table` (a row of `classCount` per state).
    private let tableCount: Int

    /// A position of the byte-level NFA: before unit `unit` (`pending` 0), or inside one
    /// character of it: `1 + 4 × sequence + bytes read` of a multi-byte literal, or
    /// `2000 + continuation bytes left` of a negated class's character.
    private struct Position: Hashable, Comparable {
        var unit: Int
        var pending: Int
        static func < (a: Position, b: Position) -> Bool { (a.unit, a.pending) < (b.unit, b.pending) }
    }
    private enum Repeat { case once, optional, star }

    /// The deterministic automaton of the shape (subset construction over its items, each
    /// repetition written out), with its bytes grouped into classes.
    private static func automaton(items: [Item], bounds: [Int], sequences: [[UInt8]]) throws(ParseError)
        -> (always: Bool, start: Int, classCount: Int, classes: [UInt8], table: [UInt8]) {
        // Units: each item written out `min` times, then `max - min` optional copies or one loop.
        var units: [(item: Int, kind: Repeat)] = []
        var starts: [Int] = []
        var ends = Set<Int>()
        for a in 0..<(bounds.count - 1) {
            starts.append(units.count)
            for i in bounds[a]..<bounds[a + 1] {
                let item = items[i]
                for _ in 0..<item.min { units.append((i, .once)) }
                if item.max == Int.max {
                    units.append((i, .star))
                } else {
                    for _ in 0..<(item.max - item.min) { units.append((i, .optional)) }
                }
                guard units.count <= 400 else { throw ParseError(message: "too many repetitions") }
            }
            ends.insert(units.count)
            units.append((-1, .once))  // the end of this alternative: a match
        }
        // Byte classes first: bytes that every item, every byte of every sequence and the
        // UTF-8 byte kind treat alike take the same steps, so one byte of each class is
        // enough to build the automaton.
        var classOf = [UInt8](repeating: 0, count: 256)
        for b in 0..<256 { classOf[b] = b < 0x80 ? 0 : b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4 }
        var count = 5
        /// Splits every class into its bytes inside and outside a set.
        func split(_ inside: (UInt8) -> Bool) throws(ParseError) {
            var renumber = [Int](repeating: -1, count: 2 * count)
            var next = 0
            for b in 0..<256 {
                let key = Int(classOf[b]) * 2 + (inside(UInt8(b)) ? 1 : 0)
                if renumber[key] < 0 {
                    guard next < 255 else { throw ParseError(message: "too many byte classes") }
                    renumber[key] = next
                    next += 1
                }
                classOf[b] = UInt8(renumber[key])
            }
            count = next
        }
        for item in items { try split { item.bytes.contains($0) } }
        for bytes in sequences {
            for k in bytes { try split { $0 == k } }
        }
        var representatives = [UInt8](repeating: 0, count: count)
        var seen = [Bool](repeating: false, count: count)
        for b in 0..<256 where !seen[Int(classOf[b])] {
            seen[Int(classOf[b])] = true
            representatives[Int(classOf[b])] = UInt8(b)
        }
        let classCount = representatives.count
        func closure(_ positions: [Position]) -> [Position] {
            var seen = Set(positions)
            var work = positions
            while let p = work.popLast() {
                guard p.pending == 0, !ends.contains(p.unit), units[p.unit].kind != .once else { continue }
                let next = Position(unit: p.unit + 1, pending: 0)
                if seen.insert(next).inserted { work.append(next) }
            }
            return seen.sorted()
        }
        func step(_ p: Position, _ b: UInt8) -> [Position] {
            if ends.contains(p.unit) { return [] }
            let (index, kind) = units[p.unit]
            let done = Position(unit: kind == .star ? p.unit : p.unit + 1, pending: 0)
            let item = items[index]
            if p.pending >= 2000 {
                guard b & 0xC0 == 0x80 else { return [] }
                return p.pending == 2001 ? [done] : [Position(unit: p.unit, pending: p.pending - 1)]
            }
            if p.pending > 0 {
                let s = (p.pending - 1) / 4, read = (p.pending - 1) % 4
                let bytes = sequences[item.sequences.lowerBound + s]
                guard bytes[read] == b else { return [] }
                return read + 1 == bytes.count ? [done] : [Position(unit: p.unit, pending: p.pending + 1)]
            }
            if item.negated {
                if item.bytes.contains(b) { return [] }
                if b < 0xC0 { return [done] }
                return [Position(unit: p.unit, pending: 2000 + (b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1))]
            }
            var out: [Position] = []
            if item.bytes.contains(b) { out.append(done) }
            for s in 0..<item.sequences.count {
                let bytes = sequences[item.sequences.lowerBound + s]
                guard bytes[0] == b else { continue }
                out.append(bytes.count == 1 ? done : Position(unit: p.unit, pending: 1 + 4 * s + 1))
            }
            return out
        }
        let first = closure(starts.map { Position(unit: $0, pending: 0) })
        if first.contains(where: { ends.contains($0.unit) }) {
            return (true, 0, 1, [UInt8](repeating: 0, count: 256), [0, 1])
        }
        var ids: [[Position]: Int] = [first: 2]
        var queue = [first]
        var table = [UInt8](repeating: UInt8(dead), count: classCount) + [UInt8](repeating: UInt8(accept), count: classCount)
        var next = 0
        while next < queue.count {
            let set = queue[next]
            next += 1
            var row = [UInt8](repeating: 0, count: classCount)
            for (b, byte) in representatives.enumerated() {
                let target = closure(set.flatMap { step($0, byte) })
                if target.isEmpty { continue }
                if target.contains(where: { ends.contains($0.unit) }) { row[b] = UInt8(accept); continue }
                if let id = ids[target] {
                    row[b] = UInt8(id)
                } else {
                    guard ids.count + 2 < 255 else { throw ParseError(message: "too complex (over 250 states)") }
                    let id = ids.count + 2
                    ids[target] = id
                    queue.append(target)
                    row[b] = UInt8(id)
                }
            }
            table += row
        }
        return (false, 2, classCount, classOf, table)
    }
}
