import ConsentScan
import Foundation
import Testing

@Suite("Scanner bad input")
struct BadInputTests {
    func error(_ data: Data, _ name: String, scanner: LeakScanner = Register.scanner) -> ScanError? {
        do {
            _ = try scanner.scan(data, name: name)
            return nil
        } catch {
            return error
        }
    }

    @Test("A zip bomb is refused before it is unpacked far: by ratio, and by declared size")
    func zipBomb() throws {
        let bomb = try Workbook.xlsx([["Name"], ["A"]], extra: [("xl/worksheets/sheet2.xml", Data(repeating: 0x20, count: 24 << 20))])
        #expect(bomb.count < 200_000)
        guard case .tooLarge(let why) = error(bomb, "bomb.xlsx") else { Issue.record("bomb not refused"); return }
        #expect(why.contains("zip bomb"))
        let small = LeakScanner(index: Register.index, terms: Register.terms, limits: ScanLimits(maxExpandedBytes: 1 << 20))
        let big = try Workbook.xlsx([["Name"]], extra: [("xl/worksheets/sheet2.xml", Data(repeating: 0x41, count: 2 << 20))])
        guard case .tooLarge = error(big, "big.xlsx", scanner: small) else { Issue.record("over-size not refused"); return }
        // The same bomb attached to a mail is refused too.
        let mail = Mail.message(to: "x@landlord.example", body: "see", attachments: [("bomb.xlsx", "application/octet-stream", bomb)])
        guard case .tooLarge = error(Data(mail.utf8), "m.eml") else { Issue.record("bomb in mail not refused"); return }
    }

    @Test("Damaged XLSX files are refused with a clear reason")
    func corruptXLSX() throws {
        let good = try Workbook.xlsx([["Email"], [Register.tenants[1].email]])
        for (damaged, label) in [(good.prefix(good.count / 2), "truncated"), (Data("PK\u{3}\u{4}not really".utf8), "garbage")] {
            guard case .corrupt(let format, _) = error(Data(damaged), "t.xlsx") else { Issue.record("\(label) accepted"); continue }
            #expect(format == "XLSX")
        }
        var flipped = good
        let sheetStart = try #require(good.range(of: Data("xl/worksheets/sheet1.xml".utf8))).upperBound
        for i in sheetStart..<(sheetStart + 20) { flipped[i] ^= 0x5A }
        guard case .corrupt = error(flipped, "t.xlsx") else { Issue.record("flipped bytes accepted"); return }
        let noWorkbook = try Workbook.zip([("hello.txt", Data("hi".utf8))])
        guard case .corrupt(_, let why) = error(noWorkbook, "t.xlsx") else { Issue.record("zip without workbook accepted"); return }
        #expect(why.contains("workbook"))
        let badXML = try Workbook.xlsx([["A"]], extra: [("xl/worksheets/sheet2.xml", Data("<worksheet><row>".utf8))])
        guard case .corrupt = error(badXML, "t.xlsx") else { Issue.record("broken XML accepted"); return }
    }

    @Test("Damaged mail is refused: broken base64, a cut-short multipart, no headers")
    func corruptMail() throws {
        let good = Mail.message(to: "x@landlord.example", body: "Hi", attachments: [("a.csv", "text/csv", Data("a,b\n1,2\n".utf8))])
        let badBase64 = good.replacingOccurrences(of: "YSxiCjEsMgo=", with: "YSxi!!Ej*sMgo=")
        #expect(badBase64 != good)
        guard case .corrupt(let format, let why) = error(Data(badBase64.utf8), "m.eml") else { Issue.record("bad base64 accepted"); return }
        #expect(format == "mail" && why.contains("base64"))
        let cut = String(good.prefix(good.count - 12))
        guard case .corrupt(_, let cutWhy) = error(Data(cut.utf8), "m.eml") else { Issue.record("cut-short mail accepted"); return }
        #expect(cutWhy.contains("cut short"))
        guard case .corrupt = error(Data("just some words\nand more".utf8), "m.eml") else { Issue.record("headerless .eml accepted"); return }
        let noBoundary = "From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n"
        guard case .corrupt = error(Data(noBoundary.utf8), "m.eml") else { Issue.record("multipart without boundary accepted"); return }
    }

