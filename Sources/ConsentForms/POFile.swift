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

        // Read as UTF-8 bytes: every byte PO syntax gives meaning to is ASCII (walking the text by
        // grapheme cluster took most of the time every command spends loading Localization/).
        let lines = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            let line = Self.trimmed(rawLine)
            guard let first = line.first else { continue }
            if line.starts(with: [UInt8(ascii: "#"), UInt8(ascii: ",")]) {
                if current.started || current.context != nil { try finish() }
                current.flags.formUnion(line.dropFirst(2).split(separator: UInt8(ascii: ",")).map { String(decoding: Self.trimmed($0), as: UTF8.self) })
                continue
            }
            if first == UInt8(ascii: "#") { continue }
            if first == UInt8(ascii: "\"") {
                guard let field = lastField else {
                    throw FormsError(file: name, line: lineNumber, "a continuation string with no keyword before it")
                }
                current.append(try Self.unquote(line, file: name, line: lineNumber), to: field)
                continue
            }
            guard let space = line.firstIndex(where: Self.isBlank) else {
                throw FormsError(file: name, line: lineNumber, "cannot read '\(String(decoding: line, as: UTF8.self).prefix(40))'")
            }
            let keyword = String(decoding: line[..<space], as: UTF8.self)
            let value = try Self.unquote(Self.trimmed(line[space...]), file: name, line: lineNumber)
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

    /// Whether `byte` is a space or a tab (or a carriage return: a file saved with Windows line ends
    /// reads the same).
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// `bytes` without the blanks around them.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else { return [] }
        return bytes[first...last]
    }

    /// The content of a C-style quoted PO string (its UTF-8 bytes, quotes included).
    static func unquote(_ quoted: ArraySlice<UInt8>, file: String, line: Int) throws(FormsError) -> String {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        guard quoted.count >= 2, quoted.first == quote, quoted.last == quote else {
            throw FormsError(file: file, line: line, "expected a string in double quotes")
        }
        var out: [UInt8] = []
        out.reserveCapacity(quoted.count)
        var index = quoted.startIndex + 1
        let end = quoted.endIndex - 1
        while index < end {
            let byte = quoted[index]
            index += 1
            if byte == backslash {
                guard index < end else { throw FormsError(file: file, line: line, "a string ends with a lone backslash") }
                switch quoted[index] {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                case quote, backslash: out.append(quoted[index])
                default:
                    let escaped = String(decoding: quoted[index..<end], as: UTF8.self).first.map(String.init) ?? ""
                    throw FormsError(file: file, line: line, "unknown escape '\\\(escaped)'")
                }
                index += 1
            } else if byte == quote {
                throw FormsError(file: file, line: line, "an unescaped quote inside a string")
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
