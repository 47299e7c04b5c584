import CSupport
/// Splits a document into tokens with match keys.
///
/// Tweet-aware tokens (URLs with or without a scheme, e-mail addresses,
/// `@handles`, `#hashtags`, `$cashtags`) are found first by a byte scan; the
/// text between them goes through ICU's word break iterator, whose pieces
/// are then merged where ICU splits what readers see as one token:
/// abbreviations (`Dr.`, `U.S.`, `EE. UU.`), initials, designations
/// (`DFH-4`, `COVID-19`), and English possessives are split off (`China` `'s`).
///
/// Keys: ASCII tokens are lowercased in place; other tokens are folded by
/// ICU (NFKC case folding, accents removed), so `Nicolás`, `NICOLAS` and
/// `ｎｉｃｏｌａｓ` share the key `nicolas`. Letters repeated three or more
/// times are shortened in word keys (`siiii` → `si`).
public final class Tokenizer: Stage {
    public let name = "tokenize"
    public let requires: Layers = [.text]
    public let produces: Layers = [.tokens]

    private let resources: TextResources
    private let breaker: ICUBreaker
    /// Reused between documents; moved into a local while tokenizing so the
    /// hot loops use statically checked `inout` access, not class-property access.
    private var piecesStorage = GrowableBuffer<Piece>(capacity: 4096)
    /// Tokens and keys of the document being tokenized, written through
    /// pointers; copied into the document's arrays at the end. Reused.
    private var sinkStorage = Sink(tokens: GrowableBuffer(capacity: 4096), keys: GrowableBuffer(capacity: 16384),
                                   hashes: GrowableBuffer(capacity: 4096))
    /// Key, flags (without `spaceBefore`) and key hash of short tokens that
    /// `emitOther` handled (“ ” ¿ « —, an emoji, ❤️, a flag), by bytes and
    /// kind: a direct-mapped table of `shortTokenMemoSlots` entries, a newer
    /// token taking an older one's slot. A hit costs a few loads and
    /// compares, not Unicode property look-ups, ICU folding, or a
    /// dictionary's hashing and an array's reference counting.
    private let shortTokenMemo: UnsafeMutablePointer<ShortTokenEntry>
    /// `abbreviationFilter` of the abbreviation lists, for the C loop.
    private let abbreviationBits: UnsafeMutablePointer<UInt64>
    private static let shortTokenMemoSlots = 2048
    /// Whether short tokens come from `shortTokenMemo` when seen before;
    /// tests turn it off to compare with `emitOther`'s own keys.
    var memoizesShortTokens = true
    /// ICU's pieces of chunks seen before, by the chunk's bytes: ICU gets
    /// each chunk alone, so its pieces depend on the bytes only. Tweets
    /// repeat the same few chunks ICU must take (an emoji, a stray U+FE0F,
    /// "▶️", "£"), and a lookup costs a small part of a break iterator pass.
    /// Bounded; chunks of up to `ChunkPieceMemo.maxBytes`.
    private(set) var chunkMemo = ChunkPieceMemo(limit: 4096)
    /// Whether ICU's pieces of short chunks are remembered (`chunkMemo`);
    /// tests turn it off to compare with ICU on every chunk.
    var memoizesChunks = true
    /// Key bytes of a token while it is folded or shortened (rare paths); reused.
    private var scratch: [UInt8] = []
    /// Whether the scan for special tokens jumps to the next byte that may
    /// start or continue one (`ByteClass.nextSigilOrAddressByte`); tests turn
    /// it off to compare with the byte-by-byte scan.
    var scanSkipsAhead = true
    /// Whether `scanHashtag` takes Latin letters and known punctuation
    /// without Unicode property look-ups; tests turn it off to compare.
    var hashtagsKnowLatin = true
    /// Whether `emit` reads tokens eight bytes at a time (`emitWords`); tests
    /// turn it off to compare with the byte-by-byte path.
    var wordAtATime = true
    /// Whether chunks that are one plain word (`emitPlainWord`) are keyed
    /// while they are scanned, without pieces; tests turn it off to compare
    /// with the pieces path.
    var plainWords = true
    /// Which loop takes the plain words it can before `emitPlainWords`
    /// looks at them: 1 `entex_plain_words` (AVX2 where the processor has
    /// it, else SSE2), 2 its SSE2 path, 3 its AVX2 path (nothing where the
    /// processor lacks AVX2), 0 none; tests compare them.
    var plainWordLoop = 1
    /// Whether the text is taken one chunk (the bytes between ASCII white
    /// space) at a time, special tokens looked for only in chunks that are
    /// not plain words (`tokenizeByChunk`), rather than by a scan of the
    /// whole text before the words are read; tests turn it off to compare.
    var scansByChunk = true
    /// `ByteClass` bits of every byte value, for the scan loops.
    private let classes = ByteClass.table

    /// One `shortTokenMemo` slot: a token's bytes (at most 16) and its key
    /// (at most 16 bytes) as little-endian words, zero-padded. `count` 0: empty.
    struct ShortTokenEntry {
        var bytes0: UInt64 = 0, bytes1: UInt64 = 0
        var count: UInt8 = 0
        var kind: UInt8 = 0
        var keyCount: UInt8 = 0
        var flags = TokenFlags()
        var key0: UInt64 = 0, key1: UInt64 = 0
        var hash: UInt64 = 0
    }

    struct Piece {
        var start: Int
        var end: Int
        var kind: TokenKind
    }

    /// Where tokens, keys and key hashes are written while tokenizing.
    struct Sink {
        var tokens: GrowableBuffer<Token>
        var keys: GrowableBuffer<UInt8>
        /// `KeyHash.hash` of each token's key, one per token.
        var hashes: GrowableBuffer<UInt64>

        /// Appends a token and the `KeyHash` of its key. `hashes` has at
        /// least the capacity of `tokens` and is filled in step with it
        /// (one capacity check for both); its count is set at the end.
        @inline(__always)
        mutating func append(_ token: Token, hash: UInt64) {
            let k = tokens.count
            if k == tokens.capacity { growTokens() }
            (tokens.base + k).initialize(to: token)
            hashes.base[k] = hash
            tokens.count = k &+ 1
        }

        @inline(never)
        mutating func growTokens() {
            tokens.reserve(1)
            hashes.count = tokens.count
            hashes.reserve(tokens.capacity &- tokens.count)
        }

        /// Appends a token whose key is the last one written to `keys`
        /// (from `token.keyStart` to the end), hashing it there.
        @inline(__always)
        mutating func appendHashingKey(_ token: Token) {
            let keyStart = Int(token.keyStart)
            let key = keys.base + keyStart, count = keys.count &- keyStart
            // Whole-word loads read up to 7 bytes past the key: within the buffer in all but rare cases.
            append(token, hash: keys.count &+ 8 <= keys.capacity ? KeyHash.hash(padded: key, count: count)
                                                               : KeyHash.hash(key, count: count))
        }
    }

    public init(resources: TextResources) throws {
        self.resources = resources
        self.breaker = try ICUBreaker(.word)
        shortTokenMemo = .allocate(capacity: Tokenizer.shortTokenMemoSlots)
        shortTokenMemo.initialize(repeating: ShortTokenEntry(), count: Tokenizer.shortTokenMemoSlots)
        let bits = Tokenizer.abbreviationFilter(resources.abbreviations, resources.abbreviationPrefixes)
        abbreviationBits = .allocate(capacity: bits.count)
        abbreviationBits.initialize(from: bits, count: bits.count)
    }

