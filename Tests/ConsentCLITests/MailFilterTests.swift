import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// The leak scanner as a real mail filter: a Postfix of its own in a scratch folder, wired by
/// deploy/install-mail-filter.sh, sent mail by Python's smtplib. Leaked spreadsheets of every format are
/// bounced to the sender with the reason; clean mail and a tenant's own letter reach the local mailbox.
@Suite(.serialized, .ownThreads) struct MailFilterTests {
    @Test func leaksOfEveryFormatAreBouncedWithTheReasonAndCleanMailIsDelivered() throws {
        try #require(getuid() == 0, "the Postfix test runs as root (as CI does): it starts a Postfix master of its own")
        for tool in ["/usr/sbin/postfix", "/usr/bin/pdftotext"] {
            try #require(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is needed: apt-get install postfix poppler-utils")
        }
        let cli = try CLI()
        defer { cli.remove() }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: cli.dir.path)
        try cli.run(["demo", "--tenants", "60", "--db", cli.db])
        let export = cli.dir.appendingPathComponent("tenancy.csv").path
        #expect(try cli.run(["export", "--purpose", "tenancy-management", "--out", export, "--db", cli.db]).status == 0)

        // Two tenants of the export with an email: their addresses are mailboxes of this Postfix.
        let pick = try Subprocess.run("/usr/bin/env", ["python3", "-c", Self.twoEmails, export])
        let emails = pick.stdout.split(separator: "\n").map(String.init)
        try #require(emails.count == 2, "the demo export has no two tenants with an email: \(pick.stderr)")
        let postfix = try ScratchPostfix(in: cli.dir.appendingPathComponent("postfix"), mailboxes: [emails[0]: "own", emails[1]: "other"])
        defer { postfix.stop() }
        let index = postfix.root.appendingPathComponent("register.idx").path
        let built = try cli.run(["scan", "index", "--db", cli.db, "--out", index])
        #expect(built.status == 0, "\(built.stderr)")
        try postfix.install(index: index)
        try postfix.start()

        let send = try Subprocess.run("/usr/bin/env", ["python3", "-c", Self.sender, export, String(postfix.port), emails[0], emails[1]])
        try #require(send.status == 0, "smtplib: \(send.stderr)")
        let leaks = send.stdout.split(separator: "\n").filter { $0.hasPrefix("leak ") }.map(String.init)
        #expect(leaks.count == Self.formats.count + Self.misdirected.count, "\(send.stdout)")

        // Every leak comes back to the sender as a bounce naming it and saying why; the two clean ones arrive.
        let deadline = Date().addingTimeInterval(180)
        var bounces: [String] = [], delivered: [String] = []
        while Date() < deadline {
            // A bounce goes to the envelope sender: the forged one's to the tenant whose address was written there.
            let received = postfix.mailbox("tenants.test/tenant") + postfix.mailbox("tenants.test/own") + postfix.mailbox("tenants.test/other")
            bounces = postfix.mailbox("office.test/staff") + received.filter(Self.isBounce)
            delivered = received.filter { !Self.isBounce($0) }
            if leaks.allSatisfy({ leak in bounces.contains { Self.has($0, subject: leak) } }) && delivered.count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        for leak in leaks {
            let bounce = bounces.first { Self.has($0, subject: leak) }
            #expect(bounce != nil, "no bounce for \(leak); mail log:\n\(postfix.log())")
            guard let bounce else { continue }
            #expect(bounce.contains("NOT sent by TenantConsent's leak check"), "\(leak): \(bounce)")
            let why = switch leak {
            case "leak legacy-xls": "could not be checked"
            // One tenant's letter to another tenant (envelope only), or Bcc'd outside: the bounce names who.
            case "leak misdirected": "goes to \(emails[1]), which the register does not hold as that tenant's email"
            case "leak bcc": "goes to tenant@tenants.test, which the register does not hold as that tenant's email"
            case "leak forged-sender": "goes to \(emails[1]), which the register does not hold as that tenant's email"
            default: "personal data of 50 tenants"
            }
            // Postfix wraps the program's output in the bounce: compare with the line breaks undone.
            let flat = bounce.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flat.contains(why), "\(leak) bounce should say \(why): \(bounce)")
        }
        #expect(delivered.contains { Self.has($0, subject: "clean notice") }, "mail log:\n\(postfix.log())")
        #expect(postfix.mailbox("tenants.test/own").contains { Self.has($0, subject: "your own details") }, "mail log:\n\(postfix.log())")
        for leak in leaks { #expect(!delivered.contains { Self.has($0, subject: leak) }, "\(leak) was delivered") }
    }

