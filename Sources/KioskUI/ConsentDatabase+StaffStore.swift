import ConsentCore
import ConsentStore

extension ConsentDatabase: StaffStore {
    public func recordChange(_ request: ChangeRequest) throws(StoreError) {
        _ = try record(request)
    }

    public func recordChanges(_ requests: [ChangeRequest]) throws(StoreError) {
        _ = try record(requests)
    }
}
