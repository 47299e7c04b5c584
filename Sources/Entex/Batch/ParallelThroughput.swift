import Foundation

/// Measures whole-pipeline throughput (every stage plus JSON writing) on
/// documents in memory with several threads, to see how `entex` scales.
///
/// Each thread has its own `Pipeline` and takes the next few documents from a
/// shared counter, so threads stay busy until the list is done. A run is
/// timed from the moment all threads start until the last one finishes;
/// the result is the median of `runs` runs after `warmup` unmeasured ones.
public struct ParallelThroughput {
    public var runs: Int
    public var warmup: Int
    public var writerOptions: JSONWriter.Options

    public init(runs: Int = 5, warmup: Int = 1, writerOptions: JSONWriter.Options = .init()) {
        self.runs = max(1, runs)
        self.warmup = max(0, warmup)
        self.writerOptions = writerOptions
    }

    /// Runs `documents` through one pipeline per thread (`pipelines.count`
    /// threads); names the result `name`.
    public func run(name: String, pipelines: [Pipeline], documents: [Document]) -> StageBenchmark.StageResult {
        let bytes = documents.reduce(0) { $0 + $1.text.count }
        var samples: [Double] = []
        for run in 0..<(warmup + runs) {
            let seconds = once(pipelines: pipelines, documents: documents)
            if run >= warmup { samples.append(seconds) }
        }
        let median = samples.sorted()[samples.count / 2]
        return StageBenchmark.StageResult(
            name: name, seconds: median,
            megabytesPerSecond: median > 0 ? Double(bytes) / 1e6 / median : .infinity,
            documentsPerSecond: median > 0 ? Double(documents.count) / median : .infinity)
    }

    private func once(pipelines: [Pipeline], documents: [Document]) -> Double {
        let counter = NextIndex()
        let group = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        let options = writerOptions
        let box = UncheckedBox(pipelines: pipelines, documents: documents)
        for t in 0..<pipelines.count {
            group.enter()
            let thread = Thread {
                start.wait()
                let pipeline = box.pipelines[t]
                let writer = JSONWriter(options: options)
                var out = JSONBuffer(capacity: 1 << 20)
                defer { out.deallocate() }
                while let range = counter.next(below: box.documents.count) {
                    for i in range {
                        var doc = box.documents[i]
                        pipeline.process(&doc)
                        out.removeAll()
                        writer.write(doc, into: &out)
                        pipeline.recycle(consume doc)
                    }
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        let t0 = StageBenchmark.now()
        for _ in pipelines { start.signal() }
        group.wait()
        return StageBenchmark.now() - t0
    }
}

/// Pipelines are used by one thread each; the documents are only read.
private final class UncheckedBox: @unchecked Sendable {
    let pipelines: [Pipeline]
    let documents: [Document]
    init(pipelines: [Pipeline], documents: [Document]) {
        self.pipelines = pipelines
        self.documents = documents
    }
}

/// A shared counter handing out document indexes, a few at a time so that
/// threads on small documents (tweets) do not meet at the lock for each one.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    static let step = 16
    func next(below limit: Int) -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        let start = value
        value = min(limit, value + NextIndex.step)
        return start..<value
    }
}
