import ArgumentParser
import Entex
import Foundation

struct Lexicon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lexicon",
        abstract: "Compile the gazetteer or look names up in it.",
        subcommands: [Compile.self, Lookup.self]
    )

    /// Which lexicons make the gazetteer.
    struct Options: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("The Lexicons folder (default: $ENTEX_LEXICONS, or found beside the executable).", valueName: "dir"))
        var lexicons: String?

        @Option(name: .long, help: ArgumentHelp("A user lexicon (repeatable): gazetteer TSV or name<TAB>type rows.", valueName: "file"))
        var lexicon: [String] = []

        func loadResources() throws -> Resources {
            do {
                return try Resources.load(lexicons: lexicons, userLexicons: lexicon)
            } catch {
                printError("entex lexicon: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }

    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compile",
            abstract: "Compile the bundled gazetteers and user lexicons to the binary cache.",
            discussion: """
            Always compiles from the TSV files, then writes the binary form to --output, or to \
            the cache ($XDG_CACHE_HOME/entex or ~/.cache/entex) under a name made from the \
            files' content, where later runs find it. Reports sizes and timings.
            """
        )

        @OptionGroup var options: Options

        @Option(name: [.short, .long], help: ArgumentHelp("Write the compiled gazetteer to this file.", valueName: "file"))
        var output: String?

        func run() throws {
            let resources = try options.loadResources()
            do {
                let sources = try GazetteerSource.all(lexicons: resources.lexiconsPath, userLexicons: options.lexicon)
                let t0 = StageBenchmark.now()
                let key = try GazetteerCache.contentKey(sources, lexicons: resources.lexiconsPath)
                var path = output
                if path == nil, let dir = GazetteerCache.defaultDirectory {
                    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    path = dir + "/gazetteer-" + String(key, radix: 16) + ".bin"
                }
                // The compiled gazetteer is gone before the file is read back, so that the
                // peak memory is the compile's, not the compiled and the mapped copy together.
                do {
                    let gazetteer = try GazetteerBuilder.compile(sources, text: resources.text)
                    let compileSeconds = StageBenchmark.now() - t0
                    print("compiled \(gazetteer.entryCount) entries from \(sources.count) files "
                          + "(\(options.lexicon.count) user) in \(String(format: "%.3f", compileSeconds)) s: "
                          + "\(gazetteer.vocabularySize) token keys, \(gazetteer.stateCount) states")
                    guard let path else {
                        printError("entex lexicon compile: no cache folder (set XDG_CACHE_HOME or HOME) and no --output")
                        throw ExitCode(ExitStatus.usage)
                    }
                    guard GazetteerCache.write(gazetteer, key: key, to: path) else {
                        printError("entex lexicon compile: cannot write \(path)")
                        throw ExitCode(ExitStatus.usage)
                    }
                }
                guard let path else { return }
                let t1 = StageBenchmark.now()
                let reloaded = GazetteerCache.read(path, key: key)
                let loadSeconds = StageBenchmark.now() - t1
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                print("wrote \(path) (\(String(format: "%.1f", Double(size) / 1e6)) MB); "
                      + "reading it back takes \(String(format: "%.3f", loadSeconds)) s"
                      + (reloaded == nil ? " and FAILED" : ""))
            } catch let error as DataFileError {
                printError("entex lexicon compile: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lookup",
            abstract: "Print the gazetteer candidates found in TEXT.",
            discussion: """
            One line per candidate: byte offsets, the text, type, canonical name, kb id, \
            source and lexicon file, tab-separated. Example:
              entex lexicon lookup 'NICOLAS MADURO visitó Pekín'
            """
        )

        @OptionGroup var options: Options

        @Option(name: .long, help: ArgumentHelp("Document language (en, es, und; default: detected).", valueName: "code"))
        var language: String?

        @Argument(help: "The text to look up.")
        var text: String

        func run() throws {
            let resources = try options.loadResources()
            var doc = Document(id: "lookup", text: text, language: language)
            do {
                let pipeline = try PipelineConfiguration(stages: ["tokenize", "sentences", "language", "gazetteer"])
                    .makePipeline(resources: resources)
                pipeline.process(&doc)
            } catch {
                printError("entex lexicon lookup: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
            if doc.candidates.isEmpty { print("no match (language \(doc.language ?? "und"))") }
            for c in doc.candidates {
                print([
                    "\(c.span.start)-\(c.span.end)", doc.string(c.span), c.type.name, doc.canonical(of: c) ?? "-",
                    doc.kb(of: c) ?? "-", c.source.name, c.rule ?? "-",
                ].joined(separator: "\t"))
            }
        }
    }
}
