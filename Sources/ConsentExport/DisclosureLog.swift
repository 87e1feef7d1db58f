import ConsentCore
import Foundation

/// The tenants an export included and which of its columns each got, spilled to a scratch file
/// (0600, removed afterwards) as `REF<TAB>MASK` lines so memory stays flat however many tenants
/// leave; read back as a sequence when the disclosures are recorded.
///
/// Entries are appended in register order, so a store finds each tenant by reading its register in
/// order too. Rows that leave in another order (pseudonyms) are appended as they are read and, where
/// small groups took cells out of a row afterwards, narrowed (``narrowed``): a second, usually short
/// file the store applies once the entries are in.
public final class DisclosureLog: Sequence {
    private let file: OutputFile
    private var narrowings: OutputFile?
    var url: URL { file.url }
    private let columns: [AttributeID]

    init(creating url: URL, columns: [AttributeID]) throws(ExportError) {
        guard columns.count <= 64 else { throw ExportError("an export may have at most 64 columns") }
        file = try OutputFile(creating: url, digest: false)
        self.columns = columns
    }

    func append(_ tenant: TenantRef, cells: [String?]) throws(ExportError) {
        try append(tenant, mask: Self.mask(cells))
    }

    /// Records that `tenant` got the columns set in `mask`; nothing when none.
    func append(_ tenant: TenantRef, mask: UInt64) throws(ExportError) {
        guard mask != 0 else { return }
        try Self.write(tenant, mask, to: file)
    }

    /// Records that `tenant`, appended earlier, got only the columns in `mask` after all (none: nothing).
    func narrow(_ tenant: TenantRef, to mask: UInt64) throws(ExportError) {
        if narrowings == nil {
            narrowings = try OutputFile(creating: file.url.appendingPathExtension("narrowed"), bufferBytes: 64 << 10, digest: false)
        }
        if let narrowings { try Self.write(tenant, mask, to: narrowings) }
    }

    private static func write(_ tenant: TenantRef, _ mask: UInt64, to file: OutputFile) throws(ExportError) {
        try file.append(tenant.rawValue)
        try file.append("\t\(mask)\n")
    }

    func finish() throws(ExportError) {
        try file.finish()
        try narrowings?.finish()
    }

    /// The columns a row's cells fill (each cell that is not nil).
    static func mask(_ cells: [String?]) -> UInt64 {
        var mask: UInt64 = 0
        for (index, cell) in cells.enumerated() where cell != nil { mask |= 1 << UInt64(index) }
        return mask
    }

    /// The export's columns, which each entry's mask selects from.
    public var columnNames: [String] { columns.map(\.rawValue) }

    public func makeIterator() -> AnyIterator<(tenant: TenantRef, mask: UInt64)> { Self.entries(in: file.url) }

    /// Entries whose columns were narrowed after they were appended (``narrow(_:to:)``), in the order
    /// they were narrowed, each with the columns the tenant got in the end (0 for none); a store
    /// applies them after the entries, in the same transaction.
    public var narrowed: AnySequence<(tenant: TenantRef, mask: UInt64)> {
        guard let url = narrowings?.url else { return AnySequence([]) }
        return AnySequence { Self.entries(in: url) }
    }

    private static func entries(in url: URL) -> AnyIterator<(tenant: TenantRef, mask: UInt64)> {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return AnyIterator { nil } }
        var pending: [UInt8] = [], start = 0
        return AnyIterator {
            while true {
                if let newline = pending[start...].firstIndex(of: 0x0A) {
                    let line = pending[start..<newline]
                    start = newline + 1
                    guard let tab = line.firstIndex(of: 0x09),
                          let mask = UInt64(String(decoding: line[(tab + 1)...], as: UTF8.self)) else { continue }
                    return (TenantRef(String(decoding: line[..<tab], as: UTF8.self)), mask)
                }
                pending.removeFirst(start)
                start = 0
                guard let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty else {
                    try? handle.close()
                    return nil
                }
                pending.append(contentsOf: chunk)
            }
        }
    }
}
