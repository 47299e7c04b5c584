/// What a token is. Stable names appear in the JSON output (`kind`).
public enum TokenKind: UInt8, Sendable, CaseIterable {
    case word, number, punct, symbol, emoji, url, email, handle, hashtag, cashtag, abbreviation

    /// The name used in JSON output.
    public var name: String {
        switch self {
        case .word: "word"
        case .number: "number"
        case .punct: "punct"
        case .symbol: "symbol"
        case .emoji: "emoji"
        case .url: "url"
        case .email: "email"
        case .handle: "handle"
        case .hashtag: "hashtag"
        case .cashtag: "cashtag"
        case .abbreviation: "abbreviation"
        }
    }
}

/// Facts about a token's surface form, computed once by the tokenizer.
public struct TokenFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// First letter is uppercase or titlecase.
    public static let capitalized = TokenFlags(rawValue: 1 << 0)
    /// Has letters, all of them uppercase.
    public static let allCaps = TokenFlags(rawValue: 1 << 1)
    /// Has at least one letter.
    public static let hasLetter = TokenFlags(rawValue: 1 << 2)
    /// Has at least one digit.
    public static let hasDigit = TokenFlags(rawValue: 1 << 3)
    /// Whitespace precedes the token (or it starts the text).
    public static let spaceBefore = TokenFlags(rawValue: 1 << 4)
    /// A letter repeated three or more times was shortened in the key (`siiii` → `si`).
    public static let elongated = TokenFlags(rawValue: 1 << 5)
    /// Bytes are all ASCII.
    public static let ascii = TokenFlags(rawValue: 1 << 6)
    /// First token of a sentence.
    public static let sentenceStart = TokenFlags(rawValue: 1 << 7)
}

/// A token: a byte range of the text and a slice of the document's key buffer.
public struct Token: Sendable, Hashable {
    public var start: Int32
    public var end: Int32
    /// Range of the match key in `Document.tokenKeys`.
    public var keyStart: Int32
    public var keyEnd: Int32
    public var kind: TokenKind
    public var flags: TokenFlags

    public init(start: Int32, end: Int32, keyStart: Int32, keyEnd: Int32, kind: TokenKind, flags: TokenFlags) {
        self.start = start
        self.end = end
        self.keyStart = keyStart
        self.keyEnd = keyEnd
        self.kind = kind
        self.flags = flags
    }

    public var span: Span { Span(start: start, end: end) }
}
