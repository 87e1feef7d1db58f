import CentralStore
import ConsentCore
import ConsentVault
import Crypto
import Foundation
import PostgresNIO
import SyncProtocol

/// The central store on PostgreSQL: the same protocol and guarantees as the SQLite centre, for
/// when one server is outgrown. Pushes apply in one transaction each and merge decisions with
/// `TenantState.apply`, like every device; central sequences are taken under a row lock held to
/// commit, so a pull never skips an event (see `central_counter` in the schema).
///
/// ```swift
/// let store = try await PostgresCentralStore.open(PostgresLocation(url: "postgres://consent@db/central"), catalogue: catalogue)
/// defer { store.shutdown() }
/// let reply = try await store.push(request, from: deviceID)
/// ```
public final class PostgresCentralStore: CentralStore {
    package let client: PostgresClient
    package let logger: Logger
    /// The rules every device applies, re-run on each pushed event.
    let validator: Validator
    var catalogue: Catalogue { validator.catalogue }
    /// The organisation's key-encryption key (KEK), when the centre is given it: a pushed data key must
    /// then open with it. Without it, data keys are stored as they come.
    let keyEncryptionKey: KeyEncryptionKey?
    /// The centre's clock: what it stamps, and what it judges ages by (a read to reveal, a fetch to forget).
    let clock: @Sendable () -> Date
    private let runner: Task<Void, Never>

