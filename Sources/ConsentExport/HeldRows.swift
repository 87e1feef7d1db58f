import ConsentCore
import Foundation

/// Rows that leave in the order of their references (pseudonyms), not the register's, without holding
/// them all: each row goes, as it is read, to a scratch file (0600, removed afterwards) chosen by the
/// first bytes of its reference; afterwards each file is read back and sorted in turn, in the order of
/// those bytes. References are compared byte by byte, and a pseudonym's first bytes are spread evenly,
/// so memory holds about a 256th of the rows (a million-tenant return held 470 MB before). The small
/// groups of ``SmallGroups`` are counted as rows go by and suppressed as each row comes back.
final class HeldRows {
    private let scratch: URL
    private let groups: SmallGroups?
    private var files: [[UInt8]: OutputFile] = [:]
    private var counts: [[String?]: Int] = [:]
    /// How many leading bytes of a reference choose its file: "P" and two hex digits, 256 files.
    private static let prefixBytes = 3
    /// Each file's buffer: small, since every file is open until the register has been read.
    private static let bufferBytes = 16 << 10

    /// Files go beside `scratch` (the export's own scratch file), named after it.
    init(scratch: URL, groups: SmallGroups?) {
        self.scratch = scratch
        self.groups = groups
    }

    /// Keeps one row (its reference first) of `tenant`, who was given the columns in `mask`.
    func append(_ tenant: TenantRef, mask: UInt64, row: [String?]) throws(ExportError) {
        if let groups { counts[groups.key(row), default: 0] += 1 }
        let prefix = Array(Self.reference(row).utf8.prefix(Self.prefixBytes))
        let file: OutputFile
        if let open = files[prefix] {
            file = open
        } else {
            file = try OutputFile(creating: scratch.appendingPathExtension("held-\(prefix.lowercaseHex)"), bufferBytes: Self.bufferBytes, digest: false)
            files[prefix] = file
        }
        try file.withBuffer { out in HeldRecord.encode(tenant: tenant, mask: mask, row: row, into: &out) }
    }

    private static func reference(_ row: [String?]) -> String { (row.first ?? nil) ?? "" }

    /// Calls `body` with every row in the order of its reference, small groups suppressed, then removes
    /// the files. Returns how many cells small groups suppressed.
    func drain(_ body: (TenantRef, UInt64, [String?]) throws -> Void) throws -> Int {
        defer { files.removeAll() }
        let plan = groups.map { $0.plan(counts) }
        var suppressed = 0
        for prefix in files.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let file = files[prefix] else { continue }
            try file.flush()
            let bytes: [UInt8]
            do { bytes = Array(try Data(contentsOf: file.url)) } catch {
                throw ExportError("cannot read back \(file.url.path): \(error.localizedDescription)")
            }
            var records = try HeldRecord.decode(bytes, from: file.url)
            records.sort { Self.reference($0.row).utf8.lexicographicallyPrecedes(Self.reference($1.row).utf8) }
            for var record in records {
                if let groups, let plan { suppressed += groups.apply(plan, to: &record.row) }
                try body(record.tenant, record.mask, record.row)
            }
            files[prefix] = nil
        }
        return suppressed
    }
}

/// One held row as bytes: the tenant's reference, the mask (8 bytes), the number of cells, then each
/// cell as its length (`UInt32.max` for none) and UTF-8 bytes; lengths and numbers little-endian.
private enum HeldRecord {
    static func encode(tenant: TenantRef, mask: UInt64, row: [String?], into out: inout [UInt8]) {
        func number<N: FixedWidthInteger>(_ n: N) { withUnsafeBytes(of: n.littleEndian) { out.append(contentsOf: $0) } }
        func text(_ s: String) {
            number(UInt32(s.utf8.count))
            out.append(contentsOf: s.utf8)
        }
        text(tenant.rawValue)
        number(mask)
        number(UInt32(row.count))
        for cell in row {
            if let cell { text(cell) } else { number(UInt32.max) }
        }
    }

    static func decode(_ bytes: [UInt8], from url: URL) throws(ExportError) -> [(tenant: TenantRef, mask: UInt64, row: [String?])] {
        var at = 0
        func damaged() -> ExportError { ExportError("\(url.path), a scratch file of this export, was changed while it ran; nothing was exported") }
        func number<N: FixedWidthInteger>(_: N.Type) throws(ExportError) -> N {
            let size = MemoryLayout<N>.size
            guard at + size <= bytes.count else { throw damaged() }
            var value: N = 0
            for index in 0..<size { value |= N(bytes[at + index]) << (8 * index) }
            at += size
            return value
        }
        func text(length: UInt32) throws(ExportError) -> String {
            guard Int(length) <= bytes.count - at else { throw damaged() }
            defer { at += Int(length) }
            return String(decoding: bytes[at..<at + Int(length)], as: UTF8.self)
        }
        var out: [(tenant: TenantRef, mask: UInt64, row: [String?])] = []
        while at < bytes.count {
            let tenant = TenantRef(try text(length: try number(UInt32.self)))
            let mask = try number(UInt64.self)
            let cells = try number(UInt32.self)
            guard Int(cells) <= bytes.count - at else { throw damaged() }
            var row: [String?] = []
            row.reserveCapacity(Int(cells))
            for _ in 0..<cells {
                let length = try number(UInt32.self)
                row.append(length == UInt32.max ? nil : try text(length: length))
            }
            out.append((tenant, mask, row))
        }
        return out
    }
}
