import Foundation
import Testing
import TestSupport

/// Exports a person opens in a spreadsheet: a CSV Excel decodes as UTF-8 (a byte-order mark), an XLSX
/// that shows values as held (no apostrophes), and our own readers taking both back.
@Suite(.ownThreads) struct ExportsForPeopleTests {
    static let register = "Tenancy Ref,Name,Preferred name,Email\n"
        + "EU-1,Michał Wiśniewski,Michał,michal@example.org\n"
        + "EU-2,Ștefan Popescu,Ștefan,stefan@example.org\n"
        + "EU-3,Ann Reed,-2+3,ann@example.org\n"
        + "EU-4,Bob Hale,+44 7700 900123,bob@example.org\n"
        + "EU-5,Cy Dunn,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",cy@example.org\n"

    func registerForUpdates() throws -> CLI {
        try CLI.withUpdatesRegister(Self.register, grants: ["EU-1", "EU-2", "EU-3", "EU-4", "EU-5"].map {
            ($0, ["email", "full-name", "preferred-name"])
        })
    }

    /// Reads a CSV as Excel does on a double-click: UTF-8 only when the file starts with the byte-order
    /// mark, else the Windows code page (cp1252, which has no "ł": read as bytes, it turns into mojibake).
    func readLikeExcel(_ path: String) throws -> [[String]] {
        let script = """
            import csv, io, json, sys
            data = open(sys.argv[1], "rb").read()
            text = data.decode("utf-8-sig") if data.startswith(b"\\xef\\xbb\\xbf") else data.decode("cp1252", errors="replace")
            print(json.dumps(list(csv.reader(io.StringIO(text, newline="")))))
            """
        let read = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, path])
        guard read.status == 0 else { throw TestFailure("python3 could not read \(path): \(read.stderr)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[String]])
    }

    @Test func csvStartsWithAByteOrderMarkSoExcelShowsPolishAndRomanianNamesAndNoBomLeavesItOut() throws {
        let cli = try registerForUpdates()
        defer { cli.remove() }
        let csv = cli.dir.appendingPathComponent("updates.csv").path
        let made = try cli.run(["export", "--purpose", "service-updates-email", "--out", csv, "--db", cli.db])
        #expect(made.status == 0, "\(made.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: csv))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "the CSV starts with UTF-8's byte-order mark")
        let table = try readLikeExcel(csv)
        #expect(table.first?.first == "tenancy_reference", "the mark is not part of the first heading")
        let names = table.compactMap { $0.count > 1 ? $0[1] : nil }
        #expect(names.contains("Michał Wiśniewski") && names.contains("Ștefan Popescu"), "\(names)")
        // The manifest's digest is of the file as written, mark included.
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: csv + ".manifest.json"))) as? [String: Any])
        let sum = try Subprocess.run("/usr/bin/env", ["sha256sum", csv]).stdout.split(separator: " ").first.map(String.init)
        #expect(manifest["sha256"] as? String == sum)

        // For tools: --no-bom writes plain UTF-8 from the first heading on.
        let plain = cli.dir.appendingPathComponent("plain.csv").path
        let tool = try cli.run(["export", "--purpose", "service-updates-email", "--no-bom", "--out", plain, "--db", cli.db])
        #expect(tool.status == 0, "\(tool.stderr)")
        let plainText = try String(decoding: Data(contentsOf: URL(fileURLWithPath: plain)), as: UTF8.self)
        #expect(plainText.hasPrefix("tenancy_reference,"), "\(plainText.prefix(20))")
        #expect(plainText.contains("Michał Wiśniewski"))
        let returned = cli.dir.appendingPathComponent("core.csv").path
        #expect(try cli.run(["return", "--no-bom", "--out", returned, "--db", cli.db]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: returned)).first == UInt8(ascii: "t"), "the return takes --no-bom too: tenant_pseudonym first")
    }

    @Test func ourOwnReadersTakeTheMarkedCSVBackImportAndScanner() throws {
        let cli = try registerForUpdates()
        defer { cli.remove() }
        let csv = cli.dir.appendingPathComponent("updates.csv").path
        #expect(try cli.run(["export", "--purpose", "service-updates-email", "--columns", "full-name,email", "--out", csv, "--db", cli.db]).status == 0)
        // The export imports into a new register: the first column is still the tenancy reference.
        let other = cli.dir.appendingPathComponent("other.sqlite").path
        try cli.run(["init", "--db", other])
        let imported = try cli.run(["import", csv, "--db", other])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let show = try cli.run(["tenant", "show", "EU-1", "--db", other, "--json"])
        #expect(show.status == 0 && show.stdout.contains("Michał Wiśniewski"), "\(show.stdout)\(show.stderr)")
        // The scanner reads it and blocks it: five tenants' names and addresses.
        let scan = try cli.run(["scan", "--db", cli.db, csv, "--json"])
        #expect(scan.status == 1, "\(scan.stdout)\(scan.stderr)")
        let report = try #require(((try scan.json() as? [String: Any])?["reports"] as? [[String: Any]])?.first)
        #expect(report["tenants"] as? Int == 5)
    }

    @Test func xlsxShowsValuesAsHeldWithNoApostropheAndKeepsFormulaLikeTextQuotePrefixed() throws {
        let cli = try registerForUpdates()
        defer { cli.remove() }
        let xlsx = cli.dir.appendingPathComponent("updates.xlsx").path
        let made = try cli.run(["export", "--purpose", "service-updates-email", "--format", "xlsx", "--out", xlsx, "--db", cli.db])
        #expect(made.status == 0, "\(made.stderr)")
        let script = """
            import json, sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]
            print(json.dumps([[c.value, c.data_type, bool(c.quotePrefix)] for row in ws.iter_rows() for c in row if c.value is not None]))
            """
        let read = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, xlsx], environment: ["PYTHONPATH": try ExportFormatsTests.openpyxlPath()])
        #expect(read.status == 0, "\(read.stderr)")
        let cells = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[Any]])
        let values = cells.compactMap { $0.first as? String }
        #expect(!values.contains { $0.hasPrefix("'") }, "no stray apostrophes: \(values)")
        for held in ["-2+3", "+44 7700 900123", "=HYPERLINK(\"http://x\",\"y\")", "Michał", "Ștefan Popescu"] {
            #expect(values.contains(held), "\(held) shows as held")
        }
        #expect(cells.allSatisfy { $0[1] as? String == "s" }, "every cell is text, none a formula")
        // What a spreadsheet would run if retyped stays text when edited: Excel's quote prefix, not a character.
        let prefixed = Set(cells.filter { $0[2] as? Bool == true }.compactMap { $0.first as? String })
        #expect(prefixed == ["-2+3", "+44 7700 900123", "=HYPERLINK(\"http://x\",\"y\")"], "\(prefixed)")
    }
}
