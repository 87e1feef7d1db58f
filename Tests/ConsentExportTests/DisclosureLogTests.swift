import ConsentCore
import Foundation
import Testing
import TestSupport

@testable import ConsentExport

/// An export's disclosure log gives a store its entries in register order, each with the columns that left in the
/// end: narrowings made afterwards, in pseudonym order, are merged back in by entry number.
@Suite struct DisclosureLogTests {
    @Test func narrowingsInAnyOrderComeBackInRegisterOrderAndOnlyTakeColumnsAway() throws {
        let folder = try TempFolder("log")
        let log = try DisclosureLog(creating: folder.url.appendingPathComponent(".consent-export-test.disclosures"),
                                    columns: ["a", "b", "c", "d"].map { AttributeID($0) })
        var numbers: [Int?] = []
        for index in 0..<1_000 {
            // Every seventh tenant got nothing: no entry, no number.
            numbers.append(try log.append(TenantRef("T\(index)"), mask: index % 7 == 0 ? 0 : 0b1111))
        }
        #expect(numbers.compactMap { $0 } == Array(0..<857), "entries are numbered as they are appended")
        #expect(numbers[0] == nil && numbers[7] == nil)

        // Narrowed in a shuffled order, as pseudonym order is: every third entry loses column c, every
        // fifth loses everything, and one narrowing claims a column the entry never had.
        var narrowings: [(Int, UInt64)] = []
        for entry in 0..<857 where entry % 3 == 0 || entry % 5 == 0 { narrowings.append((entry, entry % 5 == 0 ? 0 : 0b1011)) }
        narrowings.append((1, 0b1_0000_0111))
        for (entry, mask) in narrowings.shuffled() { try log.narrow(entry, to: mask) }
        try log.finish()

        let recorded = Array(log)
        var expected: [(String, UInt64)] = []
        var entry = 0
        for index in 0..<1_000 where index % 7 != 0 {
            defer { entry += 1 }
            if entry % 5 == 0 { continue }
            expected.append(("T\(index)", entry == 1 ? 0b0111 : entry % 3 == 0 ? 0b1011 : 0b1111))
        }
        #expect(recorded.map(\.tenant.rawValue) == expected.map(\.0), "register order, the tenants narrowed to nothing left out")
        #expect(recorded.map(\.mask) == expected.map(\.1))
        #expect(recorded.count == 857 - 172)
    }

    @Test func aLogNeverNarrowedIsReadAsAppended() throws {
        let folder = try TempFolder("log")
        let log = try DisclosureLog(creating: folder.url.appendingPathComponent(".d"), columns: [AttributeID("a"), AttributeID("b")])
        try log.append(TenantRef("T1"), cells: ["x", nil])
        try log.append(TenantRef("T2"), cells: [nil, nil])
        try log.append(TenantRef("T3"), cells: ["x", "y"])
        try log.finish()
        #expect(Array(log).map { "\($0.tenant.rawValue):\($0.mask)" } == ["T1:1", "T3:3"])
    }
}
