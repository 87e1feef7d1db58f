import ConsentScan
import Foundation
import Testing

/// Review 3, G5 and G6: the register hidden where a browser or a spreadsheet does not show it, or spelt
/// with characters that look like spaces or nothing, must be found as in plain text.
@Suite struct HiddenContentTests {
    static let rows = Array(Register.tenants[100..<120])

    /// The rows as a JSON array, as dashboards and "save as web page" tools carry them.
    static var json: String {
        "[" + rows.map { t in
            "{\"ref\":\"\(t.ref)\",\"name\":\"\(t.name)\",\"email\":\"\(t.email)\",\"mobile\":\"\(t.mobile)\",\"postcode\":\"\(t.postcode)\"}"
        }.joined(separator: ",") + "]"
    }

    static func page(_ body: String) -> String {
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Arrears</title></head><body>\n<h1>Arrears report</h1>\n\(body)\n</body></html>\n"
    }

    static func expectTwenty(_ report: ScanReport, _ what: Comment) {
        #expect(report.verdict == .blocked, what)
        #expect(report.tenants == 20, "\(what): \(report)")
    }

    @Test("G5: a JSON data island in <script>, the same in a comment, and in a text/html mail part are blocked")
    func scriptAndComment() throws {
        Self.expectTwenty(try Register.scan(Self.page("<script type=\"application/json\" id=\"data\">\(Self.json)</script>"), name: "h_script.html"),
                          "script data block")
        Self.expectTwenty(try Register.scan(Self.page("<p>Nothing to see.</p><!-- \(Self.json) -->"), name: "h_comment.html"), "comment")
        Self.expectTwenty(try Register.scan(Self.page("<script>var rows = \(Self.json);</script>"), name: "h_js.html"), "plain script")
        Self.expectTwenty(try Register.scan(Self.page("<style>/* \(Self.json) */</style>"), name: "h_style.html"), "style")
        let mail = Mail.message(to: "colleague@landlord.example", body: "See below.",
                                attachments: [("report.html", "text/html", Data(Self.page("<script type=\"application/json\">\(Self.json)</script>").utf8))])
        Self.expectTwenty(try Register.scan(mail, name: "h_comment.eml"), "text/html mail part")
    }