    /// 4096 bits, bit `KeyHash >> 52` set for the key (ASCII lowercased,
    /// Latin-1 letters folded as `SimpleText.appendLatinKey` folds them) of
    /// every entry of `tables` that ends in '.', without the '.': a word of
    /// ASCII letters and digits (and Latin-1 letters) before a '.' whose
    /// key's bit is clear is no abbreviation (`mayAbbreviate` is false unless
    /// it is one capital letter), so `entex_plain_words` takes it and the '.' itself.
    static func abbreviationFilter(_ tables: ByteStringTable...) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: 64)
        var key: [UInt8] = []
        for table in tables {
            for id in 0..<table.count {
                let start = id == 0 ? 0 : Int(table.ends[id - 1]), end = Int(table.ends[id])
                guard end - start >= 2, table.pool[end - 1] == UInt8(ascii: ".") else { continue }
                key.removeAll(keepingCapacity: true)
                let folded = table.pool.withUnsafeBufferPointer {
                    SimpleText.appendLatinKey(UnsafeBufferPointer(rebasing: $0[start..<(end - 1)]), to: &key)
                }
                if !folded {
                    // Other characters: no word the C loop takes matches the entry.
                    key.append(contentsOf: table.pool[start..<(end - 1)].lazy.map { ByteClass.isUpper($0) ? $0 | 0x20 : $0 })
                }
                let bit = Int(truncatingIfNeeded: KeyHash.hash(key) >> 52)
                bits[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        return bits
    }

    deinit {
        sinkStorage.tokens.deallocate()
        sinkStorage.keys.deallocate()
        sinkStorage.hashes.deallocate()
        piecesStorage.deallocate()
        shortTokenMemo.deallocate()
        abbreviationBits.deallocate()
        chunkMemo.deallocate()
    }

    public func process(_ doc: inout Document) {
        var pieces = piecesStorage
        var sink = sinkStorage
        sink.tokens.count = 0
        sink.keys.count = 0
        sink.hashes.count = 0
        let length = doc.text.count
        sink.tokens.reserve(length / 4 + 16)
        sink.hashes.reserve(sink.tokens.capacity)
        sink.keys.reserve(length + 16)
        doc.text.withUnsafeBufferPointer { p in
            if scansByChunk {
                tokenizeByChunk(p, pieces: &pieces, into: &sink)
            } else {
                tokenize(p, pieces: &pieces, into: &sink)
            }
        }
        sink.hashes.count = sink.tokens.count
        Tokenizer.replace(&doc.tokens, with: sink.tokens)
        Tokenizer.replace(&doc.tokenKeys, with: sink.keys)
        Tokenizer.replace(&doc.keyHashes, with: sink.hashes)
        sinkStorage = sink
        piecesStorage = pieces
        doc.layers.insert(.tokens)
    }

    /// Replaces the contents of `array` with those of `buffer`, in the
    /// array's own storage when it has room (a recycled document's), else in
    /// storage `append` allocates. No test of the capacity: that is a call
    /// of its own for each of the three arrays of every document.
    @inline(__always)
    private static func replace<Element>(_ array: inout [Element], with buffer: GrowableBuffer<Element>) {
        // A recycled document's arrays come empty (`RecycledLayers`).
        if !array.isEmpty { array.removeAll(keepingCapacity: true) }
        array.append(contentsOf: UnsafeBufferPointer(start: buffer.base, count: buffer.count))
    }

    // MARK: - Scan for tweet-aware tokens

    /// Tokenizes the text with one scan of the whole text for special
    /// tokens (`firstSpecialInText`); the text between them goes
    /// to `segment`. The reference for `tokenizeByChunk`.
    private func tokenize(_ p: UnsafeBufferPointer<UInt8>, pieces: inout GrowableBuffer<Piece>, into sink: inout Sink) {
        var gapStart = 0
        while let special = firstSpecialInText(p, from: gapStart) {
            if gapStart < special.start { segment(p, gapStart, special.start, pieces: &pieces, into: &sink) }
            if special.kind == .handle { markRetweet(p, before: special.start, in: &sink) }
            emit(p, special.start, special.end, special.kind, into: &sink)
            gapStart = special.end
        }
        if gapStart < p.count { segment(p, gapStart, p.count, pieces: &pieces, into: &sink) }
    }

    /// Tokenizes the text one chunk at a time, as `tokenize` does, in one
    /// pass: runs of plain words (`emitPlainWords`) are emitted as they are
    /// read, and only a chunk that is not one is searched for special tokens
    /// (`firstSpecialInChunk`). No special token starts in a plain word, nor spans
    /// ASCII white space, so this finds the ones `tokenize` finds; the text
    /// before each goes through `segmentChunks` as `segment` takes it.
    /// Pieces carry over from one chunk to the next as in `segment` (a
    /// spaced abbreviation), and are emitted before a special token.
    private func tokenizeByChunk(_ p: UnsafeBufferPointer<UInt8>, pieces: inout GrowableBuffer<Piece>, into sink: inout Sink) {
        let n = p.count
        let classes = self.classes
        pieces.count = 0
        var i = 0
        // Where `emitPlainWords` last stopped at a chunk that is not a plain word.
        var notPlain = -1
        while i < n {
            while i < n, classes[Int(p[i])] & ByteClass.spaceBit != 0 { i &+= 1 }
            guard i < n else { break }
            if plainWords, let next = emitPendingThenPlainWords(p, i, n, classes, notPlain: &notPlain, pieces: &pieces, into: &sink) {
                i = next
                continue
            }
            if plainWords, pieces.count == 0, Tokenizer.isLoneSymbol(p, i, classes) {
                emitLoneSymbol(p, i, into: &sink)
                i &+= 1
                continue
            }
            guard let special = firstSpecialInChunk(p, from: i) else {
                i = appendChunkPieces(p, i, n, classes, into: &pieces)
                continue
            }
            if i < special.start { segmentChunks(p, i, special.start, pieces: &pieces, into: &sink) }
            mergeAndEmit(p, UnsafeBufferPointer(pieces.elements(from: 0)), into: &sink)
            pieces.count = 0
            if special.kind == .handle { markRetweet(p, before: special.start, in: &sink) }
            emit(p, special.start, special.end, special.kind, into: &sink)
            i = special.end
        }
        mergeAndEmit(p, UnsafeBufferPointer(pieces.elements(from: 0)), into: &sink)
        pieces.count = 0
    }

    /// `firstSpecial` within the chunk at `from`; a copy of its own, compiled for that case.
    @inline(never)
    private func firstSpecialInChunk(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> (start: Int, end: Int, kind: TokenKind)? {
        firstSpecial(p, from: from, withinChunk: true)
    }

    /// `firstSpecial` in the rest of the text from `from`; a copy of its own, compiled for that case.
    @inline(never)
    private func firstSpecialInText(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> (start: Int, end: Int, kind: TokenKind)? {
        firstSpecial(p, from: from, withinChunk: false)
    }

    /// The first special token (URL, e-mail address, handle, hashtag,
    /// cashtag) that starts from `from`: in the chunk there (up to ASCII
    /// white space or the end of the text) `withinChunk`, else anywhere in
    /// the rest of the text (no special token spans white space, so the two
    /// agree on the chunk). Positions where none can start are skipped
    /// (`scanSkipsAhead`) or tried one by one.
    @inline(__always)
    private func firstSpecial(_ p: UnsafeBufferPointer<UInt8>, from: Int, withinChunk: Bool)
        -> (start: Int, end: Int, kind: TokenKind)? {
        let n = p.count
        let classes = self.classes
        var i = from
        while i < n {
            if scanSkipsAhead {
                // Only a sigil, or an ASCII letter or digit run just before an address
                // character, can start a special token: every byte before the next
                // such character is passed by the loop below without effect.
                let j = ByteClass.nextSigilOrAddressByte(p, from: i, orSpace: withinChunk)
                guard j < n, classes[Int(p[j])] & ByteClass.spaceBit == 0 else { return nil }
                // Most such characters end a sentence or a clause (". ", "-", ": "):
                // no address goes on past them, so none starts in the run they end.
                if Tokenizer.endsEveryAddress(p, j) {
                    i = j &+ 1
                    continue
                }
                var r = j
                while r > i, classes[Int(p[r - 1])] & ByteClass.alnumBits != 0 { r -= 1 }
                // A run begun before `i` has no boundary inside it.
                i = r == i && i > 0 && classes[Int(p[i - 1])] & ByteClass.alnumBits != 0 ? j : r
            } else if withinChunk, classes[Int(p[i])] & ByteClass.spaceBit != 0 {
                return nil
            }
            let b = p[i]
            let c = classes[Int(b)]
            guard c & ByteClass.startsSpecialBit != 0,
                  atBoundary(p, i, classes, blocking: c & ByteClass.alnumBits == 0 ? ByteClass.blocksSigilBit : ByteClass.blocksSpecialBit)
            else {
                i += 1
                continue
            }
            var special: (end: Int, kind: TokenKind)?
            switch b {
            case UInt8(ascii: "@"): special = scanHandle(p, i)
            case UInt8(ascii: "#"): special = scanHashtag(p, i)
            case UInt8(ascii: "$"): special = scanCashtag(p, i)
            default:
                // Most words end in a space or punctuation that no URL or
                // e-mail address has: skip them without a closer look.
                var runEnd = i + 1
                runEnd = ByteClass.run(p, from: runEnd, to: n, underscore: false).end
                while runEnd < n, classes[Int(p[runEnd])] & ByteClass.alnumBits != 0 { runEnd += 1 }
                if runEnd == n || classes[Int(p[runEnd])] & ByteClass.continuesAddressBit == 0 {
                    i = runEnd
                    continue
                }
                var skip = i + 1
                special = scanURLOrEmail(p, i, skip: &skip)
                if special == nil {
                    // Nothing special starts inside the run just scanned.
                    i = skip
                    continue
                }
            }
            if let special { return (i, special.end, special.kind) }
            i += 1
        }
        return nil
    }

    /// Whether the address character at `j` (`ByteClass.mayContinueAddress`)
    /// is one that no URL or e-mail address can go on from: `. - _ % +`
    /// before a character no address has (nor `@`), or the end; `:` before
    /// anything but `/`. Then no special token starts in the run of letters
    /// and digits before `j`, nor at `j`: the scan goes on after it.
    @inline(__always)
    static func endsEveryAddress(_ p: UnsafeBufferPointer<UInt8>, _ j: Int) -> Bool {
        let b = p[j]
        let next: UInt8 = j &+ 1 < p.count ? p[j &+ 1] : 0x20
        switch b {
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "%"), UInt8(ascii: "+"):
            return !(ByteClass.isEmailLocal(next) || next == UInt8(ascii: "@"))
        case UInt8(ascii: ":"):
            return next != UInt8(ascii: "/")
        default:
            return false
        }
    }

    /// The retweet marker `RT` right before a handle ("RT @user: …") is a
    /// symbol, not a word: it must not become an organization.
    private func markRetweet(_ p: UnsafeBufferPointer<UInt8>, before i: Int, in sink: inout Sink) {
        guard sink.tokens.count > 0 else { return }
        let last = sink.tokens.base[sink.tokens.count - 1]
        guard last.kind == .word, last.end - last.start == 2,
              Int(last.end) + 1 == i, p[Int(last.end)] == 0x20,
              p[Int(last.start)] | 0x20 == UInt8(ascii: "r"), p[Int(last.start) + 1] | 0x20 == UInt8(ascii: "t") else { return }
        sink.tokens.base[sink.tokens.count - 1].kind = .symbol
    }

    /// Whether a special token may start at `i`: the previous character is
    /// not part of a word, a number, a host name or an HTML entity
    /// (`blocking`: the class bit of the ASCII characters that prevent it).
    @inline(__always)
    private func atBoundary(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ classes: UnsafePointer<UInt16>,
                            blocking: UInt16) -> Bool {
        guard i > 0 else { return true }
        let prev = p[i - 1]
        if prev < 0x80 { return classes[Int(prev)] & blocking == 0 }
        return Tokenizer.nonASCIIBoundary(p, i)
    }

    @inline(never)
    private static func nonASCIIBoundary(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        // A Latin letter (U+00C0–U+017F, not × ÷) is alphabetic.
        if i >= 2, SimpleText.letterLength(p, i - 2, i) == 2 { return false }
        let (scalar, _) = UTF8Repair.decodeBefore(p, i)
        guard let s = Unicode.Scalar(scalar) else { return true }
        return !(s.properties.isAlphabetic || s.properties.numericType != nil)
    }

    private func scanHandle(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, TokenKind)? {
        var j = i + 1
        while j < p.count, j - i <= 51, ByteClass.isWord(p[j]) { j += 1 }
        guard j > i + 1, j - i <= 51 else { return nil }
        return (j, .handle)
    }

    private func scanCashtag(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, TokenKind)? {
        var j = i + 1
        while j < p.count, ByteClass.isAlpha(p[j]) { j += 1 }
        let letters = j - i - 1
        guard (1...6).contains(letters) else { return nil }
        // Share classes: $BRK.A
        if j + 1 < p.count, p[j] == UInt8(ascii: "."), ByteClass.isAlpha(p[j + 1]),
           j + 2 == p.count || !ByteClass.isAlnum(p[j + 2]) {
            j += 2
        }
        if j < p.count, ByteClass.isAlnum(p[j]) || p[j] == UInt8(ascii: "_") { return nil }
        return (j, .cashtag)
    }

    private func scanHashtag(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, TokenKind)? {
        var j = i + 1
        var letters = 0
        while j < p.count {
            let b = p[j]
            if b < 0x80 {
                if hashtagsKnowLatin {
                    // Runs of ASCII letters and digits sixteen bytes at a time (zero past the text, which ends them).
                    let w = entex_classify_word16(p.baseAddress! + j, p.count &- j, j)
                    let run = (~(w.upper | w.lower | w.digit)).trailingZeroBitCount
                    if run > 0 {
                        letters &+= ((w.upper | w.lower) & ((1 &<< UInt32(truncatingIfNeeded: run)) &- 1)).nonzeroBitCount
                        j &+= run
                        continue
                    }
                }
                if ByteClass.isAlpha(b) { letters += 1; j += 1; continue }
                if ByteClass.isDigit(b) || b == UInt8(ascii: "_") { j += 1; continue }
                break
            }
            if hashtagsKnowLatin {
                // Latin letters (U+00C0–U+017F but × ÷) are alphabetic; the punctuation
                // the fast path knows (’ ” … « — ¿, no-break space) is no letter, mark
                // or digit: neither needs a property look-up.
                if SimpleText.letterLength(p, j, p.count) == 2 {
                    letters += 1
                    j += 2
                    continue
                }
                if SimpleText.otherLength(p, j, p.count) != 0 { break }
            }
            let (value, length) = UTF8Repair.decode(p, j)
            guard let s = Unicode.Scalar(value) else { break }
            let props = s.properties
            if props.isAlphabetic {
                letters += 1
            } else if props.generalCategory != .nonspacingMark && props.generalCategory != .spacingMark
                        && props.generalCategory != .decimalNumber {
                break
            }
            j += length
        }
        guard letters > 0 else { return nil }
        return (j, .hashtag)
    }

    private func hasPrefixCaseless(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard i + count <= p.count else { return false }
        return prefix.withUTF8Buffer { q in
            for k in 0..<count where p[i + k] | 0x20 != q[k] | 0x20 { return false }
            return true
        }
    }

    /// A URL or e-mail address starting at `i`, or nil; then `skip` is set
    /// to the end of the run of host/e-mail characters scanned, inside which
    /// no special token can start.
    private func scanURLOrEmail(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, skip: inout Int) -> (Int, TokenKind)? {
        let n = p.count
        let first = p[i] | 0x20
        if first == UInt8(ascii: "h"), hasPrefixCaseless(p, i, "http://") || hasPrefixCaseless(p, i, "https://") {
            let after = i + (p[i + 4] == UInt8(ascii: ":") ? 7 : 8)
            guard after < n, ByteClass.isAlnum(p[after]) else { return nil }
            return (urlEnd(p, after), .url)
        }
        if first == UInt8(ascii: "w"), hasPrefixCaseless(p, i, "www.") {
            guard i + 4 < n, ByteClass.isAlnum(p[i + 4]) else { return nil }
            return (urlEnd(p, i + 4), .url)
        }
        // E-mail: local part, '@', host with a dot and an alphabetic TLD.
        var j = i
        var sawDot = false
        while j < n, ByteClass.isEmailLocal(p[j]) {
            if p[j] == UInt8(ascii: ".") { sawDot = true }
            j += 1
        }
        skip = max(j, i + 1)
        if j < n, p[j] == UInt8(ascii: "@") {
            if let hostEnd = hostName(p, j + 1, requireKnownTLD: false) { return (hostEnd.end, .email) }
            return nil
        }
        guard sawDot else { return nil }
        // A host name written without a scheme: pic.twitter.com/abc, bit.ly/x, example.com.
        guard let host = hostName(p, i, requireKnownTLD: true) else { return nil }
        if host.end < n, p[host.end] == UInt8(ascii: "/") {
            return (urlEnd(p, host.end), .url)
        }
        if host.generic || host.labels >= 3 { return (host.end, .url) }
        return nil
    }

    /// Scans `label(.label)+` from `i`; returns its end, label count and
    /// whether the TLD is generic. With `requireKnownTLD` the TLD must be a
    /// lowercase entry of `tlds.txt`.
    private func hostName(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, requireKnownTLD: Bool)
        -> (end: Int, labels: Int, generic: Bool)? {
        let n = p.count
        var j = i
        var labels = 0
        var lastLabelStart = i
        var end = i
        while true {
            let labelStart = j
            while j < n, ByteClass.isAlnum(p[j]) || p[j] == UInt8(ascii: "-") { j += 1 }
            guard j > labelStart else { break }
            labels += 1
            lastLabelStart = labelStart
            end = j
            if j + 1 < n, p[j] == UInt8(ascii: "."), ByteClass.isAlnum(p[j + 1]) { j += 1 } else { break }
        }
        guard labels >= 2 else { return nil }
        let tld = UnsafeBufferPointer(rebasing: p[lastLabelStart..<end])
        guard tld.count >= 2, tld.allSatisfy(ByteClass.isAlpha) else { return nil }
        if end < n, ByteClass.isWord(p[end]) || p[end] == UInt8(ascii: "@") { return nil }
        if !requireKnownTLD { return (end, labels, true) }
        guard tld.allSatisfy({ $0 >= 0x61 }), let id = resources.tlds.lookup(tld) else { return nil }
        return (end, labels, resources.tldIsGeneric[id])
    }

    /// End of a URL whose host starts at `i`: up to white space, a quote or
    /// non-ASCII text, without trailing punctuation or an unbalanced `)`.
    private func urlEnd(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        var open = 0
        while j < p.count {
            let b = p[j]
            if b <= 0x20 || b >= 0x80 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") { break }
            if b == UInt8(ascii: "(") { open += 1 }
            if b == UInt8(ascii: ")") {
                if open == 0 { break }
                open -= 1
            }
            j += 1
        }
        while j > i {
            let b = p[j - 1]
            if b == UInt8(ascii: ".") || b == UInt8(ascii: ",") || b == UInt8(ascii: ";") || b == UInt8(ascii: ":")
                || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") || b == UInt8(ascii: "'") {
                j -= 1
            } else {
                break
            }
        }
        return j
    }

    // MARK: - ICU segments

    /// Tokenizes `p[start..<end]` (no special tokens inside). Chunks between
    /// ASCII white space that are pure ASCII take a fast path that applies
    /// the same word-break rules (UAX #29) ICU applies to ASCII; every other
    /// chunk goes through ICU's word break iterator. A test checks that both
    /// give the same pieces on ASCII text.
    private func segment(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                         pieces: inout GrowableBuffer<Piece>, into sink: inout Sink) {
        pieces.count = 0
        segmentChunks(p, start, end, pieces: &pieces, into: &sink)
        mergeAndEmit(p, UnsafeBufferPointer(pieces.elements(from: 0)), into: &sink)
    }

    /// `segment` without its first and last steps: pieces already in
    /// `pieces` (a chunk before, in `tokenizeByChunk`) are taken as pieces
    /// of the same segment, and the pieces left at the end are not emitted.
    private func segmentChunks(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                               pieces: inout GrowableBuffer<Piece>, into sink: inout Sink) {
        let classes = self.classes
        var i = start
        // Where `emitPlainWords` last stopped at a chunk that is not a plain word.
        var notPlain = -1
        while i < end {
            while i < end, ByteClass.isSpace(p[i]) { i += 1 }
            guard i < end else { break }
            if plainWords, let next = emitPendingThenPlainWords(p, i, end, classes, notPlain: &notPlain, pieces: &pieces, into: &sink) {
                i = next
                continue
            }
            i = appendChunkPieces(p, i, end, classes, into: &pieces)
        }
    }

    /// The start of a chunk at `i` (not white space) in `tokenizeByChunk` and
    /// `segmentChunks`. Pending pieces go out first unless they may begin a spaced
    /// abbreviation ("EE." + "UU.": pieces before white space merge with later ones
    /// only then, the last one a '.'). Then, with no piece pending, plain words are
    /// emitted from `i`: returns where they stopped, or nil when none was (the
    /// pieces take the chunk). `notPlain` is where they last stopped at a chunk that
    /// is not a plain word, so that it is not tried twice.
    @inline(__always)
    private func emitPendingThenPlainWords(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int, _ classes: UnsafePointer<UInt16>,
                                           notPlain: inout Int, pieces: inout GrowableBuffer<Piece>, into sink: inout Sink) -> Int? {
        if pieces.count > 0, pieces.base[pieces.count - 1].kind != .punct
            || p[pieces.base[pieces.count - 1].start] != UInt8(ascii: ".") {
            mergeAndEmit(p, UnsafeBufferPointer(pieces.elements(from: 0)), into: &sink)
            pieces.count = 0
        }
        guard pieces.count == 0, i != notPlain, Tokenizer.mayStartPlainWord(p, i, classes) else { return nil }
        let next = emitPlainWords(p, i, end, classes, into: &sink)
        notPlain = next
        return next != i ? next : nil
    }

    /// Appends the pieces of the chunk at `chunkStart` (up to ASCII white
    /// space or `end`) and returns where it ends: the fast path's for simple
    /// text, else ICU's for the whole chunk.
    @inline(__always)
    private func appendChunkPieces(_ p: UnsafeBufferPointer<UInt8>, _ chunkStart: Int, _ end: Int,
                                   _ classes: UnsafePointer<UInt16>, into pieces: inout GrowableBuffer<Piece>) -> Int {
        let mark = pieces.count
        let stop = Tokenizer.asciiChunk(p, chunkStart, end, classes, into: &pieces)
        guard stop.nonASCII else { return stop.position }
        // Not pure ASCII: ICU takes the whole chunk up to the next ASCII white space.
        pieces.count = mark
        var j = stop.position
        while j < end, !ByteClass.isSpace(p[j]) { j += 1 }
        if memoizesChunks, j &- chunkStart <= ChunkPieceMemo.maxBytes {
            memoizedICUPieces(p, chunkStart, j, into: &pieces)
        } else {
            icuPieces(p, chunkStart, j, into: &pieces)
        }
        return j
    }

    /// ICU word pieces of `p[start..<end]`, white space dropped.
    func icuPieces(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into pieces: inout [Piece]) {
        var buffer = GrowableBuffer<Piece>(capacity: 64)
        defer { buffer.deallocate() }
        icuPieces(p, start, end, into: &buffer)
        pieces.append(contentsOf: UnsafeBufferPointer(buffer.elements(from: 0)))
    }

    /// `icuPieces` through `chunkMemo`: the same pieces, from the memo when
    /// the chunk's bytes were seen before.
    @inline(never)
    private func memoizedICUPieces(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                   into pieces: inout GrowableBuffer<Piece>) {
        let chunk = UnsafeBufferPointer(rebasing: p[start..<end])
        let hash = KeyHash.hash(chunk)
        if chunkMemo.appendPieces(of: chunk, hash: hash, start: start, to: &pieces) { return }
        let mark = pieces.count
        icuPieces(p, start, end, into: &pieces)
        chunkMemo.insert(chunk, hash: hash, start: start, found: UnsafeBufferPointer(pieces.elements(from: mark)))
    }

    func icuPieces(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into pieces: inout GrowableBuffer<Piece>) {
        let text = UnsafeBufferPointer(rebasing: p[start..<end])
        var previous = 0
        breaker.forEachBoundary(text) { boundary, status in
            let a = start + previous, b = start + boundary
            previous = boundary
            let kind: TokenKind
            switch status {
            case 100..<500:
                // ICU's status is that of the rule ending the piece ("a0" is "number"):
                // a piece with any letter is a word, as on the fast path.
                var letter = false
                var k = a
                while k < b, !letter {
                    if p[k] < 0x80 {
                        letter = ByteClass.isAlpha(p[k])
                        k += 1
                    } else {
                        let (value, length) = UTF8Repair.decode(p, k)
                        letter = Unicode.Scalar(value)?.properties.isAlphabetic ?? false
                        k += length
                    }
                }
                kind = letter ? .word : .number
            default:
                guard let k = Tokenizer.classifyOther(p, a, b) else { return }  // white space
                kind = k
            }
            pieces.append(Piece(start: a, end: b, kind: Tokenizer.isKeycap(p, a, b) ? .emoji : kind))
        }
    }

    /// UAX #29 word pieces of pure ASCII text without white space: letters
    /// and digits join (WB5, WB8–WB10), `_` joins them (WB13a/b), `.` and `'`
    /// join letters to letters and digits to digits, `,` and `;` digits to
    /// digits (WB6/7, WB11/12); anything else is a piece of its own.
    static func asciiPieces(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into pieces: inout [Piece]) {
        var buffer = GrowableBuffer<Piece>(capacity: 64)
        defer { buffer.deallocate() }
        var i = start
        while i < end {
            while i < end, ByteClass.isSpace(p[i]) { i += 1 }
            guard i < end else { break }
            i = asciiChunk(p, i, end, ByteClass.table, into: &buffer).position
        }
        pieces.append(contentsOf: UnsafeBufferPointer(buffer.elements(from: 0)))
    }

    /// Pieces of simple text from `start` up to ASCII white space or `end`:
    /// ASCII, Latin letters U+00C0–U+017F, and the punctuation news in
    /// English and Spanish uses (¡ ¿ « » ‘ ’ “ ” – — …, no-break space).
    /// Stops early, with `nonASCII` set, at anything else, which ICU handles.
    @inline(__always)
    static func asciiChunk(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ classes: UnsafePointer<UInt16>,
                           into pieces: inout GrowableBuffer<Piece>) -> (position: Int, nonASCII: Bool) {
        var i = start
        while i < end {
            let c = p[i]
            let cc = classes[Int(c)]
            if cc & ByteClass.spaceBit != 0 { return (i, false) }
            var letterLength = 0
            if cc & ByteClass.wordBit == 0 {
                if c < 0x80 {
                    pieces.append(Piece(start: i, end: i + 1, kind: cc & ByteClass.punctBit != 0 ? .punct : .symbol))
                    i += 1
                    continue
                }
                letterLength = SimpleText.letterLength(p, i, end)
                if letterLength == 0 {
                    switch SimpleText.otherLength(p, i, end) {
                    case 0: return (i, true)
                    case let n where n < 0: i += -n  // no-break space: white space, not a token
                    case let n:
                        pieces.append(Piece(start: i, end: i + n, kind: .punct))
                        i += n
                    }
                    continue
                }
            }
            var j = i + max(1, letterLength)
            var letters = letterLength > 0
            var seen = cc
            while j < end {
                // Whole words eight bytes at a time, the rest byte by byte.
                let run = ByteClass.run(p, from: j, to: end, underscore: true)
                j = run.end
                seen |= run.seen
                guard j < end else { break }
                let d = p[j]
                let cd = classes[Int(d)]
                if cd & ByteClass.wordBit != 0 {
                    seen |= cd
                    j += 1
                    continue
                }
                // Most pieces end at white space, which joins nothing.
                if cd & ByteClass.spaceBit != 0 { break }
                let n = SimpleText.letterLength(p, j, end)
                if n > 0 {
                    letters = true
                    j += n
                    continue
                }
                // MidLetter / MidNum joiners between two letters or two digits.
                var mid = 0
                if d == UInt8(ascii: ".") || d == UInt8(ascii: "'") {
                    mid = 1
                } else if d == 0xE2, j + 2 < end, p[j + 1] == 0x80, p[j + 2] == 0x98 || p[j + 2] == 0x99 {
                    mid = 3  // ‘ ’
                } else if d == UInt8(ascii: ",") || d == UInt8(ascii: ";") {
                    mid = -1  // digits only
                } else if d >= 0x80, SimpleText.otherLength(p, j, end) == 0 {
                    return (j, true)
                }
                guard mid != 0, j + abs(mid) < end else { break }
                let after = j + abs(mid)
                if mid > 0, SimpleText.letterEnds(p, j, start: i), ByteClass.isAlpha(p[after]) || SimpleText.letterLength(p, after, end) > 0 {
                    j = after
                    continue
                }
                if ByteClass.isDigit(p[j - 1]) && ByteClass.isDigit(p[after]) {
                    j = after
                    continue
                }
                break
            }
            let kind: TokenKind = letters || seen & ByteClass.letterBits != 0 ? .word : seen & ByteClass.digitBit != 0 ? .number : .punct
            pieces.append(Piece(start: i, end: j, kind: kind))
            i = j
        }
        return (i, false)
    }

    /// ICU's root word rules leave ':' out of MidLetter ("a:b" is three pieces).
    static let colonJoinsLetters = false

    /// Whether the piece ends in U+20E3 COMBINING ENCLOSING KEYCAP (`1️⃣`, `#️⃣`).
    static func isKeycap(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        b - a >= 4 && p[b - 3] == 0xE2 && p[b - 2] == 0x83 && p[b - 1] == 0xA3
    }

    /// Kind of a piece ICU gives no word status: nil for white space.
    static func classifyOther(_ p: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> TokenKind? {
        let first = p[a]
        if first < 0x80 {
            if ByteClass.isSpace(first) {
                var k = a
                while k < b, p[k] < 0x80, ByteClass.isSpace(p[k]) { k += 1 }
                if k == b { return nil }
            }
            return ByteClass.isPunct(first) ? .punct : .symbol
        }
        let (value, _) = UTF8Repair.decode(p, a)
        guard let s = Unicode.Scalar(value) else { return .symbol }
        let props = s.properties
        if props.isWhitespace || props.generalCategory == .format && b - a <= 3 {
            // Format characters alone (ZWSP, bidi marks) are not tokens either.
            var k = a
            var allSpace = true
            while k < b {
                let (v, len) = UTF8Repair.decode(p, k)
                let c = Unicode.Scalar(v)?.properties
                if !(c?.isWhitespace ?? false) && c?.generalCategory != .format { allSpace = false; break }
                k += len
            }
            if allSpace { return nil }
        }
        if props.isEmoji && (value >= 0x2000 || props.isEmojiPresentation) { return .emoji }
        if (0x1F1E6...0x1F1FF).contains(value) { return .emoji }  // regional indicators (flags)
        switch props.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return .punct
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .word
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .symbol
        }
    }

    /// Joins and splits ICU pieces where readers see other tokens, and
    /// emits the tokens.
    private func mergeAndEmit(_ p: UnsafeBufferPointer<UInt8>, _ pieces: UnsafeBufferPointer<Piece>, into sink: inout Sink) {
        var k = 0
        while k < pieces.count {
            var piece = pieces[k]
            // An ASCII ellipsis "..." is one token, like "…".
            if piece.kind == .punct, piece.end - piece.start == 1, p[piece.start] == UInt8(ascii: "."),
               k + 1 < pieces.count, pieces[k + 1].start == piece.end, p[pieces[k + 1].start] == UInt8(ascii: "."),
               pieces[k + 1].end - pieces[k + 1].start == 1 {
                var e = k + 1
                while e + 1 < pieces.count, pieces[e + 1].start == pieces[e].end, pieces[e + 1].end - pieces[e + 1].start == 1,
                      p[pieces[e + 1].start] == UInt8(ascii: ".") { e += 1 }
                emit(p, piece.start, pieces[e].end, .punct, into: &sink)
                k = e + 1
                continue
            }
            // Designations: DFH-4, F-16, COVID-19, Su-57 (letters with a capital, hyphen, digits).
            if piece.kind == .word, k + 2 < pieces.count,
               pieces[k + 1].start == piece.end, pieces[k + 1].end == piece.end + 1, p[piece.end] == UInt8(ascii: "-"),
               pieces[k + 2].start == piece.end + 1, ByteClass.isDigit(p[pieces[k + 2].start]),
               ByteClass.isUpper(p[piece.start]), piece.end - piece.start <= 8 {
                piece.end = pieces[k + 2].end
                piece.kind = .word
                emit(p, piece.start, piece.end, piece.kind, into: &sink)
                k += 3
                continue
            }
            // Abbreviations and initials: a word directly followed by '.'.
            if piece.kind == .word, k + 1 < pieces.count, pieces[k + 1].start == piece.end,
               p[piece.end] == UInt8(ascii: "."), pieces[k + 1].end == piece.end + 1 {
                let withDot = UnsafeBufferPointer(rebasing: p[piece.start...piece.end])
                if let consumed = abbreviation(p, withDot, k, pieces) {
                    emit(p, piece.start, pieces[k + consumed - 1].end, .abbreviation, into: &sink)
                    k += consumed
                    continue
                }
            }
            // English possessive: split "China's" / "China’s" into "China" "'s".
            if piece.kind == .word, piece.end - piece.start > 3 {
                let e = piece.end
                if p[e - 1] | 0x20 == UInt8(ascii: "s") {
                    if p[e - 2] == UInt8(ascii: "'") {
                        emit(p, piece.start, e - 2, .word, into: &sink)
                        emit(p, e - 2, e, .word, into: &sink)
                        k += 1
                        continue
                    }
                    if e - 4 > piece.start, p[e - 4] == 0xE2, p[e - 3] == 0x80, p[e - 2] == 0x99 {
                        emit(p, piece.start, e - 4, .word, into: &sink)
                        emit(p, e - 4, e, .word, into: &sink)
                        k += 1
                        continue
                    }
                }
            }
            emit(p, piece.start, piece.end, piece.kind, into: &sink)
            k += 1
        }
    }

    /// Tokenizes the plain words (`emitPlainWord`) from `from`, one after
    /// another between white space, and returns where it stopped: `end`, or
    /// the start of the first chunk that is not a plain word, none of which
    /// it has emitted. One call for a run of words keeps the loop's state in
    /// registers; ASCII words of up to 15 bytes (most of them) are keyed,
    /// flagged and hashed here from one 16-byte load, the others by
    /// `emitPlainWord`.
    private func emitPlainWords(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int, _ classes: UnsafePointer<UInt16>,
                                into sink: inout Sink) -> Int {
        let n = p.count
        let base = p.baseAddress!
        // A plain word's key is no longer than the word, and its punctuation
        // byte's than the byte: with 16 bytes more, the two 8-byte stores of
        // a word's key below fit, and `emitPlainWord`'s stores.
        sink.keys.reserve(end &- from &+ 16)
        var i = from
        while true {
            if plainWordLoop != 0 {
                // Most words from here on go through the C loop (`entex_plain_words`); it
                // stops at the first one it leaves to the code below, or at a chunk that
                // is no plain word.
                var out = entex_token_sink(tokens: UnsafeMutableRawPointer(sink.tokens.base).assumingMemoryBound(to: entex_token.self),
                                           hashes: sink.hashes.base, keys: sink.keys.base, count: sink.tokens.count,
                                           capacity: sink.tokens.capacity, key_count: sink.keys.count, not_plain: 0,
                                           abbreviations: UnsafePointer(abbreviationBits))
                i = plainWordLoop == 1 ? entex_plain_words(base, n, i, end, from, &out)
                    : plainWordLoop == 2 ? entex_plain_words_sse2(base, n, i, end, from, &out)
                    : entex_plain_words_avx2(base, n, i, end, from, &out)
                sink.tokens.count = out.count
                sink.keys.count = out.key_count
                if out.not_plain != 0 { return i }
            }
            while i < end, classes[Int(p[i])] & ByteClass.spaceBit != 0 { i &+= 1 }
            guard i < end else { return i }
            let start = i
            let keyStart = sink.keys.count
            let dst = sink.keys.base + keyStart
            // Most words are ASCII and end within their first 16 bytes: keyed,
            // flagged and hashed from one vector load (`entex_classify_word16`).
            // Near the end of the text only the bytes left are read (zero
            // above them, which ends the word like any byte outside it).
            fast: do {
                let w = entex_classify_word16(base + start, n &- start, start)
                // Bits 16 and up of `~alnum` are set: `take` is at most 16.
                var take = (~(w.upper | w.lower | w.digit)).trailingZeroBitCount
                var punct = -1
                /// Sets `punct` when the byte at `stop` (< end) is punctuation ending the chunk;
                /// false when the chunk goes on (or a Latin-1 letter may continue the word).
                @inline(__always) func endsAt(_ stop: Int) -> Bool? {
                    let b = p[stop]
                    if b >= 0x80 { return false }
                    if classes[Int(b)] & ByteClass.spaceBit != 0 { return true }
                    let after = stop &+ 1
                    // A '.' ends the chunk too, unless the word is an abbreviation (checked below).
                    guard b != UInt8(ascii: "'"), b != UInt8(ascii: "-"), b != UInt8(ascii: "_"),
                          after == end || classes[Int(p[after])] & ByteClass.spaceBit != 0 else { return nil }
                    punct = stop
                    return true
                }
                guard take > 0 else {
                    // Only a Latin-1 letter (C3 xx) besides an ASCII letter or digit
                    // starts a plain word: any other chunk is not one, and
                    // `emitPlainWord` need not look at it.
                    if p[start] != 0xC3 { return start }
                    guard let next = emitPlainWord(p, start, end, classes, atLatin: true, into: &sink) else { return start }
                    i = next
                    continue
                }
                // 16 letters and digits, or a non-ASCII byte after 1 to 15 (a Latin-1 letter,
                // "Nicolás", "Administración"): `emitPlainWord` goes on from there with their key and case.
                var resumes = take == 16
                if start &+ take >= end {
                    take = end &- start
                    resumes = false
                } else if !resumes {
                    // Inside the text: the zero bytes of a partial load lie at or past `n`, and `end <= n`.
                    guard let ends = endsAt(start &+ take) else { return start }
                    resumes = !ends
                }
                // The word's bytes (1 <= take <= 16), as bits and as byte masks of the two key words.
                let bits: UInt32 = (1 &<< UInt32(truncatingIfNeeded: take)) &- 1
                let mask0: UInt64 = take >= 8 ? ~0 : ~0 &>> UInt64(truncatingIfNeeded: 64 &- 8 &* take)
                let mask1: UInt64 = take <= 8 ? 0 : ~0 &>> UInt64(truncatingIfNeeded: 128 &- 8 &* take)
                let key0 = w.key0 & mask0, key1 = w.key1 & mask1
                let upper = w.upper & bits, lower = w.lower & bits, digit = w.digit & bits
                UnsafeMutableRawPointer(dst).storeBytes(of: key0.littleEndian, as: UInt64.self)
                UnsafeMutableRawPointer(dst + 8).storeBytes(of: key1.littleEndian, as: UInt64.self)
                if resumes {
                    guard let next = emitPlainWord(p, start, end, classes, resuming: take, atLatin: take < 16,
                                                   upper: UInt64(upper), lower: UInt64(lower), digit: UInt64(digit), into: &sink)
                    else { return start }
                    i = next
                    continue
                }
                let letters = upper | lower
                // Three identical letters in a row (a possible elongation) take the general path:
                // runs that start at least two bytes before the word's end.
                if letters & (bits &>> 2) & w.tripled != 0 { break fast }
                let count = take
                // A word and a final '.' may be an abbreviation or an initial: the pieces path decides.
                if punct >= 0, letters != 0, p[punct] == UInt8(ascii: "."), mayAbbreviate(p, start, punct) { return start }
                var raw = TokenFlags.ascii.rawValue
                // Words after the first follow the white space skipped above.
                if start != from || start == 0 || Tokenizer.spaceBefore(p, start) { raw |= TokenFlags.spaceBefore.rawValue }
                // Every byte is a letter or digit: case lies in the first one, bit 0 (no branch:
                // the product is the flag or 0).
                raw |= UInt8(truncatingIfNeeded: upper & 1) &* TokenFlags.capitalized.rawValue
                if upper != 0 && lower == 0 { raw |= TokenFlags.allCaps.rawValue }
                if letters != 0 { raw |= TokenFlags.hasLetter.rawValue }
                if digit != 0 { raw |= TokenFlags.hasDigit.rawValue }
                let wordEnd = start &+ count, keyEnd = keyStart &+ count
                sink.append(Token(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: wordEnd),
                                  keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyEnd),
                                  kind: letters != 0 ? .word : .number, flags: TokenFlags(rawValue: raw)),
                            hash: count <= 8 ? KeyHash.hash(word: key0, count: count) : KeyHash.hash(key0, key1, count: count))
                guard punct >= 0 else {
                    sink.keys.count = keyEnd
                    // Before `end` the word ends at white space (`endsAt`): the next word starts after it at the earliest.
                    i = wordEnd < end ? wordEnd &+ 1 : wordEnd
                    continue
                }
                // The punctuation or symbol byte: its own key, after a letter or digit (no space before).
                let b = p[punct]
                dst[count] = b
                sink.keys.count = keyEnd &+ 1
                sink.append(Token(start: Int32(truncatingIfNeeded: punct), end: Int32(truncatingIfNeeded: punct &+ 1),
                                  keyStart: Int32(truncatingIfNeeded: keyEnd), keyEnd: Int32(truncatingIfNeeded: keyEnd &+ 1),
                                  kind: classes[Int(b)] & ByteClass.punctBit != 0 ? .punct : .symbol, flags: .ascii),
                            hash: KeyHash.hash(word: UInt64(b), count: 1))
                i = punct &+ 1
                continue
            }
            guard let next = emitPlainWord(p, start, end, classes, into: &sink) else { return start }
            i = next
        }
    }

    /// Whether the chunk at `i` is one ASCII punctuation or symbol byte other
    /// than `.` and `_` ("@ Tampa", " - ", " | "): no special token is that
    /// short, and its piece merges with none (a '.' may begin a spaced
    /// abbreviation, and `_` joins words), so with no piece pending
    /// `tokenizeByChunk` emits it as the pieces path would.
    @inline(__always)
    static func isLoneSymbol(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ classes: UnsafePointer<UInt16>) -> Bool {
        let b = p[i]
        guard b < 0x80, b != UInt8(ascii: "."), classes[Int(b)] & (ByteClass.wordBit | ByteClass.spaceBit) == 0 else { return false }
        return i &+ 1 == p.count || classes[Int(p[i &+ 1])] & ByteClass.spaceBit != 0
    }

    /// Emits the lone symbol at `i` (`isLoneSymbol`). Out of line: `emit`
    /// inlined into the chunk loop pushed other calls there out of line.
    @inline(never)
    private func emitLoneSymbol(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, into sink: inout Sink) {
        emit(p, i, i &+ 1, classes[Int(p[i])] & ByteClass.punctBit != 0 ? .punct : .symbol, into: &sink)
    }

    /// Whether `emitPlainWords` may take the chunk at `i`: a plain word
    /// starts with an ASCII letter or digit or the first byte of a Latin-1
    /// letter (C3), and the C loop (`entex_plain_words`) also takes a lone
    /// symbol (`isLoneSymbol`), short ASCII hashtags and handles, and a lone
    /// "…" or U+FE0F (`isLoneEllipsisOrVS16`). It takes no chunk that starts
    /// otherwise; the callers save the call.
    @inline(__always)
    static func mayStartPlainWord(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ classes: UnsafePointer<UInt16>) -> Bool {
        let b = p[i]
        return classes[Int(b)] & ByteClass.alnumBits != 0 || b == 0xC3 || b == UInt8(ascii: "#") || b == UInt8(ascii: "@")
            || isLoneSymbol(p, i, classes) || ((b == 0xE2 || b == 0xEF) && isLoneEllipsisOrVS16(p, i))
            || ((b == UInt8(ascii: "*") || b == UInt8(ascii: "(") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == 0xC2
                 || b == 0xE2 || b == 0xEF) && opensWord(p, i, classes))
    }

    /// Whether the chunk at `i` starts with an opening byte or character the
    /// C loop takes before a word, hashtag or handle (`take_opened`): `*`,
    /// `(`, `"` or `'` before an ASCII letter or digit, '#' or '@', or ¿, ¡, “ or
    /// U+FE0F before one of those or a Latin-1 letter's first byte (C3).
    @inline(never)
    static func opensWord(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ classes: UnsafePointer<UInt16>) -> Bool {
        let b = p[i]
        let len = b < 0x80 ? 1 : b == 0xC2 ? 2 : 3
        guard i &+ len < p.count else { return false }
        switch b {
        case 0xC2: if p[i &+ 1] != 0xBF && p[i &+ 1] != 0xA1 { return false }
        case 0xE2: if p[i &+ 1] != 0x80 || p[i &+ 2] != 0x9C { return false }
        case 0xEF: if p[i &+ 1] != 0xB8 || p[i &+ 2] != 0x8F { return false }
        default: break
        }
        let c = p[i &+ len]
        return classes[Int(c)] & ByteClass.alnumBits != 0 || c == UInt8(ascii: "#") || c == UInt8(ascii: "@") || (len > 1 && c == 0xC3)
    }

    /// Whether the chunk at `i` is "…" (U+2026) or U+FE0F VARIATION
    /// SELECTOR-16 alone (left behind by emoji in tweets), before ASCII white
    /// space or the end of the text: the C loop takes both.
    @inline(never)
    static func isLoneEllipsisOrVS16(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard i &+ 3 <= p.count, i &+ 3 == p.count || ByteClass.isSpace(p[i &+ 3]) else { return false }
        return (p[i] == 0xE2 && p[i &+ 1] == 0x80 && p[i &+ 2] == 0xA6) || (p[i] == 0xEF && p[i &+ 1] == 0xB8 && p[i &+ 2] == 0x8F)
    }

    /// Whether the word `p[start..<dot]` and the '.' at `dot` may be taken
    /// as an abbreviation or an initial by `mergeAndEmit` (`abbreviation`):
    /// one capital letter, or an entry or spaced-abbreviation prefix of the
    /// abbreviation lists. Otherwise they are a word and a full stop.
    @inline(__always)
    private func mayAbbreviate(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ dot: Int) -> Bool {
        if dot &- start == 1 && ByteClass.isUpper(p[start]) { return true }
        let withDot = UnsafeBufferPointer(rebasing: p[start...dot])
        let hash = ByteStringTable.hash(withDot)
        return resources.abbreviations.lookup(withDot, hash: hash) != nil
            || resources.abbreviationPrefixes.lookup(withDot, hash: hash) != nil
    }

    /// The high bit of each uppercase, lowercase and digit byte of `x`
    /// (ASCII only), and of each byte that is none of them.
    @inline(__always)
    static func classify(_ x: UInt64) -> (upper: UInt64, lower: UInt64, digit: UInt64, outside: UInt64) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let low = x & ~high
        // With the high bits clear, adding 0x80 - c sets a byte's high bit
        // exactly when the byte is at least c, without carries between bytes.
        @inline(__always) func atLeast(_ c: UInt64) -> UInt64 { low &+ (0x80 &- c) &* ones }
        let ascii = ~x & high
        let upper = atLeast(0x41) & ~atLeast(0x5B) & ascii
        let lower = atLeast(0x61) & ~atLeast(0x7B) & ascii
        let digit = atLeast(0x30) & ~atLeast(0x3A) & ascii
        return (upper, lower, digit, ~(upper | lower | digit) & high)
    }

    /// Tokenizes the chunk at `start` when it is one plain word: ASCII
    /// letters and digits and Latin-1 letters that fold to ASCII, up to ASCII
    /// white space or `end`, optionally followed by one ASCII punctuation or
    /// symbol byte other than `' - _` and then white space or `end` (a '.'
    /// only when `mayAbbreviate` is false). No merge rule applies to such a chunk, so its tokens are emitted as they
    /// are scanned, the key written along the way, eight bytes at a time.
    /// Returns the end of the chunk, or nil, having emitted nothing, for any
    /// other chunk. Gives what the pieces path gives (a test compares them).
    ///
    /// `emitPlainWords` may hand over a word it began: its first `resuming`
    /// bytes, ASCII letters and digits, keyed at the key's start, with the
    /// high bits of their `upper`, `lower` and `digit` bytes; `atLatin` when
    /// the byte after them is not ASCII (no 8-byte step is taken there first).
    private func emitPlainWord(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ classes: UnsafePointer<UInt16>,
                               resuming: Int = 0, atLatin: Bool = false,
                               upper upperBefore: UInt64 = 0, lower lowerBefore: UInt64 = 0, digit digitBefore: UInt64 = 0,
                               into sink: inout Sink) -> Int? {
        let n = p.count
        // A resumed word's first bytes lie past `keys.count`: the caller has reserved room (no move here).
        if resuming == 0 { sink.keys.reserve(end &- start &+ 8) }
        let keyStart = sink.keys.count
        let dst = sink.keys.base + keyStart
        let base = p.baseAddress!
        // The high bit of every uppercase, lowercase and digit byte of the
        // word's ASCII steps, or-ed; bit 0 of `upper` or `lower` for its
        // Latin-1 letters. Only flags depend on them: or-ing them keeps the
        // loop free of first-letter bookkeeping (`WordCase`), done once below.
        var upper = upperBefore, lower = lowerBefore, digit = digitBefore
        var latin = false
        var r = start &+ resuming, w = resuming
        var skipsStep = atLatin
        while true {
            if !skipsStep {
                // Near the end of the text only the bytes left are read (zero above them, which
                // ends the word like any byte outside it: `end <= n`, and `r < end` here).
                let x0 = r &+ 8 <= n ? UnsafeRawPointer(base + r).loadUnaligned(as: UInt64.self).littleEndian
                                     : KeyHash.loadPartial(base + r, n &- r)
                let (upper0, lower0, digit0, outside) = Tokenizer.classify(x0)
                // The bytes before the first one outside the word characters.
                var take = outside == 0 ? 8 : outside.trailingZeroBitCount >> 3
                var stopsAtEnd = false
                if r &+ take >= end { take = end &- r; stopsAtEnd = true }
                let mask: UInt64 = take >= 8 ? ~0 : take == 0 ? 0 : ~0 &>> UInt64(truncatingIfNeeded: 64 &- 8 &* take)
                let stepUpper = upper0 & mask
                UnsafeMutableRawPointer(dst + w).storeBytes(of: ((x0 & mask) | (stepUpper >> 2)).littleEndian, as: UInt64.self)
                upper |= stepUpper
                lower |= lower0 & mask
                digit |= digit0 & mask
                r &+= take
                w &+= take
                if stopsAtEnd { break }
                if take == 8 { continue }
            }
            skipsStep = false
            let b = p[r]
            if b >= 0x80 {
                guard b == 0xC3, r &+ 1 < end else { return nil }
                let d = p[r &+ 1]
                let folded = SimpleText.latin1Fold(d)
                guard folded != 0 else { return nil }
                dst[w] = folded
                if SimpleText.latin1IsUpper(d) { upper |= 1 } else { lower |= 1 }
                latin = true
                r &+= 2
                w &+= 1
                if r >= end { break }
                continue
            }
            break
        }
        guard w > 0 else { return nil }
        // What follows: white space, the end, or one punctuation byte before either.
        var punct = -1
        if r < end {
            let b = p[r]
            let c = classes[Int(b)]
            if c & ByteClass.spaceBit == 0 {
                guard b < 0x80, b != UInt8(ascii: "'"), b != UInt8(ascii: "-"),
                      b != UInt8(ascii: "_"), r &+ 1 == end || classes[Int(p[r &+ 1])] & ByteClass.spaceBit != 0
                else { return nil }
                punct = r
            }
        }
        // A word and a final '.' may be an abbreviation or an initial: the pieces path decides.
        let hasLetter = upper | lower != 0
        if punct >= 0, hasLetter, p[punct] == UInt8(ascii: "."), mayAbbreviate(p, start, punct) { return nil }
        let kind: TokenKind = hasLetter ? .word : .number
        var flags: TokenFlags = start == 0 || Tokenizer.spaceBefore(p, start) ? .spaceBefore : []
        // The flags `WordCase` gives. Every character is a letter or a digit, so the
        // first letter or digit is the first byte, and the first letter follows any digits.
        if latin {
            var k = start
            while ByteClass.isDigit(p[k]) { k &+= 1 }
            if ByteClass.isUpper(p[k]) || (p[k] == 0xC3 && SimpleText.latin1IsUpper(p[k &+ 1])) { flags.insert(.capitalized) }
        } else {
            flags.insert(.ascii)
            if ByteClass.isUpper(p[start]) { flags.insert(.capitalized) }
        }
        if upper != 0 && lower == 0 { flags.insert(.allCaps) }
        if hasLetter { flags.insert(.hasLetter) }
        if digit != 0 { flags.insert(.hasDigit) }
        sink.keys.count = keyStart &+ w
        if kind == .word, w >= 3, Tokenizer.hasTripledLetter(dst, w), shortenKey(at: keyStart, count: w, in: &sink) {
            flags.insert(.elongated)
        }
        sink.appendHashingKey(Token(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: r),
                                    keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: sink.keys.count),
                                    kind: kind, flags: flags))
        guard punct >= 0 else { return r }
        let c = classes[Int(p[punct])]
        emit(p, punct, punct &+ 1, c & ByteClass.punctBit != 0 ? .punct : .symbol, into: &sink)
        return punct &+ 1
    }

    /// If the word at `pieces[k]` plus its following '.' (`withDot`) is an
    /// abbreviation or an initial, returns how many pieces it spans.
    private func abbreviation(_ p: UnsafeBufferPointer<UInt8>, _ withDot: UnsafeBufferPointer<UInt8>, _ k: Int,
                              _ pieces: UnsafeBufferPointer<Piece>) -> Int? {
        // Abbreviations match case-sensitively: "No." is one, "no." ends a sentence.
        let key = withDot
        // Written with a space: "EE. UU." is pieces EE . UU .
        if k + 3 < pieces.count, resources.abbreviationPrefixes.lookup(key) != nil {
            let next = pieces[k + 2], dot = pieces[k + 3]
            if next.start == pieces[k + 1].end + 1, p[pieces[k + 1].end] == 0x20, next.kind == .word,
               dot.start == next.end, dot.end == next.end + 1, p[next.end] == UInt8(ascii: ".") {
                let whole = UnsafeBufferPointer(rebasing: p[pieces[k].start..<dot.end])
                if resources.abbreviations.lookup(whole) != nil { return 4 }
            }
        }
        if resources.abbreviations.lookup(key) != nil { return 2 }
        // An initial: one capital letter and a dot ("John F. Kennedy").
        if withDot.count == 2, ByteClass.isUpper(withDot[0]) { return 2 }
        // Dotted acronyms ICU joins: "U.S" + "." when not listed, e.g. "U.N.E.S.C.O."
        if withDot.count >= 4, withDot.allSatisfy({ ByteClass.isUpper($0) || $0 == UInt8(ascii: ".") }),
           zip(withDot.dropFirst(), withDot).allSatisfy({ ($0 == UInt8(ascii: ".")) != ($1 == UInt8(ascii: ".")) }) {
            return 2
        }
        return nil
    }

    // MARK: - Tokens and keys

    /// Appends the token `p[start..<end]` and its key. ASCII and Latin-1
    /// letters that fold to ASCII (`Nicolás`, `MÉXICO`) are keyed here, eight
    /// bytes at a time (`emitShortASCII`, `emitWords`); anything else goes to `emitOther`.
    @inline(__always)
    private func emit(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ kind: TokenKind, into sink: inout Sink) {
        let flags: TokenFlags = start == 0 || Tokenizer.spaceBefore(p, start) ? .spaceBefore : []
        let length = end &- start
        sink.keys.reserve(length &+ 8)
        let src = p.baseAddress! + start
        if length <= 8, wordAtATime, emitShortASCII(src, length, start &+ 8 <= p.count, start, end, kind, flags, into: &sink) {
            return
        }
        if length > 8, length <= 16, wordAtATime, emitMediumASCII(src, length, p.count &- start, start, end, kind, flags, into: &sink) {
            return
        }
        if wordAtATime {
            // A token that starts with a character other than a Latin-1 letter (“ ” ¿ —, an emoji):
            // `emitWords` would hand it to `emitOther` at its first byte, having written nothing.
            let first = src[0]
            if first >= 0x80, first != 0xC3 || kind == .emoji {
                emitOther(UnsafeBufferPointer(start: src, count: length), start, end, kind, flags, into: &sink)
                return
            }
            emitWords(src, length, readable: p.count &- start, start, end, kind, flags, into: &sink)
        } else {
            emitBytewise(src, length, start, end, kind, flags, into: &sink)
        }
    }

    /// `emit` for an ASCII token of 1 to 8 bytes, all of them handled as
    /// one 64-bit word (byte k of the token is bits 8k..8k+7); 8 key bytes
    /// must be writable, and with `wholeWord` the 8 bytes from `src`
    /// readable (else only the token's are read). Returns false, having
    /// changed nothing, when the token is not ASCII.
    @inline(__always)
    private func emitShortASCII(_ src: UnsafePointer<UInt8>, _ length: Int, _ wholeWord: Bool, _ start: Int, _ end: Int,
                                _ kind: TokenKind, _ flags: TokenFlags, into sink: inout Sink) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let x = wholeWord ? UnsafeRawPointer(src).loadUnaligned(as: UInt64.self).littleEndian & (~0 &>> UInt64(64 &- 8 &* length))
                          : KeyHash.loadPartial(src, length)
        guard x & high == 0 else { return false }
        // With every byte below 0x80, adding 0x80 - c sets a byte's high bit
        // exactly when the byte is at least c, without carries between bytes.
        @inline(__always) func atLeast(_ c: UInt64) -> UInt64 { x &+ (0x80 &- c) &* ones }
        let upper = atLeast(0x41) & ~atLeast(0x5B) & high
        let lower = atLeast(0x61) & ~atLeast(0x7B) & high
        let digit = atLeast(0x30) & ~atLeast(0x3A) & high
        let key = x | (upper >> 2)  // 0x80 >> 2 = 0x20: lowercase
        let keyStart = sink.keys.count
        UnsafeMutableRawPointer(sink.keys.base + keyStart).storeBytes(of: key.littleEndian, as: UInt64.self)
        var flags = Tokenizer.asciiFlags(flags, upper: upper, lower: lower, digit: digit)
        sink.keys.count = keyStart &+ length
        if kind == .word, length >= 3 {
            // Byte k's high bit: key byte k equals byte k+1 (`next`), and byte k+2 (`after`).
            @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { ~(((v & ~high) &+ ~high) | v | ~high) }
            let next = zeroBytes(key ^ (key >> 8))
            let after = zeroBytes(key ^ (key >> 16))
            if next & after & (upper | lower) != 0 {
                // Three identical letters in a row: a possible elongation (rare: the key is hashed where it lies).
                var copy = scratch
                scratch = []
                copy.removeAll(keepingCapacity: true)
                copy.append(contentsOf: UnsafeBufferPointer(start: sink.keys.base + keyStart, count: length))
                if shortenElongation(&copy, from: 0) {
                    flags.insert(.elongated)
                    sink.keys.count = keyStart
                    sink.keys.append(contentsOf: copy)
                }
                scratch = copy
                sink.appendHashingKey(Token(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end),
                                            keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: sink.keys.count),
                                            kind: kind, flags: flags))
                return true
            }
        }
        // Offsets fit: documents are shorter than Int32.max bytes (`DocumentReader`).
        sink.append(Token(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end),
                          keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyStart &+ length),
                          kind: kind, flags: flags),
                    hash: KeyHash.hash(word: key, count: length))
        return true
    }

    /// `flags` with `ascii` and the case and character flags of an ASCII token, from
    /// masks of its uppercase letters, lowercase letters and digits in text order (one
    /// bit a byte, or each byte's high bit; the lowest is the token's first byte). Case
    /// lies in the first letter or digit after any sigil (@, #, $).
    @inline(__always)
    static func asciiFlags<Mask: FixedWidthInteger>(_ flags: TokenFlags, upper: Mask, lower: Mask, digit: Mask) -> TokenFlags {
        var raw = flags.rawValue | TokenFlags.ascii.rawValue
        let alnum = upper | lower | digit
        if alnum & (0 &- alnum) & upper != 0 { raw |= TokenFlags.capitalized.rawValue }
        if upper != 0 && lower == 0 { raw |= TokenFlags.allCaps.rawValue }
        if upper | lower != 0 { raw |= TokenFlags.hasLetter.rawValue }
        if digit != 0 { raw |= TokenFlags.hasDigit.rawValue }
        return TokenFlags(rawValue: raw)
    }

    /// `emit` for an ASCII token of 9 to 16 bytes (a hashtag, a handle, a
    /// long word), classified and keyed from one 16-byte vector
    /// (`entex_classify_word16`); `readable` bytes from `src` may be read (at
    /// least `length`), and 16 key bytes must be writable. Returns false,
    /// having changed nothing, when the token is not ASCII, or is a word with
    /// three identical letters in a row (`emitWords` shortens those).
    @inline(__always)
    private func emitMediumASCII(_ src: UnsafePointer<UInt8>, _ length: Int, _ readable: Int, _ start: Int, _ end: Int,
                                 _ kind: TokenKind, _ flags: TokenFlags, into sink: inout Sink) -> Bool {
        let w = entex_classify_word16(src, readable, start)
        // Bytes 0 to 7 of the key are the token's (length > 8); of bytes 8 to 15, the first `length - 8`.
        let key0 = w.key0, key1 = w.key1 & (~0 &>> UInt64(truncatingIfNeeded: 128 &- 8 &* length))
        guard (key0 | key1) & 0x8080_8080_8080_8080 == 0 else { return false }
        let bits: UInt32 = (1 &<< UInt32(truncatingIfNeeded: length)) &- 1
        let upper = w.upper & bits, lower = w.lower & bits, digit = w.digit & bits
        // Runs of three that start at least two bytes before the token's end, of letters.
        if kind == .word, (upper | lower) & (bits &>> 2) & w.tripled != 0 { return false }
        let keyStart = sink.keys.count
        let dst = UnsafeMutableRawPointer(sink.keys.base + keyStart)
        dst.storeBytes(of: key0.littleEndian, as: UInt64.self)
        dst.storeBytes(of: key1.littleEndian, toByteOffset: 8, as: UInt64.self)
        sink.keys.count = keyStart &+ length
        sink.append(Token(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end),
                          keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyStart &+ length),
                          kind: kind, flags: Tokenizer.asciiFlags(flags, upper: upper, lower: lower, digit: digit)),
                    hash: KeyHash.hash(key0, key1, count: length))
        return true
    }

    /// `emit` over 64-bit words: the ASCII bytes before the first non-ASCII
    /// one of each word are classified and lowercased together (byte k of the
    /// word is bits 8k..8k+7); a Latin-1 letter is folded on its own.
    /// `readable` bytes from `src` may be read (at least `length`): whole
    /// words where 8 bytes are, else only the token's bytes (near the end of
    /// the text, often a tweet's closing URL or hashtag). `length + 8` key
    /// bytes must be writable. Gives exactly what `emitBytewise` gives (a
    /// test compares them).
    @inline(__always)
    private func emitWords(_ src: UnsafePointer<UInt8>, _ length: Int, readable: Int, _ start: Int, _ end: Int,
                           _ kind: TokenKind, _ flags: TokenFlags, into sink: inout Sink) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let keyStart = sink.keys.count
        let dst = sink.keys.base + keyStart
        var letters = WordCase()
        var r = 0, w = 0
        while r < length {
            let remaining = length - r
            var mask: UInt64 = remaining >= 8 ? ~0 : ~0 &>> UInt64(64 &- 8 &* remaining)
            // Past `readable - 8`, fewer than 8 bytes are left of the token: only they are read, zero above.
            let x0 = r &+ 8 <= readable ? UnsafeRawPointer(src + r).loadUnaligned(as: UInt64.self).littleEndian & mask
                                        : KeyHash.loadPartial(src + r, remaining)
            let nonASCII = x0 & high
            var take = min(remaining, 8)
            if nonASCII != 0 {
                take = nonASCII.trailingZeroBitCount >> 3
                mask = take == 0 ? 0 : ~0 &>> UInt64(64 &- 8 &* take)  // take < 8
            }
            let x = x0 & mask
            // With every byte below 0x80, adding 0x80 - c sets a byte's high bit
            // exactly when the byte is at least c, without carries between bytes.
            @inline(__always) func atLeast(_ c: UInt64) -> UInt64 { x &+ (0x80 &- c) &* ones }
            let upper = atLeast(0x41) & ~atLeast(0x5B) & high & mask
            let lower = atLeast(0x61) & ~atLeast(0x7B) & high & mask
            let digit = atLeast(0x30) & ~atLeast(0x3A) & high & mask
            UnsafeMutableRawPointer(dst + w).storeBytes(of: (x | (upper >> 2)).littleEndian, as: UInt64.self)
            letters.add(upper: upper, lower: lower, digit: digit)
            r += take
            w += take
            guard nonASCII != 0 else { continue }
            let d = r + 1 < length ? src[r + 1] : 0
            let folded = src[r] == 0xC3 && kind != .emoji ? SimpleText.latin1Fold(d) : 0
            guard folded != 0 else {
                emitOther(UnsafeBufferPointer(start: src, count: length), start, end, kind, flags, into: &sink)
                return
            }
            dst[w] = folded
            letters.addLatin1(isUpper: SimpleText.latin1IsUpper(d))
            r += 2
            w += 1
        }
        var flags = flags
        letters.insertFlags(into: &flags)
        sink.keys.count = keyStart + w
        if kind == .word, w >= 3, Tokenizer.hasTripledLetter(dst, w), shortenKey(at: keyStart, count: w, in: &sink) {
            flags.insert(.elongated)
        }
        sink.appendHashingKey(Token(start: Int32(start), end: Int32(end), keyStart: Int32(keyStart),
                                    keyEnd: Int32(sink.keys.count), kind: kind, flags: flags))
    }

    /// Shortens the `count`-byte key just written at `keyStart` when a letter
    /// repeats three or more times in it (`siiii` → `si`); returns whether it did.
    @inline(__always)
    private func shortenKey(at keyStart: Int, count: Int, in sink: inout Sink) -> Bool {
        var key = scratch
        scratch = []
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: UnsafeBufferPointer(start: sink.keys.base + keyStart, count: count))
        let shortened = shortenElongation(&key, from: 0)
        if shortened {
            sink.keys.count = keyStart
            sink.keys.append(contentsOf: key)
        }
        scratch = key
        return shortened
    }

    /// Whether the ASCII key `key[0..<count]` has three identical lowercase
    /// letters in a row (a possible elongation); reads 8 bytes at a time, up
    /// to 7 bytes past `count`.
    @inline(__always)
    static func hasTripledLetter(_ key: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        // High bit of each zero byte of `v`, exactly (no false positives).
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { ~(((v & ~high) &+ ~high) | v | ~high) }
        var pos = 0
        // Each word checks the runs starting at its bytes 0...5; the next word starts 6 bytes on.
        while pos + 2 < count {
            let remaining = count - pos
            let mask: UInt64 = remaining >= 8 ? ~0 : ~0 &>> UInt64(64 &- 8 &* remaining)
            let x = UnsafeRawPointer(key + pos).loadUnaligned(as: UInt64.self).littleEndian & mask
            let lower = (x &+ (0x80 &- 0x61) &* ones) & ~(x &+ (0x80 &- 0x7B) &* ones) & high & mask
            // Bytes past `count` are zero and never equal a letter.
            if zeroBytes(x ^ (x >> 8)) & zeroBytes(x ^ (x >> 16)) & lower != 0 { return true }
            pos += 6
        }
        return false
    }

    /// `emit` one byte at a time: the reference for `emitWords`, and the
    /// path at the end of the text.
    private func emitBytewise(_ src: UnsafePointer<UInt8>, _ length: Int, _ start: Int, _ end: Int, _ kind: TokenKind,
                              _ flags: TokenFlags, into sink: inout Sink) {
        var flags = flags
        let keyStart = sink.keys.count
        let dst = sink.keys.base + keyStart
        let classes = self.classes
        var seen: UInt16 = 0  // class bits of all letters and digits
        var firstAlnum: UInt16 = 0  // class bits of the first letter or digit
        var firstLetter: UInt16 = 0  // class bits of the first letter
        var latin = false
        // Three identical lowercase letters in a row in the key: a possible elongation.
        var tripled = false
        var last1: UInt8 = 0, last2: UInt8 = 0
        var k = 0, w = 0
        while k < length {
            let b = src[k]
            var c: UInt16
            var folded: UInt8
            if b < 0x80 {
                c = classes[Int(b)] & ByteClass.alnumBits
                folded = b | UInt8(truncatingIfNeeded: (c & ByteClass.upperBit) << 5)
                k += 1
            } else {
                guard b == 0xC3, k + 1 < length, kind != .emoji else { break }
                let d = src[k + 1]
                folded = SimpleText.latin1Fold(d)
                guard folded != 0 else { break }
                c = SimpleText.latin1IsUpper(d) ? ByteClass.upperBit : ByteClass.lowerBit
                latin = true
                k += 2
            }
            dst[w] = folded
            w += 1
            if firstAlnum == 0 { firstAlnum = c }
            if firstLetter == 0 { firstLetter = c & ByteClass.letterBits }
            seen |= c
            if folded == last1 && folded == last2 && ByteClass.isLower(folded) { tripled = true }
            last2 = last1
            last1 = folded
        }
        guard k == length else {
            emitOther(UnsafeBufferPointer(start: src, count: length), start, end, kind, flags, into: &sink)
            return
        }
        if latin {
            if firstLetter & ByteClass.upperBit != 0 { flags.insert(.capitalized) }
        } else {
            flags.insert(.ascii)
            // Case lies in the first letter or digit after any sigil (@, #, $).
            if firstAlnum & ByteClass.upperBit != 0 { flags.insert(.capitalized) }
        }
        if seen & ByteClass.upperBit != 0 && seen & ByteClass.lowerBit == 0 { flags.insert(.allCaps) }
        if seen & ByteClass.letterBits != 0 || (latin && kind == .word) { flags.insert(.hasLetter) }
        if seen & ByteClass.digitBit != 0 { flags.insert(.hasDigit) }
        sink.keys.count = keyStart + w
        if kind == .word, tripled, w >= 3, shortenKey(at: keyStart, count: w, in: &sink) {
            flags.insert(.elongated)
        }
        sink.appendHashingKey(Token(start: Int32(start), end: Int32(end), keyStart: Int32(keyStart),
                                    keyEnd: Int32(sink.keys.count), kind: kind, flags: flags))
    }

    /// `emit` for tokens with characters other than ASCII and Latin-1
    /// letters that fold to ASCII: case from Unicode properties, key folded by ICU.
    @inline(never)
    private func emitOther(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ kind: TokenKind,
                           _ flags: TokenFlags, into sink: inout Sink) {
        // A short token (“ ” ¿ « —, an emoji): its key and flags depend only on
        // its bytes and kind, so they are computed once.
        var memoSlot = -1
        var bytes0: UInt64 = 0, bytes1: UInt64 = 0
        if bytes.count <= 16, bytes.count > 0, memoizesShortTokens {
            let base = bytes.baseAddress!
            bytes0 = KeyHash.loadPartial(base, min(bytes.count, 8))
            bytes1 = bytes.count > 8 ? KeyHash.loadPartial(base + 8, bytes.count &- 8) : 0
            let slotHash = KeyHash.hash(bytes0, bytes1 ^ UInt64(kind.rawValue), count: bytes.count)
            memoSlot = Int(truncatingIfNeeded: slotHash &>> 40) & (Tokenizer.shortTokenMemoSlots &- 1)
            let known = shortTokenMemo[memoSlot]
            if Int(known.count) == bytes.count, known.kind == kind.rawValue, known.bytes0 == bytes0, known.bytes1 == bytes1 {
                sink.keys.reserve(16)
                let keyStart = sink.keys.count
                let dst = UnsafeMutableRawPointer(sink.keys.base + keyStart)
                dst.storeBytes(of: known.key0.littleEndian, as: UInt64.self)
                dst.storeBytes(of: known.key1.littleEndian, toByteOffset: 8, as: UInt64.self)
                sink.keys.count = keyStart &+ Int(known.keyCount)
                sink.append(Token(start: Int32(start), end: Int32(end), keyStart: Int32(keyStart),
                                  keyEnd: Int32(sink.keys.count), kind: kind, flags: flags.union(known.flags)),
                            hash: known.hash)
                return
            }
        }
        emitOtherKeying(bytes, start, end, kind, flags, memoSlot: memoSlot, bytes0: bytes0, bytes1: bytes1, into: &sink)
    }

    /// `emitOther` for a token not found in `shortTokenMemo`: keyed and
    /// flagged from Unicode properties, and remembered in `memoSlot` (when
    /// not -1). A function of its own: the property look-ups' type metadata
    /// and stack space would otherwise be set up on every call of
    /// `emitOther`, also when the memo answers (most calls).
    @inline(never)
    private func emitOtherKeying(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ kind: TokenKind,
                                 _ flags: TokenFlags, memoSlot: Int, bytes0: UInt64, bytes1: UInt64, into sink: inout Sink) {
        var flags = flags
        var key = scratch
        scratch = []
        key.removeAll(keepingCapacity: true)
        var upper = 0, lower = 0, digits = 0
        var sawFirstLetter = false
        var i = 0
        while i < bytes.count {
            let (value, length) = UTF8Repair.decode(bytes, i)
            i += length
            guard let s = Unicode.Scalar(value) else { continue }
            let props = s.properties
            if props.numericType != nil { digits += 1; continue }
            guard props.isAlphabetic else { continue }
            let isUpper = props.isUppercase || props.generalCategory == .titlecaseLetter
            if isUpper { upper += 1 } else if props.isLowercase { lower += 1 }
            if !sawFirstLetter {
                sawFirstLetter = true
                if isUpper { flags.insert(.capitalized) }
            }
        }
        if upper > 0 && lower == 0 { flags.insert(.allCaps) }
        if kind == .emoji {
            key.append(contentsOf: bytes)
        } else {
            Tokenizer.appendKey(bytes, to: &key)
        }
        if upper + lower > 0 || kind == .word { flags.insert(.hasLetter) }
        if digits > 0 { flags.insert(.hasDigit) }
        if kind == .word, key.count >= 3, shortenElongation(&key, from: 0) {
            flags.insert(.elongated)
        }
        let keyStart = sink.keys.count
        sink.keys.append(contentsOf: key)
        let hash = key.withUnsafeBufferPointer { KeyHash.hash($0) }
        sink.append(Token(start: Int32(start), end: Int32(end), keyStart: Int32(keyStart),
                          keyEnd: Int32(sink.keys.count), kind: kind, flags: flags), hash: hash)
        if memoSlot >= 0, key.count <= 16 {
            var entry = ShortTokenEntry(bytes0: bytes0, bytes1: bytes1, count: UInt8(bytes.count), kind: kind.rawValue,
                                        keyCount: UInt8(key.count), flags: flags.subtracting(.spaceBefore), hash: hash)
            key.withUnsafeBufferPointer { k in
                guard let keyBase = k.baseAddress else { return }
                entry.key0 = KeyHash.loadPartial(keyBase, min(k.count, 8))
                entry.key1 = k.count > 8 ? KeyHash.loadPartial(keyBase + 8, k.count &- 8) : 0
            }
            shortTokenMemo[memoSlot] = entry
        }
        scratch = key
    }

    /// Shortens runs of three or more identical ASCII letters in the key
    /// that starts at `from` to one letter; returns whether it changed.
    private func shortenElongation(_ keys: inout [UInt8], from: Int) -> Bool {
        var run = 1
        var found = false
        var i = from + 1
        while i < keys.count {
            if keys[i] == keys[i - 1], ByteClass.isLower(keys[i]) {
                run += 1
                if run >= 3 { found = true; break }
            } else {
                run = 1
            }
            i += 1
        }
        guard found else { return false }
        let key = Array(keys[from...])
        if key.withUnsafeBufferPointer({ resources.elongationExceptions.lookup($0) }) != nil { return false }
        keys.removeSubrange(from...)
        var k = 0
        while k < key.count {
            let c = key[k]
            var e = k + 1
            while e < key.count, key[e] == c { e += 1 }
            if e - k >= 3, ByteClass.isLower(c) { keys.append(c) } else { keys.append(contentsOf: key[k..<e]) }
            k = e
        }
        return true
    }

    @inline(__always)
    static func spaceBefore(_ p: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        let prev = p[start - 1]
        if prev < 0x80 { return ByteClass.isSpace(prev) }
        return nonASCIISpaceBefore(p, start)
    }

    @inline(never)
    static func nonASCIISpaceBefore(_ p: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        // A Latin letter (U+00C0–U+017F, not × ÷) is not white space.
        if start >= 2, SimpleText.letterLength(p, start - 2, start) == 2 { return false }
        return SimpleText.isWhitespace(UTF8Repair.decodeBefore(p, start).0)
    }

    /// Appends the match key of valid UTF-8 `bytes`: ASCII lowercased,
    /// anything else folded by ICU.
    @inline(__always)
    public static func appendKey(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            let start = out.count
            out.append(contentsOf: bytes)
            out.withUnsafeMutableBufferPointer { keys in
                for k in start..<keys.count where ByteClass.isUpper(keys[k]) { keys[k] |= 0x20 }
            }
        } else {
            ICUFold.appendKey(bytes, to: &out)
        }
    }

    /// The match key of a string, as the tokenizer computes it.
    public static func key(_ s: String) -> [UInt8] {
        var s = s
        var out: [UInt8] = []
        s.withUTF8 { appendKey($0, to: &out) }
        return out
    }
}

