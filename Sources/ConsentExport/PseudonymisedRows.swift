import ConsentCore
import Crypto
import Foundation

/// Rows for a purpose whose output must not identify anyone (`rows: pseudonymised` in
/// `Forms/purposes.yaml`, e.g. equality monitoring): the tenancy reference becomes a keyed pseudonym
/// (``pseudonym(of:key:)`` under a key derived for the purpose, so two purposes' files cannot be joined),
/// the date of birth becomes an age band (`age-band`, the bands `consent stats` counts by: an exact age
/// beside sex and language singled out one row in ten of the demo register), every other date whole
/// years up to the export's day, every free-text
/// answer (a gender write-in, health needs in the tenant's words) becomes only whether one was given
/// (`<attribute>-given`: `yes`), since a person's own words can name them, and rows come in the order of
/// their pseudonyms, so the people who make the statistics see no reference, no date of birth, no
/// words of the tenant's and no register order. Rows that fewer than five share their age band, sex and
/// language lose those cells one at a time (``SmallGroups``), so no one is picked out by what others know
/// of them.
/// Every other cell is the gate's, unchanged (a refusal stays "tenant prefers not to say").
public enum PseudonymisedRows {
    /// The column that replaces `tenancy_reference`.
    public static let referenceColumn = "tenant_pseudonym"

    /// What leaves of a free-text answer the tenant gave.
    public static let given = "yes"

    /// How a column's cells leave.
    private enum Cell {
        case asGated, ageBand, years, whetherGiven
    }

    /// The transform for `gate`'s columns (a date or a text is any attribute Forms/ types as one).
    ///
    ///     let exporter = Exporter(gate: gate, format: .csv, transform: PseudonymisedRows.transform(gate: gate, key: key))
    public static func transform(gate: ExportGate, key: SymmetricKey) -> RowTransform {
        let kinds: [Cell] = gate.columns.map {
            switch gate.catalogue.attribute($0)?.type {
            case .date: $0.rawValue == "date-of-birth" ? .ageBand : .years
            case .text: .whetherGiven
            default: .asGated
            }
        }
        let columns = zip(gate.columns, kinds).map { attribute, kind in
            switch kind {
            case .asGated: attribute.rawValue
            case .ageBand: "age-band"
            case .years: "\(attribute.rawValue)-years"
            case .whetherGiven: "\(attribute.rawValue)-given"
            }
        }
        let day = AgeBand.Day(gate.at)
        let pseudonym = Pseudonymiser(key: purposeKey(key, purpose: gate.purpose.id))
        // Row positions: the pseudonym first, then the columns. What anyone may know of a person (not a
        // special category, not their own words) identifies; special categories only leave in a group.
        let special = gate.columns.map { gate.catalogue.attribute($0)?.isSpecial ?? true }
        let identifying = kinds.indices.filter { !special[$0] && kinds[$0] != .whetherGiven }.map { $0 + 1 }
        let sensitive = kinds.indices.filter { special[$0] || kinds[$0] == .whetherGiven }.map { $0 + 1 }
        return RowTransform(
            referenceColumn: referenceColumn, columns: columns,
            reference: { pseudonym($0) },
            cells: { _, cells in
                zip(cells, kinds).map { cell, kind in
                    guard let cell, !cell.isEmpty, cell != ExportGate.prefersNotToSay else { return cell }
                    switch kind {
                    case .asGated: return cell
                    case .ageBand: return AgeBand.of(birth: cell, on: day)
                    case .years: return AgeBand.age(birth: cell, on: day).map(String.init)
                    case .whetherGiven: return given
                    }
                }
            }, ordersByReference: true, groups: SmallGroups(identifying: identifying, sensitive: sensitive))
    }

    /// The key a purpose's rows are pseudonymised with: derived from the pseudonym key for that purpose alone, so
    /// its rows cannot be joined with the return's (or another purpose's) by pseudonym.
    public static func purposeKey(_ key: SymmetricKey, purpose: PurposeID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("tenantconsent pseudonym \(purpose.rawValue)".utf8), outputByteCount: 32)
    }

    /// A stable keyed pseudonym: HMAC-SHA-256 of the reference, 16 bytes in hex after a "P". The same
    /// tenant keeps it while the key is kept; without the key it cannot be linked back.
    /// (``Pseudonymiser`` makes many under one key.)
    public static func pseudonym(of ref: TenantRef, key: SymmetricKey) -> String {
        Pseudonymiser(key: key)(ref)
    }
}
