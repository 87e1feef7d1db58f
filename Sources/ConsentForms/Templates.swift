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

    /// The text keys the template needs in Localization/.
    public var textKeys: [String] {
        ["subject", "greeting", "intro", "closing"].map { "template.\(id).\($0)" }
    }

    /// Keys every message that lists details needs.
    public static let listKeys = ["mail.not-held", "mail.prefer-not-to-say", "mail.special-held"]
}

enum TemplatesLoader {
    static let file = "templates.yaml"

    /// Loads `templates.yaml`; a folder without one has no templates.
    static func load(_ folder: URL, attributes: [AttributeDefinition]) throws(FormsError) -> [MailTemplate] {
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
            try fields.finish()
            guard !templates.contains(where: { $0.id == id }) else { throw fields.error("template '\(id)' is defined twice") }
            templates.append(MailTemplate(id: id, channel: channel, from: from, listsHeld: lists))
        }
        return templates
    }
}
