import Testing
@testable import TerminalCore

@Suite struct DisplayWidthTests {
    @Test func widths() {
        #expect(DisplayWidth.of("Hello") == 5)
        #expect(DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("👩‍👩‍👧") == 2)
        #expect(DisplayWidth.of("محمد") == 4)
        #expect(DisplayWidth.of("\u{200D}") == 0)
        #expect(DisplayWidth.of("한국어") == 6)
    }

    @Test func wrapKeepsWordsAndWidth() {
        let lines = DisplayWidth.wrap("We would like to keep the details of someone we can contact in an emergency.", columns: 20)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 20 })
        #expect(lines.joined(separator: " ") == "We would like to keep the details of someone we can contact in an emergency.")
        #expect(DisplayWidth.wrap(String(repeating: "x", count: 45), columns: 20).map(\.count) == [20, 20, 5])
    }

    @Test func wrapKeepsAPhoneNumberOnOneLine() {
        // "01632 960000" would break after "01632" at 25 columns; a number read half on each line is misdialled.
        let lines = DisplayWidth.wrap("Please ask or call us on 01632 960000 to unlock it.", columns: 25)
        #expect(lines.contains { $0.contains("01632 960000") }, "\(lines)")
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 25 })
        #expect(lines.joined(separator: " ") == "Please ask or call us on 01632 960000 to unlock it.")
        #expect(DisplayWidth.wrap("ہمیں 0303 123 1113 پر فون کریں", columns: 14).contains { $0.contains("0303 123 1113") })
        #expect(DisplayWidth.wrap("in 2 seconds", columns: 7) == ["in 2", "seconds"], "a number before a word still breaks")
    }
}

@Suite struct FrameTests {
    @Test func controlCharactersBecomeVisibleSymbols() {
        var frame = Frame(width: 20, height: 2)
        frame.put("a\u{1B}[2Jb\u{7}", row: 0, column: 0)
        #expect(frame.lines[0] == "a␛[2Jb␇")
        #expect(!frame.cells.contains { $0.text.unicodeScalars.contains { $0.value < 0x20 } })
    }

    @Test func wideCharactersTakeTwoCellsAndClip() {
        var frame = Frame(width: 5, height: 1)
        let end = frame.put("日本語", row: 0, column: 0)
        #expect(end == 4)
        #expect(frame.lines[0] == "日本")
    }

    @Test func rightAlignedText() {
        var frame = Frame(width: 10, height: 1)
        frame.putRight("اردو", row: 0, margin: 1)
        #expect(frame.lines[0] == "     اردو")
    }
}

@Suite struct RendererTests {
    @Test func secondFrameSendsOnlyTheChange() {
        var renderer = Renderer()
        var frame = Frame(width: 10, height: 3)
        frame.put("hello", row: 1, column: 0)
        let first = renderer.render(frame)
        #expect(first.contains("\u{1B}[2J"))
        #expect(first.contains("hello"))
        #expect(!renderer.render(frame).contains("hello"))
        frame.put("J", row: 1, column: 0)
        let diff = renderer.render(frame)
        #expect(diff.contains("\u{1B}[2;1HJ"))
        #expect(!diff.contains("ello"))
        #expect(!diff.contains("\u{1B}[2J"))
    }

    @Test func invalidateRedrawsWhole() {
        var renderer = Renderer()
        var frame = Frame(width: 10, height: 2)
        frame.put("x", row: 0, column: 0)
        _ = renderer.render(frame)
        renderer.invalidate()
        #expect(renderer.render(frame).contains("\u{1B}[2J"))
    }
}

@Suite struct InputDecoderTests {
    @Test func keysArrowsAndControls() {
        var d = InputDecoder()
        #expect(d.feed(Array("a\r\t".utf8)) == [.character("a"), .enter, .tab])
        #expect(d.feed([0x1B, 0x5B, 0x41, 0x1B, 0x4F, 0x42, 0x1B, 0x5B, 0x5A]) == [.up, .down, .backTab])
        #expect(d.feed([0x03, 0x1A, 0x1C, 0x7F]) == [.control("c"), .control("z"), .control("\\"), .backspace])
        #expect(d.feed(Array("\u{1B}[5~\u{1B}[3~".utf8)) == [.pageUp, .delete])
    }

    @Test func sequencesSplitAcrossReads() {
        var d = InputDecoder()
        #expect(d.feed([0x1B]).isEmpty)
        #expect(d.hasPendingEscape)
        #expect(d.feed([0x5B]).isEmpty)
        #expect(d.feed([0x43]) == [.right])
        let ż = Array("ż".utf8)
        #expect(d.feed([ż[0]]).isEmpty)
        #expect(d.feed([ż[1]]) == [.character("ż")])
    }

    @Test func loneEscapeAfterTimeout() {
        var d = InputDecoder()
        #expect(d.feed([0x1B]).isEmpty)
        #expect(d.flush() == [.escape])
    }

    @Test func sgrMouseAndPaste() {
        var d = InputDecoder()
        #expect(d.feed(Array("\u{1B}[<0;12;5M\u{1B}[<0;12;5m".utf8)) == [.click(row: 4, column: 11)])
        #expect(d.feed(Array("\u{1B}[200~07700\n900123\u{1B}[201~".utf8)) == [.paste("07700\n900123")])
    }
}
