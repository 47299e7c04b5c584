/// The `gazetteer` stage: proposes a candidate for every lexicon name or
/// alias found in the document (see `Gazetteer.match(_:into:)`), with
/// `source` `.gazetteer` (or `.user` for `--lexicon` files), the entry's
/// canonical name and kb id, and the lexicon file name as `rule`.
/// Candidates are appended to `Document.candidates`; nothing is removed.
/// Bundled entries need a capitalized token in the match (user entries do
/// not), and never match a lone function word at a sentence start.
public final class GazetteerTagger: Stage {
    public let name = "gazetteer"
    public let requires: Layers = [.tokens, .sentences, .language]
    public let produces: Layers = [.candidates]

    public let gazetteer: Gazetteer
    private var scratch = GazetteerScratch()

    /// - Parameter functionWords: keys of function words; alone at a sentence
    ///   start they never match a bundled name.
    public init(gazetteer: Gazetteer, functionWords: ByteStringTable = ByteStringTable()) {
        self.gazetteer = gazetteer
        scratch.functionWords = functionWords
    }

    /// A tagger whose key memo has `1 << memoBits` entries (8, two sets, to 32 Ki): tests use a tiny one, so
    /// that keys evict one another and every memo miss path runs often.
    init(gazetteer: Gazetteer, functionWords: ByteStringTable, memoBits: Int) {
        self.gazetteer = gazetteer
        scratch.functionWords = functionWords
        scratch.memoBits = min(max(memoBits, 3), 15)
    }

    public func process(_ doc: inout Document) {
        var found: [Entity] = []
        swap(&found, &doc.candidates)
        swap(&scratch.annotations, &doc.annotationBytes)
        gazetteer.match(doc, into: &found, scratch: &scratch)
        swap(&found, &doc.candidates)
        swap(&scratch.annotations, &doc.annotationBytes)
        doc.layers.insert(.candidates)
    }
}
