/// What a person does on a screen, whatever the front-end: the terminal maps its keys and clicks to
/// these (``NavigationInput/init(_:click:)``), a browser would map its own. No terminal type here.
public enum NavigationInput: Equatable, Sendable {
    /// Down and Up: the next or previous item (the kiosk may move long text first).
    case down, up
    /// Left and Right: next or previous in the reading direction.
    case left, right
    /// Tab and Shift-Tab: the next or previous item.
    case nextItem, previousItem
    /// Home (Page Up) and End (Page Down).
    case firstItem, lastItem
    /// Enter: press the focused button, or leave the focused field for the next item.
    case press
    /// Escape: back.
    case back
    /// A character typed (a digit on a screen without fields picks the n-th item).
    case type(Character)
    /// Text pasted: its first line goes into the focused field.
    case paste(String)
    /// Backspace.
    case deleteBackward
    /// A click or touch on the n-th selectable item.
    case pressItem(Int)
    /// The staff key (F12; twice ends the kiosk).
    case staffKey
    /// Any other key or click: it counts as activity and does nothing else.
    case other
}
