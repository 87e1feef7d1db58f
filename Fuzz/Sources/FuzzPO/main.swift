import ConsentForms
import FuzzCommon

/// The PO catalogue parser on arbitrary text: a catalogue or a `FormsError`, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPO(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    _ = try? POFile(text: text, name: "fuzz.po")
    return 0
}
