import ConsentCore
import Foundation
import SyncProtocol

/// Why the store refused or failed. Each says what went wrong and what to do.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case noDatabase(path: String)
    case alreadyExists(path: String)
    case notSQLite(path: String)
    case notOurs(path: String)
    case newerSchema(path: String, found: Int, known: Int)
    case vaultMissing(path: String)
    case vaultMismatch(path: String)
    case unknownTenant(TenantRef)
    case tenantExists(TenantRef)
    case refused(ChangeError)
    case noPendingCorrection(TenantRef, String)
    case unknownStaff(String)
    case staffExists(String)
    case badStaff(String)
    case clock(HLCError)
    case keyUnavailable(reason: String)
    /// The organisation's sealing key a centre sent is not one.
    case badOrganisationKey(reason: String)
    /// A device that seals to the organisation key `held` was offered another one (`offered`) at a later enrolment.
    case organisationKeyChanged(held: String, offered: String)
    /// Special-category values on this device are sealed for the centre, which alone opens them.
    case sealedForCentre(what: String)
    /// A data-key rotation stopped before destroying the old keys (every value still opens); `reason` says why.
    case rotationStuck(reason: String)
    case keyFileMissing(path: String)
    case keyFileUnsafe(path: String, mode: String)
    /// Files of a database (main file, vault, WAL, shared memory) that group or others may read or write.
    case databaseUnsafe(files: [String])
    case notAKeyFile(path: String)
    case wrongKey(source: String)
    case keyFileWrite(path: String, reason: String)
    case unsealedVault(path: String)
    case sqlite(String)
    /// A stored PIN, code or password hash this program cannot check (unknown parameters, or keyed to a PIN key
    /// this process does not hold); `reason` says what to do. Nothing is counted against the person signing in.
    case secretUncheckable(reason: String)
    /// Another connection held the database for longer than the busy timeout (a migration, a backup).
    case busy
    case unknownExport(String)
    /// A tenant's row of current values (`tenant_values`, in a SQLite file or at a PostgreSQL centre) cannot be
    /// read: it was changed outside this program. Nothing is exported from it.
    case damagedProjection(TenantRef)
    /// Sync refused a batch or a page (a gap, a broken chain, an event this side cannot apply).
    case sync(CentralStoreError)
    /// A SQLite centre that `consent migrate` moved to PostgreSQL (`to`: the URL without its password) takes no more changes.
    case centreMoved(path: String, to: String)
    /// `consent migrate` was given a database that is not a central store.
    case notACentre(path: String)
    /// Work that only a central store does (`what`), asked of a device enrolled with one.
    case centreOnly(path: String, what: String)
    /// `consent migrate` was given a centre this version has not yet upgraded (copying its tables in this version's key
    /// order would sort each of them).
    case notUpgraded(path: String)

    /// A path as a shell word: as it is when plain, else in single quotes.
    package static func shellQuoted(_ path: String) -> String {
        let plain = path.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/._-+,:@%".unicodeScalars.contains($0)) }
        return plain && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    public var description: String {
        switch self {
        case .noDatabase(let path):
            "no database at \(path); create one with `consent init --db \(path)` or `consent demo --db \(path)`"
        case .alreadyExists(let path):
            "\(path) already exists; choose another --db path or remove the old files first"
        case .notSQLite(let path):
            "\(path) is not a SQLite database; check the --db path"
        case .notOurs(let path):
            "\(path) is a SQLite database of another program, not TenantConsent; nothing was changed. Check the --db path"
        case let .newerSchema(path, found, known):
            "\(path) was written by a newer TenantConsent (schema \(found); this program knows up to \(known)); upgrade consent. Nothing was changed"
        case .vaultMissing(let path):
            "the special-category vault \(path) is missing; restore it from the backup taken with the main database"
        case .vaultMismatch(let path):
            "the special-category vault \(path) belongs to another database; restore the right one from backup"
        case .unknownTenant(let ref):
            "no tenant with reference \(ref); list them with `consent tenant list`"
        case .tenantExists(let ref):
            "tenant \(ref) is already in the register"
        case .refused(let error):
            "refused: \(error.description)"
        case .unknownStaff(let id):
            "no staff member '\(id)'; add them with `consent staff add \(id) --role support --name NAME --password-stdin`"
        case .staffExists(let id):
            "staff member '\(id)' already exists"
        case .badStaff(let reason):
            reason
        case let .noPendingCorrection(ref, attribute):
            "tenant \(ref) has no pending correction of \(attribute) to verify"
        case .clock(let error):
            "clock: \(error.description)"
        case .badOrganisationKey(let reason):
            "\(reason); nothing was changed in this database"
        case let .organisationKeyChanged(held, offered):
            "the centre offered the organisation key \(offered), but this device seals to \(held); a device's key never changes by "
                + "enrolment (another centre, or someone in between, may be posing as the organisation), so nothing was changed here. "
                + "Compare both with `consent keys status` at the centre; if the organisation's key really was replaced, make a new "
                + "device database (`consent init`) and enrol that"
        case .sealedForCentre(let what):
            "\(what) cannot be done on this device: special-category values here are sealed to the organisation's key and only the centre opens them; do it at the centre"
        case .rotationStuck(let reason):
            "the data-key rotation stopped: \(reason); the old data keys are kept and every value still opens. Stop every program "
                + "that writes to this database (server, kiosks), check it with `consent ledger verify`, then run `consent keys rotate --data-keys` again"
        case .secretUncheckable(let reason):
            reason
        case .keyUnavailable(let reason):
            "special-category values are unavailable (\(reason)); supply the key with --key-file or $CONSENT_KEY_FILE (see `consent keys status`)"
        case .keyFileMissing(let path):
            "no key file at \(path); give the right one with --key-file or $CONSENT_KEY_FILE"
        case let .keyFileUnsafe(path, mode):
            "the key file \(path) is readable or writable by others (mode \(mode)); run `chmod 600 \(path)` and make sure nobody else copied it"
        case .databaseUnsafe(let files):
            "\(files.joined(separator: ", ")) can be read or written by other users of this machine, and \(files.count == 1 ? "it holds" : "they hold") "
                + "the register; nothing was opened. Run `chmod 600 \(files.map(Self.shellQuoted).joined(separator: " "))` and check who may have copied \(files.count == 1 ? "it" : "them")"
        case .notAKeyFile(let path):
            "\(path) is not a TenantConsent key file (expected one base64 line of key bytes); check the path, or restore the file from backup"
        case .wrongKey(let source):
            "the key in \(source) does not open this database's special-category vault; give the key file that belongs to it (nothing was changed)"
        case let .keyFileWrite(path, reason):
            "cannot write the key file \(path): \(reason); check the folder's permissions and free space"
        case .unsealedVault(let path):
            "\(path) was made by an earlier development build whose vault holds values unsealed; make it again (`consent demo --replace`, or `consent init` and an import)"
        case .sync(let refusal):
            refusal.description
        case let .centreMoved(path, to):
            "\(path) has moved to PostgreSQL (\(to)) and takes no more changes; nothing was changed. Serve and manage the centre there: "
                + "`consent serve --database \(to)` (add the password if it needs one)"
        case .notACentre(let path):
            "\(path) is a device database, not a central store; nothing was changed"
        case .notUpgraded(let path):
            "\(path) is in an older version's format; restart `consent serve` with this version once (it upgrades the file), then migrate again; nothing was changed"
        case let .centreOnly(path, what):
            "\(what) runs at the central store; \(path) is a device enrolled with one, whose centre would refuse it: run it there. Nothing was changed"
        case .sqlite(let message):
            "database error: \(message)"
        case .busy:
            "the database is held by another long write (a migration, a backup or another program); nothing was changed: try again when it is done"
        case .unknownExport(let id):
            "no disclosures of export \(id) in this database; give the --db the export was made from"
        case .damagedProjection(let ref):
            "the stored current values of tenant \(ref.rawValue) are damaged (changed outside this program); nothing was written: run `consent ledger verify` (at a PostgreSQL centre `consent audit verify --database URL`) and restore from a backup"
        }
    }
}
