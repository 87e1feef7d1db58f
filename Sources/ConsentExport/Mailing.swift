import ConsentCore
import ConsentForms
import ConsentVault
import Foundation

/// Writes one RFC 5322 message per tenant who may be contacted for a purpose through the
/// template's channel: each message goes to that tenant alone and holds only their own details,
/// never a special-category value and never an attachment. Messages are written into a new folder
/// (files `000001.eml`… named by number, never by person), which appears whole or not at all.
public struct Mailing {
    public let content: Content
    public let template: MailTemplate
    public let purpose: PurposeDefinition
    public let at: Date
    /// Everything the messages read: the channel first, then every attribute (to list what is held).
    public let policy: PurposePolicy
    /// The one tenant an access answer goes to; nil for a message under a purpose.
    public let only: TenantRef?
    /// For a renewal template: write only to tenants whose grant of the purpose lapses within this many days.
    public let lapsingWithin: Int?

    /// What a mailing wrote, saved as `manifest.json` in its folder.
    public struct Manifest: Codable, Sendable {
        public var mailingID: String
        public var purpose: String
        public var template: String
        public var ledgerPosition: Int64
        public var messages: Int
        /// Tenants not written to, by reason (the policy's, or `unsafe-address`).
        public var leftOut: [String: Int]
        public var createdAt: Date
    }

    /// A message under `purpose` to every tenant it allows: refused for a template that does not name the
    /// purpose or shows what the purpose does not use, and for a listing ("what we hold"), which answers
    /// one tenant's access request (``init(content:template:answering:at:)``).
    ///
    /// A renewal template (`renews-consent`) needs `lapsingWithin` and goes only to tenants whose grant of the
    /// purpose ends within that many days; any other template refuses it.
    public init(content: Content, template id: String, purpose: String, lapsingWithin: Int? = nil, at date: Date) throws(ExportError) {
        let template = try Self.template(id, content)
        switch (template.renewsConsent, lapsingWithin) {
        case (true, nil):
            throw ExportError("template '\(id)' asks tenants to renew a consent that lapses soon: give --lapsing-within DAYS (nothing was written)")
        case (false, _?):
            throw ExportError("--lapsing-within goes with a renewal template (renews-consent in Forms/templates.yaml), not '\(id)' (nothing was written)")
        case (true, let days?) where !(1...Expiry.maximumDays).contains(days):
            throw ExportError("--lapsing-within takes a number of days from 1 to \(Expiry.maximumDays) (nothing was written)")
        default: break
        }
        guard let purpose = content.catalogue.purpose(PurposeID(purpose)) else {
            throw ExportError("no purpose '\(purpose)' in Forms/purposes.yaml; nothing was written")
        }
        guard purpose.attributes.contains(template.channel) else {
            throw ExportError("purpose '\(purpose.id)' does not use \(template.channel), so no one may be written to by it for that purpose")
        }
        if let refusal = template.refusal(under: purpose, content.catalogue, templates: content.templates) {
            throw ExportError(refusal + (template.listsHeld ? "; to answer one tenant's request, send it to them alone: --tenant REF instead of --purpose" : "") + " (nothing was written)")
        }
        self.init(content, template, purpose, at: date, only: nil, lapsingWithin: lapsingWithin)
    }

    /// The answer to one tenant's access request: a listing template ("what we hold") sent to that tenant's
    /// own address, held for the tenancy (the contract purpose using it), and to no address another tenant holds.
    public init(content: Content, template id: String, answering tenant: TenantRef, at date: Date) throws(ExportError) {
        let template = try Self.template(id, content)
        guard template.listsHeld else {
            throw ExportError("template '\(id)' is a message for a purpose, not an access answer: give --purpose instead of --tenant (nothing was written)")
        }
        guard let purpose = content.catalogue.purposes.first(where: { $0.legalBasis == .contract && $0.attributes.contains(template.channel) }) else {
            throw ExportError("no contract purpose in Forms/purposes.yaml uses \(template.channel), so no address is held to answer at (nothing was written)")
        }
        self.init(content, template, purpose, at: date, only: tenant, lapsingWithin: nil)
    }

