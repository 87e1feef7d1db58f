import ConsentCore
import Foundation

extension DemoRegister {
    /// The header of ``writeRegisterFile(count:to:progress:)``: the tenancy reference, then every attribute of
    /// Forms/ by its id (which `consent import` maps to itself).
    public var registerFileHeader: [String] { ["tenancy-reference"] + catalogue.attributes.map(\.id.rawValue) }

    /// Writes tenants `0..<count` as the register file a housing system would export for `consent import`: one row
    /// per tenant, the values of the demo's registration (choices by id, "Prefer not to say" as those words, a
    /// value not held left empty), RFC 4180 quoting, UTF-8, LF line ends. The file is created
    /// owner-only (or replaced). `progress` gets (rows written, `count`). Returns the bytes written.
    @discardableResult
    public func writeRegisterFile(count: Int, to url: URL, progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw CSVError("cannot create the register file \(url.path); check the folder exists and is writable")
        }
        defer { try? handle.close() }
        let attributes = catalogue.attributes.map(\.id)
        var buffer = Data()
        var written = 0
        func line(_ fields: [String]) {
            buffer.append(contentsOf: fields.map(Self.quoted).joined(separator: ",").utf8)
            buffer.append(0x0A)
        }
        func flush() throws {
            try handle.write(contentsOf: buffer)
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
        line(registerFileHeader)
        for index in 0..<count {
            var values: [AttributeID: AttributeValue] = [:]
            if case .registration(let registered)? = tenant(index).first?.payload { values = registered }
            line([Self.reference(index).rawValue] + attributes.map { attribute in
                switch values[attribute] {
                case .value(let text)?: text
                case .preferNotToSay?: "Prefer not to say"
                case nil: ""
                }
            })
            if buffer.count >= 1 << 20 {
                try flush()
                progress(index + 1, count)
            }
        }
        try flush()
        progress(count, count)
        return written
    }

    /// A CSV field, in double quotes (inner quotes doubled) when it holds a comma, a quote or a line break.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
