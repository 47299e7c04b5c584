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
                                    .object([("amount", .number("-3e5")), ("unit", .string("USD")), ("range", .array([.null, .bool(true)]))])]
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
}