    private init(_ content: Content, _ template: MailTemplate, _ purpose: PurposeDefinition, at date: Date, only: TenantRef?, lapsingWithin: Int?) {
        self.lapsingWithin = lapsingWithin
        self.content = content
        self.template = template
        self.purpose = purpose
        self.at = date
        self.only = only
        let others = content.catalogue.attributes.map(\.id).filter { $0 != template.channel }
        policy = PurposePolicy(purpose: purpose, attributes: [template.channel] + others, catalogue: content.catalogue)
    }

    private static func template(_ id: String, _ content: Content) throws(ExportError) -> MailTemplate {
        guard let template = content.templates.first(where: { $0.id == id }) else {
            throw ExportError("no template '\(id)' in Forms/templates.yaml; choose from: \(content.templates.map(\.id).joined(separator: ", "))")
        }
        return template
    }

    /// Writes the messages into `folder` (a new folder). A tenant whose address another tenant also holds
    /// is not written to: whoever reads that mailbox would read the other's details. Each such tenant is
    /// passed to `skipped`, with the others holding the address, for staff to follow up.
    public func run(into folder: URL, from source: ExportSource, progress: (Int) -> Void = { _ in },
                    skipped: ([SkippedTenant]) -> Void = { _ in }) async throws -> Manifest {
        guard !FileManager.default.fileExists(atPath: folder.path) else {
            throw ExportError("\(folder.path) already exists; choose a new --out folder (mailings never overwrite)")
        }
        // First, which addresses several tenants hold (whatever their consent: the others read that mailbox too).
        var addresses = SharedAddresses()
        _ = try await source.eachTenant(TenantSlice(addressPolicy, readingDecisions: false)) { _, tenant in
            addresses.count(tenant.value(template.channel).answer?.text)
        }
        var again = SharedAddresses(), holders: [Int: [TenantRef]] = [:], passedOver: [(TenantRef, Int)] = [], found = false
        let parent = folder.deletingLastPathComponent()
        let scratch = parent.appendingPathComponent(".consent-mail-\(UUID().uuidString)")
        guard mkdir(scratch.path, 0o700) == 0 else {
            throw ExportError("cannot create a folder in \(parent.path): \(String(cString: strerror(errno))); check it exists and is writable")
        }
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(at: scratch) } }
        let mailingID = "mail-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let listed = template.names(content.catalogue)
        let columns = disclosable
        let log = try DisclosureLog(creating: scratch.appendingPathExtension("disclosures"), columns: columns)
        var messages = 0
        var leftOut: [String: Int] = [:]
        let position = try await source.eachTenant(TenantSlice(policy, readingDecisions: policy.readsDecisions)) { ref, tenant in
            let held = tenant.value(template.channel).answer?.text
            let key = again.count(held)
            if let key, addresses.isShared(key) { holders[key, default: []].append(ref) }
            if let only, ref != only { return }
            found = true
            if case .denied(let reason) = policy.evaluate(0, of: tenant, at: at) {
                leftOut[reason.rawValue, default: 0] += 1
                return
            }
            var ends: Date?
            if let lapsingWithin {
                guard let end = lapsingEnd(tenant, ref, within: lapsingWithin) else {
                    leftOut["not-lapsing", default: 0] += 1
                    return
                }
                ends = end
            }
            guard let address = held, let to = MailFormat.address(address) else {
                leftOut["unsafe-address", default: 0] += 1
                return
            }
            if let key, addresses.isShared(key) {
                leftOut[SkippedTenant.sharedAddress, default: 0] += 1
                passedOver.append((ref, key))
                return
            }
            messages += 1
            let (text, shown) = body(tenant, listed: listed, ends: ends)
            let message = MailFormat.message(
                from: template.from, to: to, subject: content.localizer.text("template.\(template.id).subject", language(tenant)),
                body: text, language: language(tenant), id: "\(mailingID).\(messages)", date: at)
            let file = try OutputFile(creating: scratch.appendingPathComponent(String(format: "%06d.eml", messages)))
            try file.append(message)
            try file.finish()
            file.keep()
            try log.append(ref, cells: columns.map { shown.contains($0) ? "" : nil })
            if messages % 1000 == 0 { progress(messages) }
        }.position
        try log.finish()
        if let only, !found { throw ExportError("no tenant '\(only)' in this register; check the tenancy reference (nothing was written)") }
        guard again.isWithin(addresses) else {
            throw ExportError("an address became shared by several tenants while the messages were written; run consent notify again (nothing was written)")
        }
        let manifest = Manifest(mailingID: mailingID, purpose: purpose.id.rawValue, template: template.id, ledgerPosition: position,
                                messages: messages, leftOut: leftOut, createdAt: at)
        let manifestFile = try OutputFile(creating: scratch.appendingPathComponent("manifest.json"))
        try manifestFile.append(try Exporter.encode(manifest))
        try manifestFile.finish()
        manifestFile.keep()
        // rename(2) of a directory fails if the target exists (non-empty) — checked again here.
        guard !FileManager.default.fileExists(atPath: folder.path), rename(scratch.path, folder.path) == 0 else {
            throw ExportError("cannot move the mailing into place at \(folder.path)")
        }
        keep = true
        do {
            try await source.recordDisclosures(exportID: mailingID, purpose: purpose.id, recipient: TenantRecipient.byEmail, log)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw ExportError("could not record the disclosures (\(error)); the mailing was removed, nothing was sent")
        }
        progress(messages)
        skipped(passedOver.map { ref, key in
            SkippedTenant(tenant: ref.rawValue, reason: SkippedTenant.sharedAddress,
                          sharedWith: (holders[key] ?? []).filter { $0 != ref }.map(\.rawValue))
        })
        return manifest
    }

    /// The columns a mailing's disclosures are recorded under: what any message of it can show (the
    /// address, a name to greet by, and for a listing what its template shows), never more, so what is
    /// recorded stays within what the purpose, or a tenant's own access answer, may carry.
    private var disclosable: [AttributeID] {
        var columns = [template.channel]
        for attribute in MailTemplate.greetingNames + (template.listsHeld ? template.shows(content.catalogue) : [])
        where !columns.contains(attribute) && (template.listsHeld || purpose.attributes.contains(attribute)) {
            columns.append(attribute)
        }
        return columns
    }

    /// What the first pass reads: only the address.
    private var addressPolicy: PurposePolicy {
        PurposePolicy(purpose: purpose, attributes: [template.channel], catalogue: content.catalogue)
    }

    private func language(_ tenant: TenantState) -> String {
        let preferred = tenant.value(AttributeID("preferred-language")).answer?.text ?? "en"
        return content.localizer.has(preferred) ? preferred : "en"
    }

    /// When the tenant's grant of the purpose lapses, if within `days` of the mailing (`Expiry`, the rule
    /// `consent expiry` lists by): the earliest end over the attributes the grant covers.
    private func lapsingEnd(_ tenant: TenantState, _ ref: TenantRef, within days: Int) -> Date? {
        let rows = tenant.decisions.filter { $0.key.purpose == purpose.id }.map { key, record in
            Expiry.Row(tenant: ref, purpose: key.purpose, attribute: key.attribute, state: record.state,
                       effectiveAt: record.effectiveAt, validUntil: record.validUntil)
        }
        return Expiry.lapsing(rows, from: at, days: days, in: content.catalogue).map(\.until).min()
    }

    /// The message text, and which attributes' values it shows; a renewal names the purpose and the day its consent `ends`.
    func body(_ tenant: TenantState, listed: [AttributeID], ends: Date? = nil) -> (String, Set<AttributeID>) {
        let language = language(tenant)
        let t = { (key: String) in content.localizer.text(key, language) }
        var shown: Set<AttributeID> = [template.channel]  // the address it goes to
        let greeting: String
        if let (attribute, name) = greetingName(tenant) {
            greeting = content.localizer.text("template.\(template.id).greeting", language, ["name": name])
            shown.insert(attribute)
        } else {
            greeting = t(MailTemplate.unnamedGreetingKey)
        }
        var lines = [greeting, "", t("template.\(template.id).intro"), ""]
        if let ends {
            lines += [content.localizer.text(MailTemplate.consentEndsKey, language,
                                             ["purpose": t("purpose.\(purpose.id).name"), "date": DayText.text(ends)]), ""]
        }
        if template.listsHeld {
            // One rule with `consent forms check`: what the message may show is what its template `shows`.
            let showable = Set(template.shows(content.catalogue))
            for attribute in listed {
                guard let definition = content.catalogue.attribute(attribute) else { continue }
                let shownValue: String
                switch tenant.value(attribute) {
                case .notHeld, .erased: shownValue = t("mail.not-held")
                case .held(.preferNotToSay, _): shownValue = t("mail.prefer-not-to-say")
                case .held(.value(let text), _):
                    if definition.isSpecial || !showable.contains(attribute) {
                        shownValue = t("mail.special-held")
                    } else {
                        shownValue = label(definition, text, language)
                        shown.insert(attribute)
                    }
                case .unavailable: shownValue = t("mail.special-held")
                }
                lines.append("- \(t("attribute.\(attribute).label")): \(shownValue)")
            }
            lines.append("")
        }
        lines.append(t("template.\(template.id).closing"))
        // Who is responsible, how to reach them, and the right to complain to the ICO.
        lines += [""] + content.organisation.lines(content.localizer, language)
        return (lines.joined(separator: "\n") + "\n", shown)
    }

    /// The name a message greets the tenant by: a listing (the tenant's own access answer) uses what is
    /// held; a message under a purpose only a name the purpose uses and the tenant's decisions allow.
    private func greetingName(_ tenant: TenantState) -> (AttributeID, String)? {
        for attribute in MailTemplate.greetingNames {
            guard let name = tenant.value(attribute).answer?.text, !name.isEmpty else { continue }
            if template.listsHeld { return (attribute, name) }
            guard let index = policy.attributes.firstIndex(of: attribute), policy.evaluate(index, of: tenant, at: at) == .allowed else { continue }
            return (attribute, name)
        }
        return nil
    }

    private func label(_ attribute: AttributeDefinition, _ value: String, _ language: String) -> String {
        guard attribute.type == .choice, let choice = attribute.choices.first(where: { $0.id == value }) else { return value }
        return choice.fixedLabel ?? content.localizer.text("choice.\(attribute.id).\(choice.id)", language)
    }
}

