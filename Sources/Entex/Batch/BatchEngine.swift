import Foundation

/// How a batch run reads, annotates and hands on records.
public struct BatchOptions: Sendable {
    /// Worker threads, each with its own `Pipeline` (at least 1).
    public var jobs: Int
    public var writerOptions: JSONWriter.Options
    /// Largest document accepted; larger ones become error records.
    public var maxDocumentBytes: Int
    /// Groups of records read but not yet written, at most (bounds memory). Documents
    /// travel between threads in groups of up to `documentsPerJob` (and about
    /// `bytesPerJob` of text), so that small documents such as tweets do not cost a
    /// lock round trip each. Default: 64 groups a job when the reader parses the
    /// records; when the workers do, `8 × jobs + 16`, which keeps every worker
    /// supplied while the reader, which would otherwise run up to 64 groups a
    /// worker ahead (the whole of a 12 MB input), reuses a few warm buffers of
    /// lines instead of filling new ones that another core then reads (a
    /// ninth of a `--jobs 2` run's page faults).
    public var maxInFlightRecords: Int
    /// Most documents handed to a worker at once.
    public var documentsPerJob: Int
    /// Text bytes after which a group of documents is handed on without waiting for more.
    public var bytesPerJob: Int
    /// Text bytes of documents read but not yet written, at most; a single
    /// larger document is still let through on its own.
    public var maxInFlightBytes: Int
    /// Whether the workers parse JSON Lines records themselves: the reader
    /// thread then only splits the input into lines and hands them on in
    /// groups. Parsing is about a twentieth of the work; on the reader it
    /// overlaps the one worker when there is a core to spare, and with
    /// several workers it is better shared among them (the reader would
    /// take a core's share of time from them, and every document would be
    /// made on one thread and freed on another). Default: more than one job.
    public var parsesInWorkers: Bool

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                writerOptions: JSONWriter.Options = .init(),
                maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes,
                maxInFlightRecords: Int? = nil, maxInFlightBytes: Int = 64 << 20,
                documentsPerJob: Int = 64, bytesPerJob: Int = 128 << 10, parsesInWorkers: Bool? = nil) {
        self.jobs = max(1, jobs)
        self.writerOptions = writerOptions
        self.maxDocumentBytes = maxDocumentBytes
        self.maxInFlightBytes = max(1 << 16, maxInFlightBytes)
        self.documentsPerJob = max(1, documentsPerJob)
        self.bytesPerJob = max(1, bytesPerJob)
        self.parsesInWorkers = parsesInWorkers ?? (self.jobs > 1)
        self.maxInFlightRecords = max(4, maxInFlightRecords ?? (self.parsesInWorkers ? 8 * self.jobs + 16 : max(64, self.jobs * 64)))
    }
}

/// One input file of a batch and how many of its leading records are
/// already written (when resuming) and must not be written again.
public struct BatchFile: Sendable {
    public var entry: InputFiles.Entry
    public var skipRecords: Int
    public init(entry: InputFiles.Entry, skipRecords: Int = 0) {
        self.entry = entry
        self.skipRecords = skipRecords
    }
}

/// Where a batch run's records go, in input order. Called on one thread only.
public protocol BatchSink: AnyObject {
    /// A file's records follow (also when all of them are skipped).
    func beginFile(_ index: Int, _ file: BatchFile) throws
    /// One or more whole records, each a single line of JSON ending in a newline.
    func write(_ records: UnsafeRawBufferPointer) throws
    /// All records of the file have been written.
    func endFile(_ index: Int, _ file: BatchFile) throws
}

/// Progress of a batch run, reported after records are written.
public struct BatchProgress: Sendable {
    /// Records written: annotated documents and error records.
    public var records: Int
    /// Of which error records.
    public var errors: Int
    /// Records not written again because an earlier run had written them.
    public var resumedRecords: Int
    /// Input bytes (as stored on disk, compressed for `.gz`) behind the records written.
    public var inputBytes: Int
    /// Sum of the input files' sizes, when known (0 when not).
    public var totalInputBytes: Int
    public var filesDone: Int
    public var filesTotal: Int
    /// Seconds since the run started.
    public var elapsed: Double
    /// True for the last report of the run.
    public var finished: Bool
}

