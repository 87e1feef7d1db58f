import ConsentCore
import Foundation

/// A MIME entity: its headers (names lower-cased, folded lines joined) and its raw body.
struct MIMEEntity {
    var headers: [(name: String, value: String)]
    var body: Data

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    /// `type/subtype` in lower case (text/plain when absent) and its parameters (names lower-cased).
    var contentType: (type: String, parameters: [String: String]) {
        MIMEEntity.split(header("content-type") ?? "text/plain")
    }

    /// The attachment's file name, if it has one, safe to print (it comes from the sender).
    var fileName: String? {
        let disposition = header("content-disposition").map(MIMEEntity.split)?.parameters
        return (disposition?["filename"] ?? contentType.parameters["name"]).map { TextSafety.displaySafe(MIMEEntity.decodeEncodedWords($0)) }
    }

    /// Splits `value; a=b; c="d"` into the lower-cased value and its parameters.
    static func split(_ header: String) -> (type: String, parameters: [String: String]) {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for ch in header {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == ";" && !quoted { parts.append(current); current = ""; continue }
            current.append(ch)
        }
        parts.append(current)
        let value = TextSafety.displaySafe(parts[0].trimmingCharacters(in: .whitespaces).lowercased())
        var parameters: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let name = part[..<eq].trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "*", with: "")
            parameters[name] = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        return (value, parameters)
    }

    /// Parses headers and body. `requireHeaders`: a whole message must start with a header field.
    static func parse(_ data: Data, requireHeaders: Bool) throws(ScanError) -> MIMEEntity {
        let bytes = [UInt8](data)
        // The headers end at the first empty line.
        var i = 0
        var lines: [String] = []
        var bodyStart = bytes.count
        var sawEnd = false
        while i < bytes.count {
            var j = i
            while j < bytes.count, bytes[j] != 0x0A { j += 1 }
            var end = j
            if end > i && bytes[end - 1] == 0x0D { end -= 1 }
            if end == i { bodyStart = min(j + 1, bytes.count); sawEnd = true; break }
            let line = String(decoding: bytes[i..<end], as: UTF8.self)
            if (line.first == " " || line.first == "\t"), !lines.isEmpty {
                lines[lines.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                lines.append(line)
            }
            i = j + 1
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon > line.startIndex,
                  line[..<colon].unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            else {
                if requireHeaders || !headers.isEmpty || lines.count > 1 {
                    throw .corrupt(format: "mail", reason: "a header line is malformed: \(TextSafety.displaySafe(String(line.prefix(40))).debugDescription)")
                }
                // A part with no headers and no blank line: all body.
                return MIMEEntity(headers: [], body: data)
            }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        if requireHeaders && (headers.isEmpty || !sawEnd) {
            throw .corrupt(format: "mail", reason: "it has no headers followed by a blank line, so it is not a mail message")
        }
        return MIMEEntity(headers: headers, body: Data(bytes[bodyStart...]))
    }

    /// The parts of a multipart body, between `--boundary` lines up to `--boundary--`.
    static func parts(_ body: Data, boundary: String) throws(ScanError) -> [Data] {
        let bytes = [UInt8](body)
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Data] = []
        var partStart: Int? = nil
        var i = 0
        while i < bytes.count {
            var j = i
            while j < bytes.count, bytes[j] != 0x0A { j += 1 }
            var end = j
            if end > i && bytes[end - 1] == 0x0D { end -= 1 }
            while end > i && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
            let line = bytes[i..<end]
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                if let start = partStart {
                    // The line break before a delimiter belongs to the delimiter.
                    var stop = i
                    if stop > start && bytes[stop - 1] == 0x0A { stop -= 1 }
                    if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
                    parts.append(Data(bytes[start..<max(start, stop)]))
                }
                if rest.elementsEqual("--".utf8) { return parts }
                if rest.isEmpty { partStart = min(j + 1, bytes.count) }
            }
            i = j + 1
        }
        if partStart == nil {
            throw .corrupt(format: "mail", reason: "its multipart body has no part with the boundary it declares")
        }
        throw .corrupt(format: "mail", reason: "it is cut short: its last part never ends (no closing boundary)")
    }

    /// The body with its transfer encoding undone.
    func decodedBody(label: String) throws(ScanError) -> Data {
        switch (header("content-transfer-encoding") ?? "7bit").lowercased() {
        case "base64":
            let clean = body.filter { !($0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09) }
            guard let data = Data(base64Encoded: clean) else {
                throw .corrupt(format: "mail", reason: "\(label) is not valid base64 (damaged or cut short)")
            }
            return data
        case "quoted-printable":
            return Self.quotedPrintable(body)
        default:
            return body
        }
    }

    /// Header text with RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?iso-8859-1?Q?...?=`) decoded, so an
    /// encoded subject or display name is scanned like plain text. Anything malformed is left as it is.
    static func decodeEncodedWords(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var out = ""
        var rest = Substring(value)
        while let start = rest.range(of: "=?") {
            out += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            let pieces = after.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
            guard pieces.count == 4, pieces[3].hasPrefix("="), let decoded = decodeWord(charset: pieces[0], encoding: pieces[1], text: pieces[2]) else {
                out += "=?"
                rest = after
                continue
            }
            out += decoded
            rest = pieces[3].dropFirst()
            // White space between two encoded words is not part of the text.
            if rest.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("=?") { rest = rest.drop(while: { $0 == " " || $0 == "\t" }) }
        }
        return out + rest
    }

    private static func decodeWord(charset: Substring, encoding: Substring, text: Substring) -> String? {
        let bytes: Data
        switch encoding.lowercased() {
        case "b":
            guard let data = Data(base64Encoded: String(text)) else { return nil }
            bytes = data
        case "q":
            bytes = quotedPrintable(Data(text.replacingOccurrences(of: "_", with: " ").utf8))
        default:
            return nil
        }
        switch charset.lowercased() {
        case "utf-8", "us-ascii": return String(decoding: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1", "windows-1252", "iso-8859-15": return String(bytes.map { Character(Unicode.Scalar($0)) })
        default: return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Decodes quoted-printable leniently: `=XX` and soft line breaks; anything else is kept.
    static func quotedPrintable(_ body: Data) -> Data {
        let b = [UInt8](body)
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x37
            case 0x61...0x66: c - 0x57
            default: nil
            }
        }
        while i < b.count {
            if b[i] == 0x3D {
                if i + 1 < b.count && b[i + 1] == 0x0A { i += 2; continue }
                if i + 2 < b.count && b[i + 1] == 0x0D && b[i + 2] == 0x0A { i += 3; continue }
                if i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
            }
            out.append(b[i])
            i += 1
        }
        return Data(out)
    }
}

