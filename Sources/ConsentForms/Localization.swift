import Foundation

/// Reading direction of a language's text.
public enum TextDirection: String, Sendable {
    case leftToRight = "ltr"
    case rightToLeft = "rtl"
}

/// One language's texts, read from its PO file (or, for English, the template).
public struct LanguageCatalog: Sendable {
    /// BCP 47 code from the `Language:` header, e.g. `pl`.
    public var code: String
    /// The language's own name for itself (`language.name`), for the language chooser.
    public var name: String
    public var direction: TextDirection
    public var plural: PluralRule
    /// Key → forms (one for plain texts, `plural.count` for plural ones).
    var messages: [String: [String]]

    /// Every key this language has.
    public var keys: Dictionary<String, [String]>.Keys { messages.keys }
}

/// Every shipped language, with lookup by key and a fallback to English. Built by
/// ``Content/load(forms:localization:)``, which has already proved each language complete.
public struct Localizer: Sendable {
    /// Languages in chooser order: English first, then by code.
    public let languages: [LanguageCatalog]
    private let byCode: [String: Int]

    init(languages: [LanguageCatalog]) {
        self.languages = languages
        byCode = Dictionary(languages.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The catalogue for `code`, or English when that language is not shipped.
    public func language(_ code: String) -> LanguageCatalog {
        languages[byCode[code] ?? byCode["en"] ?? 0]
    }

    /// Whether a language is shipped.
    public func has(_ code: String) -> Bool { byCode[code] != nil }

    /// Whether `language` (English when not given) has a text for `key`, without falling back.
    public func hasText(_ key: String, _ language: String = "en") -> Bool { byCode[language].map { languages[$0].messages[key] != nil } ?? false }

    /// The text for `key` in `language`, with `{name}` placeholders filled from `arguments`.
    /// Falls back to English, then to the key itself, so a screen never shows nothing.
    public func text(_ key: String, _ language: String, _ arguments: [String: String] = [:]) -> String {
        let forms = self.language(language).messages[key] ?? self.language("en").messages[key] ?? [key]
        return Self.fill(forms.first ?? key, arguments)
    }

    /// The plural text for `key` and `count` in `language`; `{count}` is filled in too.
    public func plural(_ key: String, count: Int, _ language: String, _ arguments: [String: String] = [:]) -> String {
        let catalog = self.language(language)
        var forms = catalog.messages[key] ?? []
        var rule = catalog.plural
        if forms.isEmpty {
            let english = self.language("en")
            forms = english.messages[key] ?? [key]
            rule = english.plural
        }
        let form = forms[min(rule.form(for: count), forms.count - 1)]
        var arguments = arguments
        arguments["count"] = String(count)
        return Self.fill(form, arguments)
    }

    /// Replaces each `{name}` with its argument; unknown placeholders stay as they are.
    public static func fill(_ template: String, _ arguments: [String: String]) -> String {
        guard template.contains("{"), !arguments.isEmpty else { return template }
        var out = template
        for (name, value) in arguments { out = out.replacingOccurrences(of: "{\(name)}", with: value) }
        return out
    }

    /// The `{name}` placeholders of a text. The braces are found among its UTF-8 bytes (every message of every
    /// language is checked at each start: walking them as characters took a tenth of a command's start-up); a name is
    /// letters, digits, `-` and `_`.
    public static func placeholders(_ text: String) -> Set<String> {
        var names: Set<String> = []
        let bytes = text.utf8
        var from = bytes.startIndex
        while let open = bytes[from...].firstIndex(of: UInt8(ascii: "{")) {
            let start = bytes.index(after: open)
            guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "}")) else { break }
            let name = text[start..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                names.insert(String(name))
            }
            from = bytes.index(after: close)
        }
        return names
    }
}

/// Loads `Localization/`: `messages.pot` (keys and English) and one `<code>.po` per language,
/// and proves every language complete: every key, non-empty, the right number of plural forms,
/// the same placeholders, and translated from the current English.
enum LocalizationLoader {
    static let templateName = "messages.pot"

