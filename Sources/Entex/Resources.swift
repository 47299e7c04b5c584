/// Everything the stages share, loaded once and read by every thread.
public final class Resources: Sendable {
    /// The `Lexicons/` folder this was loaded from.
    public let lexiconsPath: String
    public let text: TextResources

    public init(lexiconsPath: String, text: TextResources) {
        self.lexiconsPath = lexiconsPath
        self.text = text
    }

    /// Loads the bundled data from `lexicons` (or the folder `LexiconLocator` finds).
    public static func load(lexicons: String? = nil) throws(DataFileError) -> Resources {
        let path = try LexiconLocator.find(explicit: lexicons)
        return Resources(lexiconsPath: path, text: try TextResources.load(from: path))
    }
}

/// How to build pipelines: which stages, in which order, with which options.
/// One configuration makes any number of pipelines (one per thread).
public struct PipelineConfiguration: Sendable {
    /// Stage names in order. `PipelineConfiguration.allStages` lists them.
    public var stages: [String]
    public init(stages: [String] = PipelineConfiguration.defaultStages) {
        self.stages = stages
    }

    /// The full pipeline, in order.
    public static let defaultStages = ["tokenize", "sentences", "language"]
    /// Every stage name `makeStage` knows.
    public static var allStages: [String] { defaultStages }

    /// Makes one stage by name.
    public static func makeStage(_ name: String, resources: Resources) throws -> any Stage {
        switch name {
        case "tokenize": return try Tokenizer(resources: resources.text)
        case "sentences": return try SentenceSplitter(resources: resources.text)
        case "language": return LanguageDetector(resources: resources.text)
        default:
            throw PipelineError(description: "unknown stage '\(name)' (known: \(allStages.joined(separator: ", ")))")
        }
    }

    /// Makes a new pipeline; call once per thread.
    public func makePipeline(resources: Resources) throws -> Pipeline {
        try Pipeline(stages: stages.map { try PipelineConfiguration.makeStage($0, resources: resources) })
    }
}
