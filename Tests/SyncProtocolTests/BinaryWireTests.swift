import ConsentRegister
import Foundation
import SyncProtocol
import Testing

/// The binary sync encoding carries every field exactly, hostile text included, and refuses a
/// damaged or hostile body with where it went wrong, never reading past its end.
@Suite struct BinaryWireTests {
    /// Free text that breaks software (carried here; the full list joins when ../shared is there).
    static let naughty: [String] = {
        let core = ["Robert'); DROP TABLE tenant;--", "<img src=x onerror=alert(1)>", "محمد علي", "👩🏽‍🚒", "Ṱ̺̺̕o͞ ̷i̲̬͇̪͙n̝̗͕v̟̜̘̦͟o̶̙̰̠kè͚̮̺̪̹̱̤",
                    "\u{202E}rtl", "a\u{0}b", "\u{1B}[2J", "", " ", "\u{FEFF}x", "田中さんにあげて下さい", String(repeating: "é", count: 3_000)]
        let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/naughty-strings/blns.txt")
        let extra = (try? String(contentsOf: shared, encoding: .utf8))?.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init) ?? []
        return core + extra
    }()

    static func bytes(_ r: inout SeededRandom, _ count: Int) -> Data { Data((0..<count).map { _ in UInt8(truncatingIfNeeded: r.next()) }) }

    /// An event with each optional field present or not at random, and extreme numbers.
    static func event(_ r: inout SeededRandom, sequence: Int64) -> WireEvent {
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { r.chance(0.5) ? value() : nil }
        let numbers: [Int64] = [0, 1, -1, 127, 128, Int64.max, Int64.min, 1_790_000_000_000 << 16]
        var text: String { r.pick(naughty) }
        let record = EventRecord(
            device: "kiosk-\(r.int(0...3))", sequence: sequence, tenant: r.chance(0.2) ? text : "T\(r.int(0...50))",
            kind: r.pick(["decision", "correction", "registration"]), attribute: maybe("email"), purpose: maybe("service-updates-email"),
            state: maybe(r.pick(["granted", "withdrawn"])), pending: maybe(r.chance(0.5)), noticeVersion: maybe(r.pick(numbers)),
            language: maybe("ur"), validUntil: maybe(r.pick(numbers)), targetDevice: maybe("staff-1"), targetSequence: maybe(r.pick(numbers)),
            valuesDigest: maybe(bytes(&r, 32)), hlc: r.pick(numbers), effectiveAt: r.pick(numbers), actor: "staff", actorID: maybe(text),
            verification: maybe("security-questions"), reason: maybe(text), channel: "phone", causal: maybe(r.pick(numbers)), evidence: maybe(text))
        let values = (0..<r.int(0...3)).map { i in
            WireValue(attribute: "attribute-\(i)", text: maybe(text), preferNot: r.chance(0.3), salt: maybe(bytes(&r, 16)),
                      digest: bytes(&r, 32), keyID: maybe("key-1"), sealed: maybe(bytes(&r, r.int(0...300))))
        }
        return WireEvent(record: record, hash: bytes(&r, 32), values: values, central: maybe(r.pick(numbers)))
    }

    static func push(seed: UInt64) -> PushRequest {
        var r = SeededRandom(seed: seed)
        let events = (0..<r.int(0...20)).map { event(&r, sequence: Int64($0 + 1)) }
        let keys = (0..<r.int(0...2)).map { WireDataKey(keyID: "key-\($0)", kekID: "kek", wrapped: bytes(&r, 60)) }
        let head = r.chance(0.5) ? SignedHead(device: "kiosk-1", sequence: 9, hash: bytes(&r, 32), signature: bytes(&r, 64)) : nil
        return PushRequest(device: "kiosk-1", events: events, dataKeys: keys, head: head, version: r.int(0...3))
    }

    @Test func everyMessageComesBackExactly() throws {
        for seed in UInt64(0)..<300 {
            let push = Self.push(seed: seed)
            let back = try BinaryWire.decode(PushRequest.self, from: Data(BinaryWire.encode(push)))
            #expect(back.events == push.events && back.dataKeys == push.dataKeys && back.head == push.head
                    && back.device == push.device && back.version == push.version, "seed \(seed)")
            let page = PullResponse(events: push.events, cursor: Int64(seed) * 1_000, more: seed % 2 == 0, dataKeys: push.dataKeys)
            let pulled = try BinaryWire.decode(PullResponse.self, from: Data(BinaryWire.encode(page)))
            #expect(pulled.events == page.events && pulled.cursor == page.cursor && pulled.more == page.more && pulled.dataKeys == page.dataKeys)
            let reply = PushResponse(results: push.events.map {
                PushResult(sequence: $0.record.sequence, outcome: [.applied, .overridden, .superseded, .rejected][Int($0.record.sequence % 4)],
                           central: $0.central, reason: $0.record.reason)
            })
            #expect(try BinaryWire.decode(PushResponse.self, from: Data(BinaryWire.encode(reply))).results == reply.results)
        }
    }

    @Test func everyHostileStringSurvivesInEveryTextField() throws {
        let strings = Self.naughty
        let events = strings.enumerated().map { i, text in
            WireEvent(record: EventRecord(device: "kiosk-1", sequence: Int64(i + 1), tenant: text, kind: text, hlc: 1, effectiveAt: 2,
                                          actor: text, actorID: text, reason: text, channel: text, evidence: text),
                      hash: Data(count: 32), values: [WireValue(attribute: text, text: text, digest: Data(count: 32))])
        }
        let back = try BinaryWire.decode(PushRequest.self, from: Data(BinaryWire.encode(PushRequest(device: "kiosk-1", events: events))))
        #expect(back.events == events)
        #expect(back.events.map(\.record.reason) == strings, "byte for byte, in order")
    }

    /// A message that uses every part of the encoding.
    static let full = BinaryWire.encode(PushRequest(device: "kiosk-1", events: (1...3).map { i in
        var r = SeededRandom(seed: UInt64(i))
        var e = event(&r, sequence: Int64(i))
        e.values = [WireValue(attribute: "email", text: "a@b.c", salt: Data(count: 16), digest: Data(count: 32), keyID: "k", sealed: Data(count: 20))]
        e.record.reason = "reason"
        return e
    }, dataKeys: [WireDataKey(keyID: "k", kekID: "kek", wrapped: Data(count: 8))]))

    @Test func aBodyCutShortAnywhereIsRefusedWithWhere() {
        for end in 0..<Self.full.count {
            let cut = Data(Self.full[0..<end])
            #expect(throws: BinaryWireError.self, "cut at \(end)") { try BinaryWire.decode(PushRequest.self, from: cut) }
        }
        let longer = Data(Self.full + [0])
        let error = #expect(throws: BinaryWireError.self) { try BinaryWire.decode(PushRequest.self, from: longer) }
        #expect(error?.message == "1 bytes follow the end of the message")
    }

    /// Builds a body by hand: magic, kind, a symbol table, then `rest`.
    static func body(kind: UInt8 = 1, symbols: [[UInt8]] = [Array("kiosk-1".utf8)], _ rest: [UInt8]) -> Data {
        Data(Array("TCW1".utf8) + [kind, UInt8(symbols.count)] + symbols.flatMap { [UInt8($0.count)] + $0 } + rest)
    }

    @Test(arguments: [
        ("not ours", Data("{\"version\":1}".utf8), "not a TenantConsent sync body (one starts with TCW1)"),
        ("another message kind", body(kind: 3, []), "expected a push (kind 1), found kind 3"),
        ("a symbol not in the table", body([1, 5, 0]), "symbol 5 is not in the table of 1"),
        ("a count bigger than the body", body([1, 0, 0xE8, 0x07]), "1000 events cannot fit in what is left of the body"),
        ("more events than a push may carry", body([1, 0, 0x8A, 0x27] + [UInt8](repeating: 0, count: 60_000)), "more events than the 5000 allowed"),
        ("a number of eleven bytes", body([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), "a number is too large"),
        ("text that is not UTF-8", body(symbols: [[0xC3, 0x28]], []), "a text is not valid UTF-8"),
        ("a yes/no that is neither", body([1, 0, 0, 0, 7]), "a yes/no field is neither 0 nor 1"),
        ("an event with fields from the future", body([1, 0, 1, 0x80, 0x80, 0x08] + [UInt8](repeating: 0, count: 20)), "an event has fields this version does not know"),
    ])
    func eachDamageIsNamed(name: String, body: Data, message: String) {
        let error = #expect(throws: BinaryWireError.self, "\(name)") { try BinaryWire.decode(PushRequest.self, from: body) }
        #expect(error?.message.contains(message) == true, "\(name): \(String(describing: error))")
    }

    @Test func randomDamageIsRefusedOrReadWithinBounds() {
        var r = SeededRandom(seed: 42)
        for _ in 0..<3_000 {
            var damaged = Self.full
            for _ in 0..<r.int(1...4) { damaged[r.int(0...(damaged.count - 1))] = UInt8(truncatingIfNeeded: r.next()) }
            // Either refused with a reason, or read as some other well-formed message (which then
            // travels again unchanged); never a read past the end.
            if let message = try? BinaryWire.decode(PushRequest.self, from: Data(damaged)) {
                let again = try? BinaryWire.decode(PushRequest.self, from: Data(BinaryWire.encode(message)))
                #expect(again?.events == message.events && again?.head == message.head)
            }
        }
    }

    /// Found by the fuzzer (Fuzz/run.sh, FuzzBinaryWire): a push whose version is the largest varint was
    /// read as version -1, a message the encoder then trapped on when writing it back.
    @Test func aVersionPastTheLargestNumberIsRefused() {
        let body = Data(Array("TCW1".utf8) + [1, 1, 0] + [UInt8](repeating: 0xFF, count: 9) + [1, 0, 0, 1, 0, 0, 0, 0])
        #expect(throws: BinaryWireError.self) { try BinaryWire.decode(PushRequest.self, from: body) }
        let largest = Data(Array("TCW1".utf8) + [1, 1, 1, 0x61] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] + [0, 0, 0, 0])
        let push = try? BinaryWire.decode(PushRequest.self, from: largest)
        #expect(push?.version == Int.max, "the largest version that fits is still read")
    }

    /// Found by the fuzzer (FuzzSyncJSON): a JSON push of version -1 was decoded, and the binary
    /// encoder trapped on it. The JSON reader refuses it; version 0 is still read.
    @Test func aJSONPushOfNegativeVersionIsRefused() throws {
        func body(_ version: Int) -> Data {
            Data(#"{"version":\#(version),"device":"kiosk-a","events":[],"dataKeys":[]}"#.utf8)
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PushRequest.self, from: body(-1)) }
        let zero = try JSONDecoder().decode(PushRequest.self, from: body(0))
        #expect(zero.version == 0 && BinaryWire.encode(zero).count > 0)
    }
}
