import ConsentCore
import Testing
@testable import ConsentForms
import TestSupport

/// `Forms/staff.yaml`: the shipped rules load, and a broken file names what is wrong.
@Suite struct StaffFormsTests {
    func loadError(_ old: String, _ new: String) throws -> FormsError {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        try scratch.edit("Forms/staff.yaml", replacing: old, with: new)
        do {
            _ = try Content.load(forms: scratch.forms, localization: scratch.localization)
        } catch {
            return error
        }
        Issue.record("loading succeeded although staff.yaml was broken")
        return FormsError(file: "", "")
    }

    @Test func shippedPolicyLoads() throws {
        let content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
        let policy = try #require(content.staff)
        #expect(policy.checks.map(\.rawValue) == ["date-of-birth", "postcode", "mobile", "email"])
        #expect(policy.required == 2)
        #expect(policy.reason("caller-withdraws") != nil)
        #expect(policy.marker("safe-address")?.hides.contains(AttributeID("address")) == true)
        #expect(policy.heldAttributes.contains(AttributeID("mobile")))
    }

    @Test func unknownAttributeInChecks() throws {
        let error = try loadError("checks: [date-of-birth, postcode, mobile, email]", "checks: [date-of-birth, rent-account]")
        #expect(error.file == "staff.yaml")
        #expect(error.message.contains("'rent-account', which is not in attributes.yaml"))
    }

    @Test func requiredMustBeReachable() throws {
        let error = try loadError("required: 2", "required: 5")
        #expect(error.entry == "verification")
        #expect(error.message.contains("between 1 and the number of checks (4)"))
    }

    @Test func misspelledKeyAndDuplicateReason() throws {
        #expect(try loadError("held-attributes:", "held-atributes:").message.contains("unknown key 'held-atributes'"))
        let dup = try loadError("  - { id: call-back,", "  - { id: caller-request,")
        #expect(dup.message.contains("reason 'caller-request' is listed twice"))
    }
}
