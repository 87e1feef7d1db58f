import CFriBidi

/// Right-to-left text for terminals that show characters in the order they are sent: each line is
/// laid out with the Unicode bidirectional algorithm (GNU FriBidi), so Urdu reads from the right,
/// Latin names, references and digits inside it keep their own order, brackets are mirrored, and
/// Arabic-script letters take their joined forms (Unicode presentation forms), so they connect on
/// terminals that do not shape.
/// The kiosk switches a terminal that reorders by itself to explicit mode (see `Terminal`), so a
/// line is never reordered twice.
public enum Bidi {
    /// Which way a paragraph runs when it is laid out.
    public enum Direction: Sendable {
        /// A right-to-left paragraph (the language's direction).
        case rightToLeft
        /// Taken from the first strong character (a value typed into a box), left to right if none.
        case firstStrong
    }

    /// `line` (one display line, in the order it is stored) in the order its characters appear
    /// from left to right on the screen, shaped. Combining marks stay after their base character.
    public static func visual(_ line: String, direction: Direction = .rightToLeft) -> String {
        visualRun(line, direction: direction).text
    }

    /// The visual form of `line` and whether the paragraph resolved to right to left.
    public static func visualRun(_ line: String, direction: Direction) -> (text: String, rightToLeft: Bool) {
        let scalars = line.unicodeScalars.map { FriBidiChar($0.value) }
        guard !scalars.isEmpty, scalars.count < Int(Int32.max) else { return (line, direction == .rightToLeft) }
        var base: FriBidiParType = direction == .rightToLeft ? cfribidi_paragraph_rtl() : cfribidi_paragraph_auto()
        var visual = [FriBidiChar](repeating: 0, count: scalars.count)
        let ok = scalars.withUnsafeBufferPointer { input in
            visual.withUnsafeMutableBufferPointer { output in
                fribidi_log2vis(input.baseAddress, FriBidiStrIndex(scalars.count), &base, output.baseAddress, nil, nil, nil)
            }
        }
        // FriBidi fails only when it cannot allocate; the line is then shown as stored.
        guard ok != 0 else { return (line, direction == .rightToLeft) }
        var text = String.UnicodeScalarView()
        // A ligature (lam with alef) leaves U+FEFF where its second letter was: dropped, as it takes no room.
        for value in visual where value != 0xFEFF {
            if let scalar = Unicode.Scalar(value) { text.append(scalar) }
        }
        return (String(text), cfribidi_is_rtl(base) != 0)
    }
}
