import ConsentCore
import ConsentScan
import Foundation
import ProgramRunner
import ZIPFoundation

/// A register and catalogue for scanner tests, with no Forms/ files and no database.
enum Register {
    static let catalogue = Catalogue(
        attributes: [
            AttributeDefinition(id: AttributeID("full-name"), type: .text),
            AttributeDefinition(id: AttributeID("address"), type: .text),
            AttributeDefinition(id: AttributeID("postcode"), type: .ukPostcode),
            AttributeDefinition(id: AttributeID("mobile"), type: .phone),
            AttributeDefinition(id: AttributeID("landline"), type: .phone),
            AttributeDefinition(id: AttributeID("email"), type: .email),
            AttributeDefinition(id: AttributeID("date-of-birth"), type: .date),
            AttributeDefinition(id: AttributeID("ethnic-origin"), type: .choice, isSpecial: true, offersPreferNotToSay: true,
                                choices: ["white-british", "white-irish", "asian-pakistani", "black-caribbean", "other-any"].map { Choice(id: $0) }),
            AttributeDefinition(id: AttributeID("religion"), type: .choice, isSpecial: true, offersPreferNotToSay: true,
                                choices: ["none", "christian", "muslim", "sikh", "other"].map { Choice(id: $0) }),
            AttributeDefinition(id: AttributeID("sexual-orientation"), type: .choice, isSpecial: true, offersPreferNotToSay: true,
                                choices: ["straight", "gay-lesbian", "bisexual", "other"].map { Choice(id: $0) }),
            AttributeDefinition(id: AttributeID("health-needs"), type: .text, isSpecial: true),
        ],
        purposes: [])

    /// English labels, as Localization/messages.pot has them.
    static let labels: [String: String] = [
        "attribute.ethnic-origin.label": "Ethnic origin", "attribute.religion.label": "Religion",
        "attribute.sexual-orientation.label": "Sexual orientation", "attribute.health-needs.label": "Disability or health needs",
        "choice.ethnic-origin.white-british": "English, Welsh, Scottish, Northern Irish or British",
        "choice.ethnic-origin.white-irish": "Irish", "choice.ethnic-origin.asian-pakistani": "Pakistani",
        "choice.ethnic-origin.black-caribbean": "Caribbean", "choice.ethnic-origin.other-any": "Any other ethnic group",
        "choice.religion.none": "No religion", "choice.religion.christian": "Christian (all denominations)",
        "choice.religion.muslim": "Muslim", "choice.religion.sikh": "Sikh", "choice.religion.other": "Any other religion",
        "choice.sexual-orientation.straight": "Straight or heterosexual", "choice.sexual-orientation.gay-lesbian": "Gay or lesbian",
        "choice.sexual-orientation.bisexual": "Bisexual", "choice.sexual-orientation.other": "Another sexual orientation",
    ]

    static let terms = SpecialTerms(catalogue: catalogue) { key in labels[key].map { [$0] } ?? [] }

    struct Tenant {
        var ref: String
        var given: String
        var surname: String
        var address: String
        var postcode: String
        var mobile: String
        var email: String
        var birthDate: String
        var name: String { "\(given) \(surname)" }
    }

    static let givenNames = ["Amina", "Tomasz", "Claire", "Stephen", "Priya", "Dylan", "Grace", "Mohammed", "Siobhan", "Kwame"]
    static let surnames = ["Okafor", "Nowak", "Edwards", "Jones", "Patel", "Hughes", "O'Brien", "Rahman", "Kelly", "Mensah", "Byrne", "Walsh"]
    static let accentedSurnames = ["Müller", "Núñez", "Gómez", "Çelik", "Wiśniewski", "Łukasiewicz"]
    static let units = ["AB", "DE", "FG", "HJ", "LN", "PQ", "RS", "TU", "WX", "YZ"]

    /// Tenant `n` (from 1) of a deterministic register.
    static func tenant(_ n: Int) -> Tenant {
        Tenant(ref: String(format: "T%07d", n), given: givenNames[n % givenNames.count], surname: surnames[(n / 3) % surnames.count],
               address: "\(n) Mill Lane, Leeds", postcode: "LS\(n % 20 + 1) \(n % 9 + 1)\(units[(n / 7) % units.count])",
               mobile: String(format: "077009%05d", n), email: "\(givenNames[n % givenNames.count].lowercased()).\(n)@example.org",
               birthDate: String(format: "%04d-%02d-%02d", 1940 + n % 60, n % 12 + 1, n % 28 + 1))
    }

