import ArgumentParser
import Entex
import Foundation

/// The plainest command lines of the default command, `entex [options] [file…]`, and of
/// `entex batch`, read without argument-parser, to the settings of the `Annotate` or
/// `Batch` it would make.
///
/// argument-parser builds every command's argument definitions by reflection at each
/// start (19 M instructions, a sixth of a start-up). A run over the same input pays it
/// whatever it does, so the common case — long options (and batch's `-o` and `-q`), each
/// given once, with a value that does not look like an option, and files — is read here;
/// anything else (`--help`, `--version`, another short or an unknown option,
/// `--name=value`, a value that does not convert or does not validate, a repeated option,
/// a missing file or output) returns nil and goes to argument-parser, which reports
/// errors as always. `CommandLineTests` pins the two ways against each other (`entex
/// annotate …` and `entex batch … --output=OUT` always take argument-parser's).
enum QuickArguments {
    /// Names the first file may not have here: argument-parser would take it for a command.
    static let commandNames: Set<String> = ["annotate", "batch", "bench", "lexicon", "eval", "help"]

    static func annotate(_ arguments: [String]) -> AnnotateSettings? {
        var format: InputFormat?
        var files: [String] = []
        let options = read(arguments[...]) { argument, reader in
            switch argument {
            case "--format":
                guard format == nil, let v = reader.value(), let f = InputFormat(argument: v) else { return false }
                format = f
            default:
                guard let file = Reader.plainValue(argument) else { return false }
                files.append(file)
            }
            return true
        }
        guard let shared = options else { return nil }
        // The checks of the options' `validate()`s (`InputOptions`, `PipelineOptions`).
        let maxDocBytes = shared.maxDocBytes ?? InputOptions.defaultMaxDocBytes
        guard maxDocBytes > 0, let pipeline = shared.pipeline() else { return nil }
        return AnnotateSettings(format: format ?? InputOptions.defaultFormat, maxDocBytes: maxDocBytes,
                                writerOptions: shared.writerOptions, pipeline: pipeline, files: files)
    }

    /// `arguments` are those after `batch`.
    static func batch(_ arguments: ArraySlice<String>) -> BatchSettings? {
        var output: String?, jobs: Int?
        var resume = false, quiet = false
        var paths: [String] = []
        let options = read(arguments) { argument, reader in
            switch argument {
            case "-o", "--output":
                // `-o -` (standard output) is the one value here that may begin with a dash.
                guard output == nil, let v = reader.value(allowingDash: true) else { return false }
                output = v
            case "--jobs":
                guard jobs == nil, let v = reader.value(), let n = Int(argument: v) else { return false }
                jobs = n
            case "--resume":
                guard !resume else { return false }
                resume = true
            case "-q", "--quiet":
                guard !quiet else { return false }
                quiet = true
            default:
                guard let path = Reader.plainValue(argument) else { return false }
                paths.append(path)
            }
            return true
        }
        guard let shared = options else { return nil }
        // argument-parser's own checks (a path and the output are required) and those
        // of the `validate()`s (`Batch`, `PipelineOptions`).
        let jobCount = jobs ?? Batch.defaultJobs
        let maxDocBytes = shared.maxDocBytes ?? Batch.defaultMaxDocBytes
        guard !paths.isEmpty, let output, jobCount >= 1, maxDocBytes > 0, let pipeline = shared.pipeline() else { return nil }
        return BatchSettings(paths: paths, output: output, jobs: jobCount, resume: resume, quiet: quiet,
                             maxDocBytes: maxDocBytes, writerOptions: shared.writerOptions, pipeline: pipeline)
    }

    /// Reads `arguments`: the options both commands have into the result, every other
    /// argument through `command` (with the reader, for its value), which returns false
    /// for one it does not take. Nil when an argument is refused: the line then goes to
    /// argument-parser.
    private static func read(_ arguments: ArraySlice<String>,
                             command: (String, inout Reader) -> Bool) -> SharedOptions? {
        var reader = Reader(arguments)
        var shared = SharedOptions()
        while let argument = reader.next() {
            switch shared.read(argument, &reader) {
            case .taken: continue
            case .refused: return nil
            case .notShared: guard command(argument, &reader) else { return nil }
            }
        }
        return shared
    }

    /// A walk over the arguments.
    private struct Reader {
        private let arguments: ArraySlice<String>
        private var index: Int

        init(_ arguments: ArraySlice<String>) {
            self.arguments = arguments
            index = arguments.startIndex
        }

        /// The next argument (moving past it), or nil at the end.
        mutating func next() -> String? {
            guard index < arguments.endIndex else { return nil }
            defer { index += 1 }
            return arguments[index]
        }

        /// The value after the option just read (moving past it), or nil when there is
        /// none or it looks like an option (with `allowingDash`, `-` alone is a value).
        mutating func value(allowingDash: Bool = false) -> String? {
            guard index < arguments.endIndex else { return nil }
            let v = arguments[index]
            guard let first = v.utf8.first, first != UInt8(ascii: "-") || (allowingDash && v == "-") else { return nil }
            index += 1
            return v
        }

        /// `argument` as a file or folder name, or nil when it looks like an option
        /// or a command.
        static func plainValue(_ argument: String) -> String? {
            guard let first = argument.utf8.first, first != UInt8(ascii: "-"), !commandNames.contains(argument) else { return nil }
            return argument
        }
    }

    /// The options of `OutputOptions` and `PipelineOptions`, and `--max-doc-bytes`,
    /// which both commands have, as read so far.
    private struct SharedOptions {
        var maxDocBytes: Int?, offsets: OffsetUnit?
        var tokens = false, keepOverlaps = false, lenient = false
        var lexicons: String?, stages: String?, referenceDate: String?
        var lexicon: [String] = []

        enum Outcome { case taken, notShared, refused }

        /// Reads `argument` (and its value from `reader`) when it is one of these options.
        mutating func read(_ argument: String, _ reader: inout Reader) -> Outcome {
            switch argument {
            case "--max-doc-bytes":
                guard maxDocBytes == nil, let v = reader.value(), let n = Int(argument: v) else { return .refused }
                maxDocBytes = n
            case "--offsets":
                guard offsets == nil, let v = reader.value(), let u = OffsetUnit(argument: v) else { return .refused }
                offsets = u
            case "--lexicons":
                guard lexicons == nil, let v = reader.value() else { return .refused }
                lexicons = v
            case "--stages":
                guard stages == nil, let v = reader.value() else { return .refused }
                stages = v
            case "--reference-date":
                guard referenceDate == nil, let v = reader.value() else { return .refused }
                referenceDate = v
            case "--lexicon":
                guard let v = reader.value() else { return .refused }
                lexicon.append(v)
            case "--tokens":
                guard !tokens else { return .refused }
                tokens = true
            case "--keep-overlaps":
                guard !keepOverlaps else { return .refused }
                keepOverlaps = true
            case "--lenient":
                guard !lenient else { return .refused }
                lenient = true
            default:
                return .notShared
            }
            return .taken
        }

        var writerOptions: JSONWriter.Options {
            JSONWriter.Options(offsets: offsets ?? OutputOptions.defaultOffsets, includeTokens: tokens)
        }

        /// The pipeline settings, or nil when `PipelineOptions.validate()` would refuse them.
        func pipeline() -> PipelineSettings? {
            let pipeline = PipelineSettings(lexicons: lexicons, stages: stages, lexicon: lexicon, keepOverlaps: keepOverlaps,
                                            lenient: lenient, referenceDate: referenceDate)
            do {
                try pipeline.validate()
            } catch {
                return nil
            }
            return pipeline
        }
    }
}
