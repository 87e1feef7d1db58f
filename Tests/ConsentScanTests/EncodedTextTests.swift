import ConsentScan
import Foundation
import Testing

/// Review 5, #7: the register encoded inside a text-like file (base64, hex, quoted-printable, a `data:` URI)
/// in plain text, a CSV cell, a mail body or office text is read as the file it is; what does not decode to
/// anything readable blocks. The encodings are made here by hand (Foundation's base64, format strings), not
/// by the scanner's decoders.
@Suite struct EncodedTextTests {
    static let rows = Array(Register.tenants[200..<220])
    static let csv = Data(Register.csv(Register.leakRows(20, from: rows)).utf8)
    static let base64 = csv.base64EncodedString()

    static func wrapped(_ text: String, width: Int, separator: String = "\n") -> String {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: width).map { String(decoding: bytes[$0..<min(bytes.count, $0 + width)], as: UTF8.self) }
            .joined(separator: separator)
    }

    static func hex(_ data: Data, separator: String = "") -> String { data.map { String(format: "%02x", $0) }.joined(separator: separator) }

    /// `count` bytes that look random (a linear congruential generator), never text.
    static func noise(_ count: Int, seed: UInt32 = 7) -> Data {
        var x = seed
        return Data((0..<count).map { _ in
            x = x &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: x >> 24)
        })
    }

    static func expectTwenty(_ report: ScanReport, _ what: Comment) {
        #expect(report.verdict == .blocked, what)
        #expect(report.tenants == 20, "\(what): \(report)")
    }

    @Test("base64 of the register in plain text, on one line and wrapped at 76 or 64 columns, is read as the CSV it is")
    func base64InText() throws {
        Self.expectTwenty(try Register.scan(Self.base64 + "\n", name: "b64.txt"), "one line")
        Self.expectTwenty(try Register.scan("Here is the list, decode with base64 -d:\n\n" + Self.wrapped(Self.base64, width: 76) + "\n\nThanks\n",
                                            name: "b64-wrapped.txt"), "wrapped at 76")
        Self.expectTwenty(try Register.scan("List: " + Self.wrapped(Self.base64, width: 64, separator: "\r\n") + "\r\n", name: "list.txt"),
                          "after a label, wrapped at 64 with CRLF")
        Self.expectTwenty(try Register.scan(Data(Self.base64.utf8).base64EncodedString() + "\n", name: "twice.txt"), "base64 of base64")
        // The file name says nothing: the shape of the text decides.
        Self.expectTwenty(try Register.scan(Self.wrapped(Self.base64, width: 76) + "\n", name: "list.b64"), "unknown extension")
    }

    @Test("base64 of the register in one CSV cell is read")
    func base64InCSVCell() throws {
        Self.expectTwenty(try Register.scan("id,payload\r\n1,\(Self.base64)\r\n2,nothing\r\n", name: "b64cell.csv"), "one cell")
        Self.expectTwenty(try Register.scan("id,payload\r\n1,\"\(Self.wrapped(Self.base64, width: 76))\"\r\n", name: "b64cell.csv"),
                          "a quoted cell of wrapped lines")
    }

    @Test("a data: URI in plain text is read, base64 or percent-encoded")
    func dataURIInText() throws {
        Self.expectTwenty(try Register.scan("see data:text/csv;base64,\(Self.base64) for the list\n", name: "datauri.txt"), "base64 data: URI")
        let escaped = String(decoding: Self.csv, as: UTF8.self).utf8.map { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) ? String(UnicodeScalar(b)) : String(format: "%%%02X", b)
        }.joined()
        Self.expectTwenty(try Register.scan("Open data:text/csv,\(escaped) in a browser.\n", name: "uri.txt"), "percent-encoded data: URI")
    }

    @Test("a hex dump of the register is read: plain, spaced or colon-separated pairs, xxd and hexdump -C layouts")
    func hexInText() throws {
        Self.expectTwenty(try Register.scan(Self.hex(Self.csv) + "\n", name: "hex.txt"), "one line of hex")
        Self.expectTwenty(try Register.scan(Self.wrapped(Self.hex(Self.csv).uppercased(), width: 60) + "\n", name: "hex.txt"), "xxd -p, upper case")
        let bytes = [UInt8](Self.csv)
        let spaced = stride(from: 0, to: bytes.count, by: 16).map { Self.hex(Data(bytes[$0..<min(bytes.count, $0 + 16)]), separator: " ") }
        Self.expectTwenty(try Register.scan(spaced.joined(separator: "\n") + "\n", name: "spaced.txt"), "pairs with spaces")
        Self.expectTwenty(try Register.scan(Self.hex(Self.csv, separator: ":") + "\n", name: "colons.txt"), "pairs with colons")
        func printable(_ slice: ArraySlice<UInt8>) -> String { String(slice.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." }) }
        let xxd = stride(from: 0, to: bytes.count, by: 16).map { offset -> String in
            let line = bytes[offset..<min(bytes.count, offset + 16)]
            let groups = stride(from: line.startIndex, to: line.endIndex, by: 2).map { Self.hex(Data(line[$0..<min(line.endIndex, $0 + 2)])) }
            return String(format: "%08x: ", offset) + groups.joined(separator: " ").padding(toLength: 40, withPad: " ", startingAt: 0) + "  " + printable(line)
        }
        Self.expectTwenty(try Register.scan(xxd.joined(separator: "\n") + "\n", name: "xxd.txt"), "xxd")
        let canonical = stride(from: 0, to: bytes.count, by: 16).map { offset -> String in
            let line = bytes[offset..<min(bytes.count, offset + 16)]
            let pairs = line.map { String(format: "%02x", $0) }
            let left = pairs.prefix(8).joined(separator: " "), right = pairs.dropFirst(8).joined(separator: " ")
            return String(format: "%08x  ", offset) + (left + "  " + right).padding(toLength: 49, withPad: " ", startingAt: 0) + " |" + printable(line) + "|"
        }
        Self.expectTwenty(try Register.scan(canonical.joined(separator: "\n") + "\n", name: "hexdump.txt"), "hexdump -C")
    }

    @Test("quoted-printable with every byte escaped is read, on one line or with soft line breaks")
    func quotedPrintableInText() throws {
        let escaped = Self.csv.map { String(format: "=%02X", $0) }.joined()
        Self.expectTwenty(try Register.scan(escaped + "\n", name: "qp-all.txt"), "one line")
        Self.expectTwenty(try Register.scan(Self.wrapped(escaped, width: 75, separator: "=\r\n") + "\r\n", name: "qp-soft.txt"), "soft breaks")
    }

    @Test("a mail whose text/plain body holds base64, and an octet-stream attachment with no transfer encoding, are blocked")
    func base64InMail() throws {
        let body = """
            From: housing@landlord.example\r
            To: partner@example.com\r
            Subject: list\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=us-ascii\r
            \r
            Here is the list, decode with base64 -d:\r
            \r
            \(Self.wrapped(Self.base64, width: 76, separator: "\r\n"))\r

            """
        Self.expectTwenty(try Register.scan(body, name: "mail-b64body.eml"), "text/plain body")
        Self.expectTwenty(try Register.scan(body, name: "-"), "the same on standard input")
        let octet = """
            From: housing@landlord.example\r
            To: partner@example.com\r
            Subject: list\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary=XX\r
            \r
            --XX\r
            Content-Type: text/plain\r
            \r
            see attached\r
            --XX\r
            Content-Type: application/octet-stream; name=list.b64\r
            Content-Disposition: attachment; filename=list.b64\r
            \r
            \(Self.wrapped(Self.base64, width: 76, separator: "\r\n"))\r
            --XX--\r

            """
        Self.expectTwenty(try Register.scan(octet, name: "mail-octet.eml"), "octet-stream attachment read as text")
        let unknown = octet.replacingOccurrences(of: "application/octet-stream", with: "application/x-whatever")
        Self.expectTwenty(try Register.scan(unknown, name: "mail-unknown.eml"), "attachment of an unknown type")
    }

    @Test("base64 in an XLSX cell and in an ODT paragraph is read")
    func base64InOfficeText() throws {
        Self.expectTwenty(try Register.scanner.scan(Workbook.xlsx([["id", "payload"], ["1", Self.base64]]), name: "cell.xlsx"), "XLSX cell")
        Self.expectTwenty(try Register.scanner.scan(Files.odt(paragraphs: ["The list:", Self.base64]), name: "para.odt"), "ODT paragraph")
    }

    @Test("encoded content that decodes to nothing readable blocks, named; a run larger than the held limit blocks as too large")
    func unreadableAndTooLarge() throws {
        let opaque = try Register.scan("Backup key:\n" + Self.wrapped(Self.noise(3000).base64EncodedString(), width: 76) + "\n", name: "blob.txt")
        #expect(opaque.verdict == .blocked && opaque.tenants == 0, "\(opaque)")
        #expect(opaque.unscanned.contains { $0.contains("holds encoded content the scanner did not read") }, "\(opaque.unscanned)")
        let hexed = try Register.scan(Self.hex(Self.noise(400)) + "\n", name: "blob-hex.txt")
        #expect(hexed.verdict == .blocked && hexed.unscanned.count == 1, "\(hexed)")

        let small = LeakScanner(index: Register.index, terms: Register.terms, limits: ScanLimits(maxHeldBytes: 256 << 10))
        let big = try small.scan(Data((Self.wrapped((Self.csv + Self.noise(400_000)).base64EncodedString(), width: 76) + "\n").utf8), name: "big.txt")
        #expect(big.verdict == .blocked, "\(big)")
        #expect(big.unscanned.contains { $0.contains("too large to check") }, "\(big.unscanned)")
    }

    @Test("a wrapped base64 run is followed across the blocks a large text is read in, inside a ZIP entry")
    func acrossBlocks() throws {
        // 3 MB of prose, then 2.7 MB of base64 whose tenants come last: the text of a ZIP entry is read in
        // 4 MB blocks, so the run starts in one block and its tenants are in the next.
        let line = "The lifts at Holly Court will be serviced on Monday; please use the stairs by the east door.\n"
        let prose = String(repeating: line, count: (3 << 20) / line.utf8.count)
        let filler = (0..<60_000).map { "order \($0),boiler service,done\r\n" }.joined()
        let payload = Data(("Tenancy ref,Name,Address,Postcode,Mobile,Email\r\n" + filler).utf8) + Data(Register.csv(Register.leakRows(20, from: Self.rows).dropFirst().map { $0 }).utf8)
        let text = prose + Self.wrapped(payload.base64EncodedString(), width: 76) + "\n" + String(repeating: line, count: 100)
        Self.expectTwenty(try Register.scanner.scan(Workbook.zip([("notes/big.txt", Data(text.utf8))]), name: "notes.zip"), "across blocks in a ZIP entry")
    }

    @Test("ordinary text stays clean: prose, long words, hashes and ids, short tokens, links with opaque tokens, separators, signatures")
    func ordinaryTextIsClean() throws {
        let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        let sha512 = String(repeating: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce", count: 2)
        let text = """
            Dear colleagues,

            The antidisestablishmentarianism of the Pneumonoultramicroscopicsilicovolcanoconiosis committee is noted.
            Checksums: sha256 \(sha256) and sha512 \(sha512).
            Ticket ids: 3f2504e0-4f89-11d3-9a0c-0305e82c3301, 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
            ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@office
            DKIM: v=1; a=rsa-sha256; d=landlord.example; s=mail; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
            Read it at https://links.example.org/ls/click?upn=\(Self.noise(300, seed: 3).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")) today.
            ======================================================================================================================================================================================================================
            ------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------
            So we do as we go; it is up to me to be on to it. An ad at 10 or 12 is ok by me as we do it so.
            Wir beziehen uns auf Ihre Nachricht vom 12.10. und die Rechtsschutzversicherungsgesellschaften.

            Regards,
            Housing team
            """
        let report = try Register.scan(text, name: "notes.txt")
        #expect(report.verdict == .clean, "\(report)")

        // A clear-signed message carries its signature inline; a PGP/MIME signature is a part of its own.
        var signature = Data([0x89, 0x02, 0x33, 0x04, 0x01, 0x01, 0x08, 0x00, 0x1D, 0x16, 0x21, 0x04])
        signature.append(Self.noise(550, seed: 11))
        let armor = "-----BEGIN PGP SIGNATURE-----\n\n" + Self.wrapped(signature.base64EncodedString(), width: 64) + "\n=nK5g\n-----END PGP SIGNATURE-----\n"
        let signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nThe lifts are serviced on Monday.\n" + armor
        #expect(try Register.scan(signed, name: "signed.txt").verdict == .clean)
        let mime = """
            From: housing@landlord.example\r
            To: tenant@example.com\r
            Subject: notice\r
            MIME-Version: 1.0\r
            Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary=s1\r
            \r
            --s1\r
            Content-Type: text/plain\r
            \r
            The lifts are serviced on Monday.\r
            --s1\r
            Content-Type: application/pgp-signature; name=signature.asc\r
            \r
            \(armor.replacingOccurrences(of: "\n", with: "\r\n"))\r
            --s1--\r

            """
        #expect(try Register.scan(mime, name: "signed.eml").verdict == .clean)
    }
}
