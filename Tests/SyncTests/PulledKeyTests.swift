import ConsentCore
import Crypto
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import Testing

@testable import ConsentStore
import TestSupport

/// A pull is no way to hand a device a key. A centre, or someone between it and the device, adds data
/// keys to the pages a device pulls; here they are even wrapped by the device's own key-encryption key
/// (the strongest case: they would open there). A device that seals for the centre takes none of them
/// and keeps sealing new special-category values to the organisation's key, which its centre opens.
@Suite struct PulledKeyTests {
    /// The centre's pages, with `slipped` added to each.
    final class SlippingTransport: SyncTransport, @unchecked Sendable {
        let inner: LocalTransport
        let slipped: [WireDataKey]
        init(_ inner: LocalTransport, slipped: [WireDataKey]) {
            self.inner = inner
            self.slipped = slipped
        }
        func push(_ request: PushRequest) async throws(SyncFailure) -> PushResponse { try await inner.push(request) }
        func pull(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse {
            var page = try await inner.pull(after: cursor, limit: limit)
            page.dataKeys += slipped
            return page
        }
        func snapshot(after cursor: Int64, limit: Int) async throws(SyncFailure) -> PullResponse { try await pull(after: cursor, limit: limit) }
        func staff() async throws(SyncFailure) -> StaffRegistry { try await inner.staff() }
        func offerStaff(_ offer: StaffRegistry) async throws(SyncFailure) -> StaffOfferReply { try await inner.offerStaff(offer) }
        func exchangeSignInTallies(_ sent: SignInTallies) async throws(SyncFailure) -> SignInTallies { try await inner.exchangeSignInTallies(sent) }
        func exchangeDisclosures(_ sent: DisclosureExchange) async throws(SyncFailure) -> DisclosureReply { try await inner.exchangeDisclosures(sent) }
    }

    @Test(arguments: Backend.allCases) func dataKeysSlippedIntoAPullAreNotTakenAndTheDeviceKeepsSealingToTheOrganisation(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: ["T0000001"])
        let device = net.devices[0]
        let organisation = try #require(device.organisationKey, "the \(backend) centre gave its organisation key at enrolment")
        let kek = try #require(device.keys.kek)
        let forgedID = "dk-slipped-into-a-pull"
        let forged = WireDataKey(keyID: forgedID, kekID: kek.id, wrapped: try Sealing.wrap(SymmetricKey(size: .bits256), id: forgedID, with: kek))
        try await net.centre.record([ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("full-name"), .value("Ann Other"), pending: false),
                                                   actor: .system("test"), channel: .system)])
        let transport = SlippingTransport(net.transport(0), slipped: [forged])
        let report = try await SyncClient(database: device, transport: transport).syncOnce()
        #expect(report.pulled > 0, "the page with the slipped key was applied: \(report)")

        let held = try device.read { db in try String.fetchAll(db, sql: "SELECT key_id FROM vault.data_key") }
        #expect(!held.contains(forgedID), "the device took a data key from a pull: \(held)")
        #expect(device.organisationKey == organisation && device.specialValuesSealedForCentre)
        try device.record(ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("health-needs"), .value("Slipped QXW1"), pending: false),
                                        actor: .tenant, channel: .kiosk))
        let sealedUnder = try device.read { db in
            try String.fetchAll(db, sql: "SELECT key_id FROM vault.value WHERE attribute_id = 'health-needs'")
        }
        #expect(sealedUnder == [organisation.id], "sealed to the organisation's key, not a slipped one: \(sealedUnder)")
        _ = try await SyncClient(database: device, transport: transport).syncOnce()
        #expect(try await net.problems().isEmpty)
    }
}