/// Reads files, annotates their documents on several threads and hands the
/// records to a sink in input order.
///
/// One reader thread streams records from the files in order, in groups of
/// consecutive documents, or (`BatchOptions.parsesInWorkers`) in groups of
/// consecutive JSON Lines lines left unparsed; `jobs` worker threads, each
/// with its own `Pipeline`, parse the lines of a group if need be, annotate
/// its documents and render them as `entex/1` JSON; the calling thread
/// hands the records to the sink in input order. At most `maxInFlightRecords` records (and about
/// `maxInFlightBytes` of document text) are between reading and writing at
/// any time, so memory does not grow with the input: the reader waits when
/// the writer falls behind. The output is the same bytes whatever `jobs`
/// is. Every input document yields exactly one record: its annotation, or an
/// error record naming the file, the line and the reason (a file that
/// cannot be opened or read, a malformed line, an oversized document).
public final class BatchEngine {
    public let options: BatchOptions
    private let configuration: PipelineConfiguration
    private let resources: Resources
    /// The pipeline built to check the configuration, kept for the first
    /// worker of the next run (nil once taken).
    private var spare: Pipeline?
    private let spareLock = NSLock()

    /// Builds a pipeline up front so configuration errors surface before any work.
    public init(resources: Resources, configuration: PipelineConfiguration, options: BatchOptions) throws {
        self.resources = resources
        self.configuration = configuration
        self.options = options
        spare = try configuration.makePipeline(resources: resources)
    }

    /// Runs the batch. The first `skipRecords` records of the whole run
    /// (after each file's own `skipRecords`) are read but not annotated nor
    /// written: they were written by an interrupted run. `progress` is
    /// called on the calling thread at most every `progressInterval` seconds
    /// and once at the end. Throws only when the sink fails (the run stops;
    /// records written so far stay).
    @discardableResult
    public func run(files: [BatchFile], skipRecords: Int = 0, sink: BatchSink, progressInterval: Double = 0.2,
                    progress: (BatchProgress) -> Void = { _ in }) throws -> BatchProgress {
        let jobs = options.jobs
        // The first worker takes the pipeline `init` built; the others build
        // theirs on their own threads, at the same time, instead of one
        // after another on this thread before any work starts.
        spareLock.lock()
        let spare = self.spare
        self.spare = nil
        spareLock.unlock()
        let firstPipeline = try spare ?? configuration.makePipeline(resources: resources)
        // Buffers of lines for the workers: as many kept as can be in flight, not freed and made again.
        let state = SharedState(capacity: options.maxInFlightRecords, maxBytes: options.maxInFlightBytes,
                                spares: 2 * jobs + 2, spareLineBuffers: options.maxInFlightRecords)
        let start = StageBenchmark.now()
        var report = BatchProgress(records: 0, errors: 0, resumedRecords: 0, inputBytes: 0,
                                   totalInputBytes: files.reduce(0) { $0 + $1.entry.size },
                                   filesDone: 0, filesTotal: files.count, elapsed: 0, finished: false)

        var threads: [Thread] = []
        let done = DispatchGroup()
        let readerOptions = options
        let reader = Thread {
            BatchEngine.readAll(files: files, skipRecords: skipRecords, options: readerOptions, state: state)
            done.leave()
        }
        reader.stackSize = 8 << 20
        threads.append(reader)
        let writerOptions = options.writerOptions
        let workerConfiguration = configuration, workerResources = resources
        for k in 0..<jobs {
            let worker = Thread {
                defer { done.leave() }
                // `init` built this configuration with these resources, so
                // building it again does not fail; if it did, the other
                // workers would still do every job.
                guard let pipeline = k == 0 ? firstPipeline : try? workerConfiguration.makePipeline(resources: workerResources) else { return }
                BatchEngine.work(pipeline: pipeline, writer: JSONWriter(options: writerOptions), state: state)
            }
            worker.stackSize = 8 << 20
            threads.append(worker)
        }
        for thread in threads {
            done.enter()
            thread.start()
        }

        var lastReport = start
        var failure: Error?
        var sequence = 0
        writing: while true {
            let slot = state.take(sequence)
            sequence += 1
            do {
                switch slot {
                case .end:
                    break writing
                case .fileStart(let index):
                    try sink.beginFile(index, files[index])
                case .fileEnd(let index, let diskBytes):
                    try sink.endFile(index, files[index])
                    report.filesDone += 1
                    report.inputBytes = diskBytes
                case .record(let bytes, let isError, let diskBytes):
                    try bytes.withUnsafeBytes { try sink.write($0) }
                    report.records += 1
                    if isError { report.errors += 1 }
                    report.inputBytes = diskBytes
                case .records(let chunk, let count, let errors, let diskBytes):
                    try chunk.json.withBytes { try sink.write(UnsafeRawBufferPointer($0)) }
                    state.giveBack(chunk)
                    report.records += count
                    report.errors += errors
                    report.inputBytes = diskBytes
                case .skipped(let count, let diskBytes):
                    report.resumedRecords += count
                    report.inputBytes = diskBytes
                case .pending:
                    preconditionFailure("batch slot taken before it was filled")
                }
            } catch {
                failure = error
                state.cancel()
                break writing
            }
            let now = StageBenchmark.now()
            if now - lastReport >= progressInterval {
                lastReport = now
                report.elapsed = now - start
                progress(report)
            }
        }
        if failure != nil {
            // Drain so the reader and workers can finish and exit.
            while case let slot = state.take(sequence), !slot.isEnd { sequence += 1 }
        }
        done.wait()
        if let failure { throw failure }
        report.elapsed = StageBenchmark.now() - start
        report.finished = true
        progress(report)
        return report
    }

