import ConsentCore
import ConsentScan
import Foundation
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
        var name: String { "\(given) \(surname)" }
    }

    static let givenNames = ["Amina", "Tomasz", "Claire", "Stephen", "Priya", "Dylan", "Grace", "Mohammed", "Siobhan", "Kwame"]
    static let surnames = ["Okafor", "Nowak", "Edwards", "Jones", "Patel", "Hughes", "O'Brien", "Rahman", "Kelly", "Mensah", "Byrne", "Walsh"]
    static let units = ["AB", "DE", "FG", "HJ", "LN", "PQ", "RS", "TU", "WX", "YZ"]

    /// Tenant `n` (from 1) of a deterministic register.
    static func tenant(_ n: Int) -> Tenant {
        Tenant(ref: String(format: "T%07d", n), given: givenNames[n % givenNames.count], surname: surnames[(n / 3) % surnames.count],
               address: "\(n) Mill Lane, Leeds", postcode: "LS\(n % 20 + 1) \(n % 9 + 1)\(units[(n / 7) % units.count])",
               mobile: String(format: "077009%05d", n), email: "\(givenNames[n % givenNames.count].lowercased()).\(n)@example.org")
    }

    static func state(_ t: Tenant) -> TenantState {
        var state = TenantState(ref: TenantRef(t.ref))
        let source = EventID(device: DeviceID("test"), sequence: 1)
        for (id, value) in [("full-name", t.name), ("address", t.address), ("postcode", t.postcode), ("mobile", t.mobile), ("email", t.email)] {
            state.values[AttributeID(id)] = ValueRecord(state: .held(.value(value), source: source), hlc: HLCTimestamp(millis: 1), device: DeviceID("test"))
        }
        return state
    }

    static let size = 300
    static let tenants = (1...size).map(tenant)
    static let key = SipHashKey(k0: 0x0123_4567_89AB_CDEF, k1: 0x0FED_CBA9_8765_4321)

    static let index: ScanIndex = {
        var builder = ScanIndex.Builder(key: key, catalogue: catalogue)
        for t in tenants { builder.add(state(t)) }
        return builder.finish()
    }()

    static let scanner = LeakScanner(index: index, terms: terms)

    static func scan(_ text: String, name: String) throws -> ScanReport {
        try scanner.scan(Data(text.utf8), name: name)
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
