import CentralStore
import ConsentCore
import SyncProtocol
import Testing
import TestSupport

/// `consent device list` shows what each device was enrolled as, at both centres, so staff can see which
/// devices may ask the centre for a special-category value (staff terminals) and which may not (kiosks).
@Suite struct DeviceKindListTests {
    @Test(arguments: Backend.allCases) func theCentreListsEachDeviceWithTheKindItWasEnrolledAs(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 2, tenants: ["T0000001"], kinds: [.kiosk, .staff])
        // (A PostgreSQL network also enrols the office's own device, which moved the register there.)
        let listed = try await net.centre.store.devices().filter { $0.id.hasPrefix("kiosk-") }
        #expect(Dictionary(uniqueKeysWithValues: listed.map { ($0.id, $0.kind) }) == ["kiosk-0": .kiosk, "kiosk-1": .staff], "\(listed)")
    }
}
