import ConsentCore
import ConsentStore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// A real `consent serve` on 127.0.0.1, a kiosk really enrolled through `consent device enrol`, and
/// that kiosk's own signing key in a tampered program: each crafted push is answered 400 naming the
/// rule, nothing is stored, and the kiosk's honest push afterwards is applied. Both centres.
@Suite(.ownThreads) struct RogueDeviceCLITests {
    @Test(arguments: Backend.allCases) func aTamperedKioskIsRefusedByARealServer(backend: Backend) async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 3)
        let keyFile = KeyLocation.defaultPath(for: centre.sqlite)
        // A PostgreSQL centre checks data keys when its servers are given the organisation's key.
        let server = try SyncCLITests.Server(store: centre.arguments + (backend == .postgres ? ["--key-file", keyFile] : []))
        defer { server.stop() }
        let kiosk = try SyncCLITests().enrolKiosk(cli, "kiosk-rogue", server: server, centre: centre)
        let content = try #require(VaultCLITests.content)
        let device = try ConsentDatabase.open(at: kiosk, validator: content.validator)
        let rogue = Forger("kiosk-rogue", key: try device.signingKey(), start: Date())
        try device.close()
        let secret = try #require(try ConsentDatabase.metadata("sync_secret", at: kiosk))
        let organisation = try KeyFile.read(keyFile)
        let before = try centre.events(cli)

        func send(_ request: PushRequest) throws -> (status: Int, body: String) {
            try SyncCLITests.Server.request("\(server.url)/v1/push", method: "POST", body: try JSONEncoder().encode(request),
                                            headers: ["Authorization": "Bearer kiosk-rogue:\(secret)", "Content-Type": "application/json"])
        }
        let tailoring = try #require(content.catalogue.purpose(PurposeID("tailoring-services"))).attributes
        let attacks: [(name: String, expected: String, request: PushRequest)] = try [
            ("health needs shared with no notice shown", "notice", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000001"), .decision(PurposeID("tailoring-services"), tailoring, .granted, notice: nil, validUntil: nil))])
            }()),
            ("a vulnerable marker by a staff id that exists nowhere", "not in the centre's staff registry", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000002"), .marker("vulnerable", set: true),
                                           actor: .staff(StaffID("S404"), verification: "dob+postcode", reason: "tenant-request"), channel: .phone)])
            }()),
            ("a full name with ESC and BEL", "control characters", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000002"), .correction(AttributeID("full-name"), .value("Ann\u{1B}]0;x\u{07}Lee"), pending: false),
                                           clear: [("full-name", "Ann\u{1B}]0;x\u{07}Lee")])])
            }()),
            ("a data key that names the organisation's key but is random bytes", "does not open", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000003"), .erasure(AttributeID("email")))],
                                  dataKeys: [WireDataKey(keyID: "dk-forged", kekID: organisation.id, wrapped: Data((0..<60).map { _ in UInt8.random(in: 0...255) }))])
            }()),
            ("the tenant at the kiosk ends their own tenancy (kept by staff)", "kept by staff", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000001"), .correction(AttributeID("tenancy-end"), .value("2001-01-31"), pending: false),
                                           clear: [("tenancy-end", "2001-01-31")])])
            }()),
            ("the tenant at the kiosk changes the date of birth they sign in with, at once", "waits for staff to verify it", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000002"), .correction(AttributeID("date-of-birth"), .value("1950-01-01"), pending: false),
                                           clear: [("date-of-birth", "1950-01-01")])])
            }()),
            ("a consent grant that never lapses", "has no end date", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000001"), .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                                            notice: NoticeShown(version: 1, language: "en"), validUntil: nil))])
            }()),
            ("a push without a signed head", "not signed", {
                var f = rogue
                return try f.push([f.event(TenantRef("T0000003"), .erasure(AttributeID("email")))], signed: false)
            }()),
        ]
        for attack in attacks {
            let reply = try send(attack.request)
            #expect(reply.status == 400 && reply.body.contains(attack.expected), "\(attack.name): \(reply.status) \(reply.body)")
        }
        #expect(try centre.events(cli) == before, "nothing of any crafted push was stored")
        var honest = rogue
        let grant = honest.event(TenantRef("T0000001"), .decision(PurposeID("service-updates-email"), [AttributeID("email")], .granted,
                                                       notice: NoticeShown(version: 1, language: "en"), validUntil: nil),
                                 edit: Forger.lapsing())
        let applied = try send(try honest.push([grant]))
        #expect(applied.status == 200, "\(applied.body)")
        #expect(try centre.events(cli) == before + 1)
        if backend == .sqlite {
            let status = try cli.run(["keys", "status", "--json", "--db", centre.sqlite])
            #expect(status.status == 0 && !status.stdout.contains("dk-forged"), "the refused key was not stored: \(status.stdout)")
        }
    }
}
