import ConsentRegister
import Foundation
import FuzzCommon

let file = Fuzzing.scratch("csv").appendingPathComponent("register.csv")

/// The register's CSV reader on arbitrary bytes: every record or a `CSVError`, never a crash, and
/// the reader always comes to an end.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard (try? Fuzzing.data(start, count).write(to: file)) != nil, var reader = try? CSVReader(url: file) else { return 0 }
    var records = 0
    while (try? reader.next()) != nil {
        records += 1
        Fuzzing.require(records <= count + 1, "the reader gave more records than the file has bytes")
    }
    return 0
}
