import ConsentScan
import Foundation
import Testing

/// Every format an office sends: 50 leaked rows are blocked, one tenant's row passes.
@Suite("Scanner formats: documents, archives, PDF")
struct ContainerTests {
    typealias Maker = @Sendable ([[String]]) throws -> Data

    static let docxTable: Maker = { rows in
        func paragraph(_ text: String) -> String { "<w:p><w:r><w:t>\(Workbook.escape(text))</w:t></w:r></w:p>" }
        let table = rows.map { "<w:tr>" + $0.map { "<w:tc>\(paragraph($0))</w:tc>" }.joined() + "</w:tr>" }.joined()
        let xml = "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:tbl>\(table)</w:tbl></w:body></w:document>"
        return try Workbook.zip([("[Content_Types].xml", Data("<Types/>".utf8)), ("word/document.xml", Data(xml.utf8))])
    }

    static let makers: [(String, String, Maker)] = [
        ("XLSX", "tenants.xlsx", { try Workbook.xlsx($0) }),
        ("DOCX", "tenants.docx", docxTable),
        ("ODS", "tenants.ods", { try Files.ods($0) }),
        ("ODT", "tenants.odt", { try Files.odt(paragraphs: ["Tenant list"], table: $0) }),
        ("PDF", "tenants.pdf", { rows in Files.pdf(rows.map { $0.joined(separator: "   ") }) }),
        ("ZIP of CSV", "tenants.zip", { try Workbook.zip([("export/tenants.csv", Data(Register.csv($0).utf8))]) }),
        ("gzip of CSV", "tenants.csv.gz", { try Files.gzip(Data(Register.csv($0).utf8)) }),
        ("ZIP in ZIP of XLSX", "outer.zip", { try Workbook.zip([("inner.zip", Workbook.zip([("t.xlsx", Workbook.xlsx($0))]))]) }),
        ("gzip in ZIP of ODS", "bundle.zip", { try Workbook.zip([("t.ods.gz", Files.gzip(Files.ods($0)))]) }),
        ("XML", "tenants.xml", { rows in
            Data(("<?xml version=\"1.0\"?>\n<tenants>\n" + rows.dropFirst().map { r in
                "  <tenant ref=\"\(r[0])\">\n    <name>\(Workbook.escape(r[1]))</name>\n    <postcode>\(r[3])</postcode>\n  </tenant>\n"
            }.joined() + "</tenants>\n").utf8)
        }),
        ("HTML", "tenants.html", { rows in
            Data(("<html><body><table>" + rows.map { "<tr>" + $0.map { "<td>\(Workbook.escape($0))</td>" }.joined() + "</tr>" }.joined() + "</table></body></html>").utf8)
        }),
    ]

    @Test("50 leaked rows are blocked, one tenant's row passes", arguments: makers.map { ($0.0, $0.1) })
    func format(_ label: String, _ name: String) throws {
        guard let maker = Self.makers.first(where: { $0.0 == label })?.2 else { Issue.record("no maker"); return }
        let leak = try Register.scanner.scan(maker(Register.leakRows(50)), name: name)
        #expect(leak.verdict == .blocked && leak.tenants == 50, "\(label): \(leak.tenants) \(leak.unscanned)")
        #expect(leak.unscanned.isEmpty, "\(label): \(leak.unscanned)")
        let one = try Register.scanner.scan(maker(Register.leakRows(1)), name: name)
        #expect(one.verdict == .oneTenant, "\(label): \(one.tenants) \(one.unscanned)")
        // A renamed file is still read by its content (a workbook sent as .txt).
        if !["XML", "HTML"].contains(label) {
            #expect(try Register.scanner.scan(maker(Register.leakRows(50)), name: "renamed.txt").tenants == 50, "\(label) renamed")
        }
    }

    /// The error scanning `data` as `name` throws, if any.
    static func error(_ data: Data, _ name: String) -> ScanError? {
        do {
            _ = try Register.scanner.scan(data, name: name)
            return nil
        } catch {
            return error
        }
    }

    @Test("HTML tables in a mail body: rows are records, a header row names the columns")
    func htmlMailBody() throws {
        let rows = [["Name", "Postcode", "Religion"]] + Register.tenants.prefix(50).map { [$0.name, $0.postcode, "Other"] }
        let html = "<html><body><p>Dear all,</p><p>the list:</p><table border=1>" + rows.map { row in
            "<tr>" + row.map { "<td><span style=\"font-family:Arial\">\(Workbook.escape($0))</span></td>" }.joined() + "</tr>\r\n"
        }.joined() + "</table><p>&nbsp;</p><p>Regards</p></body></html>"
        let message = """
            From: a@landlord.example\r
            To: b@landlord.example\r
            Subject: list\r
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary=alt\r
            \r
            --alt\r
            Content-Type: text/html; charset=windows-1252\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            \(html.replacingOccurrences(of: "=", with: "=3D"))\r
            --alt--\r

            """
        let report = try Register.scan(message, name: "m.eml")
        #expect(report.verdict == .blocked && report.tenants == 50 && report.special == ["religion"], "\(report)")
        let one = "<table><tr><td>\(Register.tenants[3].name)</td><td>\(Register.tenants[3].postcode)</td></tr></table>"
        #expect(try Register.scan(one, name: "one.html").verdict == .oneTenant)
    }

