import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncProtocol
import Testing
import TestSupport

/// A device file whose value row was edited after the value was recorded, by someone holding the file (issue 20: the
/// row keeps only 4 bytes of its digest and a push derives the rest). The push, over HTTP on 127.0.0.1, is refused at
/// both centres, which then hold nothing of the edited value; the device's own `ledger verify` names the event.
@Suite struct EditedValuePushTests {
    /// Changes the recorded email in the file at `path`; with `forgingTheCheck`, its 4-byte check too, made again for
    /// the new text, so the row itself looks consistent and only the chain can tell.
    static func edit(_ path: String, forgingTheCheck: Bool) throws {
        let file = try DatabaseQueue(path: path)
        defer { try? file.close() }
        try file.writeWithoutTransaction { db in
            let salt = try #require(try Data.fetchOne(db, sql: "SELECT salt FROM value WHERE value = 'ann@example.org'"))
            let check = ValueDigest.of(.value("eve@example.org"), attribute: AttributeID("email"), salt: salt).prefix(4)
            try db.execute(sql: "UPDATE value SET value = 'eve@example.org'" + (forgingTheCheck ? ", digest = ?" : "") + " WHERE value = 'ann@example.org'",
                           arguments: forgingTheCheck ? [check] : [])
        }
    }

    @Test(arguments: Backend.allCases, [false, true])
    func aValueEditedInTheDeviceFileIsRefusedAtTheCentre(backend: Backend, forgingTheCheck: Bool) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: ["T0000001"])
        let device = net.devices[0]
        try device.record([ChangeRequest(tenant: "T0000001", payload: .correction(AttributeID("email"), .value("ann@example.org"), pending: false),
                                         actor: .tenant, channel: .kiosk)])
        try Self.edit(device.path, forgingTheCheck: forgingTheCheck)

        do {
            let report = try await ClockAheadTests.overHTTP(net.centre, device) { client in try await client.syncOnce() }
            Issue.record("the centre took an edited value: \(report)")
        } catch {
            let expected = forgingTheCheck ? "its values are not the ones its record covers" : "value email does not match its digest"
            #expect("\(error)".contains("kiosk-0#") && "\(error)".contains(expected), "\(error)")
        }
        #expect(try await !net.centre.heldValues().other.contains("eve@example.org"), "the edited value reached the centre")
        let problems = try device.verify().problems
        #expect(problems.contains { $0.contains("kiosk-0#") && ($0.contains("email was changed") || $0.contains("removed or replaced")) }, "\(problems)")
    }
}
