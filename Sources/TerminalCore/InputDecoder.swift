/// A key press, mouse click or paste, decoded from the terminal's bytes.
public enum InputEvent: Hashable, Sendable {
    case character(Character)
    case enter, tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    /// A control key: Ctrl-C arrives as `.control("c")` (the kiosk ignores it).
    case control(Character)
    case function(Int)
    /// A mouse (or touch) press at a 0-based row and column.
    case click(row: Int, column: Int)
    case paste(String)
}

/// Decodes terminal input (UTF-8 text, CSI and SS3 key sequences, SGR mouse reports, bracketed
/// paste) incrementally: bytes may arrive split anywhere.
public struct InputDecoder: Sendable {
    private var pending: [UInt8] = []
    private var pasting = false
    private var pasted: [UInt8] = []

    public init() {}

    /// Whether a lone ESC is waiting: call ``flush()`` when no more bytes come soon.
    public var hasPendingEscape: Bool { pending == [0x1B] }

    /// Feeds bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [InputEvent] {
        pending.append(contentsOf: bytes)
        var events: [InputEvent] = []
        while let (event, used) = decodeOne() {
            pending.removeFirst(used)
            if let event { events.append(event) }
        }
        return events
    }

    /// Treats a waiting lone ESC as the Escape key.
    public mutating func flush() -> [InputEvent] {
        guard hasPendingEscape else { return [] }
        pending.removeAll()
        return [.escape]
    }

    private mutating func decodeOne() -> (InputEvent?, Int)? {
        guard let first = pending.first else { return nil }
        if pasting {
            let end: [UInt8] = [0x1B, 0x5B, 0x32, 0x30, 0x31, 0x7E]
            if pending.count >= end.count, Array(pending.prefix(end.count)) == end {
                pasting = false
                let text = String(decoding: pasted, as: UTF8.self)
                pasted.removeAll()
                return (.paste(text), end.count)
            }
            if first == 0x1B && pending.count < end.count && end.starts(with: pending) { return nil }
            pasted.append(first)
            return (nil, 1)
        }
        switch first {
        case 0x1B: return escapeSequence()
        case 0x0D, 0x0A: return (.enter, 1)
        case 0x09: return (.tab, 1)
        case 0x7F, 0x08: return (.backspace, 1)
        case 0x00: return (nil, 1)
        case 0x01...0x1A: return (.control(Character(Unicode.Scalar(first + 0x60))), 1)
        case 0x1C: return (.control("\\"), 1)
        case 0x1D...0x1F: return (nil, 1)
        default: return utf8()
        }
    }

    private func utf8() -> (InputEvent?, Int)? {
        let first = pending[0]
        let length = first < 0x80 ? 1 : first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0
        guard length > 0 else { return (nil, 1) }
        guard pending.count >= length else { return nil }
        guard let text = String(validating: pending.prefix(length), as: UTF8.self), let c = text.first else { return (nil, 1) }
        return (.character(c), length)
    }

    private mutating func escapeSequence() -> (InputEvent?, Int)? {
        guard pending.count >= 2 else { return nil }
        let second = pending[1]
        if second == 0x4F { // SS3: ESC O A
            guard pending.count >= 3 else { return nil }
            let keys: [UInt8: InputEvent] = [0x41: .up, 0x42: .down, 0x43: .right, 0x44: .left, 0x48: .home, 0x46: .end,
                                             0x50: .function(1), 0x51: .function(2), 0x52: .function(3), 0x53: .function(4)]
            return (keys[pending[2]], 3)
        }
        guard second == 0x5B else { return (.escape, 1) } // ESC followed by something else: Escape, then that key
        // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E.
        var index = 2
        while index < pending.count, (0x20...0x3F).contains(pending[index]) { index += 1 }
        guard index < pending.count else { return pending.count > 64 ? (nil, pending.count) : nil }
        let final = pending[index]
        let parameters = String(decoding: pending[2..<index], as: UTF8.self)
        let used = index + 1
        if parameters.hasPrefix("<"), final == 0x4D || final == 0x6D { // SGR mouse
            let numbers = parameters.dropFirst().split(separator: ";").compactMap { Int($0) }
            guard numbers.count == 3, final == 0x4D, numbers[0] & 0x43 == 0 else { return (nil, used) }
            return (.click(row: numbers[2] - 1, column: numbers[1] - 1), used)
        }
        switch final {
        case 0x41: return (.up, used)
        case 0x42: return (.down, used)
        case 0x43: return (.right, used)
        case 0x44: return (.left, used)
        case 0x48: return (.home, used)
        case 0x46: return (.end, used)
        case 0x5A: return (.backTab, used)
        case 0x7E:
            switch parameters {
            case "1", "7": return (.home, used)
            case "4", "8": return (.end, used)
            case "3": return (.delete, used)
            case "5": return (.pageUp, used)
            case "6": return (.pageDown, used)
            case "200":
                pasting = true
                return (nil, used)
            case "11", "12", "13", "14", "15", "17", "18", "19", "20", "21", "23", "24":
                let map = ["11": 1, "12": 2, "13": 3, "14": 4, "15": 5, "17": 6, "18": 7, "19": 8, "20": 9, "21": 10, "23": 11, "24": 12]
                return (.function(map[parameters] ?? 0), used)
            default: return (nil, used)
            }
        default: return (nil, used)
        }
    }
}
