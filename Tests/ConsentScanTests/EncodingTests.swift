import ConsentScan
import Foundation
import Testing

/// The same leaked rows in every encoding an office writes: the matcher must see the same text.
@Suite("Scanner encodings")
struct EncodingTests {
    static let wide: [(label: String, bits: Int, bigEndian: Bool, mark: Bool)] = [
        ("UTF-16 LE with BOM (Excel's Unicode text)", 16, false, true), ("UTF-16 BE with BOM", 16, true, true),
        ("UTF-16 LE without BOM", 16, false, false), ("UTF-16 BE without BOM", 16, true, false),
        ("UTF-32 LE with BOM", 32, false, true), ("UTF-32 BE without BOM", 32, true, false),
    ]

    @Test("UTF-16 and UTF-32, with or without a BOM: 50 leaked rows are blocked, one tenant's row passes", arguments: wide)
    func wideText(_ encoding: (label: String, bits: Int, bigEndian: Bool, mark: Bool)) throws {
        let leak = Files.wide(Register.csv(Register.leakRows(50)), bits: encoding.bits, bigEndian: encoding.bigEndian, mark: encoding.mark)
        for name in ["tenants.csv", "tenants.txt", "-"] {
            let report = try Register.scan(leak, name: name)
            #expect(report.verdict == .blocked && report.tenants == 50, "\(encoding.label) as \(name): \(report.tenants)")
        }
        let one = Files.wide(Register.csv(Register.leakRows(1)), bits: encoding.bits, bigEndian: encoding.bigEndian, mark: encoding.mark)
        let single = try Register.scan(one, name: "one.csv")
        #expect(single.verdict == .oneTenant && single.tenants == 1, "\(encoding.label)")
    }

    @Test("Windows-1252 and Latin-1: accented surnames are matched (name and postcode only)")
    func windows1252() throws {
        let list = Register.accented.filter { ["Müller", "Núñez", "Gómez", "Çelik"].contains($0.surname) }
        try #require(list.count >= 50)
        let rows = [["Name", "Postcode"]] + list.prefix(50).map { [$0.name, $0.postcode] }
        let leak = try Files.legacy(Register.csv(rows), charset: "WINDOWS-1252")
        #expect(leak.contains(0xFC) || leak.contains(0xFA), "the file really is in Windows-1252")
        let report = try Register.scan(leak, name: "list.csv")
        #expect(report.verdict == .blocked && report.tenants == 50 && report.personal == [.namePostcode])
        let one = try Files.legacy(Register.csv(Array(rows.prefix(2))), charset: "ISO-8859-1")
        #expect(try Register.scan(one, name: "one.csv").verdict == .oneTenant)
    }

    /// A mail whose single attachment or body is `data`, sent with `charset` and a transfer encoding.
    func mail(_ data: Data, type: String, charset: String, encoding: String, attachment: String? = nil) -> Data {
        let body: String
        switch encoding {
        case "base64": body = Mail.base64Lines(data)
        case "quoted-printable": body = data.map { b in b >= 0x21 && b <= 0x7E && b != 0x3D || b == 0x20 ? String(UnicodeScalar(b)) : (b == 0x0A ? "\r\n" : b == 0x0D ? "" : String(format: "=%02X", b)) }.joined()
        default: body = String(decoding: data, as: UTF8.self)
        }
        let disposition = attachment.map { "Content-Disposition: attachment; filename=\"\($0)\"\r\n" } ?? ""
        var message = Data("""
            From: Rents <rents@landlord.example>\r
            To: office@landlord.example\r
            Subject: List\r
            MIME-Version: 1.0\r
            Content-Type: \(type); charset=\(charset)\r
            Content-Transfer-Encoding: \(encoding)\r
            \(disposition)\r

            """.utf8)
        // An 8-bit body goes in as its bytes.
        message.append(encoding == "8bit" ? data : Data(body.utf8))
        message.append(Data("\r\n".utf8))
        return message
    }

