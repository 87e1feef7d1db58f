import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// What a stolen device (its database, credential and signing key) can do to the staff registry and the
/// kiosks' shared sign-in throttle, over a real HTTP server on 127.0.0.1 at both centres (review 5,
/// findings 2 and 6): it cannot fill the registry every device copies, cannot stop other devices'
/// sync, and cannot lift a sign-in lock by inventing a colleague.
@Suite struct StaffOfferHostileTests {
    /// `count` support members no registry holds yet, as an altered device offers them.
    static func invented(_ count: Int, prefix: String) -> StaffRegistry {
        StaffRegistry(members: (0..<count).map { i in
            WireStaffMember(id: "\(prefix)-\(i)", name: "Invented \(i)", role: .support, active: true)
        })
    }

    @Test(arguments: Backend.allCases)
    func aFloodOfInventedStaffIsRefusedAndEveryDeviceStillSyncsAndDisablesALeaver(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 3, tenants: ["T0000001"], kinds: [.kiosk, .staff, .staff])
        let before = try await net.centre.store.staffRegistry().members.count
        let flood = Self.invented(StaffRegistry.maxMembers, prefix: "flood")

        // A stolen kiosk offers 10,000 invented members in one request: it adds none, and is told why.
        let kioskReply = try await ClockAheadTests.overHTTP(net.centre, net.devices[0]) { client in
            try await client.transport.offerStaff(flood)
        }
        #expect(kioskReply.added.isEmpty, "a kiosk added \(kioskReply.added.count) members to the centre's registry")
        #expect(kioskReply.notAdded.first?.contains("a kiosk cannot add staff") == true, "\(kioskReply.notAdded.prefix(1))")

