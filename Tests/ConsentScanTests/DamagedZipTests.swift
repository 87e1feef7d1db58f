import ConsentScan
import Foundation
import Testing

/// Damaged ZIP archives found by `Fuzz/run.sh` (FuzzScanDOCX): a directory pointing outside the file,
/// on which a general-purpose ZIP library's in-memory reader trapped, and an entry whose deflate
/// stream does not end within its packed bytes, on which its file reader looped for ever. Each must
/// be refused as corrupt, at once.
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

    /// The fuzzer's 639-byte DOCX: its document entry claims 249 packed bytes, but its deflate stream
    /// goes on past them (the bytes of the next entries, then the end of the file).
    static let endlessDeflate = Data(base64Encoded:
            "UEsDBBQAAAAIAJUCg12/7OqhkAAAALIAAAATAAAAW0NvbnRlbnRfVHlwZXNdLnhtbCWOSw7CMAxErxJ537qwQAgl6aLACcoBrOB+"
            + "RJtEjUHl9qR06XkzntH1Ok/qw0sagzdwKCtQ7F14jr438GjvxRlqq9tv5KSy1ScDg0i8ICY38EypDJF9Jl1YZpJ8Lj1Gci/qGY9V"
            + "dUIXvLCXQrYfYPWVO3pPom5rlvfaHAfV7L6tygDFOI2OJGPcKFqN/xH2B1BLAwQUAAAACACVAoNd80QIdvkAAADrAQAAEQAAAHdv"
            + "cmQvZG9jdW1lbnQueG1sdZHPTsMwDMZfJcp5zKEHBlXbCQlxGoIDPECami1a/skJK7w9yQoDtpHDZ1n297PlNMt3a9gOKWrvWn45"
            + "F5yhU37Qbt3yl+f7i2u+7JqxHrx6s+gSy/0u1mPLNymFGiCqDVoZ5z6gy7VXT1amnNIaRk9DIK8wxoyzBiohrsBK7XhB9n74KDEU"
            + "oSKpu0NJ7NZqJ9njVmZYNWugFIrSXsORp2xUxyAVtjwQRqQd8q5iD9oYtpIOZ+wP4jBrhTjEs/TUm32YGtXxktb32uAZJ3x3n3rE"
            + "YiHEjciv+t8I00w4bPCLIHuYSE9yq2OSTn9x8iMJTnDTceHn47pPUEsBAhQDFAAAAAgAlQKDXb/s6qGQAAAAsgAAABMAAAAAAAAA"
            + "AAAAAIABAAAAAFtDb250ZW50X1R5cGVzXS54bWxQSwECFAMUAAAACACVAoNd80QIdvkAAADrAQAAEQAAAAAAAAAAAAAAgAHBAAAA"
            + "d29yZC9kb2N1bWVudC54bWxQSwUGAAAAAAIAAgCAAAAA6QEAAAAA") ?? Data()

    @Test func anEntryWhoseStreamDoesNotEndInItsBytesIsRefused() throws {
        #expect(Self.endlessDeflate.count == 639)
        do {
            let report = try Register.scanner.scan(Self.endlessDeflate, name: "letter.docx")
            Issue.record("read as \(report.verdict)")
        } catch {
            guard case .corrupt(_, let why) = error else { Issue.record("\(error)"); return }
            #expect(why.contains("word/document.xml") && why.contains("ends before its stream does"), "\(why)")
        }
    }
}
