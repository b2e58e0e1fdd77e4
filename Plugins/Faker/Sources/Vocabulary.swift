/// Word lists the providers draw from. Small on purpose: variety comes from combining them.
enum Vocabulary {
    static let firstNames = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
                             "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
                             "Aisha", "Wei", "Priya", "Mateo", "Sofia", "Yuki", "Olga", "Kwame", "Fatima", "Lars"]
    static let lastNames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
                            "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
                            "Lee", "Nguyen", "Patel", "Kowalski", "Okafor", "Tanaka", "Müller", "Rossi", "Dubois", "Novak"]
    static let streets = ["Main", "Oak", "Lake Shore", "Maple", "Cedar", "Elm", "Washington", "Lincoln", "Park", "Michigan",
                          "Clark", "State", "Halsted", "Division", "Belmont", "Montrose", "Foster", "Ashland", "Western", "Pine"]
    static let streetSuffixes = ["St", "Ave", "Blvd", "Dr", "Rd", "Ln", "Way", "Ct"]
    static let cities = ["Chicago", "Springfield", "Madison", "Milwaukee", "Detroit", "Cleveland", "Toronto", "Minneapolis",
                         "St. Louis", "Indianapolis", "Columbus", "Berlin", "Lyon", "Porto", "Kraków", "Osaka", "Lagos", "Pune"]
    static let countries = ["United States", "Canada", "Mexico", "Germany", "France", "Portugal", "Poland", "Japan", "Nigeria",
                            "India", "Brazil", "Italy", "Spain", "Sweden", "Kenya", "Australia"]
    static let companyStems = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
                               "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Monarch", "Aperture", "Oscorp"]
    static let companySuffixes = ["Inc", "LLC", "Ltd", "Group", "Holdings", "Corp", "& Sons", "Labs"]
    static let jobs = ["Data Engineer", "Nurse", "Teacher", "Accountant", "Electrician", "Pharmacist", "Architect", "Chef",
                       "Lifeguard", "Site Reliability Engineer", "Paralegal", "Welder", "Statistician", "Barista", "Pilot"]
    static let domains = ["example.com", "example.org", "example.net", "mail.test", "inbox.test"]
    static let lorem = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
                        "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "minim", "veniam"]
    static let userAgents = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1",
    ]
    /// The six beaches of the City of Chicago sensor data set, with typical water temperature (°C).
    /// `code` is the name as the sensors' text line writes it.
    static let beaches: [(name: String, code: String, temperature: Double)] = [
        ("Montrose Beach", 18.5), ("Ohio Street Beach", 19.0), ("Calumet Beach", 19.5),
        ("63rd Street Beach", 19.2), ("Osterhout Beach", 18.0), ("Rainbow Beach", 19.8),
    ].map { ($0.0, String($0.0.map { $0 == " " ? "_" : $0 }), $0.1) }
    static let currencies = ["USD", "EUR", "GBP", "CAD", "JPY"]
    static let orderStatuses = ["created", "paid", "shipped", "delivered", "cancelled"]
    static let paymentMethods = ["card", "paypal", "bank_transfer", "gift_card"]
}
