import ConsentCore
import Foundation
import ProgramRunner
#if canImport(Glibc)
import Glibc
#endif

/// How PDF text is read: Debian's `pdftotext` (poppler-utils), run as a child process on a private copy
/// of the file, under `prlimit` (address space and CPU time) and a wall-clock deadline, its output capped.
/// A PDF parser is a large attack surface; in a child with limits, a hostile file can at worst fail.
public struct PDFTextTool: Sendable {
    /// `pdftotext`; a PDF cannot be read (and so blocks) when it is missing.
    public var path: String
    /// `prlimit` from util-linux, to cap the child's memory and CPU time (run without when missing).
    public var prlimit: String
    public var seconds: Int
    public var memoryBytes: Int

    public init(path: String = "/usr/bin/pdftotext", prlimit: String = "/usr/bin/prlimit", seconds: Int = 30, memoryBytes: Int = 512 << 20) {
        self.path = path
        self.prlimit = prlimit
        self.seconds = seconds
        self.memoryBytes = memoryBytes
    }
}

enum PDFReader {
    enum Outcome {
        case text([UInt8])
        /// Why it could not be read, said to the sender.
        case unreadable(String)
    }

    /// The text of a PDF (pages separated by form feeds, table columns kept apart by `-layout`).
    static func text(_ data: Data, tool: PDFTextTool, maxBytes: Int) -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            return .unreadable("a PDF, and this machine cannot read PDF text (install poppler-utils)")
        }
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("consent-scan-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            return .unreadable("a PDF that could not be copied for reading (\(error.localizedDescription))")
        }
        defer { try? fm.removeItem(at: dir) }
        let file = dir.appendingPathComponent("in.pdf")
        let errors = dir.appendingPathComponent("errors.txt")
        guard fm.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            return .unreadable("a PDF that could not be copied for reading")
        }

        let arguments = ["-q", "-layout", "-enc", "UTF-8", file.path, "-"]
        let program = fm.isExecutableFile(atPath: tool.prlimit)
            ? (tool.prlimit, ["--as=\(tool.memoryBytes)", "--cpu=\(tool.seconds)", "--core=0", "--", tool.path] + arguments)
            : (tool.path, arguments)
        let process: RunningProgram
        do {
            process = try Program(program.0, program.1).start(stdout: .pipe, stderr: .file(errors.path))
        } catch {
            return .unreadable("a PDF, and pdftotext could not be started (\(error))")
        }
        let started = Date()
        // The wall-clock deadline: a child stuck waiting (not using CPU) is ended too.
        let deadline = DispatchWorkItem { process.stop() }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(tool.seconds * 2), execute: deadline)
        var text: [UInt8] = []
        var overflow = false
        if let reader = process.standardOutput {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                if text.count + chunk.count > maxBytes {
                    overflow = true
                    process.stop()
                    break
                }
                text.append(contentsOf: chunk)
            }
        }
        let termination = process.waitForExit()
        deadline.cancel()
        if overflow { return .unreadable("a PDF whose text is larger than \(maxBytes >> 20) MB") }
        if !termination.succeeded {
            if Date().timeIntervalSince(started) >= Double(tool.seconds) {
                return .unreadable("a PDF that took longer than \(tool.seconds) s to read")
            }
            let why = (try? String(contentsOf: errors, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
            let detail = why.isEmpty ? "" : ": \(TextSafety.displaySafe(String(why.prefix(120))))"
            return .unreadable("a PDF that cannot be read (encrypted, damaged, or beyond the reader's limits\(detail))")
        }
        guard text.contains(where: { $0 > 0x20 }) else {
            return .unreadable("a PDF with no text in it (scanned pages or pictures), which the scanner cannot read")
        }
        return .text(text)
    }
}
