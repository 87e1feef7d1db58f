import ConsentCore
import Foundation
@testable import KioskUI
import Testing
import TestSupport

/// An item page keeps its value and the way to correct it on the first screen, however many uses the
/// item has (issue 24: adding "Works in your area" once pushed "Correct this value" off the 24 rows).
@Suite struct ItemPageLayoutTests {
    @Test(arguments: ["en", "pl", "ro", "ur"])
    func everyItemPageShowsCorrectThisValueOnItsFirstScreen(_ language: String) {
        let correct = Shipped.content.localizer.text("kiosk.correct", language)
        // Every item the tenant is asked (a retired one, a write-in not yet called for, or what staff keep and
        // the sample does not hold, is not on the overview).
        for attribute in Shipped.content.catalogue.attributes
        where Shipped.content.catalogue.asks(attribute.id, of: Sample.state, at: Drive().now) && !attribute.keptByStaff {
            var d = Drive()
            d.press("lang:\(language)")
            d.send(.signedIn(TenantSession(ref: Sample.ref, state: Sample.state, started: d.now)))
            d.press("attr:\(attribute.id)")
            #expect(d.model.state.screen == .attribute(attribute.id))
            for (width, height) in [(80, 24), (60, 20)] {
                let screen = KioskRenderer.render(d.model, width: width, height: height, now: d.now).lines.joined(separator: "\n")
                // Urdu is drawn in visual order with joined letters: the button's place is checked through its action.
                if language == "ur" {
                    let index = d.model.selectable(now: d.now).firstIndex { $0.kind == .button(.correct) }
                    let view = d.model.view(now: d.now)
                    let drawn = (0..<height).contains { KioskRenderer.itemIndex(atRow: $0, view: view, size: (width, height)) == index }
                    #expect(index != nil && drawn, "\(attribute.id) \(width)x\(height): Correct this value is off the screen:\n\(screen)")
                } else {
                    #expect(screen.contains(correct), "\(language) \(attribute.id) \(width)x\(height): \(correct) is off the screen:\n\(screen)")
                }
            }
        }
    }
}
