import ConsentCore
import Foundation
@testable import KioskUI
import Testing

/// A value held about the tenant is laid out in its own direction (issue 21): in an Urdu line, an address
/// starting with a digit ("1 High Street, Leeds") keeps its order, where the bidi algorithm alone would
/// move the "1" after "Leeds".
@Suite struct ValueIsolationTests {
    static func signedIn(_ language: String) -> Drive {
        var d = Drive()
        d.press("lang:\(language)")
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)))
        return d
    }

    @Test(arguments: ["ur", "en"])
    func theTerminalDrawsAnAddressStartingWithADigitInItsOwnOrder(_ language: String) throws {
        let d = Self.signedIn(language)
        let lines = KioskRenderer.render(d.model, width: 100, height: 80, now: d.now).lines
        let line = try #require(lines.first { $0.contains("High Street") }, "the address is on the overview:\n\(lines.joined(separator: "\n"))")
        #expect(line.contains("1 High Street, Leeds"), "\(language): \(line)")
        #expect(!line.unicodeScalars.contains { (0x2066...0x2069).contains($0.value) }, "no isolate reaches the terminal")
    }

    @Test func theOverviewKeepsTheValueApartFromItsLabel() throws {
        let d = Self.signedIn("en")
        let items = d.model.items(now: d.now).items()
        let address = try #require(items.first { $0.action == .attribute(AttributeID("address")) })
        #expect(address.label == "Address" && address.value == "1 High Street, Leeds")
        #expect(address.text == "Address: 1 High Street, Leeds")
        #expect(address.isolatedText == "Address: \u{2068}1 High Street, Leeds\u{2069}")
    }
}
