import ConsentCore
import Foundation

/// Everything the program reads from `Forms/` and `Localization/`, checked together.
public struct Content: Sendable {
    public let catalogue: Catalogue
    public let localizer: Localizer
    public let validator: Validator
    /// Messages sent to tenants one at a time (`Forms/templates.yaml`).
    public var templates: [MailTemplate] = []
    /// Staff mode's rules (`Forms/staff.yaml`); nil when the folder has none.
    public var staff: StaffPolicy?
    /// Who is responsible and how to reach them (`Forms/organisation.yaml`); required.
    public let organisation: Organisation

    /// Loads and checks both folders. Every error names the file and the entry at fault.
    public static func load(forms: URL, localization: URL) throws(FormsError) -> Content {
        var catalogue = try FormsLoader.load(forms)
        let organisation = try OrganisationLoader.load(forms, catalogue: catalogue)
        let localizer = try LocalizationLoader.load(localization, deferred: NoticeCompleteness.allKeys(catalogue))
        try NoticeCompleteness.check(catalogue, localizer)
        try checkTexts(catalogue, localizer)
        let templates = try TemplatesLoader.load(forms, catalogue: catalogue)
        if let english = localizer.languages.first {
            for template in templates {
                for key in template.textKeys + (template.listsHeld ? MailTemplate.listKeys : [MailTemplate.unnamedGreetingKey])
                    + (template.renewsConsent ? [MailTemplate.consentEndsKey] : []) where english.messages[key] == nil {
                    throw FormsError(file: TemplatesLoader.file, entry: "template '\(template.id)'",
                                     "missing translation key '\(key)' in Localization/\(LocalizationLoader.templateName)")
                }
            }
        }
        let staff = try StaffPolicyLoader.load(forms, catalogue: catalogue)
        if let staff {
            try MarkerPurposeCheck.check(staff, catalogue)
            try TenantPostCheck.check(staff, templates: templates, catalogue: catalogue)
            // A centre holds pushed phone corrections to the same held attributes as staff mode.
            catalogue.heldByPhone = Set(staff.heldAttributes)
        }
        let validator: Validator
        do { validator = try Validator(catalogue: catalogue) } catch {
            throw FormsError(file: "attributes.yaml", "a pattern does not compile: \(error)")
        }
        return Content(catalogue: catalogue, localizer: localizer, validator: validator, templates: templates, staff: staff,
                       organisation: organisation)
    }

    /// The translation keys `Forms/` needs, with the file and entry that needs each.
    public static func requiredKeys(_ catalogue: Catalogue) -> [(key: String, file: String, entry: String)] {
        var keys: [(String, String, String)] = []
        for a in catalogue.attributes {
            let entry = "attribute '\(a.id)'"
            keys.append(("attribute.\(a.id).label", "attributes.yaml", entry))
            keys.append(("attribute.\(a.id).help", "attributes.yaml", entry))
            for choice in a.choices where choice.fixedLabel == nil {
                keys.append(("choice.\(a.id).\(choice.id)", "attributes.yaml", entry))
            }
            for group in Set(a.choices.compactMap(\.group)).sorted() {
                keys.append(("choice-group.\(a.id).\(group)", "attributes.yaml", entry))
            }
        }
        var recipients: Set<String> = []
        for p in catalogue.purposes {
            let entry = "purpose '\(p.id)'"
            keys.append(("purpose.\(p.id).name", "purposes.yaml", entry))
            keys.append(("purpose.\(p.id).description", "purposes.yaml", entry))
            keys.append(("basis.\(p.legalBasis.rawValue)", "purposes.yaml", entry))
            if let condition = p.specialCondition { keys.append(("special-condition.\(condition)", "purposes.yaml", entry)) }
            for recipient in p.recipients where recipients.insert(recipient).inserted {
                keys.append(("recipient.\(recipient)", "purposes.yaml", entry))
            }
            for notice in p.notices {
                keys.append(("notice.\(p.id).v\(notice.version)", "notices.yaml", "notice for '\(p.id)' version \(notice.version)"))
            }
        }
        return keys
    }

    private static func checkTexts(_ catalogue: Catalogue, _ localizer: Localizer) throws(FormsError) {
        guard let english = localizer.languages.first else { throw FormsError(file: LocalizationLoader.templateName, "has no texts") }
        let organisationKeys: [(key: String, file: String, entry: String)] = Organisation.textKeys.map { ($0, OrganisationLoader.file, "organisation") }
        for (key, file, entry) in requiredKeys(catalogue) + organisationKeys where english.messages[key] == nil {
            throw FormsError(file: file, entry: entry, "missing translation key '\(key)' in Localization/\(LocalizationLoader.templateName)")
        }
    }
}
