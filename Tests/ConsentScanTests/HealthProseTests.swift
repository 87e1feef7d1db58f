import ConsentScan
import Foundation
import Testing

/// Review 5, #7 (last item): a health condition written as words ("she has epilepsy", "Wheelchair user" under
/// a column named Info or Notes) is special-category data when the same row or paragraph identifies a tenant
/// of the register. A condition with no tenant beside it (a newsletter, a leaflet) is not.
@Suite struct HealthProseTests {
    static let rows = Array(Register.tenants[40..<45])

    @Test("a condition in the same row as a tenant's name and postcode, reference or email is health data")
    func conditionBesideATenant() throws {
        let t = Self.rows[0]
        let one = try Register.scan("Name,Postcode,Info\r\n\(t.name),\(t.postcode),Wheelchair user; needs step-free access\r\n", name: "info.csv")
        #expect(one.verdict == .blocked && one.special == ["health-needs"] && one.tenants == 1, "\(one)")
        let notes = "Ref,Email,Notes\r\n" + Self.rows.enumerated().map { i, t in
            "\(t.ref),\(t.email),\(["Epilepsy; strobe alarm", "Dementia, daughter holds LPA", "COPD", "Autistic: confirm in writing", "HIV positive"][i])"
        }.joined(separator: "\r\n") + "\r\n"
        let report = try Register.scan(notes, name: "notes.csv")
        #expect(report.verdict == .blocked && report.special == ["health-needs"] && report.tenants == 5, "\(report)")
    }

    @Test("a condition in a paragraph that names a tenant by reference is health data, in a file or a mail")
    func conditionInProse() throws {
        let t = Self.rows[1]
        let letter = "Dear colleague,\n\nRe: \(t.name), tenancy \(t.ref). She told us she has epilepsy, so please fit the strobe alarm.\n\nThanks\n"
        let report = try Register.scan(letter, name: "referral.txt")
        #expect(report.verdict == .blocked && report.special == ["health-needs"], "\(report)")
        let mail = Mail.message(to: "repairs@contractor.example", body: "\(t.name) (\(t.ref)) is a wheelchair user and is registered blind.")
        #expect(try Register.scan(mail, name: "referral.eml").special == ["health-needs"])
    }

    @Test("a condition with no tenant in the same row or paragraph is not health data")
    func conditionWithoutATenant() throws {
        let leaflet = """
            Dementia awareness week

            Join our dementia-friendly coffee morning. Epilepsy Action and the Alzheimer's Society will be there,
            and the hall is accessible to wheelchair users. Call 0300 123 4567.

            """
        #expect(try Register.scan(leaflet, name: "leaflet.txt").verdict == .clean)
        let t = Self.rows[2]
        // The tenant in one paragraph, a condition in another (a letter's footer): one tenant's letter.
        let letter = "Dear \(t.name),\n\nYour tenancy \(t.ref): the rent changes in April.\n\nWe support tenants living with dementia: ask us.\n"
        #expect(try Register.scan(letter, name: "rent.txt").verdict == .oneTenant)
        // Words that are also everyday words do not count: a repair to a kitchen blind.
        let repair = "Ref,Email,Job\r\n\(t.ref),\(t.email),Replace the kitchen blind; the fan has a stroke of bad luck\r\n"
        #expect(try Register.scan(repair, name: "repairs.csv").verdict == .oneTenant)
    }
}