    @Test("MIME charsets and transfer encodings are undone before matching")
    func mimeCharsets() throws {
        let text = Register.csv(Register.leakRows(50))
        let utf16 = Files.wide(text, bits: 16, bigEndian: false, mark: true)
        for (type, attachment) in [("text/csv", "list.csv"), ("text/plain", nil), ("application/octet-stream", "list.txt")] as [(String, String?)] {
            let report = try Register.scan(mail(utf16, type: type, charset: "utf-16", encoding: "base64", attachment: attachment), name: "m.eml")
            #expect(report.verdict == .blocked && report.tenants == 50, "\(type) utf-16: \(report.tenants)")
        }
        // Polish names in Windows-1250, which only the declared charset can decode (as Windows-1252 they differ).
        let polish = Register.accented.filter { $0.surname != "Núñez" }
        try #require(polish.count >= 50)
        let rows = Register.csv([["Name", "Postcode"]] + polish.prefix(50).map { [$0.name, $0.postcode] })
        let cp1250 = try Files.legacy(rows, charset: "WINDOWS-1250")
        for encoding in ["base64", "quoted-printable", "8bit"] {
            let report = try Register.scan(mail(cp1250, type: "text/plain", charset: "\"windows-1250\"", encoding: encoding), name: "m.eml")
            #expect(report.tenants == 50, "windows-1250 \(encoding): \(report.tenants)")
        }
        let iso2 = try Files.legacy(rows, charset: "ISO-8859-2")
        #expect(try Register.scan(mail(iso2, type: "text/csv", charset: "iso-8859-2", encoding: "base64", attachment: "l.csv"), name: "m.eml").tenants == 50)
        let pole = try #require(polish.first { $0.surname == "Wiśniewski" })
        let one = try Files.legacy(Register.csv([["Name", "Postcode"], [pole.name, pole.postcode]]), charset: "WINDOWS-1250")
        #expect(try Register.scan(mail(one, type: "text/plain", charset: "windows-1250", encoding: "quoted-printable"), name: "m.eml").verdict == .oneTenant)
    }

    @Test("A charset or transfer encoding the scanner does not know blocks the part, named")
    func unknownEncodings() throws {
        let data = Data(Register.csv(Register.leakRows(1)).utf8)
        let charset = try Register.scan(mail(data, type: "text/plain", charset: "x-made-up", encoding: "8bit"), name: "m.eml")
        #expect(charset.verdict == .blocked && charset.unscanned.count == 1 && charset.unscanned[0].contains("x-made-up"))
        let transfer = try Register.scan(mail(data, type: "text/csv", charset: "utf-8", encoding: "x-binhex", attachment: "a.csv"), name: "m.eml")
        #expect(transfer.verdict == .blocked && transfer.unscanned == ["a.csv (sent in the transfer encoding \"x-binhex\", which the scanner does not know)"])
        // Deliberately allowed, it goes through with the part listed.
        let open = LeakScanner(index: Register.index, terms: Register.terms, allowUnscanned: true)
        let allowed = try open.scan(mail(data, type: "text/csv", charset: "utf-8", encoding: "x-binhex", attachment: "a.csv"), name: "m.eml")
        #expect(allowed.verdict == .clean && allowed.unscanned.count == 1)
    }

    @Test("Encoded attachment names (RFC 2231) and 8-bit headers are decoded")
    func headerEncodings() throws {
        let t = Register.accented[0]
        var message = String(decoding: mail(Data("hello".utf8), type: "text/plain", charset: "utf-8", encoding: "7bit"), as: UTF8.self)
        message = message.replacingOccurrences(of: "To: office@landlord.example", with: "To: \(t.name) <office@landlord.example>\r\nCc: \(Register.accented[1].name)")
            .replacingOccurrences(of: "Subject: List", with: "Subject: Postcodes \(t.postcode) \(Register.accented[1].postcode)")
        let latin1 = try Files.legacy(message, charset: "ISO-8859-1")
        #expect(try Register.scan(latin1, name: "m.eml").tenants == 2)
        let attached = """
            From: a@landlord.example\r
            To: b@landlord.example\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary=zz\r
            \r
            --zz\r
            Content-Type: application/octet-stream\r
            Content-Disposition: attachment; filename*0*=utf-8''%C5%81ista; filename*1*=%20lokator%C3%B3w.png\r
            Content-Transfer-Encoding: base64\r
            \r
            iVBORw0KGgoAAAANSUhEUg==\r
            --zz--\r

            """
        let report = try Register.scan(attached, name: "m.eml")
        #expect(report.unscanned.first?.hasPrefix("Łista lokatorów.png (a picture") == true, "\(report.unscanned)")
    }
}
