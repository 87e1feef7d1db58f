import ConsentCore
import Foundation
import Yams

/// Who holds the tenants' information and how to reach them (`Forms/organisation.yaml`): what
/// UK GDPR Art. 13(1)(a)–(b) and 13(2)(d) require every notice to say. Values are shown as written,
/// in every language; the sentences around them come from `Localization/` (`org.*`).
public struct Organisation: Sendable, Equatable {
    /// One way to reach someone: at least an email address or a phone number.
    public struct Contact: Sendable, Equatable {
        /// The organisation's name, or a role ("Data Protection Officer").
        public var name: String
        /// A postal address on one line.
        public var address: String?
        /// A phone number of digits and spaces.
        public var phone: String?
        /// One email address.
        public var email: String?
    }

    /// The landlord: the data controller.
    public var controller: Contact
    /// The data protection officer (or the person who does that job).
    public var dataProtectionOfficer: Contact
    /// Where the full privacy notice is online, if it is.
    public var privacyNoticeURL: String?
    /// Where a paper copy of the privacy notice can be had (a place or an address), if it can.
    public var privacyNoticePaper: String?
    /// Where tenants complain to the regulator (the ICO): its web page and phone line.
    public var complaintsURL: String
    public var complaintsPhone: String
    /// The landlord's own documents behind the processing (DPIA, appropriate policy document,
    /// legitimate interests assessment): kind → where it is kept. Printed by `consent forms check`,
    /// never shown to tenants.
    public var documents: [String: String]

    /// The lines every notice, receipt, mailing and access pack ends with, in `language`: who is
    /// responsible, the data protection officer, the full privacy notice, and the right to complain.
    public func lines(_ localizer: Localizer, _ language: String) -> [String] {
        contactLines(localizer, language) + [complaintLine(localizer, language)]
    }

    /// Who is responsible, the data protection officer and the full privacy notice, in `language`.
    public func contactLines(_ localizer: Localizer, _ language: String) -> [String] {
        func t(_ key: String, _ args: [String: String]) -> String { localizer.text(key, language, args) }
        let c = controller
        var out = [t("org.controller", ["name": c.name, "contact": Self.join([c.address, c.phone, c.email])])]
        out.append(t("org.dpo", ["contact": Self.join([dataProtectionOfficer.email, dataProtectionOfficer.phone, dataProtectionOfficer.address])]))
        switch (privacyNoticeURL, privacyNoticePaper) {
        case let (url?, paper?): out.append(t("org.privacy-notice", ["url": url, "place": paper]))
        case let (url?, nil): out.append(t("org.privacy-notice.online", ["url": url]))
        case let (nil, paper?): out.append(t("org.privacy-notice.paper", ["place": paper]))
        case (nil, nil): break
        }
        return out
    }

    /// The right to complain to the ICO, with its web page and phone line, in `language`.
    public func complaintLine(_ localizer: Localizer, _ language: String) -> String {
        localizer.text("org.complain", language, ["url": complaintsURL, "phone": complaintsPhone])
    }

    private static func join(_ parts: [String?]) -> String { parts.compactMap { $0 }.joined(separator: ", ") }

    /// The translation keys the lines use.
    static let textKeys = ["org.controller", "org.dpo", "org.privacy-notice", "org.privacy-notice.online",
                           "org.privacy-notice.paper", "org.complain"]
}

/// Loads `Forms/organisation.yaml`. A deployment without it, or with a field left out, is refused,
/// naming the field and the file to fill in.
enum OrganisationLoader {
    static let file = "organisation.yaml"
    /// Document kinds `documents:` may name.
    static let documentKinds = ["dpia", "appropriate-policy-document", "legitimate-interests-assessment"]

    static func load(_ folder: URL, catalogue: Catalogue) throws(FormsError) -> Organisation {
        let url = folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FormsError(file: file, "is missing: every deployment names its controller, data protection officer, privacy notice and the ICO complaint line; copy the shipped Forms/\(file) and fill it in with your organisation's details")
        }
        var doc = try YAMLFields.document(url, name: file)
        guard try doc.int("version") == 1 else { throw doc.error("'version' must be 1") }
        let controllerNode = doc.node("controller"), dpoNode = doc.node("data-protection-officer")
        let controller = try contact(controllerNode, "controller", doc, needsAddress: true)
        let dpo = try contact(dpoNode, "data-protection-officer", doc, needsAddress: false)
        guard let noticeNode = doc.node("privacy-notice") else { throw missing("privacy-notice", in: nil, doc) }
        guard let complaintsNode = doc.node("complaints") else { throw missing("complaints", in: nil, doc) }
        let documentsNode = doc.node("documents")
        try doc.finish()

        var notice = try YAMLFields(noticeNode, file: file, entry: "privacy-notice")
        let noticeURL = try text(&notice, "url")
        let paper = try text(&notice, "paper-copy")
        try notice.finish()
        guard noticeURL != nil || paper != nil else {
            throw notice.error("give 'url' (where the full privacy notice is online) or 'paper-copy' (where tenants can get it on paper), or both, in Forms/\(file)")
        }
        if let noticeURL { try checkURL(noticeURL, "url", notice) }