    @Test("G5: emails in href=\"mailto:…\" and value=\"…\" attributes are blocked; names in title pair with postcodes")
    func attributes() throws {
        let links = Self.rows.prefix(13).map { "<a href=\"mailto:\($0.email)?subject=Arrears\">\($0.name)</a>" }.joined(separator: "<br>\n")
        let report = try Register.scan(Self.page(links), name: "e_lower_href.html")
        #expect(report.verdict == .blocked && report.tenants == 13 && report.personal == [.email], "\(report)")
        let escaped = Self.rows.prefix(13).map { "<a href='MAILTO:\($0.email.replacingOccurrences(of: "@", with: "%40"))'>x</a>" }.joined()
        #expect(try Register.scan(Self.page(escaped), name: "e_escaped.html").tenants == 13)
        let inputs = Self.rows.prefix(13).map { "<input type=\"email\" value=\"\($0.email.replacingOccurrences(of: "@", with: "&#64;"))\">" }.joined(separator: "\n")
        #expect(try Register.scan(Self.page("<form>\(inputs)</form>"), name: "e_attr.html").tenants == 13)
        let titled = Self.rows.map { "<tr><td title=\"\($0.name)\" data-postcode=\"\($0.postcode)\">*</td><td>ok</td></tr>" }.joined()
        let pairs = try Register.scan(Self.page("<table><tr><th>Who</th><th>Status</th></tr>\(titled)</table>"), name: "e_title.html")
        #expect(pairs.tenants == 20 && pairs.personal == [.namePostcode], "\(pairs)")
    }

    @Test("G5/G6: a data: URI and long base64 in JSON are read as the files they are; undecodable content fails closed")
    func encodedFiles() throws {
        let csv = Register.csv(Register.leakRows(20, from: Self.rows))
        let base64 = Data(csv.utf8).base64EncodedString()
        Self.expectTwenty(try Register.scan(Self.page("<a download=\"t.csv\" href=\"data:text/csv;base64,\(base64)\">Download</a>"), name: "r_datauri.html"),
                          "data: URI")
        Self.expectTwenty(try Register.scan("{\"filename\":\"t.csv\",\"content\":\"\(base64)\"}", name: "r_b64.json"), "base64 JSON value")
        Self.expectTwenty(try Register.scan("{\"attachment\":\"data:text/csv;base64,\(base64)\"}", name: "r_uri.json"), "data: URI in JSON")
        let xlsx = try Workbook.xlsx(Register.leakRows(20, from: Self.rows))
        Self.expectTwenty(try Register.scan("{\"file\":\"\(xlsx.base64EncodedString())\"}", name: "r_xlsx.json"), "base64 workbook in JSON")

        // Binary of no known kind is not read: the file is blocked, saying so.
        var bytes = [UInt8](repeating: 0, count: 600)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 37 &+ i / 7) }
        let opaque = try Register.scan("{\"blob\":\"\(Data(bytes).base64EncodedString())\"}", name: "r_blob.json")
        #expect(opaque.verdict == .blocked && opaque.tenants == 0, "\(opaque)")
        #expect(opaque.unscanned.first?.contains("holds encoded content the scanner did not read") == true, "\(opaque.unscanned)")
        #expect(opaque.reason.contains("could not be checked"))
    }

    @Test("G6: no-break, narrow and zero-width spaces and fullwidth forms do not hide postcodes, names or emails")
    func spaces() throws {
        let nbsp = "name,postcode\r\n" + Self.rows.map { "\($0.name),\($0.postcode.replacingOccurrences(of: " ", with: "\u{00A0}"))" }.joined(separator: "\r\n")
        let plain = "name,postcode\r\n" + Self.rows.map { "\($0.name),\($0.postcode)" }.joined(separator: "\r\n")
        let expected = try Register.scan(plain, name: "r_plain.csv")
        #expect(expected.tenants == 20 && expected.personal == [.namePostcode])
        var found = try Register.scan(nbsp, name: "r_nbsp.csv")
        found.file = expected.file
        #expect(found == expected, "no-break spaces in postcodes: \(found)")
        let lines = Self.rows.map { "\($0.name) \($0.postcode)".replacingOccurrences(of: " ", with: "\u{00A0}") }.joined(separator: "\n\n")
        Self.expectTwenty(try Register.scan(lines, name: "e_nbsp_tab.txt"), "no-break spaces between every word")
        let narrow = Self.rows.map { "\($0.name)\u{202F}\u{2007}\($0.postcode.replacingOccurrences(of: " ", with: "\u{202F}"))" }.joined(separator: "\n\n")
        Self.expectTwenty(try Register.scan(narrow, name: "narrow.txt"), "narrow and figure spaces")
        let hidden = Self.rows.map { t in
            "\(t.given.prefix(2))\u{200B}\(t.given.dropFirst(2)) \(t.surname.prefix(1))\u{00AD}\(t.surname.dropFirst()) \(t.postcode.prefix(2))\u{200D}\(t.postcode.dropFirst(2))"
        }.joined(separator: "\n\n")
        Self.expectTwenty(try Register.scan(hidden, name: "zero-width.txt"), "zero-width spaces and soft hyphens inside words")
        let wide = Self.rows.map { t in
            String(String.UnicodeScalarView(t.email.unicodeScalars.map { $0.value >= 0x21 && $0.value <= 0x7E ? Unicode.Scalar($0.value + 0xFEE0) ?? $0 : $0 }))
        }.joined(separator: "\n")
        Self.expectTwenty(try Register.scan(wide, name: "fullwidth.txt"), "fullwidth emails")
    }

    @Test("G6: mobiles whose leading 0 a spreadsheet dropped are found; other ten-digit numbers are not tenants")
    func droppedZero() throws {
        let csv = "name,mobile\r\n" + Self.rows.map { "\($0.name),\($0.mobile.dropFirst())" }.joined(separator: "\r\n")
        let report = try Register.scan(csv, name: "r_mob.csv")
        #expect(report.verdict == .blocked && report.tenants == 20 && report.personal == [.phone], "\(report)")
        // Order numbers, timestamps and invoice totals of ten digits match nobody.
        let other = "order,placed,total\r\n" + (0..<50).map { "\(7_100_000_000 + $0 * 7919),\(1_733_000_000 + $0 * 60),\(2_000_000_000 + $0)" }.joined(separator: "\r\n")
        #expect(try Register.scan(other, name: "orders.csv").verdict == .clean)
    }

    @Test("Ordinary HTML mail stays clean: links, images, a tracking script and conditional comments")
    func ordinaryHTMLIsClean() throws {
        let newsletter = Self.page("""
            <!--[if mso]><table><tr><td><![endif]-->
            <p style="font-family:Arial">Dear tenant,&nbsp;the lifts in <b>Holly&nbsp;Court</b> will be serviced on Monday.</p>
            <a href="https://example.org/news?utm_source=mail&amp;id=20241205" title="Read the news on our website">Read more</a>
            <img src="https://example.org/logo.png" alt="Example Housing Association" width="120">
            <a href="mailto:repairs@landlord.example">repairs@landlord.example</a> or call 0300 123 4567.
            <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date());</script>
            <!--[if mso]></td></tr></table><![endif]-->
            """)
        let report = try Register.scan(newsletter, name: "newsletter.html")
        #expect(report.verdict == .clean, "\(report)")
        let mail = Mail.message(to: Register.tenants[5].email, body: "See the notice.", attachments: [("notice.html", "text/html", Data(newsletter.utf8))])
        #expect(try Register.scan(mail, name: "notice.eml").verdict == .oneTenant)
    }
}
