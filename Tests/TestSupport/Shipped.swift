import ConsentForms
import Foundation

/// The Forms/ and Localization/ the repository ships, for the tests: where they are, and loaded once.
///
/// ```swift
/// let db = try ConsentDatabase.create(at: path, validator: Shipped.content.validator, device: DeviceID("kiosk"))
/// ```
public enum Shipped {
    /// The repository's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The shipped Forms/.
    public static let forms = root.appendingPathComponent("Forms")
    /// The shipped Localization/.
    public static let localization = root.appendingPathComponent("Localization")

    /// The shipped content, loaded once, or why it does not load (ConsentFormsTests say why too).
    public static let loaded: Result<Content, FormsError> = Result { () throws(FormsError) -> Content in try load() }

    /// The shipped content, loaded once; the test process stops if it does not load.
    public static var content: Content {
        switch loaded {
        case .success(let content): return content
        case .failure(let error): fatalError("the shipped Forms/ do not load: \(error)")
        }
    }

    /// Loads the shipped content afresh.
    public static func load() throws(FormsError) -> Content {
        try Content.load(forms: forms, localization: localization)
    }
}
