import Foundation

/// How far a file may expand when archives in it are unpacked; shared by every archive in one file
/// (a mail's attachments included), so nesting does not multiply the allowance.
public struct ScanLimits: Sendable {
    /// Total bytes all archives of one file may unpack to.
    public var maxExpandedBytes: Int
    /// Largest ratio of unpacked to packed size of one entry, once it has unpacked `ratioFreeBytes`.
    public var maxRatio: Int
    public var ratioFreeBytes: Int
    /// Deepest nesting of mail parts, attached messages and archives.
    public var maxDepth: Int
    /// Largest part held whole in memory (an archive or PDF inside an archive); larger ones cannot be
    /// checked. Text, CSV and the XML of office files are read as they unpack, whatever their size.
    public var maxHeldBytes: Int

    public init(maxExpandedBytes: Int = 512 << 20, maxRatio: Int = 200, ratioFreeBytes: Int = 4 << 20, maxDepth: Int = 16,
                maxHeldBytes: Int = 64 << 20) {
        self.maxExpandedBytes = maxExpandedBytes
        self.maxRatio = maxRatio
        self.ratioFreeBytes = ratioFreeBytes
        self.maxDepth = maxDepth
        self.maxHeldBytes = maxHeldBytes
    }
}

/// Bytes unpacked so far for one scanned file.
final class ExpansionBudget {
    let limits: ScanLimits
    var used = 0
    init(_ limits: ScanLimits) { self.limits = limits }

    /// Counts `count` more unpacked bytes of an entry that has now unpacked `entryTotal` from `packed`.
    func spend(_ count: Int, entryTotal: Int, packed: Int, what: String) throws(ScanError) {
        used += count
        if used > limits.maxExpandedBytes {
            throw .tooLarge("\(what) unpacks to more than \(limits.maxExpandedBytes / 1_048_576) MB (a zip bomb?)")
        }
        if entryTotal > limits.ratioFreeBytes && entryTotal / max(packed, 1) > limits.maxRatio {
            throw .tooLarge("\(what) expands more than \(limits.maxRatio) times its packed size (a zip bomb?)")
        }
    }
}

/// ZIP archives (office packages and plain archives), read with ``ZipReader``.
enum ZipPackage {
    /// Lists an archive's entries and checks, before unpacking anything, that it has a sane number of
    /// them and declares no more bytes than the budget has left (a zip bomb).
    static func open(_ data: Data, name: String, format: String, budget: ExpansionBudget) throws(ScanError) -> [ZipEntry] {
        let entries: [ZipEntry]
        do { entries = try ZipReader.entries(data) } catch {
            throw .corrupt(format: format, reason: "\(name) " + Self.words(error, "it"))
        }
        guard entries.count <= 10_000 else { throw .tooLarge("\(name) holds \(entries.count) entries; the scanner checks at most 10,000") }
        let declared = entries.reduce(UInt64(0)) { $0 &+ $1.uncompressedSize }
        guard declared <= UInt64(max(0, budget.limits.maxExpandedBytes - budget.used)) else {
            throw .tooLarge("\(name) would unpack to \(declared / 1_048_576) MB, over the \(budget.limits.maxExpandedBytes / 1_048_576) MB limit (a zip bomb?)")
        }
        return entries
    }

    /// Unpacks one entry piece by piece into `body`, refusing it as soon as the budget or the ratio is
    /// exceeded. Nothing of the entry is held beyond one piece.
    static func stream(_ entry: ZipEntry, in data: Data, name: String, budget: ExpansionBudget, format: String,
                       _ body: (UnsafeRawBufferPointer) throws(ScanError) -> Void) throws(ScanError) {
        let packed = max(entry.compressedSize, 1)
        let what = "\(entry.path) in \(name)"
        var total = 0
        try ZipReader.stream(entry, in: data, problem: { .corrupt(format: format, reason: "\(what) " + Self.words($0, "it")) }) { (piece) throws(ScanError) in
            total += piece.count
            try budget.spend(piece.count, entryTotal: total, packed: packed, what: what)
            try body(piece)
        }
    }

    /// A reader's problem in words, after the name of what it is about.
    private static func words(_ problem: ZipReader.Problem, _ it: String) -> String {
        switch problem {
        case .notZip: "is not a ZIP archive (damaged or cut short)"
        case .unsupported(let what): "cannot be unpacked (\(what): packed in a way the scanner cannot unpack)"
        case .damaged(let why): "cannot be unpacked (damaged: \(why))"
        }
    }

    /// One entry whole, for the small parts read at once (a workbook's list of sheets).
    static func data(_ entry: ZipEntry, in data: Data, name: String, budget: ExpansionBudget, format: String) throws(ScanError) -> Data {
        var out = Data()
        try stream(entry, in: data, name: name, budget: budget, format: format) { (p) throws(ScanError) in
            out.append(contentsOf: p)
            if out.count > budget.limits.maxHeldBytes {
                throw .tooLarge("\(entry.path) in \(name) is larger than \(budget.limits.maxHeldBytes >> 20) MB")
            }
        }
        return out
    }
}
