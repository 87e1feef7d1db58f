/// The recipient of what a tenant is sent about themself: messages under a purpose and the answer to
/// their own access request. Recorded like any disclosure, so the tenant sees it; an access answer may
/// name any attribute held (it is the tenant's own data going to them), a message only its purpose's.
public enum TenantRecipient {
    /// The recipient a mailing's disclosures name.
    public static let byEmail = "tenant-by-email"
}
