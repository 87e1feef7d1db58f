extension TenantState {
    /// The first way this projection (as a store holds it) differs from `folded` (the fold of the
    /// tenant's ledger), as a sentence for `ledger verify` / `audit verify`, or nil when its values,
    /// pending corrections (in any order), decisions and markers agree. Held grants are not compared:
    /// a PostgreSQL centre keeps no table of them. Every store's verifier reports with it.
    public func difference(from folded: TenantState) -> String? {
        for key in Set(folded.values.keys).union(values.keys).sorted() where folded.values[key] != values[key] {
            return "the projected value of \(key) differs from the ledger"
        }
        for key in Set(folded.pending.keys).union(pending.keys).sorted() where Set(folded.pending[key] ?? []) != Set(pending[key] ?? []) {
            return "the pending corrections of \(key) differ from the ledger"
        }
        for key in Set(folded.decisions.keys).union(decisions.keys).sorted() where folded.decisions[key] != decisions[key] {
            return "the projected decision for \(key.attribute)/\(key.purpose) differs from the ledger"
        }
        for key in Set(folded.markers.keys).union(markers.keys).sorted() where folded.markers[key] != markers[key] {
            return "the projected marker \(key) differs from the ledger"
        }
        return nil
    }
}
