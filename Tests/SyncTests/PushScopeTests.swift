import CentralStore
import ConsentCore
import ConsentStore
import Crypto
import Foundation
import SyncProtocol
import SyncTestSupport
import Testing
import TestSupport

/// Review 3 G2: a device changes only the tenants its office could ever have given it (`PushScope`). A tampered
/// kiosk of one office pushed a grant for a tenant of another, naming as its causal context that tenant's
/// withdrawal (which it could never have pulled), and the grant beat the withdrawal. Both centres.
@Suite struct PushScopeTests {
    static let north: TenantRef = "N0000001", south: TenantRef = "S0000001", moved: TenantRef = "M0000001"
    static let visitor: TenantRef = "V0000001", born = "1980-02-03"
    static let purpose = PurposeID("service-updates-email")

    /// A centre holding a north tenant, a south tenant who withdrew, a tenant who moved from north to south and a
    /// south tenant with a date of birth; and a kiosk enrolled for north that holds nothing of south.
    static func make(_ backend: Backend) async throws -> (Network, Forger) {
        let net = try await Network.make(backend, devices: 0, tenants: [])
        try await net.centre.record([
            register(north, ["full-name": "Nora North", "email": "n@example.org", "office": "north"]),
            register(south, ["full-name": "Sam South", "email": "s@example.org", "office": "south"]),
            register(moved, ["full-name": "Mo Moved", "email": "m@example.org", "office": "north"]),
            register(visitor, ["full-name": "Vi Visitor", "email": "v@example.org", "office": "south", "date-of-birth": born]),
            decide(south, purpose.rawValue, ["email"], .granted),
        ])
        try await net.centre.record([decide(south, purpose.rawValue, ["email"], .withdrawn)])
        let (kiosk, page) = try await enrol("kiosk-north", office: "north", at: net)
        // The kiosk pulls, then goes offline; meanwhile the moved tenant moves.
        #expect(Set(page.events.map(\.record.tenant)) == [north.rawValue, moved.rawValue], "the kiosk holds the north tenants alone")
        try await OfficeDepartureTests.move(moved, to: "south", at: net)
        return (net, kiosk)
    }

    /// A device `id` of `office` enrolled at the centre (a kiosk unless told), and the first page it pulls (which
    /// records what it was served).
    static func enrol(_ id: String, office: String, kind: DeviceKind = .kiosk, at net: Network) async throws -> (Forger, PullResponse) {
        let device = Forger(id, key: Curve25519.Signing.PrivateKey(), start: Network.start(net.backend))
        let code = try await net.centre.store.issueEnrolmentCode(office: office, lifetime: 600, kind: kind)
        _ = try await net.centre.store.enrol(EnrolRequest(code: code, device: device.id, signingKey: device.key.publicKey.rawRepresentation))
        return (device, try await net.centre.store.pull(after: 0, limit: 1000, for: device.id))
    }

    /// A kiosk grant of email for `tenant`, saying it follows central event `causal`.
    static func grant(_ f: inout Forger, _ tenant: TenantRef, causal: Int64? = nil) -> WireEvent {
        f.event(tenant, .decision(purpose, [AttributeID("email")], .granted, notice: NoticeShown(version: 1, language: "en"), validUntil: nil)) {
            Forger.lapsing()(&$0)
            $0.causal = causal
        }
    }

    /// A pull records what it served once, on its last page, up to the centre's highest number then.
    @Test func onlyAPullsLastPageRecordsWhatWasServed() {
        let page = { (more: Bool) in PullResponse(events: [], cursor: 40, more: more, dataKeys: [], departed: []) }
        #expect(PushScope.served(before: 10, page: page(true), highest: 90) == nil, "more to come: nothing written")
        #expect(PushScope.served(before: 10, page: page(false), highest: 90) == 90)
        let claimed = PullResponse(events: [], cursor: 1_000_000, more: false, dataKeys: [], departed: [])
        #expect(PushScope.served(before: 10, page: claimed, highest: 90) == 90, "never past the centre's highest number")
        #expect(PushScope.served(before: 90, page: page(false), highest: 90) == nil, "nothing new: nothing written")
    }

