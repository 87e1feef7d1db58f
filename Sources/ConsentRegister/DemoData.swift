/// Word lists for the synthetic register: common names of the communities UK social housing
/// serves, real towns with their postcode areas and dialling codes, and census 2021 shares.
enum DemoData {
    /// A naming tradition, chosen from the tenant's ethnic origin, so names look plausible together.
    enum Origin: CaseIterable { case british, irish, polish, romanian, southAsianMuslim, southAsianHindu, southAsianSikh, african, caribbean, chinese, arab }

    static let givenNames: [Origin: [String]] = [
        .british: ["Oliver", "George", "Harry", "Jack", "Jacob", "Thomas", "James", "William", "Daniel", "Matthew", "David", "Paul",
                   "Mark", "Andrew", "Stephen", "Gary", "Olivia", "Amelia", "Emily", "Jessica", "Sophie", "Charlotte", "Lucy",
                   "Sarah", "Emma", "Claire", "Karen", "Susan", "Margaret", "Jean", "Gwen", "Rhys", "Dylan", "Megan", "Eilidh", "Callum"],
        .irish: ["Sean", "Patrick", "Ciaran", "Declan", "Niamh", "Siobhan", "Aoife", "Roisin", "Conor", "Brendan", "Orla", "Maeve"],
        .polish: ["Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Marcin", "Anna", "Katarzyna", "Magdalena", "Agnieszka",
                  "Małgorzata", "Joanna", "Łukasz", "Zofia"],
        .romanian: ["Andrei", "Ionuț", "Alexandru", "Mihai", "Ștefan", "Elena", "Ioana", "Maria", "Andreea", "Alexandra", "Cristina", "Gheorghe"],
        .southAsianMuslim: ["Mohammed", "Muhammad", "Ali", "Imran", "Usman", "Bilal", "Ayesha", "Fatima", "Zainab", "Sana", "Nadia", "Rukhsana", "Abdul", "Shahid"],
        .southAsianHindu: ["Raj", "Sanjay", "Vijay", "Amit", "Ravi", "Priya", "Anjali", "Deepa", "Sunita", "Kiran", "Nisha", "Arjun"],
        .southAsianSikh: ["Harpreet", "Gurpreet", "Jaspreet", "Manpreet", "Amrit", "Baljit", "Harjinder", "Simran", "Navdeep", "Sukhwinder"],
        .african: ["Chinedu", "Oluwaseun", "Adebayo", "Kwame", "Kofi", "Abdi", "Amina", "Ngozi", "Chioma", "Fatuma", "Yetunde", "Hodan", "Tendai"],
        .caribbean: ["Marcus", "Delroy", "Winston", "Leroy", "Andre", "Tyrone", "Marcia", "Beverley", "Sharon", "Janet", "Paulette", "Claudette"],
        .chinese: ["Wei", "Jun", "Ming", "Lei", "Hao", "Li", "Mei", "Xiu", "Yan", "Ling", "Hui", "Chen"],
        .arab: ["Ahmed", "Omar", "Khalid", "Youssef", "Hassan", "Layla", "Mariam", "Noor", "Huda", "Rania", "Samir", "Yasmin"],
    ]

