import Foundation
import Yams

/// Strict access to one YAML mapping of a Forms file: every read names the file, line and entry
/// in its error, and ``finish()`` refuses keys nobody read (a typo is an error, not a silent default).
struct YAMLFields {
    let file: String
    let entry: String?
    let line: Int?
    private let pairs: [String: Node]
    private var used: Set<String> = []

    init(_ node: Node, file: String, entry: String?) throws(FormsError) {
        self.file = file
        self.entry = entry
        line = node.mark.map { $0.line }
        guard let mapping = node.mapping else {
            throw FormsError(file: file, line: line, entry: entry, "expected a mapping of 'key: value' lines")
        }
        var pairs: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw FormsError(file: file, line: key.mark?.line, entry: entry, "a key must be text") }
            guard pairs[name] == nil else {
                throw FormsError(file: file, line: key.mark?.line, entry: entry, "'\(name)' appears twice")
            }
            pairs[name] = value
        }
        self.pairs = pairs
    }

    func error(_ message: String, at node: Node? = nil) -> FormsError {
        FormsError(file: file, line: node?.mark?.line ?? line, entry: entry, message)
    }

    mutating func node(_ key: String) -> Node? {
        used.insert(key)
        return pairs[key]
    }

    mutating func string(_ key: String) throws(FormsError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let scalar) = node else { throw error("'\(key)' must be text", at: node) }
        return scalar.string
    }

    mutating func requiredString(_ key: String) throws(FormsError) -> String {
        guard let value = try string(key), !value.isEmpty else { throw error("'\(key)' is required") }
        return value
    }

    mutating func bool(_ key: String) throws(FormsError) -> Bool {
        guard let node = node(key) else { return false }
        guard let value = node.bool else { throw error("'\(key)' must be true or false", at: node) }
        return value
    }

    mutating func int(_ key: String) throws(FormsError) -> Int? {
        guard let node = node(key) else { return nil }
        guard let value = node.int else { throw error("'\(key)' must be a whole number", at: node) }
        return value
    }

    mutating func strings(_ key: String) throws(FormsError) -> [String] {
        guard let node = node(key) else { return [] }
        guard let sequence = node.sequence else { throw error("'\(key)' must be a list", at: node) }
        var out: [String] = []
        for item in sequence {
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else {
                throw error("every item of '\(key)' must be text", at: item)
            }
            out.append(scalar.string)
        }
        return out
    }

    mutating func list(_ key: String) throws(FormsError) -> [Node] {
        guard let node = node(key) else { return [] }
        guard let sequence = node.sequence else { throw error("'\(key)' must be a list", at: node) }
        return Array(sequence)
    }

    /// Refuses keys that were never read.
    func finish() throws(FormsError) {
        if let unknown = pairs.keys.filter({ !used.contains($0) }).sorted().first {
            throw error("unknown key '\(unknown)'; expected one of: \(used.sorted().joined(separator: ", "))", at: pairs[unknown])
        }
    }

    /// Parses a whole file into its top-level mapping.
    static func document(_ url: URL, name: String) throws(FormsError) -> YAMLFields {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw FormsError(file: name, "cannot read \(url.path) as UTF-8 text: \(error.localizedDescription)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw FormsError(file: name, "is not valid YAML: \(error)")
        }
        guard let root else { throw FormsError(file: name, "is empty") }
        return try YAMLFields(root, file: name, entry: nil)
    }
}