    @Test("Broken JSON and unknown binary files are refused, not passed as clean")
    func otherBadInput() {
        guard case .corrupt = error(Data("{\"email\": ".utf8), "a.json") else { Issue.record("broken JSON accepted"); return }
        guard case .unsupported = error(Data([0x00, 0x01, 0x02, 0xFF]), "-") else { Issue.record("binary accepted"); return }
        guard case .unsupported = error(Data("%PDF-1.4 ...".utf8), "x.bin") else { Issue.record("damaged PDF accepted"); return }
    }

    @Test("Names from a mail's sender are made safe to print")
    func hostileNames() throws {
        let mail = Mail.message(to: "x@landlord.example", body: "see", attachments: [("evil\u{1B}]0;owned\u{7}\u{202E}fdp.exe", "application/x-\u{1B}[2J", Data([0, 1, 2]))])
        let report = try Register.scan(mail, name: "m.eml")
        #expect(report.unscanned.count == 1)
        for item in report.unscanned {
            #expect(!item.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E }, "\(item.debugDescription)")
        }
        let broken = "From: a@b.example\r\nbad\u{1B}[31m header\r\n\r\nbody"
        guard case .corrupt(_, let why) = error(Data(broken.utf8), "m.eml") else { Issue.record("bad header accepted"); return }
        #expect(!why.unicodeScalars.contains { $0.value == 0x1B })
    }

    /// Found by FuzzScanXLSX: a cell reference of many letters overflowed the column number, and the
    /// scanner trapped instead of reading on.
    @Test("A cell reference of many letters does not stop the scan")
    func longCellReference() throws {
        let odd = Data(("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\">"
            + "<c r=\"BEETMPREADSHEETML1\" t=\"inlineStr\"><is><t>x</t></is></c><c r=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1\"><v>1</v></c>"
            + "</row></sheetData></worksheet>").utf8)
        let book = try Workbook.xlsx(Register.leakRows(), extra: [("xl/worksheets/sheet2.xml", odd)])
        let report = try Register.scanner.scan(book, name: "tenants.xlsx")
        #expect(report.verdict == .blocked && report.tenants == 50, "\(report.verdict), \(report.tenants) tenants")
    }

    @Test("Hostile text does not crash the scanner and finds nothing")
    func hostileText() throws {
        let cases = ["", "\"", "\"\"\"", ",,,,\n\n\n", "@@@@", "+44", String(repeating: "0", count: 10_000), "\u{202E}evil", "\u{1}\u{1B}[2J",
                     "Religion:", ":", "=?utf-8?b?AAAA?=", String(repeating: "(0) ", count: 1000), "ZZ99 9ZZ ZZ99", "a@b.c@d.e", "\u{FEFF}", "\u{FFFE}x",
                     "<", "<?xml", "&#0;", "&#xFFFFFFFF;", "<a>&undefined;</a>", "\u{0}"]
        for text in cases {
            for name in ["x.csv", "x.txt", "x.html"] {
                // Clean, or refused as unreadable (a NUL byte is binary): never blocked as a leak, never a crash.
                if let report = try? Register.scan(text, name: name) {
                    #expect(report.verdict == .clean, "\(text.debugDescription) as \(name)")
                } else {
                    #expect(text.contains("\u{0}"), "\(text.debugDescription) as \(name) was refused")
                }
            }
            // As content of unknown kind (standard input), and inside a ZIP and a mail.
            _ = try? Register.scan(text, name: "-")
            _ = try? Register.scanner.scan(Workbook.zip([("x.xml", Data(text.utf8))]), name: "x.zip")
        }
        // The shared list of naughty strings, when this clone sits beside it (the cases above are the core).
        let naughty = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/naughty-strings/blns.json")
        if let data = try? Data(contentsOf: naughty) {
            for name in ["blns.json", "blns.txt", "blns.csv"] {
                #expect(try Register.scanner.scan(data, name: name).verdict != .blocked, "no tenant is in the list")
            }
        }
    }
}
