import ConsentScan
import FuzzCommon

/// The leak scanner's Gzip reader (and whatever it finds inside) on arbitrary bytes: it must refuse or
/// report, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanGzip(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ScanFixture.scan(Fuzzing.data(start, count), as: .gzip, name: "rows.csv.gz")
    return 0
}
