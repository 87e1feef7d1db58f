import CentralStore
import ConsentCore
import ConsentVault
import Foundation
import PostgresNIO
import SyncProtocol

/// Staff reveal at a PostgreSQL centre, as at a SQLite one (`RevealCheck` decides): the value opens
/// with the organisation's key-encryption key given to `consent serve --database --key-file`.
extension PostgresCentralStore {
    public func reveal(_ request: RevealRequest, from device: String) async throws(CentralStoreError) -> RevealAnswer {
        let attribute = AttributeID(request.attribute)
        let isSpecial = catalogue.attribute(attribute)?.isSpecial == true
        let kek = keyEncryptionKey
        let noKey = RevealRefusal(.centreHasNoKey, "the centre cannot open special-category values: start `consent serve --database` "
            + "with the organisation's key file (--key-file), then ask again")
        return try await transaction { connection in
            let facts = try await self.revealFacts(request, device: device, on: connection)
            if let refusal = RevealCheck.problem(request, facts, now: self.now(), isSpecial: isSpecial) {
                throw CentralStoreError.revealRefused(refusal)
            }
            let decided = try await self.decisions(of: request.tenant, about: attribute, on: connection)
            if let refusal = RevealCheck.purposeProblem(attribute, of: decided, at: Date(), catalogue: self.catalogue) {
                throw CentralStoreError.revealRefused(refusal)
            }
            guard let kek else { throw CentralStoreError.revealRefused(noKey) }
            var found: (status: String, device: String, sequence: Int64, keyID: String?, sealed: Data?)?
            for try await row in try await connection.query("""
                SELECT c.status, d.id, c.source_seq, s.key_id, s.sealed FROM current_value c JOIN tenant t ON t.id = c.tenant_id
                JOIN device d ON d.no = c.source_device LEFT JOIN sealed_value s
                  ON s.device_no = c.source_device AND s.device_seq = c.source_seq AND s.attribute_id = c.attribute_id
                WHERE t.ref = \(request.tenant) AND c.attribute_id = \(request.attribute)
                """, logger: self.logger).decode((String, String, Int64, String?, Data?).self) {
                found = row
            }
            var answer = RevealAnswer.notHeld
            if let found {
                let source = EventID(device: DeviceID(found.device), sequence: found.sequence)
                switch found.status {
                case "prefer-not-to-say": answer = RevealAnswer(value: nil, preferNotToSay: true)
                case "erased": break
                default:
                    var keys: [(keyID: String, kekID: String, wrapped: Data)] = []
                    for try await key in try await connection.query("SELECT key_id, kek_id, wrapped FROM data_key", logger: self.logger)
                        .decode((String, String, Data).self) { keys.append((key.0, key.1, key.2)) }
                    guard let keyID = found.keyID, let sealed = found.sealed,
                          let opened = try SealedValueOpener(kek: kek, dataKeys: keys).open(
                            sealed, keyID: keyID, tenant: TenantRef(request.tenant), attribute: attribute, event: source)
                    else { throw CentralStoreError.revealRefused(noKey) }
                    answer = opened.text.map { RevealAnswer(value: $0) } ?? RevealAnswer(value: nil, preferNotToSay: true)
                }
            }
            try await Self.audit(device: device, what: "revealed \(request.attribute) of \(request.tenant) to \(request.staff) (a recorded read)",
                                 at: self.now(), on: connection, logger: self.logger)
            return answer
        }
    }

    /// The tenant with only their decisions about `attribute` (all a purpose check needs).
    private func decisions(of ref: String, about attribute: AttributeID, on connection: PostgresConnection) async throws -> TenantState {
        let projection = try await PostgresProjection(connection: connection, logger: logger)
        var state = TenantState(ref: TenantRef(ref))
        for try await row in try await connection.query("""
            SELECT d.purpose_id, \(unescaped: PostgresProjection.decisionColumns) FROM decision d JOIN tenant t ON t.id = d.tenant_id
            WHERE t.ref = \(ref) AND d.attribute_id = \(attribute.rawValue)
            """, logger: logger) {
            var cells = CellReader(row)
            let purpose = PurposeID(try cells.string())
            state.decisions[DecisionKey(attribute, purpose)] = try projection.decisionRecord(&cells)
        }
        return state
    }

    /// What this centre knows of the request: the tenant, its office, the device's office and latest read.
    private func revealFacts(_ request: RevealRequest, device: String, on connection: PostgresConnection) async throws -> RevealFacts {
        var enrolled: (office: String, kind: String?)?
        for try await row in try await connection.query("SELECT office, kind FROM sync_device WHERE id = \(device)", logger: logger)
            .decode((String, String?).self) { enrolled = row }
        guard let (office, recordedKind) = enrolled else { throw CentralStoreError.unauthenticated(device) }
        let kind = DeviceKind.recorded(recordedKind)
        let numbered: (Int) -> String = { "$\($0)" }
        var tenant: (office: String?, changed: Int32)?
        var binds = PostgresBindings()
        binds.append(request.tenant)
        binds.append(device)
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: RevealCheck.tenantQuery(mark: numbered), binds: binds), logger: logger)
            .decode((String?, Int32).self) { tenant = row }
        guard let tenant else {
            return RevealFacts(tenantKnown: false, tenantOffice: nil, deviceOffice: office, deviceChangedTenant: false, access: nil, deviceKind: kind)
        }
        binds.append(request.attribute)
        binds.append(request.staff)
        var access: RecordedAccess?
        for try await (actor, staff, channel, at, role, disabled) in try await connection.query(
            PostgresQuery(unsafeSQL: RevealCheck.accessQuery(mark: numbered), binds: binds), logger: logger
        ).decode((String, String?, String, Int64, String?, Int32?).self) {
            access = RecordedAccess(actor: actor, staff: staff, channel: channel, at: at, role: role.flatMap(StaffRole.init(rawValue:)), active: disabled == 0)
        }
        return RevealFacts(tenantKnown: true, tenantOffice: tenant.office, deviceOffice: office, deviceChangedTenant: tenant.changed == 1, access: access, deviceKind: kind)
    }
}
