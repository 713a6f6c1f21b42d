"""Word lists and fixed lookups for the tenant generator (hand-written for the sandbox)."""

from __future__ import annotations

FIRST_NAMES = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mateo", "Amelia",
    "Levi", "Harper", "Ezra", "Evelyn", "Aiden", "Abigail", "Luca", "Emily", "Kai", "Ella", "Leo",
    "Chloé", "Zoë", "Björn", "Søren", "Ayşe", "Mehmet", "Łukasz", "Zofia", "Jürgen", "Anaïs", "José",
    "María", "Hiroshi", "Yuki", "Priya", "Arjun", "Wei", "Mei", "Fatima", "Omar", "Kwame", "Amara",
    "Ingrid", "Lars", "Siobhan", "Ciarán", "Nadia", "Ivan", "Olga", "Tomás", "Inês", "Daan", "Sanne",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
    "Müller", "Schröder", "Nowak", "Kowalski", "Yılmaz", "Öztürk", "de Vries", "van der Berg",
    "O'Brien", "Ní Bhriain", "Nakamura", "Tanaka", "Patel", "Sharma", "Chen", "Wang", "Okafor",
    "Mensah", "Andersson", "Nielsen", "Rossi", "Esposito", "Dubois", "Lefèvre", "Silva", "Santos",
)
COMPANIES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
    "Wonka", "Cyberdyne", "Soylent", "Tyrell", "Vandelay Industries", "Pied Piper", "Aperture",
    "Black Mesa", "Massive Dynamic", "Oscorp", "Gringotts", "Monsters Inc", "Dunder Mifflin", None,
)
TITLES = (
    "Software Engineer", "Senior Software Engineer", "Data Scientist", "Product Manager", "Designer",
    "Account Executive", "Recruiter", "Marketing Manager", "DevOps Engineer", "QA Engineer",
    "Customer Success Manager", "Finance Analyst", "Office Manager", "Sales Engineer", None,
)
JOB_NAMES = (
    "Backend Engineer", "Frontend Engineer", "Full Stack Engineer", "Site Reliability Engineer",
    "Data Engineer", "Machine Learning Engineer", "Product Designer", "Product Manager",
    "Engineering Manager", "Account Executive", "Sales Development Representative",
    "Customer Success Manager", "Technical Recruiter", "People Partner", "Financial Controller",
    "Marketing Lead", "Content Strategist", "Security Engineer", "QA Automation Engineer", "Office Manager",
)
DEPARTMENTS = (  # (name, parent index or None)
    ("Engineering", None), ("Platform", 0), ("Product Engineering", 0), ("Data", 0), ("Product", None),
    ("Design", 4), ("Sales", None), ("Customer Success", 6), ("People", None), ("Finance", None),
    ("Marketing", None), ("Operations", None),
)
OFFICES = (  # (name, location, parent index or None)
    ("Europe", None, None), ("Amsterdam", "Amsterdam, Netherlands", 0), ("Berlin", "Berlin, Germany", 0),
    ("London", "London, United Kingdom", 0), ("North America", None, None),
    ("New York", "New York, NY, United States", 4), ("San Francisco", "San Francisco, CA, United States", 4),
    ("Remote", None, None),
)
STAGES = ("Application Review", "Preliminary Phone Screen", "Phone Interview", "Face to Face", "Reference Check",
          "Offer")
SOURCE_TYPES = ((1, "Agencies"), (2, "Referral"), (3, "Third-party boards"), (4, "Prospecting"),
                (5, "Social media"), (6, "Company marketing"), (7, "Other"))
SOURCES = (  # (name, source type id)
    ("LinkedIn", 3), ("Indeed", 3), ("Glassdoor", 3), ("Company Website", 6), ("Referral", 2),
    ("Agency: TalentCo", 1), ("Sourced: LinkedIn", 4), ("Twitter", 5), ("Career Fair", 6), ("Other", 7),
)
REJECTION_TYPES = {"WE_REJECTED_THEM": (1, "We rejected them"), "THEY_REJECTED_US": (2, "They rejected us"),
                   "NONE_SPECIFIED": (3, "None specified"), "SECURITY_CONCERN": (4, "Security concern")}
REJECTION_REASONS = (
    ("Lacking skill(s)/qualification(s)", "WE_REJECTED_THEM"), ("Culture fit", "WE_REJECTED_THEM"),
    ("Hired another candidate", "WE_REJECTED_THEM"), ("Underqualified", "WE_REJECTED_THEM"),
    ("Compensation", "THEY_REJECTED_US"), ("Took another offer", "THEY_REJECTED_US"),
    ("Location", "THEY_REJECTED_US"), ("Other (add notes below)", "NONE_SPECIFIED"),
    ("Failed background check", "SECURITY_CONCERN"),
)
CLOSE_REASONS = ("Hire - New Headcount", "Hire - Backfill", "Position cancelled", "Budget freeze")
TAGS = ("referral", "silver medalist", "do not contact", "relocation", "visa sponsorship", "diversity event",
        "former employee", "top talent", "campus", "boomerang")
INTERVIEWER_TAGS = ("Technical", "Culture", "Bar raiser", "Manager")
LANGUAGES = ("en", "zh", "zhHant", "nl", "fi", "fr", "de", "iw", "it", "ja", "ko", "no", "pl", "pt", "ru", "es",
             "se", "tg", "th")
TIME_ZONES = (
    "utc", "london", "amsterdam", "berlin", "paris", "madrid", "rome", "stockholm", "warsaw", "athens",
    "moscow", "dubai", "mumbai", "singapore", "hong kong", "tokyo", "sydney", "auckland", "hawaii", "alaska",
    "pacific time (us & canada)", "mountain time (us & canada)", "central time (us & canada)",
    "eastern time (us & canada)", "brasilia", "buenos aires",
)
PHONE_TYPES = ("home", "work", "mobile", "skype", "other")
ADDRESS_TYPES = ("home", "work", "other")
EMAIL_TYPES = ("personal", "work", "other")
WEBSITE_TYPES = ("personal", "company", "portfolio", "blog", "other")
ATTACHMENT_TYPES = ("resume", "cover_letter", "take_home_test", "offer_packet", "offer_letter",
                    "signed_offer_letter", "other", "form_attachment", "midfunnel_agreement", "automated_agreement")
BLOCKED_EXTENSIONS = frozenset({"exe", "bat", "cmd", "com", "msi", "dll", "scr", "sh", "js", "vbs", "jar", "app"})
#: extensions refused only for some attachment types
BLOCKED_BY_TYPE = {"take_home_test": frozenset({"html", "htm"})}
CITIES = ("Amsterdam", "Berlin", "London", "New York", "Austin", "Toronto", "Lisbon", "Warsaw", "Tokyo", "Sydney")
STREETS = ("Main Street", "Keizersgracht", "Unter den Linden", "Baker Street", "Broadway", "Rua Augusta")
NOTE_BODIES = (
    "Strong communicator, follow up next week.", "Asked about remote options.", "Great portfolio.",
    "Needs visa sponsorship.", "Spoke with references; all positive.", "Prefers a start date after summer.",
)
QUESTIONS = (  # job post questions: (name, label, answer_type, options)
    ("first_name", "First Name", "short_text", ()), ("last_name", "Last Name", "short_text", ()),
    ("email", "Email", "short_text", ()), ("resume", "Resume/CV", "attachment", ()),
    ("linkedin", "LinkedIn Profile", "short_text", ()),
    ("work_auth", "Are you authorized to work in this country?", "boolean", ()),
    ("heard_from", "How did you hear about us?", "single_select", ("LinkedIn", "Friend", "Event")),
)
