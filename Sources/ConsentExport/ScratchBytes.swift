import Foundation

/// The bytes of an export's scratch records (``HeldRows``, ``Tally``): numbers little-endian, a text as
/// its UTF-8 length (4 bytes) and its bytes, a list of cells as how many there are and each cell, with
/// `UInt32.max` for a length standing for a cell that holds nothing.
enum ScratchBytes {
    static func number<N: FixedWidthInteger>(_ n: N, into out: inout [UInt8]) {
        withUnsafeBytes(of: n.littleEndian) { out.append(contentsOf: $0) }
    }

    static func text(_ text: String, into out: inout [UInt8]) {
        number(UInt32(text.utf8.count), into: &out)
        out.append(contentsOf: text.utf8)
    }

    static func cells(_ cells: [String?], into out: inout [UInt8]) {
        number(UInt32(cells.count), into: &out)
        for cell in cells {
            if let cell { text(cell, into: &out) } else { number(UInt32.max, into: &out) }
        }
    }
}

/// Reads back a scratch file ``ScratchBytes`` wrote. A record cut short means the file was changed while
/// the export ran, and stops it.
struct ScratchReader {
    private let bytes: [UInt8]
    private let url: URL
    private var at = 0

    /// Reads the whole of `url`.
    init(contentsOf url: URL) throws(ExportError) {
        do { bytes = Array(try Data(contentsOf: url)) } catch {
            throw ExportError("cannot read back \(url.path), a scratch file of this export: \(error.localizedDescription)")
        }
        self.url = url
    }

    /// Whether every record has been read.
    var atEnd: Bool { at >= bytes.count }

    private func damaged() -> ExportError {
        ExportError("\(url.path), a scratch file of this export, was changed while it ran; nothing was exported")
    }

    mutating func number<N: FixedWidthInteger>(_: N.Type) throws(ExportError) -> N {
        let size = MemoryLayout<N>.size
        guard at + size <= bytes.count else { throw damaged() }
        var value: N = 0
        for index in 0..<size { value |= N(bytes[at + index]) << (8 * index) }
        at += size
        return value
    }

    mutating func text() throws(ExportError) -> String {
        try text(length: try number(UInt32.self))
    }

    private mutating func text(length: UInt32) throws(ExportError) -> String {
        guard Int(length) <= bytes.count - at else { throw damaged() }
        defer { at += Int(length) }
        return String(decoding: bytes[at..<at + Int(length)], as: UTF8.self)
    }

    mutating func cells() throws(ExportError) -> [String?] {
        let count = try number(UInt32.self)
        guard Int(count) <= bytes.count - at else { throw damaged() }
        var cells: [String?] = []
        cells.reserveCapacity(Int(count))
        for _ in 0..<count {
            let length = try number(UInt32.self)
            cells.append(length == UInt32.max ? nil : try text(length: length))
        }
        return cells
    }
}
