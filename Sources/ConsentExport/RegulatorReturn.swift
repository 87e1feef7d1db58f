import ConsentCore
import Crypto
import Foundation

/// A CORE-style lettings return for the regulator: only the fields that return asks for, each
/// derived so no identifying value leaves. The tenancy reference becomes a keyed pseudonym (the
/// same tenant keeps the same pseudonym year to year; only the holder of the key can link it back),
/// the date of birth an age, the postcode its district, health needs a yes/no; sex is the census question's
/// answer (female, male), and gender identity is never sent. The return is a legal
/// obligation: a tenant's refusal of a question is sent as ``prefersNotToSay``, never dropped.
public enum RegulatorReturn {
    /// The purpose in Forms/ the return is made under.
    public static let purpose = "regulator-returns"

    /// The answer the CORE log has for a question the tenant declined ("Tenant prefers not to say"):
    /// sent for a "prefer not to say" answer, or a refusal recorded for the purpose.
    public static let prefersNotToSay = ExportGate.prefersNotToSay

    /// The return's columns, derived from the purpose's attributes.
    public static let columns = ["age", "sex", "postcode_district", "preferred_language", "disability_or_health_need", "ethnic_group"]

    /// The transform from the gate's cells (the purpose's attributes, in Forms/ order) to the return's.
    public static func transform(gate: ExportGate, key: SymmetricKey) throws -> RowTransform {
        let source = gate.columns.map(\.rawValue)
        let needed = ["date-of-birth", "sex", "postcode", "preferred-language", "health-needs", "ethnic-origin"]
        let positions = try needed.map { name -> Int in
            guard let index = source.firstIndex(of: name) else {
                throw ExportError("the \(purpose) purpose in Forms/purposes.yaml no longer lists \(name), which the return needs")
            }
            return index
        }
        let day = AgeBand.Day(gate.at)
        let pseudonym = Pseudonymiser(key: key)
        return RowTransform(
            referenceColumn: "tenant_pseudonym", columns: columns,
            reference: { pseudonym($0) },
            cells: { _, cells in
                let value = { (i: Int) in cells[positions[i]] }
                // A refusal is sent as the log's own answer, whatever the field derives.
                func derived(_ i: Int, _ derive: (String) -> String?) -> String? {
                    value(i) == ExportGate.prefersNotToSay ? prefersNotToSay : value(i).flatMap(derive)
                }
                return [
                    derived(0) { AgeBand.age(birth: $0, on: day).map(String.init) },
                    derived(1) { $0 },
                    derived(2) { String($0.split(separator: " ").first ?? "") },
                    derived(3) { $0 },
                    derived(4) { $0.isEmpty ? "no" : "yes" },
                    derived(5) { $0 },
                ]
            }, ordersByReference: true)
    }
}
