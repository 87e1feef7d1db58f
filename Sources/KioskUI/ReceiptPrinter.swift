import Foundation
import ProgramRunner

/// Where receipts go: appended to a file, or piped to a printer command.
public enum ReceiptPrinter: Sendable {
    case none
    case file(String)
    /// A shell command (`lp -d counter`, say) given the receipt's text on its standard input.
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
            // Its output is collected, not let onto the kiosk's screen.
            _ = try? Program("/bin/sh", ["-c", command]).run(input: Data(text.utf8))
        }
    }
}
