import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `entex batch` writes.
public enum BatchTarget: Sendable, Equatable {
    /// Standard output (`-o -`); cannot be resumed.
    case standardOutput
    /// One JSON Lines file for all inputs. An existing device or pipe
    /// (`/dev/null`, a FIFO) is written directly, without a temporary file.
    case file(String)
    /// A folder mirroring the input tree: `a/b.jsonl` → `DIR/a/b.jsonl`, `x.txt` → `DIR/x.jsonl`.
    case directory(String)

    /// Reads an `-o` argument: `-` is standard output; a path ending in `/`
    /// or naming an existing folder is a folder; anything else is a file.
    public init(argument: String) {
        if argument == "-" {
            self = .standardOutput
            return
        }
        var isDir: ObjCBool = false
        if argument.hasSuffix("/") || (FileManager.default.fileExists(atPath: argument, isDirectory: &isDir) && isDir.boolValue) {
            var path = argument
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
            self = .directory(path)
        } else {
            self = .file(argument)
        }
    }
}

/// A batch that cannot start or cannot write its output.
public struct BatchError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The files of a batch run and its output, with temporary files and resumption.
///
/// Output goes to a hidden temporary file beside its final name
/// (`.NAME.entex-partial`), renamed into place when complete; a state file
/// (`.NAME.entex-state`, or `DIR/.entex-batch-state` for a folder) records
/// a fingerprint of the inputs and options and, for a folder, which output
/// files are complete. After an interruption, `resume` keeps the complete
/// lines of the temporary files (a partly written last line is cut off)
/// and the complete output files, and the run goes on from there, so the
/// final output is the same bytes as an uninterrupted run's. Resuming with
/// other inputs or options is refused.
public final class BatchJob {
    public let target: BatchTarget
    /// Files still to process, with the records to skip in each.
    public private(set) var files: [BatchFile] = []
    /// Records of the whole output already written (single output file).
    public private(set) var skipRecords = 0
    /// Input files whose output was complete before this run (resumed folder).
    public private(set) var completedFiles = 0
    /// Things worth telling the user (what was resumed or discarded).
    public private(set) var notes: [String] = []

    private let fingerprint: String
    private var outputNames: [String] = []
    private var sink: OutputSink?

    /// Plans a run of `entries` into `target`. `configuration` describes
    /// everything else that changes the output (stages, options, version):
    /// a resumed run must have the same. Throws when the output cannot be
    /// prepared or cannot be resumed.
    public init(entries: [InputFiles.Entry], target: BatchTarget, resume: Bool, configuration: String) throws(BatchError) {
        self.target = target
        var text = "entex-batch 1\n\(configuration)\n"
        for entry in entries { text += "\(entry.relativePath)\t\(entry.size)\n" }
        fingerprint = BatchJob.hash(text)

        switch target {
        case .standardOutput:
            if resume { throw BatchError("--resume needs an output file or folder, not standard output") }
            files = entries.map { BatchFile(entry: $0) }
            sink = StandardOutputSink()
        case .file(let path):
            try planFile(path, entries: entries, resume: resume)
        case .directory(let dir):
            try planDirectory(dir, entries: entries, resume: resume)
        }
    }

    /// Runs `engine` over the planned files and moves the output into place.
    public func run(engine: BatchEngine, progressInterval: Double = 0.2, progress: (BatchProgress) -> Void) throws -> BatchProgress {
        guard let sink else { throw BatchError("batch already run") }
        self.sink = nil
        let report = try engine.run(files: files, skipRecords: skipRecords, sink: sink,
                                    progressInterval: progressInterval, progress: progress)
        try sink.finish()
        return report
    }

    // MARK: - Planning