    @Test(arguments: Backend.allCases)
    func aKioskCannotGrantForATenantOfAnOfficeItNeverServed(backend: Backend) async throws {
        let (net, rogue) = try await Self.make(backend)
        let store = net.centre.store
        let before = try await net.centre.events()
        let withdrawal = try #require(before.last { $0.record.tenant == Self.south.rawValue && $0.record.kind == "decision" }?.central)
        var f = rogue
        let reply = try await store.push(try f.push([Self.grant(&f, Self.south, causal: withdrawal)]), from: rogue.id)
        let result = try #require(reply.results.first)
        #expect(result.outcome == .rejected, "\(reply.results)")
        #expect(result.reason?.contains("is not one this device's office holds") == true, "\(result.reason ?? "")")
        #expect(result.reason?.contains("consent sync set-aside") == true, "the operator is told how to go on")
        #expect(try await net.centre.events() == before, "nothing of it was applied")
        #expect(try await net.centre.decisions(Self.south)[DecisionKey(AttributeID("email"), Self.purpose)]?.state == .withdrawn)
        // A withdrawal or an erasure is refused alike: stored, it would make the device one that changed them, and
        // its pulls would then carry the tenant's whole history.
        for payload in [EventPayload.decision(Self.purpose, [AttributeID("email")], .withdrawn, notice: nil, validUntil: nil),
                        .erasure(AttributeID("email"))] {
            var g = rogue
            let answer = try await store.push(try g.push([g.event(Self.south, payload)]), from: rogue.id)
            #expect(answer.results.map(\.outcome) == [.rejected], "\(payload.kind): \(answer.results)")
        }
        #expect(try await net.centre.events() == before)
        let page = try await store.pull(after: 0, limit: 1000, for: rogue.id)
        #expect(!page.events.contains { $0.record.tenant == Self.south.rawValue }, "the kiosk still pulls nothing of the south tenant")
        // That pull brought its view up to date: the tenant who moved away before it is no longer its to change.
        var h = rogue
        let late = try await store.push(try h.push([Self.grant(&h, Self.moved)]), from: rogue.id)
        #expect(late.results.map(\.outcome) == [.rejected], "\(late.results)")
        #expect(late.results.first?.reason?.contains("is not one this device's office holds") == true, "\(late.results)")
        #expect(try await net.centre.events() == before)
    }

    @Test(arguments: Backend.allCases)
    func aKioskStillChangesItsOwnMovedAwayFetchedAndRegisteredTenants(backend: Backend) async throws {
        let (net, rogue) = try await Self.make(backend)
        let store = net.centre.store
        var f = rogue
        // Its own office's tenant, and one who moved away after its last pull (an offline kiosk's race).
        var reply = try await store.push(try f.push([Self.grant(&f, Self.north), Self.grant(&f, Self.moved)]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied, .applied], "\(reply.results)")
        // A south tenant is refused until the kiosk is sent them on demand (someone there typed their date of birth).
        var g = f
        reply = try await store.push(try g.push([Self.grant(&g, Self.visitor)]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.rejected], "\(reply.results)")
        let fetched = try await store.fetchTenant(TenantFetchRequest(tenant: Self.visitor.rawValue, dateOfBirth: Self.born), from: rogue.id)
        #expect(fetched.events.contains { $0.record.tenant == Self.visitor.rawValue })
        reply = try await store.push(try f.push([Self.grant(&f, Self.visitor)]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied], "\(reply.results)")
        // A tenant it registers for another office, then changes in a later push.
        let newcomer: TenantRef = "X0000001"
        let registration = f.event(newcomer, .registration(values: [AttributeID("full-name"): .value("Xan New"), AttributeID("email"): .value("x@example.org"),
                                                                   Office.attribute: .value("south")]),
                                   actor: .system("import"), channel: .importFile,
                                   clear: [("full-name", "Xan New"), ("email", "x@example.org"), ("office", "south")])
        reply = try await store.push(try f.push([registration]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied], "\(reply.results)")
        reply = try await store.push(try f.push([Self.grant(&f, newcomer)]), from: rogue.id)
        #expect(reply.results.map(\.outcome) == [.applied], "\(reply.results)")
        #expect(try await net.centre.decisions(Self.visitor)[DecisionKey(AttributeID("email"), Self.purpose)]?.state == .granted)
        #expect(try await net.centre.problems().isEmpty)
    }

    /// A move that waits for evidence changes no device's scope until staff confirm it: a kiosk of the office
    /// asked for, served while it waited, may not change the tenant, and the old office's kiosk, served then
    /// and offline since, still may once the move is confirmed (its change made before it heard lands).
    @Test(arguments: Backend.allCases)
    func aMoveWaitingForEvidenceWidensNoScopeAndNarrowsNoneUntilConfirmed(backend: Backend) async throws {
        let (net, north) = try await Self.make(backend)
        let store = net.centre.store
        let correction = try await PendingMoveTests.askToMove(Self.north, to: "south", at: net)
        // Both kiosks are served past the waiting move; the north kiosk then goes offline.
        var (south, _) = try await Self.enrol("kiosk-south", office: "south", at: net)
        _ = try await store.pull(after: 0, limit: 1000, for: north.id)

        let early = try await store.push(try south.push([Self.grant(&south, Self.north)]), from: south.id)
        #expect(early.results.map(\.outcome) == [.rejected] && early.results.first?.reason?.contains("is not one this device's office holds") == true,
                "a move not yet confirmed gives the new office nothing: \(early.results)")

