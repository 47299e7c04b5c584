import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Entex

struct Annotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Annotate standard input or files; write entex/1 JSON (one object per line).",
        discussion: """
        Examples:
          echo 'President Nicolás Maduro visited Beijing.' | entex
          entex --format jsonl --offsets utf16 < docs.jsonl
          entex --tokens Corpus/news/ilrs-venezuela.txt
        """
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var pipelineOptions: PipelineOptions

    @Argument(help: ArgumentHelp("Files to read (default: standard input). Each is read in --format.", valueName: "file"))
    var files: [String] = []

    func run() throws {
        try Annotate.run(AnnotateSettings(format: input.format, maxDocBytes: input.maxDocBytes,
                                          writerOptions: output.writerOptions, pipeline: pipelineOptions.settings,
                                          files: files))
    }

    /// Annotates what `settings` name (`run()`'s work, also for `QuickArguments`).
    static func run(_ settings: AnnotateSettings) throws {
        let pipeline: Pipeline
        do {
            let resources = try settings.pipeline.loadResources()
            pipeline = try settings.pipeline.configuration().makePipeline(resources: resources)
        } catch {
            printError("entex: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        // Documents are annotated in memory reused from one to the next, and
        // their lines written straight into the output buffer.
        let out = AnnotatingWriter(pipeline: pipeline, writer: JSONWriter(options: settings.writerOptions))
        var failures = 0
        var line: [UInt8] = []
        // Records are handed over (`consuming`): each document is annotated as read, not copied.
        let handle: (consuming InputRecord) -> Void = { record in
            switch consume record {
            case .document(var doc):
                Annotate.writeOrExit { () throws(BatchError) in try out.annotate(&doc) }
            case .failure(let failure):
                failures += 1
                printError("entex: \(failure.source)\(failure.line.map { ":\($0)" } ?? ""): \(failure.message)")
                line.removeAll(keepingCapacity: true)
                JSONWriter.writeError(id: failure.id, message: failure.message, source: failure.source, line: failure.line, into: &line)
                line.append(0x0A)
                Annotate.writeOrExit { () throws(BatchError) in try out.write(line: line) }
            }
        }
        let files = settings.files
        let sources: [String?] = files.isEmpty ? [nil] : files.map { $0 }
        for path in sources {
            var reader = DocumentReader(format: settings.format, sourceName: path ?? "stdin",
                                        idPrefix: path.map { "\($0):" } ?? "", maxDocumentBytes: settings.maxDocBytes)
            // Each text is decoded into the array of the document annotated before it.
            reader.recycledText = pipeline.recycledText
            do {
                if let path {
                    try reader.readConsuming(try FileDescriptorSource(path: path), emit: handle)
                } else {
                    try reader.readConsuming(FileDescriptorSource.standardInput(), emit: handle)
                }
            } catch {
                failures += 1
                printError("entex: \(error)")
                line.removeAll(keepingCapacity: true)
                JSONWriter.writeError(id: path, message: error.description, source: path ?? "stdin", line: nil, into: &line)
                line.append(0x0A)
                Annotate.writeOrExit { () throws(BatchError) in try out.write(line: line) }
            }
        }
        Annotate.writeOrExit { () throws(BatchError) in try out.flush() }
        if failures > 0 { throw ExitCode(ExitStatus.recordErrors) }
        // The process ends here, its memory released at once rather than the pipeline's
        // tables freed one by one on return (1.2 M instructions); everything is written.
        Glibc.exit(ExitStatus.ok)
    }

    /// Runs a write; when it fails (a broken pipe, a full disk) nothing more
    /// can be written, and the command stops.
    private static func writeOrExit(_ body: () throws(BatchError) -> Void) {
        do {
            try body()
        } catch {
            printError("entex: cannot write output: \(error.description)")
            Glibc.exit(ExitStatus.usage)
        }
    }
}

/// The values `Annotate` runs with, as a plain struct (see `PipelineSettings`).
struct AnnotateSettings {
    var format: InputFormat
    var maxDocBytes: Int
    var writerOptions: JSONWriter.Options
    var pipeline: PipelineSettings
    var files: [String]
}
