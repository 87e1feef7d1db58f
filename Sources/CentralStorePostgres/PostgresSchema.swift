import ConsentCore
import Foundation
import PostgresNIO
import SyncProtocol

/// The central store's tables on PostgreSQL, created and migrated by the store itself. They
/// mirror the SQLite centre: the register, device numbering, the append-only ledger with its
/// central sequence, values (ordinary in clear, special categories sealed as the devices sealed
/// them: the centre opens them only where it is given the key-encryption key), wrapped data keys and
/// the organisation's key pair, the decision and value projections, and the sync tables (devices,
/// enrolment codes, push results, audit).
enum PostgresSchema {
    /// The newest schema this binary knows.
    static let version = 21

    /// Migrations in order; migration `i` brings the schema from version `i` to `i + 1`.
    static let migrations: [String] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19, v20, v21]

    /// Creates or upgrades the schema. Runs under a transaction-level advisory lock, so two servers
    /// starting at once do not both migrate; refuses a database made by a newer binary.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws(CentralStoreSetupError) {
        do {
            try await connection.query("BEGIN", logger: logger)
            try await connection.query("SELECT pg_advisory_xact_lock(7453001)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL)", logger: logger)
            var current: Int64 = 0
            for try await value in try await connection.query("SELECT max(version) FROM schema_version", logger: logger).decode(Int64?.self) {
                current = value ?? 0
            }
            if current > Int64(version) {
                try await connection.query("ROLLBACK", logger: logger)
                throw CentralStoreSetupError.newerSchema(found: current, known: version)
            }
            for index in Int(current)..<version {
                for statement in statements(migrations[index]) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                // The restrictions in force come from a fold SQL does not have: filled by the store's own code.
                if index + 1 == 15 { try await PostgresCentralStore.refreshRestrictions(on: connection, logger: logger) }
                try await connection.query("INSERT INTO schema_version (version) VALUES (\(Int64(index + 1)))", logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
        } catch let error as CentralStoreSetupError {
            throw error
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw .database(String(reflecting: error))
        }
    }

    /// A migration's statements: they end with `;` at the end of a line (the extended query protocol
    /// takes one statement at a time).
    static func statements(_ script: String) -> [String] {
        script.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { chunk in
            chunk.split(separator: "\n").contains { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
        }
    }

    /// The text of each current value beside it (`current_value.value`, as a SQLite store keeps it), so an export
    /// reads a page of values without looking a `value` row up for each. Taken from `value` whenever the row is
    /// written (a push stores values before the projection; `consent migrate` copies `value` first), so it is never
    /// a special category's (those are sealed in `sealed_value`); forgotten when an erasure clears the text; filled
    /// for the rows already here (written to run again harmlessly: tests take a centre back to older schemas).
    /// `audit verify` checks it against `value` (`driftedTextQuery`).
    private static let v18 = """
        ALTER TABLE current_value ADD COLUMN IF NOT EXISTS value text;
        CREATE OR REPLACE FUNCTION current_value_text() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
        NEW.value := (SELECT v.value FROM value v WHERE v.device_no = NEW.source_device AND v.device_seq = NEW.source_seq \
        AND v.attribute_id = NEW.attribute_id); \
        RETURN NEW; END $$;
        DROP TRIGGER IF EXISTS current_value_text ON current_value;
        CREATE TRIGGER current_value_text BEFORE INSERT OR UPDATE OF source_device, source_seq, attribute_id ON current_value
            FOR EACH ROW EXECUTE FUNCTION current_value_text();
        CREATE OR REPLACE FUNCTION value_erased_forgets_current() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
        UPDATE current_value SET value = NULL WHERE tenant_id = NEW.tenant_id AND attribute_id = NEW.attribute_id \
        AND source_device = NEW.device_no AND source_seq = NEW.device_seq; \
        RETURN NULL; END $$;
        DROP TRIGGER IF EXISTS value_erased_forgets_current ON value;
        CREATE TRIGGER value_erased_forgets_current AFTER UPDATE OF value ON value
            FOR EACH ROW WHEN (NEW.value IS NULL) EXECUTE FUNCTION value_erased_forgets_current();
        UPDATE current_value c SET value = v.value FROM value v
            WHERE v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id;
        """

    /// Tenants and attributes whose current text (`current_value.value`) is not their recorded value's: the copy an
    /// export reads was altered.
    static let driftedTextQuery = """
        SELECT t.ref, c.attribute_id FROM current_value c JOIN tenant t ON t.id = c.tenant_id
        LEFT JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
        WHERE c.value IS DISTINCT FROM v.value ORDER BY t.ref, c.attribute_id LIMIT 20
        """

    /// Who ran each export, and the device it was made on when it came in by sync (NULL: made here), so
    /// disclosures travel both ways without being sent back (`exchangeDisclosures`).
    private static let v11 = """
        ALTER TABLE export ADD COLUMN origin text;
        ALTER TABLE export ADD COLUMN operator text;
        """

    /// Which tenants each device was sent on demand and when (`TenantFetchCheck.recordFetch`), so a fetched
    /// tenant it never changes is named for it to forget a day later (`TenantFetchCheck.forgottenQuery`).
    private static let v12 = """
        CREATE TABLE tenant_fetch (device text NOT NULL, tenant_id bigint NOT NULL, at bigint NOT NULL, PRIMARY KEY (device, tenant_id));
        """

    /// The reads that scanned a whole table: the restrictions in force (every export reads them, from the request
    /// events of the few tenants who asked: `PostgresRestrictions`), and an export's disclosures by its number (each
    /// disclosure exchange, keyed by tenant first). A partial index holds only tenants' requests, as SQLite's
    /// `ledger_requests` does.
    static let v13 = """
        CREATE INDEX ledger_requests ON ledger (kind, tenant_id) WHERE kind IN (\(RequestKind.eventKinds.map { "'\($0)'" }.joined(separator: ", ")));
        CREATE INDEX disclosure_by_export ON disclosure (export_no, tenant_id);
        """

    /// `disclosure` keyed by (export, tenant) alone, as a SQLite store keys it: an export's disclosures go in at the
    /// end of one index instead of into every tenant's place in a second (the tenant-first key split a page for
    /// nearly every row: the insert took 2.4-2.6 times as long). A tenant's disclosures are found by export number, one
    /// probe each, as the recall and fetched-tenant reads join them. Written to run again harmlessly.
    static let v21 = """
        ALTER TABLE disclosure DROP CONSTRAINT IF EXISTS disclosure_pkey;
        DROP INDEX IF EXISTS disclosure_by_export;
        ALTER TABLE disclosure ADD PRIMARY KEY (export_no, tenant_id);
        """

    /// The device that added each member of staff it offered (NULL: added at the centre), so one device adds
    /// only a few a day and such a member stands for no sign-in clear (`StaffRegistry.adoption`).
    private static let v14 = """
        ALTER TABLE staff ADD COLUMN offered_by text;
        """

    /// The restrictions in force (UK GDPR Art. 18) per tenant and attribute, kept by each push and migration that
    /// stores an event deciding one (`PostgresCentralStore.refreshRestrictions`), so the purpose views leave those
    /// cells empty as exports do; filled from the ledger by `migrate` right after this script.
    private static let v15 = """
        CREATE TABLE restricted_attribute (tenant_id bigint NOT NULL, attribute_id text NOT NULL, PRIMARY KEY (tenant_id, attribute_id));
        """

    /// The highest central number served to each device in a pull (`PushScope`: a device pushes for the tenants
    /// it could have held then); devices enrolled before count as served everything so far.
    private static let v16 = """
        ALTER TABLE sync_device ADD COLUMN served bigint NOT NULL DEFAULT 0;
        UPDATE sync_device SET served = (SELECT last FROM central_counter);
        """

    /// When a move set each tenant's office (`OfficeColumns`, the statement a SQLite centre's triggers run too),
    /// at the verification that confirmed it if it waited, in place of the event that set it: kept by the
    /// triggers on `current_value` and one on the ledger's office corrections and verifications (a push writes
    /// the projection before the ledger, so the ledger's trigger finds both), with an index of the moved
    /// tenants; filled for those already moved.
    private static let v17 = """
        ALTER TABLE tenant DROP COLUMN office_device, DROP COLUMN office_dseq, ADD COLUMN office_central bigint;
        CREATE INDEX tenant_by_move ON tenant (office_central) WHERE office_central IS NOT NULL;
        CREATE OR REPLACE FUNCTION tenant_follows_office() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
        IF TG_OP = 'DELETE' THEN \(OfficeColumns.follow(where: "id = OLD.tenant_id")); \
        ELSE \(OfficeColumns.follow(where: "id = NEW.tenant_id")); END IF; \
        RETURN NULL; END $$;
        CREATE TRIGGER ledger_move AFTER INSERT ON ledger
            FOR EACH ROW WHEN (\(OfficeColumns.movingRow)) EXECUTE FUNCTION tenant_follows_office();
        \(OfficeColumns.follow(where: OfficeColumns.movedTenants));
        """

    /// What each device was enrolled as (`DeviceKind`: `kiosk` or `staff`), from its enrolment code;
    /// NULL for a device enrolled before (treated as a kiosk: it reveals nothing).
    private static let v10 = """
        ALTER TABLE sync_device ADD COLUMN kind text;
        ALTER TABLE enrolment_code ADD COLUMN kind text;
        """

    /// Where a data-key rotation stands (`consent keys rotate --data-keys --database`): one row while one
    /// is under way (`DataKeyRotationState`'s text), committed with each step it records.
    private static let v9 = """
        CREATE TABLE key_rotation (single boolean PRIMARY KEY DEFAULT true CHECK (single), state text NOT NULL);
        """

    /// Each tenant's current office beside them (`OfficeColumns.followBeforeMoves`, the statement a SQLite centre's
    /// triggers run too), kept by triggers on `current_value` (a push writes values before the projection),
    /// so an office pull looks it up with the tenant; filled for the tenants already here.
    private static let v8 = """
        ALTER TABLE tenant ADD COLUMN office text, ADD COLUMN office_device bigint, ADD COLUMN office_dseq bigint;
        CREATE FUNCTION tenant_follows_office() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
        IF TG_OP <> 'INSERT' THEN \(OfficeColumns.followBeforeMoves(where: "id = OLD.tenant_id")); END IF; \
        IF TG_OP <> 'DELETE' THEN \(OfficeColumns.followBeforeMoves(where: "id = NEW.tenant_id")); END IF; \
        RETURN NULL; END $$;
        CREATE TRIGGER current_value_office_write AFTER INSERT OR UPDATE ON current_value
            FOR EACH ROW WHEN (NEW.attribute_id = '\(Office.attribute.rawValue)') EXECUTE FUNCTION tenant_follows_office();
        CREATE TRIGGER current_value_office_delete AFTER DELETE ON current_value
            FOR EACH ROW WHEN (OLD.attribute_id = '\(Office.attribute.rawValue)') EXECUTE FUNCTION tenant_follows_office();
        \(OfficeColumns.followBeforeMoves(where: "id IN (SELECT tenant_id FROM current_value WHERE attribute_id = '\(Office.attribute.rawValue)')"));
        """

    /// The organisation's public key (X25519, base64, as a SQLite centre keeps it in `meta`), which
    /// enrolment gives devices so they seal special-category values to it. Its private half is a row of
    /// `data_key` under the key's id, wrapped by the key-encryption key like a data key. One row at most.
    private static let v7 = """
        CREATE TABLE organisation_key (
            single boolean PRIMARY KEY DEFAULT true CHECK (single), public_key text NOT NULL, created_at bigint NOT NULL
        );
        """

    /// Failed kiosk sign-ins by reference and device, and when each reference was last cleared, as
    /// devices report them (`SignInTallies`); kept a day.
    private static let v6 = """
        CREATE TABLE sign_in_tally (
            ref text NOT NULL, device text NOT NULL, failures bigint NOT NULL, first_at bigint NOT NULL, last_at bigint NOT NULL,
            PRIMARY KEY (ref, device)
        );
        CREATE TABLE sign_in_clear (ref text PRIMARY KEY, at bigint NOT NULL);
        """

    /// The staff registry: who may be named as the author of a staff change a device pushes. No
    /// passwords: staff sign in on devices; here they are only known.
    private static let v5 = """
        CREATE TABLE staff (
            id text PRIMARY KEY, name text NOT NULL, role text NOT NULL, created_at bigint NOT NULL, disabled integer NOT NULL DEFAULT 0
        );
        """

    /// Staff markers (vulnerable, safe address) projected as at a SQLite centre: per tenant and marker,
    /// the change that stands by (HLC, device id), filled from the marker events already in the ledger.
    /// Device ids compare by their bytes (`COLLATE "C"`), as Swift compares them.
    private static let v4 = """
        CREATE TABLE tenant_marker (
            tenant_id bigint NOT NULL, marker text NOT NULL, active boolean NOT NULL, hlc bigint NOT NULL, writer text NOT NULL,
            PRIMARY KEY (tenant_id, marker)
        );
        INSERT INTO tenant_marker (tenant_id, marker, active, hlc, writer)
        SELECT DISTINCT ON (l.tenant_id, l.attribute_id) l.tenant_id, l.attribute_id, l.state = 'set', l.hlc, d.id
        FROM ledger l JOIN device d ON d.no = l.device_no WHERE l.kind = 'marker'
        ORDER BY l.tenant_id, l.attribute_id, l.hlc DESC, d.id COLLATE "C" DESC;
        """

    /// Exports made from this centre and what each tenant was sent (a bit per column), as in the SQLite store.
    private static let v3 = """
        CREATE TABLE export (
            no bigserial PRIMARY KEY, id text NOT NULL UNIQUE, purpose_id text NOT NULL, recipient text NOT NULL,
            columns text NOT NULL, at bigint NOT NULL
        );
        CREATE TABLE disclosure (
            tenant_id bigint NOT NULL, export_no bigint NOT NULL, columns bigint NOT NULL, PRIMARY KEY (tenant_id, export_no)
        );
        """

    /// Signed chain heads: each device's public signing key (Ed25519, raw) and the latest head it signed.
    private static let v2 = """
        ALTER TABLE sync_device ADD COLUMN public_key bytea;
        CREATE TABLE sync_head (
            device text PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL, signature bytea NOT NULL, at bigint NOT NULL
        );
        """

    private static let v1 = """
        -- Devices known here, numbered so ledger rows stay small.
        CREATE TABLE device (no bigserial PRIMARY KEY, id text NOT NULL UNIQUE);
        -- The last event of each device's chain stored here (sequence 0 and 32 zero bytes before the first).
        CREATE TABLE chain_head (device_no bigint PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);
        -- The register: one row per tenant.
        CREATE TABLE tenant (id bigserial PRIMARY KEY, ref text NOT NULL UNIQUE);
        -- The last central sequence given. Its row is locked from the moment a push takes numbers
        -- until that push commits, so pushes commit in central order and a pull never sees a number
        -- become visible after a later one (a bigserial would not promise that).
        CREATE TABLE central_counter (single boolean PRIMARY KEY DEFAULT true CHECK (single), last bigint NOT NULL);
        INSERT INTO central_counter (single, last) VALUES (true, 0);

        -- The append-only ledger, in central order. No foreign keys: each would cost a lookup per
        -- inserted row, and rows are only ever written by a push, which has just read the device and tenant.
        CREATE TABLE ledger (
            central_seq bigint PRIMARY KEY,
            device_no bigint NOT NULL,
            device_seq bigint NOT NULL,
            tenant_id bigint NOT NULL,
            kind text NOT NULL, attribute_id text, purpose_id text, state text, pending boolean,
            notice_version bigint, language text, valid_until bigint, target_device text, target_seq bigint,
            values_digest bytea, hlc bigint NOT NULL, effective_at bigint NOT NULL, actor text NOT NULL,
            actor_id text, verification text, reason text, channel text NOT NULL, causal_seq bigint,
            evidence text, hash bytea NOT NULL,
            UNIQUE (device_no, device_seq)
        );
        CREATE INDEX ledger_by_tenant ON ledger (tenant_id, central_seq);
        CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
        CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
            FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
        CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

        -- Values recorded by events (the chain covers only their salted digests, so an erasure can
        -- clear them). Ordinary values in clear with their salt.
        CREATE TABLE value (
            device_no bigint NOT NULL, device_seq bigint NOT NULL, attribute_id text NOT NULL,
            tenant_id bigint NOT NULL, value text, prefer_not boolean NOT NULL, salt bytea, digest bytea NOT NULL,
            PRIMARY KEY (device_no, device_seq, attribute_id)
        );
        -- Special-category values exactly as the device sealed them (AES-GCM under data key key_id);
        -- the centre has no key-encryption key and never opens them. NULL once erased.
        CREATE TABLE sealed_value (
            device_no bigint NOT NULL, device_seq bigint NOT NULL, attribute_id text NOT NULL,
            tenant_id bigint NOT NULL, key_id text, sealed bytea, prefer_not boolean NOT NULL, digest bytea NOT NULL,
            PRIMARY KEY (device_no, device_seq, attribute_id)
        );
        -- Data keys, wrapped by key-encryption keys the centre does not hold.
        CREATE TABLE data_key (
            key_id text NOT NULL, kek_id text NOT NULL, wrapped bytea NOT NULL, created_at bigint NOT NULL,
            PRIMARY KEY (key_id, kek_id)
        );

        -- Projection: the current value of each attribute (status value, prefer-not-to-say or erased).
        CREATE TABLE current_value (
            tenant_id bigint NOT NULL, attribute_id text NOT NULL, status text NOT NULL,
            source_device bigint NOT NULL, source_seq bigint NOT NULL, hlc bigint NOT NULL, writer text NOT NULL,
            PRIMARY KEY (tenant_id, attribute_id)
        );
        CREATE TABLE pending_value (
            tenant_id bigint NOT NULL, attribute_id text NOT NULL, source_device bigint NOT NULL, source_seq bigint NOT NULL,
            hlc bigint NOT NULL, prefer_not boolean NOT NULL,
            PRIMARY KEY (tenant_id, attribute_id, source_device, source_seq)
        );
        -- Projection: the current decision per (tenant, attribute, purpose), as TenantState.apply merged it.
        CREATE TABLE decision (
            tenant_id bigint NOT NULL, attribute_id text NOT NULL, purpose_id text NOT NULL,
            state text NOT NULL, event_device bigint NOT NULL, event_seq bigint NOT NULL, central_seq bigint,
            effective_at bigint NOT NULL, notice_version bigint, language text, valid_until bigint,
            actor text NOT NULL, actor_id text, verification text, reason text, channel text NOT NULL,
            reconfirm_device bigint, reconfirm_seq bigint, blocking text,
            PRIMARY KEY (tenant_id, attribute_id, purpose_id)
        );

        -- Sync: enrolled devices (credential stored as a SHA-256 of a 256-bit random secret).
        CREATE TABLE sync_device (
            id text PRIMARY KEY, office text NOT NULL, secret_hash bytea NOT NULL,
            enrolled_at bigint NOT NULL, revoked_at bigint
        );
        CREATE TABLE enrolment_code (
            code_hash bytea PRIMARY KEY, office text NOT NULL, issued_at bigint NOT NULL, expires_at bigint NOT NULL,
            used_at bigint, used_by text
        );
        -- The answer given for each pushed event, returned again when it is resent.
        CREATE TABLE push_result (
            device_no bigint NOT NULL, device_seq bigint NOT NULL, outcome text NOT NULL, central_seq bigint,
            reason text, hash bytea NOT NULL,
            PRIMARY KEY (device_no, device_seq)
        );
        CREATE TABLE sync_audit (id bigserial PRIMARY KEY, at bigint NOT NULL, device text, what text NOT NULL);
        """
}

/// Why a PostgreSQL central store could not be opened.
public enum CentralStoreSetupError: Error, CustomStringConvertible, Equatable {
    /// The database was made by a newer version of this program.
    case newerSchema(found: Int64, known: Int)
    /// The server refused or failed.
    case database(String)

    public var description: String {
        switch self {
        case let .newerSchema(found, known):
            "the central database has schema version \(found) but this program knows only up to \(known); upgrade the program"
        case .database(let why): "cannot set up the PostgreSQL central store: \(why)"
        }
    }
}
