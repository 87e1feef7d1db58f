import ConsentCore
import Foundation

/// Reads JSON or JSON Lines: every object is a record, every key/value pair a cell under that key.
/// A string value that is a `data:` URI or long base64 is returned decoded, to be scanned as the file it is.
enum JSONReader {
    @discardableResult
    static func scan(_ data: Data, name: String, into m: inout Matcher) throws(ScanError) -> [EmbeddedContent] {
        var embedded: [EmbeddedContent] = []
        if let whole = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
            walk(whole, key: nil, into: &m, &embedded)
            m.endRecord()
            return embedded
        }
        // JSON Lines: one value per line, each of which must parse.
        var lineNumber = 0
        var parsedAny = false
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
            guard let value = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) else {
                throw .corrupt(format: "JSON", reason: parsedAny || lineNumber > 1
                    ? "line \(lineNumber) of \(name) is not valid JSON" : "\(name) is not valid JSON (nor JSON Lines)")
            }
            parsedAny = true
            walk(value, key: nil, into: &m, &embedded)
            m.endRecord()
        }
        return embedded
    }

    private static func walk(_ value: Any, key: String?, into m: inout Matcher, _ embedded: inout [EmbeddedContent]) {
        if let object = value as? [String: Any] {
            for (k, v) in object.sorted(by: { $0.key < $1.key }) { walk(v, key: k, into: &m, &embedded) }
        } else if let array = value as? [Any] {
            for element in array {
                walk(element, key: key, into: &m, &embedded)
                if element is [String: Any] { m.endRecord() }
            }
        } else if let string = value as? String, let found = encoded(string, key: key) {
            embedded.append(found)
        } else if let scalar = text(value) {
            if let key { m.keyed(key, value: scalar) } else { m.cell(scalar, column: -1) }
            // A phone written as a number has lost its leading zero: 7700900123.
            if !(value is String), scalar.utf8.count == 10, scalar.utf8.allSatisfy(isDigit), scalar.first != "0" {
                m.cell("0" + scalar, column: -1)
            }
        }
    }

    /// A string value that carries a file: a `data:` URI, or long valid base64.
    private static func encoded(_ string: String, key: String?) -> EmbeddedContent? {
        let label = "the JSON value \(key.map { TextSafety.displaySafe($0).debugDescription } ?? "in a list")"
        if string.utf8.count > 6, let uri = DataURI(Array(string.utf8)) { return uri.content(label: "a data: URI in \(label)") }
        guard Base64Value.looksEncoded(string), let data = Base64Value.decode(string.utf8) else { return nil }
        return EmbeddedContent(mediaType: nil, data: data, label: "base64 in \(label)")
    }

    private static func text(_ value: Any) -> String? {
        if let s = value as? String { return s }
        if let n = value as? Int { return String(n) }
        if let n = value as? Double { return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n) }
        if let n = value as? NSNumber { return n.stringValue }
        return nil
    }
}
