import ConsentCore
import ConsentStore
import Foundation

/// A deterministic synthetic register: realistic UK names, addresses, postcodes, phones and
/// emails (reserved `example.*` domains), census-shaped special categories, and a mix of
/// decisions made at the kiosk, by phone and on paper. Tenant *i* depends only on the seed and
/// *i*, so any tenant can be regenerated alone.
public struct DemoRegister: Sendable {
    public let seed: UInt64
    /// The moment decisions are dated back from.
    public let now: Date
    /// Languages with translations; a decision records the notice language actually shown.
    public let shippedLanguages: Set<String>
    /// The purposes' attributes come from Forms/, so a decision covers what the purpose uses.
    public let catalogue: Catalogue
    /// How many offices the register is spread over (tenant *i* is held by office `i % offices + 1`,
    /// named by `Office.demoName`); 0 names no office, so every device holds every tenant.
    public var offices = 0

    public init(seed: UInt64, now: Date, shippedLanguages: Set<String>, catalogue: Catalogue) {
        self.seed = seed
        self.now = now
        self.shippedLanguages = shippedLanguages
        self.catalogue = catalogue
    }

    /// The tenancy reference of tenant `index` (0-based).
    public static func reference(_ index: Int) -> TenantRef { TenantRef(String(format: "T%07d", index + 1)) }

    /// The members of staff who key the register's phone and paper choices (S001–S040): authors
    /// only, with no password, so that a centre's registry knows them.
    public static let staff: [StaffMember] = (1...40).map {
        StaffMember(id: String(format: "S%03d", $0), name: "Demo staff member \($0)", role: .support)
    }

    /// The registration and decisions of tenant `index`, in the order they happened.
    public func tenant(_ index: Int) -> [ChangeRequest] {
        var r = SeededRandom(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) ^ 0xC0FF_EE00)
        let ref = Self.reference(index)
        var v: [String: AttributeValue] = [:]

        let (ethnicID, _, origins) = r.weighted(DemoData.ethnic.map { ($0, $0.1) })
        let origin = r.pick(origins)
        let ethnicRoll = r.int(0...99)
        if ethnicRoll < 3 { v["ethnic-origin"] = .preferNotToSay } else if ethnicRoll >= 9 { v["ethnic-origin"] = .value(ethnicID) }

        let given = r.pick(DemoData.givenNames[origin] ?? ["Alex"])
        let family = r.pick(DemoData.familyNames[origin] ?? ["Smith"])
        v["full-name"] = .value("\(given) \(family)")
        if r.chance(0.25) { v["preferred-name"] = .value(given) }
        let year = 2026 - r.int(18...95)
        let month = r.int(1...12)
        v["date-of-birth"] = .value(String(format: "%04d-%02d-%02d", year, month, r.int(1...Validator.daysIn(month: month, year: year))))
        v["sex"] = r.weighted([(.value("female"), 51.0), (.value("male"), 47.0), (.preferNotToSay, 2.0)])
        // Gender identity, from a stream of its own so the rest of the register stays as it was. Shaped like
        // the 2021 census (voluntary: about one in sixteen leave it blank; a few in a thousand answer "No").
        var g = SeededRandom(seed: seed ^ (UInt64(index) &* 0x2545_F491_4F6C_DD1D) ^ 0x6E1D_0000)
        let identity: AttributeValue? = g.weighted([(.value("yes"), 91.0), (.value("no"), 0.6), (.preferNotToSay, 2.4), (nil, 6.0)])
        // Registered 1000 days ago: asked only of those 16 or over then (ChangeRules refuses the others).
        let asked = 2026 - year >= 20
        if asked, let identity { v["gender-identity"] = identity }
        if asked, identity == .value("no"), g.chance(0.7) { v["gender-identity-write-in"] = .value(g.pick(["Non-binary", "Trans woman", "Trans man", "Genderqueer"])) }

