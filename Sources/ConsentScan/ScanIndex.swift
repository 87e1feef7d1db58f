import ConsentCore
import Foundation

/// The register as keyed tags: SipHash-2-4 of each normalised email, phone number, tenancy reference, and
/// of the surname paired with the postcode, the date of birth, and the house number and street, mapping to an opaque tenant number (the tenant's position in the register
/// when the index was built). The key is kept apart (see ``ScanKeyFile``): the index alone exposes no value.
public struct ScanIndex: Sendable {
    /// The key the tags were made with.
    public let key: SipHashKey
    /// Tenants in the register the index was built from.
    public let tenantCount: Int
    /// Tags held (one tenant may have several).
    public let entryCount: Int
    /// A bit per length (3 to 20) of the register's tenancy references: other lengths are not looked up.
    let referenceLengths: UInt32
    /// Whether some reference is digits only (otherwise plain numbers are not looked up as references).
    let pureDigitReferences: Bool
    /// A ``PersonalCategory/bit`` per kind of which each tenant has at most one tag (one email attribute, one
    /// name with one postcode): two different shared tags of such a kind are two different tenants at least.
    let singleKinds: UInt8
    /// Open-addressing table, one word per slot so a lookup touches one cache line: the tag's high 32 bits
    /// (never 0) above the tenant number. The slot comes from the tag's low bits, so a match agrees on
    /// about 55 bits of the tag. 0 is an empty slot.
    let table: SlotTable
    let mask: Int
    /// The register's surnames, keyed: words that fail it are never paired (see ``SurnameFilter``).
    let surnames: SurnameFilter

    /// The tenant number of a tag that belongs to several tenants.
    static let ambiguous = UInt32.max

    /// The tag of `value` of a kind, never 0.
    @inline(__always)
    static func tag(_ key: SipHashKey, _ kind: IndexKind, _ value: UnsafeRawBufferPointer, scratch: inout [UInt8]) -> UInt64 {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(kind.rawValue)
        scratch.append(contentsOf: value)
        return scratch.withUnsafeBytes { key.hash($0) }
    }

    @inline(__always)
    static func fingerprint(_ tag: UInt64) -> UInt64 {
        let high = tag >> 32
        return high == 0 ? 1 : high
    }

