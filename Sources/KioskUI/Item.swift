/// One line of a screen: text to read, a button to press, or a field to type in. `Action` is what a
/// button does (``KioskAction``, ``StaffAction``): a typed value, never a string to parse.
public struct Item<Action: Equatable & Sendable>: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case text
        case heading
        case button(Action)
        case field(String)
    }

    public var kind: Kind
    public var label: String
    /// Drawn in the footer, always on screen whatever the list's scroll (Sign out, Language, Help).
    public var inFooter: Bool

    public init(_ kind: Kind, _ label: String, inFooter: Bool = false) {
        self.kind = kind
        self.label = label
        self.inFooter = inFooter
    }

    public var isSelectable: Bool {
        switch kind {
        case .button, .field: true
        case .text, .heading: false
        }
    }

    /// The button's action, if the item is a button.
    public var action: Action? {
        if case .button(let action) = kind { action } else { nil }
    }

    /// Whether the item is a field to type in.
    public var isField: Bool {
        if case .field = kind { true } else { false }
    }
}

/// A kiosk screen's line.
public typealias KioskItem = Item<KioskAction>
/// A staff-mode screen's line.
public typealias StaffItem = Item<StaffAction>
