import ConsentCore
@testable import ConsentScan
import Foundation
import Testing

@Suite("Scanner normal forms and index")
struct NormalisationTests {
    @Test("SipHash-2-4 gives the reference vectors of its paper")
    func sipHashVectors() {
        let key = SipHashKey(k0: 0x0706_0504_0302_0100, k1: 0x0F0E_0D0C_0B0A_0908)
        #expect(key.hash([]) == 0x726F_DB47_DD0E_0E31)
        #expect(key.hash(Array(0..<15)) == 0xA129_CA61_49BE_45E5)
        #expect(key.hash(Array(0..<8)) == 0x93F5_F579_9A93_2462)
    }

    @Test("UK phone numbers in their usual spellings have one normal form", arguments: [
        "07700900123", "07700 900123", "07700-900-123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123", "+447700900123",
    ])
    func phoneForms(_ written: String) {
        #expect(ScanNormal.ukPhone(written).map { String(decoding: $0, as: UTF8.self) } == "07700900123")
    }

    @Test("Not UK phone numbers", arguments: ["12345", "+33 1 23 45 67 89", "00700900123", "0770090012345"])
    func notPhones(_ written: String) {
        #expect(ScanNormal.ukPhone(written) == nil)
    }

    @Test("Emails, postcodes, references and names normalise as both sides expect")
    func otherForms() {
        #expect(ScanNormal.email(Array("Jane.Smith@Example.ORG.".utf8)).map { String(decoding: $0, as: UTF8.self) } == "jane.smith@example.org")
        #expect(ScanNormal.email(Array("not-an-email@".utf8)) == nil)
        #expect(ScanNormal.email(Array("a@b@c.org".utf8)) == nil)
        #expect(ScanNormal.postcode("sw1a 1aa").map { String(decoding: $0, as: UTF8.self) } == "SW1A1AA")
        #expect(ScanNormal.postcode("LS14AB").map { String(decoding: $0, as: UTF8.self) } == "LS14AB")
        #expect(ScanNormal.postcode("HELLO") == nil)
        #expect(ScanNormal.tenancyRef(Array("t0000042".utf8)).map { String(decoding: $0, as: UTF8.self) } == "T0000042")
        #expect(ScanNormal.tenancyRef(Array("Leeds".utf8)) == nil)
        #expect(ScanNormal.words("Siobhan O’Brien-Kelly").map { String(decoding: $0, as: UTF8.self) } == ["siobhan", "obrien", "kelly"])
        #expect(ScanNormal.phraseHash("Gay or lesbian") == ScanNormal.phraseHash("  gay, OR lesbian "))
    }

    @Test("Every indexed value is found again in text written the usual ways")
    func indexFindsValues() throws {
        let t = Register.tenants[41]
        let spaced = String(t.mobile.prefix(5)) + " " + String(t.mobile.dropFirst(5))
        for text in [t.email.uppercased(), "+44 (0)" + t.mobile.dropFirst(), spaced, t.ref.lowercased(), "\(t.surname)\n\(t.postcode.replacingOccurrences(of: " ", with: ""))"] {
            let report = try Register.scan(text, name: "note.txt")
            #expect(report.tenants == 1, "\(text)")
            #expect(report.verdict == .oneTenant)
        }
    }

    @Test("The index file holds none of the register's values, in any normal form")
    func indexExposesNothing() throws {
        let bytes = Register.index.serialized()
        for t in Register.tenants.prefix(50) {
            let compactPostcode = t.postcode.replacingOccurrences(of: " ", with: "")
            for value in [t.email, t.mobile, t.ref, t.surname.lowercased(), t.postcode, compactPostcode, String(t.mobile.dropFirst())] {
                #expect(bytes.range(of: Data(value.utf8)) == nil, "\(value) is in the index")
            }
        }
        // Without the right key the index is refused, and the key is not in it.
        #expect(throws: ScanError.self) { try ScanIndex(data: bytes, key: SipHashKey(k0: 1, k1: 2)) }
        withUnsafeBytes(of: Register.key.k0.littleEndian) { #expect(bytes.range(of: Data($0)) == nil) }
        let reloaded = try ScanIndex(data: bytes, key: Register.key)
        #expect(reloaded.tenantCount == Register.size + Register.accented.count)
        let report = try LeakScanner(index: reloaded, terms: Register.terms).scan(Data(Register.tenants[7].email.utf8), name: "x.txt")
        #expect(report.tenants == 1)
    }

    @Test("A damaged index is refused with a reason")
    func damagedIndex() {
        let bytes = Register.index.serialized()
        #expect(throws: ScanError.self) { try ScanIndex(data: bytes.prefix(bytes.count / 2), key: Register.key) }
        #expect(throws: ScanError.self) { try ScanIndex(data: Data("hello".utf8), key: Register.key) }
        #expect(throws: ScanError.self) { try ScanKeyFile.parse("xyz") }
        #expect((try? ScanKeyFile.parse(ScanKeyFile.text(Register.key))) == Register.key)
    }

    @Test("Two tenants sharing a surname and postcode count as one when nothing else tells them apart")
    func sharedNamePostcode() throws {
        var builder = ScanIndex.Builder(key: Register.key, catalogue: Register.catalogue)
        var a = Register.tenant(1), b = Register.tenant(2)
        a.surname = "Walsh"; b.surname = "Walsh"; b.postcode = a.postcode
        builder.add(Register.state(a))
        builder.add(Register.state(b))
        let scanner = LeakScanner(index: builder.finish(), terms: Register.terms)
        let letter = "Dear Walsh family,\n\nThe Walsh household\n\(a.address)\n\(a.postcode)\n"
        #expect(try scanner.scan(Data(letter.utf8), name: "l.txt").tenants == 1)
        let both = letter + "\nCopies: \(a.email), \(b.email)\n"
        #expect(try scanner.scan(Data(both.utf8), name: "l.txt").tenants == 2)
    }
}
