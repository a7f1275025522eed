"""Real places, associations and schemes for the demo data."""

from decimal import Decimal

# where some mahallas are (their committee's office, roughly): photos of works taken far
# from them are flagged to the officer
POSITIONS = {"Chirchiq/Navbahor": (Decimal("41.46890"), Decimal("69.58220")),
             "Chirchiq/Istiqlol": (Decimal("41.48120"), Decimal("69.56010")),
             "Chirchiq/Bog'ishamol": (Decimal("41.50230"), Decimal("69.61150"))}

# country code: (name, currency, time zone, {region: {district: [mahallas]}})
GEOGRAPHY = {
    "UZ": ("Uzbekistan", "UZS", "Asia/Tashkent", {
        "Toshkent viloyati": {
            "Chirchiq": ["Navbahor", "Istiqlol", "Bog'ishamol", "Yangi hayot"],
            "Bekobod": ["Guliston", "Mustaqillik", "Do'stlik"],
            "Yangiyo'l": ["Navro'z", "Obod", "Tinchlik"],
        },
        "Farg'ona viloyati": {
            "Marg'ilon": ["Atlas", "Pillakash", "Ipakchi"],
            "Qo'qon": ["Xo'jand darvoza", "Mo'yi muborak", "Gulbog'"],
            "Rishton": ["Kulolchilik", "Chinor", "Bo'ston"],
        },
        "Samarqand viloyati": {
            "Urgut": ["Qoratepa", "Bulung'ur", "Chorsu"],
            "Kattaqo'rg'on": ["Ko'kjar", "Yangiobod", "Tinchlik"],
            "Pastdarg'om": ["Juma", "Ulug'bek", "Bahoriston"],
        },
    }),
    "TJ": ("Tajikistan", "TJS", "Asia/Dushanbe", {
        "Sughd": {
            "Khujand": ["Panjshanbe", "Gulshan", "Ravshan"],
            "Isfara": ["Chorku", "Navgilem", "Shahrak"],
        },
    }),
    "KG": ("Kyrgyzstan", "KGS", "Asia/Bishkek", {
        "Osh": {
            "Kara-Suu": ["Madaniyat", "Tolikan", "Savai"],
            "Nookat": ["Kyzyl-Kyshtak", "Mirmahmudov", "Jany-Nookat"],
        },
    }),
}

POPULATION = {"region": 2_900_000, "district": 180_000, "mahalla": 3_500}

# name, host country, host city, registration number, home (country, district, mahallas)
ASSOCIATIONS = [
    ("Chirchiq Community Moscow", "RU", "Moscow", "RU-MSK-0142", "UZ", "Chirchiq",
     ["Navbahor", "Istiqlol", "Bog'ishamol"]),
    ("Fergana Valley Workers of St Petersburg", "RU", "Saint Petersburg", "RU-SPB-0077", "UZ",
     "Marg'ilon", ["Atlas", "Pillakash"]),
    ("Urgut Diaspora Yekaterinburg", "RU", "Yekaterinburg", "RU-EKB-0019", "UZ", "Urgut",
     ["Qoratepa", "Chorsu"]),
    ("Bekobod Brotherhood Almaty", "KZ", "Almaty", "KZ-ALA-0051", "UZ", "Bekobod",
     ["Guliston", "Do'stlik"]),
    ("Khujand Fellowship Moscow", "RU", "Moscow", "RU-MSK-0233", "TJ", "Khujand",
     ["Panjshanbe", "Gulshan"]),
    ("Kara-Suu Community Astana", "KZ", "Astana", "KZ-AST-0008", "KG", "Kara-Suu",
     ["Madaniyat", "Savai"]),
]

# daily rates to each scheme currency (1 unit = rate), roughly 2026 levels
RATES = {
    "UZS": {"RUB": "151.40", "KZT": "24.80", "USD": "12650.00"},
    "TJS": {"RUB": "0.1180", "KZT": "0.0195", "USD": "10.95"},
    "KGS": {"RUB": "1.0850", "KZT": "0.1790", "USD": "87.45"},
}
