/// Turns frames into terminal output, sending only what changed since the last frame.
public struct Renderer: Sendable {
    private var previous: Frame?

    public init() {}

    /// Forget the screen's contents (after a resize or a wipe): the next frame is drawn whole.
    public mutating func invalidate() { previous = nil }

    /// The bytes that turn the screen from the last frame into `frame`.
    public mutating func render(_ frame: Frame) -> String {
        var out = "\u{1B}[?25l"
        let full = previous.map { $0.width != frame.width || $0.height != frame.height } ?? true
        if full { out += "\u{1B}[0m\u{1B}[2J" }
        var current = Style.plain
        out += "\u{1B}[0m"
        for row in 0..<frame.height {
            var column = 0
            while column < frame.width {
                let cell = frame[row, column]
                let changed = full || previous.map { $0[row, column] != cell } ?? true
                guard changed, !cell.text.isEmpty else { column += 1; continue }
                // Draw a run of cells from here to the last change on this row.
                var end = frame.width - 1
                if !full, let previous {
                    while end > column && previous[row, end] == frame[row, end] { end -= 1 }
                }
                out += "\u{1B}[\(row + 1);\(column + 1)H"
                var c = column
                while c <= end {
                    let run = frame[row, c]
                    if !run.text.isEmpty {
                        if run.style != current {
                            out += Self.sgr(run.style)
                            current = run.style
                        }
                        out += run.text
                    }
                    c += 1
                }
                column = end + 1
            }
        }
        out += "\u{1B}[0m"
        if let cursor = frame.cursor {
            out += "\u{1B}[\(cursor.row + 1);\(cursor.column + 1)H\u{1B}[?25h"
        }
        previous = frame
        return out
    }

    static func sgr(_ style: Style) -> String {
        var codes = ["0"]
        if style.bold { codes.append("1") }
        if style.underline { codes.append("4") }
        if style.inverse { codes.append("7") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}
