import Foundation

/// A folder of its own under the system's temporary folder, removed when the value goes away.
public final class TempFolder: @unchecked Sendable {
    public let url: URL

    /// A new folder named `name` and a unique suffix.
    public init(_ name: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `file` inside the folder.
    public func path(_ file: String) -> String { url.appendingPathComponent(file).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
