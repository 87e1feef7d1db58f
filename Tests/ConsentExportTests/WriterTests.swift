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
