import ConsentCore
import ConsentVault
import Foundation

/// Where an export reads tenants from (the store, through a read-only snapshot).
public protocol ExportSource {
    /// Calls `body` for every tenant of one consistent snapshot, in register order, with at least
    /// the values of the slice's attributes and (where it reads them) the decisions of its purpose,
    /// but those the slice passes over (``TenantSlice/passesOver(_:)``), which it counts; returns the
    /// ledger position the snapshot reflects. Memory must not grow with the register: a source reads
    /// in order (SQLite) or in bounded pages (PostgreSQL), never all tenants at once.
    func eachTenant(_ slice: TenantSlice, _ body: (TenantRef, TenantState) throws -> Void) async throws -> SliceRead
    /// Records what left the system about whom (shown to tenants as "where my data went").
    func recordDisclosures(exportID: String, purpose: PurposeID, recipient: String, _ entries: DisclosureLog) async throws
}

/// What an export wrote, saved beside it as `FILE.manifest.json`.
public struct ExportManifest: Codable, Sendable {
    public var exportID: String
    public var purpose: String
    /// Who receives the file: the purpose's recipients, or the one named with `--recipient`.
    public var recipients: [String]?
    public var format: String
    public var columns: [String]
    public var ledgerPosition: Int64
    public var rows: Int
    public var tenantsLeftOut: Int
    /// Cells withheld, by the policy's reason.
    public var withheld: [String: Int]
    public var sha256: String
    public var createdAt: Date
    /// Tenants whose refusal was sent as "tenant prefers not to say" (a legal obligation's return);
    /// absent for other purposes. Staff are told which (``Exporter/run(to:from:progress:refusal:)``).
    public var refusals: Int?
}

/// Why an export refused; no file was left behind.
public struct ExportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Streams a purpose's rows through the gate into a file, atomically (scratch file, then a move
/// that never replaces anything), readable by its owner only, with a manifest and a disclosure
/// entry per included tenant. Memory does not grow with the number of tenants.
public struct Exporter {
    public enum Format: String, CaseIterable, Sendable {
        case csv, xlsx, jsonl
    }

    public let gate: ExportGate
    public let format: Format
    /// Turns the gate's cells into the file's cells (the regulator return derives and pseudonymises).
    public var transform: RowTransform?
    /// Whether a CSV starts with UTF-8's byte-order mark (the default), so that Excel, opening it by a
    /// double-click, shows "Michał" and "Ștefan"; false for tools that take the mark for text.
    public var byteOrderMark: Bool

    /// An export of `gate`'s rows as `format`, each row through `transform` if given.
    ///
    ///     let manifest = try await Exporter(gate: gate, format: .csv).run(to: url, from: source)
    public init(gate: ExportGate, format: Format, transform: RowTransform? = nil, byteOrderMark: Bool = true) {
        self.gate = gate
        self.format = format
        self.transform = transform
        self.byteOrderMark = byteOrderMark
    }

