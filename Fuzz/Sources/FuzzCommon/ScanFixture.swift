import ConsentCore
import ConsentScan
import Foundation

/// A scanner over a small register of its own (ten tenants, the special categories with their
/// labels), so the scanner's readers run with matching switched on, as for a real outgoing file.
public enum ScanFixture {
    static let catalogue = Catalogue(
        attributes: [
            AttributeDefinition(id: AttributeID("full-name"), type: .text),
            AttributeDefinition(id: AttributeID("address"), type: .text),
            AttributeDefinition(id: AttributeID("mobile"), type: .phone),
            AttributeDefinition(id: AttributeID("email"), type: .email),
            AttributeDefinition(id: AttributeID("ethnic-origin"), type: .choice, isSpecial: true, offersPreferNotToSay: true,
                                choices: ["white-irish", "asian-pakistani"].map { Choice(id: $0) }),
            AttributeDefinition(id: AttributeID("health-needs"), type: .text, isSpecial: true),
        ],
        purposes: [])

    static let labels = ["attribute.ethnic-origin.label": "Ethnic origin", "attribute.health-needs.label": "Disability or health needs",
                         "choice.ethnic-origin.white-irish": "Irish", "choice.ethnic-origin.asian-pakistani": "Pakistani"]

    /// The scanner; readers get at most 16 MB expanded, so a zip bomb is refused rather than filling memory.
    public static let scanner: LeakScanner = {
        var builder = ScanIndex.Builder(key: SipHashKey(k0: 0x0123_4567_89AB_CDEF, k1: 0x0FED_CBA9_8765_4321), catalogue: catalogue)
        let source = EventID(device: DeviceID("fuzz"), sequence: 1)
        for n in 1...10 {
            var state = TenantState(ref: TenantRef(String(format: "T%07d", n)))
            for (id, value) in [("full-name", "Amina Okafor\(n)"), ("address", "\(n) Mill Lane, Leeds"), ("mobile", String(format: "077009%05d", n)),
                                ("email", "amina.\(n)@example.org")] {
                state.values[AttributeID(id)] = ValueRecord(state: .held(.value(value), source: source), hlc: HLCTimestamp(millis: 1), device: DeviceID("fuzz"))
            }
            builder.add(state)
        }
        return LeakScanner(index: builder.finish(), terms: SpecialTerms(catalogue: catalogue) { labels[$0].map { [$0] } ?? [] },
                           limits: ScanLimits(maxExpandedBytes: 16 << 20, maxHeldBytes: 16 << 20))
    }()

    /// Scans `data` as `format`; a refusal (`ScanError`) is a right answer, a crash is not.
    public static func scan(_ data: Data, as format: ScanFormat, name: String) {
        _ = try? scanner.scan(data, name: name, format: format)
    }
}