/// The non-ASCII characters the fast path knows without ICU.
enum SimpleText {
    /// Length (2) of a Latin letter U+00C0–U+017F at `i` (not × ÷), else 0.
    @inline(__always)
    static func letterLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let c = p[i]
        guard c >= 0xC3, c <= 0xC5, i + 1 < end else { return 0 }
        let d = p[i + 1]
        guard d & 0xC0 == 0x80 else { return 0 }
        if c == 0xC3 && (d == 0x97 || d == 0xB7) { return 0 }
        return 2
    }

    /// Whether a letter (ASCII or Latin) ends just before `j` (not before `start`).
    @inline(__always)
    static func letterEnds(_ p: UnsafeBufferPointer<UInt8>, _ j: Int, start: Int) -> Bool {
        guard j > start else { return false }
        if ByteClass.isAlpha(p[j - 1]) { return true }
        return j - 2 >= start && letterLength(p, j - 2, j) == 2
    }

    /// Length of a punctuation character the fast path takes as one piece
    /// (¡ ¿ « » ‘ ’ “ ” – — …), the negated length of a no-break space, or 0.
    @inline(__always)
    static func otherLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let c = p[i]
        if c == 0xC2, i + 1 < end {
            switch p[i + 1] {
            case 0xA1, 0xBF, 0xAB, 0xBB: return 2
            case 0xA0: return -2
            default: return 0
            }
        }
        if c == 0xE2, i + 2 < end, p[i + 1] == 0x80 {
            switch p[i + 2] {
            case 0x93, 0x94, 0x98, 0x99, 0x9C, 0x9D, 0xA6: return 3
            default: return 0
            }
        }
        return 0
    }

    /// Appends the match key of `bytes` when they are ASCII and Latin-1
    /// letters that fold to ASCII; returns false (appending nothing) otherwise.
    @inline(__always)
    static func appendLatinKey(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        var i = 0
        let start = out.count
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                out.append(ByteClass.isUpper(b) ? b | 0x20 : b)
                i += 1
                continue
            }
            guard b == 0xC3, i + 1 < bytes.count else { out.removeSubrange(start...); return false }
            let base = latin1Fold(bytes[i + 1])
            guard base != 0 else { out.removeSubrange(start...); return false }
            out.append(base)
            i += 2
        }
        return true
    }

    /// See `appendLatinKey`; `d` is the second byte of `C3 d` (U+00C0 + d - 0x80).
    @inline(__always)
    static func latin1Fold(_ d: UInt8) -> UInt8 {
        switch d & 0xDF {  // upper and lower case share a row, 0x20 apart
        case 0x80...0x85: return UInt8(ascii: "a")
        case 0x87: return UInt8(ascii: "c")
        case 0x88...0x8B: return UInt8(ascii: "e")
        case 0x8C...0x8F: return UInt8(ascii: "i")
        case 0x91: return UInt8(ascii: "n")
        case 0x92...0x96: return d == 0x97 || d == 0xB7 ? 0 : UInt8(ascii: "o")
        case 0x99...0x9C: return UInt8(ascii: "u")
        case 0x9D: return UInt8(ascii: "y")
        case 0x9F: return d == 0xBF ? UInt8(ascii: "y") : 0  // ÿ folds to y; ß does not
        default: return 0
        }
    }

    /// Whether the scalar `value` has the Unicode White_Space property, as
    /// `Unicode.Scalar.Properties.isWhitespace` says (a test compares them on
    /// every scalar), without the property look-up: the set is small and fixed.
    @inline(__always)
    static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Whether `C3 d` is an uppercase letter (À–Þ except ×).
    @inline(__always)
    static func latin1IsUpper(_ d: UInt8) -> Bool { d >= 0x80 && d <= 0x9E && d != 0x97 }
}

