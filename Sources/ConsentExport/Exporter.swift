import ConsentCore
import Crypto
import Foundation

/// Where an export reads tenants from (the store, through a read-only view).
public protocol ExportSource {
    /// Calls `body` for every tenant of one consistent snapshot, in register order; returns the
    /// ledger position the snapshot reflects.
    func eachTenant(_ body: (TenantRef, TenantState) throws -> Void) throws -> Int64
    /// Records what left the system about whom (shown to tenants as "where my data went").
    func recordDisclosures(_ entries: [DisclosureEntry]) throws
}

/// One tenant's data leaving the system in an export.
public struct DisclosureEntry: Sendable {
    public var tenant: TenantRef
    public var exportID: String
    public var purpose: PurposeID
    public var recipient: String
    public var attributes: [AttributeID]
}

/// What an export wrote, saved beside it as `FILE.manifest.json`.
public struct ExportManifest: Codable, Sendable {
    public var exportID: String
    public var purpose: String
    public var format: String
    public var columns: [String]
    public var ledgerPosition: Int64
    public var rows: Int
    public var tenantsLeftOut: Int
    /// Cells withheld, by the policy's reason.
    public var withheld: [String: Int]
    public var sha256: String
    public var createdAt: Date
}

/// Why an export refused; no file was left behind.
public struct ExportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Streams a purpose's rows through the gate into a file, atomically (temporary file, then
/// rename), readable by its owner only, with a manifest and a disclosure entry per included tenant.
public struct Exporter {
    public enum Format: String, CaseIterable, Sendable {
        case csv, jsonl
    }

    public let gate: ExportGate
    public let format: Format

    public init(gate: ExportGate, format: Format) {
        self.gate = gate
        self.format = format
    }

    public func run(to output: URL, from source: ExportSource, progress: (Int) -> Void = { _ in }) throws -> ExportManifest {
        let manifestURL = output.appendingPathExtension("manifest.json")
        for url in [output, manifestURL] where FileManager.default.fileExists(atPath: url.path) {
            throw ExportError("\(url.path) already exists; choose a new --out path (exports never overwrite)")
        }
        let directory = output.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".consent-export-\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw ExportError("cannot write in \(directory.path); check the folder exists and is writable")
        }
        var removeTemporary = true
        defer {
            try? handle.close()
            if removeTemporary { try? FileManager.default.removeItem(at: temporary) }
        }
        let exportID = "exp-" + UUID().uuidString.prefix(8).lowercased()
        var hasher = SHA256()
        var buffer = Data()
        func emit(_ text: String) throws {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 20 { try flush() }
        }
        func flush() throws {
            hasher.update(data: buffer)
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        let columns = gate.columns
        if format == .csv { try emit(CSVWriter.line(["tenancy_reference"] + columns.map(\.rawValue))) }
        var rows = 0, leftOut = 0
        var withheld: [String: Int] = [:]
        var disclosures: [DisclosureEntry] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let recipient = gate.purpose.recipients.joined(separator: ";")
        let position = try source.eachTenant { ref, state in
            guard let cells = gate.row(state, withheld: &withheld) else {
                leftOut += 1
                return
            }
            switch format {
            case .csv:
                try emit(CSVWriter.line([ref.rawValue] + cells))
            case .jsonl:
                var object: [String: String] = ["tenancy_reference": ref.rawValue]
                for (attribute, cell) in zip(columns, cells) { if let cell { object[attribute.rawValue] = cell } }
                try emit(String(decoding: try encoder.encode(object), as: UTF8.self) + "\n")
            }
            rows += 1
            let included = zip(columns, cells).compactMap { $0.1 == nil ? nil : $0.0 }
            if !included.isEmpty {
                disclosures.append(DisclosureEntry(tenant: ref, exportID: exportID, purpose: gate.purpose.id, recipient: recipient,
                                                   attributes: included))
            }
            if rows % 10_000 == 0 { progress(rows) }
        }
        try flush()
        try handle.synchronize()
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let manifest = ExportManifest(
            exportID: exportID, purpose: gate.purpose.id.rawValue, format: format.rawValue,
            columns: ["tenancy_reference"] + columns.map(\.rawValue), ledgerPosition: position, rows: rows,
            tenantsLeftOut: leftOut, withheld: withheld, sha256: digest, createdAt: gate.at)
        let manifestEncoder = JSONEncoder()
        manifestEncoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        manifestEncoder.dateEncodingStrategy = .iso8601
        let manifestData = try manifestEncoder.encode(manifest)
        guard FileManager.default.createFile(atPath: manifestURL.path, contents: manifestData, attributes: [.posixPermissions: 0o600]) else {
            throw ExportError("cannot write the manifest \(manifestURL.path)")
        }
        try source.recordDisclosures(disclosures)
        guard rename(temporary.path, output.path) == 0 else {
            try? FileManager.default.removeItem(at: manifestURL)
            throw ExportError("cannot move the export into place at \(output.path)")
        }
        removeTemporary = false
        progress(rows)
        return manifest
    }
}