    private init(client: PostgresClient, validator: Validator, keyEncryptionKey: KeyEncryptionKey?, clock: @escaping @Sendable () -> Date,
                 logger: Logger) {
        self.client = client
        self.validator = validator
        self.keyEncryptionKey = keyEncryptionKey
        self.clock = clock
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Connects, then creates or upgrades the schema.
    /// With `keyEncryptionKey` (the organisation's KEK), every data key a device pushes
    /// must open with it, or its batch is refused; and the organisation's key pair is made if the centre
    /// has none (see ``organisationPublicKey()``), or found to open with it. `clock` is the centre's time
    /// (a test moves it by hand; a server reads the system's).
    public static func open(_ location: PostgresLocation, catalogue: Catalogue, keyEncryptionKey: KeyEncryptionKey? = nil,
                            clock: @escaping @Sendable () -> Date = Date.init) async throws(CentralStoreSetupError) -> PostgresCentralStore {
        guard let validator = try? Validator(catalogue: catalogue) else {
            throw .database("the Forms' value patterns do not compile; check Forms/attributes.yaml")
        }
        let configuration = location.configuration()
        var logger = Logger(label: "consent.central.postgres")
        // Not .warning: postgres-nio warns when a connection is asked for before `run()` has started, which is harmless.
        logger.logLevel = .error
        // One direct connection first: the pool retries a failing server for a minute and then names
        // only its circuit breaker, where this names the cause (no such database, no server) at once.
        let probe = try await location.connect(logger: logger)
        do { try await probe.close() } catch { throw .database(location.connectionProblem(error)) }
        let store = PostgresCentralStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger), validator: validator,
                                         keyEncryptionKey: keyEncryptionKey, clock: clock, logger: logger)
        do {
            try await store.client.withConnection { connection in
                try await PostgresSchema.migrate(connection, logger: logger)
            }
            if let keyEncryptionKey { try await store.ensureOrganisationKey(keyEncryptionKey) }
        } catch let error as CentralStoreError {
            store.shutdown()
            throw .database(error.description)
        } catch let error as CentralStoreSetupError {
            store.shutdown()
            throw error
        } catch {
            store.shutdown()
            throw .database(String(reflecting: error))
        }
        return store
    }

    /// Closes the connections.
    public func shutdown() {
        runner.cancel()
    }

    /// Runs `body` in one transaction; any failure rolls it back. A `CentralStoreError` thrown by
    /// the body is passed on; anything else becomes `.storage`.
    @discardableResult
    func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws(CentralStoreError) -> T {
        do {
            return try await withTransaction(body)
        } catch let error as CentralStoreError {
            throw error
        } catch {
            throw .storage(Self.describe(error))
        }
    }

    /// Runs `body` in one transaction opened with `begin` (a snapshot's isolation level, say); any
    /// failure rolls it back and is thrown as it came. The body may call back into the caller (an
    /// export's rows), so it need not be `Sendable`.
    func withTransaction<T>(begin: PostgresQuery = "BEGIN", _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query(begin, logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// A PostgreSQL error's message, without the query's bound values (they may hold personal data).
    package static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] {
            return message
        }
        return String(describing: type(of: error))
    }

    /// The centre's time now, in milliseconds (``clock``).
    func now() -> Int64 { Millis.from(clock()) }

    /// The system's time now, in milliseconds, where no store is at hand (a key rotation's rows).
    static func wallClockNow() -> Int64 { Millis.from(Date()) }

    static func digest(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    // MARK: enrolment and devices

    public func issueEnrolmentCode(office: String, lifetime: TimeInterval, kind: DeviceKind) async throws(CentralStoreError) -> String {
        guard !office.isEmpty, !containsNUL(office) else { throw .invalid("the office name is empty or holds a NUL character") }
        let code = Self.randomCode(12)
        let expires = Millis.from(clock().addingTimeInterval(lifetime))
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO enrolment_code (code_hash, office, issued_at, expires_at, kind)
                VALUES (\(Self.digest(code)), \(office), \(self.now()), \(expires), \(kind.rawValue))
                """, logger: self.logger)
        }
        return "\(code.prefix(4))-\(code.dropFirst(4).prefix(4))-\(code.suffix(4))"
    }

    /// A code of `length` characters that cannot be mistaken for one another when read aloud or typed.
    static func randomCode(_ length: Int) -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    public func enrol(_ request: EnrolRequest) async throws(CentralStoreError) -> EnrolResponse {
        if let problem = WireCheck.enrolmentProblem(request) { throw problem }
        let device = request.device
        let code = request.code.uppercased().filter { $0 != "-" && $0 != " " }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
        let now = self.now()
        let (office, sealingKey): (String, OrganisationPublicKey?) = try await transaction { connection in
            let rows = try await connection.query("""
                UPDATE enrolment_code SET used_at = \(now), used_by = \(device)
                WHERE code_hash = \(Self.digest(code)) AND used_at IS NULL AND expires_at > \(now) RETURNING office, kind
                """, logger: self.logger)
            var found: (office: String, kind: String?)?
            for try await value in rows.decode((String, String?).self) { found = value }
            guard let (office, kind) = found else { throw CentralStoreError.badEnrolmentCode }
            for try await _ in try await connection.query("SELECT 1 FROM sync_device WHERE id = \(device)", logger: self.logger).decode(Int.self) {
                throw CentralStoreError.invalid("a device called \(device) is already enrolled; enrol with a new database")
            }
            // A chain under that name with no enrolment (migrated from a SQLite centre, or the centre's own) stays whose it was.
            var binds = PostgresBindings()
            binds.append(device)
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: WireCheck.chainHeldQuery { "$\($0)" }, binds: binds),
                                                          logger: self.logger).decode(Int32.self) {
                throw CentralStoreError.invalid(WireCheck.chainHeldRefusal(device))
            }
            try await connection.query("""
                INSERT INTO sync_device (id, office, secret_hash, enrolled_at, public_key, kind)
                VALUES (\(device), \(office), \(Self.digest(secret)), \(now), \(request.signingKey), \(DeviceKind.recorded(kind).rawValue))
                """, logger: self.logger)
            _ = try await Self.deviceNumber(device, on: connection, logger: self.logger)
            return (office, try await Self.organisationPublicKey(on: connection, logger: self.logger))
        }
        return EnrolResponse(device: device, office: office, secret: secret, sealingKey: sealingKey?.raw)
    }

    /// The device's number here, adding it (and an empty chain head) when new.
    static func deviceNumber(_ id: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.query("INSERT INTO device (id) VALUES (\(id)) ON CONFLICT (id) DO NOTHING", logger: logger)
        var number: Int64 = 0
        for try await value in try await connection.query("SELECT no FROM device WHERE id = \(id)", logger: logger).decode(Int64.self) {
            number = value
        }
        try await connection.query("""
            INSERT INTO chain_head (device_no, seq, hash) VALUES (\(number), 0, \(ValueDigest.empty)) ON CONFLICT (device_no) DO NOTHING
            """, logger: logger)
        return number
    }

    public func authenticate(device: String, secret: String) async throws(CentralStoreError) {
        let row: (Data, Int64?)? = try await transaction { connection in
            var found: (Data, Int64?)?
            for try await (hash, revoked) in try await connection.query(
                "SELECT secret_hash, revoked_at FROM sync_device WHERE id = \(device)", logger: self.logger
            ).decode((Data, Int64?).self) {
                found = (hash, revoked)
            }
            return found
        }
        guard let (hash, revoked) = row, Self.constantTimeEqual(hash, Self.digest(secret)) else { throw .unauthenticated(device) }
        if revoked != nil { throw .revoked(device) }
    }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    public func revoke(device: String) async throws(CentralStoreError) {
        let count: Int = try await transaction { connection in
            var count = 0
            for try await _ in try await connection.query(
                "UPDATE sync_device SET revoked_at = \(self.now()) WHERE id = \(device) AND revoked_at IS NULL RETURNING id", logger: self.logger
            ).decode(String.self) {
                count += 1
            }
            return count
        }
        if count == 0 { throw .invalid("no enrolled, unrevoked device is called \(device); see `consent device list`") }
    }

    public func devices() async throws(CentralStoreError) -> [CentralDevice] {
        try await transaction { connection in
            var devices: [CentralDevice] = []
            for try await (id, office, enrolled, revoked, last, kind) in try await connection.query("""
                SELECT s.id, s.office, s.enrolled_at, s.revoked_at, COALESCE(h.seq, 0), s.kind
                FROM sync_device s LEFT JOIN device d ON d.id = s.id LEFT JOIN chain_head h ON h.device_no = d.no ORDER BY s.id
                """, logger: self.logger).decode((String, String, Int64, Int64?, Int64, String?).self) {
                devices.append(CentralDevice(id: id, office: office, enrolledAt: Millis.date(enrolled),
                                             revokedAt: revoked.map(Millis.date), lastSequence: last, kind: DeviceKind.recorded(kind)))
            }
            return devices
        }
    }

    public func health() async throws(CentralStoreError) {
        // One statement on a pooled connection: a monitor may ask every few seconds.
        do {
            _ = try await client.withConnection { connection in
                try await connection.query("SELECT 1 FROM central_counter", logger: self.logger)
            }
        } catch {
            throw .storage(Self.describe(error))
        }
    }

    public func audit(device: String?, what: String) async {
        _ = try? await transaction { connection in
            try await Self.audit(device: device, what: what, at: self.now(), on: connection, logger: self.logger)
        }
    }

    /// Adds an audit entry inside a transaction (NUL characters, which PostgreSQL refuses, become '?').
    static func audit(device: String?, what: String, at: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        func clean(_ text: String, _ limit: Int) -> String {
            String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{0}" ? "?" : $0 }).prefix(limit))
        }
        try await connection.query("""
            INSERT INTO sync_audit (at, device, what) VALUES (\(at), \(device.map { clean($0, 200) }), \(clean(what, 1_000)))
            """, logger: logger)
    }

    /// The audit entries, oldest first (for tests and `consent audit`).
    public func auditEntries() async throws(CentralStoreError) -> [(device: String?, what: String)] {
        try await transaction { connection in
            var entries: [(device: String?, what: String)] = []
            for try await (device, what) in try await connection.query("SELECT device, what FROM sync_audit ORDER BY id", logger: self.logger)
                .decode((String?, String).self) {
                entries.append((device, what))
            }
            return entries
        }
    }
}