extension LeakScanner {
    /// The address and subject headers scanned as text: recipients in To/Cc are tenants too.
    static let scannedHeaders: Set<String> = ["from", "to", "cc", "bcc", "reply-to", "sender", "subject"]

    /// Scans a message: its headers, then its body part by part, attachments by their format.
    func scanMail(_ data: Data, name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        let message = try MIMEEntity.parse(data, requireHeaders: true)
        for (field, value) in message.headers where Self.scannedHeaders.contains(field) {
            var line = MIMEEntity.decodeEncodedWords(value)
            line.withUTF8 { m.textLine(UnsafeRawBufferPointer($0)) }
        }
        m.endRecord()
        try scanEntity(message, name: name, depth: depth, budget: budget, into: &m)
    }

    private func scanEntity(_ entity: MIMEEntity, name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        guard depth < limits.maxDepth else { throw .tooLarge("\(name) nests parts more than \(limits.maxDepth) deep") }
        let (type, parameters) = entity.contentType
        if type.hasPrefix("multipart/") {
            guard let boundary = parameters["boundary"], !boundary.isEmpty else {
                throw .corrupt(format: "mail", reason: "a \(type) part of \(name) has no boundary")
            }
            for part in try MIMEEntity.parts(entity.body, boundary: boundary) {
                let child = try MIMEEntity.parse(part, requireHeaders: false)
                try scanEntity(child, name: name, depth: depth + 1, budget: budget, into: &m)
            }
            return
        }
        let label = entity.fileName.map { "attachment \($0.debugDescription)" } ?? "a \(type) part"
        let body = try entity.decodedBody(label: "\(label) of \(name)")
        if type == "message/rfc822" {
            return try scanMail(body, name: name, depth: depth + 1, budget: budget, into: &m)
        }
        let fileName = entity.fileName ?? ""
        let format = Self.format(ofType: type, fileName: fileName) ?? Self.detect(body, name: fileName)
        guard let format else {
            m.findings.unscanned.append(fileName.isEmpty ? type : "\(fileName) (\(type))")
            return
        }
        try scanContent(body, format: format, name: fileName.isEmpty ? name : "\(fileName) in \(name)", depth: depth + 1, budget: budget, into: &m)
    }

    /// The format a part's type or file name names, if it names one.
    static func format(ofType type: String, fileName: String) -> ScanFormat? {
        if let byName = ScanFormat(fileName: fileName) { return byName }
        switch type {
        case "text/csv", "application/csv", "text/tab-separated-values": return .csv
        case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": return .xlsx
        case "application/vnd.openxmlformats-officedocument.wordprocessingml.document": return .docx
        case "application/json", "application/x-ndjson": return .json
        case "text/html": return .html
        case "message/rfc822": return .mail
        case _ where type.hasPrefix("text/"): return .text
        default: return nil
        }
    }
}