        let town = r.pick(DemoData.towns)
        let street = "\(r.pick(DemoData.streets)) \(r.pick(DemoData.streetKinds))"
        v["address"] = .value(r.chance(0.3)
            ? "Flat \(r.int(1...80)), \(r.pick(DemoData.streets)) \(r.pick(DemoData.blocks)), \(street), \(town.name)"
            : "\(r.int(1...240)) \(street), \(town.name)")
        let unit = Array("ABDEFGHJLNPQRSTUWXYZ")
        v["postcode"] = .value("\(r.pick(town.areas))\(r.int(1...30)) \(r.int(0...9))\(r.pick(unit))\(r.pick(unit))")
        let mobile = r.chance(0.85) ? "07\(r.int(4...9))" + digits(8, &r) : nil
        if let mobile { v["mobile"] = .value(mobile) }
        if r.chance(0.35) { v["landline"] = .value("0" + town.code + digits(10 - town.code.count, &r)) }
        let email = r.chance(0.7) ? "\(Self.ascii(given)).\(Self.ascii(family))\(r.int(1...99))@\(r.pick(["example.com", "example.org", "example.net"]))" : nil
        if let email { v["email"] = .value(email) }
        if r.chance(0.8) {
            var options: [(String, Double)] = [("letter", 2), ("phone", 3)]
            if email != nil { options.append(("email", 5)) }
            if mobile != nil { options.append(("sms", 4)) }
            v["preferred-contact"] = .value(r.weighted(options))
        }
        let language = preferredLanguage(origin, &r)
        if r.chance(0.9) { v["preferred-language"] = .value(language) }
        if r.chance(0.55) {
            let relation = r.pick(["daughter", "son", "sister", "brother", "partner", "friend", "neighbour", "mother", "father"])
            v["emergency-contact"] = .value("\(r.pick(DemoData.givenNames[origin] ?? ["Sam"])) \(family) (\(relation)), 07\(r.int(4...9))\(digits(8, &r))")
        }
        let healthRoll = r.int(0...99)
        if healthRoll < 22 { v["health-needs"] = .value(r.pick(DemoData.healthNeeds)) } else if healthRoll < 26 { v["health-needs"] = .preferNotToSay }
        if let religion = religion(origin, &r) { v["religion"] = religion }
        if let orientation = notAnswered(DemoData.orientation, &r), r.chance(0.9) { v["sexual-orientation"] = orientation }
        if offices > 0 { v[Office.attribute.rawValue] = .value(Office.demoName(index % offices + 1)) }

