import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

/// One decision keyed from a paper form, taken by phone, or sent by a script: the same fields
/// whichever way it comes in, turned into the same `ChangeRequest` the kiosk and staff mode make.
public struct DecisionEntry: Sendable {
    public var reference: String
    public var attributes: [String]
    public var purpose: String
    /// `grant`, `withdraw`, `object` or `not-asked`.
    public var decision: String
    public var channel: Channel
    public var staff: String
    public var noticeVersion: Int?
    public var language: String?
    public var reason: String?
    public var evidence: String?
    /// How the caller was verified (phone).
    public var verification: String?
    /// The date the tenant signed (`YYYY-MM-DD` or `DD/MM/YYYY`); the decision's effective time.
    public var signed: String?

    public init(reference: String, attributes: [String], purpose: String, decision: String, channel: Channel, staff: String,
                noticeVersion: Int? = nil, language: String? = nil, reason: String? = nil, evidence: String? = nil,
                verification: String? = nil, signed: String? = nil) {
        self.reference = reference
        self.attributes = attributes
        self.purpose = purpose
        self.decision = decision
        self.channel = channel
        self.staff = staff
        self.noticeVersion = noticeVersion
        self.language = language
        self.reason = reason
        self.evidence = evidence
        self.verification = verification
        self.signed = signed
    }
}

/// Why an entry was refused; nothing was recorded.
public struct RecordError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds and records decisions and corrections from the command line and from paper campaigns.
public struct PaperRecords {
    public let content: Content
    public let database: ConsentDatabase

    public init(content: Content, database: ConsentDatabase) {
        self.content = content
        self.database = database
    }

    static let decisions: [String: DecisionState] = ["grant": .granted, "withdraw": .withdrawn, "object": .objected, "not-asked": .notAsked]

    /// The staff actor, after checking the id is a member of staff (with `lookup`, or in the database).
    func actor(_ staff: String, channel: Channel, verification: String?, reason: String?,
               lookup: ((String) throws -> StaffMember?)? = nil) throws -> Actor {
        let member = try lookup.map { try $0(staff) } ?? database.staffMember(staff)
        guard member != nil else { throw StoreError.unknownStaff(staff) }
        let method = verification ?? (channel == .paper ? "signed-form" : nil)
        return .staff(StaffID(staff), verification: method, reason: reason)
    }

    /// Staff key what a tenant said on paper or by phone. The kiosk is the tenant's own (ChangeRules
    /// refuses staff there); imports and the system record their own changes, never through the desk.
    static func deskChannel(_ channel: Channel) throws(RecordError) {
        guard channel == .importFile || channel == .system else { return }
        throw RecordError("staff key a tenant's choice from paper or a call: use --channel paper or phone, not \(channel.rawValue)")
    }

    /// The start (UTC) of the day a form was signed.
    func signedDate(_ text: String?) throws(RecordError) -> Date? {
        guard let text else { return nil }
        guard let date = Validator.dayStart(text.trimmingCharacters(in: .whitespaces)) else {
            throw RecordError("'\(TextSafety.displaySafe(text))' is not a date that exists (use YYYY-MM-DD or DD/MM/YYYY)")
        }
        return date
    }

