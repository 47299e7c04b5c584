/// Maps a JSON record (JSON Lines document, Twitter v1.1 or v2 object) to
/// document fields.
enum RecordMapper {
    struct Mapped {
        var id: String?
        /// The document text as UTF-8 bytes (valid: they come from a Swift
        /// string or from the clean-text decoder).
        var text: [UInt8]
        var language: String?
        var date: String?
        var meta: [(key: String, value: JSONValue)]
    }

    struct Failure: Error {
        var id: String?
        var message: String
    }

    enum Shape { case document, tweetV1, tweetV2 }

    /// The top-level members a record's shape and a JSON Lines document's
    /// fields depend on, found in one pass over the members (the first of
    /// each name, as `JSONValue`'s subscript finds it).
    struct Fields {
        /// The record's members; the fields below are positions in it (-1:
        /// absent), so that finding and copying them retains nothing.
        private let members: [JSONValue.Member]
        private var dataAt = -1, textAt = -1, fullTextAt = -1, extendedTweetAt = -1, retweetedStatusAt = -1
        private var idStrAt = -1, userAt = -1, idAt = -1, langAt = -1, dateAt = -1

        var data: JSONValue? { value(at: dataAt) }
        var text: JSONValue? { value(at: textAt) }
        var id: JSONValue? { value(at: idAt) }
        var idStr: JSONValue? { value(at: idStrAt) }
        var lang: JSONValue? { value(at: langAt) }
        var date: JSONValue? { value(at: dateAt) }
        var hasText: Bool { textAt >= 0 }
        /// Whether one of the members only a v1.1 tweet has is present.
        var hasTweetKey: Bool {
            fullTextAt >= 0 || extendedTweetAt >= 0 || retweetedStatusAt >= 0 || idStrAt >= 0 || userAt >= 0
        }
        /// Whether a v1.1 tweet's text can come from one of the members.
        var hasTweetText: Bool {
            textAt >= 0 || fullTextAt >= 0 || extendedTweetAt >= 0 || retweetedStatusAt >= 0
        }

        @inline(__always)
        private func value(at index: Int) -> JSONValue? { index >= 0 ? members[index].value : nil }

        init(_ members: [JSONValue.Member]) {
            self.members = members
            for (n, m) in members.enumerated() {
                // Names are told apart by length first, so most keys cost one
                // comparison at most.
                let key = m.key
                switch key.utf8.count {
                case 2: if key == "id", idAt < 0 { idAt = n }
                case 4:
                    if key == "text" { if textAt < 0 { textAt = n } }
                    else if key == "data" { if dataAt < 0 { dataAt = n } }
                    else if key == "lang" { if langAt < 0 { langAt = n } }
                    else if key == "date" { if dateAt < 0 { dateAt = n } }
                    else if key == "user", userAt < 0 { userAt = n }
                case 6: if key == "id_str", idStrAt < 0 { idStrAt = n }
                case 9: if key == "full_text", fullTextAt < 0 { fullTextAt = n }
                case 14: if key == "extended_tweet", extendedTweetAt < 0 { extendedTweetAt = n }
                case 16: if key == "retweeted_status", retweetedStatusAt < 0 { retweetedStatusAt = n }
                default: break
                }
            }
        }

        /// Whether `key` is one a JSON Lines document interprets (not passed to `meta`).
        @inline(__always)
        static func isDocumentField(_ key: String) -> Bool {
            switch key.utf8.count {
            case 2: key == "id"
            case 4: key == "text" || key == "lang" || key == "date"
            default: false
            }
        }
    }

    /// Tells the shape of a record by its fields.
    static func shape(of value: JSONValue) -> Shape? {
        guard case .object(let members) = value else { return nil }
        return shape(of: Fields(members))
    }

    static func shape(of f: Fields) -> Shape? {
        if !f.hasText, let data = f.data, data.isObject || isArrayOfObjects(data) {
            return .tweetV2
        }
        if f.hasTweetKey, f.hasTweetText {
            return .tweetV1
        }
        if f.hasText { return .document }
        return nil
    }

    private static func isArrayOfObjects(_ v: JSONValue) -> Bool {
        if case .array(let items) = v { return items.allSatisfy(\.isObject) }
        return false
    }

    static func map(_ value: JSONValue, tweetsOnly: Bool) -> Result<[Mapped], Failure> {
        guard case .object(let members) = value else {
            return .failure(Failure(id: nil, message: "record has no \"text\" field (nor full_text or data.text)"))
        }
        return map(members, decoded: nil, tweetsOnly: tweetsOnly)
    }

    /// Maps a record whose first `text` string the JSON Lines fast path
    /// decoded to bytes: the same result as `map(record.value, …)`, without
    /// turning the text into a `String` when the record is a plain document.
    static func map(_ record: ParsedRecordLine, tweetsOnly: Bool) -> Result<[Mapped], Failure> {
        map(record.allMembers, decoded: record, tweetsOnly: tweetsOnly)
    }

