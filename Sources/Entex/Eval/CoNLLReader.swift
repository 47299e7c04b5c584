import Foundation

/// The column formats `entex eval ner` reads.
public enum NERFormat: String, CaseIterable, Sendable {
    /// CoNLL-2002/2003: `TOKEN … TAG`, IOB1 or IOB2, optional `-DOCSTART-` lines.
    case conll
    /// WNUT-17: `TOKEN<TAB>TAG`, IOB2, one post per block.
    case wnut17
    /// WNUT-16: `TOKEN<TAB>TAG`, IOB2, one tweet per block.
    case wnut16
    /// Broad Twitter Corpus: `TOKEN<TAB>TAG`, IOB2; `@` and the user name are
    /// separate tokens, so @-mentions are left out of scoring on both sides.
    case btc
    /// Untyped mentions: a run of `ENT` tokens is one mention (borrowing_tweets_es).
    case untyped

    /// The scheme name of this format's gold labels in `eval/type-map.tsv`.
    public var scheme: String { rawValue }
}

/// One sentence of a CoNLL file: tokens and their gold tags (the last column).
public struct CoNLLSentence: Sendable {
    public var tokens: [String]
    public var tags: [String]
    /// Line number of the sentence's first token.
    public var line: Int
}

/// One evaluation document: a `-DOCSTART-` block, or a single sentence
/// (tweet) when the file has no document markers.
public struct CoNLLDocument: Sendable {
    public var sentences: [CoNLLSentence]
}

/// Reads CoNLL-style column files.
///
/// Columns are separated by tabs or spaces; the first is the token and the last
/// the tag. Blank lines end sentences. When the file has `-DOCSTART-` lines, the
/// sentences between two of them form one document; otherwise every sentence is
/// its own document. A line with a single column is an error naming file and line.
public enum CoNLLReader {
    public static func read(path: String) throws(DataFileError) -> [CoNLLDocument] {
        try parse(DataFile.readText(path), name: path)
    }

    public static func parse(_ text: String, name: String) throws(DataFileError) -> [CoNLLDocument] {
        var sentences: [[CoNLLSentence]] = [[]]
        var hasDocStart = false
        var current = CoNLLSentence(tokens: [], tags: [], line: 0)
        func endSentence() {
            if !current.tokens.isEmpty { sentences[sentences.count - 1].append(current) }
            current = CoNLLSentence(tokens: [], tags: [], line: 0)
        }
        var number = 0
        // Split on bytes: "\r\n" is one Character, so a Character split would miss CRLF lines.
        for rawLine in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            var bytes = rawLine[...]
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            let line = String(decoding: bytes, as: UTF8.self)
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                endSentence()
                continue
            }
            // Tab-separated files may hold tokens with spaces; others use spaces.
            let fields = line.contains("\t")
                ? line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces)[...] }
                : line.split(separator: " ")
            // A token that is only white space cannot be rebuilt into text: left out.
            if fields.count >= 2, fields[0].isEmpty { continue }
            if fields[0] == "-DOCSTART-" {
                endSentence()
                hasDocStart = true
                if !(sentences.last?.isEmpty ?? true) { sentences.append([]) }
                continue
            }
            guard fields.count >= 2 else {
                throw DataFileError(file: name, line: number, message: "expected a token and a tag, found one column")
            }
            if current.tokens.isEmpty { current.line = number }
            current.tokens.append(String(fields[0]))
            current.tags.append(String(fields[fields.count - 1]))
        }
        endSentence()
        if hasDocStart {
            return sentences.filter { !$0.isEmpty }.map { CoNLLDocument(sentences: $0) }
        }
        return sentences.flatMap { $0 }.map { CoNLLDocument(sentences: [$0]) }
    }
}

/// A mention over tokens of one document: half-open token range and coarse type.
public struct TokenMention: Hashable, Sendable {
    public var start: Int
    public var end: Int
    public var type: String
    public init(start: Int, end: Int, type: String) {
        self.start = start
        self.end = end
        self.type = type
    }
}

/// Turns tag sequences into mentions.
public enum TagDecoder {
    /// Mentions of a tag sequence with raw (unmapped) labels. Reads IOB1 and
    /// IOB2 alike: `B-X` starts a mention; `I-X` continues one only right after
    /// a `B-X` or `I-X`, else starts one. With `untyped`, a run of `ENT` tags
    /// is one mention of type `ENT`. Offsets are added to `base`.
    public static func mentions(_ tags: [String], untyped: Bool, base: Int = 0) -> [TokenMention] {
        var out: [TokenMention] = []
        var open: TokenMention?
        func close() {
            if let m = open { out.append(m) }
            open = nil
        }
        for (i, tag) in tags.enumerated() {
            let k = base + i
            if untyped {
                if tag == "ENT" {
                    if open == nil { open = TokenMention(start: k, end: k + 1, type: "ENT") } else { open!.end = k + 1 }
                } else {
                    close()
                }
                continue
            }
            guard tag.count > 2, tag.hasPrefix("B-") || tag.hasPrefix("I-") else {
                close()
                continue
            }
            let type = String(tag.dropFirst(2))
            if tag.hasPrefix("I-"), let m = open, m.type == type, m.end == k {
                open!.end = k + 1
            } else {
                close()
                open = TokenMention(start: k, end: k + 1, type: type)
            }
        }
        close()
        return out
    }
}
