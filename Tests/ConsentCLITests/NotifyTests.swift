import Foundation
import Testing
import TestSupport

/// `consent notify`: one message per tenant, to that tenant alone, with only their own details.
@Suite(.ownThreads) struct NotifyTests {
    /// Parses each .eml with Python's own email package (an independent MIME reader).
    func read(_ folder: String) throws -> [[String: String]] {
        let script = """
            import email, email.header, glob, json, sys
            out = []
            for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
                m = email.message_from_bytes(open(path, "rb").read())
                out.append({"to": m["To"], "subject": str(email.header.make_header(email.header.decode_header(m["Subject"]))),
                            "language": m["Content-Language"], "parts": str(len(list(m.walk()))),
                            "body": m.get_payload(decode=True).decode("utf-8")})
            print(json.dumps(out))
            """
        let result = try Subprocess.run("/usr/bin/env", ["python3", "-c", script, folder])
        guard result.status == 0 else { throw TestFailure("python3 could not read the messages: \(result.stderr)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]])
    }

    @Test func eachConsentingTenantGetsOwnDetailsOnlyInTheirLanguageAndNoSpecialCategory() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["init", "--db", cli.db])
        let csv = "Tenancy Ref,Name,Email,Religion,Disability,Preferred Language,Postcode\n"
            + "AB-1,Amina Khan,amina@example.org,Muslim,Uses a wheelchair,en,LS1 4AB\n"
            + "AB-2,Piotr Nowak,piotr@example.org,Christian,,pl,M1 2AB\n"
            + "AB-3,Carol White,carol@example.org,,,en,B1 1AA\n"
        #expect(try cli.run(["import", try cli.write("r.csv", Data(csv.utf8)), "--db", cli.db]).status == 0)
        try cli.run(["staff", "add", "S100", "--role", "support", "--name", "Sam", "--password-stdin", "--db", cli.db],
                    stdin: Data("correct horse battery\n".utf8))
        for ref in ["AB-1", "AB-2"] {
            let grant = try cli.run(["record", "--password-stdin", ref, "grant", "--attribute", "email", "--attribute", "full-name", "--purpose", "service-updates-email",
                                     "--staff", "S100", "--notice-version", "1", "--db", cli.db], stdin: Data("correct horse battery\n".utf8))
            #expect(grant.status == 0, "\(grant.stderr)")
        }
        let out = cli.dir.appendingPathComponent("mail").path
        let run = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update", "--out", out, "--db", cli.db, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try #require(try run.json() as? [String: Any])
        #expect(manifest["messages"] as? Int == 2)
        #expect((manifest["leftOut"] as? [String: Int])?["no-consent"] == 1, "AB-3 never agreed to emails")
        let messages = try read(out)
        #expect(messages.count == 2)
        let amina = try #require(messages.first { $0["to"] == "<amina@example.org>" })
        let piotr = try #require(messages.first { $0["to"] == "<piotr@example.org>" })
        for (message, own, other) in [(amina, "Amina Khan", "Piotr Nowak"), (piotr, "Piotr Nowak", "Amina Khan")] {
            let body = message["body"] ?? ""
            #expect(body.contains(own) && !body.contains(other), "a message holds its own tenant's details only")
            #expect(!body.contains("Carol") && !body.contains("carol@example.org"), "nothing of a tenant who was not written to")
            for secret in ["Muslim", "muslim", "Christian", "christian", "wheelchair"] {
                #expect(!body.contains(secret), "special category value \(secret) in a message")
            }
            #expect(message["parts"] == "1", "no attachments: a single text part")
        }
        #expect(amina["subject"] == "News from your housing team" && amina["language"] == "en")
        #expect(piotr["subject"] == "Wiadomości od zespołu mieszkaniowego" && piotr["language"] == "pl")
        #expect(piotr["body"]?.contains("Szanowna Pani / Szanowny Panie Piotr Nowak,") == true)
        // Every message names who is responsible and how to complain to the ICO, in the tenant's language.
        #expect(amina["body"]?.contains("Example Housing Association (demo) is in charge of your information.") == true)
        #expect(amina["body"]?.contains("You can complain to the ICO. The ICO is the body that checks how we use your details: https://ico.org.uk/make-a-complaint, phone 0303 123 1113") == true)
        #expect(piotr["body"]?.contains("Nasz inspektor ochrony danych: dpo@example.org") == true)
        #expect(piotr["body"]?.contains("można złożyć skargę") == true && piotr["body"]?.contains("0303 123 1113") == true)
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["000001.eml", "000002.eml", "manifest.json"], "files are numbered, never named after a person")
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)
        // Each tenant written to sees it under "where my data went".
        let show = try cli.run(["tenant", "show", "AB-1", "--db", cli.db, "--json"])
        let disclosures = try #require(try show.json() as? [String: Any])["disclosures"] as? [[String: Any]]
        #expect(disclosures?.contains { $0["purpose"] as? String == "service-updates-email" && ($0["attributes"] as? [String])?.contains("email") == true } == true)
    }

    @Test func badRequestsAreRefusedAndLeaveNothing() throws {
        let cli = try CLI()
        defer { cli.remove() }
        try cli.run(["demo", "--tenants", "30", "--db", cli.db])
        let out = cli.dir.appendingPathComponent("mail").path
        let template = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "spreadsheet-of-everyone", "--out", out, "--db", cli.db])
        #expect(template.status != 0 && template.stderr.contains("no template 'spreadsheet-of-everyone'"))
        let sms = try cli.run(["notify", "--purpose", "service-updates-sms", "--template", "what-we-hold", "--out", out, "--db", cli.db])
        #expect(sms.status != 0 && sms.stderr.contains("does not use email"))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        let exists = try cli.run(["notify", "--purpose", "service-updates-email", "--template", "service-update", "--out", out, "--db", cli.db])
        #expect(exists.status != 0 && exists.stderr.contains("already exists"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.dir.path).filter { $0.hasPrefix(".consent-mail") }
        #expect(leftovers.isEmpty)
    }
}
