import ConsentCore

/// Every marker staff can set (`Forms/staff.yaml`) is held for one purpose (`markers:` in
/// `Forms/purposes.yaml`): a marker such as `vulnerable` or `safe-address` says something about a
/// tenant's health or safety, so it needs a basis, an Art. 9 condition (DPA 2018 Sch. 1 para 18,
/// safeguarding), a notice and a retention, like any special-category data.
enum MarkerPurposeCheck {
    static func check(_ staff: StaffPolicy, _ catalogue: Catalogue) throws(FormsError) {
        var holder: [String: PurposeID] = [:]
        for purpose in catalogue.purposes {
            for marker in purpose.markers {
                if let other = holder[marker] {
                    throw FormsError(file: "purposes.yaml", entry: "purpose '\(purpose.id)'", "marker '\(marker)' is already held by purpose '\(other)'; list it under one purpose")
                }
                guard staff.marker(marker) != nil else {
                    throw FormsError(file: "purposes.yaml", entry: "purpose '\(purpose.id)'", "lists marker '\(marker)', which is not in \(StaffPolicyLoader.file)")
                }
                holder[marker] = purpose.id
            }
        }
        for marker in staff.markers where holder[marker.id] == nil {
            throw FormsError(file: StaffPolicyLoader.file, entry: "marker '\(marker.id)'",
                             "has no purpose: list it under 'markers' of a purpose in purposes.yaml (safeguarding: DPA 2018 Sch. 1 para 18, with its 'art9-condition', 'schedule-1-paragraph' and 'appropriate-policy-document')")
        }
    }
}
