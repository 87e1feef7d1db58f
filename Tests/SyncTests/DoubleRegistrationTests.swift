import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// A device registers a tenant the centre already holds (an import that overlaps the centre's register). The centre
/// refuses the device's registration; the centre's arrives at the device by pull. Both centres.
@Suite struct DoubleRegistrationTests {
    @Test(arguments: Backend.allCases)
    func aPulledRegistrationOfATenantRegisteredHereTooMergesValueByValueAndTheLedgerVerifies(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: [])
        let device = net.devices[0]
        let ref = TenantRef("T0000002")
        _ = try await net.centre.record([register(ref, ["full-name": "Claire Edwards", "date-of-birth": "2002-04-14", "mobile": "07679754281"])])
        // The device registers them later by its clock, with a name, a date of birth and an email of its own.
        net.clocks[0].advance(by: 3_600)
        try device.record(register(ref, ["full-name": "Mallory Intruder", "date-of-birth": "1970-01-01", "email": "mallory@example.org"]))

        let report = try await net.client(0).syncOnce()
        #expect(report.rejected.first?.contains("already registered at the centre") == true, "\(report)")
        #expect(report.pulled == 1, "the centre's registration arrives: \(report)")
        let held = try #require(try device.tenantState(ref))
        // Values both registrations hold go to the later one (as every value does), the others to the one holding them:
        // the same state whether read from the projection or folded from the ledger.
        #expect(held.value(AttributeID("full-name")).answer == .value("Mallory Intruder"))
        #expect(held.value(AttributeID("mobile")).answer == .value("07679754281"), "the centre's value the device lacked")
        #expect(held.value(AttributeID("email")).answer == .value("mallory@example.org"))
        let problems = try device.verify().problems
        #expect(problems.isEmpty, "\(backend): \(problems)")
    }
}
