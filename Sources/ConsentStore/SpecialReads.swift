import ConsentCore
import Foundation

extension ConsentDatabase {
    /// Records, before they are shown, a read (`access` event) of every special-category value held for
    /// `ref` in `state`, by `who` for `reason`; returns the attributes read. Refused where the values open
    /// only at the centre (an enrolled device).
    @discardableResult
    public func recordSpecialReads(_ ref: TenantRef, state: TenantState, catalogue: Catalogue, by who: String, reason: String) throws(StoreError) -> [AttributeID] {
        try refuseIfSealedForCentre("revealing special-category values")
        let shown = catalogue.attributes.filter(\.isSpecial).map(\.id).filter { id in
            if case .held = state.value(id) { return true } else { return false }
        }
        try record(shown.map {
            ChangeRequest(tenant: ref, payload: .access($0), actor: .system(who), channel: .system, evidence: TextSafety.displaySafe(reason))
        })
        return shown
    }
}
