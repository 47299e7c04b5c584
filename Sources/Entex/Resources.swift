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
    let lazyGazetteer: LazyGazetteer
    /// Skip bad lexicon and pattern rows with a record in `skippedRows` instead of failing (`--lenient`).
    public let lenient: Bool

    public convenience init(lexiconsPath: String, text: TextResources, nameRules: NameRuleResources = NameRuleResources(),
                userLexicons: [String] = [], patterns: RegexPatterns = RegexPatterns(), lenient: Bool = false) {
        self.init(lexiconsPath: lexiconsPath, text: text, nameRules: nameRules, userLexicons: userLexicons,
                  patterns: patterns, lenient: lenient, gazetteer: LazyGazetteer())
    }

    /// Resources whose gazetteer is `gazetteer`, made (or to be made) from these lexicons and user lexicons.
    private init(lexiconsPath: String, text: TextResources, nameRules: NameRuleResources, userLexicons: [String],
                 patterns: RegexPatterns, lenient: Bool, gazetteer: LazyGazetteer) {
        self.lazyGazetteer = gazetteer
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
    ///
    /// The regex patterns (the largest part: parsing the files, splicing
    /// word lists, compiling) are loaded on a second thread while this one loads
    /// the text resources and the name rules and, with `preloadingGazetteer`,
    /// the gazetteer (as `gazetteer()` would later). Start-up runs before any
    /// document is read, so on a machine with a core to spare this shortens
    /// every run. What is loaded, and which error is thrown when several
    /// parts fail (the text resources', then the name rules', then the
    /// patterns'), is the same as when the parts are loaded one after another;
    /// a gazetteer that fails to load is not reported here but by `gazetteer()`.
    public static func load(lexicons: String? = nil, userLexicons: [String] = [], lenient: Bool = false,
                            preloadingGazetteer: Bool = false) throws(DataFileError) -> Resources {
        let path = try LexiconLocator.find(explicit: lexicons)
        for file in userLexicons where !FileExists.at(file) {
            throw DataFileError(file: file, line: nil, message: "lexicon file not found")
        }
        let patterns = BackgroundLoad { () throws(DataFileError) in try RegexPatterns.load(from: path, lenient: lenient) }
        let text: TextResources, nameRules: NameRuleResources
        do {
            text = try TextResources.load(from: path)
            nameRules = try NameRuleResources.load(from: path)
        } catch {
            _ = try? patterns.value()
            throw error
        }
        let gazetteer = LazyGazetteer()
        if preloadingGazetteer {
            _ = try? gazetteer.get { () throws(DataFileError) in
                try makeGazetteer(lexicons: path, userLexicons: userLexicons, text: text, lenient: lenient)
            }
        }
        return Resources(lexiconsPath: path, text: text, nameRules: nameRules, userLexicons: userLexicons,
                         patterns: try patterns.value(), lenient: lenient, gazetteer: gazetteer)
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
