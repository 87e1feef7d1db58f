import ConsentForms
import Foundation
import FuzzCommon

/// A copy of the shipped Forms/ and Localization/ whose files the fuzzer replaces one at a time.
let copy = Fuzzing.scratch("forms")
let files: [(folder: String, name: String)] = {
    var found: [(String, String)] = []
    for folder in ["Forms", "Localization"] {
        let source = Fuzzing.root.appendingPathComponent(folder)
        try? FileManager.default.copyItem(at: source, to: copy.appendingPathComponent(folder))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? []
        found += names.sorted().map { (folder, $0) }
    }
    return found
}()

/// The Forms/ loader (YAML attributes, purposes, notices, register, staff and mail templates, and
/// the PO catalogues) with one file replaced by the input: the first byte chooses which, the rest
/// is its text. Loading must refuse with a `FormsError` or succeed, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForms(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0, !files.isEmpty else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let (folder, name) = files[Int(bytes[0]) % files.count]
    let target = copy.appendingPathComponent(folder).appendingPathComponent(name)
    guard let original = try? Data(contentsOf: target) else { return 0 }
    defer { try? original.write(to: target) }
    guard (try? Data(bytes[1...]).write(to: target)) != nil else { return 0 }
    _ = try? Content.load(forms: copy.appendingPathComponent("Forms"), localization: copy.appendingPathComponent("Localization"))
    return 0
}
