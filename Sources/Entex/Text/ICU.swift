import CICU

/// Errors from the system libraries.
public struct LibraryError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An ICU word or sentence break iterator over UTF-8 text; one per thread.
final class ICUBreaker {
    enum Kind { case word, sentence }
    private let handle: OpaquePointer

    init(_ kind: Kind, locale: String = "root") throws {
        var error: Int32 = 0
        guard let h = entex_breaker_open(kind == .word ? Int32(ENTEX_BREAK_WORD) : Int32(ENTEX_BREAK_SENTENCE), locale, &error) else {
            throw LibraryError("ICU break iterator for \(kind) could not be opened (ICU error \(error))")
        }
        handle = h
    }

    deinit { entex_breaker_close(handle) }

    /// Calls `body(boundary, ruleStatus)` for every boundary after the start
    /// of `text`, as byte offsets relative to `text`. The buffer must stay
    /// valid during the call.
    @inline(__always)
    func forEachBoundary(_ text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int32) -> Void) {
        guard text.count > 0, entex_breaker_set_text(handle, text.baseAddress, Int64(text.count)) == 0 else { return }
        var status: Int32 = 0
        while true {
            let b = entex_breaker_next(handle, &status)
            if b < 0 { break }
            body(Int(b), status)
        }
    }
}

/// Match-key folding: case, compatibility forms and accents, through ICU
/// normalization (NFKC case folding, then removal of non-spacing marks).
enum ICUFold {
    /// Appends the match key of valid UTF-8 `text` to `out`.
    static func appendKey(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let start = out.count
        var capacity = max(16, text.count * 3)
        while true {
            out.append(contentsOf: repeatElement(0, count: capacity))
            let written = out.withUnsafeMutableBufferPointer { o in
                entex_fold_key(text.baseAddress, Int32(text.count), o.baseAddress! + start, Int32(capacity))
            }
            if written < 0 {
                // Folding failed (should not happen on valid UTF-8): use the text as is.
                out.removeSubrange(start...)
                out.append(contentsOf: text)
                return
            }
            if Int(written) <= capacity {
                out.removeSubrange((start + Int(written))...)
                return
            }
            out.removeSubrange(start...)
            capacity = Int(written)
        }
    }

    /// The match key of a string (for lexicon entries and tests).
    static func key(_ s: String) -> [UInt8] {
        var s = s
        var out: [UInt8] = []
        s.withUTF8 { appendKey($0, to: &out) }
        return out
    }

    static func nfc(_ s: String) -> String {
        var s = s
        return s.withUTF8 { p -> String in
            var capacity = p.count * 3 + 16
            while true {
                var out = [UInt8](repeating: 0, count: capacity)
                let n = out.withUnsafeMutableBufferPointer { entex_nfc(p.baseAddress, Int32(p.count), $0.baseAddress, Int32(capacity)) }
                if n < 0 { return String(decoding: p, as: UTF8.self) }
                if Int(n) <= capacity { return String(decoding: out[0..<Int(n)], as: UTF8.self) }
                capacity = Int(n)
            }
        }
    }
}

/// Versions of the system libraries, for `--version` and benchmarks.
public enum LibraryVersions {
    public static var icu: String { String(cString: entex_icu_version()) }
}
