import Foundation
@testable import KioskUI
import Testing

/// The kiosk's receipt file (review 5): made 0600 when it is opened, never appended to once others can read it, and a
/// kiosk given such a file says so before it starts.
@Suite struct ReceiptFileTests {
    @Test func aNewFileIsTheKiosksAloneAndAFileOthersCanReadIsNotAppendedTo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("receipts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("receipts.txt").path
        let printer = ReceiptPrinter.file(path)
        printer.print("Receipt 1\n")
        printer.print("Receipt 2\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "Receipt 1\nReceipt 2\n")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).uint16Value
        #expect(mode & 0o777 == 0o600)
        #expect(printer.fileProblem == nil)

        // Someone made it readable by everyone: nothing more goes into it, and the kiosk is told why.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        printer.print("Receipt 3\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "Receipt 1\nReceipt 2\n")
        #expect(printer.fileProblem?.contains("chmod 600") == true, "\(printer.fileProblem ?? "")")
    }
}
