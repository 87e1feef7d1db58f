import CentralStore
@testable import CentralStorePostgres
import CentralStoreSQLite
import ConsentCore
import ConsentForms
import ConsentRegister
import ConsentStore
import Foundation
import SyncProtocol
import Testing
import TestSupport

/// The PostgreSQL centre against the SQLite centre (the reference): seeded random histories of three
/// devices — decisions with random causal contexts and clocks a day apart, held grants and their
/// confirmations or rejections (from any device, repeated, early), corrections, erasures,
/// resent and replayed batches, gaps — are pushed to both in the same order. Every reply (or
/// refusal) must be the same, and so must the events pulled and every decision. A failing seed
/// reproduces alone: `AGREE_SEED=7 swift test --filter BackendAgreementTests`.
@Suite struct BackendAgreementTests {
    static let seeds: [UInt64] = ProcessInfo.processInfo.environment["AGREE_SEED"].flatMap(UInt64.init).map { [$0] } ?? Array(1...30)
    static let tenants = ["T1", "T2", "T3"]
    static let decisions: [(String, String)] = [
        ("service-updates-email", "email"), ("service-updates-sms", "mobile"), ("emergency-contact", "full-name"), ("equality-monitoring", "sex"),
    ]

    @Test(arguments: seeds) func bothCentresGiveTheSameAnswers(seed: UInt64) async throws {
        var rng = SeededRandom(seed: seed)
        let content = try Shipped.load()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("agree-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try ConsentDatabase.create(at: folder.appendingPathComponent("central.sqlite").path, validator: content.validator,
                                                  device: DeviceID("centre"), key: .generate(), centre: true)
        try database.registerStaff(TestDevice.staff)
        let sqlite = SQLiteCentralStore(database: database)
        let centre = try await Centre.make()
        defer { centre.store.shutdown() }
        let stores: [any CentralStore] = [sqlite, centre.store]

        // Every device signs its chain heads (as `consent sync` does).
        var devices = [TestDevice("d1"), TestDevice("d2"), TestDevice("d3")]
        for device in devices {
            for store in stores {
                let code = try await store.issueEnrolmentCode(office: "Leeds", lifetime: 600)
                _ = try await store.enrol(EnrolRequest(code: code, device: device.id, signingKey: device.signingKey?.publicKey.rawRepresentation))
            }
        }
        var unsent: [[WireEvent]] = [[], [], []]
        var sent: [PushRequest] = []
        var seen: Int64 = 0
        unsent[0] = Self.tenants.map { devices[0].event($0, registration(["full-name": "N \($0)", "email": "\($0)@example.org", "mobile": "07700900123", "postcode": "LS1 4AB"])) }
        var log: [String] = []
        var held: [(tenant: String, id: EventID, attribute: String)] = []

        @discardableResult
        func push(_ request: PushRequest, from device: String) async throws -> PushResponse? {
            var answers: [String] = []
            var reply: PushResponse?
            for store in stores {
                do {
                    let response = try await store.push(request, from: device)
                    answers.append("\(response.results)")
                    reply = response
                } catch {
                    answers.append("refused: \(error)")
                }
            }
            log.append("\(device) pushes \(request.events.map(\.record.sequence)): \(answers[0])")
            #expect(answers[0] == answers[1], "seed \(seed), step \(log.count): SQLite \(answers[0]) / PostgreSQL \(answers[1])")
            if let reply { seen = max(seen, reply.results.compactMap(\.central).max() ?? 0) }
            return reply
        }
        // The register first, so later events name known tenants.
        let registrations = devices[0].push(unsent[0])
        try await push(registrations, from: "d1")
        sent.append(registrations)
        unsent[0] = []

        for _ in 0..<40 {
            let d = Int.random(in: 0..<3, using: &rng)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<30:
                let (purpose, attribute) = Self.decisions.randomElement(using: &rng)!
                let states: [DecisionState] = purpose == "equality-monitoring" ? [.objected, .granted] : [.granted, .withdrawn]
                let effective = Date(timeIntervalSince1970: 1_790_000_000 + Double(Int.random(in: -86_400...86_400, using: &rng)))
                let causal: Int64? = Bool.random(using: &rng) ? Int64.random(in: 0...max(0, seen), using: &rng) : nil
                unsent[d].append(devices[d].decision(Self.tenants.randomElement(using: &rng)!, purpose, [attribute], states.randomElement(using: &rng)!,
                                                     causal: causal, effective: effective))
            case 30..<38:
                // A grant held for a second person (staff mode's four-eyes rule).
                let (purpose, attribute) = Self.decisions.filter { $0.0 != "equality-monitoring" }.randomElement(using: &rng)!
                let tenant = Self.tenants.randomElement(using: &rng)!
                let event = devices[d].event(tenant, .heldGrant(PurposeID(purpose), [AttributeID(attribute)],
                                                                notice: NoticeShown(version: 1, language: "en"), validUntil: nil))
                held.append((tenant, EventID(device: DeviceID(devices[d].id), sequence: event.record.sequence), attribute))
                unsent[d].append(event)
            case 38..<45 where !held.isEmpty:
                // Its confirmation or rejection, from any device, sometimes twice, sometimes before the grant reaches the centre.
                let (tenant, target, attribute) = held.randomElement(using: &rng)!
                unsent[d].append(devices[d].event(tenant, .verification(of: target, attribute: AttributeID(attribute),
                                                                        approved: Int.random(in: 0..<4, using: &rng) > 0)))
            case 45..<55:
                let tenant = Self.tenants.randomElement(using: &rng)!
                unsent[d].append(devices[d].event(tenant, .correction(AttributeID("email"), .value("\(UInt16.random(in: 0...999, using: &rng))@example.org"), pending: false)))
            case 55..<60:
                unsent[d].append(devices[d].event(Self.tenants.randomElement(using: &rng)!, .erasure(AttributeID("email"))))
            case 60..<88 where !unsent[d].isEmpty:
                let count = Int.random(in: 1...unsent[d].count, using: &rng)
                let request = devices[d].push(Array(unsent[d].prefix(count)))
                sent.append(request)
                // Like the sync client: events the centre answered are sent; the rest wait.
                let answered = Set(try await push(request, from: devices[d].id)?.results.filter { $0.outcome != .rejected }.map(\.sequence) ?? [])
                unsent[d].removeAll { answered.contains($0.record.sequence) }
            case 88..<94 where !sent.isEmpty:
                let old = sent.randomElement(using: &rng)!
                try await push(old, from: old.device)
            case 94..<97 where unsent[d].count > 1:
                try await push(devices[d].push(Array(unsent[d].dropFirst())), from: devices[d].id) // a gap
            case 97..<100 where !unsent[d].isEmpty:
                var forged = devices[d].push(unsent[d])
                forged.head = forged.head.map { SignedHead(device: $0.device, sequence: $0.sequence, hash: $0.hash, signature: Data(count: 64)) }
                forged.head = forged.head ?? (Bool.random(using: &rng) ? nil : SignedHead(device: devices[d].id, sequence: 1, hash: Data(count: 32), signature: Data(count: 64)))
                try await push(forged, from: devices[d].id) // refused: the head is not signed with the enrolled key
            default:
                break
            }
        }
        for d in 0..<3 where !unsent[d].isEmpty { try await push(devices[d].push(unsent[d]), from: devices[d].id) }

