import ConsentCore
import GRDB

/// The local numbering of device ids, read once per transaction.
package struct DeviceNumbers {
    private(set) var byNumber: [Int64: DeviceID] = [:]
    package private(set) var byID: [DeviceID: Int64] = [:]

    package init(_ db: Database) throws {
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT no, id FROM device")) {
            let no: Int64 = row["no"]
            let id = DeviceID(row["id"] as String)
            byNumber[no] = id
            byID[id] = no
        }
    }

    func id(_ number: Int64) -> DeviceID { byNumber[number] ?? DeviceID("unknown-\(number)") }

    /// The number of a device, registering it when new.
    package mutating func number(_ id: DeviceID, in db: Database) throws -> Int64 {
        if let no = byID[id] { return no }
        try db.execute(sql: "INSERT INTO device (id) VALUES (?)", arguments: [id.rawValue])
        let no = db.lastInsertedRowID
        byID[id] = no
        byNumber[no] = id
        return no
    }
}
