#if canImport(Glibc)
import Glibc
#endif

/// Measures the throughput of each pipeline stage on documents in memory.
///
/// Every run processes fresh copies of the documents through every stage,
/// timing each stage separately, then the JSON writer; the result per stage
/// is the median of the runs after `warmup` unmeasured ones. Every stage is
/// timed once per document, and what a timing costs when the stage does
/// nothing (`readingCost`, measured before every run) is taken off each.
public struct StageBenchmark {
    public struct StageResult: Sendable {
        public var name: String
        /// Median seconds over all documents.
        public var seconds: Double
        public var megabytesPerSecond: Double
        public var documentsPerSecond: Double
        public init(name: String, seconds: Double, megabytesPerSecond: Double, documentsPerSecond: Double) {
            self.name = name
            self.seconds = seconds
            self.megabytesPerSecond = megabytesPerSecond
            self.documentsPerSecond = documentsPerSecond
        }
    }

    public struct Report: Sendable {
        public var documents: Int
        public var bytes: Int
        public var runs: Int
        public var stages: [StageResult]
        /// All stages plus JSON writing, per run, median.
        public var total: StageResult
        public var entities: Int
        public var tokens: Int
        /// Seconds one stage timing reads when the stage does nothing (median over the runs),
        /// taken off every stage and document (`readingCost`).
        public var readingCost: Double
    }

    public var runs: Int
    public var warmup: Int
    public var writerOptions: JSONWriter.Options

    public init(runs: Int = 5, warmup: Int = 1, writerOptions: JSONWriter.Options = .init()) {
        self.runs = max(1, runs)
        self.warmup = max(0, warmup)
        self.writerOptions = writerOptions
    }

    /// The clock `run` reads stage times from: wall time (`CLOCK_MONOTONIC`), or the
    /// calling thread's CPU time when `ENTEX_BENCH_CLOCK=thread` is set, for comparing
    /// two builds on a machine that other work keeps busy (each reading is then a
    /// system call: about 0.8 µs a timing here, against 0.04 µs for wall time; see `readingCost`).
    static let clock: clockid_t = getenv("ENTEX_BENCH_CLOCK").map { String(cString: $0) } == "thread"
        ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC

    /// The stage clock's name as `entex bench` prints it: `thread-cpu` or `wall`.
    public static var clockName: String { clock == CLOCK_THREAD_CPUTIME_ID ? "thread-cpu" : "wall" }

    /// Seconds on the stage clock (see `clock`).
    static func stageNow() -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// What timing a stage that does nothing reads on the stage clock: the median of
    /// `pairs` back-to-back pairs of `stageNow()` readings. A timing starts while one
    /// reading is under way and ends while the next one is, so it counts the end of the
    /// first reading and the start of the second; `run` takes this off every stage's time
    /// for every document. (With the thread clock it was 5 % of the gazetteer's time on
    /// BBC news, and a quarter of the sentence splitter's.)
    static func readingCost(pairs: Int = 1001) -> Double {
        var samples = [Double](repeating: 0, count: pairs)
        for i in 0..<pairs {
            let t0 = stageNow()
            samples[i] = stageNow() - t0
        }
        samples.sort()
        return samples[pairs / 2]
    }

    /// Monotonic wall time in seconds.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func run(pipeline: Pipeline, documents: [Document]) -> Report {
        let bytes = documents.reduce(0) { $0 + $1.text.count }
        let names = pipeline.stages.map(\.name) + ["json"]
        var samples = [[Double]](repeating: [], count: names.count)
        var entities = 0, tokens = 0
        var out = JSONBuffer(capacity: 1 << 20)
        defer { out.deallocate() }
        let writer = JSONWriter(options: writerOptions)
        var readingCosts: [Double] = []
        for run in 0..<(warmup + runs) {
            // Measured for every run, as the machine's load changes it.
            let readingCost = StageBenchmark.readingCost()
            var times = [Double](repeating: 0, count: names.count)
            entities = 0
            tokens = 0
            for original in documents {
                var doc = original
                // As `Pipeline.process` does: layers built in a recycled document's memory.
                pipeline.lendRecycledLayers(to: &doc)
                for (s, stage) in pipeline.stages.enumerated() {
                    let t0 = StageBenchmark.stageNow()
                    stage.process(&doc)
                    times[s] += StageBenchmark.stageNow() - t0
                }
                let t0 = StageBenchmark.stageNow()
                out.removeAll()
                writer.write(doc, into: &out)
                times[names.count - 1] += StageBenchmark.stageNow() - t0
                entities += doc.entities.count
                tokens += doc.tokens.count
                // Handed over, not copied: arrays a copy still shares are not emptied in place.
                pipeline.recycle(consume doc)
            }
            if run >= warmup {
                let readings = readingCost * Double(documents.count)
                for s in 0..<names.count { samples[s].append(max(0, times[s] - readings)) }
                readingCosts.append(readingCost)
            }
        }
        func result(_ name: String, _ values: [Double]) -> StageResult {
            let sorted = values.sorted()
            let median = sorted[sorted.count / 2]
            return StageResult(name: name, seconds: median,
                               megabytesPerSecond: median > 0 ? Double(bytes) / 1e6 / median : .infinity,
                               documentsPerSecond: median > 0 ? Double(documents.count) / median : .infinity)
        }
        let stages = names.indices.map { result(names[$0], samples[$0]) }
        let totals = (0..<runs).map { r in samples.reduce(0) { $0 + $1[r] } }
        return Report(documents: documents.count, bytes: bytes, runs: runs, stages: stages,
                      total: result("pipeline", totals), entities: entities, tokens: tokens,
                      readingCost: readingCosts.sorted()[readingCosts.count / 2])
    }

    /// Peak resident memory of this process in bytes (Linux VmHWM), or nil.
    public static func peakResidentBytes() -> Int? {
        guard let f = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, f) != nil {
            let s = String(cString: line)
            if s.hasPrefix("VmHWM:") {
                let digits = s.filter(\.isNumber)
                return Int(digits).map { $0 * 1024 }
            }
        }
        return nil
    }
}
