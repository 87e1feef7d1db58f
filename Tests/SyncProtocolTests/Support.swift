/// What the protocol tests share: tenant references written as string literals.
import ConsentCore

extension TenantRef: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
