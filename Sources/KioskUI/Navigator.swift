import ConsentCore

/// How the focus moves through a screen's selectable items and how text goes into its fields: one
/// set of rules for the kiosk and staff mode (and any front-end), so they cannot drift apart. Pure:
/// it changes only the focus and the field it is given, and says what the model should do next.
struct Navigator<Action: Equatable & Sendable> {
    /// The screen's selectable items, in order (not empty).
    let selectable: [Item<Action>]
    /// Left and Right follow the reading direction.
    var rightToLeft = false

    /// What the model does after an input.
    enum Outcome: Equatable {
        /// Nothing more (the focus may have moved).
        case nothing
        /// The focused field's text changed (or was asked to: a Backspace in an empty box).
        case typed
        /// Press the button with this action.
        case press(Action)
        /// Go back.
        case back
    }

    /// Typing into the focused `field`, or leaving it with Enter; nil when the input is not for a field.
    /// Nothing forbidden in a stored value (controls, bidi controls, a byte-order mark) gets in, typed
    /// or pasted; a digits-only field takes digits only; the field's limit holds.
    func edit(_ field: inout Field, _ input: NavigationInput, focus: inout Int) -> Outcome? {
        switch input {
        case .type(let c):
            guard field.text.count < field.limit, !c.unicodeScalars.contains(where: TextSafety.isForbidden),
                  !field.digitsOnly || c.isNumber else { return Outcome.nothing }
            field.text.append(c)
            return .typed
        case .paste(let text):
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: (field.text + line).unicodeScalars.filter { !TextSafety.isForbidden($0) })
            field.text = String(String(scalars).filter { !field.digitsOnly || $0.isNumber }.prefix(field.limit))
            return .typed
        case .deleteBackward:
            if !field.text.isEmpty { field.text.removeLast() }
            return .typed
        case .press:
            // Enter in a field moves on; in the last field before a button, it presses that button.
            focus = (focus + 1) % selectable.count
            return selectable[focus].action.map(Outcome.press) ?? Outcome.nothing
        default:
            return nil
        }
    }

    /// Moving the focus, pressing buttons, going back.
    func move(_ input: NavigationInput, focus: inout Int) -> Outcome {
        let count = selectable.count
        switch input {
        case .down, .nextItem: focus = (focus + 1) % count
        case .up, .previousItem: focus = (focus + count - 1) % count
        case .left, .right:
            // Towards the end of the line is "next".
            let next = (input == .right) != rightToLeft
            focus = (focus + (next ? 1 : count - 1)) % count
        case .firstItem: focus = 0
        case .lastItem: focus = count - 1
        case .press:
            if let action = selectable[focus].action { return .press(action) }
        case .back:
            return .back
        case .type(let c) where c.isNumber:
            // Digits choose the n-th item directly (1 = first), as printed beside it; only on screens
            // without fields, where a digit cannot be meant as typing, and never a footer button.
            guard !selectable.contains(where: \.isField), let n = c.wholeNumberValue, n >= 1, n <= count,
                  !selectable[n - 1].inFooter, let action = selectable[n - 1].action else { break }
            focus = n - 1
            return .press(action)
        case .pressItem(let index):
            guard selectable.indices.contains(index) else { break }
            focus = index
            if let action = selectable[index].action { return .press(action) }
        default:
            break
        }
        return .nothing
    }

    /// Where the button for `action` is, if the screen offers it: a front-end that sends actions (a
    /// browser's buttons) can press only what is on screen.
    func index(of action: Action) -> Int? {
        selectable.firstIndex { $0.action == action }
    }
}
