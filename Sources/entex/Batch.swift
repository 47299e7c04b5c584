import ArgumentParser
import Entex
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Annotate files and folders on every core; write entex/1 JSON Lines.",
        discussion: """
        Each PATH is a file or a folder (recursed; hidden files are skipped). .txt files are one \
        document each (id: the path relative to the folder given); .jsonl, .ndjson and .json \
        files hold JSON Lines documents or tweets (id: the record's own, else path:line); any of \
        them may be gzip-compressed (.gz).

        -o FILE writes one JSON Lines file; -o DIR/ (or an existing folder) mirrors the input \
        tree (a/b.jsonl.gz -> DIR/a/b.jsonl, x.txt -> DIR/x.jsonl); -o - writes to standard \
        output. Records come out in input order, the same bytes whatever --jobs is. Every input \
        document yields one record: its annotation or an error record naming file, line and \
        reason. Output is written to a hidden temporary file beside the target and renamed into \
        place when complete; after an interruption, run the same command with --resume to go \
        on from what was completely written.

        Exit status: 0 when every document was processed; 1 when some records were errors; \
        2 for a usage, configuration or output error.

        Examples:
          entex batch Corpus -o out/
          entex batch --jobs 2 news.jsonl.gz tweets/ -o all.jsonl
          entex batch big.jsonl -o big.out.jsonl --resume
        """
    )

    @Argument(help: ArgumentHelp("Input files or folders.", valueName: "path"))
    var paths: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("Output: a .jsonl file, a folder (ending in /), or - for standard output.", valueName: "out"))
    var output: String

    @Option(name: .long, help: "Worker threads (default: the number of cores).")
    var jobs: Int = Batch.defaultJobs

    @Flag(name: .long, help: "Continue an interrupted run of the same command from what it had completely written.")
    var resume = false

    @Flag(name: .shortAndLong, help: "Print nothing on standard error (no progress, no summary).")
    var quiet = false

    @Option(name: .long, help: ArgumentHelp("Largest document accepted, in bytes; larger ones become error records.", valueName: "bytes"))
    var maxDocBytes: Int = Batch.defaultMaxDocBytes

    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var pipelineOptions: PipelineOptions

    /// The defaults, named once for argument-parser and `QuickArguments`.
    static var defaultJobs: Int { ProcessInfo.processInfo.activeProcessorCount }
    static let defaultMaxDocBytes = DocumentReader.defaultMaxDocumentBytes

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxDocBytes > 0 else { throw ValidationError("--max-doc-bytes must be positive") }
        guard !output.isEmpty else { throw ValidationError("--output must name a .jsonl file, a folder or - (standard output)") }
    }

    func run() throws {
        try Batch.run(BatchSettings(paths: paths, output: output, jobs: jobs, resume: resume, quiet: quiet,
                                    maxDocBytes: maxDocBytes, writerOptions: outputOptions.writerOptions,
                                    pipeline: pipelineOptions.settings))
    }

    /// Runs the batch `settings` name (`run()`'s work, also for `QuickArguments`).
    static func run(_ settings: BatchSettings) throws {
        let engine: BatchEngine
        let job: BatchJob
        do {
            let resources = try settings.pipeline.loadResources()
            let configuration = settings.pipeline.configuration()
            let options = BatchOptions(jobs: settings.jobs, writerOptions: settings.writerOptions, maxDocumentBytes: settings.maxDocBytes)
            engine = try BatchEngine(resources: resources, configuration: configuration, options: options)
            var problems: [String] = []
            let entries = InputFiles.collect(settings.paths) { problems.append($0) }
            for problem in problems { printError("entex batch: \(problem)") }
            guard problems.isEmpty else { throw ExitCode(ExitStatus.usage) }
            guard !entries.isEmpty else {
                printError("entex batch: no input files (.txt, .jsonl, .ndjson, .json, optionally .gz) under \(settings.paths.joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
            let described = [
                "version \(EntexCommand.configuration.version)",
                "stages \(configuration.stages.joined(separator: ","))",
                "offsets \(settings.writerOptions.offsets.rawValue) tokens \(settings.writerOptions.includeTokens)",
                "max-doc-bytes \(settings.maxDocBytes)",
                "lexicons \(resources.lexiconsPath)",
            ].joined(separator: "\n")
            job = try BatchJob(entries: entries, target: BatchTarget(argument: settings.output), resume: settings.resume, configuration: described)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("entex batch: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let quiet = settings.quiet
        if !quiet { for note in job.notes { printError("entex batch: \(note)") } }

        let bar = quiet || isatty(2) == 0 ? nil : ProgressBar()
        let report: BatchProgress
        do {
            report = try job.run(engine: engine, progressInterval: bar == nil ? 3600 : 0.2) { bar?.show($0) }
        } catch {
            bar?.clear()
            printError("entex batch: \(error)")
            if !quiet && job.target != .standardOutput {
                printError("entex batch: stopped; run the same command with --resume to continue")
            }
            throw ExitCode(ExitStatus.usage)
        }
        bar?.clear()
        if !quiet { printError(summary(report, settings)) }
        if report.errors > 0 { throw ExitCode(ExitStatus.recordErrors) }
        // Everything is written and in place: the process ends here, its memory released
        // at once rather than the engine's pipelines freed one by one on return (0.45 M
        // instructions).
        Glibc.exit(ExitStatus.ok)
    }

    private static func summary(_ r: BatchProgress, _ settings: BatchSettings) -> String {
        let mb = Double(r.inputBytes) / 1e6
        let seconds = max(r.elapsed, 1e-9)
        var line = "entex batch: \(r.records) records (\(r.errors) errors) from \(r.filesTotal) files, "
            + String(format: "%.1f MB in %.2f s (%.0f docs/s, %.1f MB/s, %d jobs)",
                     mb, r.elapsed, Double(r.records) / seconds, mb / seconds, settings.jobs)
        if r.resumedRecords > 0 { line += "; \(r.resumedRecords) records kept from the interrupted run" }
        switch BatchTarget(argument: settings.output) {
        case .standardOutput: break
        case .file(let path), .directory(let path): line += " -> \(path)"
        }
        return line
    }
}

/// The values `Batch` runs with, as a plain struct (see `PipelineSettings`).
struct BatchSettings {
    var paths: [String]
    var output: String
    var jobs: Int
    var resume: Bool
    var quiet: Bool
    var maxDocBytes: Int
    var writerOptions: JSONWriter.Options
    var pipeline: PipelineSettings
}

/// A one-line progress display on standard error (only used on a terminal).
final class ProgressBar {
    private var width = 0

    func show(_ p: BatchProgress) {
        let seconds = max(p.elapsed, 1e-9)
        let mb = Double(p.inputBytes) / 1e6
        let rate = Double(p.inputBytes) / seconds
        var text = ""
        if p.totalInputBytes > 0 {
            let fraction = min(1, Double(p.inputBytes) / Double(p.totalInputBytes))
            let filled = Int(fraction * 20)
            text += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] "
            text += String(format: "%3.0f%% ", fraction * 100)
        }
        text += String(format: "%d docs  %.1f MB  %.0f docs/s  %.1f MB/s  ",
                       p.records, mb, Double(p.records) / seconds, rate / 1e6) + ProgressBar.clock(p.elapsed)
        if p.totalInputBytes > 0, rate > 0, p.inputBytes < p.totalInputBytes {
            text += "  ETA " + ProgressBar.clock(Double(p.totalInputBytes - p.inputBytes) / rate)
        }
        if p.errors > 0 { text += "  \(p.errors) errors" }
        width = max(width, text.count)
        let line = "\r" + text + "\u{1B}[K"
        line.withCString { _ = fputs($0, stderr) }
        fflush(stderr)
    }

    func clear() {
        guard width > 0 else { return }
        "\r\u{1B}[K".withCString { _ = fputs($0, stderr) }
        fflush(stderr)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