        var requests = [ChangeRequest(
            tenant: ref, payload: .registration(values: Dictionary(uniqueKeysWithValues: v.map { (AttributeID($0.key), $0.value) })),
            actor: .system("demo"), channel: .importFile, effectiveAt: now.addingTimeInterval(-86_400 * 1000))]
        let shown = shippedLanguages.contains(language) ? language : "en"
        func decide(_ purpose: String, _ state: DecisionState, daysAgo: Int) {
            guard let attributes = catalogue.purpose(PurposeID(purpose))?.attributes else { return }
            var channel = r.weighted([(Channel.kiosk, 4.0), (.phone, 3.0), (.paper, 3.0)])
            var actor: Actor = channel == .kiosk ? .tenant
                : .staff(StaffID(Self.staff[r.int(1...40) - 1].id), verification: channel == .phone ? "dob+postcode" : "signed-form",
                         reason: channel == .phone ? "tenant-request" : "paper-campaign")
            // A special-category grant staff key in waits for a second person (a held grant, which a centre takes only
            // as such): the demo gives those as the tenant's own at the kiosk, after the same draws, so a seed makes
            // the same register.
            if state == .granted, ChannelRules.staffGrantIsHeld(PurposeID(purpose), attributes, catalogue: catalogue) {
                (channel, actor) = (.kiosk, .tenant)
            }
            requests.append(ChangeRequest(
                tenant: ref,
                payload: .decision(PurposeID(purpose), attributes, state,
                                   notice: state == .granted ? NoticeShown(version: 1, language: shown) : nil, validUntil: nil),
                actor: actor, channel: channel, effectiveAt: now.addingTimeInterval(-86_400 * Double(daysAgo))))
        }
        func consent(_ purpose: String, grant: Double, withdraw: Double) {
            let roll = Double(r.int(0...9_999)) / 10_000
            let first = r.int(40...900)
            if roll < grant {
                decide(purpose, .granted, daysAgo: first)
            } else if roll < grant + withdraw {
                decide(purpose, .granted, daysAgo: first)
                decide(purpose, .withdrawn, daysAgo: r.int(1...(first - 1)))
            }
        }
        if v["emergency-contact"] != nil { consent("emergency-contact", grant: 0.7, withdraw: 0.05) }
        if email != nil { consent("service-updates-email", grant: 0.45, withdraw: 0.08) }
        if mobile != nil { consent("service-updates-sms", grant: 0.35, withdraw: 0.06) }
        if case .value? = v["health-needs"] { consent("tailoring-services", grant: 0.6, withdraw: 0.05) }
        consent("resident-involvement", grant: 0.12, withdraw: 0.02)
        if r.chance(0.04) { decide("equality-monitoring", .objected, daysAgo: r.int(1...700)) }
        return requests
    }

    private func digits(_ count: Int, _ r: inout SeededRandom) -> String {
        String((0..<count).map { _ in Character(String(r.int(0...9))) })
    }

    private func preferredLanguage(_ origin: DemoData.Origin, _ r: inout SeededRandom) -> String {
        switch origin {
        case .polish: r.chance(0.75) ? "pl" : "en"
        case .romanian: r.chance(0.75) ? "ro" : "en"
        case .southAsianMuslim: r.weighted([("ur", 35.0), ("bn", 15), ("pa", 10), ("en", 40)])
        case .southAsianSikh: r.chance(0.35) ? "pa" : "en"
        case .southAsianHindu: r.chance(0.3) ? "gu" : "en"
        case .arab: r.chance(0.5) ? "ar" : "en"
        case .chinese: r.chance(0.4) ? "zh" : "en"
        case .african: r.chance(0.15) ? "so" : "en"
        default: r.chance(0.02) ? "cy" : "en"
        }
    }

    private func religion(_ origin: DemoData.Origin, _ r: inout SeededRandom) -> AttributeValue? {
        let likely: String? = switch origin {
        case .southAsianMuslim, .arab: "muslim"
        case .southAsianSikh: "sikh"
        case .southAsianHindu: "hindu"
        case .polish, .romanian, .irish: "christian"
        default: nil
        }
        if let likely, r.chance(0.8) { return .value(likely) }
        return notAnswered(DemoData.religion, &r)
    }

    /// A census answer; "not answered" becomes "prefer not to say" or nothing held.
    private func notAnswered(_ shares: [(String?, Double)], _ r: inout SeededRandom) -> AttributeValue? {
        guard let answer = r.weighted(shares) else { return r.chance(0.6) ? .preferNotToSay : nil }
        return .value(answer)
    }

    /// Lower-case ASCII letters of a name, for an email address.
    static func ascii(_ name: String) -> String {
        let folded = name.replacingOccurrences(of: "ł", with: "l").replacingOccurrences(of: "Ł", with: "L")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        return String(folded.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) }.map(Character.init))
    }
}

/// Writes a demo register into a database, in batches, with progress.
public enum DemoRun {
    /// Generates and records tenants `0..<count`; `progress` gets (tenants done, count).
    public static func run(_ demo: DemoRegister, count: Int, into database: ConsentDatabase, batchSize: Int = 2000,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> (tenants: Int, events: Int) {
        try database.registerStaff(DemoRegister.staff)
        var events = 0
        var start = 0
        while start < count {
            let end = min(start + batchSize, count)
            events += try database.batch(bulk: true) { batch in
                var n = 0
                for index in start..<end {
                    for request in demo.tenant(index) {
                        try batch.record(request)
                        n += 1
                    }
                }
                return n
            }
            start = end
            progress(start, count)
        }
        return (count, events)
    }
}