    private func planFile(_ path: String, entries: [InputFiles.Entry], resume: Bool) throws(BatchError) {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            // A device or pipe (`/dev/null`, a FIFO): write to it directly; never rename over it.
            if resume { throw BatchError("--resume needs a regular output file, and \(path) is not one") }
            files = entries.map { BatchFile(entry: $0) }
            sink = try StreamSink(path: path)
            return
        }
        let (dir, base) = BatchJob.split(path)
        try BatchJob.makeDirectory(dir)
        let partial = dir + "/." + base + ".entex-partial"
        let statePath = dir + "/." + base + ".entex-state"
        files = entries.map { BatchFile(entry: $0) }
        var append = false
        if resume && BatchJob.exists(partial) {
            guard let state = try? String(contentsOfFile: statePath, encoding: .utf8),
                  BatchJob.fingerprint(in: state) == fingerprint else {
                throw BatchError("cannot resume \(path): the interrupted run had other inputs or options (run without --resume to start over)")
            }
            skipRecords = try BatchJob.keepCompleteLines(partial)
            append = true
            notes.append("resuming \(path) after \(skipRecords) records already written")
        } else {
            if resume { notes.append("nothing to resume for \(path): starting from the beginning") }
            try BatchJob.writeState(statePath, fingerprint: fingerprint, done: [])
        }
        sink = try SingleFileSink(partial: partial, final: path, statePath: statePath, append: append)
    }

    private func planDirectory(_ dir: String, entries: [InputFiles.Entry], resume: Bool) throws(BatchError) {
        try BatchJob.makeDirectory(dir)
        var seen: [String: String] = [:]
        var names: [String] = []
        for entry in entries {
            let name = BatchJob.mirroredName(entry.relativePath)
            if let other = seen[name] {
                throw BatchError("\(other) and \(entry.path) would both be written to \(dir)/\(name)")
            }
            seen[name] = entry.path
            names.append(name)
        }
        let statePath = dir + "/.entex-batch-state"
        var done: Set<String> = []
        if resume, let state = try? String(contentsOfFile: statePath, encoding: .utf8) {
            guard BatchJob.fingerprint(in: state) == fingerprint else {
                throw BatchError("cannot resume into \(dir): the interrupted run had other inputs or options (run without --resume to start over)")
            }
            for line in state.split(separator: "\n") where line.hasPrefix("done ") {
                done.insert(String(line.dropFirst(5)))
            }
        } else {
            if resume { notes.append("nothing to resume in \(dir): starting from the beginning") }
            try BatchJob.writeState(statePath, fingerprint: fingerprint, done: [])
        }
        var resumedRecords = 0
        for (entry, name) in zip(entries, names) {
            let final = dir + "/" + name
            if done.contains(name) && BatchJob.exists(final) {
                completedFiles += 1
                continue
            }
            var file = BatchFile(entry: entry)
            let partial = BatchJob.partialName(final)
            if resume && BatchJob.exists(partial) {
                file.skipRecords = try BatchJob.keepCompleteLines(partial)
                resumedRecords += file.skipRecords
            }
            files.append(file)
            outputNames.append(name)
        }
        if resume && (completedFiles > 0 || resumedRecords > 0) {
            notes.append("resuming into \(dir): \(completedFiles) files complete, \(resumedRecords) records of unfinished files kept")
        }
        sink = DirectorySink(dir: dir, names: outputNames, statePath: statePath)
    }

    // MARK: - Helpers

    /// The output name of an input file in a mirrored folder: the input's
    /// relative path without `.gz` and its extension, plus `.jsonl`.
    public static func mirroredName(_ relativePath: String) -> String {
        var name = relativePath
        if name.lowercased().hasSuffix(".gz") { name.removeLast(3) }
        if let dot = name.lastIndex(of: "."), !name[dot...].contains("/"),
           InputFiles.extensions.contains(name[name.index(after: dot)...].lowercased()) {
            name = String(name[..<dot])
        }
        return name + ".jsonl"
    }

    static func partialName(_ final: String) -> String {
        let (dir, base) = split(final)
        return dir + "/." + base + ".entex-partial"
    }

    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func makeDirectory(_ path: String) throws(BatchError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BatchError("\(path): cannot create folder (\(error.localizedDescription))")
        }
    }

    private static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return String(h, radix: 16)
    }

    private static func fingerprint(in state: String) -> String? {
        state.split(separator: "\n").first { $0.hasPrefix("fingerprint ") }.map { String($0.dropFirst(12)) }
    }

    private static func writeState(_ path: String, fingerprint: String, done: [String]) throws(BatchError) {
        let text = "# entex batch state: lets --resume continue an interrupted run; removed when the run completes\nfingerprint \(fingerprint)\n"
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BatchError("\(path): cannot write (\(error.localizedDescription))")
        }
    }

    /// Cuts a partly written last line off `path`; returns the number of complete lines.
    static func keepCompleteLines(_ path: String) throws(BatchError) -> Int {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw BatchError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var lines = 0, offset = 0, keep = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BatchError("\(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            for i in 0..<n where buffer[i] == 0x0A {
                lines += 1
                keep = offset + i + 1
            }
            offset += n
        }
        if keep < offset && ftruncate(fd, off_t(keep)) != 0 {
            throw BatchError("\(path): cannot truncate (\(String(cString: strerror(errno))))")
        }
        return lines
    }
}

