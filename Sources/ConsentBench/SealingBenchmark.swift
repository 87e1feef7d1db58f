import ConsentCore
import ConsentStore
import Crypto
import Foundation
import SyncProtocol

/// Part of `consent-bench ledger`: what sealing special-category values to the organisation's public
/// key (HPKE, as devices and the centre do) costs against sealing them under a data key (AES-GCM, as
/// a database not enrolled with a centre does, and as every database did before organisation keys).
/// Both variants record the same registrations, each carrying one special-category value, through the
/// same ledger into fresh databases; they run interleaved, `repeat` times, and medians are reported.
public enum SealingBenchmark {
    public struct Result: Codable, Sendable {
        /// Special-category values recorded per run (one per registration).
        public var values: Int
        public var batch: Int
        /// Through the ledger, values sealed under a data key (AES-GCM).
        public var dataKeySeconds: Double
        /// Through the ledger, values sealed to the organisation's public key (HPKE).
        public var organisationKeySeconds: Double
        /// The seal alone, per value, in microseconds (no database): AES-GCM and HPKE.
        public var dataKeySealMicros: Double
        public var organisationKeySealMicros: Double
        /// HPKE time over AES-GCM time, through the ledger.
        public var ratio: Double { organisationKeySeconds / dataKeySeconds }
        /// What HPKE adds per value recorded, in microseconds.
        public var addedMicrosPerValue: Double { (organisationKeySeconds - dataKeySeconds) / Double(values) * 1_000_000 }
    }

    /// Runs both variants over `values` registrations in `directory` (fresh files each run).
    public static func run(values: Int, batch: Int, repeat: Int = 3, directory: URL, validator: Validator) throws -> Result {
        // A special-category free-text attribute (the Forms' health-needs); without one, recording names what is missing.
        let special = validator.catalogue.attributes.first(where: { $0.isSpecial && $0.type == .text })?.id ?? AttributeID("health-needs")
        let kek = KeyEncryptionKey.generate()
        let organisation = OrganisationPrivateKey.generate().publicKey
        func recordAll(_ name: String, sealingToOrganisation: Bool) throws -> Double {
            let path = directory.appendingPathComponent(name).path
            for file in ConsentDatabase.files(at: path) { try? FileManager.default.removeItem(atPath: file) }
            let db = try ConsentDatabase.create(at: path, validator: validator, key: kek)
            defer { try? db.close() }
            if sealingToOrganisation { try db.adoptOrganisationKey(organisation) }
            let start = Date()
            var i = 0
            while i < values {
                let end = min(i + batch, values)
                try db.batch { b in
                    for j in i..<end {
                        try b.record(ChangeRequest(
                            tenant: TenantRef(String(format: "H%07d", j + 1)),
                            payload: .registration(values: [AttributeID("full-name"): .value("Bench Tenant"),
                                                            special: .value("Needs step-free access, number \(j)")]),
                            actor: .system("bench"), channel: .importFile))
                    }
                }
                i = end
            }
            return Date().timeIntervalSince(start)
        }
        var aes: [Double] = [], hpke: [Double] = []
        for _ in 0..<max(`repeat`, 1) {
            aes.append(try recordAll("aes.sqlite", sealingToOrganisation: false))
            hpke.append(try recordAll("hpke.sqlite", sealingToOrganisation: true))
        }
        let (aesSeal, hpkeSeal) = try sealOnly(count: min(values, 20_000), organisation: organisation, attribute: special)
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        return Result(values: values, batch: batch, dataKeySeconds: median(aes), organisationKeySeconds: median(hpke),
                      dataKeySealMicros: aesSeal, organisationKeySealMicros: hpkeSeal)
    }

    /// Microseconds per seal, AES-GCM then HPKE, over the same values (no database).
    private static func sealOnly(count: Int, organisation: OrganisationPublicKey, attribute: AttributeID) throws -> (Double, Double) {
        // Prepared once, as the vault's keyring holds its data keys: the loop times the seal alone.
        let key = DataKey(SymmetricKey(size: .bits256))
        let salt = ValueDigest.salt()
        let ad = Sealing.associatedData(tenant: TenantRef("H0000001"), attribute: attribute, event: EventID(device: DeviceID("bench"), sequence: 1))
        let value = AttributeValue.value("Needs step-free access")
        var start = Date()
        for _ in 0..<count { _ = try Sealing.seal(value, salt: salt, key: key, associatedData: ad) }
        let aes = Date().timeIntervalSince(start) / Double(max(count, 1)) * 1_000_000
        start = Date()
        for _ in 0..<count { _ = try OrganisationSeal.seal(value, salt: salt, to: organisation, associatedData: ad) }
        let hpke = Date().timeIntervalSince(start) / Double(max(count, 1)) * 1_000_000
        return (aes, hpke)
    }
}
