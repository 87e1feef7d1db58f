/// The one normalisation of text before the matcher reads it: characters that look like a space, or like
/// nothing, or like ASCII in another width, would otherwise split or hide a postcode, a name or an email.
///
/// - U+00A0, U+2000–U+200A (U+2007 included), U+202F, U+205F, U+3000 and the line and paragraph
///   separators U+2028/U+2029 become a space (text copied from web pages and Word is full of them);
/// - U+200B–U+200D, U+2060, U+FEFF and the soft hyphen U+00AD are dropped (they hide inside words);
/// - U+2011 (non-breaking hyphen) becomes `-`;
/// - fullwidth ASCII U+FF01–U+FF5E becomes ASCII (the NFKC fold of that range).
///
/// Pure functions over UTF-8 bytes. ASCII text is checked eight bytes at a time and never copied.
enum TextFold {
    /// Whether folding would change `p`.
    static func needed(_ p: UnsafeRawBufferPointer) -> Bool {
        let n = p.count
        var i = 0
        while i < n {
            if TextDecoding.eightASCII(p, at: i) {
                i += 8
                continue
            }
            let b = p[i]
            if b >= 0xC2, b <= 0xEF, fold(p, at: i) != nil { return true }
            i += 1
        }
        return false
    }

    /// `p` folded.
    static func folded(_ p: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        let n = p.count
        var i = 0
        while i < n {
            let b = p[i]
            if b >= 0xC2, b <= 0xEF, let (replacement, length) = fold(p, at: i) {
                if replacement != 0 { out.append(replacement) }
                i += length
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    /// What the character at `i` folds to (0: nothing) and its length in bytes, or nil when it stays.
    @inline(__always)
    static func fold(_ p: UnsafeRawBufferPointer, at i: Int) -> (UInt8, Int)? {
        let n = p.count
        let b = p[i]
        guard i + 1 < n else { return nil }
        let c = p[i + 1]
        if b == 0xC2 {
            if c == 0xA0 { return (0x20, 2) }
            if c == 0xAD { return (0, 2) }
            return nil
        }
        guard i + 2 < n else { return nil }
        let d = p[i + 2]
        switch (b, c) {
        case (0xE2, 0x80):
            switch d {
            case 0x80...0x8A, 0xA8, 0xA9, 0xAF: return (0x20, 3)
            case 0x8B...0x8D: return (0, 3)
            case 0x91: return (0x2D, 3)
            default: return nil
            }
        case (0xE2, 0x81):
            if d == 0x9F { return (0x20, 3) }
            if d == 0xA0 { return (0, 3) }
            return nil
        case (0xE3, 0x80):
            return d == 0x80 ? (0x20, 3) : nil
        case (0xEF, 0xBB):
            return d == 0xBF ? (0, 3) : nil
        case (0xEF, 0xBC):
            // U+FF01–U+FF3F: `!` to `_`.
            return d >= 0x81 && d <= 0xBF ? (d - 0x81 + 0x21, 3) : nil
        case (0xEF, 0xBD):
            // U+FF40–U+FF5E: `` ` `` to `~`.
            return d >= 0x80 && d <= 0x9E ? (d - 0x80 + 0x60, 3) : nil
        default:
            return nil
        }
    }
}
