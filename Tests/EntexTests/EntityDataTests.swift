import Dispatch
@testable import Entex
import XCTest

/// `Entity` as plain data: rule names interned, names and values kept in the
/// document's `annotationBytes`, read back through the document.
final class EntityDataTests: XCTestCase {
    func testEntityIsPlainData() {
        XCTAssertTrue(_isPOD(Entity.self), "copying or freeing an entity must touch no reference count")
        XCTAssertTrue(_isPOD(TextRef.self))
    }

    func testNamesAndValuesReadBackAsWritten() throws {
        var doc = Document(id: "t", text: "Zürich grew 1.50 % #ÚltimoMinuto")
        let values: [JSONValue?] = [nil, .number("1.50"), .string("q\"uote\\ and \u{1}"), .string("Último Minuto"),
                                    .object([JSONValue.Member("amount", .number("-3e5")), JSONValue.Member("unit", .string("USD")),
                                             JSONValue.Member("range", .array([.null, .bool(true)]))])]
        for (n, value) in values.enumerated() {
            let canonical: String? = n % 2 == 0 ? "Zürich \(n)" : nil
            let kb: String? = n % 3 == 0 ? nil : "geonames:\(n)"
            let e = Entity(span: Span(0, 7), type: .gpe, source: .gazetteer, canonical: doc.annotation(canonical),
                           kb: doc.annotation(kb), value: doc.annotation(json: value), rule: n == 0 ? nil : "rule-\(n)")
            XCTAssertEqual(doc.canonical(of: e), canonical)
            XCTAssertEqual(doc.kb(of: e), kb)
            XCTAssertEqual(doc.value(of: e), value)
            XCTAssertEqual(doc.rule(of: e), n == 0 ? nil : "rule-\(n)")
            // The decoding shortcut for string values agrees with the parser.
            if case .string(let s)? = value { XCTAssertEqual(doc.stringValue(of: e), s) } else { XCTAssertNil(doc.stringValue(of: e)) }
        }
        // An empty name is a name, not none.
        let empty = doc.annotation("")
        XCTAssertFalse(empty.isNone)
        XCTAssertEqual(doc.string(empty), "")
    }

    func testRuleNamesGetOneIdFromEveryThread() {
        let names = (0..<200).map { "entity-data-test-rule-\($0)" }
        var ids = [[UInt32]](repeating: [], count: 8)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            let mine = (t % 2 == 0 ? names : names.reversed()).map { RuleNames.id($0) }
            lock.lock()
            ids[t] = t % 2 == 0 ? mine : mine.reversed()
            lock.unlock()
        }
        for t in 1..<8 { XCTAssertEqual(ids[t], ids[0]) }
        XCTAssertEqual(Set(ids[0]).count, names.count)
        for (name, id) in zip(names, ids[0]) { XCTAssertEqual(RuleNames.name(id), name) }
        XCTAssertNil(RuleNames.name(RuleNames.none))
        XCTAssertEqual(RuleNames.id(nil as String?), RuleNames.none)
    }

    /// Canonically equivalent spellings are different names to `RuleNames`: each
    /// reads back with its own bytes.
    func testRuleNamesKeepEachSpelling() {
        let composed = "test-rule-names-spelling-caf\u{E9}"
        let decomposed = String(composed.unicodeScalars.flatMap { $0 == "\u{E9}" ? ["e", "\u{301}"] : [$0] }.map(Character.init))
        XCTAssertEqual(composed, decomposed)  // equal as Strings
        let a = RuleNames.id(composed), b = RuleNames.id(decomposed)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(RuleNames.name(a).map { Array($0.utf8) }, Array(composed.utf8))
        XCTAssertEqual(RuleNames.name(b).map { Array($0.utf8) }, Array(decomposed.utf8))
        XCTAssertEqual(RuleNames.id(decomposed), b)
    }

    /// The resolver's name order on annotation bytes (memcmp, with decoding only
    /// past U+02FF) against `String?` comparison, on names with precomposed and
    /// combining accents, letters past U+0300, emoji and empty names.
    func testNameOrderOnBytesIsStringOrder() {
        var g = Generator(state: 17)
        let pieces = ["a", "b", "z", "Á", "A\u{301}", "é", "e\u{301}", "ß", "ss", "Ω", "\u{2FF}", "\u{300}", "ǅ", "中",
                      "🇻🇪", "ﬁ", "Å", "\u{212B}", " ", "-", "ñ", "n\u{303}"]
        var bytes: [UInt8] = []
        var decided = 0
        for _ in 0..<50_000 {
            func name() -> String? {
                g.next() % 8 == 0 ? nil : (0..<Int(g.next() % 4)).map { _ in g.pick(pieces) }.joined()
            }
            let a = name(), b = g.next() % 4 == 0 ? a : name()
            let expected: OverlapResolver.NameOrder
            if a == b {
                expected = .equal
            } else {
                let x = a ?? "", y = b ?? ""
                expected = x < y ? .before : y < x ? .after : .undecided
            }
            let got = OverlapResolver.compareNames(TextRef.append(a, to: &bytes), TextRef.append(b, to: &bytes), bytes)
            XCTAssertEqual(got, expected, "\(String(describing: a)) \(String(describing: b))")
            if got == .before || got == .after { decided += 1 }
        }
        XCTAssertGreaterThan(decided, 20_000)
    }
}