    /// Whether a message is the filter's bounce.
    static func isBounce(_ message: String) -> Bool { message.contains("NOT sent by TenantConsent's leak check") }

    /// Whether a message (or the headers a bounce returns) has this subject line.
    static func has(_ message: String, subject: String) -> Bool {
        message.split(whereSeparator: \.isNewline).contains { $0 == "Subject: \(subject)" }
    }

    static let formats = ["csv-utf16", "xlsx", "ods", "docx", "pdf", "zip", "gzip", "html", "legacy-xls"]
    /// One tenant's letter sent to another tenant (envelope only), Bcc'd to an outsider (review 3, G10), and sent to
    /// another tenant with the first tenant's address as the envelope sender (review 4: a sender proves nothing).
    static let misdirected = ["misdirected", "bcc", "forged-sender"]

    /// The emails of the first two rows of the export that have one.
    static let twoEmails = #"""
        import csv, sys
        rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
        column = next(k for k in rows[0] if "email" in k.lower())
        print("\n".join([r[column] for r in rows if r[column]][:2]))
        """#

    /// Sends one message per leaked format (50 tenants' rows of the register export), a clean notice and a
    /// tenant's own row to that tenant; prints the leak subjects.
    static let sender = #"""
        import codecs, csv, gzip, io, smtplib, sys, zipfile
        from email.message import EmailMessage
        rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
        header, leak = rows[0], rows[1:51]
        table = [header] + leak
        def text_csv(rs):
            out = io.StringIO(); csv.writer(out).writerows(rs); return out.getvalue()
        def esc(s):
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        def package(parts):
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in parts: z.writestr(name, data)
            return out.getvalue()
        def xlsx(rs):
            sheet = "".join("<row>" + "".join('<c t="inlineStr"><is><t>%s</t></is></c>' % esc(v) for v in r) + "</row>" for r in rs)
            return package([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>"),
                            ("xl/worksheets/sheet1.xml", '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>' % sheet)])
        def ods(rs):
            body = "".join("<table:table-row>" + "".join("<table:table-cell><text:p>%s</text:p></table:table-cell>" % esc(v) for v in r) + "</table:table-row>" for r in rs)
            content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                       "<office:body><office:spreadsheet><table:table>%s</table:table></office:spreadsheet></office:body></office:document-content>" % body)
            return package([("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", content)])
        def docx(rs):
            t = "".join("<w:tr>" + "".join("<w:tc><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:tc>" % esc(v) for v in r) + "</w:tr>" for r in rs)
            return package([("[Content_Types].xml", "<Types/>"), ("word/document.xml",
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl>%s</w:tbl></w:body></w:document>' % t)])
        def pdf(rs):
            lines = ["  ".join(r) for r in rs]
            content = "BT /F1 7 Tf 20 810 Td 9 TL\n" + "".join("(%s) '\n" % l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for l in lines) + "ET\n"
            objs = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
                    "<< /Length %d >>\nstream\n%sendstream" % (len(content.encode("latin-1", "replace")), content), "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
            out = b"%PDF-1.4\n"; offsets = []
            for i, o in enumerate(objs):
                offsets.append(len(out)); out += ("%d 0 obj\n%s\nendobj\n" % (i + 1, o)).encode("latin-1", "replace")
            xref = len(out)
            out += ("xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)).encode() + b"".join(("%010d 00000 n \n" % o).encode() for o in offsets)
            return out + ("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)).encode()
        attachments = {
            "csv-utf16": ("tenants.csv", "text", "csv", codecs.BOM_UTF16_LE + text_csv(table).encode("utf-16-le")),
            "xlsx": ("tenants.xlsx", "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx(table)),
            "ods": ("tenants.ods", "application", "vnd.oasis.opendocument.spreadsheet", ods(table)),
            "docx": ("tenants.docx", "application", "vnd.openxmlformats-officedocument.wordprocessingml.document", docx(table)),
            "pdf": ("tenants.pdf", "application", "pdf", pdf(table)),
            "zip": ("export.zip", "application", "zip", package([("export/tenants.csv", text_csv(table))])),
            "gzip": ("tenants.csv.gz", "application", "gzip", gzip.compress(text_csv(table).encode("utf-8"))),
            "legacy-xls": ("tenants.xls", "application", "vnd.ms-excel", bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + bytes(504)),
        }
        messages = []
        for name in ["csv-utf16", "xlsx", "ods", "docx", "pdf", "zip", "gzip", "html", "legacy-xls"]:
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "staff@office.test", "tenant@tenants.test", "leak " + name
            if name == "html":
                m.set_content("The list is below.")
                m.add_alternative("<html><body><p>The list:</p><table>" + "".join("<tr>" + "".join("<td>%s</td>" % esc(v) for v in r) + "</tr>" for r in table) + "</table></body></html>", subtype="html")
            else:
                m.set_content("Please find the tenant list attached.")
                filename, maintype, subtype, data = attachments[name]
                m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
            messages.append(m)
        clean = EmailMessage()
        clean["From"], clean["To"], clean["Subject"] = "staff@office.test", "tenant@tenants.test", "clean notice"
        clean.set_content("Dear tenant,\nthe lifts in your block will be serviced on Monday.\n")
        column = next(i for i, k in enumerate(header) if "email" in k.lower())
        mine = next(r for r in rows[1:] if r[column] == sys.argv[3])
        def letter(subject, to, bcc=None):
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "staff@office.test", to, subject
            if bcc: m["Bcc"] = bcc
            m.set_content("Dear tenant, these are the details we hold about you.")
            m.add_attachment(text_csv([header, mine]).encode("utf-8"), maintype="text", subtype="csv", filename="your-details.csv")
            return m
        own = letter("your own details", sys.argv[3])
        misdirected = letter("leak misdirected", "undisclosed-recipients:;")
        misdirected["Bcc"] = sys.argv[4]
        bcc = letter("leak bcc", sys.argv[3], bcc="tenant@tenants.test")
        forged = letter("leak forged-sender", "undisclosed-recipients:;", bcc=sys.argv[4])
        messages += [misdirected, bcc]
        with smtplib.SMTP("127.0.0.1", int(sys.argv[2]), timeout=60) as smtp:
            for m in messages + [clean, own]:
                smtp.send_message(m)
                if m["Subject"].startswith("leak "): print(m["Subject"])
            # Anyone on the relay can write the tenant's own address as the envelope sender.
            smtp.send_message(forged, from_addr=sys.argv[3])
            print(forged["Subject"])
        """#
}

/// A Postfix instance of its own: configuration, queue and mailboxes in a scratch folder, listening on a
/// free port on 127.0.0.1, delivering only to local virtual mailboxes. Nothing outside the folder changes.
struct ScratchPostfix {
    let root: URL
    let port: Int
    let reinjectPort: Int
    var etc: URL { root.appendingPathComponent("etc") }

    /// `mailboxes`: more addresses delivered here (address → mailbox name under tenants.test/).
    init(in root: URL, mailboxes: [String: String] = [:]) throws {
        self.root = root
        (port, reinjectPort) = try Self.freePorts()
        let fm = FileManager.default
        for dir in ["etc", "queue", "data", "mail", "libexec", "bin"] {
            try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        let r = root.path
        try """
            compatibility_level = 3.6
            queue_directory = \(r)/queue
            data_directory = \(r)/data
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = filter.test
            mydomain = filter.test
            myorigin = office.test
            mydestination =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            virtual_mailbox_domains = tenants.test office.test \(Set(mailboxes.keys.compactMap { $0.split(separator: "@").last.map(String.init) }).sorted().joined(separator: " "))
            virtual_mailbox_base = \(r)/mail
            virtual_mailbox_maps = texthash:\(r)/etc/vmailbox
            virtual_uid_maps = static:65534
            virtual_gid_maps = static:65534
            maillog_file = \(r)/maillog
            maillog_file_prefixes = \(r)
            smtputf8_enable = no
            default_transport = error:this test delivers nothing outside
            relay_transport = error:this test delivers nothing outside
            smtpd_recipient_restrictions = permit_mynetworks, reject
            alias_maps =
            alias_database =
            biff = no

            """.write(to: etc.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
        try ("staff@office.test office.test/staff/\ntenant@tenants.test tenants.test/tenant/\n"
            + mailboxes.sorted(by: { $0.key < $1.key }).map { "\($0.key) tenants.test/\($0.value)/\n" }.joined())
            .write(to: etc.appendingPathComponent("vmailbox"), atomically: true, encoding: .utf8)
        let services = [
            "127.0.0.1:\(port) inet n - n - - smtpd", "pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr", "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce", "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap", "smtp unix - - n - - smtp", "showq unix n - n - - showq",
            "error unix - - n - - error", "retry unix - - n - - error", "discard unix - - n - - discard", "virtual unix - n n - - virtual",
            "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache", "postlog unix-dgram n - n - 1 postlogd",
        ]
        try (services.joined(separator: "\n") + "\n").write(to: etc.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
        // The daemons write their lock as postfix; mail is delivered as nobody.
        try Self.run("/bin/chown", ["postfix", root.appendingPathComponent("data").path])
        try Self.run("/bin/chown", ["nobody", root.appendingPathComponent("mail").path])
        // The filter runs as nobody: it gets its own copy of the program and of Forms/ and Localization/
        // (a clone under /root is out of its reach).
        try fm.copyItem(at: CLI.binary, to: root.appendingPathComponent("bin/consent"))
        for folder in ["Forms", "Localization"] {
            try fm.copyItem(at: CLI.repo.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        try Self.run("/bin/chmod", ["-R", "a+rX", root.appendingPathComponent("Forms").path, root.appendingPathComponent("Localization").path])
    }

    /// Wires the filter in with the shipped install script, as an administrator would.
    func install(index: String) throws {
        let output = try Subprocess.run(CLI.repo.appendingPathComponent("deploy/install-mail-filter.sh").path, [
            "--config-dir", etc.path, "--consent", root.appendingPathComponent("bin/consent").path, "--index", index,
            "--forms", root.appendingPathComponent("Forms").path, "--localization", root.appendingPathComponent("Localization").path,
            "--user", "nobody", "--libexec", root.appendingPathComponent("libexec").path,
            "--service", "127.0.0.1:\(port)", "--reinject-port", String(reinjectPort),
        ])
        guard output.status == 0 else { throw TestFailure("install-mail-filter.sh failed: \(output.stderr)\(output.stdout)") }
    }

    func start() throws {
        let output = try Subprocess.run("/usr/sbin/postfix", ["-c", etc.path, "start"])
        guard output.status == 0 else { throw TestFailure("postfix did not start: \(output.stderr)\n\(log())") }
    }

    func stop() {
        _ = try? Subprocess.run("/usr/sbin/postfix", ["-c", etc.path, "stop"])
    }

    /// Every message delivered to a mailbox (`domain/user`), as text.
    func mailbox(_ path: String) -> [String] {
        let new = root.appendingPathComponent("mail/\(path)/new")
        let files = (try? FileManager.default.contentsOfDirectory(at: new, includingPropertiesForKeys: nil)) ?? []
        return files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    func log() -> String { (try? String(contentsOf: root.appendingPathComponent("maillog"), encoding: .utf8)) ?? "(no mail log)" }

    /// Two ports free on 127.0.0.1 just now (the kernel picks them).
    static func freePorts() throws -> (Int, Int) {
        let script = "import socket\nss=[socket.socket() for _ in range(2)]\n[s.bind(('127.0.0.1',0)) for s in ss]\nprint(' '.join(str(s.getsockname()[1]) for s in ss))"
        let output = try Subprocess.run("/usr/bin/env", ["python3", "-c", script])
        let ports = output.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard ports.count == 2 else { throw TestFailure("could not find free ports: \(output.stderr)") }
        return (ports[0], ports[1])
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let output = try Subprocess.run(tool, arguments)
        guard output.status == 0 else { throw TestFailure("\(tool) \(arguments.joined(separator: " ")): \(output.stderr)") }
    }
}
