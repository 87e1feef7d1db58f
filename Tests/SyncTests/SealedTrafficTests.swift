import CentralStore
import ConsentCore
import ConsentRegister
import ConsentStore
import Crypto
import Foundation
import GRDB
import SyncEngine
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// Special categories cross the wire sealed: the centre stores them sealed as they came, and no
/// push or pull carries one in clear. Either centre opens them with the organisation's private key
/// (at PostgreSQL, where it is given the key-encryption key); its devices seal to the public key and open none.
@Suite struct SealedTrafficTests {
    @Test(arguments: Backend.allCases) func noSpecialCategoryValueOfTheDemoRegisterIsOnTheWire(backend: Backend) async throws {
        let net = try await Network.make(backend, devices: 1, tenants: [])
        let content = Shipped.content
        let demo = DemoRegister(seed: 7, now: Date(timeIntervalSince1970: 1_790_000_000), shippedLanguages: Set(content.localizer.languages.map(\.code)),
                                catalogue: content.catalogue)
        _ = try DemoRun.run(demo, count: 300, into: try net.centre.recorder)
        try await net.centre.flush()
        // Everything that goes over the wire: the device's pushes and every page it pulls.
        let transport = net.transport(0)
        _ = try await SyncClient(database: net.devices[0], transport: transport, pullPage: 100).syncOnce()
        let fresh = "Needs a hearing loop at the front desk QZXYW"
        try net.devices[0].record(ChangeRequest(tenant: DemoRegister.reference(0), payload: .correction(AttributeID("health-needs"), .value(fresh), pending: false),
                                                actor: .tenant, channel: .kiosk))
        _ = try await SyncClient(database: net.devices[0], transport: transport, pullPage: 100).syncOnce()
        #expect(transport.sent.count == 1, "the correction was pushed")
        // Both encodings a centre speaks: the binary one devices use, and JSON.
        var traffic = try transport.sent.flatMap { [try JSONEncoder().encode($0), Data(BinaryWire.encode($0))] }
        var cursor: Int64 = 0
        while true {
            let page = try await net.centre.store.pull(after: cursor, limit: 100)
            traffic += [try JSONEncoder().encode(page), Data(BinaryWire.encode(page))]
            cursor = page.cursor
            if !page.more { break }
        }
        #expect(net.devices[0].specialValuesSealedForCentre, "the \(backend) centre gave the organisation's key at enrolment")
        let (special, other) = try await net.centre.heldValues()
        #expect(special.contains(fresh), "the centre opened the sealed values, the device's included")
        // Values long enough not to turn up by chance in hashes, seals or varints (a short one such as
        // "none" can, in binary bodies of this size).
        let sought = special.subtracting(other).filter { $0.utf8.count >= 8 }
        #expect(sought.count >= 30, "too few distinct special values to make the search meaningful: \(sought.count)")
        let names = other.filter { $0.contains(" ") && $0.count > 8 }
        #expect(names.contains { name in traffic.contains { $0.range(of: Data(name.utf8)) != nil } }, "the search works: names are there")
        for body in traffic {
            let found = sought.filter { body.range(of: Data($0.utf8)) != nil }
            #expect(found.isEmpty, "a sync message holds special-category values in clear: \(found.sorted().prefix(5))")
        }
    }

    /// The SQLite centre keeps what a device sealed to the organisation's key under its own data key
    /// (no X25519 for every later export): the same value, salt and place, so the ledger proves it as
    /// before, and the device, which holds no key of the centre's, opens it neither as pushed nor as pulled.
    @Test func theCentreSealsAPushedValueAgainUnderItsOwnDataKey() async throws {
        let net = try await Network.make(.sqlite, devices: 1, tenants: ["T0000001"])
        let centre = try #require(net.centre.sqlite)
        let device = net.devices[0]
        let health = AttributeID("health-needs")
        let fresh = "Needs a hearing loop at the front desk QZXYW"
        try device.record(ChangeRequest(tenant: "T0000001", payload: .correction(health, .value(fresh), pending: false), actor: .tenant, channel: .kiosk))
        _ = try await net.client(0).syncOnce()
        let sql = "SELECT v.key_id FROM vault.value v JOIN ledger l ON l.device_no = v.device_no AND l.device_seq = v.device_seq "
            + "JOIN device d ON d.no = v.device_no WHERE d.id = ? AND v.attribute_id = 'health-needs'"
        let atDevice = try device.read { db in try String.fetchOne(db, sql: sql, arguments: [device.device.rawValue]) }
        let atCentre = try centre.read { db in try String.fetchOne(db, sql: sql, arguments: [device.device.rawValue]) }
        let own = try centre.read { db in try String.fetchOne(db, sql: "SELECT value FROM vault.meta WHERE key = 'sealing_key'") }
        #expect(atDevice == device.organisationKey?.id, "the device sealed it to the organisation's key")
        #expect(atCentre != nil && atCentre == own, "the centre keeps it under its own data key, not \(atCentre ?? "nothing")")
        #expect(try centre.tenantState("T0000001")?.value(health).answer == .value(fresh))
        #expect(try centre.verify().ok, "the ledger's digest proves the value sealed again")
        _ = try await net.client(0).syncOnce()
        guard case .unavailable = try device.tenantState("T0000001")?.value(health) else {
            Issue.record("the device opened a value it holds no key for")
            return
        }
    }

    /// A tampered device sends bytes that name the organisation's key but open under nothing: the SQLite centre,
    /// which now opens what it stores to seal it again, keeps them as they came (it cannot tell them from a value
    /// sealed for another centre's key), and `ledger verify` names them.
    @Test func aSealToTheOrganisationThatDoesNotOpenIsKeptAsItCameAndNamedByVerify() async throws {
        let net = try await Network.make(.sqlite, devices: 0, tenants: ["T1"])
        let centre = try #require(net.centre.sqlite)
        let organisation = try #require(centre.organisationKey?.id)
        let rogue = Forger("kiosk-rogue", key: Curve25519.Signing.PrivateKey(), start: Network.start(.sqlite))
        let code = try await net.centre.store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
        _ = try await net.centre.store.enrol(EnrolRequest(code: code, device: rogue.id, signingKey: rogue.key.publicKey.rawRepresentation))
        let garbage = Data((0..<80).map { _ in UInt8.random(in: 0...255) })
        var f = rogue
        let event = f.event("T1", .correction(AttributeID("ethnic-origin"), .value(""), pending: false), sealed: [
            WireValue(attribute: "ethnic-origin", preferNot: false, digest: Data(repeating: 7, count: 32), keyID: organisation, sealed: garbage)])
        let reply = try await net.centre.store.push(try f.push([event]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied])
        let stored = try centre.read { db in
            try Row.fetchOne(db, sql: "SELECT v.key_id, v.sealed FROM vault.value v JOIN device d ON d.no = v.device_no WHERE d.id = ?",
                             arguments: [rogue.id])
        }
        #expect(stored?["key_id"] as String? == organisation)
        #expect(stored?["sealed"] as Data? == garbage, "kept byte for byte")
        let verify = try centre.verify()
        #expect(!verify.ok && verify.problems.contains { $0.contains("ethnic-origin") }, "\(verify.problems)")
    }
}

