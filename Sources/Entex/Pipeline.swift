/// One step of the pipeline: reads some layers of a `Document`, adds others.
///
/// Stages are created per pipeline and a pipeline is used by one thread at a
/// time, so a stage may keep scratch buffers and ICU or PCRE2 state. Shared,
/// immutable data (lexicons, compiled patterns) lives in `Resources`.
/// A stage never fails a document: problems become `warnings`.
public protocol Stage: AnyObject {
    /// Short name used in configuration, `--stages` and benchmark reports.
    var name: String { get }
    /// Layers that must exist before this stage runs.
    var requires: Layers { get }
    /// Layers this stage adds.
    var produces: Layers { get }
    func process(_ document: inout Document)
}

/// A pipeline that cannot be built as configured.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// An ordered list of stages, checked at construction: every stage's
/// required layers are produced by the input or an earlier stage.
public final class Pipeline {
    public let stages: [any Stage]

    public init(stages: [any Stage]) throws(PipelineError) {
        var available: Layers = [.text]
        for stage in stages {
            let missing = stage.requires.subtracting(available)
            if !missing.isEmpty {
                throw PipelineError(description: "stage '\(stage.name)' needs \(missing) but no earlier stage produces it")
            }
            available.formUnion(stage.produces)
        }
        self.stages = stages
    }

    /// Runs every stage on `doc`.
    public func process(_ doc: inout Document) {
        for stage in stages { stage.process(&doc) }
    }
}
