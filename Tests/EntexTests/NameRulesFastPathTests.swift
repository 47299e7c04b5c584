@testable import Entex
import Foundation
import XCTest

/// The rules stage's fast paths against the slow answers they stand in for:
/// the token search from a hint against binary search, the byte test of a
/// country code against `hasPrefix`, and the filtered stage (title starts
/// from one table, tokens turned away before their facts) against the
/// reference stage on texts built from every title phrase.
final class NameRulesFastPathTests: XCTestCase {
    func testFirstTokenFromAnyHintIsTheBinarySearchAnswer() {
        var generator = Generator(state: 7)
        var checked = 0
        for round in 0..<300 {
            // Sorted starts, some tokens touching, some far apart, some of length 0.
            var tokens: [Token] = []
            var offset: Int32 = Int32(generator.next() % 3)
            for _ in 0..<(round % 40) {
                let length = Int32(generator.next() % 6)
                tokens.append(Token(start: offset, end: offset + length, keyStart: 0, keyEnd: 0, kind: .word, flags: []))
                offset += length + Int32(generator.next() % 3)
            }
            tokens.withUnsafeBufferPointer { tokens in
                for _ in 0..<60 {
                    let target = Int32(generator.next() % UInt64(offset + 4)) - 1
                    let expected = tokens.firstToken(atOrAfter: target)
                    for hint in 0...tokens.count {
                        XCTAssertEqual(tokens.firstToken(atOrAfter: target, from: hint), expected,
                                       "offset \(target), hint \(hint), starts \(tokens.map(\.start))")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 100_000)
    }

    func testCountryCodeTestAgreesWithHasPrefix() {
        var kbs: [String?] = [nil, "", "iso3166", "iso3166:", "iso3166:VE", "iso3166:ve-13", "iso3166-2:VE",
                              "iso3166:\u{301}VE", "iso3166:\u{300}", "iso3166:é", "iso3166:\r\n", "wikidata:Q1",
                              "ISO3166:VE", "iso3166;VE", "iso3166:\u{200D}X", "iso3166:🇻🇪", "iso316:VE"]
        var generator = Generator(state: 11)
        let pieces = ["iso", "3166", ":", "VE", "\u{301}", "é", "-", "x", "\u{308}", "🇪", " "]
        for _ in 0..<2000 { kbs.append((0..<Int(generator.next() % 5)).map { _ in generator.pick(pieces) }.joined()) }
        for kb in kbs {
            XCTAssertEqual(NameRules.isCountryCode(kb), kb?.hasPrefix("iso3166:") ?? false, "kb \(String(describing: kb))")
        }
    }

    /// Every title phrase of both languages before a name, written in lower
    /// case, capitalised, in capitals and with abbreviation dots, in English,
    /// Spanish and undetermined documents: the same candidates with and without filters.
    func testTitleStartsAndTurnedAwayTokensGiveTheReferenceCandidates() throws {
        let lists = TestSupport.resources.nameRules
        let before = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex"])
        let filtered = NameRules(resources: TestSupport.resources)
        let reference = NameRules(resources: TestSupport.resources, prefilter: false)
        var phrases: [String] = []
        for language in ["en", "es"] {
            guard let table = lists.titles[language] else { continue }
            for id in 0..<table.count { phrases.append(String(decoding: table.key(id), as: UTF8.self)) }
        }
        XCTAssertGreaterThan(phrases.count, 300)
        var generator = Generator(state: 3)
        let names = ["Maria Lopez", "John Smith", "Wendy", "P. Simmons", "jessica biel", "Carolina Darias de la Cruz", "NASA"]
        let fillers = ["yesterday", "the", "said", "el", "dijo", "su", "his", "of", ",", "(", "@user", "#tag", "3", "Party", "Banco"]
        var texts: [(String, String?)] = []
        for phrase in phrases {
            let written = [phrase, phrase.capitalized, phrase.uppercased(),
                           phrase.split(separator: " ").map { $0 + "." }.joined(separator: " "),
                           phrase.replacingOccurrences(of: " ", with: "-")]
            for form in written {
                let filler = (0..<3).map { _ in generator.pick(fillers) }.joined(separator: " ")
                let text = "\(filler) \(form) \(generator.pick(names)) \(generator.pick(fillers)) \(generator.pick(names)) and \(form)"
                texts.append((text, generator.pick(["en", "es", nil, "fr"])))
            }
        }
        var compared = 0
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            before.process(&doc)
            var a = doc, b = doc
            filtered.process(&a)
            reference.process(&b)
            let fast = a.candidates.map { "\($0)" }, slow = b.candidates.map { "\($0)" }
            XCTAssertEqual(fast, slow, "rules differ on: \(text) (\(language ?? "none"))")
            if fast != slow { return }
            compared += a.candidates.filter { $0.source == .rule }.count
        }
        XCTAssertGreaterThan(compared, 2000)
    }
}