    // MARK: - Threads

    private static func readAll(files: [BatchFile], skipRecords: Int, options: BatchOptions, state: SharedState) {
        var completedBytes = 0
        var globalSkip = skipRecords
        // Groups the workers are done with come back here, so that their
        // documents are freed on the thread that allocated them (a free from
        // another thread takes glibc's slow path, and leaves this thread's
        // cache empty for the next documents); the emptied arrays hold the
        // next groups.
        var spareGroups: [[Document]] = []
        var returned: [[Document]] = []
        func nextGroup() -> [Document] {
            if spareGroups.isEmpty {
                state.takeReturnedGroups(into: &returned)
                while var documents = returned.popLast() {
                    documents.removeAll(keepingCapacity: true)
                    if spareGroups.count < 4 { spareGroups.append(documents) }
                }
            }
            return spareGroups.popLast() ?? []
        }
        for (index, file) in files.enumerated() {
            guard !state.isCancelled else { break }
            state.put(.fileStart(index), bytes: 0)
            var skip = file.skipRecords
            var skippedPending = 0
            var recordsInFile = 0
            let entry = file.entry
            let format = InputFiles.format(for: entry.path)
            let reader = DocumentReader(format: format, sourceName: entry.relativePath,
                                        idPrefix: entry.relativePath + ":", maxDocumentBytes: options.maxDocumentBytes)
            var counting: CountingSource?
            var group: [Document] = []
            var groupBytes = 0, groupDisk = 0
            // Lines taken raw, for a worker to parse: consecutive lines from
            // `blockFirstLine` on as they are in the input, each ending in a line feed.
            var block: LineBuffer?
            var blockLines = 0, blockFirstLine = 0
            func flushBlock() {
                guard blockLines > 0 else { return }
                let disk = completedBytes + (counting?.bytesRead ?? 0)
                guard let handed = block else { return }
                block = nil
                state.putLines(LineBlock(bytes: handed, firstLine: blockFirstLine, lines: blockLines, reader: reader),
                               diskBytes: disk)
                blockLines = 0
            }
            func flushGroup() {
                flushBlock()
                guard !group.isEmpty else { return }
                var handed = nextGroup()
                swap(&handed, &group)
                state.putDocuments(consume handed, bytes: groupBytes, diskBytes: groupDisk)
                groupBytes = 0
            }
            // Records are handed over (`consuming`): each document moves into its group without a copy.
            let emit: (consuming InputRecord) -> Void = { record in
                recordsInFile += 1
                let disk = completedBytes + (counting?.bytesRead ?? 0)
                if skip > 0 || globalSkip > 0 {
                    if skip > 0 { skip -= 1 } else { globalSkip -= 1 }
                    skippedPending += 1
                    return
                }
                if skippedPending > 0 {
                    flushGroup()
                    state.put(.skipped(skippedPending, disk), bytes: 0)
                    skippedPending = 0
                }
                switch consume record {
                case .document(let doc):
                    flushBlock()
                    if group.isEmpty { group.reserveCapacity(options.documentsPerJob) }
                    groupBytes += doc.text.count
                    groupDisk = disk
                    group.append(doc)
                    if group.count >= options.documentsPerJob || groupBytes >= options.bytesPerJob { flushGroup() }
                case .failure(let failure):
                    flushGroup()
                    state.put(.record(errorRecord(failure), isError: true, diskBytes: disk), bytes: 0)
                }
            }
            // Once no more records are to be skipped (those must be counted,
            // so parsed here), lines go to the workers as they are: the
            // reader copies runs of whole lines from its buffer into a
            // block, not each line.
            let takeRaw: RawLineTaker? = !options.parsesInWorkers ? nil : RawLineTaker(room: { _ in
                guard skip == 0, globalSkip == 0 else { return (0, 0) }
                return (max(1, options.documentsPerJob - blockLines), max(1, options.bytesPerJob - (block?.count ?? 0)))
            }, take: { lines, first, count in
                if skippedPending > 0 || !group.isEmpty {
                    flushGroup()
                    if skippedPending > 0 {
                        state.put(.skipped(skippedPending, completedBytes + (counting?.bytesRead ?? 0)), bytes: 0)
                        skippedPending = 0
                    }
                }
                if blockLines > 0 && first != blockFirstLine + blockLines { flushBlock() }
                if blockLines == 0 {
                    blockFirstLine = first
                }
                let buffer = block ?? state.takeLineBuffer()
                block = buffer
                // A line handed on alone comes without its line feed.
                buffer.append(lines, lineFeed: lines.last != 0x0A)
                blockLines += count
                if blockLines >= options.documentsPerJob || buffer.count >= options.bytesPerJob { flushBlock() }
            })
            do {
                let raw = try FileDescriptorSource(path: entry.path)
                let cancellable = CancellableSource(raw, state: state)
                let count = CountingSource(cancellable)
                counting = count
                if entry.path.lowercased().hasSuffix(".gz") {
                    try reader.readConsuming(try GzipSource(count, name: entry.relativePath), takeRaw: takeRaw, emit: emit)
                } else {
                    try reader.readConsuming(count, takeRaw: takeRaw, emit: emit)
                }
                if format == .text && recordsInFile == 0 {
                    // An empty text file is still one (empty) document.
                    var doc = Document(id: entry.relativePath, bytes: [], origin: Origin(source: entry.relativePath, line: 1))
                    doc.warnings.append(Warning(code: "empty-input", message: "the file is empty"))
                    emit(.document(doc))
                }
            } catch {
                guard !state.isCancelled else { break }
                emit(.failure(RecordFailure(id: format == .text ? entry.relativePath : nil, message: error.description,
                                            source: entry.relativePath, line: nil)))
            }
            flushGroup()
            completedBytes += max(entry.size, counting?.bytesRead ?? 0)
            if skippedPending > 0 { state.put(.skipped(skippedPending, completedBytes), bytes: 0) }
            state.put(.fileEnd(index, completedBytes), bytes: 0)
        }
        state.finishReading()
    }

