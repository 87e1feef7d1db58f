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
    /// Phrase hash of a health condition (``conditionTerms``) → the health attribute's id: counted only in a
    /// row or paragraph that also identifies a tenant. Empty when the catalogue has no such attribute.
    let conditions: [UInt64: String]

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

    /// The special attribute health conditions written as words belong to.
    public static let conditionAttribute = "health-needs"

    /// Health conditions as people write them in notes and letters ("she has epilepsy", "Wheelchair user").
    /// Words that are also everyday words (blind, stroke, depression, anxiety, fits, mental health) are left
    /// out, or only in a phrase that cannot be anything else (registered blind).
    public static let conditionTerms = [
        "epilepsy", "epileptic", "dementia", "alzheimers", "alzheimers disease", "autism", "autistic", "aspergers", "diabetes",
        "diabetic", "copd", "emphysema", "asthma", "hiv", "hiv positive", "schizophrenia", "schizophrenic", "bipolar disorder",
        "psychosis", "parkinsons", "parkinsons disease", "multiple sclerosis", "motor neurone disease", "cerebral palsy",
        "learning disability", "learning disabilities", "wheelchair user", "uses a wheelchair", "registered blind", "partially sighted",
        "visually impaired", "sight impaired", "hearing impaired", "deaf", "dialysis", "chemotherapy", "cancer", "terminally ill",
        "terminal illness", "spina bifida", "muscular dystrophy", "down syndrome", "downs syndrome", "sickle cell", "ptsd",
        "heart failure", "kidney failure", "had a stroke", "hepatitis", "tuberculosis", "incontinence", "incontinent", "home oxygen",
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
        func addPhrase(_ text: String, _ attribute: String, allowSingleWord: Bool, into table: inout [UInt64: String]) {
            let words = ScanNormal.words(text)
            guard !words.isEmpty, words.count <= 12, allowSingleWord || words.count > 1 else { return }
            let hash = words.reduce(ScanNormal.phraseSeed) { ScanNormal.phraseStep($0, ScanNormal.wordHash($1)) }
            table[hash] = attribute
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
                addPhrase(choice.id, id, allowSingleWord: single, into: &phrases)
                for text in texts("choice.\(id).\(choice.id)") + [choice.fixedLabel].compactMap({ $0 }) {
                    addPhrase(text, id, allowSingleWord: single, into: &phrases)
                }
            }
        }
        // Conditions are kept apart from the phrases that count anywhere (one that is such a phrase stays one).
        var conditions: [UInt64: String] = [:]
        if catalogue.attributes.contains(where: { $0.isSpecial && $0.id.rawValue == Self.conditionAttribute }) {
            for term in Self.conditionTerms { addPhrase(term, Self.conditionAttribute, allowSingleWord: true, into: &conditions) }
        }
        self.conditions = conditions.filter { phrases[$0.key] == nil }
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