// MARK: - Sinks

/// A `BatchSink` that can complete its output once every record is written.
protocol OutputSink: BatchSink {
    func finish() throws
}

/// Buffered writes to a file descriptor.
final class BufferedFile {
    let fd: Int32
    let name: String
    private var buffer: [UInt8] = []
    private let limit = 1 << 20

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer.reserveCapacity(limit + (1 << 16))
    }

    static func open(_ path: String, append: Bool) throws(BatchError) -> BufferedFile {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw BatchError("\(path): cannot write (\(String(cString: strerror(errno))))") }
        return BufferedFile(fd: fd, name: path)
    }

    /// Bytes written at once from the caller's memory, without copying
    /// them into the buffer (a worker's group of records usually is).
    private let directBytes = 1 << 15

    func write(_ bytes: UnsafeRawBufferPointer) throws(BatchError) {
        if bytes.count >= directBytes {
            try flush()
            try writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        if buffer.count >= limit { try flush() }
    }

    func flush() throws(BatchError) {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        let failure: BatchError? = buffer.withUnsafeBytes { raw in
            do throws(BatchError) {
                try writeAll(raw)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) throws(BatchError) {
        var offset = 0
        while offset < raw.count {
            let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw BatchError("\(name): cannot write (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
    }

    func close() throws(BatchError) {
        try flush()
        if Glibc.close(fd) != 0 { throw BatchError("\(name): cannot write (\(String(cString: strerror(errno))))") }
    }
}

final class StandardOutputSink: OutputSink {
    private let out = BufferedFile(fd: 1, name: "standard output")
    func beginFile(_ index: Int, _ file: BatchFile) throws {}
    func endFile(_ index: Int, _ file: BatchFile) throws {}
    func write(_ records: UnsafeRawBufferPointer) throws { try out.write(records) }
    func finish() throws { try out.flush() }
}

final class StreamSink: OutputSink {
    private let out: BufferedFile
    init(path: String) throws(BatchError) { out = try BufferedFile.open(path, append: true) }
    func beginFile(_ index: Int, _ file: BatchFile) throws {}
    func endFile(_ index: Int, _ file: BatchFile) throws {}
    func write(_ records: UnsafeRawBufferPointer) throws { try out.write(records) }
    func finish() throws { try out.close() }
}

final class SingleFileSink: OutputSink {
    private let out: BufferedFile
    private let partial: String
    private let final: String
    private let statePath: String

    init(partial: String, final: String, statePath: String, append: Bool) throws(BatchError) {
        self.partial = partial
        self.final = final
        self.statePath = statePath
        out = try BufferedFile.open(partial, append: append)
    }

    func beginFile(_ index: Int, _ file: BatchFile) throws {}
    func endFile(_ index: Int, _ file: BatchFile) throws {}
    func write(_ records: UnsafeRawBufferPointer) throws { try out.write(records) }

    func finish() throws {
        try out.close()
        guard rename(partial, final) == 0 else {
            throw BatchError("cannot move \(partial) to \(final): \(String(cString: strerror(errno)))")
        }
        unlink(statePath)
    }
}

final class DirectorySink: OutputSink {
    private let dir: String
    private let names: [String]
    private let statePath: String
    private var current: BufferedFile?

    init(dir: String, names: [String], statePath: String) {
        self.dir = dir
        self.names = names
        self.statePath = statePath
    }

    func beginFile(_ index: Int, _ file: BatchFile) throws {
        let final = dir + "/" + names[index]
        try BatchJob.makeDirectory(BatchJob.split(final).0)
        current = try BufferedFile.open(BatchJob.partialName(final), append: file.skipRecords > 0)
    }

    func write(_ records: UnsafeRawBufferPointer) throws { try current?.write(records) }

    func endFile(_ index: Int, _ file: BatchFile) throws {
        guard let out = current else { return }
        current = nil
        try out.close()
        let final = dir + "/" + names[index]
        let partial = BatchJob.partialName(final)
        guard rename(partial, final) == 0 else {
            throw BatchError("cannot move \(partial) to \(final): \(String(cString: strerror(errno)))")
        }
        let line = "done \(names[index])\n"
        let fd = open(statePath, O_WRONLY | O_APPEND | O_CLOEXEC)
        if fd >= 0 {
            _ = line.withCString { Glibc.write(fd, $0, strlen($0)) }
            Glibc.close(fd)
        }
    }

    func finish() throws {
        unlink(statePath)
    }
}

/// Annotates documents one after another on one thread and writes each as
/// one line of `entex/1` JSON to a file descriptor (the `entex` command's
/// standard output).
///
/// The lines are written straight into one buffer, which goes out in a
/// single `write` once it holds 64 KiB or more: no line is copied between
/// the JSON writer and the descriptor (`Annotator` renders each document
/// into a buffer of its own, which its caller then copies). Like
/// `Annotator`, it reuses the pipeline's layer arrays from document to document.
public final class AnnotatingWriter {
    public let pipeline: Pipeline
    public let writer: JSONWriter
    private let out: Int32
    private var buffer = JSONBuffer(capacity: 1 << 17)
    /// Bytes gathered before they are written.
    private static let limit = 1 << 16

    /// Writes to `descriptor` (not closed here).
    public init(pipeline: Pipeline, writer: JSONWriter, descriptor: Int32 = 1) {
        self.pipeline = pipeline
        self.writer = writer
        self.out = descriptor
    }

    deinit { buffer.deallocate() }

    /// Annotates `doc` in place and adds its line; `doc` is left with empty
    /// layers. (Through its address: a copy made while the layers are
    /// taken back would make emptying them allocate new arrays.)
    public func annotate(_ doc: inout Document) throws(BatchError) {
        pipeline.process(&doc)
        writer.write(doc, into: &buffer)
        buffer.byte(0x0A)
        pipeline.recycleLayers(of: &doc)
        if buffer.count >= AnnotatingWriter.limit { try flush() }
    }

    /// Adds a line as it is (`line` ends in a newline: an error record).
    public func write(line: [UInt8]) throws(BatchError) {
        buffer.raw(line)
        if buffer.count >= AnnotatingWriter.limit { try flush() }
    }

    /// Writes out the lines gathered so far; a failure's description is the system's reason.
    public func flush() throws(BatchError) {
        defer { buffer.removeAll() }
        let failure: BatchError? = buffer.withBytes { p in
            var offset = 0
            while offset < p.count {
                let n = Glibc.write(out, p.baseAddress! + offset, p.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return BatchError(String(cString: strerror(errno)))
                }
                offset += n
            }
            return nil
        }
        if let failure { throw failure }
    }
}
