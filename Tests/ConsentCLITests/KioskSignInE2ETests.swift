import ConsentCore
import ConsentForms
import Foundation
import Testing
import TestSupport

/// Signing in at the kiosk as strangers and tenants do (issue 17): the same answers for every
/// reference, dates in any common form, input that is not a date explained and not counted, and
/// waits that count down.
@Suite(.serialized, .ownThreads) struct KioskSignInE2ETests {
    typealias Setup = KioskE2ETests.Setup

    static let answers = ["do not match", "Please wait", "locked"]

    /// One sign-in try from an empty sign-in screen; returns the answer line with the wait's length
    /// removed (so "Please wait 1 second" and "Please wait 4 seconds" read the same: how much of a wait
    /// is left when the screen is read depends on the machine's speed, not on the reference).
    static func attempt(_ tmux: Tmux, _ ref: String, _ dob: String, _ pin: String) throws -> String {
        try tmux.type(ref)
        try tmux.keys("Tab")
        try tmux.type(dob)
        try tmux.keys("Tab")
        try tmux.type(pin)
        // Typing clears the last answer; once the PIN shows, the next answer is this try's.
        try tmux.waitUntil("the PIN is typed") { $0.contains(String(repeating: "•", count: pin.count)) && !answers.contains(where: $0.contains) }
        try tmux.keys("Enter")
        let screen = try tmux.waitUntil("an answer") { screen in answers.contains(where: screen.contains) }
        let line = screen.split(separator: "\n").first { line in answers.contains(where: line.contains) } ?? ""
        return line.replacingOccurrences(of: #"[0-9]+ seconds?"#, with: "N seconds", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    @Test func anUnknownReferenceGetsTheSameAnswersAsARealOneAndTheWaitCountsDown() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let dob = try setup.tenant("T0000002").dob
        let tmux = try Tmux(setup.kiosk(), width: 100, height: 30)
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        var real: [String] = [], unknown: [String] = []
        for attempt in 1...4 { real.append(try Self.attempt(tmux, "T0000002", dob, "90817\(attempt)")) }
        for attempt in 1...4 { unknown.append(try Self.attempt(tmux, "ZZ999999", dob, "90817\(attempt)")) }
        #expect(real == unknown, "a stranger can tell which references exist:\nreal:    \(real)\nunknown: \(unknown)")
        #expect(real.last?.contains("Please wait") == true, "\(real)")
        // The wait counts down to its end, then goes.
        try tmux.waitFor("Please wait 1 second ", seconds: 5)
        try tmux.waitUntil("the wait ends", seconds: 5) { !$0.contains("Please wait") }
    }

    @Test func theLockMessageGivesTheOrganisationsPhoneNumberWholeAt80Columns() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let dob = try setup.tenant("T0000003").dob
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try tmux.waitFor("Choose your language")
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        var answers: [String] = []
        for attempt in 1...12 where answers.last?.contains("locked") != true {
            let answer = try Self.attempt(tmux, "T0000003", dob, "90817\(attempt % 10)")
            if answer.contains("Please wait") {
                try tmux.waitUntil("the wait ends", seconds: 20) { !$0.contains("Please wait") }
            } else {
                answers.append(answer)
            }
        }
        #expect(answers.count == 5 && answers.last?.contains("locked") == true, "\(answers)")
        let screen = try tmux.waitFor("locked")
        #expect(screen.contains("01632 960000"), "the lock message gives no phone number (or splits it):\n\(screen)")
        try Self.expectWholeLockMessage(screen, "en")
        // The same lock, met in each other language by the next try (a locked reference answers at once).
        for (digit, language) in [("2", "pl"), ("3", "ro"), ("4", "ur")] {
            try tmux.keys("Escape")
            try tmux.waitFor("1. English") // the welcome, in the language last chosen
            try tmux.type(digit)
            try tmux.waitUntil("the \(language) sign-in screen") { !$0.contains("1. English") && !$0.contains("01632 960000") }
            try tmux.type("T0000003")
            try tmux.keys("Tab")
            try tmux.type(dob)
            try tmux.keys("Tab")
            try tmux.type("908171")
            try tmux.waitFor("••••••")
            try tmux.keys("Enter")
            try Self.expectWholeLockMessage(try tmux.waitFor("01632 960000"), language)
        }
    }

