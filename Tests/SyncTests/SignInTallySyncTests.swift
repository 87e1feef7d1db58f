import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import SyncProtocol
import Testing

/// Failed kiosk sign-ins travel with sync, at both centres: what one kiosk counted slows the others,
/// for a tenant's reference and a stranger's alike, and no device can report another's failures.
@Suite struct SignInTallySyncTests {
    @Test(arguments: Backend.allCases) func failuresAtOneKioskSlowTheOtherAlikeForKnownAndUnknownReferences(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001"])
        for ref in ["T0000001", "T0000099"] {
            for _ in 0..<3 { _ = try network.devices[0].signIn(TenantRef(ref), dateOfBirth: "01/01/1970", secret: "000000") }
        }
        try await network.heal()
        let answers = try ["T0000001", "T0000099"].map { try network.devices[1].signIn(TenantRef($0), dateOfBirth: "01/01/1970", secret: "000000") }
        #expect(answers == [.wait(seconds: 2), .wait(seconds: 2)], "the second kiosk did not learn of the first's failures: \(answers)")
        #expect(try network.devices[1].signInFailures("T0000001") == 3)
    }

    @Test(arguments: Backend.allCases) func aDeviceCannotReportAnotherDevicesFailures(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 1, tenants: ["T0000001"])
        let forged = SignInTallies(entries: [SignInTallies.Entry(ref: "T0000001", device: "kiosk-other", failures: 50, firstAt: 1, lastAt: 2)])
        do {
            _ = try await network.centre.store.exchangeSignInTallies(forged, from: network.devices[0].device.rawValue)
            Issue.record("a device reported another device's failures")
        } catch {
            #expect(error.description.contains("only its own"), "\(error.description)")
        }
        let reply = try await network.centre.store.exchangeSignInTallies(SignInTallies(), from: network.devices[0].device.rawValue)
        #expect(reply.entries.isEmpty, "something of the refused report was kept: \(reply.entries)")
    }
}
