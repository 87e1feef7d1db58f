import ConsentCore
import Foundation
import Yams

/// Loads `Forms/staff.yaml` (staff mode's rules) as strictly as the other Forms files.
public enum StaffPolicyLoader {
    public static let file = "staff.yaml"

    /// The policy in `folder/staff.yaml`, or nil when the folder has none (staff mode then refuses to start).
    public static func load(_ folder: URL, catalogue: Catalogue) throws(FormsError) -> StaffPolicy? {
        let url = folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        var doc = try YAMLFields.document(url, name: file)
        guard try doc.int("version") == 1 else { throw doc.error("'version' must be 1") }
        guard let verificationNode = doc.node("verification") else { throw doc.error("'verification' is required") }
        let reasonNodes = try doc.list("reasons")
        let held = try attributes(try doc.strings("held-attributes"), catalogue, doc, "held-attributes")
        let markerNodes = try doc.list("markers")
        try doc.finish()

        var verification = try YAMLFields(verificationNode, file: file, entry: "verification")
        let checks = try attributes(try verification.strings("checks"), catalogue, verification, "checks")
        guard let required = try verification.int("required") else { throw verification.error("'required' is required") }
        guard verification.node("on-tenant-post") != nil else {
            throw verification.error("'on-tenant-post' is required: list the checks the tenant's own post carries (letters, the \"what we hold\" email), or [] if none")
        }
        let onPost = try attributes(try verification.strings("on-tenant-post"), catalogue, verification, "on-tenant-post")
        for a in onPost where !checks.contains(a) {
            throw verification.error("'on-tenant-post' names '\(a)', which is not among 'checks'; list only checks there")
        }
        let strongerNode = verification.node("stronger")
        try verification.finish()
        guard !checks.isEmpty, required >= 1, required <= checks.count else {
            throw verification.error("'required' must be between 1 and the number of checks (\(checks.count))")
        }

        var reasons: [ReasonCode] = []
        for node in reasonNodes {
            var fields = try YAMLFields(node, file: file, entry: "reason")
            let id = try fields.requiredString("id")
            let label = try fields.requiredString("label")
            try fields.finish()
            guard id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw fields.error("reason id '\(id)' must be lower-case letters, digits and '-'")
            }
            guard !TextSafety.hasForbiddenCharacter(label) else { throw fields.error("reason '\(id)': the label has control characters") }
            guard !reasons.contains(where: { $0.id == id }) else { throw fields.error("reason '\(id)' is listed twice") }
            reasons.append(ReasonCode(id: id, label: label))
        }
        guard !reasons.isEmpty else { throw doc.error("'reasons' must list at least one reason code") }

        var markers: [MarkerDefinition] = []
        for node in markerNodes {
            var fields = try YAMLFields(node, file: file, entry: "marker")
            let id = try fields.requiredString("id")
            let alert = try fields.requiredString("alert")
            let hides = try attributes(try fields.strings("hides"), catalogue, fields, "hides")
            try fields.finish()
            guard !TextSafety.hasForbiddenCharacter(alert) else { throw fields.error("marker '\(id)': the alert has control characters") }
            guard !markers.contains(where: { $0.id == id }) else { throw fields.error("marker '\(id)' is listed twice") }
            markers.append(MarkerDefinition(id: id, alert: alert, hides: hides))
        }
        var stronger: StrongerCheckPolicy?
        if let strongerNode { stronger = try strongerPolicy(strongerNode, catalogue, markers) }
        if stronger == nil, let first = markers.first {
            throw verification.error("'stronger' is required while markers exist (marker '\(first.id)'): a tenant with a marker needs a one-time code or a call-back on top of the details")
        }
        return StaffPolicy(checks: checks, required: required, reasons: reasons, heldAttributes: held, markers: markers,
                           onTenantPost: onPost, stronger: stronger)
    }

    /// `verification.stronger`: the markers whose tenants need it, the methods, and the numbers on file it uses.
    private static func strongerPolicy(_ node: Node, _ catalogue: Catalogue, _ markers: [MarkerDefinition]) throws(FormsError) -> StrongerCheckPolicy {
        var fields = try YAMLFields(node, file: file, entry: "verification.stronger")
        let names = try fields.strings("markers")
        let methodNames = try fields.strings("methods")
        let codeTo = AttributeID(try fields.requiredString("code-to"))
        let callBackTo = try attributes(try fields.strings("call-back-to"), catalogue, fields, "call-back-to")
        try fields.finish()
        guard !names.isEmpty else { throw fields.error("'markers' must list at least one marker") }
        for name in names where !markers.contains(where: { $0.id == name }) {
            throw fields.error("'markers' names '\(name)', which is not under 'markers' in this file")
        }
        var methods: [StrongerCheck] = []
        for name in methodNames {
            guard let method = StrongerCheck(rawValue: name) else {
                throw fields.error("unknown method '\(name)'; use \(StrongerCheck.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            methods.append(method)
        }
        guard !methods.isEmpty else { throw fields.error("'methods' must list one-time-code, call-back or both") }
        for phone in [codeTo] + callBackTo where catalogue.attribute(phone)?.type != .phone {
            throw fields.error("'\(phone)' must be a phone attribute in attributes.yaml (the number on file)")
        }
        if methods.contains(.callBack), callBackTo.isEmpty { throw fields.error("'call-back-to' must list the phone numbers on file to call back") }
        return StrongerCheckPolicy(markers: names, methods: methods, codeTo: codeTo, callBackTo: callBackTo)
    }

    private static func attributes(_ ids: [String], _ catalogue: Catalogue, _ fields: YAMLFields, _ key: String) throws(FormsError) -> [AttributeID] {
        var out: [AttributeID] = []
        for id in ids {
            guard catalogue.attribute(AttributeID(id)) != nil else {
                throw fields.error("'\(key)' names '\(id)', which is not in attributes.yaml")
            }
            guard !out.contains(AttributeID(id)) else { throw fields.error("'\(key)' lists '\(id)' twice") }
            out.append(AttributeID(id))
        }
        return out
    }
}