    static func state(_ t: Tenant) -> TenantState {
        var state = TenantState(ref: TenantRef(t.ref))
        let source = EventID(device: DeviceID("test"), sequence: 1)
        for (id, value) in [("full-name", t.name), ("address", t.address), ("postcode", t.postcode), ("mobile", t.mobile), ("email", t.email),
                            ("date-of-birth", t.birthDate)] {
            state.values[AttributeID(id)] = ValueRecord(state: .held(.value(value), source: source), hlc: HLCTimestamp(millis: 1), device: DeviceID("test"))
        }
        return state
    }

    static let size = 300
    static let tenants = (1...size).map(tenant)
    static let key = SipHashKey(k0: 0x0123_4567_89AB_CDEF, k1: 0x0FED_CBA9_8765_4321)

    /// 120 more tenants, each with a surname that is not ASCII and a postcode of their own: their names
    /// match only when the text was decoded right.
    static let accented: [Tenant] = (301...420).map { n in
        var t = tenant(n)
        t.surname = accentedSurnames[n % accentedSurnames.count]
        return t
    }

    static let index: ScanIndex = {
        var builder = ScanIndex.Builder(key: key, catalogue: catalogue)
        for t in tenants + accented { builder.add(state(t)) }
        return builder.finish()
    }()

    static let scanner = LeakScanner(index: index, terms: terms)

    static func scan(_ text: String, name: String) throws -> ScanReport {
        try scanner.scan(Data(text.utf8), name: name)
    }

    static func scan(_ data: Data, name: String) throws -> ScanReport {
        try scanner.scan(data, name: name)
    }

    /// The leaked-row test data: `count` rows of reference, name, address, postcode, mobile and email.
    static func leakRows(_ count: Int = 50, from list: [Tenant] = tenants) -> [[String]] {
        [["Tenancy ref", "Name", "Address", "Postcode", "Mobile", "Email"]]
            + list.prefix(count).map { [$0.ref, $0.name, $0.address, $0.postcode, $0.mobile, $0.email] }
    }

