import CentralStore
import CentralStorePostgres
import ConsentCore
import Crypto
import Foundation
import PostgresNIO
import SyncProtocol

/// `consent-bench pg-push`: push ingest into the PostgreSQL centre vs `COPY` of the same ledger
/// rows into a plain table (no keys, no indexes), in the same run, in a scratch database made for
/// the run and dropped after it.
public enum PostgresPushBenchmark {
    /// The figures of one run.
    public struct Result: Codable, Sendable {
        public var events: Int
        public var devices: Int
        public var batch: Int
        public var pushSeconds: Double
        public var copySeconds: Double
        /// The same pushes into another central store (the SQLite centre), when asked for.
        public var otherSeconds: Double?
        public var pushPerSecond: Double { Double(events) / pushSeconds }
        public var copyPerSecond: Double { Double(events) / copySeconds }
        /// How many times longer the push took than the bare COPY.
        public var ratio: Double { pushSeconds / copySeconds }
    }

    /// Events from `devices` devices: each registers its share of `tenants` (three ordinary values),
    /// then records decisions on them (grants and withdrawals on the consent purposes).
    static func events(total: Int, devices: Int, tenants: Int, catalogue: Catalogue) -> [[WireEvent]] {
        let consent = catalogue.purposes.filter { $0.legalBasis == .consent }
        var generator = SystemRandomNumberGenerator()
        var out: [[WireEvent]] = []
        let start = Millis.from(Date()) - 86_400_000
        for d in 0..<devices {
            let device = "bench-\(d + 1)"
            var head = ValueDigest.empty
            var sequence: Int64 = 0
            var list: [WireEvent] = []
            let share = total / devices + (d < total % devices ? 1 : 0)
            let mine = Array(stride(from: d, to: tenants, by: devices))
            func append(_ tenant: Int, _ payload: EventPayload, _ values: [WireValue]) {
                sequence += 1
                let event = Event(id: EventID(device: DeviceID(device), sequence: sequence), tenant: TenantRef(String(format: "T%07d", tenant + 1)),
                                  hlc: HLCTimestamp(millis: start + sequence), effectiveAt: Millis.date(start + sequence), actor: .tenant,
                                  channel: .kiosk, causalContext: nil, payload: payload)
                let digest = values.isEmpty ? nil : ValueDigest.combine(values.map { (AttributeID($0.attribute), $0.digest) })
                let record = EventRecord(event, valuesDigest: digest)
                head = record.hash(after: head)
                list.append(WireEvent(record: record, hash: head, values: values))
            }
            for tenant in mine where list.count < share {
                var values: [WireValue] = []
                var initial: [AttributeID: AttributeValue] = [:]
                for (attribute, text) in [("full-name", "Tenant \(tenant + 1)"), ("email", "t\(tenant + 1)@example.org"), ("postcode", "LS1 4AB")] {
                    let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
                    let id = AttributeID(attribute)
                    initial[id] = .value(text)
                    values.append(WireValue(attribute: attribute, text: text, salt: salt, digest: ValueDigest.of(.value(text), attribute: id, salt: salt)))
                }
                append(tenant, .registration(values: initial), values)
            }
            while list.count < share, !mine.isEmpty {
                let purpose = consent[Int(generator.next(upperBound: UInt64(consent.count)))]
                let attribute = purpose.attributes[Int(generator.next(upperBound: UInt64(purpose.attributes.count)))]
                let state: DecisionState = generator.next(upperBound: UInt64(3)) == 0 ? .withdrawn : .granted
                let tenant = mine[Int(generator.next(upperBound: UInt64(mine.count)))]
                // A grant lasts as long as its purpose allows from when it is made, as a kiosk's would (the centre checks).
                let months = catalogue.validityMonths(of: purpose)
                let until = state == .granted && months > 0 ? ChangeRules.adding(months: months, to: Millis.date(start + sequence + 1)) : nil
                append(tenant, .decision(purpose.id, [attribute], state, notice: NoticeShown(version: 1, language: "en"), validUntil: until), [])
            }
            out.append(list)
        }
        return out
    }

    /// The benchmark's events, one list per device, for a run that pushes them another way
    /// (`consent-bench pg-push --http` sends them through `consent serve`).
    public static func streams(total: Int, devices: Int, tenants: Int, catalogue: Catalogue) -> [[WireEvent]] {
        events(total: total, devices: max(1, devices), tenants: max(tenants, devices), catalogue: catalogue)
    }

    /// Makes an empty scratch database on the server of `location` (its user needs CREATEDB); drop it
    /// with ``dropScratch(_:)``.
    public static func makeScratch(_ location: PostgresLocation) async throws -> PostgresLocation {
        var place = location
        place.database = "consent_bench_\(UInt32.random(in: 0...UInt32.max))"
        try await admin(location, "CREATE DATABASE \(place.database)")
        return place
    }

    /// Drops a database made by ``makeScratch(_:)``.
    public static func dropScratch(_ scratch: PostgresLocation) async throws {
        try await admin(scratch, "DROP DATABASE \(scratch.database)")
    }

