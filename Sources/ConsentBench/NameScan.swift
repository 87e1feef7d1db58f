import ConsentStore
import GRDB

extension ConsentDatabase {
    /// The benchmark's baseline: names containing `text`, by scanning every current name (no index).
    public func scanNames(containing text: String, limit: Int) throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT v.value FROM current_value c
                JOIN value v ON v.device_no = c.source_device AND v.device_seq = c.source_seq AND v.attribute_id = c.attribute_id
                WHERE c.attribute_id = 'full-name' AND c.status = 'value' AND v.value LIKE ? LIMIT ?
                """, arguments: ["%\(text)%", limit])
        }
    }
}
