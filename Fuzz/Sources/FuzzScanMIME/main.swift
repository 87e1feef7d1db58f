import ConsentScan
import FuzzCommon

/// The leak scanner's MIME reader on arbitrary bytes: it must refuse or report, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanMIME(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ScanFixture.scan(Fuzzing.data(start, count), as: .mail, name: "message.eml")
    return 0
}
