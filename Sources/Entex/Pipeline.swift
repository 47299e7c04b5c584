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
    /// One call object for each stage, in order, and the same without
    /// ownership, which `process` goes through: called from the array of
    /// stages, each stage was retained and released around its call (9 pairs
    /// a document, about 320 instructions of a tweet's 26 000); a call object
    /// reached through `Unmanaged` is not, and it holds its stage as a
    /// constant, which it calls without either.
    private let calls: [StageCall]
    private let unretainedCalls: [Unmanaged<StageCall>]
    /// Layer arrays of documents given back with `recycle`, for the next
    /// document `process` is given.
    private var recycled = RecycledLayers()
    /// The text array of the last document given back, for a reader on the
    /// same thread to decode the next document's text into
    /// (`DocumentReader.recycledText`).
    public let recycledText = RecycledText()

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
        self.calls = stages.map { StageCall.make($0) }
        self.unretainedCalls = calls.map { Unmanaged.passUnretained($0) }
    }

    /// Runs every stage on `doc`. Layers `doc` does not have yet are built
    /// in the memory of a document given back with `recycle`, if any.
    public func process(_ doc: inout Document) {
        lendRecycledLayers(to: &doc)
        for i in unretainedCalls.indices {
            unretainedCalls[i]._withUnsafeGuaranteedRef { $0.run(&doc) }
        }
    }

    /// Takes back the layer arrays of a document that is done with (written
    /// out), emptied with their memory kept, for the next document `process`
    /// is given: a stream of tweets then allocates most layers once, not once
    /// per document. The output is the same whether documents are recycled or not.
    public func recycle(_ doc: consuming Document) {
        recycled.take(from: &doc)
        recycledText.keep(textOf: &doc)
    }

    /// Takes back the layer arrays and the text array of a finished document
    /// as `recycle` does, leaving `doc` with empty layers (and an empty text
    /// when its array is kept: `RecycledText.keep(textOf:)`),
    /// for a caller that frees the rest of the document elsewhere
    /// (`BatchEngine` hands it back to the thread that made it).
    public func recycleLayers(of doc: inout Document) {
        recycled.take(from: &doc)
        recycledText.keep(textOf: &doc)
    }

    /// Gives `doc` the kept layer arrays (what `process` does first), for
    /// callers that run the stages one by one.
    func lendRecycledLayers(to doc: inout Document) {
        recycled.lend(to: &doc)
    }
}

/// Calls one stage's `process` (see `Pipeline.process`): an object of a
/// concrete class, so that it can be called through `Unmanaged` without
/// being retained, which a stage held as `any Stage` cannot.
class StageCall {
    func run(_ doc: inout Document) { fatalError("StageCall.run is overridden") }

    /// The call object of `stage`.
    static func make(_ stage: some Stage) -> StageCall { TypedStageCall(stage) }
}

/// Calls a stage of type `S` (`StageCall`).
private final class TypedStageCall<S: Stage>: StageCall {
    let stage: S
    init(_ stage: S) { self.stage = stage }
    override func run(_ doc: inout Document) { stage.process(&doc) }
}

/// Annotates documents one after another on one thread and renders each as
/// one line of `entex/1` JSON, reusing memory from document to document: the
/// pipeline's layer arrays (`Pipeline.recycle`) and one output buffer.
public final class Annotator {
    public let pipeline: Pipeline
    public let writer: JSONWriter
    private var buffer = JSONBuffer(capacity: 1 << 16)

    public init(pipeline: Pipeline, writer: JSONWriter) {
        self.pipeline = pipeline
        self.writer = writer
    }

    deinit { buffer.deallocate() }

    /// Runs the pipeline on `doc`, writes it as one line of JSON ending in a
    /// newline, and calls `body` with those bytes (valid during the call only).
    public func annotate<R>(_ doc: consuming Document, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        pipeline.process(&doc)
        buffer.removeAll()
        writer.write(doc, into: &buffer)
        buffer.byte(0x0A)
        pipeline.recycle(doc)
        return try buffer.withBytes(body)
    }
}
