@testable import ConsentCore
import PropertyBased
import Testing

/// The byte-by-byte fold of ASCII text gives exactly what the Unicode fold gives, so a name finds the
/// same tenants whichever path folded it.
@Suite struct SearchKeyFoldTests {
    @Test func everyASCIICharacterFoldsAsTheUnicodePathFoldsIt() {
        for byte in UInt8(0)..<0x80 {
            let text = "a" + String(UnicodeScalar(byte)) + "Z9"
            #expect(SearchKeys.foldASCII(text) == SearchKeys.foldUnicode(text), "\(text.debugDescription)")
        }
        #expect(SearchKeys.fold("O'Brien-Smith, LS1 4AB") == "obrien smith  ls1 4ab")
    }

    @Test func asciiTextFoldsAsTheUnicodePathFoldsIt() async {
        await propertyCheck(count: 500, input: Gen.unicodeScalar(in: "\u{0}"..."\u{7F}").array(of: 0...30)) { scalars in
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            #expect(SearchKeys.foldASCII(text) == SearchKeys.foldUnicode(text), "\(text.debugDescription)")
        }
    }
}
