/// The `link` stage: ties each hashtag to the lexicon entry its words name.
///
/// The regex stage segments a hashtag into words (its `value`:
/// `#NicolasMaduro` → `Nicolas Maduro`, `#EEUU` → `EEUU`). When those words
/// are exactly a name or alias of a gazetteer entry that passes the entry's
/// language and flags (`Gazetteer.entry(namedBy:language:)`: acronyms only
/// as written, `cap` names capitalized, bundled names with a capital
/// somewhere unless `lc`, so `#reading` and `#us` stay unlinked), the HASHTAG entity
/// keeps its type and span and takes the entry's `canonical` name and `kb`
/// id. Runs on resolved entities; adds nothing and removes nothing.
public final class HashtagLinker: Stage {
    public let name = "link"
    public let requires: Layers = [.entities, .language]
    public let produces: Layers = []

    public let gazetteer: Gazetteer

    /// Answers for recent (language, segmented hashtag) pairs, since tweets
    /// repeat their hashtags: a direct-mapped cache indexed by a hash of the
    /// pair's bytes, so that an answer costs two hashes and one comparison of
    /// bytes, and neither a `String` nor a dictionary entry is made. The
    /// answer is a function of the pair alone, so the cache never changes
    /// the output. Only tags the first-word test lets through are cached (a
    /// few thousand distinct ones in 34 000 English tweets), so 4 096 slots
    /// (192 KB, made at the first hashtag) hold them; 32 768 slots were 1.5 MB
    /// to fault in and fill. Their keys live in one byte arena, so filling a
    /// slot is one copy.
    private var cache: [CacheSlot]
    private let cacheMask: Int
    /// The keys of the slots: each is the language's bytes, a zero byte, the
    /// words' bytes (no language: the empty one). Emptied, with every slot,
    /// when a key would not fit in `arenaLimit` bytes.
    private var arena = GrowableBuffer<UInt8>(capacity: 4096)
    private let arenaLimit: Int
    /// Whether answers are cached (tests turn it off to compare).
    var usesCache = true
    /// Whether a lookup first asks whether the first word of the tag can start a
    /// name (`firstWordStartsNoName`), which most hashtags' first words cannot, before
    /// the gazetteer's walk (tests turn it off to compare).
    var usesFirstWordTest = true
    /// Whether a value that is a quoted ASCII string without escapes is read as the
    /// bytes between its quotes (`plainValue`) rather than decoded into a `String`
    /// first (tests turn it off to compare).
    var usesPlainValues = true
    /// Whether `firstWordStartsNoName` lowers the word eight bytes at a time
    /// (tests turn it off to compare with the byte loop).
    var usesWordLowering = true
    /// The match key of a word being looked up, kept for later ones: a
    /// lookup that misses the cache allocates nothing here.
    private var key: [UInt8] = []
    /// The first word's key made by `firstWordStartsNoName`.
    private var wordKey = GrowableBuffer<UInt8>(capacity: 64)
    /// The key `firstWordStartsNoName` looked up last (for the tests).
    var lastWordKeyForTesting: [UInt8] { Array(UnsafeBufferPointer(start: wordKey.base, count: wordKey.count)) }

    private struct CacheSlot {
        /// `HashtagLinker.hash` of the pair.
        var hash: UInt64 = 0
        /// Where the key starts in `arena`, and its length (`UInt32.max`: the slot is empty).
        var keyStart: UInt32 = 0
        var keyLength = UInt32.max
        var link: (canonical: String, kb: String?)?
    }

    /// The hash of a (language, words) pair, given the language's `KeyHash`
    /// (made once per document): the two byte strings' hashes, combined.
    @inline(__always)
    static func hash(languageHash: UInt64, tag: UnsafeBufferPointer<UInt8>) -> UInt64 {
        KeyHash.hash(tag) ^ (languageHash &* 0x9E37_79B9_7F4A_7C15)
    }

