import ConsentCore
import Foundation

extension WireCheck {
    /// The attributes these Forms ask only from an age (`asked-from-age` in `Forms/attributes.yaml`;
    /// the census asks gender identity from 16), with that age.
    public static func ageLimits(_ catalogue: Catalogue) -> [AttributeID: Int] {
        var limits: [AttributeID: Int] = [:]
        for attribute in catalogue.attributes {
            if let age = attribute.askedFromAge { limits[attribute.id] = age }
        }
        return limits
    }

    /// The tenants of a batch whose events give an answer to a question asked only from an age,
    /// for ``PushState/birthDates``: the centre loads what it holds of their dates of birth.
    public static func ageCheckedTenants(_ events: some Sequence<WireEvent>, limits: [AttributeID: Int]) -> Set<String> {
        guard !limits.isEmpty else { return [] }
        return Set(events.lazy.filter { event in event.values.contains { givesAnswer($0) && limits[AttributeID($0.attribute)] != nil } }
            .map(\.record.tenant))
    }

    /// Why an event that answers a question asked only from an age was made for someone younger,
    /// or nil. `birthDate` is the tenant's date of birth as far as the centre knows it when the event
    /// comes: the one the event itself carries, else the latest earlier in the batch, else the one
    /// the centre holds. An answer for a tenant whose date of birth is not held is refused too:
    /// every device asks the question only when it can tell the tenant's age (``Catalogue/asks(_:at:answer:)``).
    ///
    /// Sealed values cannot be read here, but their attribute can, and it is the attribute that is
    /// asked from an age, whatever the answer (prefer not to say included). Erasing an answer is
    /// always allowed.
    public static func ageProblem(_ event: WireEvent, birthDate: String?, limits: [AttributeID: Int]) -> String? {
        let r = event.record
        let made = Date(timeIntervalSince1970: Double(r.hlc >> 16) / 1_000)
        for value in event.values where givesAnswer(value) {
            guard let limit = limits[AttributeID(value.attribute)] else { continue }
            let age = birthDate.flatMap { Catalogue.age(birth: $0, on: made) }
            if let age, age >= limit { continue }
            let known = age.map { "was \($0) then, by the date of birth the centre holds" } ?? "has no date of birth held here"
            return """
                event \(r.device)#\(r.sequence) (\(r.kind) for \(r.tenant)) gives \(value.attribute), which is asked only from \
                age \(limit), but the tenant \(known); no device asks it, so this one was tampered with: revoke it at the centre
                """
        }
        return nil
    }

    /// The SQL, for SQLite and PostgreSQL alike, that reads the date of birth each centre holds for
    /// tenants (columns `ref`, `value`; a tenant with none has no row): `tenants` is the condition on
    /// `t.ref` in the store's own spelling (`IN (?, …)` or `= ANY($1)`). The attribute is a constant.
    public static func birthDatesQuery(tenants: String) -> String {
        """
        SELECT t.ref, v.value FROM tenant t
        JOIN current_value c ON c.tenant_id = t.id AND c.attribute_id = '\(Catalogue.signInAttribute.rawValue)' AND c.status = 'value'
        JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
        WHERE t.ref \(tenants)
        """
    }

    /// The date of birth an event gives in clear, if it gives one.
    public static func birthDate(in event: WireEvent) -> String? {
        event.values.first { $0.attribute == Catalogue.signInAttribute.rawValue && !$0.preferNot }?.text
    }

    /// Whether a value on the wire gives an answer (a value, sealed or not, or "prefer not to say"),
    /// rather than recording an erasure.
    private static func givesAnswer(_ value: WireValue) -> Bool {
        value.text != nil || value.sealed != nil || value.preferNot
    }
}
