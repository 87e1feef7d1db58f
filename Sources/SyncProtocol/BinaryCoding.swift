import Foundation

/// Why a binary sync body could not be read: where, and what was wrong.
public struct BinaryWireError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }
    public var description: String { "\(message) (at byte \(offset))" }
}

/// Writes the binary sync encoding: unsigned LEB128 varints, zigzag for signed numbers, byte
/// strings with a varint length, and identifiers interned into a table sent before the body (a
/// batch names the same device, kind, purpose and attribute thousands of times).
public struct BinaryWriter {
    private(set) var body: [UInt8] = []
    private var symbols: [String: Int] = [:]
    private var table: [String] = []

    public init(capacity: Int = 0) { body.reserveCapacity(capacity) }

    public mutating func byte(_ value: UInt8) { body.append(value) }

    public mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            body.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        body.append(UInt8(v))
    }

    public mutating func count(_ value: Int) { unsigned(UInt64(value)) }

    public mutating func signed(_ value: Int64) { unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    public mutating func bytes(_ data: Data) {
        count(data.count)
        body.append(contentsOf: data)
    }

    /// Free text (a value, a reason): written in place.
    public mutating func text(_ string: String) {
        var s = string
        s.withUTF8 { utf8 in
            count(utf8.count)
            body.append(contentsOf: utf8)
        }
    }

    /// An identifier: written once into the table, then by number.
    public mutating func symbol(_ string: String) {
        if let index = symbols[string] { return count(index) }
        symbols[string] = table.count
        count(table.count)
        table.append(string)
    }

    /// The finished message: magic and kind, the symbol table, then the body.
    func finished(kind: UInt8) -> [UInt8] {
        var head = BinaryWriter(capacity: 16 + table.reduce(0) { $0 + $1.utf8.count + 2 })
        head.body.append(contentsOf: BinaryWire.magic)
        head.byte(kind)
        head.count(table.count)
        for name in table { head.text(name) }
        return head.body + body
    }
}

/// Reads the binary sync encoding from untrusted bytes: every length and count is checked
/// against what is left, every symbol against the table, every string for UTF-8, so a damaged
/// or hostile body is refused with where it went wrong and never read out of bounds.
public struct BinaryReader {
    private let buffer: UnsafeRawBufferPointer
    private(set) var offset = 0
    private var table: [String] = []

    init(_ bytes: UnsafeRawBufferPointer) { buffer = bytes }

    var remaining: Int { buffer.count - offset }

    func failure(_ message: String) -> BinaryWireError { BinaryWireError(message, at: offset) }

    mutating func byte() throws(BinaryWireError) -> UInt8 {
        guard offset < buffer.count else { throw failure("the body ends too soon") }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func unsigned() throws(BinaryWireError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw failure("a number is too large") }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
            if shift > 63 { throw failure("a number is too large") }
        }
    }

    mutating func signed() throws(BinaryWireError) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A count of things each taking at least `minimumBytes`, so it cannot exceed what is left.
    mutating func count(of what: String, minimumBytes: Int = 1, most: Int = .max) throws(BinaryWireError) -> Int {
        let raw = try unsigned()
        guard raw <= UInt64(min(most, remaining / max(minimumBytes, 1))) else {
            throw failure(raw > UInt64(most) ? "more \(what) than the \(most) allowed" : "\(raw) \(what) cannot fit in what is left of the body")
        }
        return Int(raw)
    }

    mutating func flag() throws(BinaryWireError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw failure("a yes/no field is neither 0 nor 1")
        }
    }

    mutating func bytes() throws(BinaryWireError) -> Data {
        let n = try count(of: "bytes")
        defer { offset += n }
        return Data(buffer[offset..<offset + n])
    }

    mutating func text() throws(BinaryWireError) -> String {
        let n = try count(of: "bytes")
        guard let string = String(validating: buffer[offset..<offset + n], as: UTF8.self) else {
            throw failure("a text is not valid UTF-8")
        }
        offset += n
        return string
    }

    mutating func symbol() throws(BinaryWireError) -> String {
        let index = try unsigned()
        guard index < UInt64(table.count) else { throw failure("symbol \(index) is not in the table of \(table.count)") }
        return table[Int(index)]
    }

    /// Reads the magic, the kind and the symbol table.
    mutating func header(kind: UInt8, name: String) throws(BinaryWireError) {
        guard buffer.count >= BinaryWire.magic.count, zip(buffer, BinaryWire.magic).allSatisfy({ $0 == $1 }) else {
            throw failure("this is not a TenantConsent sync body (one starts with TCW1)")
        }
        offset = BinaryWire.magic.count
        let found = try byte()
        guard found == kind else { throw failure("expected a \(name) (kind \(kind)), found kind \(found)") }
        let n = try count(of: "symbols")
        table.reserveCapacity(n)
        for _ in 0..<n { table.append(try text()) }
    }

    func end() throws(BinaryWireError) {
        guard remaining == 0 else { throw failure("\(remaining) bytes follow the end of the message") }
    }
}