    /// Rows as CSV text.
    static func csv(_ rows: [[String]]) -> String {
        rows.map { row in row.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The March 2020 spreadsheet: every tenant with name, address, mobile, email and three special categories.
    static func incidentCSV(_ count: Int = size) -> String {
        var csv = "Tenancy ref,Name,Address,Postcode,Mobile,Email,Ethnic origin,Religion,Sexual orientation\n"
        for t in tenants.prefix(count) {
            csv += "\(t.ref),\(t.name),\"\(t.address)\",\(t.postcode),\(t.mobile),\(t.email),White British,Christian,Straight\n"
        }
        return csv
    }
}

/// Builds small XLSX workbooks in memory.
enum Workbook {
    /// A workbook of one sheet whose rows are `rows` (shared strings), plus extra raw parts.
    static func xlsx(_ rows: [[String]], extra: [(String, Data)] = []) throws -> Data {
        var strings: [String] = []
        var sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        for (r, row) in rows.enumerated() {
            sheet += "<row r=\"\(r + 1)\">"
            for (c, value) in row.enumerated() {
                let ref = "\(Character(UnicodeScalar(UInt8(65 + c))))\(r + 1)"
                if let number = Int(value), value.first != "0" {
                    sheet += "<c r=\"\(ref)\"><v>\(number)</v></c>"
                } else {
                    strings.append(value)
                    sheet += "<c r=\"\(ref)\" t=\"s\"><v>\(strings.count - 1)</v></c>"
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        let shared = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            + strings.map { "<si><t>\(escape($0))</t></si>" }.joined() + "</sst>"
        return try zip([
            ("[Content_Types].xml", Data("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".utf8)),
            ("xl/workbook.xml", Data("<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets><sheet name=\"Tenants\" sheetId=\"1\"/></sheets></workbook>".utf8)),
            ("xl/sharedStrings.xml", Data(shared.utf8)),
            ("xl/worksheets/sheet1.xml", Data(sheet.utf8)),
        ] + extra)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A deflated ZIP archive of the given parts.
    static func zip(_ parts: [(String, Data)]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, data) in parts {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data ?? Data()
    }
}

/// Builds mail messages.
enum Mail {
    static func base64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { i in
            let start = encoded.index(encoded.startIndex, offsetBy: i)
            return String(encoded[start..<(encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }.joined(separator: "\r\n")
    }

    /// A message from the housing team with a text body and attachments (name, type, bytes).
    static func message(to: String, body: String, attachments: [(String, String, Data)] = []) -> String {
        var mail = """
            From: Housing Team <housing@landlord.example>\r
            To: \(to)\r
            Subject: Your tenancy\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            This is a multi-part message in MIME format.\r
            --b1\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            \(body)\r

            """
        for (name, type, data) in attachments {
            mail += "--b1\r\nContent-Type: \(type); name=\"\(name)\"\r\nContent-Disposition: attachment; filename=\"\(name)\"\r\n"
            mail += "Content-Transfer-Encoding: base64\r\n\r\n\(base64Lines(data))\r\n"
        }
        return mail + "--b1--\r\n"
    }
}

/// Files of other formats, written by hand so the tests do not use the code under test to make them.
enum Files {
    /// `text` in UTF-16 or UTF-32, little- or big-endian, with or without a byte-order mark.
    static func wide(_ text: String, bits: Int, bigEndian: Bool, mark: Bool) -> Data {
        var out = Data()
        let scalars = (mark ? ["\u{FEFF}"] : []) + text.unicodeScalars.map { String($0) }
        for piece in scalars {
            let units: [UInt32] = bits == 32 ? piece.unicodeScalars.map(\.value) : piece.utf16.map(UInt32.init)
            for unit in units {
                let bytes = bits == 32 ? [UInt8(unit >> 24), UInt8(unit >> 16 & 0xFF), UInt8(unit >> 8 & 0xFF), UInt8(unit & 0xFF)]
                                       : [UInt8(unit >> 8 & 0xFF), UInt8(unit & 0xFF)]
                out.append(contentsOf: bigEndian ? bytes : bytes.reversed())
            }
        }
        return out
    }

    /// `text` in a one-byte charset, through iconv (the system's, not the scanner's).
    static func legacy(_ text: String, charset: String) throws -> Data {
        let converted = try Program("/usr/bin/iconv", ["-f", "UTF-8", "-t", charset]).run(input: Data(text.utf8))
        guard converted.termination.succeeded else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "iconv to \(charset): \(converted.standardErrorText)"])
        }
        return converted.standardOutput
    }

    /// An OpenDocument spreadsheet of one table (`rows`), or a text document of paragraphs and a table.
    static func ods(_ rows: [[String]]) throws -> Data {
        let table = rows.map { row in
            "<table:table-row>" + row.map { "<table:table-cell office:value-type=\"string\"><text:p>\(Workbook.escape($0))</text:p></table:table-cell>" }.joined()
                + "</table:table-row>"
        }.joined()
        return try odf("spreadsheet", "<office:spreadsheet><table:table table:name=\"Tenants\">\(table)</table:table></office:spreadsheet>")
    }

    static func odt(paragraphs: [String], table: [[String]] = []) throws -> Data {
        let text = paragraphs.map { "<text:p>\(Workbook.escape($0))</text:p>" }.joined()
        let rows = table.map { row in
            "<table:table-row>" + row.map { "<table:table-cell><text:p>\(Workbook.escape($0))</text:p></table:table-cell>" }.joined() + "</table:table-row>"
        }.joined()
        return try odf("text", "<office:text>\(text)<table:table>\(rows)</table:table></office:text>")
    }

    private static func odf(_ kind: String, _ body: String) throws -> Data {
        let content = """
            <?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
            xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" \
            office:version="1.3"><office:body>\(body)</office:body></office:document-content>
            """
        return try Workbook.zip([("mimetype", Data("application/vnd.oasis.opendocument.\(kind)".utf8)), ("content.xml", Data(content.utf8)),
                                 ("META-INF/manifest.xml", Data("<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"/>".utf8))])
    }

    /// A one-page PDF whose text is `lines` (Helvetica; objects and cross-reference table written out).
    static func pdf(_ lines: [String]) -> Data {
        func escaped(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)") }
        let content = "BT /F1 8 Tf 20 800 Td 10 TL\n" + lines.map { "(\(escaped($0))) '\n" }.joined() + "ET\n"
        let objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
                       "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n" + offsets.map { String(format: "%010d 00000 n \n", $0) }.joined()
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    /// A gzip member of `data` (deflate by ZIPFoundation, header and trailer written here).
    static func gzip(_ data: Data) throws -> Data {
        var packed = Data()
        let crc = try Data.compress(size: Int64(data.count), bufferSize: 65_536, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { packed.append($0) })
        var out = Data([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF])
        out.append(packed)
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: data.count).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// The start of an OLE2 compound file: what legacy .xls, .doc and Outlook .msg files are.
    static let legacyOffice = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504))
}