    private static func errorRecord(_ failure: RecordFailure) -> [UInt8] {
        var line: [UInt8] = []
        JSONWriter.writeError(id: failure.id, message: failure.message, source: failure.source, line: failure.line, into: &line)
        line.append(0x0A)
        return line
    }

    private static func work(pipeline: Pipeline, writer: JSONWriter, state: SharedState) {
        while var job = state.nextJob() {
            // The lines go into a buffer the writer thread gives back once
            // written, so they are neither copied nor allocated per job.
            let chunk = state.takeChunk()
            var json = chunk.json
            var count = 0, errors = 0
            if let lines = job.lines.take() {
                json.reserve(lines.bytes.count + lines.bytes.count / 2 + 512 * lines.lines)
                // Each document is made, annotated, written and freed here, one after another.
                // Each text is decoded into the array of the document this worker annotated before it.
                var reader = lines.reader
                reader.recycledText = pipeline.recycledText
                reader.readJSONLines(inBlock: lines.bytes.bytes, firstLine: lines.firstLine) { record in
                    count += 1
                    switch consume record {
                    case .document(var doc):
                        annotate(&doc, pipeline: pipeline, writer: writer, into: &json)
                    case .failure(let failure):
                        errors += 1
                        json.raw(errorRecord(failure))
                    }
                }
                state.giveBack(lineBuffer: lines.bytes)
            } else {
                count = job.documents.count
                json.reserve(job.bytes + job.bytes / 2 + 512 * count)
                // The documents are annotated in place (the worker holds the only
                // reference to the group); their layers' memory goes to the next
                // document, and the rest back to the reader with the group.
                job.documents.withUnsafeMutableBufferPointer { documents in
                    for i in documents.indices {
                        annotate(&documents[i], pipeline: pipeline, writer: writer, into: &json)
                    }
                }
                var documents: [Document] = []
                swap(&documents, &job.documents)
                state.giveBack(consume documents)
            }
            chunk.json = json
            state.complete(job.sequence, .records(chunk, count: count, errors: errors, diskBytes: job.diskBytes))
        }
    }
}

