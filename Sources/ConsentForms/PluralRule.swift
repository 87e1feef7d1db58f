import Foundation

/// A gettext `Plural-Forms` expression (`plural=(n==1 ? 0 : n%10>=2 && ... ? 1 : 2)`), parsed once
/// and evaluated for a count. Adding a language needs no code: its rule comes from its PO header.
public struct PluralRule: Sendable {
    public let count: Int
    private let root: Node

    private indirect enum Node: Sendable {
        case n
        case number(Int)
        case unary(String, Node)
        case binary(String, Node, Node)
        case ternary(Node, Node, Node)
    }

    /// Parses a `Plural-Forms` header value such as `nplurals=2; plural=(n != 1);`.
    public init(header: String) throws(PluralRuleError) {
        var nplurals: Int?
        var expression: String?
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "nplurals" { nplurals = Int(pair[1]) }
            if pair[0] == "plural" { expression = pair[1] }
        }
        guard let nplurals, nplurals >= 1, let expression else {
            throw PluralRuleError("needs 'nplurals=N; plural=EXPRESSION;'")
        }
        var parser = Parser(tokens: try Self.tokenize(expression))
        let root = try parser.ternary()
        guard parser.index == parser.tokens.count else { throw PluralRuleError("unexpected text after the expression") }
        self.count = nplurals
        self.root = root
    }

    /// The plural form index for `n`, clamped to the declared number of forms.
    public func form(for n: Int) -> Int {
        min(max(Self.evaluate(root, n), 0), count - 1)
    }

    private static func evaluate(_ node: Node, _ n: Int) -> Int {
        switch node {
        case .n: return n
        case .number(let v): return v
        case let .unary(op, a):
            return op == "!" ? (evaluate(a, n) == 0 ? 1 : 0) : -evaluate(a, n)
        case let .ternary(c, a, b):
            return evaluate(c, n) != 0 ? evaluate(a, n) : evaluate(b, n)
        case let .binary(op, a, b):
            let x = evaluate(a, n), y = evaluate(b, n)
            switch op {
            case "||": return (x != 0 || y != 0) ? 1 : 0
            case "&&": return (x != 0 && y != 0) ? 1 : 0
            case "==": return x == y ? 1 : 0
            case "!=": return x != y ? 1 : 0
            case "<": return x < y ? 1 : 0
            case ">": return x > y ? 1 : 0
            case "<=": return x <= y ? 1 : 0
            case ">=": return x >= y ? 1 : 0
            case "+": return x &+ y
            case "-": return x &- y
            case "*": return x &* y
            case "/": return y == 0 ? 0 : x / y
            case "%": return y == 0 ? 0 : x % y
            default: return 0
            }
        }
    }

    private static func tokenize(_ text: String) throws(PluralRuleError) -> [String] {
        var tokens: [String] = []
        var chars = Array(text)[...]
        while let c = chars.first {
            if c.isWhitespace { chars.removeFirst(); continue }
            if c.isNumber {
                let digits = chars.prefix(while: \.isNumber)
                tokens.append(String(digits))
                chars.removeFirst(digits.count)
                continue
            }
            let two = String(chars.prefix(2))
            if ["||", "&&", "==", "!=", "<=", ">="].contains(two) {
                tokens.append(two)
                chars.removeFirst(2)
                continue
            }
            guard "n?:()<>!+-*/%".contains(c) else { throw PluralRuleError("unexpected character '\(c)'") }
            tokens.append(String(c))
            chars.removeFirst()
        }
        return tokens
    }

    private struct Parser {
        let tokens: [String]
        var index = 0

        private var peek: String? { index < tokens.count ? tokens[index] : nil }

        private mutating func take(_ token: String) -> Bool {
            guard peek == token else { return false }
            index += 1
            return true
        }

        mutating func ternary() throws(PluralRuleError) -> Node {
            let condition = try binary(level: 0)
            guard take("?") else { return condition }
            let a = try ternary()
            guard take(":") else { throw PluralRuleError("'?' without ':'") }
            return .ternary(condition, a, try ternary())
        }

        private static let levels: [[String]] = [["||"], ["&&"], ["==", "!="], ["<", ">", "<=", ">="], ["+", "-"], ["*", "/", "%"]]

        mutating func binary(level: Int) throws(PluralRuleError) -> Node {
            guard level < Self.levels.count else { return try unary() }
            var left = try binary(level: level + 1)
            while let op = peek, Self.levels[level].contains(op) {
                index += 1
                left = .binary(op, left, try binary(level: level + 1))
            }
            return left
        }

        mutating func unary() throws(PluralRuleError) -> Node {
            if take("!") { return .unary("!", try unary()) }
            if take("-") { return .unary("-", try unary()) }
            if take("(") {
                let inner = try ternary()
                guard take(")") else { throw PluralRuleError("missing ')'") }
                return inner
            }
            if take("n") { return .n }
            if let token = peek, let value = Int(token) {
                index += 1
                return .number(value)
            }
            throw PluralRuleError("expected n, a number or '(' at '\(peek ?? "end")'")
        }
    }
}

/// Why a `Plural-Forms` header could not be read.
public struct PluralRuleError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
