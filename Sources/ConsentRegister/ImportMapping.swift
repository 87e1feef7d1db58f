import ConsentCore
import Foundation

/// Where each CSV column goes: the tenancy reference, an attribute, or nowhere.
public enum ColumnTarget: Hashable, Sendable {
    case reference
    case attribute(AttributeID)
    case ignore
}

/// How CSV headers map to the register. The default knows the header names housing systems
/// commonly export; a mapping file (`Header name: attribute-id`, one per line, `ignore` to skip a
/// column) overrides or adds to it.
public struct ImportMapping: Sendable {
    private var aliases: [String: ColumnTarget]

    /// Header names compared without case, spaces, punctuation or underscores. Called for every choice cell of an
    /// import, so ASCII text (the usual case) is folded byte by byte: its letters and digits are exactly what
    /// `CharacterSet.alphanumerics` holds there.
    static func normalise(_ header: String) -> String {
        guard header.utf8.allSatisfy({ $0 < 0x80 }) else {
            return String(header.lowercased().unicodeScalars.filter { alphanumerics.contains($0) })
        }
        var folded: [UInt8] = []
        folded.reserveCapacity(header.utf8.count)
        for byte in header.utf8 {
            switch byte {
            case 0x30...0x39, 0x61...0x7A: folded.append(byte)
            case 0x41...0x5A: folded.append(byte + 0x20)
            default: continue
            }
        }
        return String(decoding: folded, as: UTF8.self)
    }

    /// Read once: `CharacterSet.alphanumerics` builds a new set at each access.
    private static let alphanumerics = CharacterSet.alphanumerics

    /// The built-in header names, plus each attribute's own id.
    public static func standard(_ catalogue: Catalogue) -> ImportMapping {
        var aliases: [String: ColumnTarget] = [:]
        let table: [String: [String]] = [
            "full-name": ["name", "fullname", "tenantname", "tenant", "firstname", "forename", "forenames", "givenname",
                          "surname", "lastname", "familyname"],
            "preferred-name": ["preferredname", "knownas"],
            "date-of-birth": ["dob", "dateofbirth", "birthdate", "birthday"],
            "sex": ["sex", "sexatbirth"],
            "address": ["address", "address1", "address2", "address3", "addressline1", "addressline2", "addressline3",
                        "street", "town", "city"],
            "postcode": ["postcode", "postalcode", "zip", "zipcode"],
            "mobile": ["mobile", "mobilephone", "mobileno", "mobilenumber", "cell"],
            "landline": ["landline", "phone", "telephone", "homephone", "tel", "telephoneno"],
            "email": ["email", "emailaddress"],
            "preferred-contact": ["preferredcontact", "contactpreference", "contactmethod"],
            "preferred-language": ["language", "preferredlanguage", "firstlanguage"],
            "emergency-contact": ["emergencycontact", "nextofkin"],
            "health-needs": ["disability", "healthneeds", "disabilityhealthneeds", "disabilityorhealthneeds"],
            "ethnic-origin": ["ethnicity", "ethnicorigin", "ethnicgroup"],
            "religion": ["religion", "faith", "religionorbelief"],
            "sexual-orientation": ["sexualorientation", "sexuality"],
            "office": ["office", "housingoffice", "localoffice"],
            "tenancy-end": ["tenancyend", "tenancyenddate", "enddate", "moveoutdate", "terminationdate"],
            // The tenancy two joint tenants share; "Tenancy Ref" stays each tenant's own reference (below).
            "joint-tenancy": ["jointtenancy", "jointtenancyref", "jointtenancyreference", "jointtenancyno",
                              "jointtenancynumber", "sharedtenancy", "sharedtenancyref", "householdref", "householdreference"],
        ]
        for (attribute, names) in table where catalogue.attribute(AttributeID(attribute)) != nil {
            for name in names { aliases[name] = .attribute(AttributeID(attribute)) }
        }
        for attribute in catalogue.attributes { aliases[normalise(attribute.id.rawValue)] = .attribute(attribute.id) }
        for name in ["tenancyref", "tenancyreference", "tenancy", "tenancyno", "tenancynumber", "tenancyid", "ref",
                     "reference", "tenantref", "tenantreference", "accountref"] {
            aliases[name] = .reference
        }
        return ImportMapping(aliases: aliases)
    }

    /// The standard mapping with the lines of a mapping file on top.
    public static func load(_ url: URL, catalogue: Catalogue) throws(CSVError) -> ImportMapping {
        var mapping = standard(catalogue)
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CSVError("cannot read the mapping file \(url.path): \(error.localizedDescription)")
        }
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.lastIndex(of: ":") else {
                throw CSVError("mapping file line \(number + 1): expected 'CSV header: attribute-id'")
            }
            let header = line[..<colon].trimmingCharacters(in: .whitespaces)
            let target = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch target {
            case "ignore": mapping.aliases[normalise(header)] = .ignore
            case "tenancy-reference": mapping.aliases[normalise(header)] = .reference
            default:
                guard catalogue.attribute(AttributeID(target)) != nil else {
                    throw CSVError("mapping file line \(number + 1): no attribute '\(target)' in Forms/ (use an attribute id, tenancy-reference or ignore)")
                }
                mapping.aliases[normalise(header)] = .attribute(AttributeID(target))
            }
        }
        return mapping
    }

    /// Where each header goes; refuses missing, duplicate and unknown headers, and files that are
    /// not comma-separated.
    public func resolve(_ headers: [String]) throws(CSVError) -> [ColumnTarget] {
        if headers.count == 1, let only = headers.first {
            for (delimiter, name) in [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")] where only.contains(delimiter) {
                throw CSVError(row: 1, "the file looks \(name)-separated; import reads comma-separated CSV (RFC 4180): save it as CSV with commas")
            }
        }
        var targets: [ColumnTarget] = []
        var seen: [String: Int] = [:]
        for (index, header) in headers.enumerated() {
            let key = Self.normalise(header)
            guard !key.isEmpty else { throw CSVError(row: 1, column: index + 1, "a column has no header") }
            if let first = seen[key] {
                throw CSVError(row: 1, column: index + 1, "duplicate header '\(header)' (also column \(first)); rename or remove one")
            }
            seen[key] = index + 1
            guard let target = aliases[key] else {
                throw CSVError(row: 1, column: index + 1,
                               "unknown header '\(header)'; map it to an attribute or to 'ignore' in a --map file")
            }
            targets.append(target)
        }
        guard targets.contains(.reference) else {
            throw CSVError(row: 1, "no tenancy reference column (a header such as 'Tenancy Ref'); add one or map it in a --map file")
        }
        guard targets.contains(where: { if case .attribute = $0 { true } else { false } }) else {
            throw CSVError(row: 1, "no column maps to an attribute; check the header row")
        }
        return targets
    }
}
