import ConsentCore
import ConsentForms
import ConsentStore
import Foundation

/// What an import did.
public struct ImportSummary: Codable, Sendable, Equatable {
    public var tenants = 0
    public var values = 0
}

/// Why an import was refused; nothing was stored.
public enum ImportError: Error, CustomStringConvertible {
    case csv(CSVError)
    case store(StoreError)

    public var description: String {
        switch self {
        case .csv(let e): "\(e.description) — nothing was imported"
        case .store(let e): "\(e.description) — nothing was imported"
        }
    }
}

/// Loads a register exported from a housing system: one tenant per row, all rows in one
/// transaction, so any bad row rejects the whole file and stores nothing.
public struct RegisterImport {
    public let content: Content
    public let mapping: ImportMapping
    /// For each choice attribute, its choices by every text a cell may give for them (normalised: the id, the
    /// English label, a fixed label, a common synonym), the first choice in Forms/ order winning; built once, not
    /// per cell.
    private let choicesByText: [AttributeID: [String: String]]

    public init(content: Content, mapping: ImportMapping) {
        self.content = content
        self.mapping = mapping
        let synonyms = ["f": "woman", "female": "woman", "m": "man", "male": "man", "text": "sms", "textmessage": "sms"]
        var table: [AttributeID: [String: String]] = [:]
        for definition in content.catalogue.attributes where definition.type == .choice {
            var texts: [String: String] = [:]
            for choice in definition.choices {
                let english = content.localizer.text("choice.\(definition.id).\(choice.id)", "en")
                let keys = [choice.id, english, choice.fixedLabel ?? ""].map(ImportMapping.normalise)
                    + synonyms.filter { $0.value == choice.id }.map(\.key)
                // A text with no letter or digit ("-", "?") names no choice.
                for key in keys where !key.isEmpty && texts[key] == nil { texts[key] = choice.id }
            }
            table[definition.id] = texts
        }
        choicesByText = table
    }

    /// Imports `url` into `database`. `progress` gets (bytes read, file size).
    public func run(_ url: URL, into database: ConsentDatabase, progress: (UInt64, UInt64) -> Void = { _, _ in }) throws(ImportError) -> ImportSummary {
        let size = ((try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)?.uint64Value ?? 0
        var reader: CSVReader
        do { reader = try CSVReader(url: url) } catch { throw .csv(error) }
        let first: [String]?
        do { first = try reader.next() } catch { throw .csv(error) }
        guard let headers = first, headers != [""] else {
            throw .csv(CSVError("the file is empty; export the register with a header row"))
        }
        let targets: [ColumnTarget]
        do { targets = try mapping.resolve(headers) } catch { throw .csv(error) }
        let source = "import:" + url.lastPathComponent
        do {
            return try database.batch(bulk: true) { batch in
                var summary = ImportSummary()
                var seen: Set<TenantRef> = []
                while let fields = try reader.next() {
                    let row = reader.record
                    if fields.count == 1 && fields[0].isEmpty { continue }
                    guard fields.count == targets.count else {
                        throw CSVError(row: row, "has \(fields.count) fields but the header has \(targets.count); check for a stray comma or an unquoted comma")
                    }
                    let (ref, values) = try parse(fields, targets: targets, row: row)
                    guard !values.isEmpty else { throw CSVError(row: row, "has no values: every attribute column is empty") }
                    guard seen.insert(ref).inserted else { throw CSVError(row: row, "tenancy reference \(ref) appears twice in the file") }
                    do {
                        try batch.record(ChangeRequest(tenant: ref, payload: .registration(values: values), actor: .system(source), channel: .importFile))
                    } catch StoreError.refused(.invalidValue(let attribute, let error)) {
                        let column = (targets.firstIndex(of: .attribute(attribute)) ?? 0) + 1
                        throw CSVError(row: row, column: column, "\(headers[column - 1]): \(error.description)")
                    } catch StoreError.tenantExists(let existing) {
                        throw CSVError(row: row, "tenancy reference \(existing) is already in the register")
                    } catch StoreError.refused(let error) {
                        throw CSVError(row: row, error.description)
                    }
                    summary.tenants += 1
                    summary.values += values.count
                    if summary.tenants % 2000 == 0 { progress(reader.bytesRead, size) }
                }
                guard summary.tenants > 0 else { throw CSVError("the file has a header but no tenants") }
                progress(reader.bytesRead, size)
                return summary
            }
        } catch let error as CSVError {
            throw .csv(error)
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .store(.sqlite(String(describing: error)))
        }
    }

    /// One row's reference and values; several columns for one attribute are joined
    /// (first name + surname with a space, address lines with a comma).
    func parse(_ fields: [String], targets: [ColumnTarget], row: Int) throws(CSVError) -> (TenantRef, [AttributeID: AttributeValue]) {
        var ref: TenantRef?
        var parts: [AttributeID: [String]] = [:]
        var firstColumn: [AttributeID: Int] = [:]
        for (index, target) in targets.enumerated() {
            let text = Self.trimmed(fields[index])
            switch target {
            case .ignore: continue
            case .reference:
                guard let valid = content.validator.tenancyReference(text) else {
                    throw CSVError(row: row, column: index + 1, "'\(TextSafety.displaySafe(text))' is not a tenancy reference (pattern in Forms/register.yaml)")
                }
                ref = valid
            case .attribute(let attribute):
                if firstColumn[attribute] == nil { firstColumn[attribute] = index + 1 }
                if !text.isEmpty { parts[attribute, default: []].append(text) }
            }
        }
        guard let ref else { throw CSVError(row: row, "no tenancy reference") }
        var values: [AttributeID: AttributeValue] = [:]
        for (attribute, texts) in parts {
            guard let definition = content.catalogue.attribute(attribute) else { continue }
            let joined = texts.joined(separator: attribute.rawValue == "address" ? ", " : " ")
            if definition.offersPreferNotToSay && Self.isPreferNotToSay(joined) {
                values[attribute] = .preferNotToSay
            } else if definition.type == .choice {
                guard let choice = choiceID(joined, definition) else {
                    throw CSVError(row: row, column: firstColumn[attribute], "'\(TextSafety.displaySafe(joined))' is not one of the choices for \(attribute)")
                }
                values[attribute] = .value(choice)
            } else {
                values[attribute] = .value(joined)
            }
        }
        return (ref, values)
    }

    /// `field` without white space or line breaks at either end; most cells have none, and are returned as they are.
    static func trimmed(_ field: String) -> String {
        guard !field.isEmpty else { return field }
        guard let first = field.unicodeScalars.first, let last = field.unicodeScalars.last,
              !whitespace.contains(first) && !whitespace.contains(last) else {
            return field.trimmingCharacters(in: whitespace)
        }
        return field
    }

    /// Read once: `CharacterSet.whitespacesAndNewlines` builds a new set at each access.
    private static let whitespace = CharacterSet.whitespacesAndNewlines

    static func isPreferNotToSay(_ text: String) -> Bool {
        ["prefernottosay", "prefernottoanswer", "declined", "notstated"].contains(ImportMapping.normalise(text))
    }

    /// A choice by its id, its English label, or a common synonym.
    func choiceID(_ text: String, _ definition: AttributeDefinition) -> String? {
        choicesByText[definition.id]?[ImportMapping.normalise(text)]
    }
}