        var complaints = try YAMLFields(complaintsNode, file: file, entry: "complaints")
        guard let complaintsURL = try text(&complaints, "url") else { throw missing("url", in: "complaints", complaints) }
        guard let complaintsPhone = try text(&complaints, "phone") else { throw missing("phone", in: "complaints", complaints) }
        try complaints.finish()
        try checkURL(complaintsURL, "url", complaints)
        try checkPhone(complaintsPhone, "phone", complaints)

        var documents: [String: String] = [:]
        if let documentsNode {
            var fields = try YAMLFields(documentsNode, file: file, entry: "documents")
            for kind in documentKinds { documents[kind] = try text(&fields, kind) }
            try fields.finish()
        }
        let needed = neededDocuments(catalogue)
        if let absent = needed.first(where: { documents[$0.kind] == nil }) {
            throw FormsError(file: file, entry: "documents", "'\(absent.kind)' is required (\(absent.why)): say where your \(absent.name) is kept, in Forms/\(file)")
        }
        return Organisation(
            controller: controller, dataProtectionOfficer: dpo, privacyNoticeURL: noticeURL, privacyNoticePaper: paper,
            complaintsURL: complaintsURL, complaintsPhone: complaintsPhone, documents: documents)
    }

    /// The documents the purposes call for, each with the reason.
    static func neededDocuments(_ catalogue: Catalogue) -> [(kind: String, name: String, why: String)] {
        var out = [(kind: "dpia", name: "data protection impact assessment", why: "special categories and vulnerable tenants are processed at scale")]
        if let p = catalogue.purposes.first(where: { $0.specialCondition?.hasPrefix("dpa-2018-sch1") == true }) {
            out.append(("appropriate-policy-document", "appropriate policy document", "purpose '\(p.id)' relies on DPA 2018 Schedule 1"))
        }
        if let p = catalogue.purposes.first(where: { $0.legalBasis == .legitimateInterests }) {
            out.append(("legitimate-interests-assessment", "legitimate interests assessment", "purpose '\(p.id)' relies on legitimate interests"))
        }
        return out
    }

    private static func contact(_ node: Node?, _ key: String, _ doc: YAMLFields, needsAddress: Bool) throws(FormsError) -> Organisation.Contact {
        guard let node else { throw missing(key, in: nil, doc) }
        var fields = try YAMLFields(node, file: file, entry: key)
        guard let name = try text(&fields, "name") else { throw missing("name", in: key, fields) }
        let address = try text(&fields, "address")
        let phone = try text(&fields, "phone")
        let email = try text(&fields, "email")
        try fields.finish()
        if needsAddress {
            guard address != nil else { throw missing("address", in: key, fields) }
            guard phone != nil else { throw missing("phone", in: key, fields) }
            guard email != nil else { throw missing("email", in: key, fields) }
        } else if email == nil && phone == nil {
            throw fields.error("give 'email' or 'phone' (or both) for \(key), in Forms/\(file)")
        }
        if let phone { try checkPhone(phone, "phone", fields) }
        if let email {
            guard email.filter({ $0 == "@" }).count == 1, !email.contains(where: \.isWhitespace), !email.hasPrefix("@"), !email.hasSuffix("@") else {
                throw fields.error("'email' must be one address like privacy@example.org")
            }
        }
        return Organisation.Contact(name: name, address: address, phone: phone, email: email)
    }

    /// A one-line text field: absent or blank is nil; control characters and line breaks are refused
    /// (these values are drawn on the kiosk and written into mail).
    private static func text(_ fields: inout YAMLFields, _ key: String) throws(FormsError) -> String? {
        guard let value = try fields.string(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        guard !TextSafety.hasForbiddenCharacter(value) else { throw fields.error("'\(key)' must be one line of plain text") }
        guard value.count <= 200 else { throw fields.error("'\(key)' is longer than 200 characters") }
        return value
    }

    private static func missing(_ key: String, in parent: String?, _ fields: YAMLFields) -> FormsError {
        let path = parent.map { "\($0).\(key)" } ?? key
        return fields.error("'\(key)' is required: fill in \(path) in Forms/\(file)")
    }

    private static func checkURL(_ value: String, _ key: String, _ fields: YAMLFields) throws(FormsError) {
        guard value.hasPrefix("https://") || value.hasPrefix("http://"), !value.contains(" ") else {
            throw fields.error("'\(key)' must be a web address starting https://")
        }
    }

    private static func checkPhone(_ value: String, _ key: String, _ fields: YAMLFields) throws(FormsError) {
        let digits = value.filter(\.isASCII).filter(\.isNumber)
        guard value.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == " " || $0 == "+") }), (10...13).contains(digits.count) else {
            throw fields.error("'\(key)' must be a phone number of digits and spaces, like 0303 123 1113")
        }
    }
}
