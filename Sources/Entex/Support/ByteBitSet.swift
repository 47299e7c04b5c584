/// A set of byte values, one bit each in four words (bit `b & 63` of word `b >> 6`).
///
/// Used where a 256-way yes/no answer must cost a shift and a mask: the byte classes of
/// `StartShape`, the type-and-length filter of `Aliasing`.
struct ByteBitSet {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    @inline(__always)
    mutating func insert(_ b: UInt8) {
        let m = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= m
        case 1: words.1 |= m
        case 2: words.2 |= m
        default: words.3 |= m
        }
    }

    @inline(__always)
    func contains(_ b: UInt8) -> Bool {
        let word: UInt64
        switch b >> 6 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return word & (1 << UInt64(b & 63)) != 0
    }
}
