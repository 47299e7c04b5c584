import ArgumentParser
import Entex
#if canImport(Glibc)
import Glibc
#endif

// ArgumentParser exits with EX_USAGE (64) for a bad option or a failed
// validate(); entex documents 2 for every usage or configuration error.
do {
    // The plainest command lines of the default command are read without
    // argument-parser (see `QuickArguments`); every other one goes to it.
    if let settings = QuickArguments.annotate(Array(CommandLine.arguments.dropFirst())) {
        try Annotate.run(settings)
    } else {
        var command = try EntexCommand.parseAsRoot()
        try command.run()
    }
} catch {
    if EntexCommand.exitCode(for: error) == .validationFailure {
        printError(EntexCommand.fullMessage(for: error))
        exit(ExitStatus.usage)
    }
    EntexCommand.exit(withError: error)
}
