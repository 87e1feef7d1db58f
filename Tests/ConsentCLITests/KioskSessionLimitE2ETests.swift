import Foundation
import Testing
import TestSupport

/// The session limit as a tenant at the counter meets it (issue 17): the time left counts down above
/// the footer, and a tenant cut off while typing is told that what they typed was not saved.
@Suite(.serialized, .ownThreads) struct KioskSessionLimitE2ETests {
    typealias Setup = KioskE2ETests.Setup

    /// The seconds of the first "Session ends in m:ss" on the screen, if any.
    static func secondsLeft(_ screen: String) -> Int? {
        guard let range = screen.range(of: "Session ends in ") else { return nil }
        let time = screen[range.upperBound...].prefix { $0.isNumber || $0 == ":" }.split(separator: ":").compactMap { Int($0) }
        return time.count == 2 ? time[0] * 60 + time[1] : nil
    }

    @Test func theTimeLeftCountsDownAndTypingCutOffIsNotSavedAndSaysSo() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let mobile = try #require(try setup.tenant("T0000001").mobile, "the demo's first tenant has a mobile number")
        // A 30-second session whose time left shows from its 25th second before the end: at once.
        let tmux = try Tmux(setup.kiosk("--session-limit 30 --session-warning 25"), width: 100, height: 30)
        try KioskE2ETests().firstSignIn(tmux, setup)
        // Mobile phone, under the uses; its correction box starts with the number held.
        try tmux.focus("Mobile phone")
        try tmux.keys("Enter")
        try tmux.waitFor("Correct this value")
        let correct = try tmux.screen().split(separator: "\n").first { $0.contains("Correct this value") }
            .flatMap { $0.split(separator: ".").first?.last }.map(String.init) ?? "5"
        try tmux.type(correct)
        try tmux.waitFor("[ \(mobile) ]")
        try tmux.type("999")
        try tmux.waitFor("[ \(mobile)999 ]")
        // The time left is on the row above the footer and goes down.
        let first = try tmux.waitUntil("the time left") { Self.secondsLeft($0) != nil }
        let lines = first.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count >= 29 && lines[28].contains("Session ends in"), "the time left is not above the footer:\n\(first)")
        let start = Self.secondsLeft(first) ?? 0
        try tmux.waitUntil("the time left going down", seconds: 20) { (Self.secondsLeft($0) ?? .max) < start }
        // At the limit: signed out, the receipt, and a plain word that the typing was not saved.
        let end = try tmux.waitFor("was not saved", seconds: 40)
        #expect(end.contains("time limit") && end.contains("Receipt number"), "\(end)")
        #expect(!end.contains("\(mobile)999"), "the typed text is still on screen:\n\(end)")
        #expect(try setup.tenant("T0000001").mobile == mobile, "the half-typed number was saved")
        try tmux.keys("Enter")
        try tmux.waitFor("Choose your language")
    }
}
