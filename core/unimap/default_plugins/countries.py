"""Country data for the built-in ``country_code`` and ``phone`` functions.

Covers Europe and the countries European ATS tenants most often see; unknown values pass through.
"""

from __future__ import annotations

# alpha-2: (alpha-3, calling code, names in English / Dutch / German / French)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "NL": ("NLD", "31", ("Netherlands", "The Netherlands", "Nederland", "Holland", "Niederlande", "Pays-Bas")),
    "BE": ("BEL", "32", ("Belgium", "België", "Belgie", "Belgien", "Belgique")),
    "DE": ("DEU", "49", ("Germany", "Duitsland", "Deutschland", "Allemagne")),
    "FR": ("FRA", "33", ("France", "Frankrijk", "Frankreich")),
    "LU": ("LUX", "352", ("Luxembourg", "Luxemburg")),
    "GB": (
        "GBR",
        "44",
        (
            "United Kingdom",
            "UK",
            "Great Britain",
            "England",
            "Verenigd Koninkrijk",
            "Engeland",
            "Großbritannien",
            "Royaume-Uni",
        ),
    ),
    "IE": ("IRL", "353", ("Ireland", "Ierland", "Irland", "Irlande")),
    "ES": ("ESP", "34", ("Spain", "Spanje", "Spanien", "Espagne", "España")),
    "PT": ("PRT", "351", ("Portugal",)),
    "IT": ("ITA", "39", ("Italy", "Italië", "Italie", "Italien", "Italia")),
    "AT": ("AUT", "43", ("Austria", "Oostenrijk", "Österreich", "Autriche")),
    "CH": ("CHE", "41", ("Switzerland", "Zwitserland", "Schweiz", "Suisse")),
    "DK": ("DNK", "45", ("Denmark", "Denemarken", "Dänemark", "Danemark")),
    "SE": ("SWE", "46", ("Sweden", "Zweden", "Schweden", "Suède")),
    "NO": ("NOR", "47", ("Norway", "Noorwegen", "Norwegen", "Norvège")),
    "FI": ("FIN", "358", ("Finland", "Finnland", "Finlande")),
    "PL": ("POL", "48", ("Poland", "Polen", "Pologne", "Polska")),
    "CZ": ("CZE", "420", ("Czech Republic", "Czechia", "Tsjechië", "Tschechien", "Tchéquie")),
    "SK": ("SVK", "421", ("Slovakia", "Slowakije", "Slowakei", "Slovaquie")),
    "HU": ("HUN", "36", ("Hungary", "Hongarije", "Ungarn", "Hongrie")),
    "RO": ("ROU", "40", ("Romania", "Roemenië", "Rumänien", "Roumanie")),
    "BG": ("BGR", "359", ("Bulgaria", "Bulgarije", "Bulgarien", "Bulgarie")),
    "GR": ("GRC", "30", ("Greece", "Griekenland", "Griechenland", "Grèce")),
    "HR": ("HRV", "385", ("Croatia", "Kroatië", "Kroatien", "Croatie")),
    "SI": ("SVN", "386", ("Slovenia", "Slovenië", "Slowenien", "Slovénie")),
    "EE": ("EST", "372", ("Estonia", "Estland", "Estonie")),
    "LV": ("LVA", "371", ("Latvia", "Letland", "Lettland", "Lettonie")),
    "LT": ("LTU", "370", ("Lithuania", "Litouwen", "Litauen", "Lituanie")),
    "TR": ("TUR", "90", ("Turkey", "Turkije", "Türkei", "Turquie", "Türkiye")),
    "UA": ("UKR", "380", ("Ukraine", "Oekraïne")),
    "US": ("USA", "1", ("United States", "USA", "Verenigde Staten", "Vereinigte Staaten", "États-Unis")),
    "CA": ("CAN", "1", ("Canada", "Kanada")),
    "IN": ("IND", "91", ("India", "Indien", "Inde")),
    "MA": ("MAR", "212", ("Morocco", "Marokko", "Maroc")),
    "SR": ("SUR", "597", ("Suriname",)),
    "ZA": ("ZAF", "27", ("South Africa", "Zuid-Afrika", "Südafrika", "Afrique du Sud")),
}

BY_NAME: dict[str, str] = {}
for _code, (_alpha3, _calling, _names) in COUNTRIES.items():
    BY_NAME[_code.casefold()] = _code
    BY_NAME[_alpha3.casefold()] = _code
    for _name in _names:
        BY_NAME[_name.casefold()] = _code
