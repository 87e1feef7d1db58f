/// The matcher's reusable buffers; it owns them and frees them when the matcher is done.
final class Workspace {
    static let maxExtras = 64, maxWords = 4096, maxWordLength = 48, maxPostcodes = 64, scratchSize = 1024, maxPending = 1024, filterWords = 1024
    /// Name-candidate words of the current record, lower-cased, back to back (8 spare bytes at the end for
    /// the surname filter's whole-word reads), where each ends and the word position each was found at.
    let wordBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: maxWords * maxWordLength + 8)
    let wordEnds = UnsafeMutablePointer<Int32>.allocate(capacity: maxWords)
    let wordPositions = UnsafeMutablePointer<Int32>.allocate(capacity: maxWords)
    /// Postcodes of the record: 7 bytes each and their length in the 8th; the word position each was found at.
    let postcodes = UnsafeMutablePointer<UInt8>.allocate(capacity: maxPostcodes * 8)
    let postcodePositions = UnsafeMutablePointer<Int>.allocate(capacity: maxPostcodes)
    /// A tag's input: the kind byte and the value.
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
    /// Tags waiting for lookup, with their category bits.
    let pendingTags = UnsafeMutablePointer<UInt64>.allocate(capacity: maxPending)
    let pendingKinds = UnsafeMutablePointer<UInt8>.allocate(capacity: maxPending)
    /// The class of each byte value, as its ``ByteClass`` raw value (a bit).
    let classes = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    /// A copy of ``SpecialTerms/lastWordFilter``.
    let phraseFilter = UnsafeMutablePointer<UInt64>.allocate(capacity: filterWords)
    /// The last 16 word hashes of a cell.
    let ring = UnsafeMutablePointer<UInt64>.allocate(capacity: 16)
    /// Dates and addresses of the record (see Matcher+Pairs.swift).
    let extras = UnsafeMutablePointer<UInt8>.allocate(capacity: maxExtras * Matcher.extraStride)
    let extraKinds = UnsafeMutablePointer<UInt8>.allocate(capacity: maxExtras)
    let extraLengths = UnsafeMutablePointer<UInt8>.allocate(capacity: maxExtras)
    let extraPositions = UnsafeMutablePointer<Int>.allocate(capacity: maxExtras)
    /// Where the prefetching loads go, so they are not optimised away.
    var touched: UInt64 = 0

    init() {
        wordBytes.initialize(repeating: 0, count: Self.maxWords * Self.maxWordLength + 8)
        classes.initialize(from: ByteClass.table.map(\.rawValue), count: 256)
        phraseFilter.initialize(repeating: 0, count: Self.filterWords)
        ring.initialize(repeating: 0, count: 16)
    }

    deinit {
        for pointer in [UnsafeMutableRawPointer(wordBytes), UnsafeMutableRawPointer(wordEnds), UnsafeMutableRawPointer(wordPositions),
                        UnsafeMutableRawPointer(postcodes),
                        UnsafeMutableRawPointer(postcodePositions), UnsafeMutableRawPointer(scratch), UnsafeMutableRawPointer(pendingTags),
                        UnsafeMutableRawPointer(pendingKinds), UnsafeMutableRawPointer(classes), UnsafeMutableRawPointer(phraseFilter),
                        UnsafeMutableRawPointer(ring), UnsafeMutableRawPointer(extras), UnsafeMutableRawPointer(extraKinds),
                        UnsafeMutableRawPointer(extraLengths), UnsafeMutableRawPointer(extraPositions)] {
            pointer.deallocate()
        }
    }
}
