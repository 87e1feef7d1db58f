import TerminalCore

extension NavigationInput {
    /// A terminal's key, click or paste as a navigation input. `click` finds the selectable item drawn
    /// at a row and column (nil: none there, which is then only activity).
    public init(_ input: InputEvent, click: (_ row: Int, _ column: Int) -> Int?) {
        switch input {
        case .character(let c): self = .type(c)
        case .enter: self = .press
        case .tab: self = .nextItem
        case .backTab: self = .previousItem
        case .backspace: self = .deleteBackward
        case .escape: self = .back
        case .up: self = .up
        case .down: self = .down
        case .left: self = .left
        case .right: self = .right
        case .home, .pageUp: self = .firstItem
        case .end, .pageDown: self = .lastItem
        case .function(12): self = .staffKey
        case .click(let row, let column): self = click(row, column).map(NavigationInput.pressItem) ?? .other
        case .paste(let text): self = .paste(text)
        case .delete, .control, .function: self = .other // Ctrl-C, Ctrl-Z, Ctrl-\ and the rest: ignored
        }
    }
}
