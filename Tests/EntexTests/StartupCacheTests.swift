import CPCRE2
import Foundation
@testable import Entex
import XCTest

/// The start-up shortcuts: the name-rule tables' binary cache, the lazy JIT
/// compile of patterns, and the byte paths of the pattern-file reader, each
/// checked against the slow path it replaces.
final class StartupCacheTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("entex-startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A copy of the name-rule lists of `Lexicons/` in the scratch folder (so that tests can change them).
    func copyOfRuleLists() throws -> String {
        let lexicons = scratch.appendingPathComponent("Lexicons")
        for relative in NameRuleResources.sourceFiles(TestSupport.lexicons).map({ String($0.path.dropFirst(TestSupport.lexicons.count + 1)) }) {
            let target = lexicons.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestSupport.lexicons + "/" + relative, toPath: target.path)
        }
        return lexicons.path
    }

    func cacheFiles(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("namerules-") && $0.hasSuffix(".bin") }.map { directory.appendingPathComponent($0).path }
    }

    /// Two tables alike in every stored array: keys, their ends and hashes, and slots.
    func assertSameTable(_ x: ByteStringTable, _ y: ByteStringTable, _ what: String, file: StaticString, line: UInt) {
        XCTAssertEqual(x.pool, y.pool, what, file: file, line: line)
        XCTAssertEqual(x.ends, y.ends, what, file: file, line: line)
        XCTAssertEqual(x.hashes, y.hashes, what, file: file, line: line)
        XCTAssertEqual(x.slots, y.slots, what, file: file, line: line)
    }

    func assertSameTables(_ a: NameRuleResources, _ b: NameRuleResources, file: StaticString = #filePath, line: UInt = #line) {
        func same(_ x: ByteStringTable, _ y: ByteStringTable, _ what: String) {
            // The cache stores the built table's slots; every key must be found at its id.
            assertSameTable(x, y, what, file: file, line: line)
            for id in 0..<x.count {
                let key = Array(x.key(id))
                XCTAssertEqual(y.lookup(key), id, what, file: file, line: line)
            }
        }
        XCTAssertEqual(a.titles.keys.sorted(), b.titles.keys.sorted(), file: file, line: line)
        for lang in a.titles.keys {
            same(a.titles[lang]!, b.titles[lang]!, "titles \(lang)")
            XCTAssertEqual(a.titleKinds[lang], b.titleKinds[lang], file: file, line: line)
            same(a.commonWords[lang]!, b.commonWords[lang]!, "common \(lang)")
        }
        XCTAssertEqual(a.maxTitleWords, b.maxTitleWords, file: file, line: line)
        same(a.titleFirstWords, b.titleFirstWords, "title first words")
        same(a.orgHeads, b.orgHeads, "org heads")
        XCTAssertEqual(a.orgHeadPositions, b.orgHeadPositions, file: file, line: line)
        same(a.connectors, b.connectors, "connectors")
        XCTAssertEqual(a.connectorUses, b.connectorUses, file: file, line: line)
        same(a.firstNames, b.firstNames, "first names")
        XCTAssertEqual(a.firstNameIsCommon, b.firstNameIsCommon, file: file, line: line)
        let x = a.wordIndex, y = b.wordIndex
        XCTAssertEqual(x.keyPool, y.keyPool, "word index", file: file, line: line)
        XCTAssertEqual(x.keyEnds, y.keyEnds, "word index", file: file, line: line)
        XCTAssertEqual(x.slots, y.slots, file: file, line: line)
        XCTAssertEqual(x.commonIn, y.commonIn, file: file, line: line)
        XCTAssertEqual(x.firstName, y.firstName, file: file, line: line)
        XCTAssertEqual(x.languages, y.languages, file: file, line: line)
        XCTAssertEqual(x.sourceCounts, y.sourceCounts, file: file, line: line)
        XCTAssertEqual(x.firstNameFilter.words, y.firstNameFilter.words, "first-name filter", file: file, line: line)
        XCTAssertEqual(x.wordFilter.words, y.wordFilter.words, "word filter", file: file, line: line)
        // Probes of the index answer the same for every key of both.
        for id in 0..<x.count {
            let key = Array(x.key(id))
            let found = key.withUnsafeBufferPointer { y.find($0, hash: ByteStringTable.hash($0)) }
            XCTAssertEqual(found, id, file: file, line: line)
        }
    }

    // MARK: - Text lists read as bytes

    func assertSameText(_ a: TextResources, _ b: TextResources, file: StaticString = #filePath, line: UInt = #line) {
        func same(_ x: ByteStringTable, _ y: ByteStringTable, _ what: String) { assertSameTable(x, y, what, file: file, line: line) }
        same(a.abbreviations, b.abbreviations, "abbreviations")
        XCTAssertEqual(a.abbreviationKinds, b.abbreviationKinds, file: file, line: line)
        same(a.abbreviationPrefixes, b.abbreviationPrefixes, "abbreviation prefixes")
        same(a.tlds, b.tlds, "tlds")
        XCTAssertEqual(a.tldIsGeneric, b.tldIsGeneric, file: file, line: line)
        XCTAssertEqual(a.stopwords.keys.sorted(), b.stopwords.keys.sorted(), file: file, line: line)
        for lang in a.stopwords.keys { same(a.stopwords[lang]!, b.stopwords[lang]!, "stopwords \(lang)") }
        same(a.functionWords, b.functionWords, "function words")
        same(a.elongationExceptions, b.elongationExceptions, "elongation exceptions")
    }

    /// A copy of `Lexicons/text` in the scratch folder.
    func copyOfTextLists() throws -> String {
        let lexicons = scratch.appendingPathComponent("TextLexicons")
        try FileManager.default.createDirectory(at: lexicons, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.lexicons + "/text", toPath: lexicons.appendingPathComponent("text").path)
        return lexicons.path
    }

    func testTextListsReadAsBytesEqualTheRowReading() throws {
        let bytes = try TextResources.load(from: TestSupport.lexicons)
        assertSameText(bytes, try TextResources.loadByRows(from: TestSupport.lexicons))
        XCTAssertGreaterThan(bytes.abbreviations.count, 300)
        XCTAssertGreaterThan(bytes.tlds.count, 200)
    }

    /// Rows as a hand-written list may have them: carriage returns, spaces around fields,
    /// comments, blank lines, extra columns, non-ASCII and decomposed abbreviations,
    /// capitals in top-level domains, a kind with spaces; read as bytes and as strings.
    func testAwkwardTextRowsReadAsBytesEqualTheRowReading() throws {
        let lexicons = try copyOfTextLists()
        func append(_ relative: String, _ text: String) throws {
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: lexicons + "/text/" + relative))
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            handle.closeFile()
        }
        try append("abbreviations-en.txt", "\n# comment\n  \t \n Gob.\t title \r\nAvda.\tinside\textra\r\nN\u{0303}a.\ttitle\nÑo.\t acronym\nE. E.\tacronym\n\n")
        try append("abbreviations-es.txt", "Sr.\ttitle\nEtc.\tinside\n")
        try append("stopwords-en.txt", "\n  The \r\nÉSTE\nstraße\tx\n#no\n")
        try append("stopwords-es.txt", "Über\n")
        try append("tlds.txt", "\nCOM\tgeneric\nOrg \tgeneric \nÉX\tcountry\r\nnet\tgeneric\r\n")
        try FileManager.default.removeItem(atPath: lexicons + "/text/elongation-exceptions-es.txt")
        try append("elongation-exceptions-en.txt", " WWW \r\nzzz")
        assertSameText(try TextResources.load(from: lexicons), try TextResources.loadByRows(from: lexicons))
    }

    func testTextListErrorsAreTheRowReadingsErrors() throws {
        for (relative, text) in [("abbreviations-es.txt", "Sr.\tboss\n"), ("abbreviations-en.txt", "\nDr.\n"), ("tlds.txt", "com\n"),
                                 ("stopwords-en.txt", "ok\n\u{FF}\n")] {
            let lexicons = try copyOfTextLists()
            defer { try? FileManager.default.removeItem(atPath: lexicons) }
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: lexicons + "/text/" + relative)))
            bytes += Array(text.utf8)
            if text.contains("\u{FF}") { bytes[bytes.count - 3 ... bytes.count - 2] = [0xFF, 0xFE] }
            try Data(bytes).write(to: URL(fileURLWithPath: lexicons + "/text/" + relative))
            var byteError: DataFileError?, rowError: DataFileError?
            do { _ = try TextResources.load(from: lexicons) } catch { byteError = error }
            do { _ = try TextResources.loadByRows(from: lexicons) } catch { rowError = error }
            XCTAssertNotNil(byteError, relative)
            XCTAssertEqual(byteError?.description, rowError?.description, relative)
        }
    }

    /// `DataFile.forEachRow` and `DataFile.rows` (made from it) give the rows of a
    /// reference written here with the standard library's splitting (lines on LF, a final
    /// CR dropped, comment and blank lines skipped, fields on TAB): same fields, lines
    /// and column errors, on generated files of tabs, spaces, returns, comments and blank lines.
    func testForEachRowGivesTheRowsOfRows() throws {
        var generator = Generator(state: 91)
        let pieces = ["a", "Bé", " ", "\t", "\r", "\n", "#", "x y", "\r\n", "ñ", ""]
        let path = scratch.appendingPathComponent("rows.txt").path
        for round in 0..<400 {
            let text = (0..<(round % 40)).map { _ in generator.pick(pieces) }.joined()
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            for columns in 1...3 {
                var expected: [(fields: [String], trimmed: [String], line: Int)]? = []
                var expectedError: String?
                for (index, line) in Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                    var bytes = Array(line)
                    if bytes.last == 0x0D { bytes.removeLast() }
                    if bytes.first == UInt8(ascii: "#") || bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                    let fields = bytes.split(separator: 0x09, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                    if fields.count < columns {
                        expectedError = DataFileError(file: path, line: index + 1,
                                                      message: "expected at least \(columns) tab-separated columns, found \(fields.count)").description
                        expected = nil
                        break
                    }
                    expected?.append((fields, fields.map { Substring($0).trimmedField }, index + 1))
                }
                var made: [(fields: [String], trimmed: [String], line: Int)] = []
                var madeError: String?
                do {
                    made = try DataFile.rows(path, minimumColumns: columns).map { row in
                        (row.fields.map(String.init), row.fields.map(\.trimmedField), row.line)
                    }
                } catch { madeError = error.description }
                var got: [(fields: [String], trimmed: [String], line: Int)] = []
                var gotError: String?
                do {
                    try DataFile.forEachRow(path, minimumColumns: columns) { row in
                        got.append(((0..<row.count).map(row.string), (0..<row.count).map { String(decoding: row.trimmed($0), as: UTF8.self) }, row.line))
                    }
                } catch { gotError = error.description }
                for (reader, rows, error) in [("rows", made, madeError), ("forEachRow", got, gotError)] {
                    XCTAssertEqual(error, expectedError, "\(reader), round \(round)")
                    guard let expected else { continue }
                    XCTAssertEqual(rows.map(\.fields), expected.map(\.fields), "\(reader), round \(round)")
                    XCTAssertEqual(rows.map(\.trimmed), expected.map(\.trimmed), "\(reader), round \(round)")
                    XCTAssertEqual(rows.map(\.line), expected.map(\.line), "\(reader), round \(round)")
                }
            }
        }
    }

    // MARK: - Name-rule cache

    /// The cache folder read with `getenv` is the one `ProcessInfo.environment` gives
    /// (the variables as the test runs, then with XDG_CACHE_HOME empty and set).
    func testDefaultCacheDirectoryIsTheEnvironmentsOne() {
        func expected() -> String? {
            let env = ProcessInfo.processInfo.environment
            if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/entex" }
            if let home = env["HOME"], !home.isEmpty { return home + "/.cache/entex" }
            return nil
        }
        let saved = getenv("XDG_CACHE_HOME").map { String(cString: $0) }
        defer { if let saved { setenv("XDG_CACHE_HOME", saved, 1) } else { unsetenv("XDG_CACHE_HOME") } }
        XCTAssertEqual(GazetteerCache.defaultDirectory, expected())
        setenv("XDG_CACHE_HOME", "", 1)
        XCTAssertEqual(GazetteerCache.defaultDirectory, expected())
        setenv("XDG_CACHE_HOME", "/tmp/entex-caché", 1)
        XCTAssertEqual(GazetteerCache.defaultDirectory, "/tmp/entex-caché/entex")
        XCTAssertEqual(GazetteerCache.defaultDirectory, expected())
        unsetenv("XDG_CACHE_HOME")
        XCTAssertEqual(GazetteerCache.defaultDirectory, expected())
    }

    func testCachedNameRuleTablesEqualBuiltOnes() throws {
        let cache = scratch.appendingPathComponent("cache")
        let built = try NameRuleResources.build(from: TestSupport.lexicons)
        let first = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        XCTAssertFalse(first.fromCache)
        XCTAssertEqual(cacheFiles(cache).count, 1)
        let second = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        XCTAssertTrue(second.fromCache)
        assertSameTables(built, first.resources)
        assertSameTables(built, second.resources)
        XCTAssertGreaterThan(second.resources.commonWords["es"]!.count, 1000)
    }

    /// The word index's filters, stored in the cache, are the ones the rules stage built
    /// from the lists at every start before: same bits, from a build and from the cache.
    func testWordIndexFiltersAreTheFiltersOfTheLists() throws {
        let cache = scratch.appendingPathComponent("cache")
        _ = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        let cached = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        XCTAssertTrue(cached.fromCache)
        for r in [try NameRuleResources.build(from: TestSupport.lexicons), cached.resources] {
            let firstNames = KeyHashFilter([r.firstNames])
            let words = KeyHashFilter([r.firstNames] + r.commonWords.keys.sorted().map { r.commonWords[$0]! })
            XCTAssertEqual(r.wordIndex.firstNameFilter.words, firstNames.words)
            XCTAssertEqual(r.wordIndex.wordFilter.words, words.words)
            XCTAssertGreaterThan(words.words.count, firstNames.words.count)
        }
        // An index built by hand (no lists) has the empty filters.
        XCTAssertEqual(WordIndex().wordFilter.words, KeyHashFilter([]).words)
        XCTAssertEqual(WordIndex().firstNameFilter.words, KeyHashFilter([]).words)
    }

    func testChangedWordListMakesTheCacheStale() throws {
        let lexicons = try copyOfRuleLists()
        let cache = scratch.appendingPathComponent("cache")
        let before = try NameRuleCache.load(from: lexicons, directory: cache.path)
        XCTAssertNil(before.resources.firstNames.lookup(Tokenizer.key("Zyxwabc")))
        XCTAssertTrue(try NameRuleCache.load(from: lexicons, directory: cache.path).fromCache)

        let names = lexicons + "/names/first_names.tsv"
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: names))
        handle.seekToEndOfFile()
        handle.write(Data("Zyxwabc\n".utf8))
        handle.closeFile()
        let after = try NameRuleCache.load(from: lexicons, directory: cache.path)
        XCTAssertFalse(after.fromCache)
        XCTAssertNotNil(after.resources.firstNames.lookup(Tokenizer.key("Zyxwabc")))
        assertSameTables(try NameRuleResources.build(from: lexicons), after.resources)
        XCTAssertTrue(try NameRuleCache.load(from: lexicons, directory: cache.path).fromCache)

        // An optional list that appears also changes the key.
        try FileManager.default.removeItem(atPath: lexicons + "/rules/connectors.txt")
        let without = try NameRuleCache.load(from: lexicons, directory: cache.path)
        XCTAssertFalse(without.fromCache)
        XCTAssertEqual(without.resources.connectors.count, 0)
        try FileManager.default.copyItem(atPath: TestSupport.lexicons + "/rules/connectors.txt", toPath: lexicons + "/rules/connectors.txt")
        let with = try NameRuleCache.load(from: lexicons, directory: cache.path)
        XCTAssertFalse(with.fromCache)
        XCTAssertGreaterThan(with.resources.connectors.count, 0)
    }

    /// Stored slots are read as they are, so a file whose slots could send a probe outside
    /// its table (an id past the keys, no empty slot, a size not a power of two) is refused
    /// even when its checksum matches, as for a file that was written so.
    func testCachedSlotsThatCouldProbeOutsideTheirTableAreRefused() throws {
        let built = try NameRuleResources.build(from: TestSupport.lexicons)
        let key = try XCTUnwrap(NameRuleCache.key(TestSupport.lexicons))
        let path = scratch.appendingPathComponent("namerules-test.bin").path
        XCTAssertTrue(NameRuleCache.write(built, key: key, to: path))
        assertSameTables(built, try XCTUnwrap(NameRuleCache.read(path, key: key)))

        let table = built.orgHeads
        XCTAssertTrue(NameRuleCache.slotsAreConsistent(table.slots, count: table.count))
        let used = try XCTUnwrap(table.slots.firstIndex { $0 != 0 })
        var pastTheKeys = table.slots
        pastTheKeys[used] = UInt32(table.count + 1)
        var full = table.slots
        for i in full.indices where full[i] == 0 { full[i] = 1 }
        let badSlots: [[UInt32]] = [pastTheKeys, full, Array(table.slots.dropLast()), []]
        for slots in badSlots {
            XCTAssertFalse(NameRuleCache.slotsAreConsistent(slots, count: table.count))
            var damaged = built
            damaged.orgHeads = ByteStringTable(pool: table.pool, ends: table.ends, slots: slots, hashes: table.hashes)
            XCTAssertTrue(NameRuleCache.write(damaged, key: key, to: path))
            XCTAssertNil(NameRuleCache.read(path, key: key), "\(slots.count) slots")
        }

        let index = built.wordIndex.slots.array
        XCTAssertTrue(NameRuleCache.slotsAreConsistent(index, count: built.wordIndex.count))
        let usedInIndex = try XCTUnwrap(index.firstIndex { $0 != 0 })
        var hashWithoutID = index
        hashWithoutID[usedInIndex] &= ~0xFFFF_FFFF
        var idPastTheKeys = index
        idPastTheKeys[usedInIndex] = idPastTheKeys[usedInIndex] & ~0xFFFF_FFFF | UInt64(built.wordIndex.count + 1)
        for slots in [hashWithoutID, idPastTheKeys, Array(index.dropLast())] {
            XCTAssertFalse(NameRuleCache.slotsAreConsistent(slots, count: built.wordIndex.count))
        }
    }

    func testTruncatedOrDamagedCacheIsRebuiltNotTrusted() throws {
        let cache = scratch.appendingPathComponent("cache")
        let built = try NameRuleResources.build(from: TestSupport.lexicons)
        _ = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let key = try XCTUnwrap(NameRuleCache.key(TestSupport.lexicons))
        XCTAssertNotNil(NameRuleCache.read(path, key: key))
        XCTAssertNil(NameRuleCache.read(path, key: key &+ 1), "another key")

        var damaged: [Data] = [Data(), good.prefix(7), good.prefix(good.count / 2), good.prefix(good.count - 1), good + Data([0])]
        var random = Generator(state: 7)
        for _ in 0..<24 {
            var bytes = [UInt8](good)
            let at = Int(random.next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(1 + random.next() % 255)
            damaged.append(Data(bytes))
        }
        // Damage in the counts and offsets near the start, where the structure lives.
        for at in [8, 16, 40, 64, 100, 200] where at < good.count {
            var bytes = [UInt8](good)
            bytes[at] ^= 0x40
            damaged.append(Data(bytes))
        }
        for (n, data) in damaged.enumerated() {
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertNil(NameRuleCache.read(path, key: key), "damaged file \(n) of \(data.count) bytes was accepted")
            // Building takes a while in a debug build: the full fallback for a few of them.
            guard [0, 2, 5, damaged.count - 1].contains(n) else { continue }
            let loaded = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
            XCTAssertFalse(loaded.fromCache)
            assertSameTables(built, loaded.resources)
            // The rebuild wrote a good file again.
            XCTAssertTrue(try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path).fromCache)
        }
    }

    /// The cache is mapped and the resources read from it view its pages: they stay whole
    /// when the file is replaced (a rebuild renames a new file over it) or removed.
    func testMappedNameRuleTablesOutliveTheirFileBeingReplaced() throws {
        let cache = scratch.appendingPathComponent("cache")
        let built = try NameRuleResources.build(from: TestSupport.lexicons)
        _ = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        let cached = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        XCTAssertTrue(cached.fromCache)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        try Data(repeating: 0x5A, count: good.count).write(to: URL(fileURLWithPath: path), options: .atomic)
        assertSameTables(built, cached.resources)
        try FileManager.default.removeItem(atPath: path)
        assertSameTables(built, cached.resources)
        // The garbage was never trusted: the next load builds and writes a good file again.
        XCTAssertFalse(try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path).fromCache)
        XCTAssertTrue(try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path).fromCache)
    }

    /// A file of the previous layout (format 4: arrays not padded, so not mappable) at the
    /// cache path is refused, trusted or not, and rebuilt.
    func testUnpaddedNameRuleCacheOfTheOldFormatIsRefused() throws {
        let cache = scratch.appendingPathComponent("cache")
        let built = try NameRuleResources.build(from: TestSupport.lexicons)
        _ = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        let key = try XCTUnwrap(NameRuleCache.key(TestSupport.lexicons))
        var old = try XCTUnwrap(BinaryCacheWriter(path: path, checksummed: true))
        old.put(NameRuleCache.magic)
        old.put([UInt32(4)])
        old.put([key])
        old.put(built.titles["en"]!.pool)
        old.putChecksum()
        XCTAssertTrue(old.finish())
        XCTAssertNil(NameRuleCache.read(path, key: key))
        XCTAssertNil(NameRuleCache.read(path, key: key, trustDirectory: cache.path, trustAge: -.infinity))
        // Even with a memo that trusts it, the layout check refuses it.
        let identity = try XCTUnwrap(FileIdentity.identity(path))
        GazetteerCache.ValidationMemo(directory: cache.path, prefix: "namerules-",
                                      domain: "entex-namerules-valid v\(NameRuleCache.formatVersion)",
                                      path: path, identity: identity).remember(startTime: .infinity, trustAge: 0)
        XCTAssertNil(NameRuleCache.read(path, key: key, trustDirectory: cache.path))
        let loaded = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        XCTAssertFalse(loaded.fromCache)
        assertSameTables(built, loaded.resources)
        XCTAssertTrue(try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path).fromCache)
    }

    /// A filter viewing its words (as read from a cache) answers as the one built; one
    /// `insert` at a time fills the same bits as `insert(contentsOf:)`.
    func testKeyHashFilterViewAndInsertsAgreeWithTheBuiltFilter() throws {
        let lists = try NameRuleResources.build(from: TestSupport.lexicons)
        let built = KeyHashFilter([lists.firstNames])
        var oneByOne = KeyHashFilter(capacity: lists.firstNames.count)
        for h in lists.firstNames.hashes.prefix(300) { oneByOne.insert(h) }
        oneByOne.insert(contentsOf: lists.firstNames.hashes.dropFirst(300))
        XCTAssertEqual(oneByOne.words, built.words)
        let viewed = try XCTUnwrap(KeyHashFilter(words: MappableArray(built.words.array)))
        var random = Generator(state: 11)
        for _ in 0..<20_000 {
            let h = UInt32(truncatingIfNeeded: random.next())
            XCTAssertEqual(viewed.mayContain(h), built.mayContain(h))
        }
        for h in lists.firstNames.hashes { XCTAssertTrue(viewed.mayContain(h)) }
        XCTAssertNil(KeyHashFilter(words: MappableArray<UInt64>([1, 2, 3])))
        XCTAssertNil(KeyHashFilter(words: MappableArray<UInt64>()))
    }

    func testValidatedNameRuleCacheIsTrustedUntilTheFileChanges() throws {
        let cache = scratch.appendingPathComponent("cache")
        let built = try NameRuleResources.build(from: TestSupport.lexicons)
        _ = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        let path = try XCTUnwrap(cacheFiles(cache).first)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let key = try XCTUnwrap(NameRuleCache.key(TestSupport.lexicons))
        func memos() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).filter { $0.hasPrefix("namerules-") && $0.hasSuffix(".valid") }
        }
        func read(trustAge: Double = -.infinity) -> (resources: NameRuleResources, validated: Bool)? {
            NameRuleCache.readReporting(path, key: key, trustDirectory: cache.path, trustAge: trustAge)
        }
        // A file changed less than `trustAge` ago is validated every time, and not remembered.
        XCTAssertEqual(read(trustAge: 3600)?.validated, true)
        XCTAssertEqual(read(trustAge: 3600)?.validated, true)
        XCTAssertTrue(memos().isEmpty)
        let validated = try XCTUnwrap(read())
        XCTAssertTrue(validated.validated)
        XCTAssertEqual(memos().count, 1)
        let trusted = try XCTUnwrap(read())
        XCTAssertFalse(trusted.validated, "read again, same identity: trusted")
        assertSameTables(built, validated.resources)
        assertSameTables(built, trusted.resources)

        // A replaced file (a new identity) is validated again: a damaged one is refused.
        var replaced = 0
        func replace(with bytes: [UInt8]) throws {
            replaced += 1
            XCTAssertEqual(link(path, scratch.appendingPathComponent("replaced-\(replaced).bin").path), 0)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        var damaged = good
        damaged[damaged.count / 2] ^= 0x20
        try replace(with: damaged)
        XCTAssertNil(read())
        XCTAssertNil(NameRuleCache.read(path, key: key, trustDirectory: cache.path))
        try replace(with: good)
        XCTAssertEqual(read()?.validated, true)
        XCTAssertEqual(read()?.validated, false)
        // `load` reads it from the cache directory it trusts.
        let loaded = try NameRuleCache.load(from: TestSupport.lexicons, directory: cache.path)
        XCTAssertTrue(loaded.fromCache)
        assertSameTables(built, loaded.resources)
    }

    func testUnwritableOrAbsentCacheDirectoryStillLoads() throws {
        let file = scratch.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: file)
        let loaded = try NameRuleCache.load(from: TestSupport.lexicons, directory: file.path + "/cache")
        XCTAssertFalse(loaded.fromCache)
        let plain = try NameRuleResources.load(from: TestSupport.lexicons, cacheDirectory: nil)
        assertSameTables(plain, loaded.resources)
    }

    func testMalformedListIsStillAnErrorWithACacheDirectory() throws {
        let lexicons = try copyOfRuleLists()
        let cache = scratch.appendingPathComponent("cache")
        _ = try NameRuleCache.load(from: lexicons, directory: cache.path)
        let path = lexicons + "/rules/titles-en.txt"
        try "president\trole\nsenator\tsometimes\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NameRuleResources.load(from: lexicons, cacheDirectory: cache.path)) { error in
            XCTAssertEqual((error as? DataFileError)?.line, 2)
        }
    }

    func testBinaryCacheReaderRefusesCountsBeyondTheFile() throws {
        let path = scratch.appendingPathComponent("arrays.bin").path
        var out = try XCTUnwrap(BinaryCacheWriter(path: path, checksummed: true))
        out.put([UInt32](1...1000))
        out.put([UInt8]())
        out.putChecksum()
        XCTAssertTrue(out.finish())
        let input = try XCTUnwrap(BinaryCacheReader(path: path, checksummed: true))
        XCTAssertEqual(input.get(UInt32.self), [UInt32](1...1000))
        XCTAssertEqual(input.get(UInt8.self), [])
        XCTAssertTrue(input.checksumMatches())
        XCTAssertTrue(input.isComplete)

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[6] = 0x7F  // a count of about 2^55 elements
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let bad = try XCTUnwrap(BinaryCacheReader(path: path, checksummed: true))
        XCTAssertEqual(bad.get(UInt32.self), [])
        XCTAssertEqual(bad.get(UInt8.self), [])
        XCTAssertFalse(bad.isComplete)
    }

    // MARK: - Lazy JIT

    func testPatternsAreJITCompiledOnFirstMatchNotAtLoad() throws {
        let patterns = try RegexPatterns.load(from: TestSupport.lexicons)
        let regexes = patterns.patterns.compactMap(\.regex) + patterns.patterns.compactMap(\.anchored)
        XCTAssertGreaterThan(regexes.count, 20)
        // Loading checked every example with the interpreter: no JIT compile yet.
        XCTAssertFalse(regexes.contains { $0.jitTried })
        let pipeline = try PipelineConfiguration(stages: ["tokenize", "sentences", "language", "regex"])
            .makePipeline(resources: Resources(lexiconsPath: TestSupport.lexicons, text: TestSupport.resources.text,
                                               patterns: patterns))
        XCTAssertFalse(regexes.contains { $0.jitTried }, "making a pipeline compiles nothing")
        var doc = Document(id: "jit", text: "On 12 March 2024 at 10:30 the price rose 5% to $1.2 million.", language: "en")
        try pipeline.process(&doc)
        XCTAssertTrue(regexes.contains { $0.jitTried })
        XCTAssertFalse(doc.candidates.isEmpty)
    }

    func testConcurrentFirstMatchesJITCompileOnceAndAgree() throws {
        let source = "(?<year>\\d{4})-(?<month>\\d\\d)-(?<day>\\d\\d) | \\b(?:jan|feb|mar)\\w*\\s+\\d{1,2}"
        let subjects = ["on 2024-03-12 and", "Mar 5", "nothing here", "febrero 28 y 2023-01-02", String(repeating: "x", count: 500) + "jan 1"]
        // Reference: the interpreter, one thread.
        let reference = try CompiledRegex(pattern: source, flags: UInt32(ENTEX_RE_EXTENDED) | UInt32(ENTEX_RE_CASELESS))
        let expected = subjects.map { reference.firstMatch(in: $0) }
        XCTAssertFalse(reference.jitTried)

        for _ in 0..<20 {
            let regex = try CompiledRegex(pattern: source, flags: UInt32(ENTEX_RE_EXTENDED) | UInt32(ENTEX_RE_CASELESS))
            XCTAssertFalse(regex.jitTried)
            let threads = 8
            let results = ResultBox(count: threads)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                guard let matcher = entex_matcher_create(UInt32(regex.captureCount + 1), 100_000, 1_000) else { return }
                defer { entex_matcher_free(matcher) }
                var found: [String?] = []
                for round in 0..<50 {
                    let text = subjects[(t + round) % subjects.count]
                    let bytes = Array(text.utf8)
                    var ovector = [Int](repeating: 0, count: 2 * (regex.captureCount + 1))
                    let rc = bytes.withUnsafeBufferPointer { p in
                        ovector.withUnsafeMutableBufferPointer { o in
                            o.withMemoryRebound(to: size_t.self) { o in
                                entex_regex_match(regex.handle, p.baseAddress, p.count, 0, 0, matcher, o.baseAddress,
                                                  UInt32(regex.captureCount + 1))
                            }
                        }
                    }
                    found.append(rc > 0 ? String(decoding: bytes[ovector[0]..<ovector[1]], as: UTF8.self) : nil)
                }
                results.set(t, found)
            }
            XCTAssertTrue(regex.jitTried)
            XCTAssertTrue(regex.isJIT)
            for t in 0..<threads {
                let found = try XCTUnwrap(results.get(t))
                XCTAssertEqual(found.count, 50)
                for (round, match) in found.enumerated() {
                    XCTAssertEqual(match, expected[(t + round) % subjects.count])
                }
            }
        }
    }

    // MARK: - Byte paths of the pattern reader

    func testTrimmedWhitespaceIsFoundationsTrim() {
        let pieces = ["", " ", "\t", "a", "é", "\u{00A0}", "\u{2003}", "\u{3000}", "\r", "\n", "x y", "ñ", "\u{301}", "#", "日本"]
        var random = Generator(state: 11)
        var inputs: [String] = []
        for a in pieces { for b in pieces { inputs.append(a + b); inputs.append(" " + a + "\t" + b + " ") } }
        for _ in 0..<3000 {
            inputs.append((0..<Int(random.next() % 6)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined())
        }
        for s in inputs {
            XCTAssertEqual(s.trimmedWhitespace, s.trimmingCharacters(in: .whitespaces), "\(Array(s.unicodeScalars))")
            let sub = Substring("\t" + s + " ")
            XCTAssertEqual(sub.trimmedWhitespace, sub.trimmingCharacters(in: .whitespaces))
        }
    }

    func testLineSplitIsCharacterSplit() {
        let pieces = ["a", "\n", "\r\n", "\r", "é", "\n\u{301}", "#x", " ", "\n\n"]
        var random = Generator(state: 5)
        for _ in 0..<3000 {
            let text = (0..<Int(random.next() % 10)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            XCTAssertEqual(PatternFileParser.lines(text), text.split(separator: "\n", omittingEmptySubsequences: false),
                           "\(Array(text.unicodeScalars))")
        }
    }

    func testEscapeOfASCIIEntriesIsTheCharacterEscape() {
        var inputs = (0x20..<0x7F).map { String(UnicodeScalar(UInt8($0))) }
        var random = Generator(state: 3)
        let alphabet = Array(" .-'&$()[]{}|*+?^aZ09é\t\u{00A0}")
        for _ in 0..<3000 {
            inputs.append(String((0..<Int(random.next() % 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
        }
        for s in inputs {
            XCTAssertEqual(RegexPatterns.escape(s), RegexPatterns.escapeCharacters(s), s)
        }
    }
}

/// Per-thread results of a concurrent test.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[String?]?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: [String?]) { lock.lock(); values[i] = value; lock.unlock() }
    func get(_ i: Int) -> [String?]? { lock.lock(); defer { lock.unlock() }; return values[i] }
}

/// The ASCII shortcuts of loading: an ASCII word's tokenizer key and NFC form are ICU's.
final class StartupASCIIShortcutTests: XCTestCase {
    func testTokenizerKeyIsICUKeyForEveryListWord() throws {
        var words: [String] = []
        for file in ["text/stopwords-en.txt", "text/stopwords-es.txt", "text/elongation-exceptions-en.txt",
                     "text/elongation-exceptions-es.txt", "common/en.txt", "patterns/words.txt", "patterns/words-es.txt"] {
            let path = TestSupport.lexicons + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { continue }
            for row in try DataFile.rows(path) { words.append(String(row.fields[0]).trimmedField) }
        }
        words += (0x20..<0x7F).map { String(UnicodeScalar(UInt8($0))) } + ["ABC", "McDonald's", "U.S.", "x-Y_z 9"]
        XCTAssertGreaterThan(words.count, 1000)
        for w in words {
            XCTAssertEqual(Tokenizer.key(w), ICUFold.key(w), w)
            if w.utf8.allSatisfy({ $0 < 0x80 }) { XCTAssertEqual(ICUFold.nfc(w), w) }
        }
    }
}
