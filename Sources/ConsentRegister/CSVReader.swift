import Foundation

/// Why a CSV file could not be read. Rows and columns are 1-based, as a spreadsheet shows them.
public struct CSVError: Error, Equatable, CustomStringConvertible {
    public var row: Int?
    public var column: Int?
    public var message: String

    public init(row: Int? = nil, column: Int? = nil, _ message: String) {
        self.row = row
        self.column = column
        self.message = message
    }

    public var description: String {
        switch (row, column) {
        case let (r?, c?): "row \(r), column \(c): \(message)"
        case let (r?, nil): "row \(r): \(message)"
        default: message
        }
    }
}

/// A strict, streaming RFC 4180 reader: comma-separated, double-quoted fields that may hold
/// commas, quotes ("") and line breaks; CRLF, LF or CR line ends; UTF-8 with or without a BOM.
/// It refuses what would otherwise be silently misread: invalid UTF-8 (a Windows-1252 export),
/// UTF-16, a quote inside an unquoted field, an unclosed quote.
public struct CSVReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var index = 0
    private var atEnd = false
    /// The record number of the last record returned (1-based, the header is 1): the row a
    /// spreadsheet shows, even when quoted fields hold line breaks.
    public private(set) var record = 0
    /// Bytes consumed so far, for progress.
    public private(set) var bytesRead: UInt64 = 0
    private var started = false

    public init(url: URL) throws(CSVError) {
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw CSVError("cannot open \(url.path): \(error.localizedDescription)")
        }
    }

    private mutating func fill() {
        guard !atEnd else { return }
        let chunk = (try? handle.read(upToCount: 1 << 20)) ?? nil
        if let chunk, !chunk.isEmpty {
            buffer.removeFirst(index)
            index = 0
            buffer.append(contentsOf: chunk)
        } else {
            atEnd = true
        }
    }

    private mutating func peek() -> UInt8? {
        if index >= buffer.count { fill() }
        return index < buffer.count ? buffer[index] : nil
    }

    private mutating func take() -> UInt8? {
        guard let byte = peek() else { return nil }
        index += 1
        bytesRead += 1
        return byte
    }

    /// The next record's fields, or nil at the end of the file.
    public mutating func next() throws(CSVError) -> [String]? {
        if !started {
            started = true
            try skipByteOrderMark()
        }
        guard peek() != nil else { return nil }
        record += 1
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var wasQuoted = false
        let startRecord = record
        while true {
            guard let byte = take() else {
                if quoted { throw CSVError(row: startRecord, column: fields.count + 1, "a quoted field is never closed (unbalanced \")") }
                fields.append(try decode(field, column: fields.count + 1))
                return fields
            }
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if peek() == UInt8(ascii: "\"") {
                        _ = take()
                        field.append(byte)
                    } else {
                        quoted = false
                        if let after = peek(), ![UInt8(ascii: ","), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(after) {
                            throw CSVError(row: startRecord, column: fields.count + 1, "text after a closing quote; quotes inside a field must be doubled (\"\")")
                        }
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                fields.append(try decode(field, column: fields.count + 1))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                if byte == UInt8(ascii: "\r"), peek() == UInt8(ascii: "\n") { _ = take() }
                fields.append(try decode(field, column: fields.count + 1))
                return fields
            case UInt8(ascii: "\""):
                guard field.isEmpty, !wasQuoted else {
                    throw CSVError(row: startRecord, column: fields.count + 1, "a quote inside an unquoted field; put the whole field in quotes and double the quote")
                }
                quoted = true
                wasQuoted = true
            default:
                field.append(byte)
            }
        }
    }

    private mutating func skipByteOrderMark() throws(CSVError) {
        let first = [peek(), buffer.count > 1 ? buffer[1] : nil, buffer.count > 2 ? buffer[2] : nil]
        if first == [0xEF, 0xBB, 0xBF] {
            index += 3
            bytesRead += 3
        } else if first.prefix(2) == [0xFF, 0xFE] || first.prefix(2) == [0xFE, 0xFF] {
            throw CSVError("the file is UTF-16; save it as \"CSV UTF-8\" and import it again")
        }
    }

    private func decode(_ bytes: [UInt8], column: Int) throws(CSVError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let latin = bytes.contains { (0x80...0x9F).contains($0) || $0 >= 0xA0 }
        throw CSVError(row: record, column: column, latin
            ? "not UTF-8 (it looks like Windows-1252 or Latin-1); save the file as \"CSV UTF-8\" and import it again"
            : "not valid UTF-8 text; save the file as \"CSV UTF-8\" and import it again")
    }
}
