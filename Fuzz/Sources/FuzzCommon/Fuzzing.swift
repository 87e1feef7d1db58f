import Foundation

/// What every fuzz target shares: where the repository is, a scratch folder in memory, and one
/// way to stop on a broken promise (libFuzzer records a trap as a crash, with its input).
public enum Fuzzing {
    /// The repository's root folder (Fuzz/Sources/FuzzCommon/Fuzzing.swift is three folders down).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh folder for this process's files, in memory when /dev/shm exists.
    public static func scratch(_ name: String) -> URL {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("tc-fuzz-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Stops the run when a property that must hold for every input does not.
    public static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() { fatalError("fuzz property broken: \(message())") }
    }

    /// The input as bytes.
    public static func data(_ start: UnsafeRawPointer, _ count: Int) -> Data { Data(bytes: start, count: count) }
}
