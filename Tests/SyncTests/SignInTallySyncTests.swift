import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

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

    /// A clear and counts dated in 2100 (from a device whose clock was ahead, taken before such were refused):
    /// a staff unlock lifts the lock, and later failures are counted and slowed as the rule says, not for decades.
    @Test func aStaffUnlockLiftsALockWhateverDateAnotherClockSet() throws {
        let folder = try TempFolder(), clock = ManualClock(Network.start(.sqlite))
        let device = try ConsentDatabase.create(at: folder.path("kiosk.sqlite"), validator: Shipped.content.validator, device: DeviceID("kiosk-1"),
                                                clock: { clock.read() }, key: sharedKey)
        try device.record([register("T0000001", ["full-name": "Ann", "date-of-birth": "1970-01-01"])])
        let future: Int64 = 4_102_444_800_000
        try device.write { db in
            try db.execute(sql: "INSERT INTO sign_in_clear (ref, at) VALUES ('T0000001', ?)", arguments: [future])
            try db.execute(sql: "INSERT INTO sign_in_tally (ref, device, failures, first_at, last_at) VALUES ('T0000001', 'kiosk-gone', 5, ?, ?)",
                           arguments: [future + 1, future + 1])
        }
        try device.unlockSignIn("T0000001", by: .staff(StaffID("S1"), verification: "in-person", reason: "unlock"), channel: .system)
        var answers: [SignInOutcome] = []
        for _ in 0..<4 { answers.append(try device.signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000")) }
        #expect(answers == [.failed, .failed, .failed, .wait(seconds: 2)], "after a staff unlock: \(answers)")
    }

    /// Signs in wrongly with `ref` at device `i` until it locks, waiting out each delay on its clock.
    static func lockOut(_ ref: String, at i: Int, in network: Network) throws {
        var answer: SignInOutcome = .failed
        for _ in 0..<12 where answer != .locked {
            answer = try network.devices[i].signIn(TenantRef(ref), dateOfBirth: "01/01/1970", secret: "000000")
            if case .wait(let seconds) = answer { network.clocks[i].advance(by: TimeInterval(seconds)) }
        }
        #expect(answer == .locked, "\(ref) did not lock at device \(i)")
    }

    /// An enrolled device that sends "clears" on its own: each is refused with the rule, nothing of the
    /// report is kept, and the references stay locked everywhere; a real staff unlock still clears.
    @Test(arguments: Backend.allCases) func aClearIsTakenOnlyForAStaffUnlockTheCentreHolds(backend: Backend) async throws {
        let network = try await Network.make(backend, devices: 2, tenants: ["T0000001", "T0000002"])
        for ref in ["T0000001", "T0000099"] { try Self.lockOut(ref, at: 0, in: network) }
        try network.devices[0].unlockSignIn("T0000002", by: .staff(StaffID("S1"), verification: "in-person", reason: "unlock"), channel: .system)
        try await network.heal()
        let unlocked = try #require(network.devices[0].signInTalliesToSend().clears.first { $0.ref == "T0000002" })
        let rogue = network.devices[1].device.rawValue, now = Int64(network.clocks[1].read().timeIntervalSince1970 * 1000)
        let own = SignInTallies.Entry(ref: "T0000042", device: rogue, failures: 3, firstAt: now, lastAt: now)
        let attacks: [(String, SignInTallies.Clear)] = [
            ("a clear of a locked tenant's reference that no one unlocked", .init(ref: "T0000001", at: now)),
            ("a clear at the moment staff unlocked another reference", .init(ref: "T0000001", at: unlocked.at)),
            ("a clear of a reference that is no one's", .init(ref: "T0000099", at: now)),
        ]
        for (name, clear) in attacks {
            do {
                _ = try await network.centre.store.exchangeSignInTallies(SignInTallies(entries: [own], clears: [clear]), from: rogue)
                Issue.record("the centre took \(name)")
            } catch {
                #expect(error.description.contains("staff unlock"), "\(name): \(error.description)")
            }
        }
        let reply = try await network.centre.store.exchangeSignInTallies(SignInTallies(), from: rogue)
        #expect(!reply.entries.contains { $0.ref == "T0000042" }, "something of a refused report was kept")
        try await network.heal()
        for i in 0..<2 {
            for ref in ["T0000001", "T0000099"] {
                #expect(try network.devices[i].signIn(TenantRef(ref), dateOfBirth: "01/01/1970", secret: "000000") == .locked,
                        "a forged clear unlocked \(ref) at device \(i)")
            }
        }
        // A real staff unlock at one kiosk reaches the other.
        try network.devices[1].unlockSignIn("T0000001", by: .staff(StaffID("S2"), verification: "in-person", reason: "unlock"), channel: .system)
        try await network.heal()
        #expect(try network.devices[0].signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000") == .failed)
    }
}