    /// `cacheSize` slots (a power of two) whose keys share `arenaBytes`
    /// bytes; tests pass small ones so that slots and the arena are reused often.
    /// The slots are made at the first hashtag (news without one never pay for them).
    public init(gazetteer: Gazetteer, cacheSize: Int = 1 << 12, arenaBytes: Int = 1 << 20) {
        precondition(cacheSize > 0 && cacheSize & (cacheSize - 1) == 0, "cacheSize must be a power of two")
        self.gazetteer = gazetteer
        cache = []
        cacheMask = cacheSize - 1
        arenaLimit = arenaBytes
    }

    deinit {
        arena.deallocate()
        wordKey.deallocate()
    }

    public func process(_ doc: inout Document) {
        // Most documents have no hashtag to link: one read of the entities, and nothing else.
        guard let first = doc.entities.firstIndex(where: { $0.type == .hashtag && $0.canonical.isNone }) else { return }
        // The code read once: `Document.language` is a computed property, and each read of it
        // in the loop retained and released the string.
        let language = doc.language
        var code = language ?? ""
        // The language's hash, made once for the document.
        var languageHash: UInt64?
        for i in first..<doc.entities.count where doc.entities[i].type == .hashtag && doc.entities[i].canonical.isNone {
            let value = doc.entities[i].value
            var found: (canonical: String, kb: String?)?
            if usesCache {
                let hash = languageHash ?? code.withUTF8 { KeyHash.hash($0) }
                languageHash = hash
                // Most values are quoted ASCII words without escapes: their bytes are
                // the words, looked up where they are (no `String` is made).
                let plain = usesPlainValues && doc.annotationBytes.withUnsafeBufferPointer { names -> Bool in
                    guard let tag = HashtagLinker.plainValue(value, in: names) else { return false }
                    found = link(tag, language: language, code: &code, languageHash: hash)
                    return true
                }
                if !plain {
                    guard let segmented = Document.stringValue(value, in: doc.annotationBytes) else { continue }
                    found = link(segmented, language: language, code: &code, languageHash: hash)
                }
            } else {
                guard let segmented = Document.stringValue(value, in: doc.annotationBytes) else { continue }
                found = lookUp(segmented, language: language)
            }
            guard let found else { continue }
            doc.entities[i].canonical = doc.annotation(found.canonical)
            doc.entities[i].kb = doc.annotation(found.kb)
        }
    }

    /// The entry the words of `segmented` (separated by spaces) name in `language`, described.
    func link(_ segmented: String, language: String?) -> (canonical: String, kb: String?)? {
        guard usesCache else { return lookUp(segmented, language: language) }
        var code = language ?? ""
        let languageHash = code.withUTF8 { KeyHash.hash($0) }
        return link(segmented, language: language, code: &code, languageHash: languageHash)
    }

    /// The bytes between the quotes of the value `ref` names in `names` when it is a
    /// JSON string of ASCII bytes without escapes, which are then the string's own
    /// bytes (`Document.stringValue` would decode it to the same); nil otherwise.
    ///
    /// The bytes are checked eight at a time (`isPlainWord`), the last few
    /// with the eight that end where they end (the bytes before them shifted
    /// out); `plainValueBytewise` is the reference the tests compare it with.
    @inline(__always)
    static func plainValue(_ ref: TextRef, in names: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard !ref.isNone, ref.end - ref.start >= 2, Int(ref.end) <= names.count,
              names[Int(ref.start)] == UInt8(ascii: "\""), let base = names.baseAddress else { return nil }
        let start = Int(ref.start) &+ 1, end = Int(ref.end) &- 1
        var i = start
        while i &+ 8 <= end {
            guard isPlainWord(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) else { return nil }
            i &+= 8
        }
        if i < end {
            if end >= 8 {
                // Little-endian: the bytes before `i` are the low ones.
                let word = UnsafeRawPointer(base + (end &- 8)).loadUnaligned(as: UInt64.self)
                guard isPlainWord(word &>> UInt64(8 &* (i &- (end &- 8)))) else { return nil }
            } else {
                while i < end {
                    if base[i] >= 0x80 || base[i] == UInt8(ascii: "\\") { return nil }
                    i &+= 1
                }
            }
        }
        return UnsafeBufferPointer(start: base + start, count: end &- start)
    }

