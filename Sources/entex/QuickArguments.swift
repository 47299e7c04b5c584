import ArgumentParser
import Entex

/// The plainest command lines of the default command, `entex [options] [file…]`, read
/// without argument-parser, to the settings of the `Annotate` it would make.
///
/// argument-parser builds every command's argument definitions by reflection at each
/// start (19 M instructions, a sixth of a start-up). A run over the same input pays it
/// whatever it does, so the common case — long options, each given once, with a value
/// that does not look like an option, and files — is read here; anything else (a
/// subcommand, `--help`, `--version`, a short or unknown option, `--name=value`, a value
/// that does not convert or does not validate, a repeated option) returns nil and goes
/// to argument-parser, which reports errors as always. `CommandLineTests` pins the two
/// ways against each other (`entex annotate …` always takes argument-parser's).
enum QuickArguments {
    /// Names the first file may not have here: argument-parser would take it for a command.
    static let commandNames: Set<String> = ["annotate", "batch", "bench", "lexicon", "eval", "help"]

    static func annotate(_ arguments: [String]) -> AnnotateSettings? {
        var format: InputFormat?, maxDocBytes: Int?, offsets: OffsetUnit?
        var tokens = false, keepOverlaps = false, lenient = false
        var lexicons: String?, stages: String?, referenceDate: String?
        var lexicon: [String] = [], files: [String] = []
        var index = 0
        /// The value after the option at `index` (moving past it), or nil.
        func value() -> String? {
            guard index + 1 < arguments.count else { return nil }
            let v = arguments[index + 1]
            guard let first = v.utf8.first, first != UInt8(ascii: "-") else { return nil }
            index += 1
            return v
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--format":
                guard format == nil, let v = value(), let f = InputFormat(argument: v) else { return nil }
                format = f
            case "--max-doc-bytes":
                guard maxDocBytes == nil, let v = value(), let n = Int(argument: v) else { return nil }
                maxDocBytes = n
            case "--offsets":
                guard offsets == nil, let v = value(), let u = OffsetUnit(argument: v) else { return nil }
                offsets = u
            case "--lexicons":
                guard lexicons == nil, let v = value() else { return nil }
                lexicons = v
            case "--stages":
                guard stages == nil, let v = value() else { return nil }
                stages = v
            case "--reference-date":
                guard referenceDate == nil, let v = value() else { return nil }
                referenceDate = v
            case "--lexicon":
                guard let v = value() else { return nil }
                lexicon.append(v)
            case "--tokens":
                guard !tokens else { return nil }
                tokens = true
            case "--keep-overlaps":
                guard !keepOverlaps else { return nil }
                keepOverlaps = true
            case "--lenient":
                guard !lenient else { return nil }
                lenient = true
            default:
                guard let first = argument.utf8.first, first != UInt8(ascii: "-"), !commandNames.contains(argument) else { return nil }
                files.append(argument)
            }
            index += 1
        }
        // The checks of the options' `validate()`s (`InputOptions`, `PipelineOptions`).
        let docBytes = maxDocBytes ?? InputOptions.defaultMaxDocBytes
        guard docBytes > 0 else { return nil }
        let pipeline = PipelineSettings(lexicons: lexicons, stages: stages, lexicon: lexicon, keepOverlaps: keepOverlaps,
                                        lenient: lenient, referenceDate: referenceDate)
        do {
            try pipeline.validate()
        } catch {
            return nil
        }
        return AnnotateSettings(format: format ?? InputOptions.defaultFormat, maxDocBytes: docBytes,
                                writerOptions: JSONWriter.Options(offsets: offsets ?? OutputOptions.defaultOffsets, includeTokens: tokens),
                                pipeline: pipeline, files: files)
    }
}
