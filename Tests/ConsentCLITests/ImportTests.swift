import Foundation
import Testing
import TestSupport

/// `consent import` with good files, every kind of malformed file, and hostile text.
@Suite(.ownThreads) struct ImportTests {
    static let header = "Tenancy Ref,First name,Surname,DOB,Address 1,Town,Postcode,Mobile,Email,Ethnicity,Religion\r\n"

    func importing(_ csv: Data, map: String? = nil) throws -> (CLI, CLI.Output, events: Int) {
        let cli = try CLI()
        try cli.run(["init", "--db", cli.db])
        let file = try cli.write("register.csv", csv)
        var args = ["import", file, "--db", cli.db]
        if let map { args += ["--map", try cli.write("map.txt", Data(map.utf8))] }
        let output = try cli.run(args)
        let verify = try cli.run(["ledger", "verify", "--db", cli.db, "--json"])
        let events = (try verify.json() as? [String: Any])?["events"] as? Int ?? -1
        return (cli, output, events)
    }

    @Test func importsAHousingSystemExport() throws {
        let csv = Self.header
            + "AB-1001,Ann,Smith,31/01/1980,\"1 High Street, Flat 2\",Leeds,ls1 1aa,07700 900123,Ann@Example.org,White Irish,Christian\r\n"
            + "AB-1002,Bob,\"O'Neil \"\"Junior\"\"\",1975-06-30,\"Line one\nLine two\",Bristol,BS1 4DJ,,bob@example.org,prefer not to say,\r\n"
        let (cli, out, events) = try importing(Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array(csv.utf8)))
        defer { cli.remove() }
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("Imported 2 tenants"))
        #expect(events == 2)
        let show = try cli.run(["tenant", "show", "AB-1001", "--db", cli.db, "--reveal-special", "--reason", "test of the vault", "--json"])
        let items = try #require(((try show.json() as? [String: Any])?["report"] as? [String: Any])?["items"] as? [[String: Any]])
        func value(_ id: String) -> String? { items.first { $0["attribute"] as? String == id }?["value"] as? String }
        #expect(value("full-name") == "Ann Smith")
        #expect(value("address") == "1 High Street, Flat 2, Leeds")
        #expect(value("postcode") == "LS1 1AA")
        #expect(value("mobile") == "07700900123")
        #expect(value("email") == "Ann@example.org")
        #expect(value("ethnic-origin") == "Irish")
        #expect(value("date-of-birth") == "1980-01-31")
        let bob = try cli.run(["tenant", "show", "AB-1002", "--db", cli.db, "--reveal-special", "--reason", "test of the vault", "--json"])
        #expect(bob.stdout.contains("O'Neil \\\"Junior\\\""))
        #expect(bob.stdout.contains("prefer-not-to-say"))
    }

    @Test(arguments: [
        ("unbalanced quote", "AB-1,\"Ann,Smith,1980-01-01,x,Leeds,LS1 1AA,,,,\r\n", "row 2, column 2: a quoted field is never closed"),
        ("bad postcode", "AB-1,Ann,Smith,1980-01-01,x,Leeds,LS1 1AA,,,,\r\nAB-2,Bo,Li,1980-01-01,x,Leeds,NOT A PC,,,,\r\n", "row 3, column 7: Postcode: not a UK postcode"),
        ("date that does not exist", "AB-1,Ann,Smith,30/02/1980,x,Leeds,LS1 1AA,,,,\r\n", "row 2, column 4: DOB"),
        ("too few fields", "AB-1,Ann,Smith\r\n", "row 2: has 3 fields but the header has 11"),
        ("duplicate reference", "AB-1,A,B,,,,,,,,\r\nab-1,C,D,,,,,,,,\r\n", "row 3: tenancy reference AB-1 appears twice"),
        ("unknown choice", "AB-1,Ann,Smith,,,,,,,Martian,\r\n", "row 2, column 10: 'Martian' is not one of the choices"),
        ("control characters", "AB-1,Ann\u{1B}[31m,Smith,,,,,,,,\r\n", "row 2, column 2: First name: contains control characters"),
        ("bad reference", "not a ref!,Ann,Smith,,,,,,,,\r\n", "row 2, column 1"),
        ("quote inside field", "AB-1,An\"n,Smith,,,,,,,,\r\n", "row 2, column 2: a quote inside an unquoted field"),
    ])
    func badRowsRejectTheWholeFile(_ name: String, _ rows: String, _ expected: String) throws {
        let (cli, out, events) = try importing(Data((Self.header + rows).utf8))
        defer { cli.remove() }
        #expect(out.status != 0, "\(name) was accepted")
        #expect(out.stderr.contains(expected), "\(name): \(out.stderr)")
        #expect(out.stderr.contains("nothing was imported"))
        #expect(events == 0, "\(name): something was stored")
    }

    @Test(arguments: [
        ("empty file", Data(), "the file is empty"),
        ("semicolons", Data("Tenancy Ref;Name\r\nAB-1;Ann\r\n".utf8), "semicolon-separated"),
        ("duplicate header", Data("Tenancy Ref,Email,E-mail\r\nAB-1,a@example.org,b@example.org\r\n".utf8), "duplicate header 'E-mail'"),
        ("no reference", Data("Name,Email\r\nAnn,a@example.org\r\n".utf8), "no tenancy reference column"),
        ("unknown header", Data("Tenancy Ref,Shoe size\r\nAB-1,9\r\n".utf8), "unknown header 'Shoe size'"),
        ("windows-1252", Data("Tenancy Ref,Name\r\nAB-1,Zo".utf8) + Data([0xEB]) + Data("\r\n".utf8), "looks like Windows-1252"),
        ("utf-16", Data([0xFF, 0xFE]) + "Tenancy Ref,Name".data(using: .utf16LittleEndian)!, "UTF-16"),
        ("header only", Data("Tenancy Ref,Name\r\n".utf8), "no tenants"),
    ] as [(String, Data, String)])
    func malformedFilesAreRefused(_ name: String, _ data: Data, _ expected: String) throws {
        let (cli, out, events) = try importing(data)
        defer { cli.remove() }
        #expect(out.status != 0, "\(name) was accepted")
        #expect(out.stderr.contains(expected), "\(name): \(out.stderr)")
        #expect(events == 0)
    }

    @Test func mappingFileMapsAndIgnoresColumns() throws {
        let csv = "Account,Customer,Shoe size\nX-77,Ann Smith,9\n"
        let (cli, out, _) = try importing(Data(csv.utf8), map: "# our housing system\nAccount: tenancy-reference\nCustomer: full-name\nShoe size: ignore\n")
        defer { cli.remove() }
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db]).stdout == "X-77\tAnn Smith\n")
    }

    @Test func importIntoAnExistingRegisterRefusesKnownReferences() throws {
        let (cli, first, _) = try importing(Data("Tenancy Ref,Name\nAB-1,Ann\n".utf8))
        defer { cli.remove() }
        #expect(first.status == 0)
        let again = try cli.run(["import", try cli.write("again.csv", Data("Tenancy Ref,Name\nAB-2,Bob\nAB-1,Ann\n".utf8)), "--db", cli.db])
        #expect(again.status != 0)
        #expect(again.stderr.contains("row 3: tenancy reference AB-1 is already in the register"))
        #expect(try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db]).stdout == "AB-1\tAnn\n")
    }

    /// Hostile strings (core cases of the naughty-strings list, carried here; the whole list runs
    /// in-process in ConsentRegisterTests): each is stored and shown without any control character
    /// reaching the terminal, or refused with a clear error.
    @Test func hostileNamesAreStoredSafelyOrRefused() throws {
        var strings = ["Robert'); DROP TABLE tenant;--", "<script>alert('x')</script>", "${jndi:ldap://x}", "$(reboot)", "%s%s%n",
                       "محمد‎ علي", "Zoë Ångström", "👨‍👩‍👧‍👦", "Ṱ̺̺̕o͞ ̷i̲̬͇̪͙n̝̗͕v̟̜̘̦͟o̶̙̰̠kè͚̮̺̪̹̱̤ ̖t̝͕̳̣̻̪͞h̼͓̲̦̳̘̲e͇̣̰̦̬͎ ̢̼̻̱̘h͚͎͙̜̣̲ͅi̦̲̣̰̤v̻͍e̺̭̳̪̰-m̢iͅn̖̺̞̲̯̰d̵̼̟͙̩̼̘̳",
                       "\u{202E}gnp.exe", "a\u{0}b", "bell\u{7}", "\u{1B}]0;owned\u{7}", "NaN", "-1", "=cmd|' /C calc'!A0", "‪‪test‪"]
        strings += ["", "   ", "\u{FEFF}", "0"]
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["init", "--db", cli.db])
        var stored = 0, refused = 0
        for (i, s) in strings.enumerated() {
            let quoted = "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let file = try cli.write("n\(i).csv", Data("Tenancy Ref,Name\nN-\(i + 1000),\(quoted)\n".utf8))
            let out = try cli.run(["import", file, "--db", cli.db])
            if out.status == 0 {
                stored += 1
            } else {
                refused += 1
                #expect(out.stderr.contains("row 2"), "unclear refusal of \(s.debugDescription): \(out.stderr)")
            }
        }
        let list = try cli.run(["tenant", "list", "--reason", "test", "--db", cli.db])
        #expect(list.stdout.split(separator: "\n").count == stored)
        #expect(!list.stdout.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value) })
        #expect(stored > 0 && refused > 0)
        #expect(try cli.run(["ledger", "verify", "--db", cli.db]).status == 0)
    }
}
