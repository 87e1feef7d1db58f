import CentralStore
import ConsentCore
import ConsentStore
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import Testing
import TestSupport

/// Each office holds its own tenants: a device enrolled for an office pulls the tenants whose
/// `office` value names it, tenants with no office, and tenants it has changed itself; never another
/// office's tenants, their events or their special-category values. A move is a correction of
/// `office` and reaches the new office's devices, with the tenant's whole history, at their next sync
/// (and leaves the old office's devices: `OfficeDepartureTests`).
@Suite struct OfficeSyncTests {
    /// Two tenants in each of two offices (each with special-category values and decisions), one with no
    /// office; a device of each office, enrolled and synced once.
    struct Offices {
        let net: Network
        let north: ConsentDatabase
        let south: ConsentDatabase
        static let northTenants: [TenantRef] = ["N0000001", "N0000002"]
        static let southTenants: [TenantRef] = ["S0000001", "S0000002"]
        static let everyone: TenantRef = "E0000001"

        static func make(_ backend: Backend) async throws -> Offices {
            let net = try await Network.make(backend, devices: 0, tenants: [])
            var changes: [ChangeRequest] = []
            for (office, refs) in [("north", northTenants), ("south", southTenants)] {
                for ref in refs {
                    changes.append(register(ref, ["full-name": "Name of \(ref)", "email": "\(ref.rawValue.lowercased())@example.org",
                                                  "office": office, "ethnic-origin": "white-irish", "health-needs": "Needs of \(ref)"]))
                    changes.append(decide(ref, "service-updates-email", ["full-name", "email"], .granted))
                }
            }
            changes.append(register(everyone, ["full-name": "Name of \(everyone)", "email": "e1@example.org"]))
            try await net.centre.record(changes)
            var devices: [ConsentDatabase] = []
            for office in ["north", "south"] {
                let clock = net.clocks[0]
                let db = try ConsentDatabase.create(at: net.folder.path("\(office).sqlite"), validator: Shipped.content.validator,
                                                    device: DeviceID("kiosk-\(office)"), clock: { clock.read() }, key: sharedKey)
                try await net.centre.enrol(db, office: office)
                _ = try await Self.sync(db, net)
                devices.append(db)
            }
            return Offices(net: net, north: devices[0], south: devices[1])
        }

        static func sync(_ db: ConsentDatabase, _ net: Network) async throws -> SyncReport {
            try await SyncClient(database: db, transport: LocalTransport(store: net.centre.store, device: db.device.rawValue)).syncOnce()
        }

        func sync(_ db: ConsentDatabase) async throws { _ = try await Self.sync(db, net) }

        /// The tenants a device holds.
        func held(_ db: ConsentDatabase) throws -> Set<TenantRef> {
            let refs: [String] = try db.read { db in try String.fetchAll(db, sql: "SELECT ref FROM tenant") }
            return Set(refs.map { TenantRef($0) })
        }

        /// The tenants of every event a device's ledger holds.
        func ledgerTenants(_ db: ConsentDatabase) throws -> Set<String> {
            let refs: [String] = try db.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT t.ref FROM ledger l JOIN tenant t ON t.id = l.tenant_id") }
            return Set(refs)
        }

        /// Whether `text` appears anywhere in a device's files (main, vault, their WALs).
        func filesContain(_ db: ConsentDatabase, _ text: String) throws -> Bool {
            let needle = Data(text.utf8)
            for file in ConsentDatabase.files(at: db.path) where FileManager.default.fileExists(atPath: file) {
                if try Data(contentsOf: URL(fileURLWithPath: file)).range(of: needle) != nil { return true }
            }
            return false
        }
    }

    @Test(arguments: Backend.allCases)
    func aDeviceOfOneOfficeReceivesNothingOfAnotherOfficesTenants(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let north = Set(Offices.northTenants + [Offices.everyone]), south = Set(Offices.southTenants + [Offices.everyone])
        #expect(try offices.held(offices.north) == north)
        #expect(try offices.held(offices.south) == south)
        #expect(try offices.ledgerTenants(offices.north) == Set(north.map(\.rawValue)))
        // Nothing of the other office in the files at all: not a reference, a name, an email, nor a sealed special category.
        for ref in Offices.southTenants {
            for text in [ref.rawValue, "Name of \(ref)", "\(ref.rawValue.lowercased())@example.org"] {
                #expect(try !offices.filesContain(offices.north, text), "\(text) is in the north kiosk's files")
            }
        }
        let sealedAtNorth: Int = try offices.north.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM vault.value") ?? 0 }
        #expect(sealedAtNorth == 2 * Offices.northTenants.count, "only north's two special categories per tenant")
        // What the centre sends, asked directly for the south kiosk: only south's tenants and the one with no office.
        let page = try await offices.net.centre.store.pull(after: 0, limit: 1000, for: offices.south.device.rawValue)
        #expect(Set(page.events.map(\.record.tenant)) == Set(south.map(\.rawValue)))
        // Each device's ledger still verifies, holding only part of the centre's chain.
        #expect(try offices.north.verify().problems.isEmpty)
        #expect(try offices.south.verify().problems.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aMovedTenantReachesTheNewOfficeWithTheirHistoryAtTheNextSync(backend: Backend) async throws {
        let offices = try await Offices.make(backend)
        let moved = Offices.southTenants[0]
        // Later events of both offices, so the north kiosk's cursor is past the moved tenant's history.
        try await offices.net.centre.record([decide(moved, "resident-involvement", ["full-name"], .granted),
                                             decide(Offices.northTenants[0], "resident-involvement", ["full-name"], .granted)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        #expect(try offices.north.tenantState(moved) == nil)

        try await offices.net.centre.record([ChangeRequest(tenant: moved, payload: .correction(Office.attribute, .value("north"), pending: false),
                                                           actor: .staff(StaffID("S1"), verification: nil, reason: "moved house"), channel: .paper,
                                                           evidence: "tenancy transfer seen")])
        try await offices.sync(offices.north)
        let state = try #require(try offices.north.tenantState(moved), "the moved tenant is at the north kiosk")
        #expect(state.value(AttributeID("full-name")).answer == .value("Name of \(moved)"))
        #expect(state.value(Office.attribute).answer == .value("north"))
        #expect(state.decisions.keys.contains(DecisionKey(AttributeID("full-name"), PurposeID("resident-involvement"))),
                "their whole history came: the decision made before the move")
        #expect(try offices.north.verify().problems.isEmpty)
        // Still not another south tenant.
        #expect(try offices.north.tenantState(Offices.southTenants[1]) == nil)

        // After the move, their new events go to north; the south kiosk forgets them (`OfficeDepartureTests`).
        try await offices.net.centre.record([decide(moved, "service-updates-email", ["full-name", "email"], .withdrawn)])
        try await offices.sync(offices.north)
        try await offices.sync(offices.south)
        let emailKey = DecisionKey(AttributeID("email"), PurposeID("service-updates-email"))
        #expect(try offices.north.tenantState(moved)?.decisions[emailKey]?.state == .withdrawn)
        #expect(try offices.south.tenantState(moved) == nil)
        #expect(try offices.south.verify().problems.isEmpty)
    }
}
