import ConsentCore
import Foundation
import Yams

/// Reads `Forms/` into a ``Catalogue``, strictly: duplicate ids, unknown references, bad regular
/// expressions and unknown keys are errors naming the file and the entry.
enum FormsLoader {
    static let formatVersion = 1
    private static let idPattern = "^[a-z0-9]+(-[a-z0-9]+)*$"

    static func load(_ folder: URL) throws(FormsError) -> Catalogue {
        let idCheck: Pattern
        do { idCheck = try Pattern(idPattern) } catch { throw FormsError(file: "(built-in)", "bad id pattern") }
        let attributes = try loadAttributes(folder, idCheck: idCheck)
        let notices = try loadNotices(folder)
        let purposes = try loadPurposes(folder, attributes: attributes, notices: notices, idCheck: idCheck)
        for purpose in notices.keys where !purposes.contains(where: { $0.id == purpose }) {
            throw FormsError(file: "notices.yaml", entry: "purpose '\(purpose)'", "no such purpose in purposes.yaml")
        }
        var register = try YAMLFields.document(folder.appendingPathComponent("register.yaml"), name: "register.yaml")
        try checkVersion(&register)
        let referencePattern = try register.requiredString("tenancy-reference-pattern")
        let validity = try register.int("consent-validity-months") ?? 0
        try register.finish()
        do { _ = try Pattern(referencePattern) } catch {
            throw FormsError(file: "register.yaml", entry: "tenancy-reference-pattern", "not a valid regular expression: \(referencePattern)")
        }
        guard validity >= 0 else { throw register.error("'consent-validity-months' cannot be negative") }
        return Catalogue(
            attributes: attributes, purposes: purposes, tenancyReferencePattern: referencePattern,
            consentValidityMonths: validity)
    }

    private static func checkVersion(_ fields: inout YAMLFields) throws(FormsError) {
        let version = try fields.int("version")
        guard version == formatVersion else {
            throw fields.error("'version: \(version.map(String.init) ?? "missing")' — this program reads version \(formatVersion)")
        }
    }

