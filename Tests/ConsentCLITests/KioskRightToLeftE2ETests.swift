import Foundation
import Testing
import TestSupport

/// Urdu reads from the right on a terminal that shows characters in the order it gets them (tmux, like
/// xterm, does no bidi): each line arrives in visual order with its letters joined, Latin words and digits
/// keep their own order, brackets mirror, and the cursor stands after what is typed (issue 17).
@Suite(.serialized, .ownThreads) struct KioskRightToLeftE2ETests {
    /// "سائن ان" (Sign in), worked out by hand: "ان" on the left (both letters alone), then "سائن" joined
    /// (ن final, ئ initial, ا final, س initial).
    static let signIn = "\u{FEE5}\u{FE8D} \u{FEE6}\u{FE8B}\u{FE8E}\u{FEB3}"
    /// "PIN (6 ہندسے)": "ہندسے" joined (ے final, س initial, د final, ن medial, ہ initial) at the left,
    /// the brackets mirrored, the digit and the Latin word in their own order at the right.
    static let pinLabel = "(\u{FBAF}\u{FEB3}\u{FEAA}\u{FEE8}\u{FBA8} 6) PIN"

    @Test func anUrduScreenIsDrawnInVisualOrderWithTheCursorAfterWhatIsTyped() throws {
        let setup = try KioskE2ETests.Setup()
        defer { setup.cli.remove() }
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        try tmux.type("4") // اردو
        var screen = try tmux.waitFor(Self.signIn)
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasSuffix(Self.signIn) == true, "the title is not at the right edge:\n\(screen)")
        #expect(lines.contains { $0.hasSuffix(Self.pinLabel) }, "the PIN label is not in visual order:\n\(screen)")
        #expect(!screen.contains("سائن ان"), "a line was sent in stored order:\n\(screen)")

        // A reference typed into the first box runs left to right, with the focus marker on the right and
        // the cursor shown just after the last character typed.
        try tmux.type("T0000002")
        screen = try tmux.waitFor("[ T0000002 ] ◀")
        let row = screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("[ T0000002 ] ◀") } ?? -1
        let line = screen.split(separator: "\n", omittingEmptySubsequences: false)[max(row, 0)]
        let afterTyped = line.distance(from: line.startIndex, to: line.range(of: "T0000002")?.upperBound ?? line.startIndex)
        let cursor = try tmux.run(["display-message", "-t", tmux.session, "-p", "#{cursor_x} #{cursor_y} #{cursor_flag}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cursor == "\(afterTyped) \(row) 1", "cursor (x y shown) is \(cursor), expected just after the typed reference:\n\(screen)")
    }
}
