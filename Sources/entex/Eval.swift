import ArgumentParser
import Entex
import Foundation

/// `entex eval`: measure quality against annotated data.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure quality against annotated data.",
        subcommands: [EvalNER.self]
    )
}

/// `entex eval ner`: precision, recall and F1 of named entities on a CoNLL-style file.
struct EvalNER: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ner",
        abstract: "Score named entities against a CoNLL-style file (exact span, coarse type).",
        discussion: """
        Rebuilds each document's text by joining its tokens with spaces (sentences with \
        newlines), runs the pipeline, maps entities back to tokens by exact boundaries and \
        prints precision, recall and F1 per coarse type and overall (micro-averaged). \
        Types are mapped with Lexicons/eval/type-map.tsv. Documents are -DOCSTART- blocks, \
        or single sentences (tweets) when the file has none. IOB1 and IOB2 are both read.

        Examples:
          entex eval ner --format conll --language en ../shared/eval/conll2003_en/eng.testa
          entex eval ner --format untyped --language es ../shared/eval/borrowing_tweets_es/dev.conll
        """
    )

    @Option(name: .long, help: ArgumentHelp("Gold format: conll, wnut17, wnut16, btc, untyped.", valueName: "format"))
    var format: NERFormat

    @Option(name: .long, help: ArgumentHelp("Language of every document (en, es); default: detect per document.", valueName: "code"))
    var language: String?

    @Option(name: .long, help: ArgumentHelp("Type map (default: eval/type-map.tsv in the Lexicons folder).", valueName: "file"))
    var typeMap: String?

    @Flag(name: .long, help: "Also list every wrong and missed mention (tab-separated) on standard error.")
    var showErrors = false

    @OptionGroup var pipelineOptions: PipelineOptions

    @Argument(help: ArgumentHelp("The annotated file.", valueName: "file"))
    var file: String

    func run() throws {
        let resources: Resources
        let pipeline: Pipeline
        let map: NERTypeMap
        let documents: [CoNLLDocument]
        do {
            resources = try pipelineOptions.loadResources()
            pipeline = try pipelineOptions.configuration().makePipeline(resources: resources)
            map = try NERTypeMap.load(path: typeMap ?? resources.lexiconsPath + "/eval/type-map.tsv")
            documents = try CoNLLReader.read(path: file)
        } catch {
            printError("entex: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        var evaluator = NEREvaluator(format: format, typeMap: map, language: language)
        evaluator.collectErrors = showErrors
        let scores = evaluator.evaluate(documents, pipeline: pipeline)
        for e in scores.errors {
            let context = e.context.replacingOccurrences(of: "\n", with: " ")
            printError("\(e.kind.rawValue)\t\(e.type)\t\(e.text)\t\(e.document + 1)\t\(context.prefix(200))")
        }
        print(EvalNER.table(scores, file: file, format: format))
    }

    /// The report: one row per coarse type (sorted), then the overall row.
    static func table(_ scores: NERScores, file: String, format: NERFormat) -> String {
        var lines = ["\(file) (\(format.rawValue), \(scores.documents) documents)",
                     pad("type", 8) + pad("gold", 7, right: true) + pad("pred", 7, right: true)
                        + pad("correct", 9, right: true) + pad("P", 8, right: true) + pad("R", 8, right: true)
                        + pad("F1", 8, right: true)]
        func row(_ name: String, _ c: NERCounts) -> String {
            pad(name, 8) + pad("\(c.gold)", 7, right: true) + pad("\(c.predicted)", 7, right: true)
                + pad("\(c.correct)", 9, right: true) + pad(fmt(c.precision), 8, right: true)
                + pad(fmt(c.recall), 8, right: true) + pad(fmt(c.f1), 8, right: true)
        }
        for type in scores.byType.keys.sorted() { lines.append(row(type, scores.byType[type]!)) }
        lines.append(row("overall", scores.overall))
        return lines.joined(separator: "\n")
    }

    static func fmt(_ x: Double) -> String { String(format: "%.3f", x) }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }
}

extension NERFormat: ExpressibleByArgument {}
