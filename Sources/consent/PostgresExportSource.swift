import CentralStorePostgres
import ConsentCore
import ConsentExport
import Foundation

/// A PostgreSQL centre as an export source: the register is read in one snapshot before the export
/// runs (the exporter is synchronous, the database asynchronous), and the disclosures the exporter
/// hands back are kept to be recorded at the centre once it returns (see ``ExportFile``).
final class PostgresExportSource: ExportSource {
    let snapshot: PostgresExportSnapshot
    /// What the exporter asked to record, once it has.
    private(set) var disclosures: (exportID: String, purpose: String, recipient: String, columns: [String],
                                   entries: [(tenant: TenantRef, mask: UInt64)])?

    init(_ snapshot: PostgresExportSnapshot) {
        self.snapshot = snapshot
    }

    func eachTenant(_ policy: PurposePolicy, readingDecisions: Bool, _ body: (TenantRef, TenantState) throws -> Void) throws -> Int64 {
        for (ref, state) in snapshot.tenants { try body(ref, state) }
        return snapshot.position
    }

    func recordDisclosures(exportID: String, purpose: PurposeID, recipient: String, _ entries: DisclosureLog) throws {
        disclosures = (exportID, purpose.rawValue, recipient, entries.columnNames, Array(entries))
    }

    /// Exports `gate`'s rows from the centre at `url` into `out`, then records the disclosures there;
    /// if they cannot be recorded the files are removed, as the exporter does for a SQLite store.
    static func export(gate: ExportGate, format: Exporter.Format, out: String, database url: String, store: StoreOptions,
                       progress: (Int) -> Void) async throws -> ExportManifest {
        let central = try await PostgresCentre.open(url, store: store)
        defer { central.shutdown() }
        let source = PostgresExportSource(try await central.exportSnapshot(gate.policy, readingDecisions: gate.needsDecisions))
        let manifest = try Exporter(gate: gate, format: format).run(to: URL(fileURLWithPath: out), from: source, progress: progress)
        do {
            guard let d = source.disclosures else { throw CLIError("the exporter recorded no disclosures") }
            try await central.recordDisclosures(exportID: d.exportID, purpose: d.purpose, recipient: d.recipient, columns: d.columns, d.entries)
        } catch {
            unlink(out)
            unlink(out + ".manifest.json")
            throw CLIError("could not record the disclosures at the centre (\(error)); the export was removed, nothing left the system")
        }
        return manifest
    }
}
