"""Word lists for the tenant generator: names, places, employers, job titles, HTML snippets.

All lists are hand-written for the sandbox; tuples keep them immutable.
"""

from __future__ import annotations

# -- people ------------------------------------------------------------------------------

NL_MALE = (
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Bram", "Thijs", "Jesse", "Ruben", "Lars", "Stijn",
    "Jeroen", "Pieter", "Johannes", "Willem", "Hendrik", "Joost", "Maarten", "Sjoerd", "Wouter",
    "Koen", "Niels", "Bas", "Gert-Jan", "IJsbrand", "Mohamed", "Yusuf", "Hamza", "Emre", "Mehmet",
    "Rik", "Teun", "Jan", "Kees", "Sander", "Tim", "Dirk", "Frank", "Marco", "Erik",
)
NL_FEMALE = (
    "Emma", "Julia", "Sophie", "Tess", "Anna", "Fleur", "Lotte", "Sanne", "Femke", "Eva", "Noor",
    "Lieke", "Marieke", "Anouk", "Ilse", "Inge", "Hanneke", "Esther", "Annemiek", "Jantine",
    "Fatima", "Samira", "Khadija", "Ayşe", "Zeynep", "Zoë", "Chloë", "Renée", "Maaike", "Iris",
    "Merel", "Loes", "Wendy", "Petra", "Saskia", "Linda", "Nicole", "Mirjam", "Yvonne", "Ingrid",
)
NL_PLAIN_LAST = (
    "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
    "Dekker", "Brouwer", "Kok", "Verhoeven", "Willems", "Kuipers", "Vermeulen", "Schouten",
    "Hoekstra", "Koster", "Prins", "Huisman", "Maas", "Postma", "Kramer", "Scholten", "Wijnands",
    "Dijkstra", "Smits", "Jacobs", "Gerritsen", "Claassen", "Bouwman", "Veenstra", "Bulut",
    "Yılmaz", "Öztürk", "Şahin", "El Amrani", "Bouzid", "Benali", "El Idrissi", "Aydın", "Ruijter",
)
#: infix -> last names that usually follow it
NL_INFIX_LAST: dict[str, tuple[str, ...]] = {
    "van": ("Dijk", "Leeuwen", "Beek", "Vliet", "Dam", "Wijk", "Loon", "Rijn", "Doorn", "Gils"),
    "van der": ("Berg", "Meer", "Linden", "Heijden", "Wal", "Veen", "Laan", "Velden", "Sluis", "Ploeg"),
    "de": ("Vries", "Jong", "Boer", "Groot", "Bruijn", "Haan", "Wit", "Graaf", "Lange", "Ruiter", "Leeuw"),
    "van den": ("Berg", "Bosch", "Heuvel", "Broek", "Brink", "Hoek", "Akker"),
    "van de": ("Ven", "Kamp", "Pol", "Water", "Wetering"),
    "ter": ("Horst", "Haar", "Beek"),
    "in 't": ("Veld", "Zandt"),
    "van 't": ("Hof", "Zand"),
    "den": ("Hollander", "Boer"),
    "op de": ("Beek",),
}
NL_INFIX_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("van", 30), ("van der", 20), ("de", 30), ("van den", 10), ("van de", 6), ("ter", 3),
    ("in 't", 2), ("van 't", 2), ("den", 2), ("op de", 1),
)

BE_MALE = ("Wout", "Jef", "Bram", "Sander", "Arne", "Pieter-Jan", "Jens", "Thibault", "Rémi", "Seppe")
BE_FEMALE = ("Lien", "Ine", "Elke", "Lotte", "Fien", "Anaïs", "Margaux", "Hanne", "Joke", "Nele")
BE_LAST = ("Peeters", "Janssens", "Maes", "Claes", "Wouters", "De Smet", "Van Damme", "Goossens",
           "Vandenberghe", "Dupont", "Lambrecht", "Verstraete", "De Backer", "Van Acker")

DE_MALE = ("Lukas", "Jonas", "Jürgen", "Sören", "Björn", "Matthias", "Florian", "Maximilian", "Jörg")
DE_FEMALE = ("Leonie", "Anna", "Käthe", "Jana", "Lena", "Sophie", "Jülide", "Franziska", "Hannelore")
DE_LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Schäfer", "Becker", "Hoffmann",
           "Groß", "Köhler", "Krüger", "Schröder", "Weißmann", "Lehmann")

