import ConsentCore
import GRDB
import SyncProtocol

/// The database schema, as GRDB migrations. Projection tables can always be rebuilt from the
/// ledger; the ledger and value tables are the record.
enum Schema {
    /// Written into the file header (`PRAGMA application_id`) so a foreign SQLite file is recognised: "TCns".
    static let applicationID: Int32 = 0x5443_6E73
    /// The newest schema this binary knows (`PRAGMA user_version`).
    static let version = 8

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA vault.application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        migrator.registerMigration(StaffSchema.migration, migrate: StaffSchema.migrate)
        migrator.registerMigration("v2-sync") { db in
            try db.execute(sql: v2)
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        // Staff who ended the kiosk with their password (see `recordKioskExit`).
        migrator.registerMigration("kiosk-exit-1") { db in
            try db.execute(sql: "CREATE TABLE kiosk_exit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, staff TEXT NOT NULL)")
        }
        // Failed sign-ins with references that are no tenant's, counted like a tenant's (see `signIn`).
        migrator.registerMigration("sign-in-guess-1") { db in
            try db.execute(sql: """
                CREATE TABLE sign_in_guess (
                    ref TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL, locked INTEGER NOT NULL
                ) WITHOUT ROWID
                """)
        }
        // Which members of staff this device knows the centre holds (copied from its registry, or
        // taken by it), so that only the others are offered to it (see `staffToOffer`).
        migrator.registerMigration("staff-registry-1") { db in
            try db.execute(sql: "ALTER TABLE staff ADD COLUMN at_centre INTEGER NOT NULL DEFAULT 0")
        }
        // Desk sessions (`consent staff login`): only the SHA-256 of each session's random token, never the token.
        migrator.registerMigration("desk-session-1") { db in
            try db.execute(sql: """
                CREATE TABLE staff_session (token_hash BLOB PRIMARY KEY, staff_id TEXT NOT NULL, ends_at INTEGER NOT NULL) WITHOUT ROWID
                """)
        }
        // Erasure requests made at the kiosk, for staff's queue without scanning the ledger (see `heldItems`).
        migrator.registerMigration("erasure-request-1") { db in
            try db.execute(sql: "CREATE INDEX ledger_erasure_requests ON ledger (tenant_id) WHERE kind = 'erasure-request'")
        }
        // Failed kiosk sign-ins by reference and device, synced (see `SignInTallyRows.swift`). The counts of
        // `sign_in_failure` and `sign_in_guess` (this device's, before sync carried them) move over.
        migrator.registerMigration("sign-in-tally-1") { db in
            try db.execute(sql: """
                CREATE TABLE sign_in_tally (
                    ref TEXT NOT NULL, device TEXT NOT NULL, failures INTEGER NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
                    PRIMARY KEY (ref, device)
                ) WITHOUT ROWID;
                CREATE TABLE sign_in_clear (ref TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
                INSERT OR IGNORE INTO sign_in_tally (ref, device, failures, first_at, last_at)
                    SELECT t.ref, d.id, f.failures, f.last_at, f.last_at FROM sign_in_failure f JOIN tenant t ON t.id = f.tenant_id
                    JOIN device d ON d.no = 1;
                INSERT OR IGNORE INTO sign_in_tally (ref, device, failures, first_at, last_at)
                    SELECT g.ref, d.id, g.failures, g.last_at, g.last_at FROM sign_in_guess g JOIN device d ON d.no = 1;
                DELETE FROM sign_in_failure;
                DELETE FROM sign_in_guess;
                """)
        }
        // An office's device holds only part of other devices' chains: for an event stored without its
        // predecessor, the hash it follows (as the centre named it), so `verify` still checks its content.
        migrator.registerMigration("chain-link-1") { db in
            try db.execute(sql: """
                CREATE TABLE chain_link (device_no INTEGER NOT NULL, device_seq INTEGER NOT NULL, prev_hash BLOB NOT NULL,
                    PRIMARY KEY (device_no, device_seq)) WITHOUT ROWID
                """)
        }
        // Tenants who moved to another office are forgotten by the old office's devices (see `Departure`).
        migrator.registerMigration("departure-1", migrate: Departure.migrate)
        // Each tenant's current office beside them, kept by triggers, so a centre's office pull looks it up
        // with the tenant (`OfficePull.filter`); filled for the tenants already here.
        migrator.registerMigration("tenant-office-1") { db in
            try db.execute(sql: tenantOffice)
        }
        // What each device was enrolled as (`DeviceKind`), from its enrolment code; none (a kiosk) before.
        migrator.registerMigration("device-kind-1") { db in
            try db.execute(sql: "ALTER TABLE sync_device ADD COLUMN kind TEXT; ALTER TABLE sync_code ADD COLUMN kind TEXT")
        }
        // Each ordinary current value's text beside it in `current_value`, so an export reads values by
        // one ordered scan instead of a seek into `value` per cell (issue 20); filled for the values
        // already here in the same transaction, so a crash leaves the file as it was.
        migrator.registerMigration(currentValueTextMigration) { db in
            try db.execute(sql: currentValueText)
        }
        // Who ran each export, and the device it was made on when it came in by sync (NULL: made here),
        // so disclosures travel both ways without being sent back (`DisclosureExchange`).
        migrator.registerMigration("export-origin-1") { db in
            try db.execute(sql: "ALTER TABLE export ADD COLUMN origin TEXT; ALTER TABLE export ADD COLUMN operator TEXT")
        }
        // Every kind of tenant request, for the data-protection lead's queue (see `Requests.swift`).
        migrator.registerMigration("requests-1") { db in
            try db.execute(sql: "CREATE INDEX ledger_requests ON ledger (tenant_id) WHERE kind IN (\(ConsentDatabase.requestKinds))")
        }
        // At a centre, which tenants each device was sent on demand and when (`TenantFetchCheck.recordFetch`),
        // so a fetched tenant it never changes is named for it to forget a day later.
        migrator.registerMigration("tenant-fetch-1") { db in
            try db.execute(sql: """
                CREATE TABLE tenant_fetch (device TEXT NOT NULL, tenant_id INTEGER NOT NULL, at INTEGER NOT NULL,
                    PRIMARY KEY (device, tenant_id)) WITHOUT ROWID
                """)
        }
        // Disclosures keyed by export first, so an export's rows are appended at the end of the table
        // instead of beside each tenant's earlier ones (which rewrote pages across the whole table on
        // every export, issue 20). A tenant's disclosures are found by one seek per export
        // (`tenantRecord`); copied in key order in the same transaction, so a crash leaves the file as it was.
        migrator.registerMigration(disclosureByExportMigration) { db in
            try db.execute(sql: disclosureByExport)
        }
        // One row per tenant of its current values (`tenant_values`), kept by triggers on `current_value`,
        // so an export reads a tenant with one step instead of one per attribute (issue 20); filled for the
        // tenants already here in the same transaction, so a crash leaves the file as it was.
        migrator.registerMigration(TenantValueRow.migration) { db in
            try db.execute(sql: TenantValueRow.schema)
        }
        migrator.registerMigration(TenantValueRow.appendMigration) { db in
            try db.execute(sql: TenantValueRow.appendOnInsert)
        }
        // The tenants of a joint tenancy found by one index seek (`jointTenants(of:)`), not a scan of every value.
        migrator.registerMigration("joint-tenancy-1") { db in
            try db.execute(sql: ConsentDatabase.currentValueJointTenancyIndex)
        }
        // Events of this device that the centre refuses and staff set aside (`consent sync set-aside`): kept in
        // the ledger, out of the outbox, listed with the centre's reason (see `SetAside.swift`).
        migrator.registerMigration("set-aside-1") { db in
            try db.execute(sql: """
                CREATE TABLE set_aside (device_seq INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL,
                    reason TEXT NOT NULL, at INTEGER NOT NULL);
                CREATE TABLE set_aside_export (export_id TEXT PRIMARY KEY, reason TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID
                """)
        }
        // At a centre, the device that added each member of staff it offered (NULL: added at the centre), so
        // one device adds only a few a day and such a member stands for no sign-in clear (`StaffRegistry.adoption`).
        migrator.registerMigration("staff-offered-1") { db in
            try db.execute(sql: "ALTER TABLE staff ADD COLUMN offered_by TEXT")
        }
        // At a centre, the highest central number served to each device in a pull (`PushScope`: a device pushes
        // for the tenants it could have held then). Devices enrolled before count as served everything so far.
        migrator.registerMigration("device-served-1") { db in
            try db.execute(sql: """
                ALTER TABLE sync_device ADD COLUMN served INTEGER NOT NULL DEFAULT 0;
                UPDATE sync_device SET served = (SELECT coalesce(max(central_seq), 0) FROM ledger)
                """)
        }
        // When a move set each tenant's office, at the verification that confirmed it if it waited (`OfficePull`).
        migrator.registerMigration(OfficeMoveSchema.migration, migrate: OfficeMoveSchema.migrate)
        // PINs and codes still hashed the unkeyed way, found by one index step (`secretMatches`). Version 3: a
        // binary from before keyed PINs would take a keyed one for a wrong PIN and lock the tenant out, so it refuses the file.
        migrator.registerMigration(ConsentDatabase.unkeyedSecretsMigration) { db in
            try db.execute(sql: ConsentDatabase.unkeyedSecretsIndexes)
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        // `tenant_values` rows lead with a shared source, so a cell from it holds `=` (about 40% of the rows' bytes
        // fewer, issue 20). Version 4: a binary from before would read every such row as damaged, so it refuses the file.
        migrator.registerMigration(TenantValueRow.sharedSourceMigration) { db in
            try db.execute(sql: TenantValueRow.sharedSource)
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        // Decisions keyed by purpose first, so an export reads its purpose's rows instead of every decision in the
        // register (issue 20); a tenant's decisions are found by one seek per purpose (`DecisionByPurpose.ofTenant`). Copied in
        // key order in the same transaction, so a crash leaves the file as it was.
        migrator.registerMigration(DecisionByPurpose.migration) { db in
            try db.execute(sql: DecisionByPurpose.upgrade)
        }
        // A held value's row keeps 4 bytes of its digest (`StoredValueDigest`, issue 20); rows written before keep their
        // whole digest. Version 5: a binary from before would take every new row for a changed value and push digests a
        // centre refuses, so it refuses the file.
        migrator.registerMigration(StoredValueDigest.migration) { db in
            try db.execute(sql: "PRAGMA user_version = 5")
        }
        // `current_value` numbers each value's writer and holds no copy of its text (`LeanCurrentValue`, issue 20).
        // Version 6: a binary from before would find no `writer` column, so it refuses the file.
        migrator.registerMigration(LeanCurrentValue.migration) { db in
            try db.execute(sql: LeanCurrentValue.upgrade)
            try db.execute(sql: "PRAGMA user_version = 6")
        }
        // A decision reads the notice, actor and channel from its event's ledger row (`LeanDecision`, issue 20).
        // Version 7: a binary from before would find no `actor` column, so it refuses the file.
        migrator.registerMigration(LeanDecision.migration) { db in
            try db.execute(sql: LeanDecision.upgrade)
            try db.execute(sql: "PRAGMA user_version = 7")
        }
        // `tenant_values` cells name each attribute by its number (`NumberedCells`, issue 20). Version 8: a binary from
        // before would read every row as damaged, so it refuses the file.
        migrator.registerMigration(NumberedCells.migration) { db in
            try db.execute(sql: NumberedCells.upgrade)
            try db.execute(sql: "PRAGMA user_version = 8")
        }
        return migrator
    }

    /// The migration that keys `disclosure` by (export, tenant) (named so tests can undo it on a real file).
    static let disclosureByExportMigration = "disclosure-by-export-1"

    private static let disclosureByExport = """
        CREATE TABLE disclosure_by_export (
            tenant_id INTEGER NOT NULL, export_no INTEGER NOT NULL, columns INTEGER NOT NULL,
            PRIMARY KEY (export_no, tenant_id)
        ) WITHOUT ROWID;
        INSERT INTO disclosure_by_export (tenant_id, export_no, columns)
            SELECT tenant_id, export_no, columns FROM disclosure ORDER BY export_no, tenant_id;
        DROP TABLE disclosure;
        ALTER TABLE disclosure_by_export RENAME TO disclosure;
        """

    /// `tenant.office`, `office_device` and `office_dseq` (`OfficeColumns.followBeforeMoves`), kept by triggers on
    /// `current_value` (the value row is written before the projection names it); migration `office-move-1`
    /// replaces the last two (`OfficeMoveSchema`).
    private static let tenantOffice = """
        ALTER TABLE tenant ADD COLUMN office TEXT;
        ALTER TABLE tenant ADD COLUMN office_device INTEGER;
        ALTER TABLE tenant ADD COLUMN office_dseq INTEGER;
        \(OfficeMoveSchema.projectionTriggers(running: OfficeColumns.followBeforeMoves(where:)))
        \(OfficeColumns.followBeforeMoves(where: "id IN (SELECT tenant_id FROM current_value WHERE attribute_id = '\(Office.attribute.rawValue)')"));
        """

    /// Sync: the outbox is the ledger's own unpushed rows; these add what the centre keeps about
    /// devices and what each side remembers of the conversation.
    private static let v2 = """
        -- Events in central order (devices pull by it; at the centre it equals the position).
        CREATE INDEX ledger_by_central ON ledger (central_seq) WHERE central_seq IS NOT NULL;
        CREATE INDEX ledger_unpushed ON ledger (device_no, device_seq) WHERE pushed = 0;

        -- At the centre: enrolled devices (credential stored as a SHA-256 of a 256-bit random secret),
        -- one-time enrolment codes (hashed), the answer given for each pushed event (replayed on a
        -- resend) and refused requests.
        CREATE TABLE sync_device (
            id TEXT PRIMARY KEY, office TEXT NOT NULL, secret_hash BLOB NOT NULL, enrolled_at INTEGER NOT NULL,
            revoked_at INTEGER, public_key BLOB
        ) WITHOUT ROWID;
        -- The latest chain head each device signed (Ed25519, with the key it enrolled with).
        CREATE TABLE sync_head (
            device TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL, signature BLOB NOT NULL, at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE sync_code (
            code_hash BLOB PRIMARY KEY, office TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
        ) WITHOUT ROWID;
        CREATE TABLE sync_result (
            device_no INTEGER NOT NULL, device_seq INTEGER NOT NULL, outcome TEXT NOT NULL, central INTEGER, reason TEXT,
            PRIMARY KEY (device_no, device_seq)
        ) WITHOUT ROWID;
        CREATE TABLE sync_audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, device TEXT, what TEXT NOT NULL);
        """

    private static let v1 = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE vault.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        -- Devices known here, numbered locally so ledger rows stay small.
        CREATE TABLE device (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
        -- The last event of each device's chain; for this device also the hybrid logical clock's last time.
        CREATE TABLE chain_head (device_no INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL, hlc INTEGER NOT NULL DEFAULT 0);

        -- The register: one row per tenant; everything else about them is in the ledger.
        CREATE TABLE tenant (id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE);

        -- The append-only ledger. Only central_seq and pushed (the sync outbox marker) may change.
        CREATE TABLE ledger (
            position INTEGER PRIMARY KEY,
            device_no INTEGER NOT NULL,
            device_seq INTEGER NOT NULL,
            central_seq INTEGER,
            tenant_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            attribute_id TEXT,
            purpose_id TEXT,
            state TEXT,
            pending INTEGER,
            notice_version INTEGER,
            language TEXT,
            valid_until INTEGER,
            target_device TEXT,
            target_seq INTEGER,
            values_digest BLOB,
            hlc INTEGER NOT NULL,
            effective_at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            actor_id TEXT,
            verification TEXT,
            reason TEXT,
            channel TEXT NOT NULL,
            causal_seq INTEGER,
            evidence TEXT,
            hash BLOB NOT NULL,
            pushed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (device_no, device_seq)
        );
        CREATE INDEX ledger_by_tenant ON ledger (tenant_id, position);
        CREATE TRIGGER ledger_append_only_update BEFORE UPDATE OF
            position, device_no, device_seq, tenant_id, kind, attribute_id, purpose_id, state, pending,
            notice_version, language, valid_until, target_device, target_seq, values_digest, hlc, effective_at,
            actor, actor_id, verification, reason, channel, causal_seq, evidence, hash ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_append_only_delete BEFORE DELETE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

        -- Values recorded by events, kept out of the ledger so an erasure can remove them while the
        -- hash chain (which covers only their salted digests) still verifies. Ordinary values here,
        -- special categories in the vault file. While the salt is held, digest keeps only the first bytes of the
        -- salted digest, the rest derived from the row (StoredValueDigest); an erasure writes the whole digest.
        CREATE TABLE value (
            device_no INTEGER NOT NULL, device_seq INTEGER NOT NULL, attribute_id TEXT NOT NULL,
            tenant_id INTEGER NOT NULL, value TEXT, prefer_not INTEGER NOT NULL, salt BLOB, digest BLOB NOT NULL,
            PRIMARY KEY (device_no, device_seq, attribute_id)
        ) WITHOUT ROWID;
        -- Special-category values, each sealed (AES-GCM, salt inside) under the data key key_id;
        -- sealed and key_id are NULL once erased.
        CREATE TABLE vault.value (
            device_no INTEGER NOT NULL, device_seq INTEGER NOT NULL, attribute_id TEXT NOT NULL,
            tenant_id INTEGER NOT NULL, key_id TEXT, sealed BLOB, prefer_not INTEGER NOT NULL, digest BLOB NOT NULL,
            PRIMARY KEY (device_no, device_seq, attribute_id)
        ) WITHOUT ROWID;
        -- Data keys, each wrapped by a key-encryption key (kek_id is its fingerprint) kept outside both
        -- files. During a key rotation a data key has two rows, one per key-encryption key.
        CREATE TABLE vault.data_key (
            key_id TEXT NOT NULL, kek_id TEXT NOT NULL, wrapped BLOB NOT NULL, created_at INTEGER NOT NULL,
            PRIMARY KEY (key_id, kek_id)
        ) WITHOUT ROWID;
        -- Special-category values an erasure has recorded but the vault may not have forgotten yet
        -- (the main file commits first); applied and removed after each commit and at opening.
        CREATE TABLE vault_erasure_due (id INTEGER PRIMARY KEY, device_no INTEGER NOT NULL, device_seq INTEGER NOT NULL, attribute_id TEXT NOT NULL);

        -- Projection: the current value of each attribute (source = the event that recorded it).
        CREATE TABLE current_value (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, status TEXT NOT NULL,
            source_device INTEGER NOT NULL, source_seq INTEGER NOT NULL,
            hlc INTEGER NOT NULL, writer TEXT NOT NULL,
            PRIMARY KEY (tenant_id, attribute_id)
        ) WITHOUT ROWID;
        CREATE TABLE pending_value (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL,
            source_device INTEGER NOT NULL, source_seq INTEGER NOT NULL, hlc INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, attribute_id, source_device, source_seq)
        ) WITHOUT ROWID;

        -- Projection: the current decision per (tenant, attribute, purpose).
        CREATE TABLE decision (
            tenant_id INTEGER NOT NULL, attribute_id TEXT NOT NULL, purpose_id TEXT NOT NULL,
            state TEXT NOT NULL, event_device INTEGER NOT NULL, event_seq INTEGER NOT NULL, central_seq INTEGER,
            effective_at INTEGER NOT NULL, notice_version INTEGER, language TEXT, valid_until INTEGER,
            actor TEXT NOT NULL, actor_id TEXT, verification TEXT, reason TEXT, channel TEXT NOT NULL,
            reconfirm_device INTEGER, reconfirm_seq INTEGER,
            -- The withdrawals and objections a grant must have seen to resume use (merge rule state).
            blocking TEXT,
            PRIMARY KEY (tenant_id, attribute_id, purpose_id)
        ) WITHOUT ROWID;

        -- Sign-in secrets (never in the ledger, which records only that they changed).
        CREATE TABLE credential (
            tenant_id INTEGER PRIMARY KEY, kdf TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL, set_at INTEGER NOT NULL
        );
        CREATE TABLE sign_in_code (
            tenant_id INTEGER PRIMARY KEY, kdf TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL, expires_at INTEGER NOT NULL
        );
        CREATE TABLE sign_in_failure (
            tenant_id INTEGER PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL, locked INTEGER NOT NULL
        );

        -- Staff who act on tenants' behalf (phone support, desk, paper campaigns), with a slow password hash.
        CREATE TABLE staff (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, kdf TEXT NOT NULL, salt BLOB NOT NULL,
            hash BLOB NOT NULL, created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;

        -- What left the system (written by the export layer, shown at the kiosk): one row per export
        -- or mailing, and per included tenant a bit mask of the export's columns they got, so a
        -- whole-register export adds a few bytes per tenant (keyed by export first since `disclosure-by-export-1`).
        CREATE TABLE export (
            no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, purpose_id TEXT NOT NULL, recipient TEXT NOT NULL,
            columns TEXT NOT NULL, at INTEGER NOT NULL
        );
        CREATE TABLE disclosure (
            tenant_id INTEGER NOT NULL, export_no INTEGER NOT NULL, columns INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, export_no)
        ) WITHOUT ROWID;
        """
}
