/// Everything the stages share, loaded once and read by every thread.
public final class Resources: Sendable {
    /// The `Lexicons/` folder this was loaded from.
    public let lexiconsPath: String
    public let text: TextResources
    /// Word lists of the name rules (`rules` stage).
    public let nameRules: NameRuleResources
    /// User lexicons (`--lexicon`), compiled with the bundled gazetteers on first use.
    public let userLexicons: [String]
    /// Compiled regex patterns and word lists of `Lexicons/patterns/` (`regex` stage).
    public let patterns: RegexPatterns
    /// The compiled gazetteer, made on first use (see `gazetteer()`).
    let lazyGazetteer = LazyGazetteer()
    /// Skip bad lexicon and pattern rows with a record in `skippedRows` instead of failing (`--lenient`).
    public let lenient: Bool

    public init(lexiconsPath: String, text: TextResources, nameRules: NameRuleResources = NameRuleResources(),
                userLexicons: [String] = [], patterns: RegexPatterns = RegexPatterns(), lenient: Bool = false) {
        self.lenient = lenient
        self.patterns = patterns
        self.lexiconsPath = lexiconsPath
        self.text = text
        self.nameRules = nameRules
        self.userLexicons = userLexicons
    }

    /// Loads the bundled data from `lexicons` (or the folder `LexiconLocator` finds).
    /// `userLexicons` are checked to be readable here and compiled with the gazetteer.
    /// A bad row throws a `DataFileError` naming file and line; with `lenient`, bad
    /// gazetteer rows and pattern blocks are skipped instead and listed in `skippedRows`.
    public static func load(lexicons: String? = nil, userLexicons: [String] = [], lenient: Bool = false) throws(DataFileError) -> Resources {
        let path = try LexiconLocator.find(explicit: lexicons)
        for file in userLexicons where !FileExists.at(file) {
            throw DataFileError(file: file, line: nil, message: "lexicon file not found")
        }
        return Resources(lexiconsPath: path, text: try TextResources.load(from: path),
                         nameRules: try NameRuleResources.load(from: path), userLexicons: userLexicons,
                         patterns: try RegexPatterns.load(from: path, lenient: lenient), lenient: lenient)
    }

    /// Rows skipped by a lenient load so far (the gazetteer's once it is compiled), in load order.
    public var skippedRows: [DataFileError] {
        patterns.skippedRows + (gazetteerLoadInfo?.skippedRows ?? [])
    }
}

/// How to build pipelines: which stages, in which order, with which options.
/// One configuration makes any number of pipelines (one per thread).
public struct PipelineConfiguration: Sendable {
    /// Stage names in order. `PipelineConfiguration.allStages` lists them.
    public var stages: [String]
    /// Let the `resolve` stage emit every candidate (sorted) instead of resolving overlaps.
    public var keepOverlaps = false
    /// Date for resolving relative dates in documents without their own date (`regex` stage).
    public var referenceDate: CivilDate?
    public init(stages: [String] = PipelineConfiguration.defaultStages) {
        self.stages = stages
    }

    /// The full pipeline, in order.
    public static let defaultStages = ["tokenize", "sentences", "language", "gazetteer", "regex", "rules", "resolve", "link", "alias"]
    /// Every stage name `makeStage` knows.
    public static var allStages: [String] { defaultStages }

    /// Makes one stage by name.
    public static func makeStage(_ name: String, resources: Resources) throws -> any Stage {
        switch name {
        case "tokenize": return try Tokenizer(resources: resources.text)
        case "sentences": return try SentenceSplitter(resources: resources.text)
        case "language": return LanguageDetector(resources: resources.text)
        case "gazetteer":
            return GazetteerTagger(gazetteer: try resources.gazetteer(), functionWords: resources.text.functionWords)
        case "regex": return RegexTagger(patterns: resources.patterns)
        case "rules": return NameRules(resources: resources)
        case "resolve": return OverlapResolver()
        case "link": return HashtagLinker(gazetteer: try resources.gazetteer())
        case "alias": return Aliasing()
        default:
            throw PipelineError(description: "unknown stage '\(name)' (known: \(allStages.joined(separator: ", ")))")
        }
    }

    /// Makes a new pipeline; call once per thread.
    public func makePipeline(resources: Resources) throws -> Pipeline {
        let made = try stages.map { try PipelineConfiguration.makeStage($0, resources: resources) }
        for case let resolver as OverlapResolver in made { resolver.keepOverlaps = keepOverlaps }
        for case let tagger as RegexTagger in made { tagger.referenceDate = referenceDate }
        return try Pipeline(stages: made)
    }
}
