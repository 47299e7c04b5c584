/// The type mapping of `eval/type-map.tsv`: entex types and each format's gold
/// labels to the coarse types that are scored.
public struct NERTypeMap: Sendable {
    /// scheme → label → coarse type.
    public var maps: [String: [String: String]] = [:]

    public init(maps: [String: [String: String]] = [:]) { self.maps = maps }

    /// Reads `scheme<TAB>label<TAB>coarse` rows; a short row is an error naming file and line.
    public static func load(path: String) throws(DataFileError) -> NERTypeMap {
        var map = NERTypeMap()
        for row in try DataFile.rows(path, minimumColumns: 3) {
            let scheme = String(row.fields[0]), label = String(row.fields[1]), coarse = String(row.fields[2])
            guard !scheme.isEmpty, !label.isEmpty, !coarse.isEmpty else {
                throw DataFileError(file: path, line: row.line, message: "empty field")
            }
            map.maps[scheme, default: [:]][label] = coarse
        }
        guard map.maps["entex"] != nil else {
            throw DataFileError(file: path, line: nil, message: "no 'entex' rows: nothing maps entex types")
        }
        return map
    }

    /// The coarse type of a label in a scheme, or nil when it is not scored.
    public func coarse(_ label: String, scheme: String) -> String? { maps[scheme]?[label] }
}

/// Counts for one type (or all): gold mentions, predicted mentions, exact matches.
public struct NERCounts: Sendable, Equatable {
    public var gold = 0
    public var predicted = 0
    public var correct = 0
    public init(gold: Int = 0, predicted: Int = 0, correct: Int = 0) {
        self.gold = gold
        self.predicted = predicted
        self.correct = correct
    }
    /// 0 when nothing was predicted.
    public var precision: Double { predicted == 0 ? 0 : Double(correct) / Double(predicted) }
    /// 0 when there is no gold mention.
    public var recall: Double { gold == 0 ? 0 : Double(correct) / Double(gold) }
    public var f1: Double {
        let p = precision, r = recall
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}

/// Scores: per coarse type and overall (micro-averaged: exact span and type).
public struct NERScores: Sendable {
    public var byType: [String: NERCounts] = [:]
    public var overall = NERCounts()
    public var documents = 0
    /// Wrong predictions and missed gold mentions, when the evaluator collects them.
    public var errors: [NERError] = []
    public init() {}

    /// Adds one document's mentions. A prediction is correct when a gold
    /// mention has the same token range and type.
    public mutating func add(gold: [TokenMention], predicted: [TokenMention], unaligned: [String] = []) {
        let goldSet = Set(gold)
        for m in gold {
            byType[m.type, default: NERCounts()].gold += 1
            overall.gold += 1
        }
        var counted = Set<TokenMention>()
        for m in predicted where counted.insert(m).inserted {
            byType[m.type, default: NERCounts()].predicted += 1
            overall.predicted += 1
            if goldSet.contains(m) {
                byType[m.type, default: NERCounts()].correct += 1
                overall.correct += 1
            }
        }
        // Predictions whose boundaries fall inside a gold token can never match.
        for type in unaligned {
            byType[type, default: NERCounts()].predicted += 1
            overall.predicted += 1
        }
        documents += 1
    }
}

/// A wrong prediction or a missed gold mention, for error analysis.
public struct NERError: Sendable {
    public enum Kind: String, Sendable { case spurious, missed }
    public var kind: Kind
    public var document: Int
    /// The mention's tokens joined by spaces, and its coarse type.
    public var text: String
    public var type: String
    /// The whole document text, for context.
    public var context: String
}

/// Scores a pipeline against CoNLL-style gold data.
///
/// Each document's text is its tokens joined by single spaces, sentences
/// joined by newlines; the pipeline's `entities` are mapped back to tokens by
/// exact boundaries (a span that starts or ends inside a token counts as a
/// wrong prediction) and to coarse types with the type map.
public struct NEREvaluator {
    public var format: NERFormat
    public var typeMap: NERTypeMap
    /// Language given to every document (`en`, `es`), or nil to detect.
    public var language: String?
    /// Collect `NERScores.errors`.
    public var collectErrors = false

    public init(format: NERFormat, typeMap: NERTypeMap, language: String? = nil) {
        self.format = format
        self.typeMap = typeMap
        self.language = language
    }

    /// Coarse types the gold data annotates: predictions of other types are not scored.
    public var scoredTypes: Set<String> {
        format == .untyped ? ["ENT"] : Set(typeMap.maps[format.scheme]?.values.map { $0 } ?? [])
    }

