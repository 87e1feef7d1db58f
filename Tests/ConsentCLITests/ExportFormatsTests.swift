import Foundation
import Testing
import TestSupport

/// `consent export` in each format, with chosen columns, and `consent export recalls`.
@Suite(.ownThreads) struct ExportFormatsTests {
    /// Tenants whose free text would break a careless spreadsheet or XML writer.
    static let awkward = "Tenancy Ref,Name,Preferred name,Email\n"
        + "AB-1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"<b>Bold & \"\"quoted\"\"</b>\",a@example.org\n"
        + "AB-2,@SUM(A1),-2+3,b@example.org\n"
        + "AB-3,Zoë Ñandú,مریم,c@example.org\n"
        + "AB-4,Ann O'Neil,\"Line one, comma\",d@example.org\n"

    func awkwardRegister() throws -> CLI {
        let cli = try CLI()
        try cli.run(["init", "--db", cli.db])
        #expect(try cli.run(["import", try cli.write("r.csv", Data(Self.awkward.utf8)), "--db", cli.db]).status == 0)
        try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", cli.db],
                    stdin: Data("correct horse battery\n".utf8))
        for ref in ["AB-1", "AB-2", "AB-3", "AB-4"] {
            let grant = try cli.run(["record", "--password-stdin", ref, "grant", "--attribute", "email", "--attribute", "full-name", "--attribute", "preferred-name",
                                     "--purpose", "service-updates-email", "--staff", "S100", "--notice-version", "1", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
            #expect(grant.status == 0, "\(grant.stderr)")
        }
        return cli
    }

    /// openpyxl, installed from PyPI into a cache folder the first time (the independent reader).
    static func openpyxlPath() throws -> String {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("tenantconsent-openpyxl").path
        if FileManager.default.fileExists(atPath: target + "/openpyxl") { return target }
        let pip = try Subprocess.run("/usr/bin/env", ["python3", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                                      "--target", target, "openpyxl"])
        guard pip.status == 0 else { throw TestFailure("could not install openpyxl from PyPI: \(pip.stderr)") }
        return target
    }

    @Test func xlsxReadsBackInOpenpyxlAsOneVisibleSheetOfTextWithNoFormulasOrProperties() throws {
        let cli = try awkwardRegister()
        defer { cli.remove() }
        let xlsx = cli.dir.appendingPathComponent("e.xlsx").path, csv = cli.dir.appendingPathComponent("e.csv").path
        let made = try cli.run(["export", "--purpose", "service-updates-email", "--format", "xlsx", "--out", xlsx, "--db", cli.db])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try cli.run(["export", "--purpose", "service-updates-email", "--out", csv, "--db", cli.db]).status == 0)
        // The manifest's digest is the file's, for the streamed CSV and the packed XLSX alike.
        for file in [csv, xlsx] {
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file + ".manifest.json"))) as? [String: Any]
            let sum = try Subprocess.run("/usr/bin/env", ["sha256sum", file]).stdout.split(separator: " ").first.map(String.init)
            #expect(manifest?["sha256"] as? String == sum, "\(file)")
        }
        let script = """
            import json, sys, zipfile, openpyxl
            parts = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
            wb = openpyxl.load_workbook(sys.argv[1])
            ws = wb.worksheets[0]
            props = wb.properties
            out = {
              "sheets": [(s.title, s.sheet_state) for s in wb.worksheets],
              "types": sorted({c.data_type for row in ws.iter_rows() for c in row if c.value is not None}),
              "rows": [[("" if c.value is None else c.value) for c in row] for row in ws.iter_rows()],
              "hiddenRows": [k for k, d in ws.row_dimensions.items() if d.hidden],
              "hiddenColumns": [k for k, d in ws.column_dimensions.items() if d.hidden],
              "comments": [c.coordinate for row in ws.iter_rows() for c in row if c.comment],
              "parts": parts,
              "definedNames": len(wb.defined_names),
            }
            print(json.dumps(out))
            """
        let read = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, xlsx], environment: ["PYTHONPATH": try Self.openpyxlPath()])
        #expect(read.status == 0, "\(read.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        #expect((json["sheets"] as? [[String]]) == [["Export", "visible"]])
        #expect((json["types"] as? [String]) == ["s"], "every cell is a string: no numbers, no formulas")
        #expect((json["hiddenRows"] as? [Any])?.isEmpty == true && (json["hiddenColumns"] as? [Any])?.isEmpty == true)
        #expect((json["comments"] as? [Any])?.isEmpty == true)
        #expect((json["parts"] as? [String]) == ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                                 "xl/workbook.xml", "xl/worksheets/sheet1.xml"],
                "no document properties, comments, shared strings, macros or other sheets")
        let sheet = try #require(json["rows"] as? [[String]])
        // The same cells as the CSV, less the apostrophe CSV needs in front of formula-like text (an XLSX cell is text).
        let table = ExportTests().rows(try String(contentsOfFile: csv, encoding: .utf8))
        #expect(sheet == table.map { $0.map { $0.hasPrefix("'") ? String($0.dropFirst()) : $0 } }, "the XLSX holds the cells of the CSV export")
        #expect(table.contains { $0.contains("'=HYPERLINK(\"http://x\",\"y\")") } && table.contains { $0.contains("'-2+3") })
        #expect(sheet.contains { $0.contains("=HYPERLINK(\"http://x\",\"y\")") })
        #expect(sheet.contains { $0.contains("-2+3") } && sheet.contains { $0.contains("<b>Bold & \"quoted\"</b>") })
        #expect(sheet.contains { $0.contains("مریم") } && sheet.contains { $0.contains("Zoë Ñandú") })
        let mode = try FileManager.default.attributesOfItem(atPath: xlsx)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    @Test func jsonlCarriesTheSameCellsAsValidJSON() throws {
        let cli = try awkwardRegister()
        defer { cli.remove() }
        let jsonl = cli.dir.appendingPathComponent("e.jsonl").path
        #expect(try cli.run(["export", "--purpose", "service-updates-email", "--format", "jsonl", "--out", jsonl, "--db", cli.db]).status == 0)
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]) }
        #expect(objects.first { $0["tenancy_reference"] == "AB-1" }?["preferred-name"] == "<b>Bold & \"quoted\"</b>")
        #expect(objects.first { $0["tenancy_reference"] == "AB-3" }?["preferred-name"] == "مریم")
    }

    @Test func chosenColumnsOnlyAmongThePurposesAndBadOutputPathsLeaveNothing() throws {
        let cli = try awkwardRegister()
        defer { cli.remove() }
        let out = cli.dir.appendingPathComponent("c.csv").path
        let chosen = try cli.run(["export", "--purpose", "service-updates-email", "--columns", "email,full-name", "--out", out, "--db", cli.db])
        #expect(chosen.status == 0, "\(chosen.stderr)")
        let table = ExportTests().rows(try String(contentsOfFile: out, encoding: .utf8))
        #expect(table.first == ["tenancy_reference", "email", "full-name"])
        let religion = try cli.run(["export", "--purpose", "service-updates-email", "--columns", "email,religion",
                                    "--out", cli.dir.appendingPathComponent("bad.csv").path, "--db", cli.db])
        #expect(religion.status != 0 && religion.stderr.contains("'religion' is not a column of purpose 'service-updates-email'"))
        let nowhere = try cli.run(["export", "--purpose", "service-updates-email", "--out", "/nonexistent-folder/x.csv", "--db", cli.db])
        #expect(nowhere.status != 0 && nowhere.stderr.contains("cannot create"))
        let names = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path)
        #expect(!names.contains { $0.hasPrefix(".consent-export") || $0.hasPrefix("bad.csv") }, "\(names)")
    }

    @Test func recallsListWhoWithdrewOrWasErasedAfterTheExport() throws {
        let cli = try awkwardRegister()
        defer { cli.remove() }
        let out = cli.dir.appendingPathComponent("e.csv").path
        #expect(try cli.run(["export", "--purpose", "service-updates-email", "--out", out, "--db", cli.db]).status == 0)
        let none = try cli.run(["export", "recalls", out + ".manifest.json", "--db", cli.db, "--json"])
        #expect(none.status == 0)
        #expect(try (none.json() as? [Any])?.isEmpty == true)
        let withdraw = try cli.run(["record", "--password-stdin", "AB-2", "withdraw", "--attribute", "email", "--purpose", "service-updates-email",
                                    "--staff", "S100", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
        #expect(withdraw.status == 0, "\(withdraw.stderr)")
        // A withdrawal for another purpose is not a recall of this export.
        #expect(try cli.run(["record", "--password-stdin", "AB-3", "object", "--attribute", "sex", "--purpose", "equality-monitoring",
                             "--staff", "S100", "--db", cli.db], stdin: Data("correct horse battery\n".utf8)).status == 0)
        let recalls = try cli.run(["export", "recalls", out + ".manifest.json", "--db", cli.db, "--json"])
        #expect(recalls.status == 0, "\(recalls.stderr)")
        let list = try #require(try recalls.json() as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["tenant"] as? String == "AB-2" && list.first?["change"] as? String == "withdrawn")
        #expect(list.first?["attributes"] as? [String] == ["email"])
        let text = try cli.run(["export", "recalls", out + ".manifest.json", "--db", cli.db])
        #expect(text.stdout.contains("1 tenants of export"))
        let missing = try cli.run(["export", "recalls", cli.dir.appendingPathComponent("nope.json").path, "--db", cli.db])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"))
    }
}

extension ExportFormatsTests {
    @Test func withoutTheKeyOutputsNeedingSpecialCategoriesAreRefusedNotQuietlyEmptied() throws {
        let cli = try CLI()
        defer { cli.remove() }
        #expect(try cli.run(["demo", "--tenants", "30", "--db", cli.db]).status == 0)
        let key = cli.dir.appendingPathComponent("consent.key").path
        try FileManager.default.moveItem(atPath: key, toPath: key + ".away")
        let out = cli.dir.appendingPathComponent("q.csv").path
        let equality = try cli.run(["export", "--purpose", "equality-monitoring", "--out", out, "--db", cli.db])
        #expect(equality.status != 0 && equality.stderr.contains("give the key"), "\(equality.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let stats = try cli.run(["stats", "--purpose", "equality-monitoring", "--by", "religion", "--db", cli.db])
        #expect(stats.status != 0 && stats.stderr.contains("religion"))
        let ordinary = try cli.run(["export", "--purpose", "equality-monitoring", "--columns", "sex,date-of-birth", "--out", out, "--db", cli.db])
        #expect(ordinary.status == 0, "\(ordinary.stderr)")
    }
}