    static let familyNames: [Origin: [String]] = [
        .british: ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
                   "Robinson", "Thompson", "Wright", "Walker", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris",
                   "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper", "Morris", "Ward",
                   "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel", "Young", "Allen", "Mitchell", "Campbell",
                   "Anderson", "Kelly", "Bell", "Murray", "MacDonald", "Stewart", "Griffiths", "Owen", "Price", "Pritchard"],
        .irish: ["Murphy", "Kelly", "O'Sullivan", "Walsh", "O'Brien", "Byrne", "Ryan", "O'Connor", "O'Neill", "Doyle", "McCarthy", "Gallagher"],
        .polish: ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak"],
        .romanian: ["Popescu", "Ionescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Constantin", "Ciobanu"],
        .southAsianMuslim: ["Khan", "Hussain", "Ahmed", "Ali", "Akhtar", "Iqbal", "Begum", "Rahman", "Uddin", "Malik", "Mahmood", "Shah"],
        .southAsianHindu: ["Patel", "Sharma", "Shah", "Mistry", "Parmar", "Desai", "Joshi", "Mehta", "Chauhan", "Kumar"],
        .southAsianSikh: ["Singh", "Kaur", "Sandhu", "Gill", "Dhillon", "Sidhu", "Bains", "Johal", "Atwal", "Grewal"],
        .african: ["Okafor", "Adeyemi", "Mensah", "Osei", "Mohamed", "Abdullahi", "Okonkwo", "Balogun", "Moyo", "Asante", "Warsame", "Nwosu"],
        .caribbean: ["Campbell", "Brown", "Williams", "Francis", "Grant", "Reid", "Thompson", "Clarke", "Henry", "Douglas", "Lewis", "Bailey"],
        .chinese: ["Wang", "Li", "Zhang", "Chen", "Liu", "Wong", "Chan", "Lam", "Ng", "Cheung"],
        .arab: ["Al-Sayed", "Haddad", "Hassan", "Mansour", "Nasser", "Saleh", "Khalil", "Farouk", "Abdallah", "Aziz"],
    ]

    /// Town, postcode areas, dialling code (digits after 0), street names.
    static let towns: [(name: String, areas: [String], code: String)] = [
        ("Manchester", ["M"], "161"), ("Leeds", ["LS"], "113"), ("Birmingham", ["B"], "121"), ("Bristol", ["BS"], "117"),
        ("Sheffield", ["S"], "114"), ("Liverpool", ["L"], "151"), ("Newcastle upon Tyne", ["NE"], "191"),
        ("Nottingham", ["NG"], "115"), ("Leicester", ["LE"], "116"), ("Bradford", ["BD"], "1274"), ("Cardiff", ["CF"], "29"),
        ("Swansea", ["SA"], "1792"), ("London", ["E", "N", "SE", "SW", "NW"], "20"), ("Coventry", ["CV"], "24"),
        ("Hull", ["HU"], "1482"), ("Stoke-on-Trent", ["ST"], "1782"), ("Wolverhampton", ["WV"], "1902"),
        ("Plymouth", ["PL"], "1752"), ("Derby", ["DE"], "1332"), ("Southampton", ["SO"], "23"), ("Luton", ["LU"], "1582"),
        ("Oldham", ["OL"], "161"), ("Preston", ["PR"], "1772"), ("Sunderland", ["SR"], "191"), ("Peterborough", ["PE"], "1733"),
    ]

    static let streets = ["High", "Station", "Church", "Park", "Victoria", "Queen's", "King's", "Mill", "School", "Albert",
                          "Green", "Manor", "Orchard", "Chapel", "Springfield", "Windsor", "Grange", "Meadow", "Oak", "Elm",
                          "Beech", "Ash", "Willow", "Cedar", "Holly", "Hawthorn", "Brook", "Riverside", "Canal", "Market",
                          "Bridge", "Castle", "Forest", "Hillside", "Valley", "Heath", "Moor", "Cross", "Cromwell", "Nelson"]
    static let streetKinds = ["Road", "Street", "Lane", "Avenue", "Close", "Court", "Crescent", "Drive", "Gardens", "Way", "Walk", "Terrace"]
    static let blocks = ["House", "Court", "Tower", "Point", "Heights", "Lodge"]

    /// Census 2021 ethnic groups (England and Wales, % of usual residents), with the naming tradition used.
    static let ethnic: [(String, Double, [Origin])] = [
        ("asian-bangladeshi", 1.1, [.southAsianMuslim]), ("asian-chinese", 0.7, [.chinese]),
        ("asian-indian", 3.1, [.southAsianHindu, .southAsianSikh, .southAsianMuslim]), ("asian-pakistani", 2.7, [.southAsianMuslim]),
        ("asian-other", 1.6, [.southAsianHindu, .chinese]), ("black-african", 2.5, [.african]), ("black-caribbean", 1.0, [.caribbean]),
        ("black-other", 0.5, [.african, .caribbean]), ("mixed-white-asian", 0.8, [.british, .southAsianMuslim]),
        ("mixed-white-black-african", 0.4, [.british, .african]), ("mixed-white-black-caribbean", 0.9, [.british, .caribbean]),
        ("mixed-other", 0.8, [.british]), ("white-british", 74.4, [.british]), ("white-irish", 0.9, [.irish]),
        ("white-gypsy-traveller", 0.1, [.irish, .british]), ("white-roma", 0.2, [.romanian]),
        ("white-other", 6.2, [.polish, .romanian, .british]), ("other-arab", 0.6, [.arab]), ("other-any", 1.6, [.british, .arab]),
    ]

    /// Census 2021 religion shares; "not answered" becomes "prefer not to say" or not held.
    static let religion: [(String?, Double)] = [
        ("none", 37.2), ("christian", 46.2), ("buddhist", 0.5), ("hindu", 1.7), ("jewish", 0.5), ("muslim", 6.5), ("sikh", 0.9),
        ("other", 0.6), (nil, 6.0),
    ]

    /// Census 2021 sexual orientation shares (16+); "not answered" becomes "prefer not to say" or not held.
    static let orientation: [(String?, Double)] = [("straight", 89.4), ("gay-lesbian", 1.5), ("bisexual", 1.3), ("other", 0.3), (nil, 7.5)]

    static let healthNeeds = [
        "Wheelchair user; needs step-free access", "Hearing impairment; prefers text messages to calls",
        "Sight loss; needs large-print letters", "Arthritis; cannot manage stairs", "Type 1 diabetes; fridge for insulin",
        "COPD; needs ground-floor flat", "Autism; prefers appointments confirmed in writing", "Anxiety; please call before visiting",
        "Learning disability; support worker attends meetings", "Uses a mobility scooter; needs storage and charging",
        "Epilepsy; smoke alarm with strobe", "Dementia; daughter helps with correspondence",
    ]
}
