import ArgumentParser
import Entex
#if canImport(Glibc)
import Glibc
#endif

// ArgumentParser exits with EX_USAGE (64) for a bad option or a failed
// validate(); entex documents 2 for every usage or configuration error.
do {
    // The plainest command lines of the default command and of `entex batch` are
    // read without argument-parser (see `QuickArguments`); every other one goes to it.
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.first == "batch", let settings = QuickArguments.batch(arguments.dropFirst()) {
        try Batch.run(settings)
    } else if let settings = QuickArguments.annotate(arguments) {
        try Annotate.run(settings)
    } else {
        var command = try EntexCommand.parseAsRoot()
        try command.run()
    }
} catch let code as ExitCode where code != .validationFailure {
    // What `exit(withError:)` does with an exit code (it prints nothing), without the
    // usage text argument-parser would build (and throw away) on the way.
    exit(code.rawValue)
} catch {
    if EntexCommand.exitCode(for: error) == .validationFailure {
        printError(EntexCommand.fullMessage(for: error))
        exit(ExitStatus.usage)
    }
    EntexCommand.exit(withError: error)
}
