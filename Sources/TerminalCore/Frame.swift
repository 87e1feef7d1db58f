/// How a cell is drawn. Meaning never rests on colour alone: selection is inverse video and a
/// marker, headings are bold.
public struct Style: Hashable, Sendable {
    public var bold = false
    public var inverse = false
    public var underline = false

    public init(bold: Bool = false, inverse: Bool = false, underline: Bool = false) {
        self.bold = bold
        self.inverse = inverse
        self.underline = underline
    }

    public static let plain = Style()
    public static let heading = Style(bold: true)
    public static let selected = Style(bold: true, inverse: true)
}

/// One screen cell: a character (or nothing, for the right half of a wide one) and its style.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var style: Style
    public init(_ text: String = " ", _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
    /// The right half of a wide character.
    static let continuation = Cell("", .plain)
}

/// A full screen of text, drawn by screens and diffed by the renderer.
public struct Frame: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the cursor is shown (for text entry), or nil to hide it.
    public var cursor: (row: Int, column: Int)?

    public init(width: Int, height: Int) {
        self.width = max(width, 1)
        self.height = max(height, 1)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public static func == (a: Frame, b: Frame) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells && a.cursor?.row == b.cursor?.row
            && a.cursor?.column == b.cursor?.column
    }

    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * width + column] }
        set { cells[row * width + column] = newValue }
    }

    /// Writes `text` from `column` on `row`, clipped to the frame; returns the column after it.
    /// Control characters are shown as visible symbols, never sent to the terminal.
    @discardableResult
    public mutating func put(_ text: String, row: Int, column: Int, style: Style = .plain) -> Int {
        guard (0..<height).contains(row) else { return column }
        var col = column
        for character in text {
            let shown = Self.visible(character)
            let w = DisplayWidth.of(shown)
            if w == 0 {
                // A lone combining mark or format character: attach it to the previous cell.
                if col > 0 && col <= width { self[row, col - 1].text += String(shown) }
                continue
            }
            guard col >= 0, col + w <= width else { break }
            self[row, col] = Cell(String(shown), style)
            if w == 2 { self[row, col + 1] = .continuation }
            col += w
        }
        return col
    }

    /// Writes `text` ending at the right edge (minus `margin`): right-to-left languages are laid
    /// out right-aligned.
    @discardableResult
    public mutating func putRight(_ text: String, row: Int, margin: Int = 0, style: Style = .plain) -> Int {
        let (fitted, w) = DisplayWidth.prefix(text, fitting: width - margin)
        return put(fitted, row: row, column: width - margin - w, style: style)
    }

    /// Fills a row with a style (for a highlighted line).
    public mutating func fill(row: Int, style: Style) {
        guard (0..<height).contains(row) else { return }
        for column in 0..<width where self[row, column].text == " " { self[row, column].style = style }
    }

    /// The frame as plain text lines (for snapshot tests and the tmux tests' expectations).
    public var lines: [String] {
        (0..<height).map { row in
            var line = ""
            for column in 0..<width { line += self[row, column].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    static func visible(_ character: Character) -> Character {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return character }
        let v = scalar.value
        if v < 0x20 { return Character(Unicode.Scalar(0x2400 + v) ?? "?") }
        if v == 0x7F { return "\u{2421}" }
        if (0x80..<0xA0).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return "\u{FFFD}" }
        return character
    }
}
