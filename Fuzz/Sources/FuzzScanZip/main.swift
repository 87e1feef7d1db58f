import ConsentScan
import FuzzCommon

/// The leak scanner's Zip reader (and whatever it finds inside) on arbitrary bytes: it must refuse or
/// report, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanZip(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ScanFixture.scan(Fuzzing.data(start, count), as: .zip, name: "archive.zip")
    return 0
}
