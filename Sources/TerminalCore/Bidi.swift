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
        let scalars = direction == .rightToLeft ? isolatingNumberGroups(line) : line.unicodeScalars.map { FriBidiChar($0.value) }
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
        // A ligature (lam with alef) leaves U+FEFF where its second letter was, and the isolates added
        // below stay in: both are dropped, as they take no room.
        for value in visual where value != 0xFEFF && !(0x2066...0x2069).contains(value) {
            if let scalar = Unicode.Scalar(value) { text.append(scalar) }
        }
        return (String(text), cfribidi_is_rtl(base) != 0)
    }

    /// `line` as FriBidi characters, with each run of digit groups (a phone number such as
    /// "0303 123 1113") that follows right-to-left text wrapped in a left-to-right isolate: the
    /// algorithm would otherwise put the groups in reverse order. After Latin text the groups already
    /// keep their order, and are left as they are. Stored values never hold isolates (`TextSafety`).
    static func isolatingNumberGroups(_ line: String) -> [FriBidiChar] {
        let scalars = Array(line.unicodeScalars)
        func isDigit(_ i: Int) -> Bool { ("0"..."9").contains(scalars[i]) }
        var out: [FriBidiChar] = []
        out.reserveCapacity(scalars.count + 4)
        var afterLatin = false
        var i = 0
        while i < scalars.count {
            guard !afterLatin, isDigit(i) || (scalars[i] == "+" && i + 1 < scalars.count && isDigit(i + 1)) else {
                if scalars[i].properties.isAlphabetic { afterLatin = !isRightToLeftLetter(scalars[i]) }
                out.append(FriBidiChar(scalars[i].value))
                i += 1
                continue
            }
            // The run: digits with single spaces or hyphens between them, ending on a digit.
            var end = i + 1, lastDigit = i, gaps = 0
            while end < scalars.count {
                if isDigit(end) {
                    lastDigit = end
                } else if (scalars[end] == " " || scalars[end] == "-") && end + 1 < scalars.count && isDigit(end + 1) {
                    gaps += 1
                } else {
                    break
                }
                end += 1
            }
            let run = scalars[i...lastDigit].map { FriBidiChar($0.value) }
            out += gaps > 0 ? [0x2066] + run + [0x2069] : run
            i = lastDigit + 1
        }
        return out
    }

    /// Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms: the scripts written right to left.
    static func isRightToLeftLetter(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (0x0590...0x08FF).contains(v) || (0xFB1D...0xFDFF).contains(v) || (0xFE70...0xFEFF).contains(v)
            || (0x10800...0x10FFF).contains(v) || (0x1E800...0x1EFFF).contains(v)
    }
}