    /// The tenant number a tag belongs to: nil when none, ``ambiguous`` when several.
    @inline(__always)
    func owner(of tag: UInt64) -> UInt32? {
        var slot = Int(truncatingIfNeeded: tag) & mask
        let fingerprint = Self.fingerprint(tag)
        let t = table.base
        while true {
            let found = t[slot]
            if found >> 32 == fingerprint { return UInt32(truncatingIfNeeded: found) }
            if found == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    init(key: SipHashKey, tenantCount: Int, entries: [(tag: UInt64, owner: UInt32)], referenceLengths: UInt32, pureDigitReferences: Bool,
         singleKinds: UInt8 = 0, surnames: SurnameFilter) {
        var capacity = 16
        while capacity < entries.count * 10 / 7 + 1 { capacity <<= 1 }
        var slots = [UInt64](repeating: 0, count: capacity)
        let mask = capacity - 1
        var distinct = 0
        for (tag, owner) in entries {
            let fingerprint = Self.fingerprint(tag)
            var slot = Int(truncatingIfNeeded: tag) & mask
            while slots[slot] != 0 && slots[slot] >> 32 != fingerprint { slot = (slot + 1) & mask }
            if slots[slot] != 0 {
                if UInt32(truncatingIfNeeded: slots[slot]) != owner { slots[slot] = fingerprint << 32 | UInt64(Self.ambiguous) }
            } else {
                slots[slot] = fingerprint << 32 | UInt64(owner)
                distinct += 1
            }
        }
        self.init(key: key, tenantCount: tenantCount, entryCount: distinct, slots: slots,
                  referenceLengths: referenceLengths, pureDigitReferences: pureDigitReferences, singleKinds: singleKinds, surnames: surnames)
    }

    private init(key: SipHashKey, tenantCount: Int, entryCount: Int, slots: [UInt64], referenceLengths: UInt32, pureDigitReferences: Bool,
                 singleKinds: UInt8, surnames: SurnameFilter) {
        self.key = key
        self.tenantCount = tenantCount
        self.entryCount = entryCount
        self.referenceLengths = referenceLengths
        self.pureDigitReferences = pureDigitReferences
        self.singleKinds = singleKinds
        table = SlotTable(slots)
        mask = slots.count - 1
        self.surnames = surnames
    }

    /// Collects a register's values into an index. Feed every tenant with ``add(_:)``, then call ``finish()``.
    public struct Builder {
        let key: SipHashKey
        let emailAttributes: [AttributeID]
        let phoneAttributes: [AttributeID]
        let nameAttributes: [AttributeID]
        let postcodeAttributes: [AttributeID]
        let dateAttributes: [AttributeID]
        let addressAttributes: [AttributeID]
        var entries: [(tag: UInt64, owner: UInt32)] = []
        var tenants: UInt32 = 0
        var scratch: [UInt8] = []
        var referenceLengths: UInt32 = 0
        var pureDigitReferences = false
        /// Each distinct surname paired in a tag, for the ``SurnameFilter``.
        var surnames: Set<[UInt8]> = []

        /// Which attributes to index is read from the catalogue by type (email, phone, UK postcode, date);
        /// the last word (the surname) of each of `nameAttributes` is paired with the postcode, each date
        /// (of birth) and the first house number and street of each of `addressAttributes`.
        public init(key: SipHashKey, catalogue: Catalogue, nameAttributes: [AttributeID] = [AttributeID("full-name")],
                    addressAttributes: [AttributeID] = [AttributeID("address")]) {
            self.key = key
            emailAttributes = catalogue.attributes.filter { $0.type == .email && !$0.isSpecial }.map(\.id)
            phoneAttributes = catalogue.attributes.filter { $0.type == .phone && !$0.isSpecial }.map(\.id)
            postcodeAttributes = catalogue.attributes.filter { $0.type == .ukPostcode && !$0.isSpecial }.map(\.id)
            dateAttributes = catalogue.attributes.filter { $0.type == .date && !$0.isSpecial }.map(\.id)
            self.nameAttributes = nameAttributes.filter { catalogue.attribute($0) != nil }
            self.addressAttributes = addressAttributes.filter { catalogue.attribute($0) != nil }
        }

        /// Every attribute the index reads: a register need load only these.
        public var attributes: [AttributeID] {
            emailAttributes + phoneAttributes + postcodeAttributes + dateAttributes + nameAttributes + addressAttributes
        }

        /// Adds one tenant's current values; erased and "prefer not to say" answers add nothing.
        public mutating func add(_ state: TenantState) {
            tenants += 1
            let owner = tenants
            func text(_ id: AttributeID) -> String? { state.value(id).answer?.text }
            func put(_ kind: IndexKind, _ value: [UInt8]) {
                let tag = value.withUnsafeBytes { ScanIndex.tag(key, kind, $0, scratch: &scratch) }
                entries.append((tag, owner))
            }
            if let ref = ScanNormal.tenancyRef(Array(state.ref.rawValue.utf8)) {
                put(.tenancyRef, ref)
                referenceLengths |= 1 << UInt32(ref.count)
                if ref.allSatisfy(isDigit) { pureDigitReferences = true }
            }
            for id in emailAttributes {
                if let value = text(id), let email = ScanNormal.email(Array(value.utf8)) { put(.email, email) }
            }
            for id in phoneAttributes {
                if let value = text(id), let phone = ScanNormal.ukPhone(value) { put(.phone, phone) }
            }
            // The surname: given names and street words at one postcode would match other tenants.
            let surnames = nameAttributes.compactMap { text($0).flatMap { ScanNormal.words($0).last(where: { $0.count >= 2 }) } }
            guard !surnames.isEmpty else { return }
            var paired: [(IndexKind, [UInt8])] = []
            for id in postcodeAttributes {
                if let value = text(id), let postcode = ScanNormal.postcode(value) { paired.append((.namePostcode, postcode)) }
            }
            for id in dateAttributes {
                if let value = text(id), let date = ScanNormal.birthDate(value) { paired.append((.nameBirthDate, date)) }
            }
            for id in addressAttributes {
                if let value = text(id), let (number, street) = ScanNormal.addressKey(value) { paired.append((.nameAddress, number + [0] + street)) }
            }
            for surname in surnames where !paired.isEmpty {
                self.surnames.insert(surname)
                for (kind, value) in paired { put(kind, surname + [0] + value) }
            }
        }

        /// The finished index.
        public func finish() -> ScanIndex {
            let oneName = nameAttributes.count <= 1
            var single = PersonalCategory.tenancyRef.bit
            if emailAttributes.count <= 1 { single |= PersonalCategory.email.bit }
            if oneName && postcodeAttributes.count <= 1 { single |= PersonalCategory.namePostcode.bit }
            if oneName && dateAttributes.count <= 1 { single |= PersonalCategory.nameBirthDate.bit }
            if oneName && addressAttributes.count <= 1 { single |= PersonalCategory.nameAddress.bit }
            let filter = SurnameFilter(key: key, bits: SurnameFilter.bitCount(names: surnames.count))
            for surname in surnames { filter.insert(surname) }
            return ScanIndex(key: key, tenantCount: Int(tenants), entries: entries, referenceLengths: referenceLengths,
                             pureDigitReferences: pureDigitReferences, singleKinds: single, surnames: filter)
        }
    }

    // MARK: - File form

    private static let magic = Array("TCSCANIX".utf8)
    /// Version 3 added the surname filter after the table.
    static let version: UInt32 = 3
    /// What to do about an index this version cannot read (the key file beside it is kept and reused).
    static let rebuild = "rebuild it with `consent scan index --db REGISTER --out FILE` (it keeps the key beside it)"

    /// A short check value of the key, stored in the index so a wrong key file is refused; it reveals nothing of the key.
    static func keyCheck(_ key: SipHashKey) -> UInt64 {
        key.hash(Array("TenantConsent scan key check".utf8))
    }

    /// The file form: a header (magic, version, key check, counts), the table, then the surname filter's
    /// bit count and bits. No key, no value.
    public func serialized() -> Data {
        var data = Data()
        data.reserveCapacity(56 + (table.count + surnames.words.count) * 8)
        data.append(contentsOf: Self.magic)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        put(Self.version)
        put(UInt32(table.count))
        put(Self.keyCheck(key))
        put(UInt64(tenantCount))
        put(UInt64(entryCount))
        put(referenceLengths)
        put(UInt32(pureDigitReferences ? 1 : 0) | UInt32(singleKinds) << 8)
        #if _endian(big)
        for i in 0..<table.count { put(table.base[i]) }
        #else
        data.append(UnsafeBufferPointer(start: table.base, count: table.count))
        #endif
        put(UInt64(surnames.words.count * 64))
        for i in 0..<surnames.words.count { put(surnames.words.base[i]) }
        return data
    }

    /// Reads an index written by ``serialized()``, checking that `key` is the one it was built with.
    public init(data: Data, key: SipHashKey) throws(ScanError) {
        let header = 8 + 4 + 4 + 8 + 8 + 8 + 4 + 4
        guard data.count >= header, Array(data.prefix(8)) == Self.magic else {
            throw .badIndex("it is not a scan index (build one with `consent scan index`)")
        }
        let parsed: (UInt32, Int, UInt64, UInt64, UInt64, UInt32, UInt32)? = data.withUnsafeBytes { raw in
            let version = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            let capacity = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
            let check = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            let tenants = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            let entries = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
            let lengths = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 40, as: UInt32.self))
            let flags = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 44, as: UInt32.self))
            return (version, capacity, check, tenants, entries, lengths, flags)
        }
        guard let (version, capacity, check, tenants, entries, lengths, flags) = parsed, version == Self.version else {
            throw .badIndex("it was written by another version of TenantConsent (index format \(parsed?.0 ?? 0), this one reads \(Self.version)); "
                + Self.rebuild)
        }
        let tableEnd = header + capacity * 8
        guard capacity >= 16, capacity & (capacity - 1) == 0, data.count >= tableEnd + 8 else {
            throw .badIndex("it is truncated or damaged; " + Self.rebuild)
        }
        let filterBits = data.withUnsafeBytes { Int(truncatingIfNeeded: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: tableEnd, as: UInt64.self))) }
        guard filterBits >= SurnameFilter.minBits, filterBits <= SurnameFilter.maxBits, filterBits & (filterBits - 1) == 0,
              data.count == tableEnd + 8 + filterBits / 8 else {
            throw .badIndex("it is truncated or damaged; " + Self.rebuild)
        }
        guard check == Self.keyCheck(key) else {
            throw .badIndex("the key file is not the one this index was built with")
        }
        var slots = [UInt64](repeating: 0, count: capacity)
        slots.withUnsafeMutableBytes { _ = data.copyBytes(to: $0, from: header..<tableEnd) }
        var filterWords = [UInt64](repeating: 0, count: filterBits / 64)
        filterWords.withUnsafeMutableBytes { _ = data.copyBytes(to: $0, from: (tableEnd + 8)..<data.count) }
        #if _endian(big)
        slots = slots.map { UInt64(littleEndian: $0) }
        filterWords = filterWords.map { UInt64(littleEndian: $0) }
        #endif
        // A table with no empty slot would make a lookup loop for ever.
        guard slots.contains(0) else { throw .badIndex("it is damaged (no free slot); rebuild it with `consent scan index`") }
        self.init(key: key, tenantCount: Int(tenants), entryCount: Int(entries), slots: slots, referenceLengths: lengths,
                  pureDigitReferences: flags & 1 != 0, singleKinds: UInt8(truncatingIfNeeded: flags >> 8),
                  surnames: SurnameFilter(key: key, words: filterWords))
    }
}

/// The index's table in memory of its own: the matcher reads it through a plain pointer, with no
/// reference counting or bounds checks on the hot path (every slot index is masked to the table's size).
final class SlotTable: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt64>
    let count: Int

    init(_ slots: [UInt64]) {
        count = slots.count
        base = UnsafeMutablePointer<UInt64>.allocate(capacity: slots.count)
        base.initialize(from: slots, count: slots.count)
    }

    deinit { base.deallocate() }
}

/// The index key as a file of its own: 32 hex digits, readable by its owner only.
public enum ScanKeyFile {
    /// The file's text for `key`.
    public static func text(_ key: SipHashKey) -> String {
        String(format: "%016llx%016llx\n", key.k0, key.k1)
    }

    /// Reads a key file's text.
    public static func parse(_ text: String) throws(ScanError) -> SipHashKey {
        let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hex.count == 32, let k0 = UInt64(hex.prefix(16), radix: 16), let k1 = UInt64(hex.suffix(16), radix: 16) else {
            throw .badKey("it should hold 32 hexadecimal digits, as written by `consent scan index`")
        }
        return SipHashKey(k0: k0, k1: k1)
    }
}
