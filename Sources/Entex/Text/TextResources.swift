/// Word lists the text stages need, loaded from `Lexicons/text/`.
public struct TextResources: Sendable {
    /// Kinds of abbreviation, from `abbreviations-*.txt`.
    public enum AbbreviationKind: UInt8, Sendable {
        /// Precedes a name (`Dr.`, `Sr.`): never ends a sentence.
        case title
        /// Usually mid-sentence (`etc.`, `Inc.`, `Sept.`): ends one only before a capitalized word.
        case inside
        /// A dotted acronym (`U.S.`, `EE. UU.`) that may end a sentence.
        case acronym
    }

    /// Abbreviations exactly as written (`Dr.`, `EE. UU.`); value: kind. An entry
    /// listed by both languages with different kinds is a `title` if either list
    /// says so, otherwise it keeps the kind of the first list read (English).
    public var abbreviations = ByteStringTable()
    public var abbreviationKinds: [AbbreviationKind] = []
    /// First parts of abbreviations written with a space (`ee.` of `ee. uu.`).
    public var abbreviationPrefixes = ByteStringTable()
    /// Top-level domains; value: generic (true) or country (false).
    public var tlds = ByteStringTable()
    public var tldIsGeneric: [Bool] = []
    /// Function words per language, for language detection.
    public var stopwords: [String: ByteStringTable] = [:]
    /// Function words of every language in one table (the gazetteer's
    /// sentence-start check), built once at load.
    public var functionWords = ByteStringTable()
    /// Words that keep three repeated letters (`www`, `iii`): not elongations.
    public var elongationExceptions = ByteStringTable()

    public init() {}

    /// Loads every list from a `Lexicons` folder. The rows are read as bytes
    /// (`DataFile.forEachRow`): `loadByRows` reads them as strings, a test compares.
    public static func load(from lexicons: String) throws(DataFileError) -> TextResources {
        var r = TextResources()
        var key: [UInt8] = []
        for lang in ["en", "es"] {
            let path = "\(lexicons)/text/abbreviations-\(lang).txt"
            try DataFile.forEachRow(path, minimumColumns: 2) { row throws(DataFileError) in
                let kind: AbbreviationKind
                let name = row.trimmed(1)
                if DataByteRow.equals(name, "title") {
                    kind = .title
                } else if DataByteRow.equals(name, "inside") {
                    kind = .inside
                } else if DataByteRow.equals(name, "acronym") {
                    kind = .acronym
                } else {
                    throw DataFileError(file: path, line: row.line, message: "unknown abbreviation kind '\(row.string(1))' (title, inside, acronym)")
                }
                let text = row.trimmed(0)
                // ASCII is already NFC: ICU only for the rest.
                r.addAbbreviation(key: text.allSatisfy({ $0 < 0x80 }) ? Array(text)
                                      : Array(ICUFold.nfc(String(decoding: text, as: UTF8.self)).utf8), kind: kind)
            }
            // `Tokenizer.appendKey` is ICU's key, made without ICU for ASCII words.
            func keys(_ path: String, into table: inout ByteStringTable) throws(DataFileError) {
                try DataFile.forEachRow(path) { row in
                    key.removeAll(keepingCapacity: true)
                    Tokenizer.appendKey(row.trimmed(0), to: &key)
                    _ = table.insert(key)
                }
            }
            var words = ByteStringTable()
            try keys("\(lexicons)/text/stopwords-\(lang).txt", into: &words)
            r.stopwords[lang] = words
            for id in 0..<words.count { r.functionWords.insert(words.key(id)) }
            let exceptions = "\(lexicons)/text/elongation-exceptions-\(lang).txt"
            if FileExists.at(exceptions) {
                try keys(exceptions, into: &r.elongationExceptions)
            }
        }
        let tldPath = "\(lexicons)/text/tlds.txt"
        try DataFile.forEachRow(tldPath, minimumColumns: 2) { row in
            let name = row.field(0)
            // `lowercased()` of ASCII lowers A-Z alone.
            let id = r.tlds.insert(name.allSatisfy({ $0 < 0x80 }) ? name.map { ByteClass.isUpper($0) ? $0 | 0x20 : $0 }
                                   : Array(row.string(0).lowercased().utf8))
            if id == r.tldIsGeneric.count { r.tldIsGeneric.append(DataByteRow.equals(row.field(1), "generic")) }
        }
        return r
    }

    /// `load` as it was made with `DataFile.rows` (a `String` per field): the reference
    /// the byte reading of `load` is tested against.
    static func loadByRows(from lexicons: String) throws(DataFileError) -> TextResources {
        var r = TextResources()
        for lang in ["en", "es"] {
            let path = "\(lexicons)/text/abbreviations-\(lang).txt"
            for row in try DataFile.rows(path, minimumColumns: 2) {
                let kind: AbbreviationKind
                switch row.fields[1].trimmedField {
                case "title": kind = .title
                case "inside": kind = .inside
                case "acronym": kind = .acronym
                default:
                    throw DataFileError(file: path, line: row.line, message: "unknown abbreviation kind '\(row.fields[1])' (title, inside, acronym)")
                }
                r.addAbbreviation(String(row.fields[0]).trimmedField, kind: kind)
            }
            var words = ByteStringTable()
            // `Tokenizer.key` is ICU's key, made without ICU for ASCII words.
            for row in try DataFile.rows("\(lexicons)/text/stopwords-\(lang).txt") {
                words.insert(Tokenizer.key(String(row.fields[0]).trimmedField))
            }
            r.stopwords[lang] = words
            for id in 0..<words.count { r.functionWords.insert(words.key(id)) }
            let exceptions = "\(lexicons)/text/elongation-exceptions-\(lang).txt"
            if FileExists.at(exceptions) {
                for row in try DataFile.rows(exceptions) {
                    r.elongationExceptions.insert(Tokenizer.key(String(row.fields[0]).trimmedField))
                }
            }
        }
        let tldPath = "\(lexicons)/text/tlds.txt"
        for row in try DataFile.rows(tldPath, minimumColumns: 2) {
            let id = r.tlds.insert(Array(row.fields[0].lowercased().utf8))
            if id == r.tldIsGeneric.count { r.tldIsGeneric.append(row.fields[1] == "generic") }
        }
        return r
    }

    mutating func addAbbreviation(_ text: String, kind: AbbreviationKind) {
        // ASCII is already NFC: ICU only for the rest.
        addAbbreviation(key: text.utf8.allSatisfy({ $0 < 0x80 }) ? Array(text.utf8) : Array(ICUFold.nfc(text).utf8), kind: kind)
    }

    /// Adds the abbreviation whose NFC bytes are `key`.
    mutating func addAbbreviation(key: [UInt8], kind: AbbreviationKind) {
        let id = abbreviations.insert(key)
        if id == abbreviationKinds.count {
            abbreviationKinds.append(kind)
        } else if kind == .title {
            // Listed by both languages with different kinds ("Sr." is English "Senior",
            // inside, and Spanish "Señor", title): a title never ends a sentence in
            // either language, so it wins ("Sr. Maduro" stays one sentence).
            abbreviationKinds[id] = .title
        }
        if let space = key.firstIndex(of: 0x20) {
            abbreviationPrefixes.insert(key[..<space])
        }
    }
}

import Foundation

enum FileExists {
    static func at(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
