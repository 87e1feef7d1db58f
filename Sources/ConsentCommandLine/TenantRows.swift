import CentralStorePostgres
import ConsentCore
import ConsentExport
import ConsentForms
import ConsentStore
import Foundation

/// Where the output commands (`export`, `export recalls`, `notify`, `stats`, `return`) read: the
/// SQLite store at `--db`, or a PostgreSQL centre at `--database`. Each command is written once
/// against this; both go through the same export gate (`PurposePolicy`) in `ConsentExport`.
public protocol TenantRowSource: ExportSource {
    /// Why special-category values cannot be opened here, or nil when they can.
    var specialValuesProblem: String? { get }
    /// The recalls owed for an export recorded here (see ``ConsentDatabase/recalls(exportID:purpose:after:)``).
    func recalls(exportID: String, purpose: String, after position: Int64) async throws -> [Recall]
    /// Lets go of the database.
    func close()
}

/// Opens the source the options name: `--database URL` (PostgreSQL) when given, else `--db`.
/// At PostgreSQL, special categories open only with the key-encryption key (`--key-file`, ...),
/// which the centre itself never holds.
public func openTenantRows(_ store: StoreOptions, database: String?, content: Content) async throws -> any TenantRowSource {
    // Forward scans: a small page cache keeps memory low.
    guard let database else { return SQLiteRows(database: try store.open(with: content, cacheMegabytes: 2)) }
    let central = try await PostgresCentre.open(database, catalogue: content.catalogue)
    do {
        let (opener, problem) = try await sealedValueOpener(store, central: central)
        return PostgresRows(central: central, opener: opener, problem: opener != nil ? nil : """
            the special categories are sealed at the PostgreSQL centre and no key-encryption key was found \
            (\(problem ?? "no key file")): give it with --key-file
            """)
    } catch {
        central.shutdown()
        throw error
    }
}

/// What opens the special categories sealed at a PostgreSQL centre: the organisation's key-encryption
/// key (`--key-file`, ...) and the centre's wrapped data keys; nil and why when no key was found.
public func sealedValueOpener(_ store: StoreOptions, central: PostgresCentralStore) async throws -> (SealedValueOpener?, problem: String?) {
    let (key, problem) = try store.loadKey()
    guard let key else { return (nil, problem) }
    return (try SealedValueOpener(kek: key, dataKeys: try await central.wrappedDataKeys()), nil)
}

/// The SQLite store as a tenant-row source (ordered scans in one read transaction).
public struct SQLiteRows: TenantRowSource {
    /// The store read.
    public let database: ConsentDatabase

    /// A source reading `database`.
    public init(database: ConsentDatabase) { self.database = database }

    public var specialValuesProblem: String? {
        database.specialValuesAvailable ? nil : (database.specialValuesProblem ?? "special-category values are unavailable")
    }

    public func eachTenant(_ slice: TenantSlice, _ body: (TenantRef, TenantState) throws -> Void) async throws -> SliceRead {
        try database.eachTenant(slice, body)
    }

    public func recordDisclosures(exportID: String, purpose: PurposeID, recipient: String, _ entries: DisclosureLog) async throws {
        try database.recordDisclosures(exportID: exportID, purpose: purpose.rawValue, recipient: recipient,
                                       columns: entries.columnNames, operator: operatingSystemUser(), entries)
    }

    public func recalls(exportID: String, purpose: String, after position: Int64) async throws -> [Recall] {
        try database.recalls(exportID: exportID, purpose: purpose, after: position)
    }

    public func close() {}
}

/// A PostgreSQL centre as a tenant-row source: tenants are read in pages of one snapshot, so memory
/// does not grow with the register; disclosures are recorded at the centre.
public final class PostgresRows: TenantRowSource {
    /// The centre read.
    public let central: PostgresCentralStore
    /// What opens its sealed special categories, when a key was given.
    public let opener: SealedValueOpener?
    public let specialValuesProblem: String?

    /// A source reading `central`; `problem` says why special categories cannot be opened (nil when they can).
    public init(central: PostgresCentralStore, opener: SealedValueOpener?, problem: String?) {
        self.central = central
        self.opener = opener
        self.specialValuesProblem = problem
    }

    public func eachTenant(_ slice: TenantSlice, _ body: (TenantRef, TenantState) throws -> Void) async throws -> SliceRead {
        try await central.eachTenant(slice, opener: opener, body)
    }

    public func recordDisclosures(exportID: String, purpose: PurposeID, recipient: String, _ entries: DisclosureLog) async throws {
        try await central.recordDisclosures(exportID: exportID, purpose: purpose.rawValue, recipient: recipient,
                                            columns: entries.columnNames, operator: operatingSystemUser(), entries)
    }

    public func recalls(exportID: String, purpose: String, after position: Int64) async throws -> [Recall] {
        try await central.recalls(exportID: exportID, purpose: purpose, after: position)
    }

    public func close() { central.shutdown() }
}

/// Refuses an output that needs special-category values the source cannot open (no key): it would
/// otherwise come out silently without them, or count them as not known.
public func requireSpecialValues(_ source: any TenantRowSource, for attributes: [AttributeID], in catalogue: Catalogue) throws {
    let special = attributes.filter { catalogue.attribute($0)?.isSpecial == true }
    guard !special.isEmpty, let problem = source.specialValuesProblem else { return }
    throw CLIError("""
        \(problem). This needs \(special.map(\.rawValue).joined(separator: ", ")): \
        give the key (--key-file) where it is kept (on a device: run this at the centre), or leave those out (--columns, --by); \
        nothing was written
        """)
}

/// The operating system's user running the command (the command line signs in no member of staff):
/// who listed tenants, or ran an export, as the audit log and the export's record name them.
public func operatingSystemUser() -> String {
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
    return "uid \(getuid())"
}