    /// Runs the benchmark on `streams` (see ``streams(total:devices:tenants:catalogue:)``) in a scratch
    /// database on the server of `location` (its user needs CREATEDB).
    public static func run(_ location: PostgresLocation, streams: [[WireEvent]], catalogue: Catalogue,
                           alsoInto other: (any CentralStore)? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Result {
        let batch = SyncWire.maxPushEvents
        let place = try await makeScratch(location)
        do {
            var result = try await measure(place, streams: streams, batch: batch, catalogue: catalogue, progress: progress)
            try await dropScratch(place)
            if let other {
                try await enrol(streams.count, at: other)
                result.otherSeconds = try await push(streams, batch: batch, progress: progress) { _, request in
                    try await other.push(request, from: request.device)
                }
            }
            return result
        } catch {
            try? await dropScratch(place)
            throw error
        }
    }

    private static func measure(_ place: PostgresLocation, streams: [[WireEvent]], batch: Int, catalogue: Catalogue,
                                progress: (@Sendable (Int, Int) -> Void)?) async throws -> Result {
        let total = streams.reduce(0) { $0 + $1.count }
        let stores = try await withThrowingTaskGroup(of: PostgresCentralStore.self) { group in
            for _ in streams { group.addTask { try await PostgresCentralStore.open(place, catalogue: catalogue) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        defer { for store in stores { store.shutdown() } }
        try await enrol(streams.count, at: stores[0])
        let pushSeconds = try await push(streams, batch: batch, progress: progress) { n, request in
            try await stores[n].push(request, from: request.device)
        }

        // The baseline: the same ledger rows, one COPY into a table with the ledger's columns and nothing else.
        var rows = CopyRows(capacity: total * 220)
        var central: Int64 = 0
        for (n, stream) in streams.enumerated() {
            for event in stream {
                central += 1
                LedgerRow.write(event.record, central: central, deviceNo: Int64(n + 1), tenant: central, hash: event.hash, into: &rows)
            }
        }
        let copySeconds: Double = try await stores[0].client.withConnection { connection in
            try await connection.query("CREATE TABLE copy_baseline (LIKE ledger)", logger: stores[0].logger)
            let copyStart = Date()
            try await rows.copy(into: "copy_baseline", columns: LedgerRow.columns, on: connection, logger: stores[0].logger)
            return Date().timeIntervalSince(copyStart)
        }
        return Result(events: total, devices: streams.count, batch: batch, pushSeconds: pushSeconds, copySeconds: copySeconds)
    }

    /// The signing key of benchmark device `n` (counting from 0): derived from its number, so the
    /// enrolment and every push agree without keeping keys around.
    static func signingKey(_ n: Int) -> Curve25519.Signing.PrivateKey {
        // A 32-byte seed is always a valid Ed25519 private key.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: Data(SHA256.hash(data: Data("consent-bench-device-\(n)".utf8)))))
            ?? Curve25519.Signing.PrivateKey()
    }

    /// Enrols the benchmark's devices (`bench-1` ...) at `store` with their signing keys; their credentials.
    @discardableResult
    public static func enrol(_ devices: Int, at store: any CentralStore) async throws -> [String] {
        var secrets: [String] = []
        for n in 0..<devices {
            let code = try await store.issueEnrolmentCode(office: "bench", lifetime: 600)
            let request = EnrolRequest(code: code, device: "bench-\(n + 1)", signingKey: signingKey(n).publicKey.rawRepresentation)
            secrets.append(try await store.enrol(request).secret)
        }
        return secrets
    }

    /// Pushes every device's stream at once in batches, device `n`'s through `send(n, request)` (a
    /// store in process, or a server over HTTP); returns the seconds taken. Throws unless the centre
    /// stored every event.
    public static func push(_ streams: [[WireEvent]], batch: Int, progress: (@Sendable (Int, Int) -> Void)? = nil,
                            send: @escaping @Sendable (Int, PushRequest) async throws -> PushResponse) async throws -> Double {
        let total = streams.reduce(0) { $0 + $1.count }
        let counter = Counter()
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, stream) in streams.enumerated() {
                group.addTask {
                    for start in stride(from: 0, to: stream.count, by: batch) {
                        let slice = Array(stream[start..<min(start + batch, stream.count)])
                                let last = slice[slice.count - 1]
                        let head = try SignedHead(device: "bench-\(n + 1)", sequence: last.record.sequence, hash: last.hash, key: signingKey(n))
                        let reply = try await send(n, PushRequest(device: "bench-\(n + 1)", events: slice, head: head))
                        if let refused = reply.results.first(where: { $0.central == nil }) {
                            throw CentralStoreError.invalid("the benchmark's event \(refused.sequence) was not stored: \(refused.reason ?? refused.outcome.rawValue)")
                        }
                        guard reply.results.count == slice.count else {
                            throw CentralStoreError.invalid("the centre answered \(reply.results.count) of bench-\(n + 1)'s \(slice.count) events from \(start + 1)")
                        }
                        progress?(await counter.add(slice.count), total)
                    }
                }
            }
            try await group.waitForAll()
        }
        return Date().timeIntervalSince(started)
    }

    private actor Counter {
        var done = 0
        func add(_ n: Int) -> Int {
            done += n
            return done
        }
    }

    /// Runs one statement on the server's maintenance database (`postgres`).
    /// Runs `sql` on the maintenance database (`postgres`) of the server of `location`. A connection or a
    /// statement that fails is thrown as ``CentralStoreSetupError`` saying what went wrong and what to do.
    static func admin(_ location: PostgresLocation, _ sql: String) async throws(CentralStoreSetupError) {
        var maintenance = location
        maintenance.database = "postgres"
        let logger = Logger(label: "consent.bench")
        let connection = try await maintenance.connect(logger: logger)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw .database("""
                \(PostgresCentralStore.describe(error)) (on the server of --database, as \(location.user): \(sql)); \
                the benchmark makes and drops a scratch database there, so its user needs CREATEDB
                """)
        }
    }
}
