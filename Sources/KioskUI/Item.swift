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
    /// The words of the line (for a line showing a value: what the value is, "Address").
    public var label: String
    /// A value held about the tenant, shown after the label ("1 High Street, Leeds"). It is kept apart
    /// so that a renderer lays it out in its own direction (a bidi isolate: a Latin address starting with
    /// a digit stays in order inside an Urdu line) and read-aloud can tell it from the screen's words.
    public var value: String?
    /// Said after the value, in brackets ("no longer asked").
    public var note: String?
    /// Drawn in the footer, always on screen whatever the list's scroll (Sign out, Language, Help).
    public var inFooter: Bool

    public init(_ kind: Kind, _ label: String, value: String? = nil, note: String? = nil, inFooter: Bool = false) {
        self.kind = kind
        self.label = label
        self.value = value
        self.note = note
        self.inFooter = inFooter
    }

    /// The whole line as plain text: "Address: 1 High Street, Leeds (no longer asked)"; just the value
    /// when the label is empty.
    public var text: String { compose(value) }

    /// ``text`` with the value in a first-strong isolate (U+2068 … U+2069), for a bidi layout of a
    /// right-to-left line: the value keeps its own order whatever the words around it.
    public var isolatedText: String { compose(value.map { "\u{2068}\($0)\u{2069}" }) }

    private func compose(_ shown: String?) -> String {
        guard let shown else { return label }
        let line = label.isEmpty ? shown : "\(label): \(shown)"
        return note.map { "\(line) (\($0))" } ?? line
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
