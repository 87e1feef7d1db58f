import ConsentCore
import Foundation
import GRDB
import SyncProtocol

/// `value.digest` as a register stores it. While a value's salt is held its salted digest is derived from the row
/// itself (``ValueDigest/of(_:attribute:salt:)`` of its text or "prefer not to say", its attribute and its salt), so
/// the row keeps only the digest's first ``checkLength`` bytes, enough for `consent ledger verify` to name a value
/// changed without its check. The chain still covers the whole digests (an event's `values_digest` combines them), so
/// a value changed with a forged check fails verification too. Once a value is erased its text and salt go and the
/// whole digest is written in their place (``erasingSQL``), as the chain needs it from then on; erasing a row whose
/// check no longer matches keeps the check, so its event goes on failing verification. Rows written before keep their
/// whole digest, and read the same.
///
/// Reads that need the whole digest (a push, `consent migrate`) take it from the SQL function ``functionName``, which
/// every connection the program opens to a register has (`Configuration.durableWAL()`).
package enum StoredValueDigest {
    /// The migration after which rows are written this way (`PRAGMA user_version` 5).
    package static let migration = "value-digest-check-1"

    /// How many of a digest's bytes a row keeps while its salt is held.
    package static let checkLength = 4

    /// What a new row stores: the check while `salt` is held, the whole digest once the value is erased.
    package static func stored(_ digest: Data, salt: Data?) -> Data {
        salt == nil ? digest : digest.prefix(checkLength)
    }

    /// A row's whole digest: the stored one when it is whole, else derived from the row and checked against the stored
    /// check; nil when the row's value no longer matches its check (it was changed) or it holds neither (damaged).
    private static func whole(attribute: AttributeID, answer: AttributeValue, salt: Data?, stored: Data) -> Data? {
        if stored.count == ValueDigest.empty.count { return stored }
        guard let salt else { return nil }
        let derived = ValueDigest.of(answer, attribute: attribute, salt: salt)
        return matches(derived, stored: stored) ? derived : nil
    }

    /// Whether a digest derived from a row is the one it stores: the same whole digest, or the check it begins with.
    package static func matches(_ derived: Data, stored: Data) -> Bool {
        stored.count == derived.count ? stored == derived : stored.count == checkLength && derived.prefix(checkLength) == stored
    }

    /// The SQL function giving a `value` row's whole digest, called with its `attribute_id`, `prefer_not`, `value`,
    /// `salt` and `digest`; the stored digest itself where none can be derived, so a changed row reads as changed.
    package static let functionName = "value_digest"

    /// ``functionName`` over the columns of the `value` row `row` ("" or an alias and a dot).
    package static func sql(_ row: String = "") -> String {
        "\(functionName)(\(row)attribute_id, \(row)prefer_not, \(row)value, \(row)salt, \(row)digest)"
    }

    /// The function itself, for a connection's `prepareDatabase`.
    static let function = DatabaseFunction(functionName, argumentCount: 5, pure: true) { arguments -> Data? in
        guard let stored = Data.fromDatabaseValue(arguments[4]) else { return nil }
        let attribute = AttributeID(String.fromDatabaseValue(arguments[0]) ?? "")
        let preferNot = (Int64.fromDatabaseValue(arguments[1]) ?? 0) != 0
        let answer = AttributeValue(storedText: String.fromDatabaseValue(arguments[2]), preferNotToSay: preferNot)
        return whole(attribute: attribute, answer: answer, salt: Data.fromDatabaseValue(arguments[3]), stored: stored) ?? stored
    }

    /// The assignments an erasure makes to a `value` row: its whole digest in place of the check, its text and salt gone.
    static let erasingSQL = "digest = \(sql()), value = NULL, salt = NULL"
}
