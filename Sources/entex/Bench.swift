import ArgumentParser
import Entex
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput of each pipeline stage.",
        discussion: """
        Reads the input once (timed as 'read'), then runs every stage and the JSON writer \
        over all documents --runs times after --warmup unmeasured runs, and reports the \
        median per stage in MB/s and documents/s, with lexicon load time and peak memory. \
        Build with -c release for meaningful figures.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Input files or folders (default: the bundled Corpus/).", valueName: "path"))
    var input: [String] = []

    @Option(name: .long, help: "Measured runs (the median is reported).")
    var runs: Int = 5

    @Option(name: .long, help: "Unmeasured warm-up runs.")
    var warmup: Int = 1

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Also measure the whole pipeline on N threads (one pipeline each) against 1 thread.", valueName: "N"))
    var jobs: Int?

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard runs >= 1, warmup >= 0 else { throw ValidationError("--runs must be at least 1 and --warmup at least 0") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let t0 = StageBenchmark.now()
        let resources: Resources
        let pipeline: Pipeline
        do {
            resources = try pipelineOptions.loadResources()
            pipeline = try pipelineOptions.configuration().makePipeline(resources: resources)
        } catch {
            printError("entex bench: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let loadSeconds = StageBenchmark.now() - t0

        var paths = input
        if paths.isEmpty {
            let corpus = URL(fileURLWithPath: resources.lexiconsPath).deletingLastPathComponent().appendingPathComponent("Corpus").path
            paths = [corpus]
        }
        let files = InputFiles.collect(paths) { printError("entex bench: \($0)") }
        guard !files.isEmpty else {
            printError("entex bench: no input files under \(paths.joined(separator: ", "))")
            throw ExitCode(ExitStatus.usage)
        }
        var documents: [Document] = []
        var failures = 0
        let r0 = StageBenchmark.now()
        for file in files {
            let reader = DocumentReader(format: InputFiles.format(for: file.path), sourceName: file.relativePath)
            do {
                let source: any ByteSource = try FileDescriptorSource(path: file.path)
                // Each record is handed over and stored as it is, not copied.
                let emit: (consuming InputRecord) -> Void = { record in
                    switch consume record {
                    case .document(let d): documents.append(d)
                    case .failure: failures += 1
                    }
                }
                if file.path.lowercased().hasSuffix(".gz") {
                    try reader.readConsuming(try GzipSource(source, name: file.relativePath), emit: emit)
                } else {
                    try reader.readConsuming(source, emit: emit)
                }
            } catch {
                printError("entex bench: \(error)")
                failures += 1
            }
        }
        let readSeconds = StageBenchmark.now() - r0
        let bench = StageBenchmark(runs: runs, warmup: warmup, writerOptions: output.writerOptions)
        let report = bench.run(pipeline: pipeline, documents: documents)
        var scaling: [(jobs: Int, result: StageBenchmark.StageResult)] = []
        if let jobs {
            let threaded = ParallelThroughput(runs: runs, warmup: warmup, writerOptions: output.writerOptions)
            for n in Set([1, jobs]).sorted() {
                let pipelines = try (0..<n).map { _ in try pipelineOptions.configuration().makePipeline(resources: resources) }
                scaling.append((n, threaded.run(name: "pipeline x\(n)", pipelines: pipelines, documents: documents)))
            }
        }
        let peak = StageBenchmark.peakResidentBytes()
        let mb = Double(report.bytes) / 1e6

        // Gazetteer: entries, and whether it was compiled from TSV or read from the binary cache.
        let gazetteerInfo = resources.gazetteerLoadInfo
        let gazetteerEntries = gazetteerInfo == nil ? 0 : ((try? resources.gazetteer().entryCount) ?? 0)
        let gazetteerJSON = gazetteerInfo.map {
            #""gazetteer":{"entries":\#(gazetteerEntries),"compiled":\#($0.compiled),"seconds":\#($0.seconds)},"#
        } ?? ""
        if json {
            var stages: [String] = []
            let read = StageBenchmark.StageResult(name: "read", seconds: readSeconds,
                                                  megabytesPerSecond: mb / readSeconds,
                                                  documentsPerSecond: Double(report.documents) / readSeconds)
            for s in [read] + report.stages + [report.total] {
                stages.append(#"{"stage":"\#(s.name)","seconds":\#(s.seconds),"mb_per_s":\#(s.megabytesPerSecond),"docs_per_s":\#(s.documentsPerSecond)}"#)
            }
            let scaled = scaling.map { #"{"jobs":\#($0.jobs),"seconds":\#($0.result.seconds),"mb_per_s":\#($0.result.megabytesPerSecond),"docs_per_s":\#($0.result.documentsPerSecond)}"# }
            print(#"{"documents":\#(report.documents),"bytes":\#(report.bytes),"runs":\#(report.runs),"record_errors":\#(failures),"lexicon_load_s":\#(loadSeconds),\#(gazetteerJSON)"peak_rss_bytes":\#(peak ?? 0),"tokens":\#(report.tokens),"stage_clock":"\#(StageBenchmark.clockName)","timing_cost_s":\#(report.readingCost),"entities":\#(report.entities),"stages":[\#(stages.joined(separator: ","))],"scaling":[\#(scaled.joined(separator: ","))]}"#)
            return
        }
        print("entex bench: \(report.documents) documents, \(String(format: "%.2f", mb)) MB from \(files.count) files; median of \(report.runs) runs after \(warmup) warm-up")
        print("lexicon load: \(String(format: "%.3f", loadSeconds)) s; tokens: \(report.tokens); entities: \(report.entities); record errors: \(failures)")
        if let info = gazetteerInfo {
            print("gazetteer: \(gazetteerEntries) entries, \(info.compiled ? "compiled from TSV" : "loaded from cache") in "
                  + String(format: "%.3f", info.seconds) + " s" + (info.cachePath.map { " (\($0))" } ?? ""))
        }
        print("stage clock: \(StageBenchmark.clockName); "
              + String(format: "%.2f", report.readingCost * 1e6) + " µs a timing, taken off every stage and document")
        print("stage".padding(toLength: 12, withPad: " ", startingAt: 0) + "      MB/s       docs/s    seconds")
        func line(_ s: StageBenchmark.StageResult) {
            print(s.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: "%10.1f %12.0f %10.4f", s.megabytesPerSecond, s.documentsPerSecond, s.seconds))
        }
        line(.init(name: "read", seconds: readSeconds, megabytesPerSecond: mb / readSeconds,
                   documentsPerSecond: Double(report.documents) / readSeconds))
        report.stages.forEach(line)
        line(report.total)
        for (n, result) in scaling {
            line(result)
            if n > 1, let single = scaling.first, single.jobs == 1, single.result.seconds > 0 {
                print(String(format: "scaling: %d threads run the whole pipeline %.2f times as fast as 1 thread", n,
                             single.result.seconds / result.seconds))
            }
        }
        if let peak { print("peak memory: \(peak / (1 << 20)) MiB") }
    }
}
