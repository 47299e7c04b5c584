import CSupport

/// Units in which output offsets are counted.
public enum OffsetUnit: String, Sendable, CaseIterable {
    /// UTF-8 bytes (what Rust, Go and byte-oriented tools slice with).
    case utf8
    /// UTF-16 code units (JavaScript, Java, C# string indexes).
    case utf16
    /// Unicode code points (Python `str` indexes); the default.
    case codepoints
}

/// Converts UTF-8 byte offsets of one text to another unit by counting from
/// the last offset converted, forward or backward: for offsets asked for in
/// increasing order, about one pass over the text per layer, and no table.
/// The writer uses `OffsetTable`; this is the reference the tests compare it with.
struct OffsetCursor {
    private let text: UnsafeBufferPointer<UInt8>
    private let utf16: Bool
    /// Nothing to convert: UTF-8 output, or ASCII text.
    private let identity: Bool
    private var byte = 0
    private var units: Int32 = 0

    init(text: UnsafeBufferPointer<UInt8>, unit: OffsetUnit) {
        self.text = text
        utf16 = unit == .utf16
        identity = unit == .utf8 || OffsetCursor.isASCII(text)
    }

    static func isASCII(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return true }
        var i = 0
        var any: UInt64 = 0
        while i + 32 <= p.count {
            let r = UnsafeRawPointer(base + i)
            any |= r.loadUnaligned(fromByteOffset: 0, as: UInt64.self) | r.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                | r.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | r.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            i += 32
        }
        while i + 8 <= p.count {
            any |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        if any & 0x8080_8080_8080_8080 != 0 { return false }
        while i < p.count {
            if p[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The offset in the chosen unit of UTF-8 byte offset `target`.
    @inline(__always)
    mutating func convert(_ target: Int32) -> Int32 {
        if identity { return target }
        return advance(to: Int(target))
    }

    /// Units one byte adds: a lead byte starts a scalar (two UTF-16 units from 4-byte sequences on).
    @inline(__always)
    private func weight(_ b: UInt8) -> Int32 {
        b & 0xC0 == 0x80 ? 0 : (utf16 && b >= 0xF0) ? 2 : 1
    }

    /// The units the eight bytes of `w` add, the sum of their `weight`s:
    /// one per byte that is not a continuation byte (10xxxxxx), plus one per
    /// lead byte of a 4-byte sequence (11110xxx) in UTF-16. Each test moves
    /// the bit it needs to the top bit of its own byte, so no byte's bits
    /// reach another's mark; each byte's weight (0, 1 or 2) is then formed
    /// in its own byte and the eight are summed by one multiplication (the
    /// sum, at most 16, fits in the top byte).
    @inline(__always)
    private func wordUnits(_ w: UInt64) -> Int32 {
        let high: UInt64 = 0x8080_8080_8080_8080
        let ones: UInt64 = 0x0101_0101_0101_0101
        var weights = ones &- ((w & ~(w << 1) & high) >> 7)
        if utf16 {
            // Never a continuation byte, so never a byte whose weight is 0.
            weights &+= (w & (w << 1) & (w << 2) & (w << 3) & high) >> 7
        }
        return Int32(truncatingIfNeeded: (weights &* ones) >> 56)
    }

    private mutating func advance(to target: Int) -> Int32 {
        guard let base = text.baseAddress else { return units }
        var i = byte
        var u = units
        if target < i / 2 {
            // Nearer the start than the last offset: count from the start.
            i = 0
            u = 0
        }
        // Eight bytes at a time in either direction, counted in one word
        // (`wordUnits`), then byte by byte up to the target.
        while i &+ 8 <= target {
            u &+= wordUnits(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            i &+= 8
        }
        while i < target {
            u &+= weight(base[i])
            i &+= 1
        }
        while i &- 8 >= target {
            i &-= 8
            u &-= wordUnits(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
        }
        while i > target {
            i &-= 1
            u &-= weight(base[i])
        }
        byte = i
        units = u
        return u
    }
}

/// Where a text's UTF-8 byte offsets and its offsets in another unit part:
/// every byte that makes the two counts differ by one more or one less, in
/// order, with the difference after it. `OffsetTable` converts with it.
struct OffsetEvent {
    /// Byte offset of a continuation byte (10xxxxxx), or in UTF-16 of the
    /// lead byte of a 4-byte sequence (two units for one scalar).
    var byte: Int32
    /// Bytes minus units over the text up to and including `byte`.
    var deficit: Int32
}

/// Converts UTF-8 byte offsets of one text to another unit, as `OffsetCursor`
/// does, from a table of the bytes where the two counts part (`OffsetEvent`),
/// made in one pass when the table is built: plain ASCII is skipped eight
/// bytes at a time and no more read after that, so a tweet with one emoji or
/// a news article with a few accents costs one scan of its text, and each
/// conversion a step or two along the table, whatever the number of layers.
/// The table lives in a buffer the caller keeps between documents.
struct OffsetTable {
    private let events: UnsafePointer<OffsetEvent>
    private let count: Int
    /// Events before `position` are those at bytes before the last offset converted.
    private var position = 0
    /// The offsets that `position` and its deficit already answer for, as one
    /// unsigned range test inlined at every conversion (`convert`): from just
    /// after the event before `position` (`windowStart`) up to and including the
    /// byte of the event at `position` (`windowStart + windowWidth`), where the
    /// deficit is that of the event before (`windowDeficit`). With no events
    /// (UTF-8 output, ASCII text) the window is every offset and the deficit 0;
    /// before the first event (an ASCII start), every offset up to it. Most
    /// conversions fall in the window and make no call (`deficit(before:)` made
    /// one per conversion).
    private var windowStart: Int32 = 0
    private var windowWidth: UInt32 = UInt32(Int32.max)
    private var windowDeficit: Int32 = 0

    /// Fills `storage` with the events of `text` for `unit` (none for UTF-8
    /// output or ASCII text) and reads them from there: `storage` must not
    /// change while the table is used.
    @inline(__always)
    init(text: UnsafeBufferPointer<UInt8>, unit: OffsetUnit, storage: inout GrowableBuffer<OffsetEvent>) {
        storage.count = 0
        if unit != .utf8 { OffsetTable.findEvents(text, utf16: unit == .utf16, into: &storage) }
        events = UnsafePointer(storage.base)
        count = storage.count
        if count > 0 { windowWidth = UInt32(bitPattern: events[0].byte) }
    }

    /// Appends the events of `text` to `events`: the text up to its first byte
    /// from 0x80 on is skipped 64 bytes at a time (`entex_first_high_byte`), and
    /// the events from there are found 64 bytes at a time
    /// (`entex_offset_events`, CSupport: the Swift loop below, a word at a time,
    /// broke out of its ASCII steps at every accent or emoji and came to about
    /// 36 M instructions on the mix); `findEventsWordwise` is the reference
    /// the tests compare it with.
    @inline(__always)
    static func findEvents(_ text: UnsafeBufferPointer<UInt8>, utf16: Bool, into events: inout GrowableBuffer<OffsetEvent>) {
        guard let base = text.baseAddress else { return }
        let n = text.count
        let first = entex_first_high_byte(base, n)
        if first == n { return }
        // No more events than bytes left: one reservation, then stores in C.
        events.reserve(n &- first)
        let written = (events.base + events.count).withMemoryRebound(to: Int32.self, capacity: 2 &* (n &- first)) {
            entex_offset_events(base, n, first, utf16 ? 1 : 0, $0)
        }
        events.count &+= written
    }

    /// `findEvents` in Swift, a word at a time: the reference for the tests.
    static func findEventsWordwise(_ text: UnsafeBufferPointer<UInt8>, utf16: Bool, into events: inout GrowableBuffer<OffsetEvent>) {
        guard let base = text.baseAddress else { return }
        let n = text.count
        let high: UInt64 = 0x8080_8080_8080_8080
        var deficit: Int32 = 0
        var reserved = false
        @inline(__always) func note(_ i: Int) {
            let b = base[i]
            if b < 0xC0 {
                deficit &+= 1
            } else if utf16 && b >= 0xF0 {
                deficit &-= 1
            } else {
                return
            }
            if !reserved {
                // No more events than bytes left: one reservation, then plain stores.
                events.reserve(n &- i)
                reserved = true
            }
            (events.base + events.count).initialize(to: OffsetEvent(byte: Int32(truncatingIfNeeded: i), deficit: deficit))
            events.count &+= 1
        }
        var i = 0
        while true {
            // ASCII sixteen bytes at a time (two words tested at once), then
            // the word with a byte >= 0x80 (or the first of the two) mark by mark.
            while i &+ 16 <= n {
                let r = UnsafeRawPointer(base + i)
                if (r.loadUnaligned(as: UInt64.self) | r.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & high != 0 { break }
                i &+= 16
            }
            let left = n &- i
            if left <= 0 { break }
            // The last few bytes are gathered into one word (reading only them).
            var marks = (left >= 8 ? UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                                   : KeyHash.loadPartial(base + i, left)) & high
            while marks != 0 {
                note(i &+ (marks.trailingZeroBitCount &>> 3))
                marks &= marks &- 1
            }
            i &+= 8
        }
    }

    /// The offset in the table's unit of UTF-8 byte offset `target`.
    @inline(__always)
    mutating func convert(_ target: Int32) -> Int32 {
        // In the window: `windowStart <= target <= windowStart + windowWidth`.
        if UInt32(bitPattern: target &- windowStart) <= windowWidth { return target &- windowDeficit }
        return target &- deficit(before: target)
    }

    /// Moves the window back to the start of the text, as the table is when made:
    /// the writer calls it before each layer after the first, whose offsets start
    /// again near the start. A layer's first offset is then converted in the
    /// window (before the first event) or by a step or two forward, where it
    /// took a binary search back over the events of the layer before (about
    /// twelve thousand calls to `deficit(before:)` on 15 000 Spanish tweets).
    @inline(__always)
    mutating func rewind() {
        position = 0
        windowStart = 0
        windowDeficit = 0
        windowWidth = count > 0 ? UInt32(bitPattern: events[0].byte) : UInt32(Int32.max)
    }

    /// The reference for `convert`'s window: the conversion by `deficit(before:)`
    /// alone, for the tests.
    mutating func convertWithoutWindow(_ target: Int32) -> Int32 {
        if count == 0 { return target }
        return target &- deficit(before: target)
    }

    /// Bytes minus units over the bytes before `target`; moves the window to `target`.
    @inline(never)
    private mutating func deficit(before target: Int32) -> Int32 {
        var k = position
        if k > 0 && events[k &- 1].byte >= target {
            // Backward (a new layer): a binary search over the events before.
            var low = 0
            while low < k {
                let mid = (low &+ k) &>> 1
                if events[mid].byte < target { low = mid &+ 1 } else { k = mid }
            }
        } else if k < count && events[count &- 1].byte < target {
            // Past the last event (a sentence or entity that ends the text): no walk over those between.
            k = count
        } else {
            while k < count && events[k].byte < target { k &+= 1 }
        }
        position = k
        // Events `..<k` are before `target`, those from `k` at or after it.
        let start: Int32 = k > 0 ? events[k &- 1].byte &+ 1 : 0
        let end: Int32 = k < count ? events[k].byte : Int32.max
        windowStart = start
        windowWidth = UInt32(bitPattern: end &- start)
        windowDeficit = k > 0 ? events[k &- 1].deficit : 0
        return windowDeficit
    }
}
