import Foundation

/// A problem in a data file (lexicon, pattern or word list), naming file and line.
public struct DataFileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String
    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// One data row: its fields and where it came from.
public struct DataRow: Sendable {
    public var fields: [Substring]
    public var line: Int
}

/// Reads the project's tab-separated text data files: UTF-8, `#` starts a
/// comment line, blank lines are skipped, fields are separated by TAB.
public enum DataFile {
    public static func readText(_ path: String) throws(DataFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, line: nil, message: "cannot read file")
        }
        let bytes = [UInt8](data)
        if let bad = bytes.withUnsafeBufferPointer({ UTF8Repair.firstInvalid($0) }) {
            let line = bytes[..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DataFileError(file: path, line: line, message: "invalid UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Rows of a file; with `columns`, every row must have at least that many fields.
    public static func rows(_ path: String, minimumColumns: Int = 1) throws(DataFileError) -> [DataRow] {
        let text = try readText(path)
        var rows: [DataRow] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.isEmpty || line.first == "#" { continue }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count < minimumColumns {
                throw DataFileError(file: path, line: number,
                                    message: "expected at least \(minimumColumns) tab-separated columns, found \(fields.count)")
            }
            rows.append(DataRow(fields: fields, line: number))
        }
        return rows
    }
}

/// Finds the bundled `Lexicons/` folder.
public enum LexiconLocator {
    /// The folder named by `explicit`, or `$ENTEX_LEXICONS`, or
    /// `<prefix>/share/entex/Lexicons` beside an installed binary, or the first
    /// `Lexicons/` found walking up from the executable, then from the current
    /// directory (a checkout).
    public static func find(explicit: String? = nil) throws(DataFileError) -> String {
        let fm = FileManager.default
        func isLexicons(_ path: String) -> Bool {
            var dir: ObjCBool = false
            return fm.fileExists(atPath: path + "/text", isDirectory: &dir) && dir.boolValue
        }
        if let explicit {
            guard isLexicons(explicit) else {
                throw DataFileError(file: explicit, line: nil, message: "not a lexicon folder (no text/ inside)")
            }
            return explicit
        }
        if let env = ProcessInfo.processInfo.environment["ENTEX_LEXICONS"], !env.isEmpty {
            guard isLexicons(env) else {
                throw DataFileError(file: env, line: nil, message: "ENTEX_LEXICONS is not a lexicon folder (no text/ inside)")
            }
            return env
        }
        var starts: [URL] = []
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            starts.append(exe.deletingLastPathComponent())
            let share = exe.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/entex/Lexicons").path
            if isLexicons(share) { return share }
        }
        starts.append(URL(fileURLWithPath: fm.currentDirectoryPath))
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("Lexicons").path
                if isLexicons(candidate) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw DataFileError(file: "Lexicons", line: nil,
                            message: "lexicon folder not found: pass --lexicons DIR or set ENTEX_LEXICONS")
    }
}
