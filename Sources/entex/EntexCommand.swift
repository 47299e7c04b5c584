import ArgumentParser
import Entex

/// Exit statuses, documented in `--help` and the README.
enum ExitStatus {
    /// Every document was processed.
    static let ok: Int32 = 0
    /// Some records were errors (each has an error record in the output).
    static let recordErrors: Int32 = 1
    /// Usage or configuration error: nothing was processed.
    static let usage: Int32 = 2
}

/// Every command names itself (`commandName`) rather than leaving argument-parser to
/// derive the name from the type's: the derivation reflects on the type, and the parser
/// asks every command's name at each start (9 M instructions of a start of 150 M).
struct EntexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entex",
        abstract: "Entity extraction for English and Spanish news and tweets.",
        discussion: """
        With no subcommand, entex annotates standard input (or the files given) and writes \
        one JSON object per document (schema entex/1) to standard output.

        Exit status: 0 when every document was processed; 1 when some input records were \
        errors (each still has an error record in the output); 2 for a usage or \
        configuration error (nothing processed).
        """,
        version: "0.1.0",
        subcommands: [Annotate.self, Batch.self, Bench.self, Lexicon.self, Eval.self],
        defaultSubcommand: Annotate.self
    )
}

/// Options shared by the commands that run the pipeline.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The Lexicons folder (default: $ENTEX_LEXICONS, or found beside the executable).", valueName: "dir"))
    var lexicons: String?

    @Option(name: .long, help: ArgumentHelp("Comma-separated stages to run, in order.", valueName: "names"))
    var stages: String?

    @Option(name: .long, help: ArgumentHelp("""
        A user lexicon for the gazetteer (repeatable): the 6-column gazetteer TSV of Lexicons/README.md \
        or name<TAB>type rows. Its entries win over the bundled ones.
        """, valueName: "file"))
    var lexicon: [String] = []

    @Flag(name: .long, help: "Emit every candidate of every tagger (sorted), without resolving overlaps.")
    var keepOverlaps = false

    @Flag(name: .long, help: """
        Skip bad rows of lexicon and pattern files (wrong column count, invalid UTF-8, a regex that \
        does not compile, a duplicate name) with a warning naming file and line, instead of stopping.
        """)
    var lenient = false

    @Option(name: .long, help: ArgumentHelp("""
        Date against which relative dates (`last week`, `hace dos años`) are resolved in documents         without a date of their own (JSON Lines `date`, tweet `created_at`), as YYYY-MM-DD.         Without it, such dates get no resolved value.
        """, valueName: "date"))
    var referenceDate: String?

    /// The options' values, for the code that runs the pipeline.
    var settings: PipelineSettings {
        PipelineSettings(lexicons: lexicons, stages: stages, lexicon: lexicon, keepOverlaps: keepOverlaps,
                         lenient: lenient, referenceDate: referenceDate)
    }

    func validate() throws { try settings.validate() }
    func configuration() -> PipelineConfiguration { settings.configuration() }
    func loadResources() throws -> Resources { try settings.loadResources() }
}

/// The values of `PipelineOptions` as a plain struct: made by argument-parser's
/// `PipelineOptions.settings` or, for the plainest command lines, by `QuickArguments`
/// without making any of argument-parser's option wrappers (their type metadata is
/// instantiated at run time: a million instructions of each start).
struct PipelineSettings {
    var lexicons: String?
    var stages: String?
    var lexicon: [String] = []
    var keepOverlaps = false
    var lenient = false
    var referenceDate: String?

    func validate() throws(ValidationError) {
        if let referenceDate, CivilDate.parse(referenceDate) == nil {
            throw ValidationError("--reference-date must be a date such as 2024-03-01, not '\(referenceDate)'")
        }
    }

    func configuration() -> PipelineConfiguration {
        var configuration = PipelineConfiguration()
        if let stages {
            configuration.stages = stages.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        configuration.keepOverlaps = keepOverlaps
        configuration.referenceDate = referenceDate.flatMap(CivilDate.parse)
        return configuration
    }

    func loadResources() throws -> Resources {
        do {
            let stages = configuration().stages
            // The gazetteer is loaded with the other resources (while the
            // patterns compile on another thread) when a stage will use it.
            let resources = try Resources.load(lexicons: lexicons, userLexicons: lexicon, lenient: lenient,
                                               preloadingGazetteer: stages.contains("gazetteer") || stages.contains("link"))
            if lenient {
                // Compile the gazetteer now, so that its skipped rows are reported before any output.
                if stages.contains("gazetteer") { _ = try resources.gazetteer() }
                for row in resources.skippedRows { printError("entex: warning: skipped \(row)") }
            }
            return resources
        } catch {
            throw ConfigurationError(message: error.description)
        }
    }
}

/// Options for reading input.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("""
        Input format: auto, text, lines, jsonl, tweets. auto reads input whose first non-blank \
        character is '{' or '[' as JSON (JSON Lines or tweets, told apart per record by their \
        fields) and anything else as one text document.
        """, valueName: "format"))
    var format: InputFormat = InputOptions.defaultFormat

    @Option(name: .long, help: ArgumentHelp("Largest document accepted, in bytes; larger ones become error records.", valueName: "bytes"))
    var maxDocBytes: Int = InputOptions.defaultMaxDocBytes

    /// The defaults, named once for argument-parser and `QuickArguments`.
    static let defaultFormat: InputFormat = .auto
    static let defaultMaxDocBytes = DocumentReader.defaultMaxDocumentBytes

    func validate() throws {
        guard maxDocBytes > 0 else { throw ValidationError("--max-doc-bytes must be positive") }
    }
}

/// Options for writing output.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Offset unit: codepoints (Python), utf16 (JavaScript), utf8 (bytes).", valueName: "unit"))
    var offsets: OffsetUnit = OutputOptions.defaultOffsets

    /// The default unit, named once for argument-parser and `QuickArguments`.
    static let defaultOffsets: OffsetUnit = .codepoints

    @Flag(name: .long, help: "Include the tokens layer in the output.")
    var tokens = false

    var writerOptions: JSONWriter.Options { JSONWriter.Options(offsets: offsets, includeTokens: tokens) }
}

extension InputFormat: ExpressibleByArgument {}
extension OffsetUnit: ExpressibleByArgument {}

/// A configuration problem reported with exit status 2.
struct ConfigurationError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
