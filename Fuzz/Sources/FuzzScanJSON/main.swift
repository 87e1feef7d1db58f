import ConsentScan
import FuzzCommon

/// The leak scanner's JSON reader on arbitrary bytes: it must refuse or report, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanJSON(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ScanFixture.scan(Fuzzing.data(start, count), as: .json, name: "export.json")
    return 0
}