        // A stolen staff terminal offers them twice: a few join, no more that day.
        for round in 0..<2 {
            let reply = try await ClockAheadTests.overHTTP(net.centre, net.devices[1]) { client in
                try await client.transport.offerStaff(flood)
            }
            #expect(reply.added.count == (round == 0 ? StaffRegistry.maxAddedPerDevice : 0), "round \(round): \(reply.added.count) added")
            #expect(reply.notAdded.last?.contains("the most one device may") == true, "\(reply.notAdded.suffix(1))")
        }
        let registry = try await net.centre.store.staffRegistry().members
        #expect(registry.count == before + StaffRegistry.maxAddedPerDevice, "the registry grew from \(before) to \(registry.count)")
        let audit = try await net.centre.audit()
        #expect(audit.contains { $0.contains("a kiosk cannot add staff") } && audit.contains { $0.contains("at most \(StaffRegistry.maxAddedPerDevice) a day") },
                "the centre's audit does not name what it held back")

        // A leaver disabled at the centre is disabled at another device at its next sync, over HTTP.
        #expect(try net.devices[2].staffMember("pat") != nil)
        try await net.centre.setStaffActive("pat", false)
        _ = try await ClockAheadTests.overHTTP(net.centre, net.devices[2]) { client in try await client.syncOnce() }
        #expect(try net.devices[2].staffMember("pat") == nil, "the leaver is still active on a device after its sync")
    }

    /// A registry this device cannot copy (here a member whose id no registry accepts, written straight into
    /// the centre's table) stops no other step: the failed sign-ins counted at one kiosk still slow the other,
    /// and `syncOnce` says what went wrong.
    @Test(arguments: Backend.allCases)
    func aRegistryADeviceRefusesDoesNotStopTheSignInExchange(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 2, tenants: ["T0000001"], kinds: [.kiosk, .kiosk])
        let bad = "INSERT INTO staff (id, name, role, created_at) VALUES ('x', 'Bad Id', 'support', 0)"
        if backend == .sqlite {
            try net.centre.recorder.write { db in
                try db.execute(sql: "INSERT INTO staff (id, name, role, kdf, salt, hash, created_at) VALUES ('x', 'Bad Id', 'support', 'none', x'', x'', 0)")
            }
        } else {
            try await Centre.admin(bad, database: try #require(net.centre.databaseName))
        }
        for _ in 0..<3 { _ = try net.devices[0].signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000") }
        for i in 0..<2 {
            do {
                _ = try await ClockAheadTests.overHTTP(net.centre, net.devices[i]) { client in try await client.syncOnce() }
                Issue.record("device \(i) took a registry with a member no registry accepts")
            } catch let failure as SyncFailure {
                #expect(failure.description.contains("refused the centre's staff registry") && failure.description.contains("sign-in counts"),
                        "\(failure.description)")
            }
        }
        #expect(try net.devices[1].signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000") == .wait(seconds: 2),
                "the second kiosk did not learn of the first's failures")
    }

    /// A stolen kiosk invents a support member, records an unlock in their name and sends the clear: the
    /// member is not added, the unlock is not taken, the forged clear is refused, and the reference stays
    /// locked at the other kiosk.
    @Test(arguments: Backend.allCases)
    func aKioskCannotLiftALockWithAnInventedMember(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 2, tenants: ["T0000001"], kinds: [.kiosk, .kiosk])
        try SignInTallySyncTests.lockOut("T0000001", at: 1, in: net)
        try await net.heal()
        let rogue = net.devices[0]
        try rogue.addStaff("gh0st-1", name: "Nobody", role: .support, password: "correct horse battery")
        try rogue.unlockSignIn("T0000001", by: .staff(StaffID("gh0st-1"), verification: "in-person", reason: "unlock"), channel: .system)
        let at = try #require(try rogue.read { db in
            try Int64.fetchOne(db, sql: "SELECT effective_at FROM ledger WHERE kind = 'credential' AND state = 'unlocked'")
        })
        let (offered, forged) = try await ClockAheadTests.overHTTP(net.centre, rogue) { client in
            let offered = try await client.transport.offerStaff(try rogue.staffToOffer())
            // Its push names a member the centre does not know: refused, kept unsent, so no clear goes with the round.
            await #expect(throws: SyncFailure.self) { _ = try await client.syncOnce() }
            var forged: String?
            do {
                _ = try await client.transport.exchangeSignInTallies(SignInTallies(entries: [], clears: [.init(ref: "T0000001", at: at)]))
            } catch { forged = "\(error)" }
            return (offered, forged)
        }
        #expect(offered.added.isEmpty && offered.notAdded.first?.contains("a kiosk cannot add staff") == true, "\(offered)")
        #expect(try await !net.centre.store.staffRegistry().members.contains { $0.id == "gh0st-1" }, "the invented member joined the registry")
        #expect(forged?.contains("staff unlock") == true, "the centre took a clear for an unlock by an invented member: \(forged ?? "taken")")
        _ = try await ClockAheadTests.overHTTP(net.centre, net.devices[1]) { client in try await client.syncOnce() }
        #expect(try net.devices[1].signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000") == .locked,
                "a stolen kiosk lifted the lock at another kiosk")
    }

    /// A stolen staff terminal may add a newcomer (as one offline may), but their unlock clears nothing at the
    /// other kiosks (left out, audited) until the centre registers them itself; then it does.
    @Test(arguments: Backend.allCases)
    func aMemberOnlyADeviceAddedLiftsNoLockUntilTheCentreRegistersThem(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 2, tenants: ["T0000001"], kinds: [.staff, .kiosk])
        try SignInTallySyncTests.lockOut("T0000001", at: 1, in: net)
        try await net.heal()
        let terminal = net.devices[0]
        try terminal.addStaff("gh0st-1", name: "Staff gh0st-1", role: .support, password: "correct horse battery")
        try terminal.unlockSignIn("T0000001", by: .staff(StaffID("gh0st-1"), verification: "in-person", reason: "unlock"), channel: .system)
        let report = try await ClockAheadTests.overHTTP(net.centre, terminal) { client in try await client.syncOnce() }
        #expect(report.pushed == 1 && report.staffNotAdded.isEmpty, "the newcomer's unlock was not taken: \(report)")
        #expect(try await net.centre.audit().contains { $0.contains("whom a device added and the centre has not") }, "the left-out clear is not audited")
        _ = try await ClockAheadTests.overHTTP(net.centre, net.devices[1]) { client in try await client.syncOnce() }
        #expect(try net.devices[1].signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000") == .locked,
                "an unlock by a member only a device added lifted the lock at another kiosk")

        // Registered at the centre, the same unlock clears the reference everywhere at the next round.
        try await net.centre.registerStaff(["gh0st-1"], role: .support)
        _ = try await ClockAheadTests.overHTTP(net.centre, terminal) { client in try await client.syncOnce() }
        _ = try await ClockAheadTests.overHTTP(net.centre, net.devices[1]) { client in try await client.syncOnce() }
        #expect(try net.devices[1].signIn("T0000001", dateOfBirth: "01/01/1970", secret: "000000") == .failed,
                "the unlock still clears nothing once the centre registered its member")
    }
}