    @Test("Legacy XLS, DOC and Outlook .msg files are refused as files and block a mail or archive, named")
    func legacyOffice() throws {
        for name in ["tenants.xls", "letter.doc", "forward.msg", "renamed.csv"] {
            guard case .unsupported(let why) = Self.error(Files.legacyOffice, name) else {
                Issue.record("\(name) was not refused")
                continue
            }
            #expect(why.contains("legacy Office"), "\(why)")
        }
        let mail = Mail.message(to: Register.tenants[2].email, body: "Attached", attachments: [("tenants.xls", "application/vnd.ms-excel", Files.legacyOffice)])
        let report = try Register.scan(mail, name: "m.eml")
        #expect(report.verdict == .blocked && report.tenants == 1 && report.unscanned.count == 1 && report.unscanned[0].hasPrefix("tenants.xls (a legacy Office file"))
        #expect(report.reason.contains("could not be checked"))
        let zip = try Register.scanner.scan(Workbook.zip([("a/tenants.msg", Files.legacyOffice)]), name: "bundle.zip")
        #expect(zip.verdict == .blocked && zip.unscanned.first?.contains("bundle.zip → a/tenants.msg") == true)
        let open = LeakScanner(index: Register.index, terms: Register.terms, allowUnscanned: true)
        #expect(try open.scan(Data(mail.utf8), name: "m.eml").verdict == .oneTenant)
    }

    @Test("A PDF with no text (a scan) or a damaged one blocks; a mail's picture blocks unless allowed")
    func unreadableParts() throws {
        let noText = Data("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
        #expect(throws: ScanError.self) { try Register.scanner.scan(noText, name: "scan.pdf") }
        let mail = Mail.message(to: "x@landlord.example", body: "Hello", attachments: [("scan.pdf", "application/pdf", noText),
                                                                                        ("logo.png", "image/png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]))])
        let report = try Register.scan(mail, name: "m.eml")
        #expect(report.verdict == .blocked && report.unscanned.count == 2, "\(report.unscanned)")
        #expect(report.unscanned.contains { $0.hasPrefix("scan.pdf (a PDF") } && report.unscanned.contains { $0.hasPrefix("logo.png (a picture") })
    }

    @Test("Text inside XML entities is scanned; external entities are refused; entity bombs stop")
    func entities() throws {
        let emails = Register.tenants.prefix(50).map(\.email)
        let declarations = emails.enumerated().map { "<!ENTITY e\($0.offset) \"\($0.element)\">" }.joined()
        let sheet = "<?xml version=\"1.0\"?><!DOCTYPE worksheet [\(declarations)]><worksheet><sheetData>"
            + emails.indices.map { "<row r=\"\($0 + 1)\"><c r=\"A\($0 + 1)\" t=\"inlineStr\"><is><t>&e\($0);</t></is></c></row>" }.joined()
            + "</sheetData></worksheet>"
        let workbook = try Workbook.xlsx([["Email"]], extra: [("xl/worksheets/sheet2.xml", Data(sheet.utf8))])
        #expect(try Register.scanner.scan(workbook, name: "t.xlsx").tenants == 50)
        let external = "<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&x;</t></is></c></row></sheetData></worksheet>"
        let refused = try Workbook.xlsx([["Email"]], extra: [("xl/worksheets/sheet2.xml", Data(external.utf8))])
        #expect(throws: ScanError.self) { try Register.scanner.scan(refused, name: "t.xlsx") }
        var laughs = "<!ENTITY l0 \"lol lol lol lol lol lol lol lol lol lol\">"
        for i in 1...9 { laughs += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE t [\(laughs)]><t>&l9;</t>"
        guard case .tooLarge = Self.error(Data(bomb.utf8), "b.xml") else {
            Issue.record("entity bomb not refused")
            return
        }
    }

    @Test("gzip: several members are all read; a cut-short stream is refused")
    func gzipMembers() throws {
        let innocent = try Files.gzip(Data("Just a note\n".utf8))
        let leak = try Files.gzip(Data(Register.csv(Register.leakRows(50)).utf8))
        #expect(try Register.scanner.scan(innocent + leak, name: "notes.txt.gz").tenants == 50)
        #expect(throws: ScanError.self) { try Register.scanner.scan(leak.prefix(leak.count / 2), name: "t.csv.gz") }
    }

    @Test("The same tenant is counted once however many fields and files match")
    func countedOnce() throws {
        let t = Register.tenants[42]
        let street = t.address.split(separator: ",")[0]
        let text = """
            \(t.name)
            \(street)
            Date of birth: \(t.birthDate)
            Email \(t.email), mobile \(t.mobile), reference \(t.ref), postcode \(t.postcode)
            """
        let zip = try Workbook.zip([("a.txt", Data(text.utf8)), ("b.csv", Data(Register.csv(Register.leakRows(1).map { $0 }).utf8)),
                                    ("c.ods", Files.ods([["Name", "Postcode"], [t.name, t.postcode]]))])
        let report = try Register.scanner.scan(zip, name: "bundle.zip")
        // Row 1 of leakRows is tenant 1; tenant 42 appears in three files with six kinds of match.
        #expect(report.tenants == 2 && report.personal.count >= 4, "\(report)")
    }
}
