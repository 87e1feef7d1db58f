import ConsentCore
import Foundation

/// A message sent to tenants one at a time (`Forms/templates.yaml`).
public struct MailTemplate: Sendable, Equatable {
    public var id: String
    /// The attribute the message goes to (an email address).
    public var channel: AttributeID
    /// The sender, as it appears in the From header.
    public var from: String
    /// Whether the message lists everything held about the tenant.
    public var listsHeld: Bool
    /// Ordinary attributes a listing names as held without showing the value (`date-of-birth`, which
    /// verifies a caller by phone, so it stays off the tenant's post).
    public var withholds: [AttributeID] = []
    /// The purposes `consent notify` may send it under; each covers everything the message shows.
    /// None for a listing ("what we hold"): that answers one tenant's access request, never a purpose.
    public var purposes: [PurposeID] = []
    /// Whether the message asks the tenant to renew a consent that lapses soon (`renews-consent`): it goes
    /// only to tenants whose grant of the purpose ends within the days `consent notify --lapsing-within` gives,
    /// and names that purpose and the day it ends.
    public var renewsConsent = false
    /// The attributes a greeting may name the tenant by, where the purpose covers and allows them.
    public static let greetingNames: [AttributeID] = [AttributeID("preferred-name"), AttributeID("full-name")]

    /// The attributes whose values this message can carry: the address it goes to and, for a
    /// listing, every ordinary attribute it does not withhold (a retired one is named as held, not shown:
    /// the old gender answers could say what the tenant's gender identity is).
    public func shows(_ catalogue: Catalogue) -> [AttributeID] {
        var out = [channel]
        if listsHeld {
            out += catalogue.attributes.filter { !$0.isSpecial && !$0.isRetired && !withholds.contains($0.id) && $0.id != channel }.map(\.id)
        }
        return out
    }

    /// The attributes a listing names (as held, shown or not): all but those never mailed (gender identity).
    public func names(_ catalogue: Catalogue) -> [AttributeID] {
        listsHeld ? catalogue.attributes.filter { !$0.neverMailed }.map(\.id) : []
    }

    /// The text keys the template needs in Localization/.
    public var textKeys: [String] {
        ["subject", "greeting", "intro", "closing"].map { "template.\(id).\($0)" }
    }

    /// The line a renewal message says when the tenant's consent ends ({purpose}, {date}).
    public static let consentEndsKey = "mail.consent-ends"
    /// Keys every message that lists details needs.
    public static let listKeys = ["mail.not-held", "mail.prefer-not-to-say", "mail.special-held"]
    /// The greeting of a message under a purpose that may not use the tenant's name.
    public static let unnamedGreetingKey = "mail.greeting-unnamed"

    /// Why this template may not be sent under `purpose`, or nil when it may: a listing answers an access
    /// request and is sent under no purpose; any other goes only under the purposes it names, each of which
    /// must cover what the message shows. One rule for `consent forms check` and `consent notify`.
    public func refusal(under purpose: PurposeDefinition, _ catalogue: Catalogue, templates: [MailTemplate]) -> String? {
        let suited = templates.filter { $0.purposes.contains(purpose.id) }.map(\.id)
        let instead = suited.isEmpty ? "no template names that purpose in \(TemplatesLoader.file)"
            : "for '\(purpose.id)' use --template \(suited.joined(separator: " or "))"
        if listsHeld {
            return "template '\(id)' lists everything we hold about a tenant: it answers that tenant's access request "
                + "(UK GDPR Art. 15) and is never sent under a purpose such as '\(purpose.id)'; \(instead)"
        }
        guard purposes.contains(purpose.id) else {
            return "template '\(id)' is not for purpose '\(purpose.id)' (\(TemplatesLoader.file) lists it for: "
                + "\(purposes.map(\.rawValue).joined(separator: ", "))); \(instead)"
        }
        let uncovered = shows(catalogue).filter { !purpose.attributes.contains($0) }
        guard uncovered.isEmpty else {
            return "template '\(id)' shows \(uncovered.map(\.rawValue).joined(separator: ", ")), which purpose '\(purpose.id)' does not use; "
                + "remove the purpose from the template's 'purposes' in \(TemplatesLoader.file)"
        }
        return nil
    }
}

enum TemplatesLoader {
    static let file = "templates.yaml"

    /// Loads `templates.yaml`; a folder without one has no templates.
    static func load(_ folder: URL, catalogue: Catalogue) throws(FormsError) -> [MailTemplate] {
        let attributes = catalogue.attributes
        let url = folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        var doc = try YAMLFields.document(url, name: file)
        guard try doc.int("version") == 1 else { throw doc.error("'version' must be 1") }
        let nodes = try doc.list("templates")
        try doc.finish()
        var templates: [MailTemplate] = []
        for node in nodes {
            var fields = try YAMLFields(node, file: file, entry: "template")
            let id = try fields.requiredString("id")
            let channel = AttributeID(try fields.requiredString("channel"))
            guard attributes.first(where: { $0.id == channel })?.type == .email else {
                throw fields.error("template '\(id)': channel '\(channel)' must be an email attribute in attributes.yaml")
            }
            let from = try fields.requiredString("from")
            guard !from.contains(where: { $0 == "\r" || $0 == "\n" }), from.contains("@") else {
                throw fields.error("template '\(id)': 'from' must be one line with an address, like Housing <housing@example.org>")
            }
            let lists = try fields.bool("lists-held")
            let withholds = try fields.strings("withholds").map { AttributeID($0) }
            let purposes = try fields.strings("purposes").map { PurposeID($0) }
            let renews = try fields.bool("renews-consent")
            try fields.finish()
            for p in purposes where renews && catalogue.purpose(p)?.legalBasis.control != .optIn {
                throw fields.error("template '\(id)' renews a consent, but '\(p)' is not a consent purpose: list only consent purposes")
            }
            if renews && lists {
                throw fields.error("template '\(id)': a renewal names one consent, it does not list everything held; drop 'lists-held' or 'renews-consent'")
            }
            for p in purposes where catalogue.purpose(p) == nil {
                throw fields.error("template '\(id)': 'purposes' names '\(p)', which is not in purposes.yaml")
            }
            if lists, !purposes.isEmpty {
                throw fields.error("template '\(id)' lists everything held, so it answers an access request and is sent under no purpose: "
                                       + "remove its 'purposes'")
            }
            for a in withholds where attributes.first(where: { $0.id == a }) == nil {
                throw fields.error("template '\(id)': 'withholds' names '\(a)', which is not in attributes.yaml")
            }
            // A special category (gender identity with them) is never in a message: a template that names one,
            // as its address or among what it withholds, is refused rather than trusted to keep it out.
            for a in [channel] + withholds {
                guard let definition = attributes.first(where: { $0.id == a }), definition.isSpecial else { continue }
                throw fields.error("template '\(id)' names '\(a)', a special category\(definition.neverMailed ? " never named in a message" : ""): "
                                       + "messages never carry one; remove it from the template")
            }
            guard !templates.contains(where: { $0.id == id }) else { throw fields.error("template '\(id)' is defined twice") }
            let template = MailTemplate(id: id, channel: channel, from: from, listsHeld: lists, withholds: withholds, purposes: purposes,
                                        renewsConsent: renews)
            for p in purposes {
                guard let purpose = catalogue.purpose(p) else { continue }
                if let refusal = template.refusal(under: purpose, catalogue, templates: []) { throw fields.error(refusal) }
            }
            templates.append(template)
        }
        return templates
    }
}
