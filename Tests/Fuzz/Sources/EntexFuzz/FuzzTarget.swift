import Entex

/// One pipeline for the whole fuzzing session (libFuzzer calls us on one thread).
private let pipeline: Pipeline = {
    do {
        let resources = try Resources.load()
        return try PipelineConfiguration().makePipeline(resources: resources)
    } catch {
        fatalError("fuzz target cannot load Lexicons (set ENTEX_LEXICONS): \(error)")
    }
}()

/// Reads `data` in every input format, runs the pipeline, writes JSON in every
/// offset unit, and checks what must always hold: every record yields output,
/// spans lie inside the text in order, and the output parses as JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for format in InputFormat.allCases {
        let reader = DocumentReader(format: format, sourceName: "fuzz", maxDocumentBytes: 1 << 20)
        do {
            try reader.read(MemorySource(bytes)) { record in
                var out: [UInt8] = []
                switch record {
                case .document(var doc):
                    pipeline.process(&doc)
                    check(doc)
                    for unit in OffsetUnit.allCases {
                        out.removeAll(keepingCapacity: true)
                        JSONWriter(options: .init(offsets: unit, includeTokens: true)).write(doc, into: &out)
                        mustParse(out)
                    }
                case .failure(let failure):
                    JSONWriter.writeError(id: failure.id, message: failure.message, source: failure.source,
                                          line: failure.line, into: &out)
                    mustParse(out)
                }
            }
        } catch {
            fatalError("a memory source cannot fail to read: \(error)")
        }
    }
    return 0
}

private func check(_ doc: Document) {
    let n = Int32(doc.text.count)
    func inside(_ s: Span, _ what: String) {
        precondition(0 <= s.start && s.start <= s.end && s.end <= n, "\(what) span \(s) outside text of \(n) bytes")
    }
    var last: Int32 = 0
    for t in doc.tokens {
        inside(t.span, "token")
        precondition(t.start >= last, "tokens out of order")
        precondition(t.start < t.end, "empty token")
        last = t.end
    }
    for s in doc.sentences { inside(s, "sentence") }
    for e in doc.entities { inside(e.span, "entity") }
    for q in doc.quotes { inside(q.span, "quote") }
    for r in doc.relations { inside(r.span, "relation") }
}

private func mustParse(_ json: [UInt8]) {
    var parser = JSONParser()
    do {
        _ = try parser.parse(json)
    } catch {
        fatalError("writer produced invalid JSON: \(error)\n\(String(decoding: json.prefix(400), as: UTF8.self))")
    }
}