PL_MALE = ("Łukasz", "Paweł", "Wojciech", "Michał", "Krzysztof", "Piotr", "Tomasz", "Jakub")
PL_FEMALE = ("Katarzyna", "Agnieszka", "Małgorzata", "Zofia", "Joanna", "Magdalena", "Ewa")
PL_LAST_M = ("Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński")
PL_LAST_F = ("Kowalska", "Nowak", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowska", "Szymańska")

FR_MALE = ("François", "Jérôme", "Benoît", "Noël", "Mathieu", "Théo", "Étienne")
FR_FEMALE = ("Chloé", "Hélène", "Léa", "Anaïs", "Céline", "Amélie", "Élodie")
FR_LAST = ("Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Fournier", "Mercier", "Durand",
           "Bérenger", "Rousseau")

ES_MALE = ("José", "João", "Álvaro", "Sergio", "Andrés", "Rui")
ES_FEMALE = ("María", "Inês", "Pilar", "Lucía", "Núria", "Beatriz")
ES_LAST = ("García", "Fernández", "Martínez", "Gonçalves", "Rodríguez", "Pérez", "López", "Sánchez")

NORDIC_MALE = ("Søren", "Bjørn", "Mikael", "Øystein")
NORDIC_FEMALE = ("Åsa", "Ingrid", "Sigrid", "Mette")
NORDIC_LAST = ("Jørgensen", "Nielsen", "Åberg", "Lindqvist", "Hansen")

EMAIL_DOMAINS = {
    "NL": ("gmail.com", "hotmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "live.nl", "icloud.com",
           "planet.nl", "xs4all.nl"),
    "BE": ("gmail.com", "telenet.be", "skynet.be", "hotmail.com"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de"),
    "PL": ("gmail.com", "wp.pl", "onet.pl", "o2.pl"),
    "FR": ("gmail.com", "orange.fr", "free.fr", "laposte.net"),
    "ES": ("gmail.com", "hotmail.es", "sapo.pt"),
    "DK": ("gmail.com", "outlook.com"),
}

# -- places ------------------------------------------------------------------------------

#: (city, province code, first postcode, last postcode)
NL_CITIES: tuple[tuple[str, str, int, int], ...] = (
    ("Amsterdam", "NH", 1011, 1109), ("Rotterdam", "ZH", 3011, 3089), ("Den Haag", "ZH", 2491, 2599),
    ("Utrecht", "UT", 3511, 3585), ("Eindhoven", "NB", 5611, 5658), ("Groningen", "GR", 9711, 9747),
    ("Tilburg", "NB", 5011, 5049), ("Almere", "FL", 1311, 1365), ("Breda", "NB", 4811, 4839),
    ("Nijmegen", "GE", 6511, 6546), ("Apeldoorn", "GE", 7311, 7339), ("Haarlem", "NH", 2011, 2037),
    ("Arnhem", "GE", 6811, 6846), ("Enschede", "OV", 7511, 7548), ("Amersfoort", "UT", 3811, 3829),
    ("Zwolle", "OV", 8011, 8047), ("Leiden", "ZH", 2311, 2334), ("Maastricht", "LI", 6211, 6229),
    ("Dordrecht", "ZH", 3311, 3329), ("Zoetermeer", "ZH", 2711, 2729), ("'s-Hertogenbosch", "NB", 5211, 5247),
    ("Leeuwarden", "FR", 8911, 8939), ("Delft", "ZH", 2611, 2629), ("Alkmaar", "NH", 1811, 1827),
    ("Venlo", "LI", 5911, 5928), ("Deventer", "OV", 7411, 7429), ("Hilversum", "NH", 1211, 1223),
    ("Heerlen", "LI", 6411, 6422), ("Middelburg", "ZE", 4331, 4339), ("Assen", "DR", 9401, 9409),
    ("Emmen", "DR", 7811, 7827), ("IJmuiden", "NH", 1971, 1976), ("Ede", "GE", 6711, 6718),
    ("Zaandam", "NH", 1501, 1509), ("Sneek", "FR", 8601, 8608),
)
NL_PROVINCES = {
    "NH": "Noord-Holland", "ZH": "Zuid-Holland", "UT": "Utrecht", "NB": "Noord-Brabant", "GR": "Groningen",
    "FL": "Flevoland", "GE": "Gelderland", "OV": "Overijssel", "LI": "Limburg", "FR": "Friesland",
    "ZE": "Zeeland", "DR": "Drenthe",
}
BE_CITIES = (("Antwerpen", "VAN", "2000"), ("Gent", "VOV", "9000"), ("Brussel", "BRU", "1000"),
             ("Leuven", "VBR", "3000"), ("Brugge", "VWV", "8000"), ("Hasselt", "VLI", "3500"),
             ("Liège", "WLG", "4000"))
DE_CITIES = (("Düsseldorf", "NW", "40210"), ("Köln", "NW", "50667"), ("Aachen", "NW", "52062"),
             ("Münster", "NW", "48143"), ("Berlin", "BE", "10115"), ("Emmerich am Rhein", "NW", "46446"))
OTHER_CITIES = {
    "PL": (("Wrocław", "DS", "50-001"), ("Kraków", "MA", "30-001"), ("Poznań", "WP", "60-001")),
    "FR": (("Lille", "HDF", "59000"), ("Paris", "IDF", "75011"), ("Strasbourg", "GES", "67000")),
    "ES": (("Barcelona", "CT", "08001"), ("Porto", "13", "4000-001"), ("Málaga", "AN", "29001")),
    "DK": (("København", "84", "1050"), ("Aarhus", "82", "8000")),
}
COUNTRY_NAMES = {"NL": "Nederland", "BE": "België", "DE": "Duitsland", "PL": "Polen", "FR": "Frankrijk",
                 "ES": "Spanje", "DK": "Denemarken"}
STREETS = (
    "Kerkstraat", "Stationsweg", "Dorpsstraat", "Hoofdstraat", "Molenweg", "Julianalaan", "Beatrixstraat",
    "Wilhelminastraat", "Schoolstraat", "Nieuwe Gracht", "Oudegracht", "Laan van Meerdervoort",
    "Prinsengracht", "Burgemeester de Withstraat", "Populierenlaan", "Eikenlaan", "Industrieweg",
    "Marktplein", "Van Speijkstraat", "Tweede Oosterparkstraat", "'s-Gravendijkwal", "Coolsingel",
    "Zeeweg", "Graaf Florisstraat", "Pieter de Hoochstraat", "Händelstraat", "Rue de la Loi",
)
FOREIGN_STREETS = {
    "BE": ("Meir", "Veldstraat", "Rue Neuve", "Kapelsestraat"),
    "DE": ("Königsallee", "Hauptstraße", "Schloßstraße", "Bahnhofstraße"),
    "PL": ("ulica Świdnicka", "ulica Floriańska", "ulica Półwiejska"),
    "FR": ("Rue de la Paix", "Avenue Jean Jaurès", "Rue du Faubourg"),
    "ES": ("Calle Mayor", "Rua de Santa Catarina", "Carrer de Balmes"),
    "DK": ("Strøget", "Nørregade"),
}
PHONE_PREFIX = {"BE": "+32 4", "DE": "+49 15", "PL": "+48 5", "FR": "+33 6", "ES": "+34 6", "DK": "+45 2"}
NL_AREA_CODES = ("010", "020", "030", "040", "050", "070", "073", "076", "0111", "0223", "0346", "0413")

# -- work --------------------------------------------------------------------------------

EMPLOYERS = (
    "Bakkerij De Gouden Korst B.V.", "Van Leeuwen Logistiek", "Zorggroep Oost-Brabant", "TechNova Solutions",
    "Gemeente Amersfoort", "Müller & Söhne GmbH", "Albert Heijn", "Coolblue", "Rabobank", "ASML",
    "Philips", "Bol.com", "NS Reizigers", "KLM", "Heijmans", "Ordina", "Randstad", "Jumbo Supermarkten",
    "Stichting Humanitas", "Hogeschool Utrecht", "Café 't Hoekje", "Société Générale de Transport",
    "Firma Bröring", "De Vries & Zonen V.O.F.", "Accenture", "Capgemini", "PostNL", "UMC Utrecht",
    "Brouwerij 't IJ", "Hotel Krasnapolsky",
)
CLIENTS = (
    "Zorggroep Oost-Brabant", "TechNova Solutions", "Van Leeuwen Logistiek", "Gemeente Amersfoort",
    "Bakkerij De Gouden Korst B.V.", "Müller & Söhne GmbH", "Installatiebedrijf De Boer", "Stichting Humanitas",
    "Drukkerij Åkerlund Benelux", "Transportbedrijf Jansen & Zn.", "Hotel De Wereld", "NovaCare Thuiszorg",
    "Bouwbedrijf Heijmans-Vos", "Fintech Brückner B.V.", "Café-Restaurant 't Pleintje",
)
JOB_TITLES: tuple[tuple[str, int], ...] = (
    ("Senior Java Developer", 1), ("Front-end Developer (React)", 1), ("Data Engineer", 1),
    ("Applicatiebeheerder", 1), ("Software Tester", 1), ("Financieel Administrateur", 2),
    ("Salarisadministrateur", 2), ("Controller", 2), ("Medewerker Crediteurenadministratie", 2),
    ("Logistiek Medewerker (nachtdienst)", 3), ("Heftruckchauffeur", 3), ("Magazijnmedewerker", 3),
    ("Verpleegkundige VIG", 4), ("Zorgcoördinator", 4), ("Helpende Plus", 4),
    ("Servicemonteur Koeltechniek", 5), ("Elektromonteur", 5), ("Werkvoorbereider E-installaties", 5),
    ("Monteur Zonnepanelen", 5), ("Accountmanager Binnendienst", 6), ("Marketing Manager Benelux", 6),
    ("Klantenservicemedewerker Duits", 6), ("HR Business Partner", 7), ("Corporate Recruiter", 7),
    ("Teamleider Productie", 8), ("Operator Productie (2-ploegen)", 8), ("Kok (m/v/x)", 9),
    ("Sous-chef", 9), ("Receptionist(e)", 9), ("Docent Wiskunde", 10), ("Onderwijsassistent", 10),
)
DEPARTMENTS = {
    1: ("ICT", "Development", "IT-beheer"), 2: ("Finance", "Administratie"), 3: ("Logistiek", "Warehouse"),
    4: ("Zorg", "Wijkteam"), 5: ("Service & Onderhoud", "Engineering"), 6: ("Sales", "Marketing"),
    7: ("HR", "Recruitment"), 8: ("Productie",), 9: ("Keuken", "Front office"), 10: ("Onderwijs",),
}
EXPERIENCE_LEVELS = ("Starter", "Medior", "Senior", "Lead")
REMOTE_OPTIONS = ("Op locatie", "Hybride", "Volledig remote")
EMPLOYMENT_TYPES = ("Vast", "Tijdelijk", "Freelance", "Stage", "Bijbaan")

CANDIDATE_NOTES = (
    "Spreekt vloeiend Engels en Duits.", "Wil max. 30 min reizen 🚲", "Voorkeur voor 4×9 rooster",
    "Terugbellen na de zomer ☀️", "Eerder geplaatst bij klant — positief.", "Heeft VCA-certificaat",
    "Zoekt parttime (24–32 uur)", "Salaris-eis > € 4.000", "Ingeschreven via open dag",
)

# -- vacancy texts (HTML) ----------------------------------------------------------------

INTROS = (
    "Ben jij een gedreven <strong>{title}</strong> die graag het verschil maakt? Dan zoeken wij jou!",
    "Voor onze opdrachtgever <em>{client}</em> in {city} zoeken wij een enthousiaste {title}.",
    "Wil jij werken in een team waar collegialiteit en groei centraal staan? Solliciteer als {title}.",
    "We are looking for a motivated <strong>{title}</strong> to join our team in {city}.",
)
TASKS = (
    "Je bent verantwoordelijk voor de dagelijkse planning", "Je werkt nauw samen met collega's en klanten",
    "Je signaleert verbeterpunten en pakt ze op", "Je rapporteert aan de teamleider",
    "Je zorgt voor een correcte administratie", "You take ownership of quality &amp; delivery",
    "Je begeleidt nieuwe collega's", "Je onderhoudt contacten met leveranciers",
)
REQUIREMENTS = (
    "Afgeronde mbo- of hbo-opleiding", "Minimaal 2 jaar relevante werkervaring", "Rijbewijs B",
    "Goede beheersing van de Nederlandse taal", "Fluent in English", "Flexibele instelling",
    "In bezit van VCA-certificaat", "Kennis van Excel en AFAS", "Beschikbaar voor 32–40 uur per week",
)
COMPANY = (
    "<p>{client} is een familiebedrijf met ruim 120 medewerkers en een informele sfeer.</p>",
    "<p>{client} groeit hard en werkt voor klanten in heel de Benelux.</p>",
    "<p>Bij {client} staan mensen centraal. Wij geloven in ontwikkeling &amp; plezier in je werk.</p>",
)
