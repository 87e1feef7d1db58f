import ConsentCore

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
    case sqlite(String)
    case unknownExport(String)

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
        case .sqlite(let message):
            "database error: \(message)"
        case .unknownExport(let id):
            "no disclosures of export \(id) in this database; give the --db the export was made from"
        }
    }
}
