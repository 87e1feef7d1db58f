/// A problem in `Forms/` or `Localization/`, naming the file, the line and the entry.
public struct FormsError: Error, Equatable, CustomStringConvertible {
    /// The file, relative to its folder (e.g. `attributes.yaml`, `pl.po`).
    public var file: String
    public var line: Int?
    /// The entry at fault, e.g. `attribute 'email'` or `msgctxt "purpose.x.name"`.
    public var entry: String?
    public var message: String

    public init(file: String, line: Int? = nil, entry: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.entry = entry
        self.message = message
    }

    public var description: String {
        var where_ = file
        if let line { where_ += ":\(line)" }
        if let entry { where_ += ": \(entry)" }
        return "\(where_): \(message)"
    }
}
