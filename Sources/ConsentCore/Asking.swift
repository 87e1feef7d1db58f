import Foundation

/// The answer another attribute must hold for a question to be asked (`asked-if` in `Forms/attributes.yaml`).
public struct AskCondition: Hashable, Sendable {
    /// A choice attribute.
    public var attribute: AttributeID
    /// One of its choices.
    public var choice: String

    public init(attribute: AttributeID, choice: String) {
        self.attribute = attribute
        self.choice = choice
    }
}

extension Catalogue {
    /// Whether a tenant is asked `attribute` at `date`: not when it is retired or unknown; not before the
    /// age it is asked from (the census asks gender identity from 16) or when the date of birth that says
    /// so is not held; not while its `asked-if` answer is not the one held. Where this is false the kiosk
    /// and staff mode offer no way to give a value (a value already held is still shown, and can be erased).
    ///
    ///     catalogue.asks(AttributeID("gender-identity"), of: fifteenYearOld, at: now)  // false
    public func asks(_ attribute: AttributeID, of state: TenantState, at date: Date) -> Bool {
        asks(attribute, at: date) { state.value($0).answer }
    }

    /// ``asks(_:of:at:)`` with the answers held given by `answer` (a registration's own values).
    public func asks(_ attribute: AttributeID, at date: Date, answer: (AttributeID) -> AttributeValue?) -> Bool {
        guard let definition = self.attribute(attribute), !definition.isRetired else { return false }
        if let age = definition.askedFromAge {
            guard case .value(let birth)? = answer(Self.signInAttribute),
                  let years = Self.age(birth: birth, on: date), years >= age else { return false }
        }
        if let condition = definition.askedIf {
            guard answer(condition.attribute) == .value(condition.choice) else { return false }
        }
        return true
    }

    /// Whole years from an ISO date of birth (YYYY-MM-DD) to `date`, in UTC; nil when it is not one.
    public static func age(birth: String, on date: Date) -> Int? {
        let parts = birth.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let (year, month, day) = ChangeRules.civil(fromDays: days)
        let age = year - parts[0] - ((month, day) < (parts[1], parts[2]) ? 1 : 0)
        return age >= 0 ? age : nil
    }
}