    /// The text of a document and the byte range of each of its tokens.
    public static func text(of document: CoNLLDocument) -> (text: [UInt8], tokens: [Span]) {
        var text: [UInt8] = []
        var spans: [Span] = []
        for (s, sentence) in document.sentences.enumerated() {
            if s > 0 { text.append(0x0A) }
            for (t, token) in sentence.tokens.enumerated() {
                if t > 0 { text.append(0x20) }
                let start = text.count
                text.append(contentsOf: token.utf8)
                spans.append(Span(start, text.count))
            }
        }
        return (text, spans)
    }

    /// Gold mentions of a document, with coarse types; unscored labels dropped.
    public func gold(_ document: CoNLLDocument) -> [TokenMention] {
        var out: [TokenMention] = []
        var base = 0
        for sentence in document.sentences {
            for m in TagDecoder.mentions(sentence.tags, untyped: format == .untyped, base: base) {
                if format == .untyped {
                    out.append(m)
                } else if let coarse = typeMap.coarse(m.type, scheme: format.scheme) {
                    out.append(TokenMention(start: m.start, end: m.end, type: coarse))
                }
            }
            base += sentence.tokens.count
        }
        return out
    }

    /// Tokens left out of scoring: in BTC, `@` and the user name after it.
    public func excludedTokens(_ document: CoNLLDocument) -> Set<Int> {
        guard format == .btc else { return [] }
        var out = Set<Int>()
        var k = 0
        for sentence in document.sentences {
            for (i, token) in sentence.tokens.enumerated() {
                if token == "@" {
                    out.insert(k + i)
                    if i + 1 < sentence.tokens.count { out.insert(k + i + 1) }
                } else if token.hasPrefix("@") {
                    out.insert(k + i)
                }
            }
            k += sentence.tokens.count
        }
        return out
    }

    /// Runs `pipeline` on each document and scores it.
    public func evaluate(_ documents: [CoNLLDocument], pipeline: Pipeline) -> NERScores {
        var scores = NERScores()
        let scored = scoredTypes
        for (index, document) in documents.enumerated() {
            let (text, spans) = NEREvaluator.text(of: document)
            var doc = Document(id: "eval-\(index + 1)", bytes: text, language: language)
            pipeline.process(&doc)
            let excluded = excludedTokens(document)
            func touchesExcluded(_ m: TokenMention) -> Bool {
                !excluded.isEmpty && (m.start..<m.end).contains(where: excluded.contains)
            }
            var predicted: [TokenMention] = []
            var unaligned: [String] = []
            for entity in doc.entities {
                guard var type = typeMap.coarse(entity.type.name, scheme: "entex") else { continue }
                if format == .untyped { type = "ENT" }
                guard scored.contains(type) else { continue }
                let start = NEREvaluator.tokenIndex(spans, startingAt: entity.span.start)
                let end = NEREvaluator.tokenIndex(spans, endingAt: entity.span.end)
                if let start, let end, start <= end {
                    let m = TokenMention(start: start, end: end + 1, type: type)
                    if !touchesExcluded(m) { predicted.append(m) }
                } else {
                    unaligned.append(type)
                }
            }
            let goldMentions = gold(document).filter { !touchesExcluded($0) }
            scores.add(gold: goldMentions, predicted: predicted, unaligned: unaligned)
            if collectErrors {
                let words = document.sentences.flatMap(\.tokens)
                let context = String(decoding: text, as: UTF8.self)
                func show(_ m: TokenMention) -> String { words[m.start..<m.end].joined(separator: " ") }
                let g = Set(goldMentions), p = Set(predicted)
                for m in predicted where !g.contains(m) {
                    scores.errors.append(NERError(kind: .spurious, document: index, text: show(m), type: m.type, context: context))
                }
                for m in goldMentions where !p.contains(m) {
                    scores.errors.append(NERError(kind: .missed, document: index, text: show(m), type: m.type, context: context))
                }
            }
        }
        return scores
    }

    static func tokenIndex(_ spans: [Span], startingAt offset: Int32) -> Int? {
        var low = 0, high = spans.count
        while low < high {
            let mid = (low + high) / 2
            if spans[mid].start < offset { low = mid + 1 } else { high = mid }
        }
        return low < spans.count && spans[low].start == offset ? low : nil
    }

    static func tokenIndex(_ spans: [Span], endingAt offset: Int32) -> Int? {
        var low = 0, high = spans.count
        while low < high {
            let mid = (low + high) / 2
            if spans[mid].end < offset { low = mid + 1 } else { high = mid }
        }
        return low < spans.count && spans[low].end == offset ? low : nil
    }
}
