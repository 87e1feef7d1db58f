import ConsentCore
import ConsentForms
import ConsentStore
import Foundation
import Testing
@testable import ConsentRegister
import TestSupport

/// Every free-text path must store and show each hostile string safely, or refuse it clearly.
/// Core cases are carried here; the full Big List of Naughty Strings runs too when ../shared is there.
@Suite struct NaughtyImportTests {
    static let core = [
        "Robert'); DROP TABLE tenant;--", "<img src=x onerror=alert(1)>", "${jndi:ldap://x/a}", "`reboot`", "%n%s%x",
        "محمد علي", "Zoë Ångström", "👩🏽‍🚒", "Ṱ̺̺̕o͞ ̷i̲̬͇̪͙n̝̗͕v̟̜̘̦͟o̶̙̰̠kè͚̮̺̪̹̱̤", "\u{202E}rtl", "a\u{0}b", "\u{1B}[2J", "\u{7F}",
        "", " ", "\u{200B}", "\u{FEFF}x", "=HYPERLINK(\"http://x\")", "1E+02", "-0", "NULL", "田中さんにあげて下さい",
    ]

    static var strings: [String] {
        let shared = Shipped.root.deletingLastPathComponent().appendingPathComponent("shared/data/naughty-strings/blns.txt")
        let extra = (try? String(contentsOf: shared, encoding: .utf8))?
            .split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }.map(String.init) ?? []
        return core + extra
    }

    @Test func eachStringIsStoredVerbatimAndShownSafelyOrRefusedWithItsRow() throws {
        let content = DemoTests.content
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("naughty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try ConsentDatabase.create(at: dir.appendingPathComponent("n.sqlite").path, validator: content.validator, key: .generate())
        let importer = RegisterImport(content: content, mapping: .standard(content.catalogue))
        var stored = 0, refused = 0
        for (i, s) in Self.strings.enumerated() {
            let file = dir.appendingPathComponent("n\(i).csv")
            let quoted = "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            try Data("Tenancy Ref,Name,Emergency contact\nN-\(i + 1000),\(quoted),\(quoted)\n".utf8).write(to: file)
            do {
                _ = try importer.run(file, into: db)
                stored += 1
                let state = try #require(try db.tenantState(TenantRef("N-\(i + 1000)")))
                let name = state.value(AttributeID("full-name")).answer?.text ?? ""
                // Stored exactly as the validator's normal form of the input, nothing lost or added.
                #expect(name == (try content.validator.normalise(s, for: AttributeID("full-name")).get()))
                let report = AccessReport.build(state, content: content, language: "en", at: Date(), revealSpecial: false)
                for line in report.lines(content) {
                    #expect(!line.unicodeScalars.contains { TextSafety.isControl($0) || TextSafety.isBidiControl($0) },
                            "unsafe output for \(s.debugDescription)")
                }
            } catch let error as ImportError {
                refused += 1
                #expect(error.description.contains("row 2"), "unclear refusal of \(s.debugDescription): \(error)")
            }
        }
        #expect(stored > 0 && refused > 0)
        #expect(try db.verify().ok)
    }
}
