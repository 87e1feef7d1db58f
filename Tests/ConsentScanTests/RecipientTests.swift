import ConsentScan
import Foundation
import Testing

/// Review 3, G10: "one tenant's data — may go to that tenant only" is enforced against the envelope.
@Suite struct RecipientTests {
    static let tenant = Register.tenants[0]
    static let other = Register.tenants[7]

    /// The arrears letter of the review: no tenant in any header, so only the envelope says where it goes.
    static var letter: Data {
        let t = tenant
        return Data("""
            From: Housing Team <housing@landlord.example>\r
            To: undisclosed-recipients:;\r
            Subject: Your rent account\r
            \r
            Dear \(t.name),\r
            Your rent account for \(t.address) \(t.postcode) (tenancy \(t.ref)) is in arrears.\r
            Mobile on file: \(t.mobile), email \(t.email).\r

            """.utf8)
    }

    static func scan(_ recipients: [String], own: [String] = []) throws -> ScanReport {
        try Register.scanner.scan(letter, name: "one.eml", recipients: recipients, ownDomains: own)
    }

    @Test("One tenant's letter goes to that tenant's own address only; another tenant, an outsider or a Bcc blocks it")
    func recipients() throws {
        #expect(try Register.scanner.scan(Self.letter, name: "one.eml").verdict == .oneTenant)
        #expect(try Self.scan([Self.tenant.email]).verdict == .oneTenant)
        #expect(try Self.scan(["<\(Self.tenant.email.uppercased())>"]).verdict == .oneTenant)

        let misdirected = try Self.scan([Self.other.email])
        #expect(misdirected.verdict == .blocked && misdirected.tenants == 1, "\(misdirected)")
        #expect(misdirected.reason.contains("goes to \(Self.other.email)"), "\(misdirected.reason)")
        #expect(misdirected.reason.contains("send it only to the tenant's own address"))

        let bcc = try Self.scan([Self.tenant.email, "someone@elsewhere.example"])
        #expect(bcc.verdict == .blocked && bcc.reason.contains("someone@elsewhere.example") && !bcc.reason.contains(Self.tenant.email), "\(bcc.reason)")
        let everyone = try Self.scan([Self.tenant.email] + Register.tenants[1..<40].map(\.email))
        #expect(everyone.verdict == .blocked)
        #expect(try Self.scan(["not an address"]).verdict == .blocked)
    }

    @Test("One tenant's letter does not go to an address the register holds for them and another tenant (a joint tenancy)")
    func sharedAddress() throws {
        var partner = Register.tenant(1_000)
        partner.email = Self.tenant.email
        var builder = ScanIndex.Builder(key: Register.key, catalogue: Register.catalogue)
        for t in Register.tenants.dropFirst() + [partner] { builder.add(Register.state(t)) }
        builder.add(Register.state(Self.tenant))
        let scanner = LeakScanner(index: builder.finish(), terms: Register.terms)
        let shared = try scanner.scan(Self.letter, name: "one.eml", recipients: [Self.tenant.email])
        #expect(shared.verdict == .blocked, "\(shared)")
        #expect(shared.reason.contains("holds for more than one tenant") && shared.reason.contains(Self.tenant.email), "\(shared.reason)")
        // The same letter to an address only this tenant holds, in the register without the partner, goes.
        #expect(try Self.scan([Self.tenant.email]).verdict == .oneTenant)
    }

    @Test("The landlord's own domains may receive one tenant's data (a tenant writing to the office); clean mail goes anywhere")
    func ownDomains() throws {
        #expect(try Self.scan(["housing@landlord.example"]).verdict == .blocked)
        #expect(try Self.scan(["housing@landlord.example", "rents@Arrears.Landlord.Example"], own: ["landlord.example"]).verdict == .oneTenant)
        #expect(try Self.scan(["housing@notlandlord.example"], own: ["landlord.example"]).verdict == .blocked)
        let clean = Data("From: a@landlord.example\r\nTo: b@elsewhere.example\r\nSubject: Lifts\r\n\r\nThe lifts are serviced on Monday.\r\n".utf8)
        #expect(try Register.scanner.scan(clean, name: "c.eml", recipients: ["b@elsewhere.example"]).verdict == .clean)
    }
}
