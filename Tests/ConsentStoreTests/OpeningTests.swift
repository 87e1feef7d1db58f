import ConsentCore
import ConsentStore
import Foundation
import GRDB
import Testing
import TestSupport

/// Opening files that are not ours, newer, or broken: a clear error, and the file unchanged.
@Suite struct OpeningTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("open-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func open(_ path: String) -> StoreError? {
        do {
            _ = try ConsentDatabase.open(at: path, validator: Shipped.content.validator)
            return nil
        } catch { return error }
    }

    @Test func missingFileSaysHowToCreateOne() {
        let path = dir.appendingPathComponent("none.sqlite").path
        #expect(open(path) == .noDatabase(path: path))
        #expect(open(path)?.description.contains("consent init") == true)
    }

    @Test func textFileIsNotSQLite() throws {
        let path = dir.appendingPathComponent("notes.sqlite").path
        try "hello, this is not a database, but it is long enough to look like a header............".write(toFile: path, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(open(path) == .notSQLite(path: path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func anotherProgramsDatabaseIsLeftAlone() throws {
        let path = dir.appendingPathComponent("other.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(open(path) == .notOurs(path: path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func newerSchemaIsRefused() throws {
        let t = try TempDatabase()
        try t.db.close()
        let queue = try DatabaseQueue(path: t.path)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = 99") }
        try queue.close()
        #expect(open(t.path) == .newerSchema(path: t.path, found: 99, known: 8))
    }

    @Test func missingVaultIsNotSilentlyRecreated() throws {
        let t = try TempDatabase()
        try t.db.close()
        let vault = ConsentDatabase.vaultPath(for: t.path)
        try FileManager.default.removeItem(atPath: vault)
        #expect(open(t.path) == .vaultMissing(path: vault))
        #expect(!FileManager.default.fileExists(atPath: vault))
    }

    @Test func createRefusesAnExistingPath() throws {
        let t = try TempDatabase()
        #expect(throws: StoreError.alreadyExists(path: t.path)) {
            try ConsentDatabase.create(at: t.path, validator: Shipped.content.validator)
        }
    }
}
