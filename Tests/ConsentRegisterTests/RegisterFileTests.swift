import ConsentCore
import ConsentStore
import Foundation
import Testing
@testable import ConsentRegister

/// The register file `consent-bench import` writes, and the import's reading of choice cells.
@Suite struct RegisterFileTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("register-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every value of the demo's registrations comes back from an import of the file, none lost or changed.
    @Test func theDemoRegisterFileImportsAsTheDemoRegistered() throws {
        let content = DemoTests.content
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = DemoRegister(seed: 7, now: Date(), shippedLanguages: ["en", "pl"], catalogue: content.catalogue)
        let file = dir.appendingPathComponent("register.csv")
        let bytes = try demo.writeRegisterFile(count: 80, to: file)
        #expect(bytes == (try Data(contentsOf: file)).count)
        let db = try ConsentDatabase.create(at: dir.appendingPathComponent("r.sqlite").path, validator: content.validator, key: .generate())
        let summary = try RegisterImport(content: content, mapping: .standard(content.catalogue)).run(file, into: db)
        #expect(summary.tenants == 80)
        var values = 0
        for i in 0..<80 {
            guard case .registration(let registered) = demo.tenant(i)[0].payload else {
                Issue.record("tenant \(i) starts with no registration")
                continue
            }
            let state = try #require(try db.tenantState(DemoRegister.reference(i)))
            for (attribute, value) in registered {
                #expect(state.value(attribute).answer == value, "tenant \(i) \(attribute)")
            }
            values += registered.count
        }
        #expect(summary.values == values)
    }

    /// A choice is found by its id, label or synonym in any case; a cell with no letter or digit names none (it
    /// once matched the first choice, as an empty fixed label normalised to the same empty text).
    @Test func aChoiceCellIsReadByItsTextAndACellOfPunctuationIsRefused() throws {
        let content = DemoTests.content
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try ConsentDatabase.create(at: dir.appendingPathComponent("r.sqlite").path, validator: content.validator, key: .generate())
        let importer = RegisterImport(content: content, mapping: .standard(content.catalogue))
        let good = dir.appendingPathComponent("good.csv")
        try Data("Tenancy Ref,Name,Sex,Religion\nT100,Ann Lee, FEMALE ,Prefer not to say\n".utf8).write(to: good)
        _ = try importer.run(good, into: db)
        let state = try #require(try db.tenantState(TenantRef("T100")))
        #expect(state.value(AttributeID("sex")).answer == .value("female"))
        #expect(state.value(AttributeID("religion")).answer == .preferNotToSay)
        for cell in ["-", "?", "--"] {
            let bad = dir.appendingPathComponent("bad.csv")
            try Data("Tenancy Ref,Name,Sex\nT101,Bo Lee,\(cell)\n".utf8).write(to: bad)
            #expect {
                _ = try importer.run(bad, into: db)
            } throws: { error in
                String(describing: error).contains("is not one of the choices for sex") && String(describing: error).contains("row 2")
            }
        }
        #expect(try db.tenantState(TenantRef("T101")) == nil)
    }
}
