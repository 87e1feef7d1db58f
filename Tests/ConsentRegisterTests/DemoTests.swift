import ConsentCore
import ConsentForms
@testable import ConsentRegister
import Foundation
import Testing
import TestSupport

@Suite struct DemoTests {
    // The shipped Forms/ must load; a failure here is reported by ConsentFormsTests too.
    static let content = Shipped.content

    let demo = DemoRegister(seed: 2020, now: Date(timeIntervalSince1970: 1_790_000_000), shippedLanguages: ["en", "pl", "ro", "ur"],
                            catalogue: DemoTests.content.catalogue)

    @Test func sameSeedSameTenantDifferentSeedDifferentRegister() {
        #expect(demo.tenant(42) == demo.tenant(42))
        let other = DemoRegister(seed: 2021, now: demo.now, shippedLanguages: demo.shippedLanguages, catalogue: demo.catalogue)
        #expect((0..<20).contains { other.tenant($0) != demo.tenant($0) })
    }

    /// Every generated value passes the Forms/ rules, and every decision the change rules.
    @Test func everyTenantPassesTheRules() throws {
        for i in 0..<500 {
            for request in demo.tenant(i) {
                _ = try ChangeRules.check(request, validator: Self.content.validator, now: demo.now)
            }
        }
    }

    /// Shares come out close to the 2021 census (England and Wales).
    @Test func specialCategoriesFollowTheCensus() {
        var ethnic: [String: Int] = [:], religion: [String: Int] = [:]
        let n = 3545
        for i in 0..<n {
            guard case .registration(let values) = demo.tenant(i)[0].payload else { continue }
            if let e = values[AttributeID("ethnic-origin")]?.text { ethnic[e, default: 0] += 1 }
            if let r = values[AttributeID("religion")]?.text { religion[r, default: 0] += 1 }
        }
        let held = Double(ethnic.values.reduce(0, +))
        #expect(abs(Double(ethnic["white-british"] ?? 0) / held - 0.744) < 0.03)
        #expect((ethnic["asian-pakistani"] ?? 0) > 40)
        #expect(ethnic.count >= 15)
        let christian = Double(religion["christian"] ?? 0) / Double(religion.values.reduce(0, +))
        #expect(christian > 0.4 && christian < 0.6)
    }

    @Test func namesFoldToAsciiForEmails() {
        #expect(DemoRegister.ascii("Wiśniewski") == "wisniewski")
        #expect(DemoRegister.ascii("Łukasz") == "lukasz")
        #expect(DemoRegister.ascii("O'Sullivan") == "osullivan")
        #expect(DemoRegister.ascii("Ștefan") == "stefan")
    }
}
