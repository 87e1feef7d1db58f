import ArgumentParser
import ConsentCommandLine
import ConsentScan
import ConsentStore
import Foundation
import Testing

/// What both programs share from the command line: where the database and its key are, the key files
/// they make (private to their owner), and the scanner's key.
@Suite struct OptionsTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("options-\(UUID().uuidString)")

    func path(_ name: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func aNewDatabasesKeyIsWrittenPrivatelyOnceAndFoundAgain() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, keyFile) = (try path("office.sqlite"), try path("office.key"))
        let options = try StoreOptions.parse(["--db", db, "--key-file", keyFile])
        #expect(options.path == db && options.keyLocation.path == keyFile && options.keyLocation.origin == .option)
        #expect(throws: (any Error).self, "a key file named with --key-file must exist") { try options.loadKey() }
        let made = try options.keyForNewDatabase()
        let madeMode = try mode(keyFile)
        #expect(made.created && madeMode == 0o600)
        let again = try options.keyForNewDatabase()
        #expect(!again.created && again.key.id == made.key.id, "the existing key, not a new one over it")
        #expect(try options.loadKey().key?.id == made.key.id)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        #expect(throws: (any Error).self, "a key file others can read is refused") { try options.loadKey() }
    }

    @Test func theScannersKeyIsMadePrivateAndAKeyOthersCanReadIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = try path("scan.key")
        let (key, created) = try ScanSetup.loadOrCreateKey(keyFile)
        let keyMode = try mode(keyFile)
        #expect(created && keyMode == 0o600)
        let (read, createdAgain) = try ScanSetup.loadOrCreateKey(keyFile)
        #expect(!createdAgain && read == key)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        #expect(throws: (any Error).self) { try ScanSetup.readKey(keyFile) }
        #expect(throws: CLIError.self) { try ScanSetup.readKey(try path("missing.key")) }
    }
}