        try await PendingMoveTests.confirm(correction, of: Self.north, at: net)
        var offline = north
        let late = try await store.push(try offline.push([Self.grant(&offline, Self.north)]), from: north.id)
        #expect(late.results.map(\.outcome) == [.applied], "the old office held them when it was last served: \(late.results)")
        #expect(try await net.centre.decisions(Self.north)[DecisionKey(AttributeID("email"), Self.purpose)]?.state == .granted)
        // A south kiosk served after the confirmation held the tenant then, so its change lands even after they move on.
        var (later, _) = try await Self.enrol("kiosk-south-2", office: "south", at: net)
        try await OfficeDepartureTests.move(Self.north, to: "east", at: net)
        let onward = try await store.push(try later.push([Self.grant(&later, Self.north)]), from: later.id)
        #expect(onward.results.map(\.outcome) == [.applied], "served after the confirmation, south held them: \(onward.results)")
        #expect(try await net.centre.problems().isEmpty)
    }

    /// A confirmed move counts from its confirmation, as the merge places it: a move to east made with evidence while
    /// a move to south waited is overtaken when the south move is confirmed, so an east kiosk served after that may
    /// not change the tenant (ranked by the waiting correction's own clock, east would seem to hold them still).
    @Test(arguments: Backend.allCases)
    func aConfirmedMoveOvertakesAMoveMadeWhileItWaited(backend: Backend) async throws {
        let (net, _) = try await Self.make(backend)
        let store = net.centre.store
        let correction = try await PendingMoveTests.askToMove(Self.north, to: "south", at: net)
        try await OfficeDepartureTests.move(Self.north, to: "east", at: net)
        try await PendingMoveTests.confirm(correction, of: Self.north, at: net)
        var (east, page) = try await Self.enrol("kiosk-east", office: "east", at: net)
        #expect(!page.events.contains { $0.record.tenant == Self.north.rawValue }, "the tenant is south's: east was sent nothing of them")
        let reply = try await store.push(try east.push([Self.grant(&east, Self.north)]), from: east.id)
        #expect(reply.results.map(\.outcome) == [.rejected] && reply.results.first?.reason?.contains("is not one this device's office holds") == true,
                "refused as outside its scope: \(reply.results)")
    }

    /// Two verifications of one waiting move cross (staff reject it; a staff terminal that had not heard approves it):
    /// the first decides, as the merge does, so the move never happened and gives the office asked for nothing.
    /// A staff terminal files an approval of a waiting move under another attribute (a tampered or faulty one): the
    /// merge takes it for no verification of the move, and so does the push scope.
    @Test(arguments: Backend.allCases)
    func anApprovalFiledUnderAnotherAttributeConfirmsNoMove(backend: Backend) async throws {
        try await Self.approveLate(backend: backend, rejectFirst: false, attribute: AttributeID("email"))
    }

    @Test(arguments: Backend.allCases)
    func aLateApprovalOfARejectedMoveWidensNoScope(backend: Backend) async throws {
        try await Self.approveLate(backend: backend, rejectFirst: true, attribute: Office.attribute)
    }

    /// A move of the north tenant to south waits; staff reject it first if told; a north staff terminal then approves
    /// it under `attribute`, which changes nothing; a south kiosk served after that may not change the tenant.
    static func approveLate(backend: Backend, rejectFirst: Bool, attribute: AttributeID) async throws {
        let (net, _) = try await Self.make(backend)
        let store = net.centre.store
        let correction = try await PendingMoveTests.askToMove(Self.north, to: "south", at: net)
        var (terminal, _) = try await Self.enrol("staff-north", office: "north", kind: .staff, at: net)
        if rejectFirst { try await PendingMoveTests.confirm(correction, of: Self.north, approved: false, at: net) }
        let approval = terminal.event(Self.north, .verification(of: correction, attribute: attribute, approved: true),
                                      actor: .staff(StaffID("S2"), verification: "tenancy transfer seen", reason: nil), channel: .paper) {
            $0.evidence = "tenancy transfer seen"
        }
        let late = try await store.push(try terminal.push([approval]), from: terminal.id)
        #expect(late.results.map(\.outcome) == [.superseded], "stored, changing nothing: \(late.results)")

        var (south, page) = try await Self.enrol("kiosk-south", office: "south", at: net)
        #expect(!page.events.contains { $0.record.tenant == Self.north.rawValue }, "the tenant is still north's")
        let reply = try await store.push(try south.push([Self.grant(&south, Self.north)]), from: south.id)
        #expect(reply.results.map(\.outcome) == [.rejected] && reply.results.first?.reason?.contains("is not one this device's office holds") == true,
                "refused as outside its scope: \(reply.results)")
    }
}
