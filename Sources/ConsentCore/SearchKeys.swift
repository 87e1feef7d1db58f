import Foundation

/// The keys a tenant is found by in staff mode: folded name words and the compact postcode, so
/// `zoe`, `ZOË` and `Zoë` find the same tenant and `ls1` finds `LS1 4AB`. Pure, so the store's
/// index and the query fold text the same way.
public enum SearchKeys {
    /// Letters that do not decompose into a base letter and a mark.
    private static let extra: [Character: String] = [
        "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
    ]

    /// `text` lower-cased, without accents, keeping letters and digits; other characters become
    /// word breaks, except apostrophes, which join (`O'Brien` → `obrien`). A letter with no lower
    /// case of its own (a title-case digraph) is a break too, so folding twice changes nothing.
    public static func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return foldASCII(text) }
        return foldUnicode(text)
    }

    /// ``fold(_:)`` of text that is all ASCII (most names and every postcode), byte by byte: the
    /// same answer as ``foldUnicode(_:)`` without Foundation's folding, which was most of what the
    /// search index cost an import.
    static func foldASCII(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): out.append(byte | 0x20)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): out.append(byte)
            case UInt8(ascii: "'"): continue
            default: out.append(UInt8(ascii: " "))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ``fold(_:)`` of any text.
    static func foldUnicode(_ text: String) -> String {
        let base = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
        var out = String.UnicodeScalarView()
        for scalar in base.unicodeScalars {
            if let replacement = extra[Character(scalar)] {
                out.append(contentsOf: replacement.unicodeScalars)
            } else if scalar == "'" || scalar == "\u{2019}" || isMark(scalar) {
                continue
            } else if (scalar.properties.isAlphabetic || scalar.properties.numericType != nil) && !scalar.properties.isUppercase
                        && !scalar.properties.isWhitespace {
                out.append(scalar)
            } else {
                out.append(" ")
            }
        }
        return String(out)
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    /// The distinct folded words of a name, at most 8 of at most 40 characters each.
    public static func words(_ name: String) -> [String] {
        var seen: [String] = []
        // Split on scalars: a spacing letter after a break would join it into one character.
        for scalars in fold(name).unicodeScalars.split(separator: " ") {
            let word = String(String.UnicodeScalarView(scalars.prefix(40)))
            guard !seen.contains(word) else { continue }
            seen.append(word)
            if seen.count == 8 { break }
        }
        return seen
    }

    /// A postcode (or the start of one) in compact folded form: `LS1 4AB` → `ls14ab`.
    public static func postcode(_ text: String) -> String {
        fold(text).filter { $0 != " " }
    }
}
