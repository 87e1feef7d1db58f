/// Rules for free text: what may be stored, and how anything is shown safely on a terminal.
public enum TextSafety {
    /// Bidirectional embeddings, overrides and isolates: they can make displayed text lie.
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// C0 and C1 control characters and DEL.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// A character that must never be stored in a value: controls, bidi controls, a byte-order mark.
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar) || isBidiControl(scalar) || scalar.value == 0xFEFF
    }

    /// Whether a string holds a character that must never be stored in a value.
    public static func hasForbiddenCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isForbidden)
    }

    /// Text made safe to write to a terminal: controls become visible symbols (␛, ␀, …),
    /// bidi controls and C1 controls become U+FFFD, so no stored string can move the cursor,
    /// change colours, retitle the window or reorder what is shown.
    public static func displaySafe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || isBidiControl($0) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 {
                out.append(Unicode.Scalar(0x2400 + scalar.value) ?? "\u{FFFD}")
            } else if scalar.value == 0x7F {
                out.append("\u{2421}")
            } else if isControl(scalar) || isBidiControl(scalar) {
                out.append("\u{FFFD}")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
