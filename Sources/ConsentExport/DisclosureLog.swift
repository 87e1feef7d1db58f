import ConsentCore
import Foundation

/// The tenants an export included and which of its columns each got, spilled to a scratch file
/// (0600, removed afterwards) as `REF<TAB>MASK` lines so memory stays flat however many tenants
/// leave; read back as a sequence when the disclosures are recorded.
///
/// Entries are appended in register order, so a store finds each tenant by reading its register in
/// order too. Rows that leave in another order (pseudonyms) are appended as they are read and, where
/// small groups took cells out of a row afterwards, narrowed by their entry's number (``narrow(_:to:)``):
/// the narrowings go to scratch files each holding a run of entry numbers, and the sequence merges
/// them back in register order, so a store is given each tenant once, with the columns that left, and
/// never seeks one (a million-row return narrows nearly every row).
public final class DisclosureLog: Sequence {
    private let file: OutputFile
    var url: URL { file.url }
    private let columns: [AttributeID]
    /// How many entries have been appended.
    private var count = 0
    private var narrowings: Narrowings?

    init(creating url: URL, columns: [AttributeID]) throws(ExportError) {
        guard columns.count <= 64 else { throw ExportError("an export may have at most 64 columns") }
        file = try OutputFile(creating: url, digest: false)
        self.columns = columns
    }

    func append(_ tenant: TenantRef, cells: [String?]) throws(ExportError) {
        try append(tenant, mask: Self.mask(cells))
    }

    /// Records that `tenant` got the columns set in `mask`; nothing when none. Returns the entry's
    /// number (nil when nothing was recorded), by which it may be narrowed.
    @discardableResult
    func append(_ tenant: TenantRef, mask: UInt64) throws(ExportError) -> Int? {
        guard mask != 0 else { return nil }
        try file.append(tenant.rawValue)
        try file.append("\t\(mask)\n")
        count += 1
        return count - 1
    }

    /// Records that entry number `entry`, appended earlier, got only the columns in `mask` after all
    /// (none: the tenant got nothing, and the entry goes). Called once every entry has been appended.
    func narrow(_ entry: Int, to mask: UInt64) throws(ExportError) {
        guard entry >= 0, entry < count else { return }
        if narrowings == nil { narrowings = try Narrowings(beside: file.url, entries: count) }
        try narrowings?.add(entry, mask)
    }

    func finish() throws(ExportError) {
        try file.finish()
        try narrowings?.flush()
    }

    /// The columns a row's cells fill (each cell that is not nil).
    static func mask(_ cells: [String?]) -> UInt64 {
        var mask: UInt64 = 0
        for (index, cell) in cells.enumerated() where cell != nil { mask |= 1 << UInt64(index) }
        return mask
    }

    /// The export's columns, which each entry's mask selects from.
    public var columnNames: [String] { columns.map(\.rawValue) }

    /// The entries in register order, each with the columns its tenant got in the end; an entry narrowed
    /// to no column is left out.
    public func makeIterator() -> AnyIterator<(tenant: TenantRef, mask: UInt64)> {
        let entries = Self.entries(in: file.url)
        guard let narrowings else { return entries }
        var number = -1
        var narrowed = narrowings.reader()
        return AnyIterator {
            while let entry = entries.next() {
                number += 1
                // Narrowing only takes columns away.
                guard let mask = narrowed.mask(of: number).map({ $0 & entry.mask }) else { return entry }
                if mask != 0 { return (entry.tenant, mask) }
            }
            return nil
        }
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

/// Narrowed masks by entry number, in scratch files each holding a run of numbers (file `k` the numbers
/// from `k` times ``span``), so each file, sorted on its own, gives its narrowings in register order.
private final class Narrowings {
    private let files: [OutputFile]
    private let span: Int
    private static let partitions = 64
    private static let bufferBytes = 8 << 10

    init(beside url: URL, entries: Int) throws(ExportError) {
        span = max(1, (entries + Self.partitions - 1) / Self.partitions)
        var files: [OutputFile] = []
        for index in 0..<(entries + span - 1) / span {
            files.append(try OutputFile(creating: url.appendingPathExtension("narrowed-\(index)"), bufferBytes: Self.bufferBytes, digest: false))
        }
        self.files = files
    }

    func add(_ entry: Int, _ mask: UInt64) throws(ExportError) {
        try files[entry / span].withBuffer { out in
            ScratchBytes.number(UInt64(entry), into: &out)
            ScratchBytes.number(mask, into: &out)
        }
    }

    func flush() throws(ExportError) {
        for file in files { try file.flush() }
    }

    /// Reads the narrowings back in entry order, one file at a time.
    func reader() -> Reader { Reader(files: files.map(\.url), span: span) }

    struct Reader {
        let files: [URL]
        let span: Int
        private var loaded = -1
        private var masks: [(entry: Int, mask: UInt64)] = []
        private var next = 0

        init(files: [URL], span: Int) {
            self.files = files
            self.span = span
        }

        /// The narrowed mask of `entry` (asked in increasing order), nil when it was not narrowed. What of a
        /// file cannot be read back leaves its entries as they were appended: a disclosure is recorded with
        /// every column the row was given before small groups, never with fewer than left.
        mutating func mask(of entry: Int) -> UInt64? {
            let file = entry / span
            if file != loaded {
                loaded = file
                masks = []
                next = 0
                if file < files.count, var reader = try? ScratchReader(contentsOf: files[file]) {
                    while !reader.atEnd, let number = try? reader.number(UInt64.self), let mask = try? reader.number(UInt64.self) {
                        masks.append((Int(number), mask))
                    }
                }
                masks.sort { $0.entry < $1.entry }
            }
            while next < masks.count, masks[next].entry < entry { next += 1 }
            guard next < masks.count, masks[next].entry == entry else { return nil }
            return masks[next].mask
        }
    }
}
