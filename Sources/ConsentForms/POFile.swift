import Foundation

/// One entry of a gettext PO file.
public struct POEntry: Equatable, Sendable {
    /// The stable key (`msgctxt`); TenantConsent looks texts up by it.
    public var context: String
    /// The English source text (`msgid`).
    public var source: String
    public var sourcePlural: String?
    /// The translation (`msgstr`, or `msgstr[0...]` for plural entries).
    public var translations: [String]
    /// `#, fuzzy` and other flags.
    public var flags: Set<String>
    public var line: Int
}

/// A parsed gettext PO (or POT) file: the header fields and the entries in file order.
public struct POFile: Sendable {
    public var header: [String: String]
    public var entries: [POEntry]

    /// Parses PO text. `name` is used in error messages.
    public init(text: String, name: String) throws(FormsError) {
        var header: [String: String] = [:]
        var entries: [POEntry] = []
        var current = Draft()
        var lastField: Field?

        func finish() throws(FormsError) {
            defer { current = Draft(); lastField = nil }
            guard current.started else { return }
            guard let source = current.source else {
                throw FormsError(file: name, line: current.line, "an entry without msgid")
            }
            if current.context == nil {
                guard source.isEmpty else {
                    throw FormsError(file: name, line: current.line, entry: "msgid \"\(source.prefix(40))\"",
                                     "has no msgctxt; every text needs its key in msgctxt")
                }
                for line in (current.translations[0] ?? "").split(separator: "\n") {
                    let pair = line.split(separator: ":", maxSplits: 1)
                    if pair.count == 2 {
                        header[pair[0].trimmingCharacters(in: .whitespaces)] = pair[1].trimmingCharacters(in: .whitespaces)
                    }
                }
                return
            }
            let count = (current.translations.keys.max() ?? -1) + 1
            let translations = (0..<count).map { current.translations[$0] ?? "" }
            entries.append(POEntry(
                context: current.context ?? "", source: source, sourcePlural: current.sourcePlural,
                translations: translations, flags: current.flags, line: current.line))
        }

        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#,") {
                if current.started || current.context != nil { try finish() }
                current.flags.formUnion(line.dropFirst(2).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                continue
            }
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("\"") {
                guard let field = lastField else {
                    throw FormsError(file: name, line: lineNumber, "a continuation string with no keyword before it")
                }
                current.append(try Self.unquote(line, file: name, line: lineNumber), to: field)
                continue
            }
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw FormsError(file: name, line: lineNumber, "cannot read '\(line.prefix(40))'") }
            let keyword = String(parts[0])
            let value = try Self.unquote(String(parts[1]), file: name, line: lineNumber)
            let field: Field
            switch keyword {
            case "msgctxt":
                if current.source != nil { try finish() }
                field = .context
            case "msgid":
                if current.source != nil { try finish() }
                field = .source
            case "msgid_plural": field = .sourcePlural
            case "msgstr": field = .translation(0)
            default:
                if keyword.hasPrefix("msgstr["), keyword.hasSuffix("]"),
                   let index = Int(keyword.dropFirst(7).dropLast()), (0..<10).contains(index) {
                    field = .translation(index)
                } else {
                    throw FormsError(file: name, line: lineNumber, "unknown keyword '\(keyword)'")
                }
            }
            if !current.started { current.line = lineNumber }
            current.started = true
            if current.has(field) {
                throw FormsError(file: name, line: lineNumber, "'\(keyword)' twice in one entry (is a blank line missing?)")
            }
            current.set(value, field)
            lastField = field
        }
        try finish()
        self.header = header
        self.entries = entries
    }

    private enum Field: Equatable { case context, source, sourcePlural, translation(Int) }

    private struct Draft {
        var started = false
        var line = 0
        var context: String?
        var source: String?
        var sourcePlural: String?
        var translations: [Int: String] = [:]
        var flags: Set<String> = []

        func has(_ field: Field) -> Bool {
            switch field {
            case .context: context != nil
            case .source: source != nil
            case .sourcePlural: sourcePlural != nil
            case .translation(let i): translations[i] != nil
            }
        }

        mutating func set(_ value: String, _ field: Field) {
            switch field {
            case .context: context = value
            case .source: source = value
            case .sourcePlural: sourcePlural = value
            case .translation(let i): translations[i] = value
            }
        }

        mutating func append(_ value: String, to field: Field) {
            switch field {
            case .context: context = (context ?? "") + value
            case .source: source = (source ?? "") + value
            case .sourcePlural: sourcePlural = (sourcePlural ?? "") + value
            case .translation(let i): translations[i] = (translations[i] ?? "") + value
            }
        }
    }

    /// The content of a C-style quoted PO string.
    static func unquote(_ quoted: String, file: String, line: Int) throws(FormsError) -> String {
        guard quoted.count >= 2, quoted.hasPrefix("\""), quoted.hasSuffix("\"") else {
            throw FormsError(file: file, line: line, "expected a string in double quotes")
        }
        var out = ""
        var escaping = false
        for c in quoted.dropFirst().dropLast() {
            if escaping {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                default: throw FormsError(file: file, line: line, "unknown escape '\\\(c)'")
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c == "\"" {
                throw FormsError(file: file, line: line, "an unescaped quote inside a string")
            } else {
                out.append(c)
            }
        }
        if escaping { throw FormsError(file: file, line: line, "a string ends with a lone backslash") }
        return out
    }
}
