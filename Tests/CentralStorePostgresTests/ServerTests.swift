import Foundation
import Testing
import TestSupport

@Suite struct ThrowawayServerTests {
    @Test func serverStartsAndMakesDatabases() throws {
        let server = try ThrowawayPostgres.shared()
        #expect(FileManager.default.fileExists(atPath: server.socketPath))
        let name = try server.createDatabase()
        #expect(!name.isEmpty)
    }
}
