import ConsentCore
import Foundation

extension LeakScanner {
    /// The address and subject headers scanned as text: recipients in To/Cc are tenants too.
    static let scannedHeaders: Set<String> = ["from", "to", "cc", "bcc", "reply-to", "sender", "subject"]

    /// Scans a message: its headers, then its body part by part, attachments by their format.
    func scanMail(_ data: Data, name: String, depth: Int, budget: ExpansionBudget, into m: inout Matcher) throws(ScanError) {
        let message = try MIMEEntity.parse(data, requireHeaders: true)
        for (field, value) in message.headers where Self.scannedHeaders.contains(field) {
            var line = MIMEEntity.decodeEncodedWords(value)
            line.withUTF8 { m.textLine(UnsafeRawBufferPointer($0)) }
            m.encoded.lineBreak()
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
        let fileName = entity.fileName ?? ""
        let display = fileName.isEmpty ? "a \(type) part" : fileName
        guard let body = try entity.decodedBody(label: "\(fileName.isEmpty ? display : "attachment \(fileName.debugDescription)") of \(name)") else {
            let encoding = TextSafety.displaySafe(entity.header("content-transfer-encoding") ?? "")
            m.findings.unscanned.append("\(display) (sent in the transfer encoding \(encoding.debugDescription), which the scanner does not know)")
            return
        }
        if type == "message/rfc822" {
            return try scanMail(body, name: name, depth: depth + 1, budget: budget, into: &m)
        }
        // A signature holds no content (the signed parts are read as they are).
        if Self.signatureTypes.contains(type) { return }
        let sniffed = body.withUnsafeBytes { LeakScanner.sniff(UnsafeRawBufferPointer(rebasing: $0.prefix(PartStream.sniffBytes)), name: fileName) }
        guard case .format(var format) = sniffed else {
            if case .unreadable(let why) = sniffed { m.findings.unscanned.append("\(display) (\(why))") }
            return
        }
        let named = ScanFormat(fileName: fileName)
        let typed = Self.format(ofType: type)
        if format.isText, named == nil, let typed { format = typed }
        do {
            try scanContent(body, format: format, name: fileName.isEmpty ? "\(display) of \(name)" : fileName, fromContent: named == nil && typed == nil,
                            charset: parameters["charset"], depth: depth + 1, budget: budget, into: &m)
        } catch .unsupported(let why) {
            m.findings.unscanned.append("\(display) (\(why))")
        }
    }

    /// Parts that only sign the others.
    static let signatureTypes: Set<String> = ["application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"]

    /// The text format a part's type names, if it names one (binary formats are known by their content).
    static func format(ofType type: String) -> ScanFormat? {
        switch type {
        case "text/csv", "application/csv", "text/tab-separated-values": return .csv
        case "application/json", "application/x-ndjson": return .json
        case "text/html": return .html
        case "text/xml", "application/xml": return .xml
        case "message/rfc822": return .mail
        case _ where type.hasPrefix("text/"): return .text
        default: return nil
        }
    }
}
