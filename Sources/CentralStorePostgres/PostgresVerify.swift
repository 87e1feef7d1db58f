import CentralStore
import ConsentCore
import ConsentVault
import Foundation
import PostgresNIO
import SyncProtocol

/// What `consent audit verify --database` found at a PostgreSQL centre.
public struct PostgresVerification: Codable, Equatable, Sendable {
    /// Events walked.
    public var events = 0
    /// Devices with events here.
    public var devices = 0
    /// What is wrong, first found first (at most ``PostgresVerification/limit``).
    public var problems: [String] = []
    /// Special-category values opened with the organisation's key and checked against their digests.
    public var sealedOpened = 0
    /// Special-category values left sealed, for want of that key (their digests still count in the chain).
    public var sealedUnopened = 0
    /// Whether nothing is wrong.
    public var ok: Bool { problems.isEmpty }

    /// At most this many problems are kept.
    public static let limit = 20

    mutating func problem(_ text: String) {
        if problems.count < Self.limit { problems.append(text) }
    }
}

extension PostgresCentralStore {
    /// Walks every device's hash chain in one consistent snapshot (sequence order, each hash
    /// recomputed with `EventRecord.hash(after:)`, each event's values against its values digest,
    /// the stored chain head), checks that every value gone from its row was erased by an erasure
    /// event, compares the projections (values, pending corrections, decisions, markers) with the
    /// fold of each tenant's events in central order and the office kept beside each tenant with what
    /// the projection and the ledger give (`OfficeColumns.driftQuery`), and each current text with its recorded
    /// value's (`PostgresSchema.driftedTextQuery`) and each tenant's text of values with its current values
    /// (`PostgresSchema.driftedCellsQuery`), then
    /// checks each device's signed head: signed by the key it enrolled
    /// with, and naming the hash the ledger holds at that sequence. A chain rewritten wholesale, every
    /// hash recomputed, passes the first checks but not the last. With `opener` (the organisation's
    /// key, which the centre never holds), every special-category value is opened and checked
    /// against its digest too, as `ledger verify` does at a SQLite centre.
    public func verify(opener: SealedValueOpener? = nil) async throws(CentralStoreError) -> PostgresVerification {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
            var report = PostgresVerification()
            var chains: [String: (sequence: Int64, hash: Data)] = [:]
            var signed: [(device: String, key: Data?, head: SignedHead?)] = []
            for try await (device, key, seq, hash, signature) in try await connection.query("""
                SELECT s.id, s.public_key, h.seq, h.hash, h.signature FROM sync_device s LEFT JOIN sync_head h ON h.device = s.id ORDER BY s.id
                """, logger: self.logger).decode((String, Data?, Int64?, Data?, Data?).self) {
                let head = seq.flatMap { seq in hash.flatMap { hash in signature.map { SignedHead(device: device, sequence: seq, hash: hash, signature: $0) } } }
                signed.append((device, key, head))
            }
            // The ledger's hash at each signed sequence, kept as the walk passes it.
            let wanted = Dictionary(signed.compactMap { $0.head.map { ($0.device, $0.sequence) } }, uniquingKeysWith: { a, _ in a })
            var hashes: [String: Data] = [:]
            let setAside = try await Self.setAsideHashes(on: connection, logger: self.logger)
            var cursor: Int64 = 0
            while true {
                let page = try await self.page(after: cursor, limit: 10_000, on: connection)
                for event in page.events {
                    report.events += 1
                    Self.check(event, chains: &chains, setAside: setAside, into: &report)
                    Self.checkSealed(event, opener: opener, into: &report)
                    if wanted[event.record.device] == event.record.sequence { hashes[event.record.device] = event.hash }
                }
                cursor = page.cursor
                if !page.more { break }
            }
            report.devices = chains.count
            for try await (device, seq, hash) in try await connection.query("""
                SELECT d.id, h.seq, h.hash FROM chain_head h JOIN device d ON d.no = h.device_no ORDER BY d.id
                """, logger: self.logger).decode((String, Int64, Data).self) {
                let walked = Self.overSetAside(chains[device] ?? (0, ValueDigest.empty), setAside[device] ?? [:])
                if walked.sequence != seq || walked.hash != hash {
                    report.problem("device \(device): the last events of its chain were removed (head is at \(seq), ledger ends at \(walked.sequence))")
                }
            }
            try await self.verifyTenants(on: connection, into: &report)
            for try await ref in try await connection.query(PostgresQuery(unsafeSQL: OfficeColumns.driftQuery), logger: self.logger).decode(String.self) {
                report.problem(OfficeColumns.drift(ref))
            }
            for try await (ref, attribute) in try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.driftedTextQuery),
                                                                         logger: self.logger).decode((String, String).self) {
                report.problem("tenant \(ref): the current text of \(attribute) is not its recorded value's (the copy exports read was altered)")
            }
            for try await ref in try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.driftedCellsQuery), logger: self.logger)
                .decode(String.self) {
                report.problem("tenant \(ref): the values exports read (tenant_values) are not the tenant's current values")
            }
            for (device, key, head) in signed {
                guard let key else {
                    report.problem("device \(device) enrolled without a signing key: its chain cannot be checked against it")
                    continue
                }
                guard let head else { continue }
                if !head.isValid(publicKey: key) {
                    report.problem("device \(device): the stored head for event #\(head.sequence) is not signed by the device (the head was altered)")
                } else if hashes[device] != head.hash {
                    report.problem("device \(device): event #\(head.sequence) no longer has the hash the device signed: its chain was rewritten at the centre")
                }
            }
            return report
        }
    }

    /// The event's sealed values, opened and checked against their digests when the key is given.
    private static func checkSealed(_ event: WireEvent, opener: SealedValueOpener?, into report: inout PostgresVerification) {
        let r = event.record
        for value in event.values {
            guard let sealed = value.sealed else { continue }
            guard let opener else {
                report.sealedUnopened += 1
                continue
            }
            let attribute = AttributeID(value.attribute)
            let at = "event \(r.device)#\(r.sequence) (central \(event.central ?? 0))"
            guard let opened = opener.openWithSalt(sealed, keyID: value.keyID ?? "", tenant: TenantRef(r.tenant), attribute: attribute,
                                                   event: EventID(device: DeviceID(r.device), sequence: r.sequence)) else {
                report.problem("\(at): the sealed value of \(value.attribute) does not open (changed, moved from another row, or its data key is missing)")
                continue
            }
            report.sealedOpened += 1
            if ValueDigest.of(opened.value, attribute: attribute, salt: opened.salt) != value.digest
                || (opened.value == .preferNotToSay) != value.preferNot {
                report.problem("\(at): the sealed value of \(value.attribute) is not the one its digest records")
            }
        }
    }

    /// Events devices set aside (refused here, never stored), by device and sequence: their hashes, which each
    /// device's chain walks over.
    static func setAsideHashes(on connection: PostgresConnection, logger: Logger) async throws -> [String: [Int64: Data]] {
        var setAside: [String: [Int64: Data]] = [:]
        for try await (device, seq, hash) in try await connection.query("""
            SELECT d.id, p.device_seq, p.hash FROM push_result p JOIN device d ON d.no = p.device_no WHERE p.central_seq IS NULL AND p.hash IS NOT NULL
            """, logger: logger).decode((String, Int64, Data).self) {
            setAside[device, default: [:]][seq] = hash
        }
        return setAside
    }

    /// A device's chain walked so far, carried over the events it set aside just after it (their hashes, by sequence).
    static func overSetAside(_ walked: (sequence: Int64, hash: Data), _ setAside: [Int64: Data]) -> (sequence: Int64, hash: Data) {
        var walked = walked
        while let hash = setAside[walked.sequence + 1] { walked = (walked.sequence + 1, hash) }
        return walked
    }

    /// One event against its device's chain so far (over the events it set aside) and its own values.
    private static func check(_ event: WireEvent, chains: inout [String: (sequence: Int64, hash: Data)], setAside: [String: [Int64: Data]],
                              into report: inout PostgresVerification) {
        let r = event.record
        let previous = overSetAside(chains[r.device] ?? (0, ValueDigest.empty), setAside[r.device] ?? [:])
        let at = "event \(r.device)#\(r.sequence) (central \(event.central ?? 0))"
        if r.sequence != previous.sequence + 1 {
            report.problem("\(at): expected sequence \(previous.sequence + 1) of \(r.device); an event was removed, inserted or reordered")
        } else if r.hash(after: previous.hash) != event.hash {
            report.problem("\(at): its content was changed after it was written (hash mismatch)")
        }
        chains[r.device] = (r.sequence, event.hash)
        if let digest = r.valuesDigest {
            for value in event.values {
                guard let salt = value.salt, value.sealed == nil else { continue }
                if ValueDigest.of(value.answer, attribute: AttributeID(value.attribute), salt: salt) != value.digest {
                    report.problem("\(at): the stored value of \(value.attribute) was changed")
                }
            }
            if ValueDigest.combine(event.values.map { (AttributeID($0.attribute), $0.digest) }) != digest {
                report.problem("\(at): its values were removed or replaced")
            }
        } else if !event.values.isEmpty {
            report.problem("\(at): has values but its ledger entry records none")
        }
    }
}