    /// The change an entry asks for, with everything checked that ChangeRules does not know.
    /// `lookup` finds staff inside a running batch (its transaction); by default the database is asked.
    public func request(_ entry: DecisionEntry, lookup: ((String) throws -> StaffMember?)? = nil) throws -> ChangeRequest {
        try Self.deskChannel(entry.channel)
        guard let state = Self.decisions[entry.decision] else {
            throw RecordError("'\(TextSafety.displaySafe(entry.decision))' is not a decision; use grant, withdraw, object or not-asked")
        }
        guard let ref = content.validator.tenancyReference(entry.reference) else {
            throw RecordError("'\(TextSafety.displaySafe(entry.reference))' is not a tenancy reference")
        }
        if let language = entry.language, !content.localizer.has(language) {
            throw RecordError("no notice translation in '\(TextSafety.displaySafe(language))'; shipped: \(content.localizer.languages.map(\.code).joined(separator: ", "))")
        }
        guard !entry.attributes.isEmpty else { throw RecordError("name at least one --attribute") }
        let notice = entry.noticeVersion.map { NoticeShown(version: $0, language: entry.language ?? "en") }
        let purpose = PurposeID(entry.purpose), attributes = entry.attributes.map { AttributeID($0) }
        // Four eyes, as in staff mode: by phone or on paper (a scanned form is the evidence the second person confirms on).
        return ChangeRequest(
            tenant: ref,
            payload: state == .granted && StaffRules.holdsGrant(of: attributes, catalogue: content.catalogue)
                ? .heldGrant(purpose, attributes, notice: notice, validUntil: nil)
                : .decision(purpose, attributes, state, notice: notice, validUntil: nil),
            actor: try actor(entry.staff, channel: entry.channel, verification: entry.verification, reason: entry.reason, lookup: lookup),
            channel: entry.channel, effectiveAt: try signedDate(entry.signed), evidence: entry.evidence)
    }

    /// A correction keyed by staff: pending when the attribute needs evidence and none is given.
    public func correction(reference: String, attribute: String, value: AttributeValue, channel: Channel, staff: String,
                           evidence: String?, reason: String?, verification: String?) throws -> ChangeRequest {
        try Self.deskChannel(channel)
        guard let ref = content.validator.tenancyReference(reference) else {
            throw RecordError("'\(TextSafety.displaySafe(reference))' is not a tenancy reference")
        }
        guard let definition = content.catalogue.attribute(AttributeID(attribute)) else {
            throw RecordError("no attribute '\(TextSafety.displaySafe(attribute))' in Forms/attributes.yaml")
        }
        // What the tenant is not asked (gender identity under 16, a write-in before its answer) is not keyed for them either.
        if !definition.isRetired, let state = try database.tenantState(ref), !content.catalogue.asks(definition.id, of: state, at: Date()) {
            throw RecordError("'\(definition.id)' is not asked of \(ref): under the age it is asked from (\(definition.askedFromAge.map(String.init) ?? "-")), "
                                  + "no date of birth held, or it follows an answer not given")
        }
        // On paper or with evidence seen, only a change that needs evidence and has none waits; a call
        // changing contact details (or anything that needs evidence) always waits for a second person.
        let pending = ChannelRules.correctionWaits(definition.id, value, channel: channel, evidence: evidence, catalogue: content.catalogue,
                                                   heldByPhone: content.staff.map { Set($0.heldAttributes) })
        return ChangeRequest(
            tenant: ref, payload: .correction(definition.id, value, pending: pending),
            actor: try actor(staff, channel: channel, verification: verification, reason: reason), channel: channel, evidence: evidence)
    }