    /// Writes the export. `refusal` is told each tenant whose refusal a legal obligation carries as
    /// "tenant prefers not to say", with the attributes refused, for staff to follow up.
    public func run(
        to output: URL, from source: ExportSource, progress: (Int) -> Void = { _ in },
        refusal: (TenantRef, [AttributeID]) -> Void = { _, _ in }
    ) async throws -> ExportManifest {
        let manifestURL = output.appendingPathExtension("manifest.json")
        if gate.purpose.pseudonymisedRows, transform == nil {
            throw ExportError("\(gate.purpose.id) rows leave only pseudonymised, and this export had no pseudonym key; nothing was written")
        }
        for url in [output, manifestURL] where FileManager.default.fileExists(atPath: url.path) {
            throw ExportError("\(url.path) already exists; choose a new --out path (exports never overwrite)")
        }
        let scratch = output.deletingLastPathComponent().appendingPathComponent(".consent-export-\(UUID().uuidString)")
        let body = try OutputFile(creating: scratch)
        let log = try DisclosureLog(creating: scratch.appendingPathExtension("disclosures"), columns: gate.columns)
        var table: any TableFormat = switch format {
        case .csv: CSVFormat(byteOrderMark: byteOrderMark)
        case .jsonl: JSONLFormat()
        case .xlsx: XLSXFormat()
        }
        let exportID = "exp-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let columns = [transform?.referenceColumn ?? "tenancy_reference"] + (transform?.columns ?? gate.columns.map(\.rawValue))
        try table.begin(columns: columns, into: body)
        var rows = 0, leftOut = 0, refusals = 0
        var withheld: [String: Int] = [:]
        var cells: [String?] = []
        // Pseudonymised rows are written in the order of their pseudonyms, not the register's: rows in
        // reference order would let anyone holding the reference list undo the pseudonyms. They are held
        // in scratch files until the end (`HeldRows`). Their disclosures are logged as they are read, in
        // register order, and narrowed where small groups suppressed cells: a suppressed cell did not leave.
        let held = transform?.ordersByReference == true ? HeldRows(scratch: scratch, groups: transform?.groups) : nil
        // Tenants without the grants a row needs are passed over unread: the gate would leave them out.
        let read = try await source.eachTenant(TenantSlice(gate.policy, readingDecisions: gate.needsDecisions, grantsNeeded: gate.grantsNeeded)) { ref, state in
            guard gate.row(state, into: &cells, withheld: &withheld) else {
                leftOut += 1
                return
            }
            let refused = gate.refusedColumns(cells)
            if !refused.isEmpty {
                refusals += 1
                refusal(ref, refused)
            }
            if let transform, let held {
                let mask = DisclosureLog.mask(cells)
                try held.append(entry: try log.append(ref, mask: mask), mask: mask, row: [transform.reference(ref)] + transform.cells(ref, cells))
            } else {
                try log.append(ref, cells: cells)
                try table.row([transform?.reference(ref) ?? ref.rawValue] + (transform?.cells(ref, cells) ?? cells), into: body)
            }
            rows += 1
            if rows % 10_000 == 0 { progress(rows) }
        }
        let suppressed = try held?.drain { entry, mask, row in
            var left = mask
            for (index, cell) in row.dropFirst().enumerated() where cell == SmallGroups.suppressed { left &= ~(1 << UInt64(index)) }
            if left != mask, let entry { try log.narrow(entry, to: left) }
            try table.row(row, into: body)
        } ?? 0
        if suppressed > 0 { withheld[SmallGroups.reason, default: 0] += suppressed }
        leftOut += read.passedOver
        let file = try table.finish(body, scratch: scratch)
        try log.finish()
        let manifest = ExportManifest(
            exportID: exportID, purpose: gate.purpose.id.rawValue, recipients: gate.recipients, format: format.rawValue, columns: columns,
            ledgerPosition: read.position, rows: rows, tenantsLeftOut: leftOut, withheld: withheld,
            sha256: try file.sha256Hex(), createdAt: gate.at, refusals: gate.purpose.legalBasis.carriesRefusal ? refusals : nil)
        let manifestFile = try OutputFile(creating: scratch.appendingPathExtension("manifest"))
        try manifestFile.append(Self.encode(manifest))
        try manifestFile.finish()
        try moveIntoPlace(manifestFile.url, manifestURL)
        do {
            try moveIntoPlace(file.url, output)
        } catch {
            unlink(manifestURL.path)
            throw error
        }
        file.keep()
        manifestFile.keep()
        do {
            try await source.recordDisclosures(exportID: exportID, purpose: gate.purpose.id,
                                         recipient: gate.recipients.joined(separator: ";"), log)
        } catch {
            // Nothing may leave unrecorded: without its disclosures the export is withdrawn.
            unlink(output.path)
            unlink(manifestURL.path)
            throw ExportError("could not record the disclosures (\(error)); the export was removed, nothing left the system")
        }
        progress(rows)
        return manifest
    }

    /// A manifest as pretty JSON with ISO 8601 dates.
    public static func encode(_ manifest: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(manifest)
    }

    /// Reads a manifest written by ``run(to:from:progress:)``.
    public static func readManifest(_ url: URL) throws -> ExportManifest {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ExportError("cannot read \(url.path); give the FILE.manifest.json written beside an export")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(ExportManifest.self, from: data) } catch {
            throw ExportError("\(url.path) is not an export manifest (\(error.localizedDescription))")
        }
    }
}

/// Derives a file's cells from the gate's (for returns that pseudonymise or band values); it sees
/// only what the gate allowed.
public struct RowTransform: Sendable {
    public var referenceColumn: String
    public var columns: [String]
    public var reference: @Sendable (TenantRef) -> String
    public var cells: @Sendable (TenantRef, [String?]) -> [String?]
    /// Whether rows are written in the order of the references this transform makes (pseudonyms), not
    /// the register's, so the order does not give away whose row is whose.
    public var ordersByReference: Bool
    /// Small-group suppression over the whole file (rows held in pseudonym order), for rows that must
    /// identify no one; needs ``ordersByReference``.
    public var groups: SmallGroups?

    public init(referenceColumn: String, columns: [String], reference: @escaping @Sendable (TenantRef) -> String,
                cells: @escaping @Sendable (TenantRef, [String?]) -> [String?], ordersByReference: Bool = false,
                groups: SmallGroups? = nil) {
        self.referenceColumn = referenceColumn
        self.columns = columns
        self.reference = reference
        self.cells = cells
        self.ordersByReference = ordersByReference
        self.groups = ordersByReference ? groups : nil
    }
}
