import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TerminalCore
import TestSupport

/// Frames of each screen at 80×24, in English and in Urdu (right to left), compared with the
/// files in Snapshots/. Set KIOSK_RECORD_SNAPSHOTS=1 to rewrite them after a deliberate change.
@Suite struct SnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func screens(_ language: String) -> [(String, Drive)] {
        var out: [(String, Drive)] = []
        var d = Drive()
        let code = Shipped.content.localizer.languages.firstIndex { $0.code == language } ?? 0
        for _ in 0..<code { d.keys(.down) }
        d.keys(.enter)
        out.append(("sign-in", d))
        var c = d
        c.press("use-code")
        out.append(("code", c))
        var welcome = Drive()
        welcome.keys(.home)
        out.append(("welcome", welcome))
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)))
        out.append(("overview", d))
        var a = d
        let email = a.overviewIndex("email")
        for _ in 0..<email { a.keys(.down) }
        a.keys(.enter)
        out.append(("attribute", a))
        // The first use the tenant can agree to opens its notice (found by its action, not by where
        // it is drawn, which differs right to left).
        var n = a
        let agree = n.model.selectable(now: n.now).first {
            if case .button(.decide(_, .granted)) = $0.kind { true } else { false }
        }
        if let action = agree?.action { n.press(action.token) }
        out.append(("notice", n))
        var e = a
        e.press("correct")
        out.append(("edit", e))
        var idle = d
        idle.wait(70)
        out.append(("idle", idle))
        var receipt = d
        receipt.press("sign-out")
        out.append(("receipt", receipt))
        var pin = c
        pin.send(.codeAccepted(Sample.ref))
        out.append(("set-pin", pin))
        var erase = a
        erase.press("erase")
        out.append(("confirm-erase", erase))
        var disclosures = d
        disclosures.send(.disclosures([DisclosureLine(date: "2026-10-01", purpose: PurposeID("regulator-returns"),
                                                      recipient: "regulator-anonymised", attributes: [AttributeID("postcode")])]))
        disclosures.press("disclosures")
        out.append(("disclosures", disclosures))
        var language = d
        language.press("language")
        out.append(("language", language))
        var help = d
        help.press("help")
        out.append(("help", help))
        return out
    }

    @Test(arguments: ["en", "ur"])
    func screensMatchTheirSnapshots(_ language: String) throws {
        let record = ProcessInfo.processInfo.environment["KIOSK_RECORD_SNAPSHOTS"] == "1"
        for (name, drive) in Self.screens(language) {
            var text = drive.text
            // The receipt number is random; blank it for comparison.
            if let range = text.range(of: #"[A-Z2-9]{8}$"#, options: .regularExpression) { text.replaceSubrange(range, with: "XXXXXXXX") }
            text = text.replacingOccurrences(of: #"(: |: )[A-Z2-9]{8}"#, with: "$1XXXXXXXX", options: .regularExpression)
            // Right to left, the number is drawn before the colon.
            text = text.replacingOccurrences(of: #"[A-Z2-9]{8}( :)"#, with: "XXXXXXXX$1", options: .regularExpression)
            let file = Self.directory.appendingPathComponent("\(name).\(language).txt")
            if record {
                try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            if name == "notice", let page = Self.screens(language).first(where: { $0.0 == "attribute" })?.1 {
                #expect(drive.text != page.text, "the notice snapshot in \(language) shows the item page, not a notice")
            }
            let expected = try String(contentsOf: file, encoding: .utf8)
            #expect(text == expected, "screen \(name) in \(language) differs from Snapshots/\(file.lastPathComponent)")
        }
    }

    @Test func everyScreenFitsEightyByTwentyFourAndLargerSizes() {
        for language in ["en", "pl", "ro", "ur"] {
            var d = Drive()
            let index = Shipped.content.localizer.languages.firstIndex { $0.code == language } ?? 0
            for _ in 0..<index { d.keys(.down) }
            d.keys(.enter)
            d.send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)))
            // Urdu is drawn from the right in joined letter forms, worked out by hand: "کریں" of Sign out
            // (ں final, ی initial, ر final, ک initial), Language "زبان" and Help "مدد".
            let footer = language == "ur" ? ["\u{FB9F}\u{FBFE}\u{FEAE}\u{FB90}", "\u{FEE5}\u{FE8E}\u{FE91}\u{FEAF}", "\u{FEA9}\u{FEAA}\u{FEE3}"]
                : ["kiosk.sign-out", "kiosk.language", "kiosk.help"].map { Shipped.content.localizer.text($0, language) }
            for (width, height) in [(60, 20), (80, 24), (132, 43), (200, 60)] {
                let frame = KioskRenderer.render(d.model, width: width, height: height, now: d.now)
                #expect(frame.lines.allSatisfy { DisplayWidth.of($0) <= width })
                #expect(frame.lines.contains { $0.contains("Ann Smith") })
                #expect(footer.allSatisfy { frame.lines.last?.contains($0) == true }, "\(language) \(width)×\(height): \(frame.lines.last ?? "")")
            }
        }
    }

    @Test func rightToLeftIsRightAligned() {
        var d = Drive()
        let urdu = Shipped.content.localizer.languages.firstIndex { $0.code == "ur" } ?? 0
        for _ in 0..<urdu { d.keys(.down) }
        d.keys(.enter)
        let lines = d.screen
        let content = lines[2..<12].filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(!content.isEmpty)
        #expect(content.allSatisfy { $0.hasPrefix("    ") }, "Urdu lines should start at the right")
    }
}
