import CentralStore
import ConsentVault
import Foundation
import PostgresNIO
import SyncProtocol

/// The organisation's key pair at a PostgreSQL centre, as at a SQLite one: the public key in
/// `organisation_key`, given to every device at enrolment; the private key in `data_key` under the
/// public key's id, wrapped by the key-encryption key, so it opens wherever that key is given
/// (`--key-file` for exports, statistics, the return and `audit verify`) and nowhere else.
extension PostgresCentralStore {
    /// The public key devices seal special-category values to; nil when this centre has none (one
    /// never opened with the key-encryption key since it was made without a pair: its devices then
    /// seal under data keys of their own).
    public func organisationPublicKey() async throws(CentralStoreError) -> OrganisationPublicKey? {
        try await transaction { connection in try await Self.organisationPublicKey(on: connection, logger: self.logger) }
    }

    /// ``organisationPublicKey()`` read on `connection`, in the caller's transaction.
    static func organisationPublicKey(on connection: PostgresConnection, logger: Logger) async throws -> OrganisationPublicKey? {
        var stored: String?
        for try await text in try await connection.query("SELECT public_key FROM organisation_key", logger: logger).decode(String.self) {
            stored = text
        }
        guard let stored else { return nil }
        do { return try OrganisationPublicKey(base64: stored) } catch {
            throw CentralStoreError.storage("the organisation key in table organisation_key is damaged (\(error)); restore that table from a backup")
        }
    }

    /// With the key-encryption key: makes the organisation's key pair when this centre has none, or
    /// checks that the pair it has opens with `kek`. Runs in one transaction under an advisory lock,
    /// so two servers starting at once make one pair.
    func ensureOrganisationKey(_ kek: KeyEncryptionKey) async throws(CentralStoreError) {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7453002)", logger: self.logger)
            if let key = try await Self.organisationPublicKey(on: connection, logger: self.logger) {
                var rows: [(keyID: String, kekID: String, wrapped: Data)] = []
                for try await row in try await connection.query(
                    "SELECT key_id, kek_id, wrapped FROM data_key WHERE key_id = \(key.id)", logger: self.logger
                ).decode((String, String, Data).self) {
                    rows.append((row.0, row.1, row.2))
                }
                let opener: SealedValueOpener
                do { opener = try SealedValueOpener(kek: kek, dataKeys: rows) } catch {
                    throw CentralStoreError.invalid("the organisation key \(key.id) is not wrapped by the key given: \(error)")
                }
                guard opener.organisationKeyID == key.id else {
                    throw CentralStoreError.invalid("""
                        the organisation key \(key.id) has no private half here that opens with key \(kek.id) (from \(kek.source)); \
                        give the organisation's key file, or restore table data_key from a backup
                        """)
                }
                return
            }
            let pair = OrganisationPrivateKey.generate()
            let id = pair.publicKey.id
            let wrapped = try pair.wrapped(with: kek)
            try await connection.query("""
                INSERT INTO data_key (key_id, kek_id, wrapped, created_at) VALUES (\(id), \(kek.id), \(wrapped), \(self.now()))
                """, logger: self.logger)
            try await connection.query("""
                INSERT INTO organisation_key (public_key, created_at) VALUES (\(pair.publicKey.raw.base64EncodedString()), \(self.now()))
                """, logger: self.logger)
        }
    }
}
