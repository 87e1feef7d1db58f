import Foundation

/// One event in the binary sync encoding: the record's required fields, a bitmap saying which
/// optional ones follow, the chain hash, the values. Identifiers go through the symbol table;
/// free text (reasons, evidence, values) is written in place.
extension WireEvent {
    /// Bits of the optional-field map, in the order the fields follow.
    enum Field: Int, CaseIterable {
        case attribute, purpose, state, pending, noticeVersion, language, validUntil, targetDevice, targetSequence
        case valuesDigest, actorID, verification, reason, causal, evidence, central, previous
        var bit: UInt64 { 1 << UInt64(rawValue) }
    }
    static let knownFields = Field.allCases.reduce(UInt64(0)) { $0 | $1.bit }

    func write(to w: inout BinaryWriter) {
        let r = record
        var map: UInt64 = 0
        func mark(_ field: Field, _ present: Bool) { if present { map |= field.bit } }
        mark(.attribute, r.attribute != nil); mark(.purpose, r.purpose != nil); mark(.state, r.state != nil)
        mark(.pending, r.pending != nil); mark(.noticeVersion, r.noticeVersion != nil); mark(.language, r.language != nil)
        mark(.validUntil, r.validUntil != nil); mark(.targetDevice, r.targetDevice != nil)
        mark(.targetSequence, r.targetSequence != nil); mark(.valuesDigest, r.valuesDigest != nil)
        mark(.actorID, r.actorID != nil); mark(.verification, r.verification != nil); mark(.reason, r.reason != nil)
        mark(.causal, r.causal != nil); mark(.evidence, r.evidence != nil); mark(.central, central != nil)
        mark(.previous, previous != nil)
        w.unsigned(map)
        w.symbol(r.device); w.signed(r.sequence); w.symbol(r.tenant); w.symbol(r.kind)
        w.signed(r.hlc); w.signed(r.effectiveAt); w.symbol(r.actor); w.symbol(r.channel)
        if let v = r.attribute { w.symbol(v) }
        if let v = r.purpose { w.symbol(v) }
        if let v = r.state { w.symbol(v) }
        if let v = r.pending { w.byte(v ? 1 : 0) }
        if let v = r.noticeVersion { w.signed(v) }
        if let v = r.language { w.symbol(v) }
        if let v = r.validUntil { w.signed(v) }
        if let v = r.targetDevice { w.symbol(v) }
        if let v = r.targetSequence { w.signed(v) }
        if let v = r.valuesDigest { w.bytes(v) }
        if let v = r.actorID { w.symbol(v) }
        if let v = r.verification { w.symbol(v) }
        if let v = r.reason { w.text(v) }
        if let v = r.causal { w.signed(v) }
        if let v = r.evidence { w.text(v) }
        if let v = central { w.signed(v) }
        if let v = previous { w.bytes(v) }
        w.bytes(hash)
        w.count(values.count)
        for value in values { value.write(to: &w) }
    }

    init(from r: inout BinaryReader) throws(BinaryWireError) {
        let map = try r.unsigned()
        guard map & ~Self.knownFields == 0 else { throw r.failure("an event has fields this version does not know") }
        func has(_ field: Field) -> Bool { map & field.bit != 0 }
        var record = EventRecord(device: try r.symbol(), sequence: try r.signed(), tenant: try r.symbol(), kind: try r.symbol(),
                                 hlc: try r.signed(), effectiveAt: try r.signed(), actor: try r.symbol(), channel: try r.symbol())
        if has(.attribute) { record.attribute = try r.symbol() }
        if has(.purpose) { record.purpose = try r.symbol() }
        if has(.state) { record.state = try r.symbol() }
        if has(.pending) { record.pending = try r.flag() }
        if has(.noticeVersion) { record.noticeVersion = try r.signed() }
        if has(.language) { record.language = try r.symbol() }
        if has(.validUntil) { record.validUntil = try r.signed() }
        if has(.targetDevice) { record.targetDevice = try r.symbol() }
        if has(.targetSequence) { record.targetSequence = try r.signed() }
        if has(.valuesDigest) { record.valuesDigest = try r.bytes() }
        if has(.actorID) { record.actorID = try r.symbol() }
        if has(.verification) { record.verification = try r.symbol() }
        if has(.reason) { record.reason = try r.text() }
        if has(.causal) { record.causal = try r.signed() }
        if has(.evidence) { record.evidence = try r.text() }
        let central = has(.central) ? try r.signed() : nil
        let previous = has(.previous) ? try r.bytes() : nil
        let hash = try r.bytes()
        let n = try r.count(of: "values", minimumBytes: 3)
        var values: [WireValue] = []
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try WireValue(from: &r)) }
        self.init(record: record, hash: hash, values: values, central: central, previous: previous)
    }
}

extension [WireEvent] {
    static func read(from r: inout BinaryReader, most: Int) throws(BinaryWireError) -> Self {
        // The smallest event: map, eight required fields and an empty hash and value list.
        let n = try r.count(of: "events", minimumBytes: 11, most: most)
        var events: Self = []
        events.reserveCapacity(n)
        for _ in 0..<n { events.append(try WireEvent(from: &r)) }
        return events
    }
}

extension WireValue {
    private static let hasText: UInt8 = 1, preferNotFlag: UInt8 = 2, hasSalt: UInt8 = 4, hasKey: UInt8 = 8, hasSealed: UInt8 = 16

    func write(to w: inout BinaryWriter) {
        var flags: UInt8 = preferNot ? Self.preferNotFlag : 0
        if text != nil { flags |= Self.hasText }
        if salt != nil { flags |= Self.hasSalt }
        if keyID != nil { flags |= Self.hasKey }
        if sealed != nil { flags |= Self.hasSealed }
        w.byte(flags)
        w.symbol(attribute)
        if let text { w.text(text) }
        if let salt { w.bytes(salt) }
        w.bytes(digest)
        if let keyID { w.symbol(keyID) }
        if let sealed { w.bytes(sealed) }
    }

    init(from r: inout BinaryReader) throws(BinaryWireError) {
        let flags = try r.byte()
        guard flags < 32 else { throw r.failure("unknown flags on a value") }
        let attribute = try r.symbol()
        let text = flags & Self.hasText != 0 ? try r.text() : nil
        let salt = flags & Self.hasSalt != 0 ? try r.bytes() : nil
        let digest = try r.bytes()
        let keyID = flags & Self.hasKey != 0 ? try r.symbol() : nil
        let sealed = flags & Self.hasSealed != 0 ? try r.bytes() : nil
        self.init(attribute: attribute, text: text, preferNot: flags & Self.preferNotFlag != 0, salt: salt, digest: digest,
                  keyID: keyID, sealed: sealed)
    }
}
