import ConsentCore
import Crypto
import Foundation

/// Rows for a purpose whose output must not identify anyone (`rows: pseudonymised` in
/// `Forms/purposes.yaml`, e.g. equality monitoring): the tenancy reference becomes a keyed pseudonym
/// (``pseudonym(of:key:)``), and every date becomes whole years up to the export's day (the date of
/// birth an `age`), so the people who make the statistics see no reference and no date of birth.
/// Every other cell is the gate's, unchanged (a refusal stays "tenant prefers not to say").
public enum PseudonymisedRows {
    /// The column that replaces `tenancy_reference`.
    public static let referenceColumn = "tenant_pseudonym"

    /// The transform for `gate`'s columns (a date is any attribute Forms/ types as one).
    ///
    ///     let exporter = Exporter(gate: gate, format: .csv, transform: PseudonymisedRows.transform(gate: gate, key: key))
    public static func transform(gate: ExportGate, key: SymmetricKey) -> RowTransform {
        let isDate = gate.columns.map { gate.catalogue.attribute($0)?.type == .date }
        let columns = zip(gate.columns, isDate).map { attribute, date in
            !date ? attribute.rawValue : attribute.rawValue == "date-of-birth" ? "age" : "\(attribute.rawValue)-years"
        }
        let at = gate.at
        return RowTransform(
            referenceColumn: referenceColumn, columns: columns,
            reference: { pseudonym(of: $0, key: key) },
            cells: { _, cells in
                zip(cells, isDate).map { cell, date in
                    guard date, let cell, cell != ExportGate.prefersNotToSay else { return cell }
                    return AgeBand.age(birth: cell, on: at).map(String.init)
                }
            })
    }

    /// A stable keyed pseudonym: HMAC-SHA-256 of the reference, 16 bytes in hex after a "P". The same
    /// tenant keeps it while the key is kept; without the key it cannot be linked back.
    public static func pseudonym(of ref: TenantRef, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(ref.rawValue.utf8), using: key)
        return "P" + mac.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