    /// Records every row of a paper campaign's CSV (reference, attribute, purpose, decision, date
    /// signed, staff, form version; optional language, reason, evidence) in one transaction: any
    /// bad row refuses the whole file, naming its row and column. Every row's staff must be
    /// `keyedBy`, the member of staff signed in to import it: nobody imports in another's name.
    /// Returns the decisions recorded.
    public func batch(_ url: URL, channel: Channel = .paper, keyedBy: String) throws -> Int {
        try Self.deskChannel(channel)
        var reader = try CSVReader(url: url)
        guard let header = try reader.next(), header != [""] else { throw CSVError("the file is empty; it needs a header row") }
        let names = header.map(ImportMapping.normalise)
        func optional(_ aliases: [String]) -> Int? { names.firstIndex { aliases.contains($0) } }
        func column(_ aliases: [String]) throws -> Int {
            guard let index = optional(aliases) else {
                throw CSVError(row: 1, "no '\(aliases[0])' column; the header needs reference, attribute, purpose, decision, date signed, staff, form version")
            }
            return index
        }
        let ref = try column(["reference", "tenancyref", "tenancyreference", "ref"])
        let attribute = try column(["attribute"]), purpose = try column(["purpose"]), decision = try column(["decision"])
        let signed = try column(["datesigned", "signed", "signedon", "date"]), staff = try column(["staff", "staffid", "keyedby"])
        let version = try column(["formversion", "noticeversion", "version"])
        let language = optional(["language"]), reason = optional(["reason"]), evidence = optional(["evidence"])
        return try database.batch { batch in
            var count = 0
            while let fields = try reader.next() {
                let row = reader.record
                if fields == [""] { continue }
                guard fields.count == header.count else {
                    throw CSVError(row: row, "has \(fields.count) fields but the header has \(header.count)")
                }
                func cell(_ index: Int?) -> String? {
                    guard let index else { return nil }
                    let text = fields[index].trimmingCharacters(in: .whitespaces)
                    return text.isEmpty ? nil : text
                }
                guard let formVersion = Int(fields[version].trimmingCharacters(in: .whitespaces)) else {
                    throw CSVError(row: row, column: version + 1, "the form version must be a whole number")
                }
                guard cell(signed) != nil else { throw CSVError(row: row, column: signed + 1, "the date signed is missing") }
                let keyer = fields[staff].trimmingCharacters(in: .whitespaces)
                guard keyer == keyedBy else {
                    throw CSVError(row: row, column: staff + 1,
                                   "names staff '\(TextSafety.displaySafe(keyer))', but \(keyedBy) is signed in: each member of staff imports the forms they keyed")
                }
                let entry = DecisionEntry(
                    reference: fields[ref], attributes: [fields[attribute].trimmingCharacters(in: .whitespaces)],
                    purpose: fields[purpose].trimmingCharacters(in: .whitespaces), decision: fields[decision].trimmingCharacters(in: .whitespaces),
                    channel: channel, staff: fields[staff].trimmingCharacters(in: .whitespaces),
                    noticeVersion: (Self.decisions[fields[decision].trimmingCharacters(in: .whitespaces)] == .granted) ? formVersion : nil,
                    language: cell(language), reason: cell(reason) ?? "paper-campaign", evidence: cell(evidence), signed: cell(signed))
                do {
                    let staffInBatch = batch
                    try batch.record(try request(entry, lookup: { try staffInBatch.staffMember($0) }))
                } catch let error as RecordError {
                    throw CSVError(row: row, column: Self.column(for: error.description, ref: ref, decision: decision, signed: signed, language: language), error.description)
                } catch StoreError.unknownStaff(let id) {
                    throw CSVError(row: row, column: staff + 1, "no staff member '\(TextSafety.displaySafe(id))'")
                } catch StoreError.unknownTenant(let id) {
                    throw CSVError(row: row, column: ref + 1, "no tenant with reference \(id)")
                } catch StoreError.refused(let error) {
                    throw CSVError(row: row, column: Self.column(for: error, attribute: attribute, purpose: purpose, version: version, signed: signed),
                                   error.description)
                }
                count += 1
            }
            guard count > 0 else { throw CSVError("the file has a header but no decisions") }
            return count
        }
    }

    /// The column a refusal is about, so the message can name it.
    static func column(for message: String, ref: Int, decision: Int, signed: Int, language: Int?) -> Int {
        if message.contains("tenancy reference") { return ref + 1 }
        if message.contains("not a decision") { return decision + 1 }
        if message.contains("translation"), let language { return language + 1 }
        return signed + 1
    }

    static func column(for error: ChangeError, attribute: Int, purpose: Int, version: Int, signed: Int) -> Int {
        switch error {
        case .unknownAttribute, .attributeNotInPurpose, .attributesRequired: attribute + 1
        case .unknownNoticeVersion, .noticeRequired: version + 1
        case .effectiveInFuture: signed + 1
        default: purpose + 1
        }
    }
}
