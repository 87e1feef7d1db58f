import Foundation

/// Where receipts go: appended to a file, or piped to a printer command.
public enum ReceiptPrinter: Sendable {
    case none
    case file(String)
    case command(String)

    func print(_ text: String) {
        switch self {
        case .none: return
        case .file(let path):
            let data = Data(text.utf8)
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(data)
                try? handle.close()
            } else {
                _ = FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
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
