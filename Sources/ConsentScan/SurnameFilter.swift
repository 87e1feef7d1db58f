/// A keyed bit filter of the register's surnames (the name words the index pairs with a postcode, a date
/// of birth or an address), small enough to stay in the processor's cache.
///
/// The matcher asks it about each capitalised word before pairing the word with a record's postcodes,
/// dates and streets: a word that is no tenant's surname is never hashed with SipHash nor looked up in
/// the large table. A word the filter passes wrongly (about one in 16 when full) only costs that lookup.
///
/// Bits are set by a fast keyed multiply-shift hash whose seed and multiplier are derived from the
/// index key, so without the key file a bit cannot be tied to any name.
struct SurnameFilter: Sendable {
    let seed: UInt64
    let multiplier: UInt64
    /// 64 minus the base-2 logarithm of the filter's bit count: a hash's top bits pick the bit.
    let shift: UInt64
    let words: SlotTable

    /// The smallest and largest filters, in bits: 512 bytes and 128 KB.
    static let minBits = 1 << 12, maxBits = 1 << 20
    /// Bits per surname below the largest size.
    static let bitsPerName = 16

    /// The number of bits for a register with `names` distinct surnames: a power of two.
    static func bitCount(names: Int) -> Int {
        var bits = minBits
        while bits < maxBits && bits < names * bitsPerName { bits <<= 1 }
        return bits
    }

    /// An empty filter of `bits` bits (a power of two, at least 64) keyed by `key`.
    init(key: SipHashKey, bits: Int) {
        self.init(key: key, words: [UInt64](repeating: 0, count: bits / 64))
    }

    /// A filter of the given bit words (`words.count` a power of two) keyed by `key`.
    init(key: SipHashKey, words: [UInt64]) {
        seed = key.hash(Array("TenantConsent surname filter seed".utf8))
        multiplier = key.hash(Array("TenantConsent surname filter multiplier".utf8)) | 1
        shift = UInt64(64 - (words.count * 64).trailingZeroBitCount)
        self.words = SlotTable(words)
    }

    /// The filter's hash of `count` bytes at `p`. Reads whole 8-byte words: the 7 bytes after the value
    /// must be readable (they are masked off).
    @inline(__always)
    func hash(_ p: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        var h = seed ^ UInt64(truncatingIfNeeded: count)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            h = (h ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* multiplier
            h ^= h >> 31
            i += 8
        }
        if i < count {
            let tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            h = (h ^ (tail & (UInt64.max >> UInt64(64 - 8 * (count - i))))) &* multiplier
            h ^= h >> 31
        }
        return (h ^ (h >> 29)) &* multiplier
    }

    /// Adds a surname's normalised bytes.
    func insert(_ bytes: [UInt8]) {
        let padded = bytes + [UInt8](repeating: 0, count: 8)
        padded.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return }
            let bit = hash(base, count: bytes.count) >> shift
            words.base[Int(bit >> 6)] |= 1 << (bit & 63)
        }
    }

    /// Whether the `count` bytes at `p` may be a surname of the register (see ``hash(_:count:)`` for what must be readable).
    @inline(__always)
    func mayContain(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        let bit = hash(p, count: count) >> shift
        return words.base[Int(bit >> 6)] & (1 << (bit & 63)) != 0
    }

    /// Bits set, for tests and the bench: the share of bits set is about the false-positive rate.
    var bitsSet: Int {
        (0..<words.count).reduce(0) { $0 + words.base[$1].nonzeroBitCount }
    }
}