    /// `plainValue` a byte at a time (the reference of the tests).
    static func plainValueBytewise(_ ref: TextRef, in names: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard !ref.isNone, ref.end - ref.start >= 2, names[Int(ref.start)] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeBufferPointer(rebasing: names[(Int(ref.start) + 1)..<(Int(ref.end) - 1)])
        for b in inner where b >= 0x80 || b == UInt8(ascii: "\\") { return nil }
        return inner
    }

    /// Whether none of the eight bytes of `word` is 0x80 or above or a
    /// backslash (a zero byte of `word ^ 0x5C…`, found exactly when no byte
    /// has its high bit set).
    @inline(__always)
    static func isPlainWord(_ word: UInt64) -> Bool {
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        guard word & high == 0 else { return false }
        let x = word ^ 0x5C5C_5C5C_5C5C_5C5C
        return (x &- ones) & ~x & high == 0
    }

    /// `link(_:language:)` through the cache, given the language's bytes
    /// (`code`: `language` or the empty string) and their `KeyHash`.
    private func link(_ segmented: String, language: String?, code: inout String,
                      languageHash: UInt64) -> (canonical: String, kb: String?)? {
        var tag = segmented
        return tag.withUTF8 { link($0, language: language, code: &code, languageHash: languageHash) }
    }

    /// `link(_:language:code:languageHash:)` of the words' bytes.
    ///
    /// The first-word test comes first: most tags' first words start no name
    /// (about nine in ten on English tweets), and the test costs less than the
    /// cache's hash, comparison and filling of a slot for a tag seen once. Only
    /// tags it lets through are cached.
    private func link(_ tag: UnsafeBufferPointer<UInt8>, language: String?, code: inout String,
                      languageHash: UInt64) -> (canonical: String, kb: String?)? {
        if usesFirstWordTest, firstWordStartsNoName(tag) { return nil }
        if cache.isEmpty { cache = Array(repeating: CacheSlot(), count: cacheMask + 1) }
        return code.withUTF8 { code in
            let hash = HashtagLinker.hash(languageHash: languageHash, tag: tag)
            let slot = Int(truncatingIfNeeded: hash >> 32) & cacheMask
            let keyLength = code.count + 1 + tag.count
            let found: Bool = cache.withUnsafeBufferPointer { cache in
                let entry = cache[slot]
                guard entry.keyLength != UInt32.max, entry.hash == hash, Int(entry.keyLength) == keyLength else { return false }
                let k = UnsafePointer(arena.base) + Int(entry.keyStart)
                return (code.isEmpty || memcmpEqual(k, code.baseAddress!, code.count)) && k[code.count] == 0
                    && (tag.isEmpty || memcmpEqual(k + code.count + 1, tag.baseAddress!, tag.count))
            }
            if found { return cache[slot].link }
            let link = entry(namedBy: tag, language: language)
            if arena.count + keyLength > arenaLimit {
                // Full: start again with every slot empty (their keys are gone).
                arena.count = 0
                cache.withUnsafeMutableBufferPointer { cache in
                    for i in cache.indices { cache[i].keyLength = UInt32.max; cache[i].link = nil }
                }
            }
            if keyLength <= arenaLimit {
                let start = arena.count
                arena.append(contentsOf: code)
                arena.append(0)
                arena.append(contentsOf: tag)
                cache[slot] = CacheSlot(hash: hash, keyStart: UInt32(start), keyLength: UInt32(keyLength), link: link)
            }
            return link
        }
    }

