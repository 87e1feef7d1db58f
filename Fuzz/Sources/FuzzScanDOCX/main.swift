import ConsentScan
import FuzzCommon

/// The leak scanner's DOCX reader on arbitrary bytes: it must refuse or report, never crash or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScanDOCX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    ScanFixture.scan(Fuzzing.data(start, count), as: .docx, name: "letter.docx")
    return 0
}
