import ConsentCore
import Foundation

/// Rows that leave in the order of their references (pseudonyms), not the register's, without holding
/// them all: each row goes, as it is read, to a scratch file (0600, removed afterwards) chosen by the
/// first bytes of its reference; afterwards each file is read back and sorted in turn, in the order of
/// those bytes. References are compared byte by byte, and a pseudonym's first bytes are spread evenly,
/// so memory holds about a 256th of the rows. The small groups of ``SmallGroups`` are counted as rows go
/// by, in ``Tally``s that spill to scratch files too, and suppressed as each row comes back.
final class HeldRows {
    private let scratch: URL
    private let groups: SmallGroups?
    private var files: [[UInt8]: OutputFile] = [:]
    /// How many rows share each combination of quasi-identifiers, and each quasi-identifier's answers.
    private let combinations: Tally
    private let answers: [Tally]
    /// How many leading bytes of a reference choose its file: "P" and two hex digits, 256 files.
    private static let prefixBytes = 3
    /// Each file's buffer: small, since every file is open until the register has been read.
    private static let bufferBytes = 8 << 10

    /// Files go beside `scratch` (the export's own scratch file), named after it; each ``Tally`` holds
    /// `tallyLimit` different keys in memory before it spills.
    init(scratch: URL, groups: SmallGroups?, tallyLimit: Int = 1 << 12) {
        self.scratch = scratch
        self.groups = groups
        combinations = Tally(scratch: scratch.appendingPathExtension("groups"), limit: tallyLimit)
        answers = (groups?.identifying ?? []).indices.map { Tally(scratch: scratch.appendingPathExtension("answers-\($0)"), limit: tallyLimit) }
    }

    /// Keeps one row (its reference first) whose disclosure is the ``DisclosureLog`` entry numbered `entry`
    /// (nil: none was recorded), its tenant given the columns in `mask`.
    func append(entry: Int?, mask: UInt64, row: [String?]) throws(ExportError) {
        if let groups {
            let key = groups.key(row)
            try combinations.add(key)
            for (position, answer) in key.enumerated() { try answers[position].add([answer]) }
        }
        let prefix = Array(Self.reference(row).utf8.prefix(Self.prefixBytes))
        let file: OutputFile
        if let open = files[prefix] {
            file = open
        } else {
            file = try OutputFile(creating: scratch.appendingPathExtension("held-\(prefix.lowercaseHex)"), bufferBytes: Self.bufferBytes, digest: false)
            files[prefix] = file
        }
        try file.withBuffer { out in HeldRecord.encode(entry: entry, mask: mask, row: row, into: &out) }
    }

    private static func reference(_ row: [String?]) -> String { (row.first ?? nil) ?? "" }

    /// Calls `body` with every row in the order of its reference, small groups suppressed, then removes
    /// the files. Returns how many cells small groups suppressed.
    func drain(_ body: (_ entry: Int?, _ mask: UInt64, _ row: [String?]) throws -> Void) throws -> Int {
        defer { files.removeAll() }
        var plan: SmallGroups.Plan?
        if let groups {
            var planning = groups.planning(answers: try answers.map { tally throws(ExportError) in try tally.distinct() })
            try combinations.forEach { planning.add($0, count: $1) }
            plan = planning.plan()
        }
        var suppressed = 0
        for prefix in files.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let file = files[prefix] else { continue }
            try file.flush()
            var records = try HeldRecord.decode(ScratchReader(contentsOf: file.url))
            records.sort { Self.reference($0.row).utf8.lexicographicallyPrecedes(Self.reference($1.row).utf8) }
            for var record in records {
                if let groups, let plan { suppressed += groups.apply(plan, to: &record.row) }
                try body(record.entry, record.mask, record.row)
            }
            files[prefix] = nil
        }
        return suppressed
    }
}

/// One held row as bytes (``ScratchBytes``): its disclosure entry's number (`UInt64.max` for none), the mask,
/// then the cells.
private enum HeldRecord {
    static func encode(entry: Int?, mask: UInt64, row: [String?], into out: inout [UInt8]) {
        ScratchBytes.number(entry.map { UInt64($0) } ?? UInt64.max, into: &out)
        ScratchBytes.number(mask, into: &out)
        ScratchBytes.cells(row, into: &out)
    }

    static func decode(_ reader: ScratchReader) throws(ExportError) -> [(entry: Int?, mask: UInt64, row: [String?])] {
        var reader = reader
        var out: [(entry: Int?, mask: UInt64, row: [String?])] = []
        while !reader.atEnd {
            let entry = try reader.number(UInt64.self)
            out.append((entry == UInt64.max ? nil : Int(truncatingIfNeeded: entry), try reader.number(UInt64.self), try reader.cells()))
        }
        return out
    }
}