        let reference = try await sqlite.pull(after: 0, limit: 10_000)
        let pulled = try await centre.store.pull(after: 0, limit: 10_000)
        #expect(pulled.events == reference.events, "seed \(seed): the pulled events differ")
        #expect(Set(reference.events.map(\.record.device)).isSuperset(of: ["d1", "d2"]), "signed pushes are applied")
        for tenant in Self.tenants {
            let expected = (try database.tenantState(TenantRef(tenant))?.decisions ?? [:])
                .map { "\($0.key.attribute)/\($0.key.purpose)=\($0.value.state.rawValue) by \($0.value.event) reconfirm \(String(describing: $0.value.needsReconfirmation))" }
                .sorted()
            let got = try await centre.rows("""
                SELECT d.attribute_id || '/' || d.purpose_id || '=' || d.state || ' by ' || e.id || '#' || d.event_seq || ' reconfirm ' ||
                       COALESCE('Optional(' || r.id || '#' || d.reconfirm_seq || ')', 'nil')
                FROM decision d JOIN tenant t ON t.id = d.tenant_id JOIN device e ON e.no = d.event_device
                LEFT JOIN device r ON r.no = d.reconfirm_device WHERE t.ref = '\(tenant)'
                """).compactMap { $0.first ?? nil }.sorted()
            #expect(got == expected, "seed \(seed), \(tenant): PostgreSQL \(got) / SQLite \(expected)\n\(log.joined(separator: "\n"))")
        }
    }
}