extension BatchEngine {
    /// Annotates `doc` in place, appends its line of JSON to `json` and
    /// gives its layers' memory back to the pipeline for the next document.
    /// The document is reached through its address only: were it copied
    /// while its layers are taken back, emptying them would allocate new
    /// arrays instead of keeping the memory (and the copy would free the old).
    @inline(__always)
    fileprivate static func annotate(_ doc: inout Document, pipeline: Pipeline, writer: JSONWriter, into json: inout JSONBuffer) {
        pipeline.process(&doc)
        writer.write(doc, into: &json)
        json.byte(0x0A)
        pipeline.recycleLayers(of: &doc)
    }
}

/// Consecutive lines of a JSON Lines file that the reader thread handed on
/// unparsed, for a worker to read with `DocumentReader.readJSONLines(inBlock:firstLine:emit:)`.
struct LineBlock {
    /// The lines as they are in the input (a carriage return before a line feed kept), each ending in a line feed.
    var bytes: LineBuffer
    /// Number of the first line in its file.
    var firstLine: Int
    var lines: Int
    /// The reader of the file, which names its documents and error records.
    var reader: DocumentReader
}

/// The bytes of a block of lines: copied in with one `memcpy` a run of
/// lines, grown with `realloc` (never zeroed first), reused from block to
/// block and freed with the object.
final class LineBuffer: @unchecked Sendable {
    private var base: UnsafeMutablePointer<UInt8>?
    private(set) var capacity = 0
    private(set) var count = 0

    /// The bytes appended since the last `removeAll`.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Appends `bytes`, then a line feed when `lineFeed`.
    func append(_ bytes: UnsafeBufferPointer<UInt8>, lineFeed: Bool) {
        let needed = count + bytes.count + (lineFeed ? 1 : 0)
        if needed > capacity {
            let grown = max(needed, 2 * capacity, 1 << 14)
            guard let moved = realloc(base, grown) else { fatalError("out of memory for a block of \(grown) bytes") }
            base = moved.assumingMemoryBound(to: UInt8.self)
            capacity = grown
        }
        if let from = bytes.baseAddress, !bytes.isEmpty { (base! + count).update(from: from, count: bytes.count) }
        count += bytes.count
        if lineFeed {
            base![count] = 0x0A
            count += 1
        }
    }

    /// Forgets the bytes, keeping the memory.
    func removeAll() { count = 0 }

    deinit { free(base) }
}

/// What the writer finds at a position of the output sequence.
enum BatchSlot {
    case pending
    case fileStart(Int)
    case fileEnd(Int, Int)
    case record([UInt8], isError: Bool, diskBytes: Int)
    /// The records of a group of consecutive documents, one line each, of which `errors` are error records.
    case records(OutputChunk, count: Int, errors: Int, diskBytes: Int)
    case skipped(Int, Int)
    case end

    var isEnd: Bool { if case .end = self { return true } else { return false } }
}

/// The JSON Lines a worker wrote for one group of documents, handed to the
/// writer thread as they are and given back for another group once written.
final class OutputChunk: @unchecked Sendable {
    var json = JSONBuffer(capacity: 1 << 16)
    deinit { json.deallocate() }
}

/// Stops a read when the run is cancelled.
private final class CancellableSource: ByteSource {
    let source: any ByteSource
    let state: SharedState
    init(_ source: any ByteSource, state: SharedState) {
        self.source = source
        self.state = state
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if state.isCancelled { throw InputError("cancelled") }
        return try source.read(into: buffer)
    }
}

/// The queues between the reader, the workers and the writer.
///
/// Positions in the output sequence are handed out by the reader, which
/// first waits for room: a position is in flight from `put` until the
/// writer `take`s it, and at most `capacity` are in flight, so the ring of
/// slots never wraps onto a position not yet written.
final class SharedState: @unchecked Sendable {
    /// Consecutive documents that take one position of the output sequence.
    struct Job {
        var sequence: Int
        /// The documents, or none when the job is `lines`.
        var documents: [Document]
        /// Lines to parse, or nil when the job is `documents`.
        var lines: LineBlock?
        var bytes: Int
        /// Input bytes read up to the last of them.
        var diskBytes: Int
    }

