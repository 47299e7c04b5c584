import CPCRE2
import Foundation
@testable import Entex
import XCTest

/// The pattern cache (`PatternCache`): what it gives back is what reading the pattern
/// files gives, and a file that is damaged, cut short, of another kind or of other
/// pattern files is refused and written again.
final class PatternCacheTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("entex-patterncache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    var folder: String { TestSupport.lexicons + "/patterns" }

    func cacheFiles(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("patterns-") && $0.hasSuffix(".bin") }.map { directory.appendingPathComponent($0).path }
    }

    /// A copy of `Lexicons/patterns` in the scratch folder (so that tests can change it); returns the Lexicons path.
    func copyOfPatterns() throws -> String {
        let lexicons = scratch.appendingPathComponent("Lexicons")
        try FileManager.default.createDirectory(at: lexicons, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder, toPath: lexicons.appendingPathComponent("patterns").path)
        return lexicons.path
    }

    func assertSameSources(_ a: PatternSources, _ b: PatternSources, file: StaticString = #filePath, line: UInt = #line) {
        for (x, y) in [(a.neutral, b.neutral), (a.english, b.english), (a.spanish, b.spanish)] {
            assertSameWords(x, y, file: file, line: line)
        }
        XCTAssertEqual(a.specs.count, b.specs.count, file: file, line: line)
        for (x, y) in zip(a.specs, b.specs) {
            XCTAssertEqual(x.name, y.name, file: file, line: line)
            XCTAssertEqual(x.type, y.type, x.name, file: file, line: line)
            XCTAssertEqual(x.language, y.language, x.name, file: file, line: line)
            XCTAssertEqual(x.priority, y.priority, x.name, file: file, line: line)
            XCTAssertEqual(x.triggers, y.triggers, x.name, file: file, line: line)
            XCTAssertEqual(x.requires, y.requires, x.name, file: file, line: line)
            XCTAssertEqual(x.starts, y.starts, x.name, file: file, line: line)
            XCTAssertEqual(x.normalizer, y.normalizer, x.name, file: file, line: line)
            XCTAssertEqual(x.tokenKind, y.tokenKind, x.name, file: file, line: line)
            XCTAssertEqual(x.regex?.expanded, y.regex?.expanded, x.name, file: file, line: line)
            XCTAssertEqual(x.regex?.flags, y.regex?.flags, x.name, file: file, line: line)
            XCTAssertEqual(x.regex?.line, y.regex?.line, x.name, file: file, line: line)
            XCTAssertEqual(x.shape?.source, y.shape?.source, x.name, file: file, line: line)
            XCTAssertEqual(x.shape.map { "\($0.automaton)" }, y.shape.map { "\($0.automaton)" }, x.name, file: file, line: line)
            XCTAssertEqual(describe(x.matches), describe(y.matches), x.name, file: file, line: line)
            XCTAssertEqual(describe(x.nomatches), describe(y.nomatches), x.name, file: file, line: line)
            XCTAssertEqual(x.file, y.file, x.name, file: file, line: line)
            XCTAssertEqual(x.line, y.line, x.name, file: file, line: line)
        }
    }

    func describe(_ examples: [RegexPattern.Example]) -> [String] {
        examples.map { "\($0.line)|\($0.text)|\($0.expected)|\($0.value ?? "-")" }
    }

    func assertSameWords(_ a: WordLists, _ b: WordLists, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.lists.keys.sorted(), b.lists.keys.sorted(), file: file, line: line)
        for (name, entries) in a.lists {
            let others = b.lists[name] ?? []
            XCTAssertEqual(entries.map { "\($0.text)|\($0.key)|\($0.value ?? "-")" },
                           others.map { "\($0.text)|\($0.key)|\($0.value ?? "-")" }, name, file: file, line: line)
            for e in entries {
                XCTAssertEqual(a.value(name, e.text), b.value(name, e.text), file: file, line: line)
                XCTAssertEqual(a.value(name, e.key), b.value(name, e.key), file: file, line: line)
            }
        }
    }

    /// Every field of every pattern, the word lists, trigger bits and trigger tables.
    func assertSamePatterns(_ a: RegexPatterns, _ b: RegexPatterns, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.patterns.count, b.patterns.count, file: file, line: line)
        for (x, y) in zip(a.patterns, b.patterns) {
            let what = x.name
            XCTAssertEqual(x.name, y.name, file: file, line: line)
            XCTAssertEqual(x.type, y.type, what, file: file, line: line)
            XCTAssertEqual(x.language, y.language, what, file: file, line: line)
            XCTAssertEqual(x.priority, y.priority, what, file: file, line: line)
            XCTAssertEqual(x.triggers, y.triggers, what, file: file, line: line)
            XCTAssertEqual(x.requires, y.requires, what, file: file, line: line)
            XCTAssertEqual(x.starts, y.starts, what, file: file, line: line)
            XCTAssertEqual(x.shape?.source, y.shape?.source, what, file: file, line: line)
            XCTAssertEqual(x.shape.map { "\($0.automaton)" }, y.shape.map { "\($0.automaton)" }, what, file: file, line: line)
            XCTAssertEqual(x.normalizer, y.normalizer, what, file: file, line: line)
            XCTAssertEqual(x.tokenKind, y.tokenKind, what, file: file, line: line)
            XCTAssertEqual(x.regex?.captureCount, y.regex?.captureCount, what, file: file, line: line)
            XCTAssertEqual(x.anchored?.captureCount, y.anchored?.captureCount, what, file: file, line: line)
            XCTAssertEqual(x.groups, y.groups, what, file: file, line: line)
            XCTAssertEqual(describe(x.matches), describe(y.matches), what, file: file, line: line)
            XCTAssertEqual(describe(x.nomatches), describe(y.nomatches), what, file: file, line: line)
            XCTAssertEqual(x.file, y.file, what, file: file, line: line)
            XCTAssertEqual(x.line, y.line, what, file: file, line: line)
            // The same compiled pattern: the same match on every example of every pattern.
            if let rx = x.regex, let ry = y.regex {
                for example in a.patterns.flatMap({ $0.matches + $0.nomatches }) {
                    XCTAssertEqual(rx.firstMatch(in: example.text), ry.firstMatch(in: example.text), what, file: file, line: line)
                }
            }
        }
        XCTAssertEqual(a.triggerBits, b.triggerBits, file: file, line: line)
        XCTAssertEqual(a.words.keys.sorted(), b.words.keys.sorted(), file: file, line: line)
        for (lang, words) in a.words { assertSameWords(words, b.words[lang]!, file: file, line: line) }
        XCTAssertEqual(a.triggerTables.keys.sorted(), b.triggerTables.keys.sorted(), file: file, line: line)
        for (lang, x) in a.triggerTables {
            let y = b.triggerTables[lang]!
            XCTAssertEqual(x.table.count, y.table.count, lang, file: file, line: line)
            for id in 0..<x.table.count {
                let key = Array(x.table.key(id))
                let other = y.table.lookup(key)
                XCTAssertEqual(other.map { y.masks[$0] }, x.masks[id], lang, file: file, line: line)
            }
        }
        XCTAssertEqual(a.skippedRows.count, b.skippedRows.count, file: file, line: line)
    }

    /// The regex stage's output on the bundled corpus with `patterns`.
    func regexOutput(_ patterns: RegexPatterns) throws -> [UInt8] {
        let resources = Resources(lexiconsPath: TestSupport.lexicons, text: TestSupport.resources.text, patterns: patterns)
        let pipeline = try PipelineConfiguration(stages: ["tokenize", "sentences", "language", "regex", "resolve"])
            .makePipeline(resources: resources)
        var out: [UInt8] = []
        for url in TestSupport.corpusJSONLines {
            for (n, record) in try TestSupport.jsonlTexts(url).enumerated() {
                var doc = Document(id: "\(n)", text: record.text, language: record.lang)
                try pipeline.process(&doc)
                for c in doc.candidates {
                    out += Array("\(c.span.start)-\(c.span.end) \(c.type) \(c.rule ?? "-") \(c.priority)\n".utf8)
                }
                JSONWriter().write(doc, into: &out)
            }
        }
        return out
    }

    func testCachedPatternsEqualParsedOnes() throws {
        let cache = scratch.appendingPathComponent("cache")
        let parsed = try RegexPatterns.parse(folder: folder, files: RegexPatterns.patternFiles(folder), lenient: false)
        XCTAssertGreaterThan(parsed.sources.specs.count, 40)
        XCTAssertTrue(parsed.sources.specs.contains { $0.shape != nil })
        XCTAssertTrue(parsed.sources.specs.contains { $0.tokenKind != nil })
        let plain = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: nil)
        XCTAssertTrue(cacheFiles(cache).isEmpty)
        let first = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: cache.path)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        XCTAssertEqual(cacheFiles(cache).count, 1)
        let key = try XCTUnwrap(PatternCache.key(folder: folder, files: RegexPatterns.patternFiles(folder)))
        let stored = try XCTUnwrap(PatternCache.read(path, key: key))
        assertSameSources(parsed.sources, stored)
        let second = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: cache.path)
        assertSamePatterns(plain, first)
        assertSamePatterns(plain, second)
        assertSamePatterns(plain, try RegexPatterns.assemble(stored, folder: folder))
        let expected = try regexOutput(plain)
        XCTAssertGreaterThan(expected.count, 10_000)
        XCTAssertEqual(try regexOutput(second), expected)
    }

    /// A list's entries added together (`add(list:entries:)`, as the cache is read) give
    /// the lists and values of adding them one by one: the first value of a key wins, an
    /// entry without one gives "", a list without entries is not made.
    func testWordListEntriesAddedTogetherEqualAddedOneByOne() {
        var g = Generator(state: 11)
        let texts = ["a", "b", "c", "dd", "Ee", "f g"]
        let values: [String?] = [nil, "", "1", "2", "x"]
        for round in 0..<300 {
            var together = WordLists(), oneByOne = WordLists()
            for _ in 0..<Int(g.next() % 5) {
                let name = g.pick(["days", "months", "units"])
                let entries: [WordLists.Entry] = (0..<Int(g.next() % 8)).map { _ in
                    let text = g.pick(texts)
                    return .init(text: text, key: WordLists.key(text), value: g.pick(values))
                }
                together.add(list: name, entries: entries)
                for e in entries { oneByOne.add(list: name, entry: e) }
            }
            assertSameWords(together, oneByOne)
            assertSameWords(oneByOne, together)
            // Merged into lists of their own (as the neutral lists into each language's).
            var merged = WordLists(), mergedOneByOne = WordLists()
            merged.add(list: "days", entries: [.init(text: "c", key: "c", value: "0")])
            mergedOneByOne.add(list: "days", entry: .init(text: "c", key: "c", value: "0"))
            merged.merge(together)
            for (name, entries) in oneByOne.lists.sorted(by: { $0.key < $1.key }) {
                for e in entries { mergedOneByOne.add(list: name, entry: e) }
            }
            assertSameWords(merged, mergedOneByOne)
            assertSameWords(mergedOneByOne, merged)
            for text in texts { XCTAssertEqual(merged.value("days", text), mergedOneByOne.value("days", text), "round \(round)") }
            for name in ["days", "months", "units"] {
                XCTAssertEqual(together.contains(name), oneByOne.contains(name), "round \(round)")
                for text in texts { XCTAssertEqual(together.value(name, text), oneByOne.value(name, text), "round \(round)") }
            }
        }
    }

    /// The cache keeps PCRE2's compiled code of every pattern; patterns assembled from it
    /// are those compiled from the expanded sources: same groups, same matches (unanchored
    /// and anchored) on every example, JIT-compiled on use.
    func testCompiledCodeFromTheCacheEqualsCompilingAgain() throws {
        let cache = scratch.appendingPathComponent("cache")
        _ = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: cache.path)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        let key = try XCTUnwrap(PatternCache.key(folder: folder, files: RegexPatterns.patternFiles(folder)))
        let stored = try XCTUnwrap(PatternCache.read(path, key: key))
        XCTAssertFalse(stored.compiled.isEmpty)
        let regexCount = stored.specs.filter { $0.regex != nil }.count
        XCTAssertGreaterThan(regexCount, 40)
        XCTAssertNotNil(CompiledRegex.deserialize(stored.compiled, count: 2 * regexCount))
        XCTAssertNil(CompiledRegex.deserialize(stored.compiled, count: 2 * regexCount - 1), "another number of patterns")
        var foreign = stored.compiled
        foreign[0] ^= 0x01
        XCTAssertNil(CompiledRegex.deserialize(foreign, count: 2 * regexCount), "not PCRE2's serialized form")
        XCTAssertNil(CompiledRegex.deserialize(Array(stored.compiled.prefix(8)), count: 2 * regexCount), "too short for a header")

        var withoutCode = stored
        withoutCode.compiled = []
        let compiledAgain = try RegexPatterns.assemble(withoutCode, folder: folder)
        let decoded = try RegexPatterns.assemble(stored, folder: folder)
        assertSamePatterns(compiledAgain, decoded)
        let examples = decoded.patterns.flatMap { $0.matches + $0.nomatches }.map(\.text)
        for (x, y) in zip(compiledAgain.patterns, decoded.patterns) {
            guard let rx = x.regex, let ry = y.regex, let ax = x.anchored, let ay = y.anchored else {
                XCTAssertNil(y.regex, x.name)
                continue
            }
            XCTAssertEqual(ax.captureCount, ay.captureCount, x.name)
            for text in examples {
                XCTAssertEqual(rx.firstMatch(in: text), ry.firstMatch(in: text), x.name)
                XCTAssertEqual(ax.firstMatch(in: text), ay.firstMatch(in: text), x.name)
            }
            XCTAssertEqual(ry.isJIT, rx.isJIT, x.name)
            XCTAssertEqual(ay.isJIT, ax.isJIT, x.name)
        }
        XCTAssertEqual(try regexOutput(decoded), try regexOutput(compiledAgain))

        // Code of another number of patterns is not taken: the expanded patterns are compiled.
        var mismatched = stored
        mismatched.compiled = try XCTUnwrap(RegexPatterns.compiledCode(Array(decoded.patterns.dropLast(1).filter { $0.regex != nil }.prefix(3))))
        assertSamePatterns(compiledAgain, try RegexPatterns.assemble(mismatched, folder: folder))
        // The examples are checked against code taken from the cache too.
        var wrong = stored
        let first = try XCTUnwrap(wrong.specs.firstIndex { $0.regex != nil })
        wrong.specs[first].matches[0].expected = "zzz-not-found"
        XCTAssertThrowsError(try RegexPatterns.assemble(wrong, folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("zzz-not-found"), "\(error)")
        }
    }

    /// `groupNumbers(named:)` (one pass over the name table) gives what `groupNumbers` gives
    /// name by name: on every bundled pattern, on duplicate names and past 8 groups of a name.
    func testGroupNumbersFromTheNameTableEqualOneSearchPerName() throws {
        func byName(_ regex: CompiledRegex, _ names: Set<String>) -> [String: [Int]] {
            var groups: [String: [Int]] = [:]
            for name in names {
                let numbers = regex.groupNumbers(name)
                if !numbers.isEmpty { groups[name] = numbers }
            }
            return groups
        }
        let names = RegexPatterns.groupNameVariants
        XCTAssertTrue(names.contains("year") && names.contains("year2") && names.contains("approx2"))
        var regexes: [CompiledRegex] = []
        for p in try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: nil).patterns {
            if let r = p.regex, let a = p.anchored { regexes += [r, a] }
        }
        XCTAssertTrue(regexes.contains { !$0.groupNumbers(named: names).isEmpty })
        let duplicates = "(?J)" + (0..<11).map { "(?<year>a\($0))|(?<x>b)|(?<month2>c)" }.joined(separator: "|") + "|(?<day>d)(?<zz>e)"
        regexes.append(try CompiledRegex(pattern: duplicates, flags: 0))
        regexes.append(try CompiledRegex(pattern: "(a)(b)", flags: 0))
        for regex in regexes {
            XCTAssertEqual(regex.groupNumbers(named: names), byName(regex, names))
            XCTAssertEqual(regex.groupNumbers(named: ["x", "zz"]), byName(regex, ["x", "zz"]))
        }
        XCTAssertEqual(regexes[regexes.count - 2].groupNumbers(named: names)["year"]?.count, 8)
    }

    /// Checking examples with one match state for every pattern (`firstMatch(in:matcher:)`,
    /// room for the whole match only) finds what a match state made for each example finds,
    /// on every bundled pattern (unanchored and anchored), its examples and other texts.
    func testExampleMatcherSharedByEveryPatternFindsWhatAFreshOneFinds() throws {
        guard let matcher = CompiledRegex.makeExampleMatcher() else { return XCTFail("no match state") }
        defer { entex_matcher_free(matcher) }
        let patterns = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: nil).patterns
        var texts = ["", "on 3 May 2021 at 5pm", "el 3 de mayo", "$20 million", "50%", "+1 555 0100", "ñ 12º"]
        for p in patterns { texts += (p.matches + p.nomatches).map(\.text) }
        var found = 0
        for p in patterns {
            for regex in [p.regex, p.anchored].compactMap({ $0 }) {
                for text in texts {
                    let expected = regex.firstMatch(in: text)
                    XCTAssertEqual(regex.firstMatch(in: text, matcher: matcher), expected, "\(p.name): \(text)")
                    if expected != nil { found += 1 }
                }
            }
        }
        XCTAssertGreaterThan(found, 100)
    }

    func testLenientLoadUsesAndWritesTheCacheOnlyWithoutSkippedBlocks() throws {
        let lexicons = try copyOfPatterns()
        let cache = scratch.appendingPathComponent("cache")
        let strict = try RegexPatterns.load(from: lexicons, cacheDirectory: nil)
        assertSamePatterns(strict, try RegexPatterns.load(from: lexicons, lenient: true, cacheDirectory: cache.path))
        XCTAssertEqual(cacheFiles(cache).count, 1)
        assertSamePatterns(strict, try RegexPatterns.load(from: lexicons, lenient: true, cacheDirectory: cache.path))

        // A block that does not compile: skipped with a warning at every load, never cached.
        let bad = lexicons + "/patterns/zz-bad.txt"
        try Data("""
            [bad-one]
            type: DATE
            lang: en
            priority: 1
            trigger: digit
            comment: unbalanced
            pattern: (\\d+
            match: 12
            nomatch: x

            """.utf8).write(to: URL(fileURLWithPath: bad))
        for _ in 0..<2 {
            let lenient = try RegexPatterns.load(from: lexicons, lenient: true, cacheDirectory: cache.path)
            XCTAssertEqual(lenient.skippedRows.count, 1)
            XCTAssertEqual(lenient.patterns.count, strict.patterns.count)
            XCTAssertThrowsError(try RegexPatterns.load(from: lexicons, cacheDirectory: cache.path)) { error in
                XCTAssertTrue("\(error)".contains("zz-bad.txt"), "\(error)")
            }
        }
        XCTAssertEqual(cacheFiles(cache).count, 1)
    }

    func testChangedPatternFileMakesTheCacheStale() throws {
        let lexicons = try copyOfPatterns()
        let cache = scratch.appendingPathComponent("cache")
        let before = try RegexPatterns.load(from: lexicons, cacheDirectory: cache.path)
        let target = try XCTUnwrap(before.patterns.first { $0.regex != nil })
        let path = target.file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // Its priority becomes 987.
        let header = try XCTUnwrap(text.range(of: "[\(target.name)]\n"))
        let field = try XCTUnwrap(text.range(of: "\npriority: ", range: header.upperBound..<text.endIndex))
        let end = try XCTUnwrap(text[field.upperBound...].firstIndex(of: "\n"))
        try text.replacingCharacters(in: field.upperBound..<end, with: "987").write(toFile: path, atomically: false, encoding: .utf8)
        let after = try RegexPatterns.load(from: lexicons, cacheDirectory: cache.path)
        XCTAssertEqual(after.patterns.first { $0.name == target.name }?.priority, 987)
        assertSamePatterns(try RegexPatterns.load(from: lexicons, cacheDirectory: nil), after)
        assertSamePatterns(after, try RegexPatterns.load(from: lexicons, cacheDirectory: cache.path))
        XCTAssertEqual(cacheFiles(cache).count, 2)

        // A word list that is edited also changes the key: the new entry is spliced in.
        let words = lexicons + "/patterns/words-en.txt"
        let listed = try String(contentsOfFile: words, encoding: .utf8)
        let month = try XCTUnwrap(listed.range(of: "[month]\n"))
        try listed.replacingCharacters(in: month, with: "[month]\nzyxwmonth\n").write(toFile: words, atomically: false, encoding: .utf8)
        let withWord = try RegexPatterns.load(from: lexicons, cacheDirectory: cache.path)
        XCTAssertNotNil(withWord.words["en"]!.value("month", "zyxwmonth"))
        assertSamePatterns(try RegexPatterns.load(from: lexicons, cacheDirectory: nil), withWord)
        assertSamePatterns(withWord, try RegexPatterns.load(from: lexicons, cacheDirectory: cache.path))
    }

    func testTruncatedDamagedOrForeignCacheIsRefusedAndRewritten() throws {
        let cache = scratch.appendingPathComponent("cache")
        let plain = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: nil)
        _ = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: cache.path)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let key = try XCTUnwrap(PatternCache.key(folder: folder, files: RegexPatterns.patternFiles(folder)))
        XCTAssertNotNil(PatternCache.read(path, key: key))
        XCTAssertNil(PatternCache.read(path, key: key &+ 1), "another key")

        var damaged: [Data] = [Data(), good.prefix(7), good.prefix(good.count / 2), good.prefix(good.count - 1), good + Data([0])]
        var random = Generator(state: 11)
        for _ in 0..<24 {
            var bytes = [UInt8](good)
            let at = Int(random.next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(1 + random.next() % 255)
            damaged.append(Data(bytes))
        }
        for at in [0, 8, 16, 24, 40, 48, 64, 100] where at < good.count {
            var bytes = [UInt8](good)
            bytes[at] ^= 0x40
            damaged.append(Data(bytes))
        }
        // Another cache's file under this name: a name-rule cache.
        let rules = scratch.appendingPathComponent("rules")
        _ = try NameRuleCache.load(from: TestSupport.lexicons, directory: rules.path)
        let ruleFile = try XCTUnwrap((try FileManager.default.contentsOfDirectory(atPath: rules.path)).first { $0.hasSuffix(".bin") })
        damaged.append(try Data(contentsOf: rules.appendingPathComponent(ruleFile)))
        for (n, data) in damaged.enumerated() {
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertNil(PatternCache.read(path, key: key), "damaged file \(n) of \(data.count) bytes was accepted")
            guard [0, 2, 5, damaged.count - 1].contains(n) else { continue }
            assertSamePatterns(plain, try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: cache.path))
            // The load wrote a good file again.
            XCTAssertNotNil(PatternCache.read(path, key: key))
        }
    }

    /// A file whose checksum is right but whose contents are not what the writer makes
    /// (a foreign writer, or a bug): every value is checked before it is used.
    func testWellFormedFileWithBadValuesIsRefused() throws {
        let parsed = try RegexPatterns.parse(folder: folder, files: RegexPatterns.patternFiles(folder), lenient: false)
        let path = scratch.appendingPathComponent("patterns.bin").path
        func written(_ change: (inout PatternSources) -> Void) -> PatternSources? {
            var sources = parsed.sources
            change(&sources)
            XCTAssertTrue(PatternCache.write(sources, key: 42, to: path))
            return PatternCache.read(path, key: 42)
        }
        XCTAssertNotNil(written { _ in })
        XCTAssertNil(written { $0.specs[0].file = "../elsewhere.txt" })
        let token = try XCTUnwrap(parsed.sources.specs.firstIndex { $0.tokenKind != nil })
        XCTAssertNil(written { $0.specs[token].regex = ("x", 0, 1) }, "a token block with a regex")
        let regex = try XCTUnwrap(parsed.sources.specs.firstIndex { $0.regex != nil })
        XCTAssertNil(written { $0.specs[regex].regex = nil }, "a regex block without one")
    }

    /// The trigger bits and tables kept in the cache are those made from the word lists, and
    /// a file whose tables could send a lookup outside them is refused.
    func testCachedTriggerTablesEqualMadeOnesAndBadTablesAreRefused() throws {
        let parsed = try RegexPatterns.parse(folder: folder, files: RegexPatterns.patternFiles(folder), lenient: false)
        XCTAssertNil(parsed.sources.triggers, "parsing keeps no tables in the sources")
        let path = scratch.appendingPathComponent("patterns.bin").path
        var sources = parsed.sources
        sources.triggers = (parsed.patterns.triggerBits, parsed.patterns.triggerTables)
        XCTAssertTrue(PatternCache.write(sources, key: 7, to: path))
        let stored = try XCTUnwrap(PatternCache.read(path, key: 7))
        let triggers = try XCTUnwrap(stored.triggers)
        XCTAssertEqual(triggers.bits, parsed.patterns.triggerBits)
        XCTAssertEqual(triggers.tables.keys.sorted(), ["*", "en", "es"])
        for (lang, made) in parsed.patterns.triggerTables {
            let read = try XCTUnwrap(triggers.tables[lang])
            XCTAssertEqual(read.table.pool, made.table.pool, lang)
            XCTAssertEqual(read.table.ends, made.table.ends, lang)
            XCTAssertEqual(read.table.slots, made.table.slots, lang)
            XCTAssertEqual(read.table.hashes, made.table.hashes, lang)
            XCTAssertEqual(read.masks, made.masks, lang)
            XCTAssertGreaterThan(made.masks.count, 100, lang)
        }
        // Assembled from the kept tables or from the word lists: the same patterns.
        var withoutTables = stored
        withoutTables.triggers = nil
        assertSamePatterns(try RegexPatterns.assemble(withoutTables, folder: folder), try RegexPatterns.assemble(stored, folder: folder))

        let good = try XCTUnwrap(parsed.patterns.triggerTables["en"]).table
        XCTAssertTrue(PatternCache.isTable(pool: good.pool, ends: good.ends, slots: good.slots, hashes: good.hashes))
        var ends = good.ends
        ends[0] = ends[1] + 1
        XCTAssertFalse(PatternCache.isTable(pool: good.pool, ends: ends, slots: good.slots, hashes: good.hashes), "ends out of order")
        XCTAssertFalse(PatternCache.isTable(pool: Array(good.pool.dropLast()), ends: good.ends, slots: good.slots, hashes: good.hashes),
                       "last key past the pool")
        var slots = good.slots
        slots[slots.firstIndex(of: 0)!] = UInt32(good.ends.count + 1)
        XCTAssertFalse(PatternCache.isTable(pool: good.pool, ends: good.ends, slots: slots, hashes: good.hashes), "slot past the ids")
        XCTAssertFalse(PatternCache.isTable(pool: good.pool, ends: good.ends, slots: Array(good.slots.dropLast()), hashes: good.hashes),
                       "slot count not a power of two")
        XCTAssertFalse(PatternCache.isTable(pool: good.pool, ends: good.ends, slots: good.slots, hashes: Array(good.hashes.dropLast())),
                       "a key without hash")
        var full = [UInt32](repeating: 1, count: 16)
        full[3] = 2
        XCTAssertFalse(PatternCache.isTable(pool: [1, 2], ends: [1, 2], slots: full, hashes: [0, 0]), "no empty slot")
        sources.triggers!.tables["en"]!.masks.removeLast()
        XCTAssertTrue(PatternCache.write(sources, key: 7, to: path))
        XCTAssertNil(PatternCache.read(path, key: 7), "a mask per key")
    }

    func testRestoredShapeIsTheSameAutomatonAndBadTablesAreRefused() throws {
        let shapes = try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: nil).patterns.compactMap(\.shape)
            + [try StartShape("\\d{1,2} | x?")]
        XCTAssertGreaterThan(shapes.count, 5)
        var random = Generator(state: 3)
        let alphabet = Array("0123456789 aAsSkK.,:/-$€£ſ\u{212A}é\t".utf8)
        for shape in shapes {
            let a = shape.automaton
            let copy = try XCTUnwrap(StartShape(source: shape.source, always: a.always, start: a.start, classCount: a.classCount,
                                                classes: a.classes, table: a.table))
            XCTAssertEqual("\(copy.automaton)", "\(a)")
            for _ in 0..<300 {
                let bytes = (0..<Int(random.next() % 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                bytes.withUnsafeBufferPointer { p in
                    XCTAssertEqual(copy.matches(p, at: 0, end: p.count), shape.matches(p, at: 0, end: p.count), shape.source)
                }
            }
            guard !a.always else { continue }
            let states = a.table.count / a.classCount
            var table = a.table
            table[table.count - 1] = UInt8(states)
            XCTAssertNil(StartShape(source: shape.source, always: false, start: a.start, classCount: a.classCount, classes: a.classes, table: table))
            var classes = a.classes
            classes[48] = UInt8(a.classCount)
            XCTAssertNil(StartShape(source: shape.source, always: false, start: a.start, classCount: a.classCount, classes: classes, table: a.table))
            XCTAssertNil(StartShape(source: shape.source, always: false, start: states, classCount: a.classCount, classes: a.classes, table: a.table))
            XCTAssertNil(StartShape(source: shape.source, always: false, start: a.start, classCount: a.classCount, classes: a.classes,
                                    table: Array(a.table.dropLast())))
        }
    }

    func testFirstWordIsTheCharacterSplitsFirstPiece() throws {
        var keys = ["", " ", "   ", "a", " a", "a ", "  ab  cd ", "de la", "año nuevo", " é x", "e\u{301} x", "x \u{301}y", "tab\there x"]
        for lists in try RegexPatterns.load(from: TestSupport.lexicons, cacheDirectory: nil).words.values {
            keys += lists.lists.values.flatMap { $0.map(\.key) }
        }
        var random = Generator(state: 5)
        let pieces = [" ", " ", "a", "B", "é", "\u{301}", "\t", "-", "ñ", "1"]
        for _ in 0..<2_000 {
            keys.append((0..<Int(random.next() % 9)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined())
        }
        XCTAssertGreaterThan(keys.count, 2_300)
        for key in keys {
            XCTAssertEqual(RegexPatterns.firstWord(key), Array((key.split(separator: " ").first.map(String.init) ?? key).utf8), key)
        }
    }

    /// `ByteReader.word` reads a word at any offset (one unaligned load) as `ByteWriter.word` wrote it.
    func testByteReaderReadsWordsAtUnalignedOffsets() throws {
        let values: [UInt64] = [0, 1, 0x0102_0304_0506_0708, 0x8000_0000_0000_0000, .max]
        for padding in 0..<8 {
            var writer = ByteWriter()
            writer.array([UInt8](repeating: 0xAB, count: padding))
            for v in values { writer.word(v) }
            writer.int(-3)
            var reader = ByteReader(bytes: writer.bytes)
            XCTAssertEqual(try reader.array().count, padding)
            for v in values { XCTAssertEqual(try reader.word(), v) }
            XCTAssertEqual(try reader.int(), -3)
            XCTAssertTrue(reader.isAtEnd)
        }
    }

    func testByteReaderRefusesReadsPastTheEnd() {
        var writer = ByteWriter()
        writer.string("abc")
        writer.optional(nil)
        writer.int(-7)
        var reader = ByteReader(bytes: writer.bytes)
        XCTAssertEqual(try reader.string(), "abc")
        XCTAssertNil(try reader.optional())
        XCTAssertEqual(try reader.int(), -7)
        XCTAssertTrue(reader.isAtEnd)
        XCTAssertThrowsError(try reader.int())
        var huge = ByteWriter()
        huge.int(1 << 40)
        var short = ByteReader(bytes: huge.bytes + [1, 2, 3])
        XCTAssertThrowsError(try short.string())
        var beyond = ByteReader(bytes: huge.bytes)
        XCTAssertThrowsError(try beyond.count())
        var minus = ByteWriter()
        minus.int(-2)
        var negative = ByteReader(bytes: minus.bytes + [0, 0])
        XCTAssertThrowsError(try negative.count())
    }
}
