import CZlib

/// Decompresses a gzip stream read from another `ByteSource`.
///
/// Concatenated members (as `cat a.gz b.gz` or `pigz` make) are read one
/// after the other as one stream; NUL padding after the last member is
/// ignored, as `gzip -d` does. Corrupt data, or a stream that ends inside a
/// member, throws `InputError` naming the source; the bytes produced before
/// the problem have already been returned.
public final class GzipSource: ByteSource {
    private let source: any ByteSource
    private let name: String
    private let state: OpaquePointer
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    private var sourceEnded = false
    private var finished = false
    /// Compressed bytes read from the underlying source so far.
    public private(set) var compressedBytesRead = 0

    /// Wraps `source`; `name` appears in error messages.
    public init(_ source: any ByteSource, name: String) throws(InputError) {
        guard let state = entex_gunzip_new() else { throw InputError("\(name): cannot start gzip decompression (out of memory)") }
        self.source = source
        self.name = name
        self.state = state
        self.input = [UInt8](repeating: 0, count: 1 << 16)
    }

    deinit { entex_gunzip_free(state) }

    /// Reads compressed bytes into `input[offset...]`.
    private func readSource(at offset: Int) throws(InputError) -> Int {
        var failure: InputError?
        let n = input.withUnsafeMutableBytes { raw -> Int in
            do {
                return try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...]))
            } catch {
                failure = error as? InputError ?? InputError("\(error)")
                return 0
            }
        }
        if let failure { throw failure }
        return n
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard buffer.count > 0, !finished else { return 0 }
        while true {
            if inputStart == inputEnd && !sourceEnded {
                let n = try readSource(at: 0)
                inputStart = 0
                inputEnd = n
                compressedBytesRead += n
                if n == 0 { sourceEnded = true }
            }
            if inputStart == inputEnd && sourceEnded {
                finished = true
                if entex_gunzip_in_member(state) != 0 {
                    throw InputError("\(name): gzip data ends in the middle of a member (truncated file)")
                }
                return 0
            }
            if entex_gunzip_in_member(state) == 0 {
                // Between members: padding with NUL bytes is allowed.
                while inputStart < inputEnd && input[inputStart] == 0 { inputStart += 1 }
                if inputStart == inputEnd { continue }
            }
            var consumed = 0, produced = 0
            let status = input.withUnsafeBufferPointer { inBuf in
                entex_gunzip_run(state, inBuf.baseAddress! + inputStart, inputEnd - inputStart, &consumed,
                                 buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), buffer.count, &produced)
            }
            inputStart += consumed
            if status == ENTEX_GUNZIP_ERROR {
                finished = true
                throw InputError("\(name): not valid gzip data (\(String(cString: entex_gunzip_message(state))))")
            }
            if produced > 0 { return produced }
            if status == ENTEX_GUNZIP_OK && consumed == 0 && inputStart < inputEnd {
                // zlib wants more room or more input; give it more input by compacting.
                if inputStart > 0 {
                    let remaining = inputEnd - inputStart
                    input.withUnsafeMutableBufferPointer { p in
                        p.baseAddress!.update(from: p.baseAddress! + inputStart, count: remaining)
                    }
                    inputStart = 0
                    inputEnd = remaining
                }
                if sourceEnded {
                    finished = true
                    throw InputError("\(name): gzip data ends in the middle of a member (truncated file)")
                }
                if inputEnd == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
                let n = try readSource(at: inputEnd)
                compressedBytesRead += n
                if n == 0 { sourceEnded = true }
                inputEnd += n
            }
        }
    }
}

/// Counts the bytes read through it (input progress on disk).
public final class CountingSource: ByteSource {
    private let source: any ByteSource
    /// Bytes read so far.
    public private(set) var bytesRead = 0
    public init(_ source: any ByteSource) { self.source = source }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let n = try source.read(into: buffer)
        bytesRead += n
        return n
    }
}
