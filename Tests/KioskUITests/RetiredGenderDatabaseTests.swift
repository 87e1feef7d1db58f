import ConsentCore
import ConsentForms
import ConsentRegister
import ConsentStore
import ConsentVault
import Foundation
@testable import KioskUI
import Testing
import TestSupport

/// A database made before the census questions, holding answers to the old `gender` question, keeps
/// opening with today's Forms/: the ledger stays the source of truth, the answer is still shown to the
/// tenant (as no longer asked) and can be erased, and no new answer to the retired question is taken.
@Suite struct RetiredGenderDatabaseTests {
    /// The shipped catalogue as it was before the change: `gender` asked, and used for equality monitoring.
    static func catalogueBefore() throws -> Catalogue {
        let today = Shipped.content.catalogue
        let attributes = today.attributes.map { attribute -> AttributeDefinition in
            var old = attribute
            if attribute.id == AttributeID("gender") { old.isRetired = false }
            return old
        }
        let purposes = today.purposes.map { purpose -> PurposeDefinition in
            var old = purpose
            if purpose.id == PurposeID("equality-monitoring") { old.attributes.insert(AttributeID("gender"), at: 1) }
            return old
        }
        return Catalogue(attributes: attributes, purposes: purposes, tenancyReferencePattern: today.tenancyReferencePattern,
                         consentValidityMonths: today.consentValidityMonths)
    }

    @Test func anOldDatabaseWithAGenderAnswerOpensVerifiesAndShowsItToTheTenant() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retired-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("consent.sqlite").path
        let gender = AttributeID("gender"), equality = PurposeID("equality-monitoring")

        // Written by the forms of before: a registration with a gender, and an objection to its use.
        let before = try ConsentDatabase.create(at: path, validator: try Validator(catalogue: try Self.catalogueBefore()),
                                                device: DeviceID("dev-old"), clock: { now })
        try before.record(ChangeRequest(tenant: Sample.ref, payload: .registration(values: [
            AttributeID("full-name"): .value("Ann Smith"), AttributeID("date-of-birth"): .value("1970-05-01"),
            AttributeID("postcode"): .value("LS1 1AA"), gender: .value("non-binary"),
        ]), actor: .system("import"), channel: .importFile))
        try before.record(ChangeRequest(tenant: Sample.ref, payload: .decision(equality, [gender], .objected, notice: nil, validUntil: nil),
                                        actor: .tenant, channel: .kiosk))
        try before.close()

        // Opened with today's forms.
        let db = try ConsentDatabase.open(at: path, validator: Shipped.content.validator, clock: { now })
        let report = try db.verify()
        #expect(report.ok, "\(report.problems)")
        let state = try #require(try db.tenantState(Sample.ref))
        #expect(state.value(gender).answer == .value("non-binary"), "the answer is still held")
        #expect(state.decisions[DecisionKey(gender, equality)]?.state == .objected, "and the tenant's objection with it")
        #expect(!Policy.evaluate(gender, for: equality, of: state, at: now, in: Shipped.content.catalogue).isAllowed, "never used again")

        // The tenant sees it in their access report and at the kiosk, as no longer asked.
        let lines = AccessReport.build(state, content: Shipped.content, language: "en", at: now, revealSpecial: false).lines(Shipped.content)
        #expect(lines.contains("Gender: Non-binary (no longer asked)"), "\(lines)")
        var d = Drive()
        d.keys(.enter)
        d.send(.signedIn(TenantSession(ref: Sample.ref, state: state, started: now)))
        let overview = d.model.items(now: d.now).items().map(\.text)
        #expect(overview.contains("Gender: Non-binary (no longer asked)"), "\(overview)")
        d.press("attr:gender")
        let actions = d.model.selectable(now: d.now).compactMap { $0.action?.token }
        #expect(actions.contains("erase") && !actions.contains("correct") && !actions.contains("prefer-not"), "\(actions)")
        // A tenant without an answer is not shown the retired question at all.
        var other = Drive()
        other.keys(.enter)
        other.send(.signedIn(TenantSession(ref: Sample.ref, state: GenderIdentityKioskTests.state([:]), started: now)))
        #expect(!other.model.items(now: other.now).items().contains { $0.kind == .button(.attribute(AttributeID("gender"))) })

        // No new answer is taken; the old one can be erased, and the chain still verifies.
        #expect(throws: StoreError.refused(.retired(gender))) {
            try db.record(ChangeRequest(tenant: Sample.ref, payload: .correction(gender, .value("woman"), pending: false), actor: .tenant, channel: .kiosk))
        }
        try db.record(ChangeRequest(tenant: Sample.ref, payload: .erasure(gender), actor: .tenant, channel: .kiosk))
        #expect(try db.tenantState(Sample.ref)?.value(gender).answer == nil)
        #expect(try db.verify().ok)
        try db.close()
    }

    /// Staff keying a paper form ask what the kiosk asks: no gender identity for a tenant under 16.
    @Test func staffCannotKeyGenderIdentityForATenantUnder16() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paper16-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try ConsentDatabase.create(at: dir.appendingPathComponent("c.sqlite").path, validator: Shipped.content.validator,
                                            device: DeviceID("dev-paper"))
        try db.addStaff("S100", name: "Sam Okafor", role: .support, password: "correct horse battery")
        let young = TenantRef("T0000002"), birth = Calendar(identifier: .gregorian).component(.year, from: Date()) - 15
        for (ref, dob) in [(Sample.ref, "1970-05-01"), (young, "\(birth)-01-01")] {
            try db.record(ChangeRequest(tenant: ref, payload: .registration(values: [AttributeID("date-of-birth"): .value(dob)]),
                                        actor: .system("test"), channel: .importFile))
        }
        let paper = PaperRecords(content: Shipped.content, database: db)
        func key(_ ref: TenantRef, _ attribute: String, _ value: AttributeValue) throws -> ChangeRequest {
            try paper.correction(reference: ref.rawValue, attribute: attribute, value: value, channel: .paper, staff: "S100",
                                 evidence: "form", reason: nil, verification: nil)
        }
        #expect(throws: RecordError.self) { try key(young, "gender-identity", .value("yes")) }
        #expect(throws: RecordError.self) { try key(Sample.ref, "gender-identity-write-in", .value("Non-binary")) }
        _ = try key(Sample.ref, "gender-identity", .value("no"))
        _ = try key(young, "sex", .value("female"))
        try db.close()
    }
}
