import Foundation
@testable import KioskUI
import Testing

/// A receipt given to a printer command reaches it whole, on its standard input.
@Suite struct ReceiptPrinterTests {
    @Test func aPrinterCommandGetsTheReceiptOnItsInput() throws {
        let printed = FileManager.default.temporaryDirectory.appendingPathComponent("receipt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: printed) }
        let receipt = "Your receipt\nReference T0000001\nEmergency contact: allowed\n\n"
        // The command runs under a shell, as `--printer-command` is given; it prints nothing to the kiosk's screen.
        ReceiptPrinter.command("cat > '\(printed)'; echo 'request id is counter-1'").print(receipt)
        #expect((try? String(contentsOfFile: printed, encoding: .utf8)) == receipt)
    }

}
