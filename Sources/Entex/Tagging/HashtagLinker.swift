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
    /// Answers for recent (language, segmented hashtag) pairs: tweets repeat their hashtags.
    private var recent: [String: (canonical: String, kb: String?)?] = [:]
    private static let recentLimit = 4096

    public init(gazetteer: Gazetteer) {
        self.gazetteer = gazetteer
    }

    public func process(_ doc: inout Document) {
        for i in doc.entities.indices where doc.entities[i].type == .hashtag && doc.entities[i].canonical == nil {
            guard case .string(let segmented)? = doc.entities[i].value else { continue }
            let memoKey = (doc.language ?? "") + "\u{0}" + segmented
            let link: (canonical: String, kb: String?)?
            if let known = recent[memoKey] {
                link = known
            } else {
                let words = segmented.utf8.split(separator: 0x20).map(Array.init)
                link = gazetteer.entry(namedBy: words, language: doc.language).map { gazetteer.describe($0) }
                if recent.count >= HashtagLinker.recentLimit { recent.removeAll(keepingCapacity: true) }
                recent[memoKey] = .some(link)
            }
            guard let link else { continue }
            doc.entities[i].canonical = link.canonical
            doc.entities[i].kb = link.kb
        }
    }
}
