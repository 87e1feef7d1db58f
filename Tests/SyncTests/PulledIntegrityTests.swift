import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// A device refuses a pulled page holding an event that is not the one its device chained,
/// wherever in the page it sits: checked ahead against its predecessor in the page, or against
/// the stored head when it is the first of its device's run. Nothing of the page is applied.
@Suite struct PulledIntegrityTests {
    /// A centre holding five decisions of kiosk-0, and kiosk-1 in step up to before them.
    static func network() async throws -> (Network, PullResponse, cursor: Int64) {
        let net = try await Network.make(.sqlite, devices: 2, tenants: ["T1"])
        for (i, purpose) in ["service-updates-email", "resident-involvement", "service-updates-email", "resident-involvement", "service-updates-email"]
            .enumerated() {
            try net.devices[0].record(decide("T1", purpose, ["email"], i % 2 == 0 ? .withdrawn : .granted))
        }
        _ = try await net.client(0).syncOnce()
        let cursor = try net.devices[1].syncCursor()
        let page = try await net.centre.store.pull(after: cursor, limit: 100)
        return (net, page, cursor)
    }

    @Test func aPageOfOneDevicesRunIsCheckedAheadAgainstItself() async throws {
        let (net, page, cursor) = try await Self.network()
        #expect(page.events.count == 5)
        let precheck = IntegrityPrecheck(page.events, catalogue: Shipped.content.catalogue)
        #expect(precheck.verdicts == [.unchecked, .sound, .sound, .sound, .sound], "the first waits for the stored head")
        #expect(precheck.catalogueProblems == [nil, nil, nil, nil, nil])
        #expect(try net.devices[1].applyPulled(page, precheck: precheck).stored == 5)
        #expect(try net.devices[1].syncCursor() > cursor)
        #expect(try await net.problems().isEmpty)
    }

    @Test(arguments: [0, 2, 4]) func anEventEditedAfterTheFactIsRefusedWithTheWholePage(position: Int) async throws {
        let (net, original, cursor) = try await Self.network()
        var page = original
        page.events[position].record.evidence = "edited after the fact"
        let precheck = IntegrityPrecheck(page.events, catalogue: Shipped.content.catalogue)
        #expect(precheck.verdicts[position] == (position == 0 ? .unchecked : .broken(
            "event kiosk-0#\(page.events[position].record.sequence): its hash does not follow the device's chain (edited, reordered or forged)")))
        let before = try net.devices[1].verify().events
        #expect(throws: StoreError.self, "position \(position)") { try net.devices[1].applyPulled(page, precheck: precheck) }
        #expect(try net.devices[1].syncCursor() == cursor && net.devices[1].verify().events == before, "nothing of the page was applied")
        // The same page, untouched, still applies.
        #expect(try net.devices[1].applyPulled(original, precheck: IntegrityPrecheck(original.events, catalogue: Shipped.content.catalogue)).stored == 5)
    }

    @Test func anEventThisSidesFormsDoNotKnowIsFoundAheadAndRefusedWithThePage() async throws {
        let (net, original, cursor) = try await Self.network()
        var page = original
        // A well-chained page from a centre with other Forms: a purpose this side does not know.
        page.events[3].record.purpose = "prize-draw"
        var previous = ValueDigest.empty
        for i in page.events.indices {
            page.events[i].hash = page.events[i].record.hash(after: previous)
            previous = page.events[i].hash
        }
        let precheck = IntegrityPrecheck(page.events, catalogue: Shipped.content.catalogue)
        #expect(precheck.verdicts == [.unchecked, .sound, .sound, .sound, .sound])
        #expect(precheck.catalogueProblems[3]?.contains("purpose prize-draw is not in this side's Forms") == true, "\(precheck.catalogueProblems)")
        let error = #expect(throws: StoreError.self) { try net.devices[1].applyPulled(page, precheck: precheck) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("prize-draw"))
        #expect(try net.devices[1].syncCursor() == cursor, "nothing of the page was applied")
    }
}
