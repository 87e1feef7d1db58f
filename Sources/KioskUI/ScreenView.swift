import Foundation

/// One screen as the renderer draws it, whoever built it (the kiosk, staff mode): a title bar with
/// a corner text, the items, the focus, the fields' contents, a message line, an idle countdown
/// and the key hints. Texts are final (already translated).
public struct ScreenView<Action: Equatable & Sendable>: Equatable, Sendable {
    public var title: String
    /// Right of the title (left in right-to-left): the language, or who is signed in.
    public var corner: String
    public var items: [Item<Action>]
    public var focus: Int
    /// Lines scrolled past where the focus puts the list (text the focus alone cannot reach).
    public var scroll = 0
    public var fields: [String: Field]
    /// Explanations drawn under a field, by field name.
    public var notes: [String: String]
    public var rightToLeft: Bool
    public var status: String
    public var countdown: String?
    public var hints: String

    public init(title: String, corner: String, items: [Item<Action>], focus: Int, scroll: Int = 0, fields: [String: Field], notes: [String: String] = [:], rightToLeft: Bool = false,
                status: String = "", countdown: String? = nil, hints: String) {
        self.title = title
        self.corner = corner
        self.items = items
        self.focus = focus
        self.scroll = scroll
        self.fields = fields
        self.notes = notes
        self.rightToLeft = rightToLeft
        self.status = status
        self.countdown = countdown
        self.hints = hints
    }
}
