import ConsentScan
import Foundation
import Testing

/// Office files whose ZIP directory points outside the file (found by `Fuzz/run.sh`, FuzzScanDOCX):
/// the ZIP library's in-memory reader trapped on them, so `consent scan` crashed instead of
/// refusing the file. Each must be refused as corrupt.
@Suite struct DamagedZipTests {
    /// `zip` with every little-endian UInt32 at `offset` after each occurrence of `signature` set to `value`.
    func patched(_ zip: Data, signature: [UInt8], offset: Int, to value: UInt32) -> Data {
        var bytes = [UInt8](zip)
        var i = 0
        while i + signature.count <= bytes.count {
            if Array(bytes[i..<i + signature.count]) == signature, i + offset + 4 <= bytes.count {
                for k in 0..<4 { bytes[i + offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            }
            i += 1
        }
        return Data(bytes)
    }

    @Test(arguments: ["letter.docx", "report.xlsx"])
    func aDirectoryPointingPastTheEndIsRefusedNotACrash(name: String) throws {
        let document = try Workbook.zip([("word/document.xml", Data("<w:document><w:body><w:p><w:r><w:t>hi</w:t></w:r></w:p></w:body></w:document>".utf8)),
                                         ("xl/workbook.xml", Data("<workbook/>".utf8)), ("xl/worksheets/sheet1.xml", Data("<worksheet/>".utf8))])
        let central: [UInt8] = [0x50, 0x4B, 0x01, 0x02], end: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        let cases = [
            ("an entry's local header past the end", patched(document, signature: central, offset: 42, to: 0x7FFF_FFF0)),
            ("an entry's local header just past the end", patched(document, signature: central, offset: 42, to: UInt32(document.count + 1))),
            ("the directory past the end", patched(document, signature: end, offset: 16, to: 0x00FF_FFFF)),
        ]
        for (label, damaged) in cases {
            #expect(damaged != document, "\(label): the test patched something")
            do {
                let report = try Register.scanner.scan(damaged, name: name)
                Issue.record("\(label): read as \(report.verdict)")
            } catch {
                guard case .corrupt = error else { Issue.record("\(label): \(error)"); continue }
            }
        }
    }
}
