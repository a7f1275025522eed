"""The demo programme's places, associations and rates. Regions and districts are the real
ones (loaded by `load_geography`, found here by their official codes); the mahallas inside
them are the demo's own (Uzbekistan's mahallas are not in any open classifier)."""

from decimal import Decimal

# where some mahallas are (their committee's office, roughly): photos of works taken far
# from them are flagged to the officer
POSITIONS = {"1727419/Navbahor": (Decimal("41.46890"), Decimal("69.58220")),
             "1727419/Istiqlol": (Decimal("41.48120"), Decimal("69.56010")),
             "1727419/Bog'ishamol": (Decimal("41.50230"), Decimal("69.61150"))}

# district code (SOATO, WFP or COD P-code): demo mahallas in it
DEMO_MAHALLAS = {
    # Toshkent viloyati: Chirchiq, Bekobod and Yangiyo'l, cities of regional significance
    "1727419": ["Navbahor", "Istiqlol", "Bog'ishamol", "Yangi hayot"],
    "1727413": ["Guliston", "Mustaqillik", "Do'stlik"],
    "1727424": ["Navro'z", "Obod", "Tinchlik"],
    # Farg'ona viloyati: Marg'ilon, Qo'qon, Rishton tumani
    "1730412": ["Atlas", "Pillakash", "Ipakchi"],
    "1730405": ["Xo'jand darvoza", "Mo'yi muborak", "Gulbog'"],
    "1730224": ["Kulolchilik", "Chinor", "Bo'ston"],
    # Samarqand viloyati: Urgut, Kattaqo'rg'on and Pastdarg'om tumanlari
    "1718236": ["Qoratepa", "Bulung'ur", "Chorsu"],
    "1718215": ["Ko'kjar", "Yangiobod", "Tinchlik"],
    "1718227": ["Juma", "Ulug'bek", "Bahoriston"],
    # Sughd: Bobojon Ghafurov (around Khujand) and Isfara
    "3505256": ["Unji", "Ovchi", "Histevarz"],
    "3505220": ["Chorku", "Navgilem", "Shahrak"],
    # Issyk-Kul oblast: Issyk-Kul raion; Osh oblast: Kara-Suu raion
    "KG02215000000": ["Tamchy", "Chok-Tal", "Bosteri"],
    "KG06226000000": ["Madaniyat", "Tolikan", "Savai"],
}

# name, host country, host city, registration number, home district code, home mahallas
ASSOCIATIONS = [
    ("Chirchiq Community Moscow", "RU", "Moscow", "RU-MSK-0142", "1727419",
     ["Navbahor", "Istiqlol", "Bog'ishamol"]),
    ("Fergana Valley Workers of St Petersburg", "RU", "Saint Petersburg", "RU-SPB-0077",
     "1730412", ["Atlas", "Pillakash"]),
    ("Urgut Diaspora Yekaterinburg", "RU", "Yekaterinburg", "RU-EKB-0019", "1718236",
     ["Qoratepa", "Chorsu"]),
    ("Bekobod Brotherhood Almaty", "KZ", "Almaty", "KZ-ALA-0051", "1727413",
     ["Guliston", "Do'stlik"]),
    ("Khujand Fellowship Moscow", "RU", "Moscow", "RU-MSK-0233", "3505256", ["Unji", "Ovchi"]),
    ("Issyk-Kul Community Astana", "KZ", "Astana", "KZ-AST-0008", "KG02215000000",
     ["Tamchy", "Bosteri"]),
]

# daily rates to each scheme currency (1 unit = rate), roughly 2026 levels
RATES = {
    "UZS": {"RUB": "151.40", "KZT": "24.80", "USD": "12650.00"},
    "TJS": {"RUB": "0.1180", "KZT": "0.0195", "USD": "10.95"},
    "KGS": {"RUB": "1.0850", "KZT": "0.1790", "USD": "87.45"},
}