    private let ringLock = NSCondition()
    /// Where the reader waits for room (see `reserve`): apart from
    /// `ringLock`, so that the workers' completions, which wake the writer,
    /// do not wake the reader too.
    private let roomLock = NSCondition()
    /// Times the writer made room for a waiting reader (under `roomLock`).
    private var roomEvents = 0
    /// The reader waits for room (under `ringLock`).
    private var readerWaiting = false
    /// The position the writer waits for, or -1 (under `ringLock`).
    private var writerWaitsFor = -1
    private var ring: [BatchSlot]
    private var slotBytes: [Int]
    private var nextSequence = 0
    private var inFlight = 0
    private var inFlightBytes = 0
    private let maxBytes: Int
    private var cancelled = false

    private let jobLock = NSCondition()
    private var jobs: [Job] = []
    private var jobHead = 0
    private var readingDone = false

    /// Output buffers written and given back, for the next jobs (under `jobLock`).
    private var spareChunks: [OutputChunk] = []
    /// Most output buffers kept.
    private let maxSpareChunks: Int
    /// Largest output buffer kept: the buffer of a huge document is freed once written.
    static let maxKeptChunkBytes = 8 << 20
    /// Groups of documents annotated, for the reader to free (under `jobLock`).
    private var returnedGroups: [[Document]] = []
    /// Buffers of lines parsed, emptied, for the reader's next blocks (under `jobLock`).
    private var spareLineBuffers: [LineBuffer] = []
    /// Most buffers of lines kept.
    private let maxSpareLineBuffers: Int

    init(capacity: Int, maxBytes: Int, spares: Int = 4, spareLineBuffers: Int? = nil) {
        ring = Array(repeating: .pending, count: capacity)
        slotBytes = Array(repeating: 0, count: capacity)
        self.maxBytes = maxBytes
        maxSpareChunks = max(1, spares)
        maxSpareLineBuffers = max(1, spareLineBuffers ?? spares)
    }

    /// An empty output buffer, one given back if there is one (worker threads).
    func takeChunk() -> OutputChunk {
        jobLock.lock()
        let chunk = spareChunks.popLast()
        jobLock.unlock()
        return chunk ?? OutputChunk()
    }

    /// Gives back an output buffer once its bytes are written (writer thread).
    func giveBack(_ chunk: OutputChunk) {
        guard chunk.json.capacity <= SharedState.maxKeptChunkBytes else { return }
        chunk.json.removeAll()
        jobLock.lock()
        if spareChunks.count < maxSpareChunks { spareChunks.append(chunk) }
        jobLock.unlock()
    }

    /// Gives back a group of annotated documents, to be freed by the reader (worker threads).
    func giveBack(_ documents: consuming [Document]) {
        jobLock.lock()
        returnedGroups.append(documents)
        jobLock.unlock()
    }

    /// Gives back the buffer of a block of lines once parsed (worker threads).
    func giveBack(lineBuffer bytes: LineBuffer) {
        guard bytes.capacity <= SharedState.maxKeptChunkBytes else { return }
        bytes.removeAll()
        jobLock.lock()
        if spareLineBuffers.count < maxSpareLineBuffers { spareLineBuffers.append(bytes) }
        jobLock.unlock()
    }

    /// An empty buffer for a block of lines, one given back if there is one (reader thread).
    func takeLineBuffer() -> LineBuffer {
        jobLock.lock()
        let buffer = spareLineBuffers.popLast()
        jobLock.unlock()
        return buffer ?? LineBuffer()
    }

    /// Moves the groups given back so far into `groups` (reader thread; `groups` is empty).
    func takeReturnedGroups(into groups: inout [[Document]]) {
        jobLock.lock()
        swap(&returnedGroups, &groups)
        jobLock.unlock()
    }

    var isCancelled: Bool {
        ringLock.lock()
        defer { ringLock.unlock() }
        return cancelled
    }

