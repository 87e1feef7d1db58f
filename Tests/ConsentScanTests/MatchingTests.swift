import ConsentScan
import Foundation
import Testing

/// Names found with other values than a postcode: an address line, a date of birth.
@Suite("Scanner matching: addresses without postcodes, dates of birth")
struct MatchingTests {
    /// A date of birth (`YYYY-MM-DD`) written the ways offices write it.
    static func written(_ date: String, style: Int) -> String {
        let parts = date.split(separator: "-").map { Int($0) ?? 0 }
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        switch style {
        case 0: return String(format: "%02d/%02d/%04d", parts[2], parts[1], parts[0])
        case 1: return "\(parts[2]) \(months[parts[1] - 1]) \(parts[0])"
        case 2: return date
        case 3: return String(format: "%d.%d.%02d", parts[2], parts[1], parts[0] % 100)
        default: return "\(parts[2])-\(months[parts[1] - 1].prefix(3))-\(parts[0])"
        }
    }

    @Test("Name and address line without a postcode: 50 rows blocked, one letter passes")
    func addressWithoutPostcode() throws {
        let rows = [["Name", "Address"]] + Register.tenants.prefix(50).map { [$0.name, $0.address] }
        let report = try Register.scan(Register.csv(rows), name: "addresses.csv")
        #expect(report.verdict == .blocked && report.tenants == 50 && report.personal == [.nameAddress], "\(report)")
        let t = Register.tenants[9]
        let letter = "Mrs \(t.name)\n\(t.address.split(separator: ",")[0])\nLeeds\n\nDear Mrs \(t.surname),\nYour boiler will be serviced on Monday.\n"
        let one = try Register.scan(letter, name: "letter.txt")
        #expect(one.verdict == .oneTenant && one.personal == [.nameAddress])
        // A house number and street alone, or a name alone, identify no one.
        #expect(try Register.scan("Repairs at \(t.address) on Monday.\n", name: "n.txt").verdict == .clean)
    }

    @Test("Name and date of birth, however the date is written: 50 rows blocked, one tenant passes")
    func dateOfBirth() throws {
        for style in 0..<5 {
            let lines = Register.tenants.prefix(50).map { "\($0.name), born \(Self.written($0.birthDate, style: style))" }
            let report = try Register.scan(lines.joined(separator: "\n\n"), name: "dob.txt")
            #expect(report.verdict == .blocked && report.tenants == 50, "style \(style): \(report.tenants)")
            #expect(report.personal == [.nameBirthDate])
            let one = try Register.scan(lines[0], name: "one.txt")
            #expect(one.verdict == .oneTenant, "style \(style)")
        }
        // Excel keeps dates as day numbers: under a date-of-birth header they are dates.
        let serial = { (date: String) -> String in
            let p = date.split(separator: "-").map { Int($0) ?? 0 }
            var c = DateComponents(); c.year = p[0]; c.month = p[1]; c.day = p[2]
            let d = Calendar(identifier: .gregorian).date(from: c) ?? Date()
            return String(Int(d.timeIntervalSince1970 / 86_400) + 25_569)
        }
        let rows = [["Name", "DOB"]] + Register.tenants.prefix(50).map { [$0.name, serial($0.birthDate)] }
        #expect(try Register.scanner.scan(Workbook.xlsx(rows), name: "dob.xlsx").tenants == 50)
    }

    @Test("Fifty couples, each sharing a surname and postcode, are fifty households, not one tenant")
    func households() throws {
        var builder = ScanIndex.Builder(key: Register.key, catalogue: Register.catalogue)
        var couples: [Register.Tenant] = []
        for n in stride(from: 1, through: 100, by: 2) {
            var a = Register.tenant(n), b = Register.tenant(n + 1)
            a.surname = "Family\(Character(UnicodeScalar(UInt8(65 + n / 26 % 26))))\(Character(UnicodeScalar(UInt8(97 + n % 26))))son"
            b.surname = a.surname
            b.postcode = a.postcode
            builder.add(Register.state(a))
            builder.add(Register.state(b))
            couples.append(a)
        }
        let scanner = LeakScanner(index: builder.finish(), terms: Register.terms)
        let list = [["Household", "Postcode"]] + couples.map { ["The \($0.surname) household", $0.postcode] }
        let report = try scanner.scan(Data(Register.csv(list).utf8), name: "households.csv")
        #expect(report.verdict == .blocked && report.tenants == 50, "\(report.tenants)")
        #expect(try scanner.scan(Data(Register.csv(Array(list.prefix(2))).utf8), name: "one.csv").tenants == 1)
    }
}
