import ConsentCore
import ConsentVault
import Foundation
import GRDB
import SyncProtocol

extension ConsentDatabase {
    /// Records that a staff member ended the kiosk with their password (F12 twice at the kiosk).
    ///
    ///     try db.recordKioskExit(by: "S100")
    public func recordKioskExit(by staff: String) throws(StoreError) {
        let at = Millis.from(clock())
        try write { db in try db.execute(sql: "INSERT INTO kiosk_exit (at, staff) VALUES (?, ?)", arguments: [at, staff]) }
    }

    /// Who ended the kiosk, and when, oldest first.
    public func kioskExits() throws(StoreError) -> [(at: Date, staff: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT at, staff FROM kiosk_exit ORDER BY id").map { (Millis.date($0["at"]), $0["staff"]) }
        }
    }
}