    private static func loadAttributes(_ folder: URL, idCheck: Pattern) throws(FormsError) -> [AttributeDefinition] {
        let file = "attributes.yaml"
        var doc = try YAMLFields.document(folder.appendingPathComponent(file), name: file)
        try checkVersion(&doc)
        let nodes = try doc.list("attributes")
        try doc.finish()
        guard !nodes.isEmpty else { throw doc.error("'attributes' lists no attribute") }
        var result: [AttributeDefinition] = []
        var seen: Set<AttributeID> = []
        for (index, node) in nodes.enumerated() {
            var fields = try YAMLFields(node, file: file, entry: "attribute #\(index + 1)")
            let id = try fields.requiredString("id")
            fields = try YAMLFields(node, file: file, entry: "attribute '\(id)'")
            _ = try fields.string("id")
            guard idCheck.matches(id) else { throw fields.error("id must be lower-case words joined by '-'") }
            guard seen.insert(AttributeID(id)).inserted else { throw fields.error("duplicate id") }
            let typeName = try fields.requiredString("type")
            guard let type = ValueType(rawValue: typeName) else {
                throw fields.error("unknown type '\(typeName)'; use one of \(ValueType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let pattern = try fields.string("pattern")
            if let pattern {
                do { _ = try Pattern(pattern) } catch { throw fields.error("pattern is not a valid regular expression: \(pattern)") }
            }
            let maxLength = try fields.int("max-length") ?? 200
            guard (1...10_000).contains(maxLength) else { throw fields.error("max-length must be 1 to 10000") }
            var choices: [Choice] = []
            for choiceNode in try fields.list("choices") {
                var c = try YAMLFields(choiceNode, file: file, entry: "attribute '\(id)' choice")
                let choice = Choice(id: try c.requiredString("id"), group: try c.string("group"), fixedLabel: try c.string("label"))
                try c.finish()
                guard idCheck.matches(choice.id) else { throw c.error("choice id '\(choice.id)' must be lower-case words joined by '-'") }
                guard !choices.contains(where: { $0.id == choice.id }) else { throw c.error("duplicate choice '\(choice.id)'") }
                choices.append(choice)
            }
            if type == .choice && choices.isEmpty { throw fields.error("a choice attribute needs 'choices'") }
            if type != .choice && !choices.isEmpty { throw fields.error("only a choice attribute has 'choices'") }
            let special = try fields.bool("special"), neverMailed = try fields.bool("never-mailed")
            if neverMailed && !special { throw fields.error("'never-mailed: true' needs 'special: true' (masked, sealed, kept from every message)") }
            let age = try fields.int("asked-from-age")
            if let age, !(1...120).contains(age) { throw fields.error("'asked-from-age' must be 1 to 120") }
            var askedIf: AskCondition?
            if let node = fields.node("asked-if") {
                var condition = try YAMLFields(node, file: file, entry: "attribute '\(id)' asked-if")
                askedIf = AskCondition(attribute: AttributeID(try condition.requiredString("attribute")), choice: try condition.requiredString("choice"))
                try condition.finish()
            }
            let attribute = AttributeDefinition(
                id: AttributeID(id), type: type, isSpecial: special,
                offersPreferNotToSay: try fields.bool("prefer-not-to-say"), needsEvidence: try fields.bool("needs-evidence"),
                maxLength: maxLength, pattern: pattern, choices: choices, isRetired: try fields.bool("retired"),
                neverMailed: neverMailed, askedFromAge: age, askedIf: askedIf, keptByStaff: try fields.bool("kept-by-staff"))
            try fields.finish()
            result.append(attribute)
        }
        for attribute in result {
            guard let condition = attribute.askedIf else { continue }
            let entry = "attribute '\(attribute.id)'"
            guard let other = result.first(where: { $0.id == condition.attribute }), other.id != attribute.id, other.type == .choice else {
                throw FormsError(file: file, entry: entry, "'asked-if' names '\(condition.attribute)', which is not another choice attribute in \(file)")
            }
            guard other.choices.contains(where: { $0.id == condition.choice }) else {
                throw FormsError(file: file, entry: entry, "'asked-if': '\(condition.choice)' is not a choice of '\(other.id)'")
            }
        }
        return result
    }

    private static func loadNotices(_ folder: URL) throws(FormsError) -> [PurposeID: [NoticeVersion]] {
        let file = "notices.yaml"
        var doc = try YAMLFields.document(folder.appendingPathComponent(file), name: file)
        try checkVersion(&doc)
        let nodes = try doc.list("notices")
        try doc.finish()
        var result: [PurposeID: [NoticeVersion]] = [:]
        for node in nodes {
            var fields = try YAMLFields(node, file: file, entry: "notice")
            let purpose = PurposeID(try fields.requiredString("purpose"))
            guard result[purpose] == nil else { throw fields.error("purpose '\(purpose)' has two notice entries; list its versions in one") }
            var versions: [NoticeVersion] = []
            for versionNode in try fields.list("versions") {
                var v = try YAMLFields(versionNode, file: file, entry: "notice for '\(purpose)'")
                guard let number = try v.int("version"), number >= 1 else { throw v.error("'version' must be a whole number from 1") }
                guard let effective = v.node("effective")?.timestamp else { throw v.error("'effective' must be a date like 2026-01-01") }
                try v.finish()
                guard !versions.contains(where: { $0.version == number }) else { throw v.error("version \(number) twice") }
                versions.append(NoticeVersion(version: number, effective: effective))
            }
            try fields.finish()
            guard !versions.isEmpty else { throw fields.error("purpose '\(purpose)' lists no notice version") }
            result[purpose] = versions.sorted { $0.version < $1.version }
        }
        return result
    }

    private static func loadPurposes(
        _ folder: URL, attributes: [AttributeDefinition], notices: [PurposeID: [NoticeVersion]], idCheck: Pattern
    ) throws(FormsError) -> [PurposeDefinition] {
        let file = "purposes.yaml"
        var doc = try YAMLFields.document(folder.appendingPathComponent(file), name: file)
        try checkVersion(&doc)
        let recipients = try doc.strings("recipients")
        let nodes = try doc.list("purposes")
        try doc.finish()
        let byID = Dictionary(attributes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [PurposeDefinition] = []
        for (index, node) in nodes.enumerated() {
            var fields = try YAMLFields(node, file: file, entry: "purpose #\(index + 1)")
            let id = try fields.requiredString("id")
            fields = try YAMLFields(node, file: file, entry: "purpose '\(id)'")
            _ = try fields.string("id")
            guard idCheck.matches(id) else { throw fields.error("id must be lower-case words joined by '-'") }
            guard !result.contains(where: { $0.id.rawValue == id }) else { throw fields.error("duplicate id") }
            let basisName = try fields.requiredString("legal-basis")
            guard let basis = LegalBasis(rawValue: basisName) else {
                throw fields.error("unknown legal-basis '\(basisName)'; use one of \(LegalBasis.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let art9Name = try fields.string("art9-condition")
            let paragraph = try fields.int("schedule-1-paragraph")
            let policyDocument = try fields.string("appropriate-policy-document")?.trimmingCharacters(in: .whitespaces)
            let used = try fields.strings("attributes").map { AttributeID($0) }
            guard !used.isEmpty else { throw fields.error("'attributes' lists no attribute") }
            for attribute in used where byID[attribute] == nil {
                throw fields.error("unknown attribute '\(attribute)' (not in attributes.yaml)")
            }
            for attribute in used where byID[attribute]?.isRetired == true {
                throw fields.error("attribute '\(attribute)' is retired (attributes.yaml): no purpose uses what is no longer asked")
            }
            guard Set(used).count == used.count else { throw fields.error("an attribute is listed twice") }
            let requires = try fields.strings("requires").map { AttributeID($0) }
            for attribute in requires where !used.contains(attribute) {
                throw fields.error("requires '\(attribute)', which is not in its attributes")
            }
            let purposeRecipients = try fields.strings("recipients")
            for recipient in purposeRecipients where !recipients.contains(recipient) {
                throw fields.error("unknown recipient '\(recipient)' (not in the recipients list)")
            }
            let markers = try fields.strings("markers")
            for marker in markers where !idCheck.matches(marker) { throw fields.error("marker '\(marker)': ids are lower-case words joined by '-'") }
            guard Set(markers).count == markers.count else { throw fields.error("a marker is listed twice") }
            let special = used.first { byID[$0]?.isSpecial == true }.map { "'\($0)'" } ?? markers.first.map { "data (staff marker '\($0)')" }
            let art9 = try SpecialConditionCheck.check(
                purpose: id, basis: basis, special: special, art9: art9Name,
                paragraph: paragraph, policyDocument: policyDocument, fields)
            let retention = try RetentionCheck.rule(purpose: id, &fields)
            let validity = try fields.int("validity-months")
            if let validity {
                guard basis.control == .optIn else {
                    throw fields.error("'validity-months' applies only to a consent purpose: a \(basis.rawValue) purpose is never asked again")
                }
                guard (0...120).contains(validity) else {
                    throw fields.error("'validity-months' must be 0 (until withdrawn) to 120; it is \(validity)")
                }
            }
            let pseudonymised = try pseudonymisedRows(&fields, purpose: id, attributes: used.compactMap { byID[$0] })
            try fields.finish()
            guard let versions = notices[PurposeID(id)] else {
                throw FormsError(file: "notices.yaml", entry: "purpose '\(id)'", "has no notice; every purpose needs one")
            }
            result.append(PurposeDefinition(
                id: PurposeID(id), legalBasis: basis, specialCondition: paragraph.map { PurposeDefinition.schedule1Prefix + String($0) },
                art9Condition: art9, policyDocument: policyDocument?.isEmpty == false ? policyDocument : nil, attributes: used, requires: requires,
                recipients: purposeRecipients, retention: retention, notices: versions, markers: markers,
                validityMonths: validity, pseudonymisedRows: pseudonymised))
        }
        return result
    }

    /// `rows: pseudonymised` (or `identified`, the default). A pseudonymised purpose may not list a
    /// phone number or an email address: a contact detail identifies a row whatever replaces the reference.
    private static func pseudonymisedRows(_ fields: inout YAMLFields, purpose id: String, attributes: [AttributeDefinition]) throws(FormsError) -> Bool {
        switch try fields.string("rows") {
        case nil, "identified": return false
        case "pseudonymised":
            if let contact = attributes.first(where: { [.phone, .email].contains($0.type) }) {
                throw fields.error("purpose '\(id)' has pseudonymised rows but lists '\(contact.id)', which identifies the tenant: remove it, or the 'rows' line")
            }
            return true
        case let other?:
            throw fields.error("rows: '\(other)' is not known; use 'identified' (the default) or 'pseudonymised'")
        }
    }
}