    /// `deferred` keys may be missing from a language: a later check names what their absence means.
    static func load(_ folder: URL, deferred: Set<String> = []) throws(FormsError) -> Localizer {
        let template = try read(folder.appendingPathComponent(templateName), name: templateName)
        var english: [String: [String]] = [:]
        var sources: [String: POEntry] = [:]
        for entry in template.entries {
            guard sources[entry.context] == nil else {
                throw FormsError(file: templateName, line: entry.line, entry: "msgctxt \"\(entry.context)\"", "duplicate key")
            }
            sources[entry.context] = entry
            english[entry.context] = [entry.source] + (entry.sourcePlural.map { [$0] } ?? [])
        }
        var languages = [try catalog(template, name: templateName, messages: english)]

        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".po") }.sorted()
        } catch {
            throw FormsError(file: folder.path, "cannot list the Localization folder: \(error.localizedDescription)")
        }
        for file in files {
            let po = try read(folder.appendingPathComponent(file), name: file)
            var messages: [String: [String]] = [:]
            let nplurals = try catalog(po, name: file, messages: [:]).plural.count
            for entry in po.entries {
                let where_ = "msgctxt \"\(entry.context)\""
                guard let source = sources[entry.context] else {
                    throw FormsError(file: file, line: entry.line, entry: where_, "not in \(templateName); remove it or add it there")
                }
                guard messages[entry.context] == nil else {
                    throw FormsError(file: file, line: entry.line, entry: where_, "duplicate key")
                }
                guard entry.source == source.source, entry.sourcePlural == source.sourcePlural else {
                    throw FormsError(file: file, line: entry.line, entry: where_,
                                     "translates an older English text; update msgid and the translation from \(templateName)")
                }
                if entry.flags.contains("fuzzy") {
                    throw FormsError(file: file, line: entry.line, entry: where_, "marked fuzzy; review the translation and remove the flag")
                }
                let expected = source.sourcePlural == nil ? 1 : nplurals
                guard entry.translations.count == expected, entry.translations.allSatisfy({ !$0.isEmpty }) else {
                    throw FormsError(file: file, line: entry.line, entry: where_,
                                     "needs \(expected) non-empty translation\(expected == 1 ? "" : "s")")
                }
                let wanted = Localizer.placeholders(source.source).union(source.sourcePlural.map(Localizer.placeholders) ?? [])
                for text in entry.translations {
                    let found = Localizer.placeholders(text)
                    // A plural form may leave out {count} (Polish "jeden rok"), but never invent or drop others.
                    guard found.subtracting(["count"]) == wanted.subtracting(["count"]), found.isSubset(of: wanted) else {
                        throw FormsError(file: file, line: entry.line, entry: where_,
                                         "placeholders \(found.sorted()) differ from the English \(wanted.sorted())")
                    }
                }
                messages[entry.context] = entry.translations
            }
            if let missing = sources.keys.filter({ messages[$0] == nil && !deferred.contains($0) }).sorted().first {
                throw FormsError(file: file, entry: "msgctxt \"\(missing)\"", "missing translation (in \(templateName) but not here)")
            }
            languages.append(try catalog(po, name: file, messages: messages))
        }
        return Localizer(languages: languages)
    }

    private static func read(_ url: URL, name: String) throws(FormsError) -> POFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FormsError(file: name, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FormsError(file: name, "is not UTF-8 text; save it as UTF-8")
        }
        return try POFile(text: text, name: name)
    }

    private static func catalog(_ po: POFile, name: String, messages: [String: [String]]) throws(FormsError) -> LanguageCatalog {
        guard let code = po.header["Language"], !code.isEmpty else {
            throw FormsError(file: name, line: 1, "the header has no 'Language:' field")
        }
        let rule: PluralRule
        do { rule = try PluralRule(header: po.header["Plural-Forms"] ?? "") } catch {
            throw FormsError(file: name, line: 1, entry: "Plural-Forms", error.description)
        }
        guard let direction = TextDirection(rawValue: po.header["X-Text-Direction"] ?? "ltr") else {
            throw FormsError(file: name, line: 1, entry: "X-Text-Direction", "must be ltr or rtl")
        }
        return LanguageCatalog(
            code: code, name: messages["language.name"]?.first ?? code, direction: direction, plural: rule,
            messages: messages)
    }
}
