import ConsentCore
import Foundation

/// What "Read this page" says (issue 21, EN 301 549 5.1.3): the screen on show as the tenant sees it, in
/// its order — title, the message (an error is said first, as it is what changed), every text, heading,
/// button and box label, then the countdown — never what could be overheard to the tenant's harm:
/// - a PIN, code or password (any masked box) is never said, digit or length;
/// - a special-category value (health, religion, ...) is never said, even when shown on screen;
/// - any other value held or typed (name, address, phone, date of birth, reference) is said only in
///   headphones mode, when the tenant has chosen to hear it privately.
/// The corner (who is signed in) is not said. Pure: the web kiosk hands the text to a ``Speaker``.
extension KioskModel {
    public func speech(now: Date, headphones: Bool) -> String {
        let view = view(now: now)
        var parts = [view.title]
        if !view.status.isEmpty { parts.append(view.status) }
        for item in view.items {
            switch item.kind {
            case .text, .heading, .button:
                parts.append(spoken(item, headphones: headphones))
            case .field(let name):
                parts.append(item.label)
                let field = view.fields[name] ?? Field()
                if headphones, !field.masked, !editsSpecialCategory, !field.text.isEmpty { parts.append(field.text) }
                if let note = view.notes[name], !note.isEmpty { parts.append(note) }
            }
        }
        if let countdown = view.countdown { parts.append(countdown) }
        return parts.filter { !$0.isEmpty }.map(Self.sentence).joined(separator: "\n")
    }

    /// An item's words, with its value only when it may be said.
    private func spoken(_ item: KioskItem, headphones: Bool) -> String {
        guard item.value != nil else { return item.label }
        let attribute: AttributeID? = if case .attribute(let id)? = item.action { id } else if case .attribute(let id) = state.screen { id } else { nil }
        // A value of no known attribute is treated as personal: said only in headphones mode.
        let special = attribute.map { content.catalogue.attribute($0)?.isSpecial ?? true } ?? false
        return headphones && !special ? item.text : item.label
    }

    /// Whether the screen is the correction box of a special-category value.
    private var editsSpecialCategory: Bool {
        guard case .edit(let id) = state.screen else { return false }
        return content.catalogue.attribute(id)?.isSpecial ?? true
    }

    /// A line ended with a full stop when it has no closing punctuation, so the synthesizer pauses
    /// between lines (a button's label is not run into the next one).
    static func sentence(_ line: String) -> String {
        guard let last = line.last, !".!?:;۔؟".contains(last) else { return line }
        return line + "."
    }
}
