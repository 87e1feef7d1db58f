import Foundation

/// How many times each key (a list of cells) was added, for more different keys than memory should hold
/// (a million-row return has about a million combinations of age band, sex, postcode and language).
/// Keys are counted in memory until more than `limit` differ; then they are all written out, with their
/// counts, to scratch files chosen by each key's hash, and so is every key added after. Every copy of a
/// key is then in one file, so counting each file on its own gives every key's count: memory holds the
/// files' buffers and one file's keys at a time.
final class Tally {
    private let scratch: URL
    private let limit: Int
    private let partitions: Int
    private var counts: [[String?]: Int] = [:]
    private var files: [OutputFile] = []
    /// Each file's buffer: small, since several tallies' files are open while the register is read.
    private static let bufferBytes = 8 << 10

    /// Files go beside `scratch`, named after it with a number; `limit` different keys are counted in
    /// memory before they go to `partitions` files.
    init(scratch: URL, limit: Int = 1 << 12, partitions: Int = 64) {
        self.scratch = scratch
        self.limit = limit
        self.partitions = max(partitions, 1)
    }

    /// Counts one more `key`.
    func add(_ key: [String?]) throws(ExportError) {
        guard files.isEmpty else { return try write(key, count: 1) }
        counts[key, default: 0] += 1
        if counts.count > limit { try spill() }
    }

    private func spill() throws(ExportError) {
        for index in 0..<partitions {
            files.append(try OutputFile(creating: scratch.appendingPathExtension(String(index)), bufferBytes: Self.bufferBytes, digest: false))
        }
        for (key, count) in counts { try write(key, count: count) }
        counts = [:]
    }

    private func write(_ key: [String?], count: Int) throws(ExportError) {
        let file = files[Int(UInt(bitPattern: key.hashValue) % UInt(files.count))]
        try file.withBuffer { out in
            ScratchBytes.number(UInt64(count), into: &out)
            ScratchBytes.cells(key, into: &out)
        }
    }

    /// Calls `body` once for each different key, with how many times it was added, and empties the tally
    /// (its files are removed).
    func forEach(_ body: ([String?], Int) -> Void) throws(ExportError) {
        defer { counts = [:]; files = [] }
        guard !files.isEmpty else {
            for (key, count) in counts { body(key, count) }
            return
        }
        for file in files {
            try file.flush()
            var reader = try ScratchReader(contentsOf: file.url)
            var part: [[String?]: Int] = [:]
            while !reader.atEnd {
                let count = Int(try reader.number(UInt64.self))
                part[try reader.cells(), default: 0] += count
            }
            for (key, count) in part { body(key, count) }
        }
    }

    /// How many different keys were added; empties the tally.
    func distinct() throws(ExportError) -> Int {
        var distinct = 0
        try forEach { _, _ in distinct += 1 }
        return distinct
    }
}
