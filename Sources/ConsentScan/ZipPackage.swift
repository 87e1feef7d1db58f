import Foundation
import ZIPFoundation

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

/// ZIP archives (office packages and plain archives), opened with ZIPFoundation.
enum ZipPackage {
    /// Opens an archive and checks, before unpacking anything, that it has a sane number of entries and
    /// declares no more bytes than the budget has left (a zip bomb).
    static func open(_ data: Data, name: String, format: String, budget: ExpansionBudget) throws(ScanError) -> (Archive, [Entry]) {
        let archive: Archive
        do { archive = try ZipFile.open(data) } catch {
            throw .corrupt(format: format, reason: "\(name) is not a ZIP archive (damaged or cut short)")
        }
        let entries = Array(archive)
        guard entries.count <= 10_000 else { throw .tooLarge("\(name) holds \(entries.count) entries; the scanner checks at most 10,000") }
        let declared = entries.reduce(UInt64(0)) { $0 &+ $1.uncompressedSize }
        guard declared <= UInt64(max(0, budget.limits.maxExpandedBytes - budget.used)) else {
            throw .tooLarge("\(name) would unpack to \(declared / 1_048_576) MB, over the \(budget.limits.maxExpandedBytes / 1_048_576) MB limit (a zip bomb?)")
        }
        return (archive, entries)
    }

    /// Unpacks one entry piece by piece into `body`, refusing it as soon as the budget or the ratio is
    /// exceeded. Nothing of the entry is held beyond one piece.
    static func stream(_ entry: Entry, of archive: Archive, name: String, budget: ExpansionBudget, format: String,
                       _ body: (UnsafeRawBufferPointer) throws(ScanError) -> Void) throws(ScanError) {
        let packed = max(Int(clamping: entry.compressedSize), 1)
        let what = "\(entry.path) in \(name)"
        var total = 0
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { chunk in
                total += chunk.count
                try budget.spend(chunk.count, entryTotal: total, packed: packed, what: what)
                try withBytes(chunk) { (p) throws(ScanError) in try body(p) }
            }
        } catch let error as ScanError {
            throw error
        } catch {
            throw .corrupt(format: format, reason: "\(what) cannot be unpacked (damaged, cut short, or packed in a way the scanner cannot unpack)")
        }
    }

    /// One entry whole, for the small parts read at once (a workbook's list of sheets).
    static func data(_ entry: Entry, of archive: Archive, name: String, budget: ExpansionBudget, format: String) throws(ScanError) -> Data {
        var out = Data()
        try stream(entry, of: archive, name: name, budget: budget, format: format) { (p) throws(ScanError) in
            out.append(contentsOf: p)
            if out.count > budget.limits.maxHeldBytes {
                throw .tooLarge("\(entry.path) in \(name) is larger than \(budget.limits.maxHeldBytes >> 20) MB")
            }
        }
        return out
    }
}
