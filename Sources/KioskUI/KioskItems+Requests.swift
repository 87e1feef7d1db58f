import ConsentCore
import ConsentForms
import Foundation

extension KioskItems {
    /// The tenant's requests to staff and where each stands (a refusal with the reason staff gave), after
    /// the overview's items; nothing when they have made none.
    func requestItems() -> [KioskItem] {
        let requests = state.session?.requests ?? []
        guard !requests.isEmpty else { return [] }
        return [KioskItem(.heading, t("kiosk.requests"))] + requests.map { KioskItem(.text, requestLine($0)) }
    }

    /// On the screen of a value only staff change (kept by staff): ask them to correct it (the value the tenant
    /// types goes with the request), or say such a request waits; nil for a value the tenant corrects here.
    func rectificationItem(_ id: AttributeID) -> KioskItem? {
        guard let session = state.session else { return nil }
        if session.mayAskToCorrect(id, content.catalogue, at: now) { return KioskItem(.button(.correct), t("kiosk.rectify.ask")) }
        return session.hasOpenRequest(.rectification, id) ? KioskItem(.text, t("kiosk.rectify.already")) : nil
    }

    /// At the end of a held value's screen: ask staff to stop using it (a restriction), or say such a request
    /// waits or is in force.
    func restrictionItems(_ id: AttributeID) -> [KioskItem] {
        guard let session = state.session, session.state.value(id).answer != nil || session.state.value(id).isUnavailable else { return [] }
        if session.isRestricted(id) { return [KioskItem(.text, t("kiosk.restrict.in-force"))] }
        if session.hasOpenRequest(.restriction, id) { return [KioskItem(.text, t("kiosk.restrict.already"))] }
        return [KioskItem(.button(.requestRestriction), t("kiosk.restrict.ask"))]
    }

    /// One request in the tenant's language: what was asked, then its status.
    func requestLine(_ request: TenantRequest) -> String {
        let attribute = request.attribute.map { t("attribute.\($0).label") } ?? ""
        let what = t("request.kind.\(request.kind.rawValue)", ["attribute": attribute])
        let asked = DayText.text(request.madeAt)
        let status: String
        switch request.outcome {
        case .open:
            status = t("request.status.open", ["date": asked, "deadline": DayText.text(request.deadline)])
        case .carriedOut(let at):
            status = t(request.kind == .restriction ? "request.status.restricted" : "request.status.done", ["date": asked, "decided": DayText.text(at)])
        case let .refused(at, reason?):
            // A coded reason in the tenant's language; one recorded before the codes, in staff's words, as it is.
            let why = RefusalReason(rawValue: reason).map { t($0.textKey) } ?? TextSafety.displaySafe(reason)
            status = t("request.status.refused", ["date": asked, "decided": DayText.text(at), "reason": why])
        case .refused(let at, nil):
            status = t("request.status.refused-no-reason", ["date": asked, "decided": DayText.text(at)])
        case .lifted(let at):
            status = t("request.status.lifted", ["date": asked, "decided": DayText.text(at)])
        }
        return "\(what): \(status)"
    }
}