/// ASCII byte classes for the hot loops: plain comparisons. `bits` gives
/// them as a bit set, from which the tokenizer fills its own 256-entry table
/// once (a global table costs a lazy-initialization check on every access).
enum ByteClass {
    static let upperBit: UInt16 = 1 << 0
    static let lowerBit: UInt16 = 1 << 1
    static let digitBit: UInt16 = 1 << 2
    static let letterBits: UInt16 = 0b011
    static let alnumBits: UInt16 = 0b111
    /// `mayStartSpecial`
    static let startsSpecialBit: UInt16 = 1 << 3
    /// `mayContinueAddress`
    static let continuesAddressBit: UInt16 = 1 << 4
    /// `blocksSigil`
    static let blocksSigilBit: UInt16 = 1 << 5
    /// `blocksSpecial`
    static let blocksSpecialBit: UInt16 = 1 << 6
    /// `isSpace`
    static let spaceBit: UInt16 = 1 << 7
    /// `isWord`
    static let wordBit: UInt16 = 1 << 8
    /// `isPunct`
    static let punctBit: UInt16 = 1 << 9

    /// The end of the run of ASCII letters and digits (and `_` with
    /// `underscore`) from `start` (at most `limit`), eight bytes at a time,
    /// and the class bits (`upperBit`, `lowerBit`, `digitBit`) seen in it.
    /// It stops at the last eight bytes before `limit`; callers finish byte by byte.
    @inline(__always)
    static func run(_ p: UnsafeBufferPointer<UInt8>, from start: Int, to limit: Int,
                    underscore: Bool) -> (end: Int, seen: UInt16) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        var i = start
        var seen: UInt16 = 0
        while i + 8 <= limit {
            let x = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self).littleEndian
            let nonASCII = x & high
            let low = x & ~high
            // With the high bits clear, adding 0x80 - c sets a byte's high bit
            // exactly when the byte is at least c, without carries between bytes.
            @inline(__always) func atLeast(_ c: UInt64) -> UInt64 { low &+ (0x80 &- c) &* ones }
            let upper = atLeast(0x41) & ~atLeast(0x5B) & ~nonASCII & high
            let lower = atLeast(0x61) & ~atLeast(0x7B) & ~nonASCII & high
            let digit = atLeast(0x30) & ~atLeast(0x3A) & ~nonASCII & high
            var member = upper | lower | digit
            if underscore { member |= atLeast(0x5F) & ~atLeast(0x60) & ~nonASCII & high }
            let outside = ~member & high
            // Class bits of the bytes before the first one outside the run.
            let before = outside == 0 ? ~UInt64(0) : (outside & (0 &- outside)) &- 1
            if upper & before != 0 { seen |= upperBit }
            if lower & before != 0 { seen |= lowerBit }
            if digit & before != 0 { seen |= digitBit }
            if outside != 0 { return (i + outside.trailingZeroBitCount / 8, seen) }
            i += 8
        }
        return (i, seen)
    }

    /// The first position from `start` of a sigil (`@ # $`) or a byte that
    /// may continue an address (`mayContinueAddress`: `. @ : - _ % +`), and
    /// with `orSpace` also of ASCII white space (`isSpace`), or `p.count`;
    /// sixteen bytes at a time (`entex_next_sigil_or_address_byte`). Callers
    /// pass `orSpace` as a constant, which inlining folds away.
    @inline(__always)
    static func nextSigilOrAddressByte(_ p: UnsafeBufferPointer<UInt8>, from start: Int, orSpace: Bool = false) -> Int {
        guard let base = p.baseAddress else { return 0 }
        return entex_next_sigil_or_address_byte(base, p.count, start, orSpace ? 1 : 0)
    }

    /// `bits` of every byte value, made once.
    static let table: UnsafePointer<UInt16> = {
        let t = UnsafeMutablePointer<UInt16>.allocate(capacity: 256)
        for b in 0..<256 { t[b] = bits(UInt8(b)) }
        return UnsafePointer(t)
    }()

    /// The class bits of an ASCII byte; 0 for bytes from 0x80.
    static func bits(_ b: UInt8) -> UInt16 {
        guard b < 0x80 else { return 0 }
        var c: UInt16 = 0
        if isUpper(b) { c |= upperBit }
        if isLower(b) { c |= lowerBit }
        if isDigit(b) { c |= digitBit }
        if mayStartSpecial(b) { c |= startsSpecialBit }
        if mayContinueAddress(b) { c |= continuesAddressBit }
        if blocksSigil(b) { c |= blocksSigilBit }
        if blocksSpecial(b) { c |= blocksSpecialBit }
        if isSpace(b) { c |= spaceBit }
        if isWord(b) { c |= wordBit }
        if isPunct(b) { c |= punctBit }
        return c
    }

    @inline(__always) static func isLower(_ b: UInt8) -> Bool { b &- 0x61 < 26 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
    @inline(__always) static func isWord(_ b: UInt8) -> Bool { isAlnum(b) || b == 0x5F }
    @inline(__always) static func isEmailLocal(_ b: UInt8) -> Bool {
        isWord(b) || b == 0x2E || b == 0x25 || b == 0x2B || b == 0x2D  // . % + -
    }
    /// ASCII white space: space, tab, LF, VT, FF, CR.
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b &- 0x09 < 5) }
    @inline(__always) static func mayStartSpecial(_ b: UInt8) -> Bool {
        isAlnum(b) || b == 0x40 || b == 0x23 || b == 0x24  // @ # $
    }
    /// ASCII punctuation in the Unicode sense (general category P*).
    @inline(__always) static func isPunct(_ b: UInt8) -> Bool {
        switch b {
        case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D: true
        default: false
        }
    }
    /// Characters that may follow the first alphanumeric run of a URL or an
    /// e-mail address (`www.`, `http:`, `a.b@`, `user_name@`, `my-site.com`).
    @inline(__always) static func mayContinueAddress(_ b: UInt8) -> Bool {
        b == 0x2E || b == 0x40 || b == 0x3A || b == 0x2D || b == 0x5F || b == 0x25 || b == 0x2B
    }
    /// Characters after which no handle, hashtag or cashtag starts (".@NASA" is a handle).
    @inline(__always) static func blocksSigil(_ b: UInt8) -> Bool {
        isWord(b) || b == UInt8(ascii: "&") || b == UInt8(ascii: "@") || b == UInt8(ascii: "#") || b == UInt8(ascii: "$")
    }
    /// Characters after which no URL or e-mail starts.
    @inline(__always) static func blocksSpecial(_ b: UInt8) -> Bool {
        isEmailLocal(b) || b == UInt8(ascii: "@") || b == UInt8(ascii: "&") || b == UInt8(ascii: "/")
            || b == UInt8(ascii: ":") || b == UInt8(ascii: "#") || b == UInt8(ascii: "$")
    }
}

