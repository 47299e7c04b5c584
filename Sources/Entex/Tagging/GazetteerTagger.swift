/// The `gazetteer` stage: proposes a candidate for every lexicon name or
/// alias found in the document (see `Gazetteer.match(_:into:)`), with
/// `source` `.gazetteer` (or `.user` for `--lexicon` files), the entry's
/// canonical name and kb id, and the lexicon file name as `rule`.
/// Candidates are appended to `Document.candidates`; nothing is removed.
public final class GazetteerTagger: Stage {
    public let name = "gazetteer"
    public let requires: Layers = [.tokens, .sentences, .language]
    public let produces: Layers = [.candidates]

    public let gazetteer: Gazetteer
    private var scratch = GazetteerScratch()

    public init(gazetteer: Gazetteer) {
        self.gazetteer = gazetteer
    }

    public func process(_ doc: inout Document) {
        var found: [Entity] = []
        swap(&found, &doc.candidates)
        gazetteer.match(doc, into: &found, scratch: &scratch)
        swap(&found, &doc.candidates)
        doc.layers.insert(.candidates)
    }
}
