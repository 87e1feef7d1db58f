import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where receipts go: appended to a file, or piped to a printer command.
public enum ReceiptPrinter: Sendable {
    case none
    case file(String)
    case command(String)

    /// Why receipts cannot go to this printer's file, or nil: a file that exists and that others may read.
    public var fileProblem: String? {
        guard case .file(let path) = self, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o077 != 0 else { return nil }
        return "the receipt file \(path) can be read by others (mode \(String(mode, radix: 8))); run `chmod 600 \(path)` or give another file"
    }

    func print(_ text: String) {
        switch self {
        case .none: return
        case .file(let path):
            // Created 0600 in the same call that opens it (never readable by others for a moment), and a file others
            // can read is never appended to: a descriptor opened on it would read every later receipt.
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & 0o077 == 0 else { return }
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                bytes = bytes.dropFirst(written)
            }
        case .command(let command):
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let pipe = Pipe()
            process.standardInput = pipe
            guard (try? process.run()) != nil else { return }
            pipe.fileHandleForWriting.write(Data(text.utf8))
            try? pipe.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}
