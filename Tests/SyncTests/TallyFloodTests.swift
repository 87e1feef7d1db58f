import ConsentCore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// One device cannot lock every tenant out of every kiosk (review 3, G14): a centre takes failed sign-ins for at
/// most ``SignInTallies/maxReferencesPerDevice`` references from one device in a day, leaves out the rest and
/// audits it, over a real HTTP server on 127.0.0.1, both centres.
@Suite struct TallyFloodTests {
    @Test(arguments: Backend.allCases)
    func aDeviceReportingFailuresForTooManyReferencesLocksOutNoOneBeyondTheLimit(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let visitor = FetchOnDemandTests.visitor.rawValue, south = offices.south.device.rawValue
        let now = Millis.from(try #require(offices.net.clocks.last).read())
        let limit = SignInTallies.maxReferencesPerDevice
        // A tampered kiosk reports five failures (a lock) for a run of references, then the visitor's.
        let flood = (1...limit).map { String(format: "Z%07d", $0) } + [visitor]
        let forged = SignInTallies(entries: flood.map { SignInTallies.Entry(ref: $0, device: south, failures: 5, firstAt: now, lastAt: now) })
        try await FetchOnDemandTests.serve(offices) { _, centre in
            let answer = try await centre.client.transport.exchangeSignInTallies(forged)
            let counted = Set(answer.entries.filter { $0.device == south }.map(\.ref))
            #expect(counted.count == limit, "the centre took \(counted.count) references from one device")
            #expect(!counted.contains(visitor), "the centre took failures past the limit")
            #expect(try await offices.net.centre.audit().contains { $0.contains("at most \(limit) references") }, "not audited")
            #expect(await FetchKiosk.fetch(centre, FetchOnDemandTests.visitor, dateOfBirth: FetchOnDemandTests.born) == .fetched,
                    "the visitor is locked out by a flood from one device")
            // A reference the device already counts still moves on (a real kiosk's count keeps working).
            let later = SignInTallies(entries: [SignInTallies.Entry(ref: "Z0000001", device: south, failures: 6, firstAt: now, lastAt: now + 1)])
            let next = try await centre.client.transport.exchangeSignInTallies(later)
            #expect(next.entries.contains { $0.ref == "Z0000001" && $0.device == south && $0.failures == 6 })
        }
    }
}
