import Foundation

/// Spreadsheet-safe text: a cell that a spreadsheet would run as a formula (starting with = + - @,
/// a tab or a line break, their full-width forms, or such a character after leading white space,
/// which covers the padded DDE forms such as ` =cmd|' /C calc'!A0`) is prefixed with an apostrophe
/// in CSV, so it shows as text. This includes "-5" and "+44 7700 900123": a spreadsheet opening a
/// CSV would read them as a formula (the phone number as an error), so the apostrophe keeps what
/// was held. XLSX needs no apostrophe (its cells are text, quote-prefixed by style).
public enum FormulaGuard {
    static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]

    public static func neutralise(_ text: String) -> String {
        guard needsGuard(text) else { return text }
        return "'" + text
    }

    static func needsGuard(_ text: String) -> Bool {
        // Fast path: an ASCII letter, digit or other harmless first byte needs no look at characters.
        if let first = text.utf8.first, first < 0x80, first > 0x20,
           first != UInt8(ascii: "="), first != UInt8(ascii: "+"), first != UInt8(ascii: "-"), first != UInt8(ascii: "@") {
            return false
        }
        for character in text {
            if triggers.contains(character) { return true }
            if !character.isWhitespace { return false }
        }
        return false
    }
}

/// RFC 4180 CSV: fields with a comma, quote or line break in double quotes, quotes doubled, CRLF
/// line ends; every cell formula-guarded.
public enum CSVWriter {
    /// UTF-8's byte-order mark, which an export's CSV starts with unless asked not to
    /// (``Exporter/byteOrderMark``).
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// One record as text (for tests and small outputs).
    public static func line(_ cells: [String?]) -> String {
        var bytes: [UInt8] = []
        append(cells, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one record's bytes.
    public static func append(_ cells: [String?], to out: inout [UInt8]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard var text = cell, !text.isEmpty else { continue }
            if FormulaGuard.needsGuard(text) { text = "'" + text }
            text.withUTF8 { bytes in
                let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
                guard needsQuotes else { return out.append(contentsOf: bytes) }
                out.append(UInt8(ascii: "\""))
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") { out.append(byte) }
                    out.append(byte)
                }
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(0x0D)
        out.append(0x0A)
    }
}

/// Text made safe for XML 1.0 character data: markup characters escaped, a carriage return kept as
/// a character reference, and the code points XML cannot carry at all replaced by U+FFFD.
enum XMLText {
    private static let amp = Array("&amp;".utf8), lt = Array("&lt;".utf8), gt = Array("&gt;".utf8)
    private static let quot = Array("&quot;".utf8), cr = Array("&#13;".utf8), replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    static func append(_ text: String, to out: inout [UInt8]) {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: out.append(contentsOf: amp)
            case 0x3C: out.append(contentsOf: lt)
            case 0x3E: out.append(contentsOf: gt)
            case 0x22: out.append(contentsOf: quot)
            case 0x0D: out.append(contentsOf: cr)
            case 0x09, 0x0A: out.append(UInt8(scalar.value))
            case 0x00..<0x20, 0xFFFE, 0xFFFF: out.append(contentsOf: replacement)
            case 0x20..<0x80: out.append(UInt8(scalar.value))
            default: if let encoded = UTF8.encode(scalar) { out.append(contentsOf: encoded) }
            }
        }
    }

    static func escaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        append(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