/// The case of a word's letters and digits, gathered while its key is
/// written 8 bytes at a time (the fast `emit` paths): which bytes were
/// uppercase, lowercase or digits, and the case of the first letter or digit.
struct WordCase {
    private var upper: UInt64 = 0, lower: UInt64 = 0, digit: UInt64 = 0
    /// Whether the first letter or digit, and the first letter, are uppercase: 0 not seen yet, 1 yes, 2 no.
    private var firstAlnum: UInt8 = 0, firstLetter: UInt8 = 0
    /// A Latin-1 letter (2 bytes in UTF-8) was seen.
    private var latin = false

    /// Adds one step: the high bit of each uppercase, lowercase and digit byte.
    @inline(__always)
    mutating func add(upper: UInt64, lower: UInt64, digit: UInt64) {
        if firstAlnum == 0 {
            let alnum = upper | lower | digit
            if alnum != 0 { firstAlnum = alnum & (0 &- alnum) & upper != 0 ? 1 : 2 }
        }
        if firstLetter == 0 {
            let letters = upper | lower
            if letters != 0 { firstLetter = letters & (0 &- letters) & upper != 0 ? 1 : 2 }
        }
        self.upper |= upper
        self.lower |= lower
        self.digit |= digit
    }

    /// Adds one Latin-1 letter.
    @inline(__always)
    mutating func addLatin1(isUpper: Bool) {
        let first: UInt8 = isUpper ? 1 : 2
        if isUpper { upper |= 1 } else { lower |= 1 }
        if firstAlnum == 0 { firstAlnum = first }
        if firstLetter == 0 { firstLetter = first }
        latin = true
    }

    var hasLetter: Bool { upper | lower != 0 }

    /// Sets `ascii`, `capitalized`, `allCaps`, `hasLetter` and `hasDigit`.
    @inline(__always)
    func insertFlags(into flags: inout TokenFlags) {
        if latin {
            if firstLetter == 1 { flags.insert(.capitalized) }
        } else {
            flags.insert(.ascii)
            // Case lies in the first letter or digit after any sigil (@, #, $).
            if firstAlnum == 1 { flags.insert(.capitalized) }
        }
        if upper != 0 && lower == 0 { flags.insert(.allCaps) }
        if upper | lower != 0 { flags.insert(.hasLetter) }
        if digit != 0 { flags.insert(.hasDigit) }
    }
}
