import Foundation
import Testing
@testable import ConsentScan

/// The index's keyed surname filter, its file form, and the pairing windows once other words are filtered out.
struct SurnameFilterTests {
    /// Deterministic lower-case letter strings that are no tenant's surname (they start with "qx").
    static func nonNames(_ count: Int, seed: UInt64 = 0x5EED) -> [[UInt8]] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = 4 + Int(state >> 60) % 8
            return Array("qx".utf8) + (0..<length).map { k in UInt8(0x61 + Int((state >> UInt64(4 * k + 8)) & 0xFF) % 26) }
        }
    }

    static func names(_ count: Int) -> [[UInt8]] {
        (0..<count).map { Array("surname\($0)".utf8) }
    }

    static func filter(_ key: SipHashKey, _ names: [[UInt8]]) -> SurnameFilter {
        let filter = SurnameFilter(key: key, bits: SurnameFilter.bitCount(names: names.count))
        for name in names { filter.insert(name) }
        return filter
    }

    static func passes(_ filter: SurnameFilter, _ word: [UInt8]) -> Bool {
        let padded = word + [UInt8](repeating: 0, count: 8)
        return padded.withUnsafeBufferPointer { b in b.baseAddress.map { filter.mayContain($0, count: word.count) } ?? false }
    }

    @Test("Every tenant's surname passes the index's filter, whatever its length, accents or apostrophes")
    func surnamesPass() {
        for t in Register.tenants + Register.accented {
            guard let surname = ScanNormal.words(t.surname).last else { Issue.record("no word in \(t.surname)"); continue }
            #expect(Self.passes(Register.index.surnames, surname), "\(t.surname)")
        }
        // Lengths around the 8-byte reads.
        let long = (1...20).map { Array(String(repeating: "k", count: $0).utf8) }
        let filter = Self.filter(Register.key, long)
        for name in long { #expect(Self.passes(filter, name), "\(name.count) bytes") }
    }

    @Test("Under 10 % of 10,000 words that are no surname pass a filter of 1,000 surnames")
    func falsePositives() {
        let filter = Self.filter(Register.key, Self.names(1000))
        let passed = Self.nonNames(10_000).filter { Self.passes(filter, $0) }.count
        // 16 bits per name, one bit each: about 6 % expected.
        #expect(passed < 1000, "\(passed) of 10,000 passed")
        #expect(filter.bitsSet <= 1000)
    }

    @Test("A filter made with another key sets other bits and lets other words through")
    func keyed() {
        let names = Self.names(1000)
        let a = Self.filter(Register.key, names), b = Self.filter(SipHashKey(k0: 7, k1: 11), names)
        let differing = (0..<a.words.count).filter { a.words.base[$0] != b.words.base[$0] }.count
        #expect(differing > a.words.count / 2)
        let others = Self.nonNames(10_000)
        let passA = Set(others.indices.filter { Self.passes(a, others[$0]) })
        let passB = Set(others.indices.filter { Self.passes(b, others[$0]) })
        // Independent filters: the words passing both are about passA × passB / 10,000 (a few dozen), not most of either.
        #expect(passA.intersection(passB).count < min(passA.count, passB.count) / 3)
    }

    @Test("An index file of the previous format is refused, saying how to rebuild it")
    func oldFormatRefused() throws {
        var bytes = Register.index.serialized()
        #expect(ScanIndex.version == 3)
        // Version 2: the same header and table, no filter.
        withUnsafeBytes(of: UInt32(2).littleEndian) { bytes.replaceSubrange(8..<12, with: $0) }
        let capacity = Int(bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) })
        let old = bytes.prefix(48 + capacity * 8)
        do {
            _ = try ScanIndex(data: old, key: Register.key)
            Issue.record("an old index was read")
        } catch {
            guard case .badIndex(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("rebuild it with `consent scan index --db REGISTER --out FILE`"), "\(reason)")
            #expect(reason.contains("index format 2"), "\(reason)")
        }
        // A current index without its filter's bits is refused as damaged.
        let current = Register.index.serialized()
        #expect(throws: ScanError.self) { try ScanIndex(data: current.prefix(current.count - 8), key: Register.key) }
        let reloaded = try ScanIndex(data: current, key: Register.key)
        #expect(reloaded.surnames.bitsSet == Register.index.surnames.bitsSet)
    }

    @Test("Words the filter drops still count for the pairing window: a surname 45 capitalised words before a postcode is not paired")
    func windowsKeepWordPositions() throws {
        let t = Register.tenants[41]
        func text(fillers: Int) -> String {
            "\(t.surname) " + Array(repeating: "Lorem", count: fillers).joined(separator: " ") + " \(t.postcode)"
        }
        #expect(try Register.scan(text(fillers: 30), name: "note.txt").tenants == 1)
        #expect(try Register.scan(text(fillers: 45), name: "note.txt").tenants == 0)
    }
}
