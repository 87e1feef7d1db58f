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

    /// Splits `value; a=b; c="d"` into the lower-cased value and its parameters. RFC 2231 forms are
    /// joined and decoded: `filename*=utf-8''%C5%81ucja.csv`, and `name*0=...; name*1=...` continuations.
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
        var pieces: [String: [(Int, String, Bool)]] = [:]
        for part in parts.dropFirst() {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let rawName = part[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let text = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            let extended = rawName.hasSuffix("*")
            let name = extended ? String(rawName.dropLast()) : rawName
            let segments = name.split(separator: "*", maxSplits: 1)
            if segments.count == 2, let n = Int(segments[1]) {
                pieces[String(segments[0]), default: []].append((n, text, extended))
            } else if extended {
                pieces[name, default: []].append((0, text, true))
            } else {
                parameters[name] = text
            }
        }
        for (name, list) in pieces {
            var charset = "utf-8"
            var bytes: [UInt8] = []
            for (index, (_, text, extended)) in list.sorted(by: { $0.0 < $1.0 }).enumerated() {
                var body = Substring(text)
                if extended && index == 0 {
                    let fields = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if fields.count == 3 { charset = String(fields[0]); body = fields[2] }
                }
                bytes += extended ? percentDecoded(body) : Array(body.utf8)
            }
            let encoding = TextEncoding(label: charset)
            parameters[name] = bytes.withUnsafeBytes { b in
                (try? TextDecoding.utf8(b, from: encoding == .utf8 && !TextDecoding.isValidUTF8(b) ? .windows1252 : encoding))
                    .map { String(decoding: $0, as: UTF8.self) } ?? String(decoding: b, as: UTF8.self)
            }
        }
        return (value, parameters)
    }

    private static func percentDecoded(_ text: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var i = text.utf8.startIndex
        let u = text.utf8
        while i < u.endIndex {
            if u[i] == 0x25, let a = u.index(i, offsetBy: 1, limitedBy: u.endIndex), a < u.endIndex,
               let b = u.index(i, offsetBy: 2, limitedBy: u.endIndex), b < u.endIndex,
               let byte = UInt8(String(decoding: [u[a], u[b]], as: UTF8.self), radix: 16) {
                out.append(byte)
                i = u.index(after: b)
            } else {
                out.append(u[i])
                i = u.index(after: i)
            }
        }
        return out
    }

    /// A header line's text: UTF-8 when it is (RFC 6532), else Windows-1252 (old clients' 8-bit headers).
    static func headerText(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBytes { b in
            TextDecoding.isValidUTF8(b) ? String(decoding: b, as: UTF8.self) : String(decoding: TextDecoding.windows1252(b), as: UTF8.self)
        }
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
            let line = headerText(bytes[i..<end])
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

    /// The body with its transfer encoding undone; nil when the encoding is one the scanner does not know.
    func decodedBody(label: String) throws(ScanError) -> Data? {
        switch (header("content-transfer-encoding") ?? "7bit").lowercased().trimmingCharacters(in: .whitespaces) {
        case "base64":
            let clean = body.filter { !($0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09) }
            guard let data = Data(base64Encoded: clean) else {
                throw .corrupt(format: "mail", reason: "\(label) is not valid base64 (damaged or cut short)")
            }
            return data
        case "quoted-printable":
            return Self.quotedPrintable(body)
        case "7bit", "8bit", "binary", "":
            return body
        case "x-uuencode", "uuencode", "x-uue", "uue":
            guard let data = Self.uudecode(body) else {
                throw .corrupt(format: "mail", reason: "\(label) is not valid uuencoded data (damaged or cut short)")
            }
            return data
        default:
            return nil
        }
    }

    /// Undoes uuencoding (`begin 644 name` ... `end`).
    static func uudecode(_ body: Data) -> Data? {
        var out = Data()
        var started = false
        for line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var bytes = Array(line)
            if bytes.last == 0x0D { bytes.removeLast() }
            if !started { if bytes.starts(with: Array("begin".utf8)) { started = true }; continue }
            if bytes.starts(with: Array("end".utf8)) { return out }
            guard let first = bytes.first else { continue }
            let count = Int((first &- 0x20) & 0x3F)
            if count == 0 { continue }
            var decoded: [UInt8] = []
            var i = 1
            while i + 3 < bytes.count + 1 && decoded.count < count {
                let c = (0..<4).map { k in i + k < bytes.count ? (bytes[i + k] &- 0x20) & 0x3F : 0 }
                decoded += [c[0] << 2 | c[1] >> 4, (c[1] & 0xF) << 4 | c[2] >> 2, (c[2] & 0x3) << 6 | c[3]]
                i += 4
            }
            guard decoded.count >= count else { return nil }
            out.append(contentsOf: decoded.prefix(count))
        }
        return started ? out : nil
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
        // RFC 2231 allows a language after the charset: utf-8*en.
        let name = String(charset.split(separator: "*").first ?? charset)
        var encoding = TextEncoding(label: name)
        if encoding == .utf8 && !bytes.withUnsafeBytes(TextDecoding.isValidUTF8) { encoding = .windows1252 }
        return bytes.withUnsafeBytes { b in (try? TextDecoding.utf8(b, from: encoding)).map { String(decoding: $0, as: UTF8.self) } }
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