    /// The lock message of `language` is on `screen` whole: every word, in order, over as many rows as it
    /// takes, saying when the lock lifts by itself (the length `SignInThrottle` sets, 15 minutes) and whom to
    /// call. Urdu arrives in visual order with joined letters, so for it the number of minutes, the phone
    /// number and no cut row are checked.
    static func expectWholeLockMessage(_ screen: String, _ language: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let content = try Shipped.load()
        let minutes = SignInThrottle.lockSeconds / 60
        #expect(!screen.contains("…"), "\(language): the lock message is cut at 80 columns:\n\(screen)", sourceLocation: sourceLocation)
        #expect(screen.split(whereSeparator: \.isWhitespace).contains("\(minutes)"), "\(language): the lock message does not say when it lifts by itself:\n\(screen)", sourceLocation: sourceLocation)
        guard language != "ur" else { return }
        let message = content.localizer.plural("kiosk.sign-in.locked.phone", count: minutes, language, ["phone": "01632 960000"])
        let collapsed = screen.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(collapsed.contains(message), "\(language): the lock message is not all on screen:\n\(screen)", sourceLocation: sourceLocation)
    }

    @Test func datesInCommonFormsSignInAndWhatIsNotADateIsExplainedAndNotCounted() throws {
        let setup = try Setup()
        defer { setup.cli.remove() }
        let tenant = try setup.tenant("T0000001")
        let tmux = try Tmux(setup.kiosk(), width: 80, height: 24)
        try KioskE2ETests().firstSignIn(tmux, setup)
        try Self.signOut(tmux)
        let parts = tenant.dob.split(separator: "/").map(String.init) // DD, MM, YYYY
        // Six tries with a two-digit year and the right PIN: each is explained under the date box,
        // none counts (five failures would lock the account).
        try tmux.keys("Enter")
        try tmux.waitFor("Tenancy reference")
        try tmux.type("T0000001")
        try tmux.keys("Tab")
        try tmux.type("\(parts[0])/\(parts[1])/\(parts[2].suffix(2))")
        try tmux.keys("Tab")
        try tmux.type("482916")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("That is not a date")
        let lines = screen.split(separator: "\n").map(String.init)
        let box = lines.firstIndex { $0.contains("Date of birth") }.map { $0 + 1 } ?? 0
        #expect(lines.indices.contains(box + 1) && lines[box + 1].contains("That is not a date"), "the explanation is not under the date box:\n\(screen)")
        for _ in 0..<5 { try tmux.keys("Enter", "Enter") } // the focus is on the date: Enter, Enter sends again
        try tmux.keys("Escape")
        try tmux.waitFor("Choose your language")
        // Every common form of the right date signs in.
        let day = String(Int(parts[0]) ?? 0), month = String(Int(parts[1]) ?? 0)
        for form in ["\(parts[0]) \(parts[1]) \(parts[2])", "\(parts[0])-\(parts[1])-\(parts[2])", "\(day).\(month).\(parts[2])"] {
            try tmux.keys("Enter")
            try tmux.waitFor("Tenancy reference")
            try tmux.type("T0000001")
            try tmux.keys("Tab")
            try tmux.type(form)
            try tmux.keys("Tab")
            try tmux.type("482916")
            try tmux.keys("Enter")
            try tmux.waitFor(tenant.name)
            try Self.signOut(tmux)
        }
    }

    /// Signs out from the overview and finishes the receipt: back on the welcome screen.
    static func signOut(_ tmux: Tmux) throws {
        try tmux.focus("Sign out")
        try tmux.keys("Enter")
        try tmux.waitFor("Receipt number")
        try tmux.keys("Enter")
        try tmux.waitFor("Choose your language")
    }
}

extension Tmux {
    /// Waits until the screen satisfies `condition`; fails the test with the screen after `seconds`.
    @discardableResult
    func waitUntil(_ what: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
                   _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("screen never showed \(what):\n\(last)", sourceLocation: sourceLocation)
        throw TimedOut()
    }
}