    /// Reserves the next position (waiting for room) and returns it.
    ///
    /// A reader that finds no room waits until a quarter of the positions
    /// are free again (or nothing is in flight, for a document over the byte
    /// limit), then runs for that long: it is woken once per quarter of the
    /// ring instead of at every record the writer takes.
    private func reserve(bytes: Int) -> Int {
        ringLock.lock()
        if inFlight >= ring.count || (inFlight > 0 && inFlightBytes + bytes > maxBytes) {
            ringLock.unlock()
            // `roomLock` is held from reading `roomEvents` to waiting, so a
            // wake-up sent between the check and the wait is not lost.
            roomLock.lock()
            while true {
                let seen = roomEvents
                ringLock.lock()
                if inFlight <= lowWater && (inFlight == 0 || inFlightBytes + bytes <= maxBytes) { break }
                readerWaiting = true
                ringLock.unlock()
                while roomEvents == seen { roomLock.wait() }
            }
            roomLock.unlock()
        }
        let sequence = nextSequence
        nextSequence += 1
        inFlight += 1
        inFlightBytes += bytes
        slotBytes[sequence % ring.count] = bytes
        ringLock.unlock()
        return sequence
    }

    /// Positions in flight at or below which a waiting reader is woken.
    private var lowWater: Int { ring.count * 3 / 4 }

    /// Wakes the reader waiting for room (called without `ringLock`).
    private func wakeReader() {
        roomLock.lock()
        roomEvents &+= 1
        roomLock.signal()
        roomLock.unlock()
    }

    /// Puts a finished slot at the next position (reader thread).
    func put(_ slot: BatchSlot, bytes: Int) {
        let sequence = reserve(bytes: bytes)
        complete(sequence, slot)
    }

    /// Queues consecutive documents for one worker (reader thread).
    func putDocuments(_ documents: consuming [Document], bytes: Int, diskBytes: Int) {
        let sequence = reserve(bytes: bytes)
        jobLock.lock()
        jobs.append(Job(sequence: sequence, documents: documents, lines: nil, bytes: bytes, diskBytes: diskBytes))
        jobLock.signal()
        jobLock.unlock()
    }

    /// Queues a block of lines for one worker to parse (reader thread).
    func putLines(_ lines: consuming LineBlock, diskBytes: Int) {
        let bytes = lines.bytes.count
        let sequence = reserve(bytes: bytes)
        jobLock.lock()
        jobs.append(Job(sequence: sequence, documents: [], lines: lines, bytes: bytes, diskBytes: diskBytes))
        jobLock.signal()
        jobLock.unlock()
    }

    /// No more input (reader thread).
    func finishReading() {
        let sequence = reserve(bytes: 0)
        complete(sequence, .end)
        jobLock.lock()
        readingDone = true
        jobLock.broadcast()
        jobLock.unlock()
    }

    /// The next document to annotate, or nil when there are no more (worker threads).
    func nextJob() -> Job? {
        jobLock.lock()
        defer { jobLock.unlock() }
        while jobHead == jobs.count && !readingDone { jobLock.wait() }
        guard jobHead < jobs.count else { return nil }
        let job = jobs[jobHead]
        // The queue lets go of the documents, so the worker holds the only reference.
        jobs[jobHead].documents = []
        jobs[jobHead].lines = nil
        jobHead += 1
        if jobHead >= 1024 && jobHead * 2 >= jobs.count {
            jobs.removeSubrange(0..<jobHead)
            jobHead = 0
        }
        return job
    }

    /// Fills a reserved position.
    func complete(_ sequence: Int, _ slot: BatchSlot) {
        ringLock.lock()
        ring[sequence % ring.count] = slot
        // Only the writer waits on `ringLock`, and only for its next position.
        if sequence == writerWaitsFor { ringLock.signal() }
        ringLock.unlock()
    }

    /// Waits for position `sequence` to be filled and frees it (writer thread).
    func take(_ sequence: Int) -> BatchSlot {
        ringLock.lock()
        let index = sequence % ring.count
        while case .pending = ring[index] {
            writerWaitsFor = sequence
            ringLock.wait()
        }
        writerWaitsFor = -1
        let slot = ring[index]
        ring[index] = .pending
        inFlight -= 1
        inFlightBytes -= slotBytes[index]
        let wake = readerWaiting && inFlight <= lowWater
        if wake { readerWaiting = false }
        ringLock.unlock()
        if wake { wakeReader() }
        return slot
    }

    /// Stops reading: the reader stops at its next read, waiting stops.
    func cancel() {
        ringLock.lock()
        cancelled = true
        ringLock.broadcast()
        ringLock.unlock()
    }
}
