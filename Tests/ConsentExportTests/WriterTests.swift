import ConsentCore
import ConsentExport
import Foundation
import Testing

@Suite struct WriterTests {
    @Test(arguments: ["=1+1", "+44 7700", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "  =cmd", "＝1", "＠x"])
    func formulasBecomeText(_ cell: String) {
        #expect(FormulaGuard.neutralise(cell).hasPrefix("'"))
    }

    @Test func ordinaryTextIsUnchanged() {
        for cell in ["Ann Smith", "07700900123", "a@example.org", "O'Neil", "1 High St, Leeds"] {
            #expect(FormulaGuard.neutralise(cell) == cell)
        }
    }

    @Test func csvLinesFollowRFC4180() {
        #expect(CSVWriter.line(["a", nil, "b,c", "say \"hi\"", "x\ny"]) == "a,,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n")
    }

    @Test func gateFailsClosed() throws {
        let email = AttributeID("email"), religion = AttributeID("religion")
        let catalogue = Catalogue(
            attributes: [AttributeDefinition(id: email, type: .email),
                         AttributeDefinition(id: religion, type: .choice, isSpecial: true, choices: [Choice(id: "none")])],
            purposes: [PurposeDefinition(id: PurposeID("updates"), legalBasis: .consent, attributes: [email], requires: [email]),
                       PurposeDefinition(id: PurposeID("equality"), legalBasis: .legitimateInterests, specialCondition: "x",
                                         attributes: [email, religion])])
        #expect(throws: ExportGate.GateError.unknownPurpose("nope")) { try ExportGate(purpose: "nope", catalogue: catalogue, at: Date()) }
        var tenant = TenantState(ref: TenantRef("T1"))
        tenant.apply(Event(id: EventID(device: DeviceID("d"), sequence: 1), tenant: TenantRef("T1"), hlc: HLCTimestamp(millis: 1),
                           effectiveAt: Date(timeIntervalSince1970: 0), actor: .tenant, channel: .kiosk,
                           payload: .registration(values: [email: .value("a@example.org"), religion: .value("none")])))
        var withheld: [String: Int] = [:]
        let updates = try ExportGate(purpose: "updates", catalogue: catalogue, at: Date())
        #expect(updates.row(tenant, withheld: &withheld) == nil, "no consent: the required email is withheld, the row left out")
        let equality = try ExportGate(purpose: "equality", catalogue: catalogue, at: Date())
        #expect(equality.row(tenant, withheld: &withheld) == ["a@example.org", nil], "a special category needs an explicit grant")
        #expect(withheld == ["no-consent": 1], "cells of a left-out row are not counted as withheld cells")
    }
}

@Suite struct MailFormatTests {
    @Test(arguments: ["a@example.org\r\nBcc: all@example.org", "a@example.org, b@example.org", "A <a@example.org>",
                      "a@b@example.org", "\"x\"@example.org", "a@example.org;b@example.org", "@example.org", "a b@example.org"])
    func addressesThatCouldSmuggleHeadersOrRecipientsAreRefused(_ text: String) {
        #expect(MailFormat.address(text) == nil)
    }

    @Test func plainAddressesAreBracketed() {
        #expect(MailFormat.address("ann.o-neil+1@example.co.uk") == "<ann.o-neil+1@example.co.uk>")
    }

    @Test func headersAreOneLineAndNonASCIIIsEncoded() {
        #expect(MailFormat.header("What we hold about you") == "What we hold about you")
        #expect(MailFormat.header("x\r\nBcc: y") == "x  Bcc: y", "a line break can never start a new header")
        let encoded = MailFormat.header("ہمارے پاس آپ کے بارے میں کیا معلومات ہیں")
        #expect(encoded.hasPrefix("=?UTF-8?B?") && encoded.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(encoded.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
    }
}
