/// The matcher's lookups: phone numbers gathered over groups of digits, emails, references, and the
/// keyed tags looked up in the index in batches.
extension Matcher {
    // MARK: - Phones

    mutating func addPhoneGroup(_ chunk: UnsafeRawBufferPointer, plus: Bool) {
        guard phoneGroups.count < 8 else { flushPhone(); return addPhoneGroup(chunk, plus: plus) }
        for b in chunk where isDigit(b) { phoneDigits.append(b) }
        phoneGroups.append((phoneDigits.count, plus))
    }

    /// Finds UK numbers in the gathered groups: the shortest run of whole groups from each start that forms one.
    mutating func flushPhone() {
        guard !phoneGroups.isEmpty else { return }
        defer {
            phoneDigits.removeAll(keepingCapacity: true)
            phoneGroups.removeAll(keepingCapacity: true)
        }
        if phoneDigits.count < 10 { return }
        var a = 0
        while a < phoneGroups.count {
            let from = a == 0 ? 0 : phoneGroups[a - 1].end
            var next = a + 1
            for b in a..<phoneGroups.count {
                let count = phoneGroups[b].end - from
                if count > 14 { break }
                let digits = phoneDigits[from..<phoneGroups[b].end], plus = phoneGroups[a].plus
                if count >= 10, let phone = ScanNormal.ukPhone(digits: digits, international: plus) ?? (plus ? nil : ScanNormal.ukPhone(droppedZero: digits)) {
                    scratch[0] = IndexKind.phone.rawValue
                    for (k, digit) in phone.enumerated() { scratch[1 + k] = digit }
                    lookup(.phone, count: 1 + phone.count)
                    next = b + 1
                    break
                }
            }
            a = next
        }
    }

    // MARK: - Register lookups

    /// Looks up an email: lower-cased into the scratch buffer, trailing dots dropped, one `@` and a dotted domain.
    mutating func email(_ chunk: UnsafeRawBufferPointer) {
        var n = min(chunk.count, Workspace.scratchSize - 1)
        while n > 0, chunk[n - 1] == 0x2E || chunk[n - 1] == 0x2D { n -= 1 }
        var at = -1, dotAfterAt = false
        let s = scratch
        s[0] = IndexKind.email.rawValue
        for i in 0..<n {
            let b = chunk[i]
            if b == 0x40 { if at >= 0 { return }; at = i } else if b == 0x2E && at >= 0 && i > at + 1 { dotAfterAt = true }
            s[1 + i] = lowerASCII(b)
        }
        guard at > 0, dotAfterAt, n > at + 3 else { return }
        lookup(.email, count: 1 + n)
    }

    /// Looks up a possible tenancy reference of a length the register uses.
    mutating func reference(_ chunk: UnsafeRawBufferPointer) {
        let n = chunk.count
        guard n >= 3, n <= 20, index.referenceLengths & (1 << UInt32(n)) != 0 else { return }
        let s = scratch
        s[0] = IndexKind.tenancyRef.rawValue
        for i in 0..<n {
            let b = chunk[i]
            guard isDigit(b) || isUpperOrLowerLetter(b) || b == 0x2F || b == 0x2D else { return }
            s[1 + i] = upperASCII(b)
        }
        lookup(.tenancyRef, count: 1 + n)
    }

    /// Queues the tag of the first `count` bytes of the scratch buffer (kind byte and value) for lookup.
    @inline(__always)
    mutating func lookup(_ kind: IndexKind, count: Int) {
        pendingTags[pendingCount] = index.key.hash(UnsafeRawBufferPointer(start: scratch, count: count))
        pendingKinds[pendingCount] = kind.category.bit
        pendingCount += 1
        if pendingCount == Workspace.maxPending { resolve() }
    }

    /// Looks up the queued tags. A large index does not fit in any cache, so each lookup is a trip to memory:
    /// touching every slot first lets the processor fetch them in parallel instead of one after another.
    mutating func resolve() {
        let n = pendingCount
        guard n > 0 else { return }
        var touched: UInt64 = 0
        for i in 0..<n { touched ^= slots[Int(truncatingIfNeeded: pendingTags[i]) & mask] }
        work.touched = touched
        for i in 0..<n {
            guard let owner = index.owner(of: pendingTags[i]) else { continue }
            recordTenant = true
            findings.personal |= pendingKinds[i]
            if owner == ScanIndex.ambiguous {
                findings.ambiguous(pendingTags[i], kind: pendingKinds[i], single: index.singleKinds & pendingKinds[i] != 0)
            } else {
                findings.matched(owner)
            }
        }
        pendingCount = 0
    }
}

extension IndexKind {
    @inline(__always)
    var category: PersonalCategory {
        switch self {
        case .email: .email
        case .phone: .phone
        case .tenancyRef: .tenancyRef
        case .namePostcode: .namePostcode
        case .nameAddress: .nameAddress
        case .nameBirthDate: .nameBirthDate
        }
    }
}
