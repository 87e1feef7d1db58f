import ConsentCore
import Testing
@testable import ConsentForms
import TestSupport

/// `consent forms check` refuses a `Forms/staff.yaml` that lets a caller pass on what the tenant's own
/// post carries (letters, the "what we hold" email), and one whose markers have no stronger check.
@Suite struct CallerPostFormsTests {
    func loadError(_ edits: [(file: String, old: String, new: String)]) throws -> FormsError? {
        let scratch = try ScratchContent()
        defer { scratch.remove() }
        for edit in edits { try scratch.edit(edit.file, replacing: edit.old, with: edit.new) }
        do {
            _ = try Content.load(forms: scratch.forms, localization: scratch.localization)
            return nil
        } catch {
            return error
        }
    }

    @Test func shippedPolicyKeepsDateOfBirthOffThePost() throws {
        let content = try Content.load(forms: Shipped.forms, localization: Shipped.localization)
        let policy = try #require(content.staff)
        #expect(policy.onTenantPost.map(\.rawValue) == ["postcode", "mobile", "email"])
        #expect(policy.stronger?.markers == ["vulnerable", "safe-address"])
        #expect(policy.stronger?.methods == [.oneTimeCode, .callBack])
        let listing = try #require(content.templates.first { $0.listsHeld })
        #expect(!listing.shows(content.catalogue).contains(AttributeID("date-of-birth")))
    }

    @Test func refusesChecksThatAreAllOnThePost() throws {
        let error = try #require(try loadError([
            ("Forms/staff.yaml", "checks: [date-of-birth, postcode, mobile, email]", "checks: [postcode, mobile, email]"),
        ]))
        #expect(error.file == "staff.yaml")
        #expect(error.message.contains("every check is on the tenant's post"))
    }

    @Test func refusesADetailTheMailShowsClaimedOffThePost() throws {
        // The listing no longer withholds date of birth: it is then on the tenant's post.
        let error = try #require(try loadError([("Forms/templates.yaml", "    withholds: [date-of-birth]\n", "")]))
        #expect(error.file == "staff.yaml")
        #expect(error.message.contains("'date-of-birth' is in the 'what-we-hold' message"))
    }

    @Test func refusesALetterDetailClaimedOffThePost() throws {
        let error = try #require(try loadError([
            ("Forms/staff.yaml", "on-tenant-post: [postcode, mobile, email]", "on-tenant-post: [mobile, email]"),
        ]))
        #expect(error.message.contains("'postcode' is on every letter we send"))
    }

    @Test func refusesMarkersWithoutAStrongerCheck() throws {
        let error = try #require(try loadError([
            ("Forms/staff.yaml", "    methods: [one-time-code, call-back]\n", "    methods: [one-time-code, call-back]\n    unused: 1\n"),
        ]))
        #expect(error.message.contains("unknown key 'unused'"))
        let missing = try #require(try loadError([
            ("Forms/staff.yaml", "  stronger:\n    markers: [vulnerable, safe-address]\n    methods: [one-time-code, call-back]\n    code-to: mobile\n    call-back-to: [mobile, landline]\n", ""),
        ]))
        #expect(missing.message.contains("'stronger' is required while markers exist"))
        let notPhone = try #require(try loadError([("Forms/staff.yaml", "code-to: mobile", "code-to: email")]))
        #expect(notPhone.message.contains("'email' must be a phone attribute"))
    }
}
