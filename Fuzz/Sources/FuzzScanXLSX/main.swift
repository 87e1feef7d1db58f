import ConsentScan
import FuzzCommon

/// The leak scanner's XLSX reader on arbitrary bytes: it must refuse or report, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanXLSX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ScanFixture.scan(Fuzzing.data(start, count), as: .xlsx, name: "report.xlsx")
    return 0
}
