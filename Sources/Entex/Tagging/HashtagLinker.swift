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
    /// the output.
    private var cache: [CacheSlot]
    private static let cacheSize = 4096
    /// Whether answers are cached (tests turn it off to compare).
    var usesCache = true
    /// The words of the hashtag being looked up, and arrays kept for words
    /// of later ones: a lookup that misses the cache allocates nothing here.
    private var words: [[UInt8]] = []
    private var spareWords: [[UInt8]] = []

    private struct CacheSlot {
        var filled = false
        /// `HashtagLinker.hash` of the pair.
        var hash: UInt64 = 0
        /// The language's bytes, a zero byte, the words' bytes (no language: the
        /// empty one, as before).
        var key: [UInt8] = []
        var link: (canonical: String, kb: String?)?

        /// Whether `key` is `language`, a zero byte, `tag`.
        func holds(language: UnsafeBufferPointer<UInt8>, tag: UnsafeBufferPointer<UInt8>) -> Bool {
            guard key.count == language.count + 1 + tag.count else { return false }
            return key.withUnsafeBufferPointer { key in
                let k = key.baseAddress!
                return (language.isEmpty || memcmpEqual(k, language.baseAddress!, language.count)) && k[language.count] == 0
                    && (tag.isEmpty || memcmpEqual(k + language.count + 1, tag.baseAddress!, tag.count))
            }
        }
    }

    /// The hash of a (language, words) pair: of the two byte strings, combined.
    @inline(__always)
    static func hash(language: UnsafeBufferPointer<UInt8>, tag: UnsafeBufferPointer<UInt8>) -> UInt64 {
        KeyHash.hash(tag) ^ (KeyHash.hash(language) &* 0x9E37_79B9_7F4A_7C15)
    }

    public init(gazetteer: Gazetteer) {
        self.gazetteer = gazetteer
        cache = Array(repeating: CacheSlot(), count: HashtagLinker.cacheSize)
    }

    public func process(_ doc: inout Document) {
        let language = doc.language
        for i in doc.entities.indices where doc.entities[i].type == .hashtag && doc.entities[i].canonical == nil {
            guard case .string(let segmented)? = doc.entities[i].value, let link = link(segmented, language: language) else { continue }
            doc.entities[i].canonical = link.canonical
            doc.entities[i].kb = link.kb
        }
    }

    /// The entry the words of `segmented` (separated by spaces) name in `language`, described.
    func link(_ segmented: String, language: String?) -> (canonical: String, kb: String?)? {
        guard usesCache else { return lookUp(segmented, language: language) }
        var tag = segmented
        var code = language ?? ""
        return tag.withUTF8 { tag in
            code.withUTF8 { code in
                let hash = HashtagLinker.hash(language: code, tag: tag)
                let slot = Int(truncatingIfNeeded: hash >> 32) & (HashtagLinker.cacheSize - 1)
                if cache[slot].filled, cache[slot].hash == hash, cache[slot].holds(language: code, tag: tag) {
                    return cache[slot].link
                }
                let link = lookUp(segmented, language: language)
                cache[slot].filled = true
                cache[slot].hash = hash
                cache[slot].key.removeAll(keepingCapacity: true)
                cache[slot].key.append(contentsOf: code)
                cache[slot].key.append(0)
                cache[slot].key.append(contentsOf: tag)
                cache[slot].link = link
                return link
            }
        }
    }

    private func lookUp(_ segmented: String, language: String?) -> (canonical: String, kb: String?)? {
        // The words, as `split(separator: " ")` gives them, into kept arrays.
        var count = 0
        var text = segmented
        text.withUTF8 { p in
            var i = 0
            while i < p.count {
                while i < p.count, p[i] == 0x20 { i += 1 }
                guard i < p.count else { break }
                let start = i
                while i < p.count, p[i] != 0x20 { i += 1 }
                if count == words.count { words.append(spareWords.popLast() ?? []) }
                words[count].removeAll(keepingCapacity: true)
                words[count].append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
                count += 1
            }
        }
        while words.count > count { spareWords.append(words.removeLast()) }
        return gazetteer.entry(namedBy: words, language: language).map { gazetteer.describe($0) }
    }
}
