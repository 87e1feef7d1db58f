import ConsentCore

/// What staff may accept to verify a caller never comes only from the tenant's own post.
///
/// An abuser, a relative or a neighbour with the tenant's letters or mailbox has everything a letter
/// or the "what we hold" email shows. `Forms/staff.yaml` lists those checks under
/// `verification.on-tenant-post`; this check proves the list is honest and leaves a way to verify:
/// - a check that a letter's envelope carries (name, address, postcode) or that a template shows
///   (`Forms/templates.yaml`: its address, and every ordinary attribute a listing does not withhold)
///   must be listed there;
/// - at least one check must be off the post (the shipped one: date of birth, which the listing withholds).
enum TenantPostCheck {
    /// What every letter's envelope shows, whatever the templates say.
    static let onEveryLetter: [AttributeID] = ["full-name", "preferred-name", "address", "postcode"].map { AttributeID($0) }

    static func check(_ staff: StaffPolicy, templates: [MailTemplate], catalogue: Catalogue) throws(FormsError) {
        let entry = "verification"
        for check in staff.checks where !staff.onTenantPost.contains(check) {
            if onEveryLetter.contains(check) {
                throw FormsError(file: StaffPolicyLoader.file, entry: entry,
                                 "'\(check)' is on every letter we send, so it is on the tenant's post: list it under 'on-tenant-post'")
            }
            if let template = templates.first(where: { $0.shows(catalogue).contains(check) }) {
                throw FormsError(file: StaffPolicyLoader.file, entry: entry,
                                 "'\(check)' is in the '\(template.id)' message (\(TemplatesLoader.file)), so it is on the tenant's post: "
                                     + "list it under 'on-tenant-post', or add it to that template's 'withholds'")
            }
        }
        guard staff.checks.contains(where: { !staff.onTenantPost.contains($0) }) else {
            throw FormsError(file: StaffPolicyLoader.file, entry: entry,
                             "every check is on the tenant's post, so someone with their letters or email would pass as them: "
                                 + "add a check that is not (date of birth, withheld from mail by 'withholds' in \(TemplatesLoader.file))")
        }
    }
}
