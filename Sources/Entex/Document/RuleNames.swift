import Foundation

/// The names of the rules, patterns and lexicon files that propose entities,
/// interned process-wide so that an `Entity` names its rule with a small
/// integer (`Entity.ruleID`) and stays plain data: copying, sorting and
/// freeing entities then touches no reference count.
///
/// The table only grows (names are few and known when taggers load).
/// Registration takes a lock; reading the name of an id that a caller holds
/// takes none: a name's slot is written before its id is handed out and
/// never changes or moves after (slots live in fixed chunks).
public enum RuleNames {
    /// The id of "no rule" (an entity with `rule == nil`).
    public static let none: UInt32 = 0

    /// The id of `name`, registered if it is new. Thread-safe.
    public static func id(_ name: String) -> UInt32 { table.id(name) }

    /// The id of `name`, or `none` for nil.
    public static func id(_ name: String?) -> UInt32 { name.map { table.id($0) } ?? none }

    /// The name of `id` (nil for `none`). `id` must come from `id(_:)`.
    @inline(__always)
    public static func name(_ id: UInt32) -> String? { id == none ? nil : table.name(id) }

    private static let table = Table()

    private final class Table: @unchecked Sendable {
        static let chunkBits = 12
        static let chunkSize = 1 << chunkBits
        static let chunkCount = 1 << 12
        private let lock = NSLock()
        /// Guarded by `lock`. Keyed by the name's bytes: `String` keys would merge
        /// canonically equivalent spellings ("é", "e\u{301}"), and an entity must
        /// name its rule exactly as it was written.
        private var ids: [[UInt8]: UInt32] = [:]
        private var count: UInt32 = 1
        /// `chunkCount` pointers to chunks of `chunkSize` names, allocated as needed;
        /// never freed (the table lives as long as the process).
        private let chunks: UnsafeMutablePointer<UnsafeMutablePointer<String>?>

        init() {
            chunks = .allocate(capacity: Table.chunkCount)
            chunks.initialize(repeating: nil, count: Table.chunkCount)
        }

        func id(_ name: String) -> UInt32 {
            lock.lock()
            defer { lock.unlock() }
            let key = Array(name.utf8)
            if let id = ids[key] { return id }
            let id = count
            let chunk = Int(id) >> Table.chunkBits
            precondition(chunk < Table.chunkCount, "too many rule names")
            if chunks[chunk] == nil { chunks[chunk] = .allocate(capacity: Table.chunkSize) }
            (chunks[chunk]! + (Int(id) & (Table.chunkSize - 1))).initialize(to: name)
            count += 1
            ids[key] = id
            return id
        }

        @inline(__always)
        func name(_ id: UInt32) -> String {
            chunks[Int(id) >> Table.chunkBits].unsafelyUnwrapped[Int(id) & (Table.chunkSize - 1)]
        }
    }
}

/// The names the built-in rules and the alias stage give their entities.
extension RuleNames {
    static let titlePerson = id("title-person")
    static let firstNamePerson = id("first-name-person")
    static let loneFirstName = id("lone-first-name")
    static let unknownName = id("unknown-name")
    static let initialsPerson = id("initials-person")
    static let lowercaseName = id("lowercase-name")
    static let teamScore = id("team-score")
    static let nameHandle = id("name-handle")
    static let orgHead = id("org-head")
    static let loneHead = id("lone-head")
    static let acronymDefinition = id("acronym-definition")
    static let personName = id("person-name")
    static let acronym = id("acronym")
}