    private func lookUp(_ segmented: String, language: String?) -> (canonical: String, kb: String?)? {
        var text = segmented
        return text.withUTF8 { lookUp($0, language: language) }
    }

    /// The words of `p` (separated by spaces) looked up where they are.
    private func lookUp(_ p: UnsafeBufferPointer<UInt8>, language: String?) -> (canonical: String, kb: String?)? {
        if usesFirstWordTest, firstWordStartsNoName(p) { return nil }
        return entry(namedBy: p, language: language)
    }

    /// The gazetteer's answer for the words of `p`, described (no first-word test).
    private func entry(namedBy p: UnsafeBufferPointer<UInt8>, language: String?) -> (canonical: String, kb: String?)? {
        gazetteer.entry(namedBy: p, language: language, key: &key).map { gazetteer.describe($0) }
    }

    /// True when the first word of `tag` (words separated by spaces) is ASCII and its
    /// match key starts no name of the gazetteer: not a term of its vocabulary (its
    /// `termFilter`, which holds every term's hash, or the vocabulary itself says so),
    /// or a term no walk starts from. `Gazetteer.entry(namedBy:language:key:)` then
    /// answers nil at its first step, made here on the word's bytes lowercased
    /// (`Tokenizer.appendKey` of ASCII) in `wordKey`, in the same pass that finds the
    /// word. False says nothing: a tag without words, a first word with a non-ASCII
    /// byte (whose key ICU folds), or one that starts a name.
    func firstWordStartsNoName(_ tag: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = tag.baseAddress else { return false }
        let n = tag.count
        var i = 0
        while i < n, base[i] == 0x20 { i &+= 1 }
        wordKey.count = 0
        // (Eight bytes more: the word loop stores whole words.)
        wordKey.reserve(n &- i &+ 8)
        let out = wordKey.base
        var length = 0
        // Eight bytes at a time (the last few in one partial load), each up to
        // the first space or the end: a non-ASCII byte before it answers at once,
        // and capitals are lowered by adding 0x20 where a byte is from "A" to "Z"
        // (the high bit of byte + 0x3F says >= "A", of byte + 0x25 says > "Z"; a
        // byte after the space may carry into the next, which is not kept). The
        // byte loop after it only runs when the words are not lowered so.
        let high: UInt64 = 0x8080_8080_8080_8080, ones: UInt64 = 0x0101_0101_0101_0101
        while usesWordLowering, i < n {
            let left = n &- i
            let word = left >= 8 ? UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) : KeyHash.loadPartial(base + i, left)
            let spaces = word ^ 0x2020_2020_2020_2020
            // The lowest set bit of this is exact: the first space.
            let spaceBits = (spaces &- ones) & ~spaces & high
            var take = spaceBits == 0 ? 8 : spaceBits.trailingZeroBitCount &>> 3
            if take > left { take = left }
            let kept: UInt64 = take == 8 ? ~0 : (1 &<< UInt64(8 &* take)) &- 1
            if word & high & kept != 0 { return false }
            let upper = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(word &+ 0x2525_2525_2525_2525) & high
            UnsafeMutableRawPointer(out + length).storeBytes(of: word | (upper &>> 2), as: UInt64.self)
            length &+= take
            i &+= take
            if take < 8 { break }  // a space, or the end
        }
        while !usesWordLowering, i < n {
            let b = base[i]
            if b == 0x20 { break }
            if b >= 0x80 { return false }
            out[length] = ByteClass.isUpper(b) ? b | 0x20 : b
            length &+= 1
            i &+= 1
        }
        guard length > 0 else { return false }
        wordKey.count = length
        let key = UnsafeBufferPointer(start: out, count: length)
        let h = ByteStringTable.hash(key)
        if !gazetteer.termFilter.mayContain(h) { return true }
        let term = gazetteer.vocabulary.lookup(key, hash: h)
        if term < 0 { return true }
        return Int(term) < gazetteer.rootTargets.count && gazetteer.rootTargets[Int(term)] == 0
    }
}
