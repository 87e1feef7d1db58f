import Foundation
import ProgramRunner

/// Turns an access pack's page into a PDF with WeasyPrint (which shapes Urdu and lays out right to left),
/// into a new file readable by its owner only; nothing is left behind on failure.
public enum AccessPackPDF {
    /// The WeasyPrint to run: `$CONSENT_WEASYPRINT`, else `weasyprint` on the `PATH`; nil when there is none.
    public static func weasyprint(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let given = environment["CONSENT_WEASYPRINT"], !given.isEmpty { return given }
        return (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/weasyprint" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static func write(html: String, to url: URL, weasyprint: String? = Self.weasyprint()) throws(ExportError) {
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw ExportError("\(url.path) already exists; choose a new --out file (a pack never overwrites)")
        }
        guard let weasyprint, FileManager.default.isExecutableFile(atPath: weasyprint) else {
            throw ExportError("the access pack's PDF is made by WeasyPrint, which was not found: pip install weasyprint "
                              + "(61 or later), or set CONSENT_WEASYPRINT to its path")
        }
        let parent = url.deletingLastPathComponent()
        let scratch = parent.appendingPathComponent(".consent-pack-\(UUID().uuidString)")
        guard mkdir(scratch.path, 0o700) == 0 else {
            throw ExportError("cannot create a folder in \(parent.path): \(String(cString: strerror(errno))); check it exists and is writable")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let pdf = scratch.appendingPathComponent("pack.pdf")
        let made: Program.Finished
        do {
            made = try Program(weasyprint, ["--quiet", "-", pdf.path]).run(input: Data(html.utf8))
        } catch {
            throw ExportError("could not run WeasyPrint (\(error)); check \(weasyprint) runs")
        }
        guard made.termination.succeeded, chmod(pdf.path, 0o600) == 0 else {
            let said = made.standardErrorText.split(separator: "\n").last.map(String.init) ?? "\(made.termination)"
            throw ExportError("WeasyPrint could not make the PDF: \(said)")
        }
        guard !FileManager.default.fileExists(atPath: url.path), rename(pdf.path, url.path) == 0 else {
            throw ExportError("cannot move the pack into place at \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
