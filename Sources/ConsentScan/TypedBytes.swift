import Foundation

/// `withUnsafeBytes` for bodies that throw ``ScanError``: the standard library's versions rethrow
/// untyped errors, which typed-throwing callers cannot pass on.
@inline(__always)
func withBytes<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ScanError) -> T) throws(ScanError) -> T {
    var failure: ScanError?
    let value: T? = bytes.withUnsafeBytes { p in
        do throws(ScanError) { return try body(p) } catch { failure = error; return nil }
    }
    if let failure { throw failure }
    guard let value else { throw .corrupt(format: "file", reason: "an internal step gave no result") }
    return value
}

@inline(__always)
func withBytes<T>(_ data: Data, _ body: (UnsafeRawBufferPointer) throws(ScanError) -> T) throws(ScanError) -> T {
    var failure: ScanError?
    let value: T? = data.withUnsafeBytes { p in
        do throws(ScanError) { return try body(p) } catch { failure = error; return nil }
    }
    if let failure { throw failure }
    guard let value else { throw .corrupt(format: "file", reason: "an internal step gave no result") }
    return value
}
