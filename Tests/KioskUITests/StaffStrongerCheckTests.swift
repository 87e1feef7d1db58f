import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// Staff mode with the shipped `Forms/staff.yaml`: details on the tenant's post never pass a caller,
/// and a marked tenant's caller needs the one-time code (or a call-back) before anything is shown.
@Suite struct StaffStrongerCheckTests {
    /// Answers every check on the verify screen, in policy order (date of birth, postcode, mobile, email).
    func answer(_ d: inout StaffDrive, _ values: [String]) {
        d.keys(.home)
        for value in values {
            d.type(value)
            d.keys(.tab)
        }
        d.press("check")
    }

    @Test func aCallerWithOnlyTheTenantsPostIsRefused() {
        var d = StaffDrive()
        d.open(role: .support)
        answer(&d, ["", "LS1 1AA", "07700900123", "ann@example.org"])
        #expect(d.model.state.screen == .verify)
        #expect(d.model.state.call?.caller.isVerified == false)
        #expect(d.allText.contains("only details on the tenant's own post matched"), "\(d.allText)")
        #expect(!d.allText.contains("1 High Street"))
    }

    @Test func aMarkedTenantsCallerNeedsTheCodeFromTheNumberOnFile() {
        var d = StaffDrive()
        d.open(role: .support, markers: ["safe-address"])
        d.press("alerts-read")
        d.verify(dob: "1970-05-01", postcode: "LS1 1AA")
        #expect(d.model.state.screen == .stronger)
        #expect(!d.allText.contains("ann@example.org"), "nothing held is listed yet")
        #expect(!d.actions.contains { $0.hasPrefix("decide:") && $0.hasSuffix(":granted") })
        d.press("make-code")
        #expect(d.effects.last == .makeCode)
        d.send(.codeMade(OneTimeCode(code: "482913", madeAt: d.now)))
        #expect(d.allText.contains("482913") && d.allText.contains("07700900123"), "staff text the code to the number on file")
        #expect(d.allText.contains("07… ending 123"))

        d.keys(.home)
        d.type("000000")
        d.press("check-code")
        #expect(d.model.state.screen == .stronger)
        #expect(d.allText.contains("Wrong code: 2 tries left"))
        d.keys(.home)
        d.type("482913")
        d.press("check-code")
        #expect(d.model.state.screen == .tenant)
        #expect(d.model.state.call?.caller.method == "date-of-birth+postcode+one-time-code")
        #expect(d.allText.contains("ann@example.org"))
    }
}
