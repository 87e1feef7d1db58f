import ConsentVault
import Crypto
import SyncProtocol

/// The centre's check of a data key a device pushed, the same at both centres (`PushPlanner.precheck`
/// asks it of every key in a batch, and a refusal refuses the batch).
extension KeyEncryptionKey {
    /// Why a centre holding this key refuses a data key a device pushed, or nil: it must be wrapped
    /// by this key and open with it. A key that names this one but does not open would leave every
    /// database that stores it with values nobody can read.
    ///
    /// ```swift
    /// PushPlanner.precheck(request, authenticated: device, keyRefusal: { kek.refusal(of: $0) })
    /// ```
    public func refusal(of dataKey: WireDataKey) -> String? {
        guard !dataKey.keyID.hasPrefix(PINKey.prefix) else {
            return "data key \(dataKey.keyID) has a PIN key's id: a device pushes only the data keys its values are sealed under; nothing was applied"
        }
        guard dataKey.kekID == id else {
            return "data key \(dataKey.keyID) is wrapped by key \(dataKey.kekID), not the organisation's key \(id); give the device the organisation's key file"
        }
        guard Sealing.unwrap(dataKey.wrapped, id: dataKey.keyID, with: self) != nil else {
            return "data key \(dataKey.keyID) names the organisation's key but does not open with it (forged or damaged); nothing was applied"
        }
        return nil
    }
}
