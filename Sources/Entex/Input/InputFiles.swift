import Foundation

/// Finds input files under paths (files or folders, recursed) in a stable order.
public enum InputFiles {
    /// Extensions read as input (a trailing `.gz` is allowed before them).
    public static let extensions: Set<String> = ["txt", "jsonl", "ndjson", "json"]

    /// One input file and the name it has relative to the path it was found under.
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var relativePath: String
        public var size: Int
    }

    /// Files under `paths`, sorted by relative path within each given path;
    /// unreadable folders are reported through `problem` and skipped. Inside
    /// folders only regular files (or links to them) are taken: a FIFO or
    /// device named `*.txt` would block or never end.
    public static func collect(_ paths: [String], problem: (String) -> Void = { _ in }) -> [Entry] {
        let fm = FileManager.default
        var out: [Entry] = []
        for root in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else {
                problem("\(root): no such file or folder")
                continue
            }
            if !isDir.boolValue {
                out.append(Entry(path: root, relativePath: (root as NSString).lastPathComponent, size: size(root)))
                continue
            }
            guard let walker = fm.enumerator(atPath: root) else {
                problem("\(root): cannot read folder")
                continue
            }
            var found: [Entry] = []
            while let rel = walker.nextObject() as? String {
                let full = root + "/" + rel
                var sub: ObjCBool = false
                guard fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue else { continue }
                if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                guard isInput(rel), isRegularFile(full) else { continue }
                found.append(Entry(path: full, relativePath: rel, size: size(full)))
            }
            out.append(contentsOf: found.sorted { $0.relativePath < $1.relativePath })
        }
        return out
    }

    public static func isInput(_ name: String) -> Bool {
        var name = name.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        guard let dot = name.lastIndex(of: ".") else { return false }
        return extensions.contains(String(name[name.index(after: dot)...]))
    }

    /// The format a file's name implies: `.txt` is one text document, JSON
    /// files are read as JSON Lines or tweets by their content.
    public static func format(for name: String) -> InputFormat {
        var name = name.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        return name.hasSuffix(".txt") ? .text : .auto
    }

    /// Whether `path` is a regular file, following symbolic links.
    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
