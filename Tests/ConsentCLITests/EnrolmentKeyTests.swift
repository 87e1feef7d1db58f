import ConsentCore
import ConsentStore
import Crypto
import Foundation
import Testing
import TestSupport

/// The organisation key a device seals to comes only from its enrolment, and only once. A centre (or
/// someone between the device and it) that offers another key later, or a key that is not one, or one
/// to which anybody could open the seals, is refused; and staff can check the key a device took against
/// the centre's own.
@Suite(.serialized, .ownThreads) struct EnrolmentKeyTests {
    static var keyID: Regex<Substring> { /org-[0-9a-f]{16}/ }

    /// The organisation key id `consent device enrol` printed.
    static func printedKey(_ enrol: CLI.Output) -> String? {
        enrol.stdout.firstMatch(of: keyID).map { String($0.output) }
    }

    /// The organisation key `consent keys status --json` names for these store arguments.
    static func statusKey(_ cli: CLI, _ arguments: [String]) throws -> (key: String?, opens: Bool?, output: String) {
        let status = try cli.run(["keys", "status", "--json"] + arguments)
        let json = try? status.json() as? [String: Any]
        return (json?["organisationKey"] as? String, json?["opensOrganisationSeals"] as? Bool, status.stdout + status.stderr)
    }

    @Test(arguments: Backend.allCases) func theKeyIDPrintedAtEnrolmentIsTheOneKeysStatusNamesAtTheCentre(backend: Backend) throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 5)
        let server = try SyncCLITests.Server(store: centre.arguments)
        let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
        #expect(try cli.run(["init", "--db", kiosk, "--device", "kiosk-a"]).status == 0)
        let enrol = try cli.run(["device", "enrol", "--db", kiosk, "--server", server.url, "--code", try centre.issueCode(cli)])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let printed = try #require(Self.printedKey(enrol), "enrolment names the key: \(enrol.stdout)")

        let atCentre = try Self.statusKey(cli, centre.arguments)
        #expect(atCentre.key == printed, "\(atCentre.output)")
        if let url = centre.url {
            // Without the key-encryption key the centre names its key but cannot open what is sealed to it; with it, it can.
            #expect(atCentre.opens == false, "\(atCentre.output)")
            let keyed = try Self.statusKey(cli, ["--database", url, "--key-file", KeyLocation.defaultPath(for: centre.sqlite)])
            #expect(keyed.key == printed && keyed.opens == true, "\(keyed.output)")
            let words = try cli.run(["keys", "status", "--database", url])
            #expect(words.status == 0 && words.stdout.contains("Organisation key: \(printed)"), "\(words.stdout) \(words.stderr)")
        } else {
            #expect(atCentre.opens == true, "\(atCentre.output)")
        }
        let onKiosk = try Self.statusKey(cli, ["--db", kiosk])
        #expect(onKiosk.key == printed && onKiosk.opens == false, "\(onKiosk.output)")
    }

    /// A second enrolment, through a stand-in that offers a valid key of its own: refused, and the
    /// kiosk's next value is still one its own centre opens.
    @Test(arguments: Backend.allCases) func aLaterEnrolmentOfferingAnotherKeyIsRefusedAndTheDeviceKeepsSealingToItsCentre(backend: Backend) async throws {
        let cli = try CLI()
        defer { cli.remove() }
        let centre = try SyncCentre.make(cli, backend, tenants: 5)
        let server = try SyncCLITests.Server(store: centre.arguments)
        let kiosk = try StolenKioskTests.enrolKiosk(cli, in: cli.dir.appendingPathComponent("kiosk"), server: server, centre: centre)
        let original = try #require(try Self.statusKey(cli, ["--db", kiosk]).key)
        #expect(try cli.run(["sync", "--db", kiosk]).status == 0, "the register arrives")

        let other = Curve25519.KeyAgreement.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        let impostor = try FakeCentre(answer: FakeCentre.enrolmentReply(device: "kiosk-a", sealingKey: "\"\(other)\""))
        let again = try cli.run(["device", "enrol", "--db", kiosk, "--server", impostor.url, "--code", "AAAA-BBBB-CCCC"])
        #expect(again.status != 0, "a device took a second organisation key: \(again.stdout)")
        #expect(again.stderr.contains("seals to \(original)") && again.stderr.contains("nothing was changed"), "\(again.stderr)")
        #expect(try Self.statusKey(cli, ["--db", kiosk]).key == original)

        // Still enrolled with its own centre, and what it seals now that centre opens.
        let secret = "Sealed after the impostor QIM7734"
        let device = try ConsentDatabase.open(at: kiosk, validator: try #require(VaultCLITests.content).validator)
        try StolenKioskTests.correct("T0000004", secret, in: device)
        try device.close()
        let sync = try cli.run(["sync", "--db", kiosk])
        #expect(sync.status == 0, "the kiosk still syncs with its centre: \(sync.stderr)")
        #expect(try await centre.heldValues().special.contains(secret), "the centre opens what the kiosk sealed after the refusal")
    }

    /// Enrolment replies whose key is not base64, not 32 bytes, or a point of small order (X25519 with
    /// it gives zero whatever the private key, so anyone could open the seals): each refused with what
    /// went wrong, and the device is left as it was (not enrolled, no key, sealing nothing).
    @Test func anEnrolmentReplyWithAMalformedWrongLengthOrSmallOrderKeyIsRefusedAndNothingChanges() throws {
        let cli = try CLI()
        defer { cli.remove() }
        let kiosk = cli.dir.appendingPathComponent("kiosk.sqlite").path
        #expect(try cli.run(["init", "--db", kiosk, "--device", "kiosk-x"]).status == 0)
        let smallOrder = [
            Data(count: 32),
            Data([1] + [UInt8](repeating: 0, count: 31)),
            Data(hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            Data(hex: "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
            Data(hex: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            Data(hex: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ]
        let cases: [(json: String, says: String)] = [
            ("\"not base64 at all %%\"", "sealingKey"),
            ("\"\(Data(count: 31).base64EncodedString())\"", "31 bytes"),
            ("\"\(Data(repeating: 9, count: 33).base64EncodedString())\"", "33 bytes"),
            ("17", "sealingKey"),
        ] + smallOrder.map { ("\"\($0.base64EncodedString())\"", "small order") }
        for (json, says) in cases {
            let fake = try FakeCentre(answer: FakeCentre.enrolmentReply(device: "kiosk-x", sealingKey: json))
            let enrol = try cli.run(["device", "enrol", "--db", kiosk, "--server", fake.url, "--code", "AAAA-BBBB-CCCC"])
            #expect(enrol.status != 0, "a sealing key \(json) was taken: \(enrol.stdout)")
            #expect(enrol.stderr.contains("not enrolled") && enrol.stderr.contains(says), "\(json): \(enrol.stderr)")
            // A key of the wrong length or of small order comes in a reply the centre sent after enrolling this
            // device id, so this database cannot enrol again: the way on is a new one.
            #expect(says == "sealingKey" || enrol.stderr.contains("make a new device database (`consent init") && !enrol.stderr.contains("enrol again with the centre"),
                    "\(json): \(enrol.stderr)")
            let status = try cli.run(["sync", "--status", "--db", kiosk])
            #expect(status.status != 0 && status.stderr.contains("not enrolled"), "\(json): the device was left enrolled: \(status.stdout)")
            #expect(try Self.statusKey(cli, ["--db", kiosk]).key == nil, "\(json)")
        }
    }
}