    /// The one document of a fast-path record whose text was decoded and
    /// whose shape is a plain JSON Lines document: what `map(record,
    /// tweetsOnly: false)` gives as its only element. Nil for any other
    /// record (the caller maps it with `map`).
    ///
    /// The fields come from the scalars the parser held (`id`, `lang`,
    /// `date`), so a plain record is mapped without looking at a member;
    /// the other members are checked only for a tweet's keys (which make
    /// the record a tweet) and for a first `id`, `lang` or `date` the
    /// parser did not hold (a value of another kind: left to `map`).
    static func mapPlainDocument(_ record: ParsedRecordLine) -> Mapped? {
        guard record.textIndex != nil else { return nil }
        var meta: [(key: String, value: JSONValue)] = []
        if !record.members.isEmpty {
            let others = Fields(record.members)
            guard !others.hasTweetKey, record.id != nil || others.id == nil,
                  record.lang != nil || others.lang == nil, record.date != nil || others.date == nil else { return nil }
            for m in record.members where !Fields.isDocumentField(m.key) {
                meta.append((m.key, m.value))
            }
        }
        return Mapped(id: record.id?.text, text: record.text, language: language(record.lang?.text),
                      date: record.date?.text, meta: meta)
    }

    private static func map(_ members: [JSONValue.Member], decoded: ParsedRecordLine?,
                            tweetsOnly: Bool) -> Result<[Mapped], Failure> {
        // A decoded text's member holds an empty string: still a string,
        // so the shape and the fields found are those of the full record.
        let fields = Fields(members)
        switch shape(of: fields) {
        case .document?:
            if tweetsOnly { return .failure(Failure(id: fields.id?.scalarText, message: "not a Twitter API v1.1 or v2 object")) }
            // The first "text" member is the one decoded, and the one `fields` holds.
            return mapDocument(members, fields, decodedText: decoded?.textIndex != nil ? decoded?.text : nil).map { [$0] }
        case .tweetV1?:
            return mapTweetV1(decoded?.value ?? .object(members)).map { [$0] }
        case .tweetV2?:
            return mapTweetV2(decoded?.value ?? .object(members))
        case nil:
            return .failure(Failure(id: fields.id?.scalarText ?? fields.idStr?.scalarText,
                                    message: "record has no \"text\" field (nor full_text or data.text)"))
        }
    }

    private static func mapDocument(_ members: [JSONValue.Member], _ fields: Fields,
                                    decodedText: [UInt8]?) -> Result<Mapped, Failure> {
        let id = fields.id?.scalarText
        guard let string = fields.text?.stringValue else {
            return .failure(Failure(id: id, message: "\"text\" is not a string"))
        }
        let text = decodedText ?? Array(string.utf8)
        var meta: [(key: String, value: JSONValue)] = []
        for m in members where !Fields.isDocumentField(m.key) {
            meta.append((m.key, m.value))
        }
        return .success(Mapped(id: id, text: text, language: language(fields.lang), date: fields.date?.stringValue, meta: meta))
    }

    private static func language(_ value: JSONValue?) -> String? {
        language(value?.stringValue)
    }

    /// A language code as given, or nil when it is empty or says "no language".
    static func language(_ s: String?) -> String? {
        guard let s, !s.isEmpty, s != "und", s != "zxx", s != "qme", s != "qht" else { return nil }
        return s
    }

    /// Full text of a v1.1 tweet object: extended, then full, then classic text.
    private static func v1Text(_ tweet: JSONValue) -> String? {
        tweet["extended_tweet"]?["full_text"]?.stringValue ?? tweet["full_text"]?.stringValue ?? tweet["text"]?.stringValue
    }

    private static func mapTweetV1(_ tweet: JSONValue) -> Result<Mapped, Failure> {
        let id = tweet["id_str"]?.scalarText ?? tweet["id"]?.scalarText
        var meta: [(key: String, value: JSONValue)] = [("source", .string("twitter-v1.1"))]
        if let user = tweet["user"]?["screen_name"] { meta.append(("user", user)) }
        let text: String?
        if let original = tweet["retweeted_status"], original.isObject {
            // A retweet's own text is truncated ("RT @user: …"): use the original's.
            text = v1Text(original)
            if let rid = original["id_str"] ?? original["id"] { meta.append(("retweet_of", rid)) }
        } else {
            text = v1Text(tweet)
        }
        guard let text else { return .failure(Failure(id: id, message: "tweet has no text")) }
        return .success(Mapped(id: id, text: Array(unescapeTwitterHTML(text).utf8), language: language(tweet["lang"]),
                               date: tweet["created_at"]?.stringValue, meta: meta))
    }

    private static func mapTweetV2(_ response: JSONValue) -> Result<[Mapped], Failure> {
        let items: [JSONValue]
        switch response["data"] {
        case .object?: items = [response["data"]!]
        case .array(let list)?: items = list
        default: return .failure(Failure(id: nil, message: "v2 \"data\" is not an object"))
        }
        var out: [Mapped] = []
        for data in items {
            guard let text = data["text"]?.stringValue else {
                return .failure(Failure(id: data["id"]?.scalarText, message: "v2 tweet has no data.text"))
            }
            var meta: [(key: String, value: JSONValue)] = [("source", .string("twitter-v2"))]
            if let author = data["author_id"] { meta.append(("author_id", author)) }
            out.append(Mapped(id: data["id"]?.scalarText, text: Array(unescapeTwitterHTML(text).utf8), language: language(data["lang"]),
                              date: data["created_at"]?.stringValue, meta: meta))
        }
        return .success(out)
    }

    /// The Twitter API escapes `&`, `<` and `>` in tweet text.
    static func unescapeTwitterHTML(_ text: String) -> String {
        // A byte search, not a walk over Characters: no '&' byte, nothing to replace.
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

import Foundation
