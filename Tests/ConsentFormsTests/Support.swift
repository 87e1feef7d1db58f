import Foundation
import TestSupport

/// A scratch copy of the shipped Forms/ and Localization/ that a test may break on purpose.
struct ScratchContent {
    let dir: URL
    var forms: URL { dir.appendingPathComponent("Forms") }
    var localization: URL { dir.appendingPathComponent("Localization") }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("forms-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Shipped.forms, to: forms)
        try FileManager.default.copyItem(at: Shipped.localization, to: localization)
    }

    /// Replaces the first occurrence of `old` in a file; fails the test when it is absent.
    func edit(_ path: String, replacing old: String, with new: String) throws {
        let url = dir.appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let range = text.range(of: old) else { throw CocoaError(.fileReadUnknown) }
        try text.replacingCharacters(in: range, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}
