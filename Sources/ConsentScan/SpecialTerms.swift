import ConsentCore

/// The public words that reveal a special-category value (UK GDPR Art. 9): the choice ids and labels of
/// every special attribute of the catalogue, in every language given, and the names of those attributes
/// (column headers, JSON keys, `Religion:` in a letter).
///
/// A single word that is also a nationality, a first name or an everyday word (`Irish`, `Christian`, `Other`)
/// does not count on its own; it counts under a special column or label, where any answer does.
public struct SpecialTerms: Sendable {
    /// Phrase hash → attribute id, for values found anywhere.
    let phrases: [UInt64: String]
    /// Every attribute some phrase names: once a file has shown them all, phrases can add nothing.
    let phraseAttributes: Set<String>
    /// Phrase lengths (in words) to try, longest first.
    let lengths: [Int]
    /// A bit per low 16 bits of a word hash that ends some phrase: a cheap first test per word.
    let lastWordFilter: [UInt64]
    /// Phrase hash of a header or label → attribute id.
    let labels: [UInt64: String]
    /// Phrase hashes of answers that hold no value (`prefer not to say`, `n/a`).
    let nonAnswers: Set<UInt64>

    /// Choices whose one-word label is also a nationality, a name or an everyday word.
    public static let ambiguousChoices: Set<String> = [
        "other", "none", "straight", "christian", "white-irish", "asian-indian", "asian-chinese", "asian-pakistani",
        "asian-bangladeshi", "black-african", "black-caribbean", "other-arab", "white-roma", "yes", "no",
    ]

    /// Other names people give these columns, by attribute id.
    public static let headerSynonyms: [String: [String]] = [
        "ethnic-origin": ["ethnicity", "ethnic group", "ethnic background", "ethnic origin code", "race"],
        "religion": ["religion or belief", "faith", "belief"],
        "sexual-orientation": ["sexuality", "orientation"],
        "health-needs": ["disability", "disabilities", "health", "health conditions", "medical conditions", "vulnerability", "vulnerabilities",
                         "needs", "support needs", "additional needs", "health needs", "care needs", "medical", "medical needs",
                         "medical condition", "medical history"],
        "gender-identity": ["gender identity", "trans", "transgender", "trans status", "gender same as sex at birth"],
        "gender-identity-write-in": ["gender identity write in", "gender identity description"],
    ]

    /// Answers that hold no value.
    public static let nonAnswerTexts = ["prefer not to say", "not held", "not known", "unknown", "n/a", "na", "none given", "null", "not stated", "declined"]

    /// Terms of `catalogue`'s special attributes; `texts(key)` gives a localisation key's text in each
    /// language (`attribute.<id>.label`, `choice.<id>.<choice>`), empty when none.
    public init(catalogue: Catalogue, texts: (String) -> [String]) {
        var phrases: [UInt64: String] = [:]
        var labels: [UInt64: String] = [:]
        var lengths = Set<Int>()
        var filter = [UInt64](repeating: 0, count: 1024)
        func addPhrase(_ text: String, _ attribute: String, allowSingleWord: Bool) {
            let words = ScanNormal.words(text)
            guard !words.isEmpty, words.count <= 12, allowSingleWord || words.count > 1 else { return }
            let hash = words.reduce(ScanNormal.phraseSeed) { ScanNormal.phraseStep($0, ScanNormal.wordHash($1)) }
            phrases[hash] = attribute
            lengths.insert(words.count)
            let last = Int(truncatingIfNeeded: ScanNormal.wordHash(words[words.count - 1])) & 0xFFFF
            filter[last >> 6] |= 1 << UInt64(last & 63)
        }
        for attribute in catalogue.attributes where attribute.isSpecial {
            let id = attribute.id.rawValue
            for label in [id] + texts("attribute.\(id).label") + (Self.headerSynonyms[id] ?? []) {
                let hash = ScanNormal.phraseHash(label)
                if hash != 0 { labels[hash] = id }
            }
            for choice in attribute.choices {
                let single = !Self.ambiguousChoices.contains(choice.id)
                addPhrase(choice.id, id, allowSingleWord: single)
                for text in texts("choice.\(id).\(choice.id)") + [choice.fixedLabel].compactMap({ $0 }) {
                    addPhrase(text, id, allowSingleWord: single)
                }
            }
        }
        self.phrases = phrases
        phraseAttributes = Set(phrases.values)
        self.labels = labels
        self.lengths = lengths.sorted(by: >)
        lastWordFilter = filter
        nonAnswers = Set(Self.nonAnswerTexts.map(ScanNormal.phraseHash))
    }

    @inline(__always)
    func mayEndPhrase(_ wordHash: UInt64) -> Bool {
        let bit = Int(truncatingIfNeeded: wordHash) & 0xFFFF
        return lastWordFilter[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// The special attribute a header or label names, if any.
    public func attribute(named text: String) -> String? {
        labels[ScanNormal.phraseHash(text)]
    }

    /// Whether `text` holds an answer (not empty, not "prefer not to say").
    public func isAnswer(_ text: String) -> Bool {
        let hash = ScanNormal.phraseHash(text)
        return !nonAnswers.contains(hash) && (hash != 0 || text.utf8.contains(where: isDigit))
    }
}
