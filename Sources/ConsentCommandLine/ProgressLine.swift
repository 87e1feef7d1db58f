import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress for long work: a line redrawn on standard error when it is a terminal, nothing in a pipe.
public struct ProgressLine {
    /// What the line says is in progress.
    public let label: String
    /// Whether anything is drawn (standard error is a terminal and not quiet).
    public let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    /// A progress line for `label`, silent when `quiet` or when standard error is not a terminal.
    public init(_ label: String, quiet: Bool = false) {
        self.label = label
        enabled = !quiet && isatty(2) == 1
    }

    /// Redraws at most ten times a second.
    public mutating func update(_ done: Int, of total: Int) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = Date()
        let percent = total > 0 ? done * 100 / total : 100
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 && total > done ? String(format: ", %.0f s left", Double(total - done) / rate) : ""
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(done)/\(total) (\(percent)%\(eta))".utf8))
    }

    /// Ends the progress line.
    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
