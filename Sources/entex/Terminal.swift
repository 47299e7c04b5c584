#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to standard error.
func printError(_ message: String) {
    var line = message
    line.append("\n")
    line.withCString { _ = fputs($0, stderr) }
}
