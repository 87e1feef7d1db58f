import ConsentCore
import ConsentStore
import Foundation
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// A tenant of another office fetched to a kiosk at sign-in (fetch on demand) is not kept there for good:
/// once the fetch is a day old, the kiosk's next sync forgets them, as it forgets a tenant who moved away,
/// unless the kiosk changed them (then it follows them). Over a real HTTP server on 127.0.0.1, both centres;
/// the kiosk's file is read with the sqlite3 program, as someone with a copy of its disk would.
@Suite struct FetchedForgettingTests {
    typealias Offices = OfficeSyncTests.Offices
    /// A second north tenant, fetched and then changed at the south kiosk.
    static let keeper: TenantRef = "N0000010"
    static let keeperBorn = "1975-06-07"

    /// How many rows of the `tenant` table of the file at `path` name `ref`, counted by the sqlite3 program.
    static func rowsInFile(_ path: String, _ ref: TenantRef) throws -> Int {
        let counted = try Spawn.run("/usr/bin/sqlite3", ["-readonly", path, "SELECT count(*) FROM tenant WHERE ref = '\(ref.rawValue)'"])
        let text = String(decoding: counted.stdout, as: UTF8.self)
        #expect(counted.status == 0, "sqlite3 failed: \(counted.output)")
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), "sqlite3 said: \(counted.output)")
    }

    @Test(arguments: Backend.allCases)
    func aFetchedTenantTheKioskNeverChangedIsForgottenADayLaterAndOneItChangedIsKept(backend: Backend) async throws {
        let offices = try await FetchOnDemandTests.make(backend)
        let south = offices.south, clock = offices.net.clocks[0]
        let visitor = FetchOnDemandTests.visitor
        try await offices.net.centre.record([register(Self.keeper, ["full-name": "Name of \(Self.keeper)", "email": "keeper@example.org",
                                                                    "office": "north", "date-of-birth": Self.keeperBorn])])
        try await FetchOnDemandTests.serve(offices) { _, centre in
            #expect(await FetchKiosk.fetch(centre, visitor, dateOfBirth: FetchOnDemandTests.born) == .fetched)
            #expect(await FetchKiosk.fetch(centre, Self.keeper, dateOfBirth: Self.keeperBorn) == .fetched)
            // The keeper signs up at the desk for this kiosk: a sign-in code issued here is a change by this kiosk.
            _ = try south.issueSignInCode(Self.keeper, by: .staff(StaffID("S1"), verification: "photo-id", reason: "kiosk-support"), channel: .phone)

            // The same day, both stay (staff may still be issuing the visitor a code).
            _ = try await centre.client.syncOnce()
            #expect(try Self.rowsInFile(south.path, visitor) == 1)
            #expect(try Self.rowsInFile(south.path, Self.keeper) == 1)

            // A day and a minute on at the centre, the next sync forgets the visitor and keeps the keeper.
            clock.advance(by: 86_400 + 60)
            let report = try await centre.client.syncOnce()
            #expect(try Self.rowsInFile(south.path, visitor) == 0, "the fetched tenant is still on the kiosk: \(report)")
            #expect(try !offices.filesContain(south, "Name of \(visitor)"))
            #expect(try !offices.filesContain(south, "visitor@example.org"))
            #expect(try Self.rowsInFile(south.path, Self.keeper) == 1, "the tenant the kiosk changed was forgotten")
            #expect(try south.tenantState(Self.keeper) != nil)
            #expect(try south.verify().problems.isEmpty)

            // Fetched again, they are held again, for another day.
            #expect(await FetchKiosk.fetch(centre, visitor, dateOfBirth: FetchOnDemandTests.born) == .fetched)
            _ = try await centre.client.syncOnce()
            #expect(try Self.rowsInFile(south.path, visitor) == 1)
        }
        // The centre forgets no one, and the south kiosk's own tenants stay.
        #expect(try await offices.net.centre.history(visitor).count > 0)
        #expect(try offices.held(south).isSuperset(of: Set(Offices.southTenants + [Offices.everyone])))
        #expect(try await offices.net.centre.problems().isEmpty)
    }
}