/// RFC 5322 / MIME building blocks: safe addresses, encoded headers, base64 bodies.
public enum MailFormat {
    /// The address as an angle-bracketed mailbox, or nil when it could smuggle a header or a second
    /// recipient (white space, brackets, commas, quotes, semicolons, control characters, not one @).
    public static func address(_ text: String) -> String? {
        let forbidden = Set("<>()[],;:\\\"' \t\r\n")
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }),
              !text.contains(where: forbidden.contains), text.filter({ $0 == "@" }).count == 1,
              !text.hasPrefix("@"), !text.hasSuffix("@") else { return nil }
        return "<\(text)>"
    }

    /// A header value: as is when plain ASCII on one line, else RFC 2047 encoded words.
    public static func header(_ text: String) -> String {
        let oneLine = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if oneLine.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !oneLine.contains("=?") { return oneLine }
        var words: [String] = [], chunk = ""
        for character in oneLine {
            if chunk.utf8.count + character.utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0.utf8).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    public static func message(from: String, to: String, subject: String, body: String, language: String, id: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let encoded = Data(body.replacingOccurrences(of: "\n", with: "\r\n").utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return [
            "From: \(header(from))", "To: \(to)", "Subject: \(header(subject))", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id)@tenantconsent.invalid>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64", "Content-Language: \(language)", "", encoded, "",
        ].joined(separator: "\r\n")
    }
}
