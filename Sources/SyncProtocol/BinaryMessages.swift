import Foundation

/// The binary body of the hot sync messages (push, its reply, pull and snapshot pages), sent when
/// both sides ask for it by content type; JSON stays accepted everywhere (and is what errors and
/// enrolment use). It carries exactly the fields of the JSON form, about a third of the size,
/// and reads and writes several times faster, which is where a sync's time went.
///
/// Layout: the magic `TCW1`, one byte for the message kind, the symbol table (a count, then each
/// identifier as length and UTF-8), then the message. Numbers are LEB128 varints (zigzag when
/// signed); optional record fields are announced by one bitmap per event.
public enum BinaryWire {
    /// The `Content-Type` (and `Accept`) naming this encoding.
    public static let contentType = "application/x-tenantconsent-sync"
    static let magic: [UInt8] = Array("TCW1".utf8)

    /// The encoded message.
    public static func encode<M: BinaryMessage>(_ message: M) -> [UInt8] {
        var writer = BinaryWriter(capacity: 4_096)
        message.write(to: &writer)
        return writer.finished(kind: M.binaryKind)
    }

    /// The message in `bytes`, or where and why it could not be read.
    public static func decode<M: BinaryMessage>(_ type: M.Type, from bytes: UnsafeRawBufferPointer) throws(BinaryWireError) -> M {
        var reader = BinaryReader(bytes)
        try reader.header(kind: M.binaryKind, name: M.binaryName)
        let message = try M(from: &reader)
        try reader.end()
        return message
    }

    /// The message in `data`.
    public static func decode<M: BinaryMessage>(_ type: M.Type, from data: Data) throws(BinaryWireError) -> M {
        let result: Result<M, BinaryWireError> = data.withUnsafeBytes { raw in
            do throws(BinaryWireError) { return .success(try decode(type, from: raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// A message with a binary form.
public protocol BinaryMessage {
    static var binaryKind: UInt8 { get }
    static var binaryName: String { get }
    func write(to writer: inout BinaryWriter)
    init(from reader: inout BinaryReader) throws(BinaryWireError)
}

extension PushRequest: BinaryMessage {
    public static let binaryKind: UInt8 = 1
    public static let binaryName = "push"

    public func write(to w: inout BinaryWriter) {
        w.count(version)
        w.symbol(device)
        w.count(events.count)
        for event in events { event.write(to: &w) }
        w.count(dataKeys.count)
        for key in dataKeys { key.write(to: &w) }
        w.byte(head == nil ? 0 : 1)
        if let head {
            w.symbol(head.device)
            w.signed(head.sequence)
            w.bytes(head.hash)
            w.bytes(head.signature)
        }
    }

    public init(from r: inout BinaryReader) throws(BinaryWireError) {
        // Read whole: a number past Int.max would otherwise come out negative, which no encoder can write back.
        guard let version = Int(exactly: try r.unsigned()) else { throw r.failure("the protocol version is out of range") }
        let device = try r.symbol()
        let events = try [WireEvent].read(from: &r, most: SyncWire.maxPushEvents)
        let keys = try [WireDataKey].read(from: &r)
        var head: SignedHead?
        if try r.flag() {
            head = SignedHead(device: try r.symbol(), sequence: try r.signed(), hash: try r.bytes(), signature: try r.bytes())
        }
        self.init(device: device, events: events, dataKeys: keys, head: head, version: version)
    }
}

extension PushResponse: BinaryMessage {
    public static let binaryKind: UInt8 = 2
    public static let binaryName = "push reply"
    static let outcomes: [PushOutcome] = [.applied, .overridden, .superseded, .rejected]

    public func write(to w: inout BinaryWriter) {
        w.count(results.count)
        for result in results {
            w.signed(result.sequence)
            w.byte(UInt8(Self.outcomes.firstIndex(of: result.outcome) ?? 3) | (result.central == nil ? 0 : 4) | (result.reason == nil ? 0 : 8))
            if let central = result.central { w.signed(central) }
            if let reason = result.reason { w.text(reason) }
        }
    }

    public init(from r: inout BinaryReader) throws(BinaryWireError) {
        let n = try r.count(of: "results", minimumBytes: 2)
        var results: [PushResult] = []
        results.reserveCapacity(n)
        for _ in 0..<n {
            let sequence = try r.signed()
            let flags = try r.byte()
            guard flags < 16 else { throw r.failure("unknown flags in a push result") }
            let central = flags & 4 != 0 ? try r.signed() : nil
            let reason = flags & 8 != 0 ? try r.text() : nil
            results.append(PushResult(sequence: sequence, outcome: Self.outcomes[Int(flags & 3)], central: central, reason: reason))
        }
        self.init(results: results)
    }
}

extension PullResponse: BinaryMessage {
    public static let binaryKind: UInt8 = 3
    public static let binaryName = "pull page"

    public func write(to w: inout BinaryWriter) {
        w.signed(cursor)
        w.byte(more ? 1 : 0)
        w.count(events.count)
        for event in events { event.write(to: &w) }
        w.count(dataKeys.count)
        for key in dataKeys { key.write(to: &w) }
        w.count(departed.count)
        for ref in departed { w.text(ref) }
    }

    public init(from r: inout BinaryReader) throws(BinaryWireError) {
        let cursor = try r.signed()
        let more = try r.flag()
        let events = try [WireEvent].read(from: &r, most: SyncWire.maxSnapshotEvents)
        let dataKeys = try [WireDataKey].read(from: &r)
        var departed: [String] = []
        // A page from a centre that names no departures ends here.
        if r.remaining > 0 {
            let n = try r.count(of: "departed tenants", minimumBytes: 2)
            departed.reserveCapacity(n)
            for _ in 0..<n { departed.append(try r.text()) }
        }
        self.init(events: events, cursor: cursor, more: more, dataKeys: dataKeys, departed: departed)
    }
}

extension WireDataKey {
    func write(to w: inout BinaryWriter) {
        w.symbol(keyID)
        w.symbol(kekID)
        w.bytes(wrapped)
    }
}

extension [WireDataKey] {
    static func read(from r: inout BinaryReader) throws(BinaryWireError) -> Self {
        let n = try r.count(of: "data keys", minimumBytes: 3)
        var keys: Self = []
        for _ in 0..<n { keys.append(WireDataKey(keyID: try r.symbol(), kekID: try r.symbol(), wrapped: try r.bytes())) }
        return keys
    }
}
