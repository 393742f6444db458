"""What the demo is made of: its marks (prefixes, actor), its sizes and years, the simulated
clock, and the fixed lists it draws from (directorates, partners, indicators, statuses)."""

from datetime import UTC, datetime

from app.models import (
    Status,
)

#: The mark of everything generated: titles of the copies, milestones, comments, the plan.
DEMO_PREFIX = "[Démo] "
#: Who wrote the demo's reports, values and audit entries.
DEMO_ACTOR = "demo"
DEMO_DIRECTORATE_PREFIX = "DEMO-"
DEMO_INDICATOR_PREFIX = "DEMO-IND-"
DEFAULT_SEED = 2044
MAX_SCALE = 1000
PROGRESS_YEARS = range(2024, 2044)  # 20 yearly reports: 2024-2043
VALUE_YEARS = range(2024, 2045)  # 21 yearly values: 2024-2044
INDICATORS_PER_COPY = 10
MILESTONES_PER_TRACKABLE = 3
COMMUNES_PER_INDICATOR = 3
#: The simulated clock: the plan starts on 1 January 2024.
DEMO_START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
CHUNK = 5000

DIRECTORATES = (
    ("DGS", "Démo — Direction générale des services"),
    ("ENV", "Démo — Direction de l'environnement et de la transition écologique"),
    ("DEV", "Démo — Direction du développement économique"),
    ("HAB", "Démo — Direction de l'habitat et du renouvellement urbain"),
    ("MOB", "Démo — Direction des mobilités"),
    ("AME", "Démo — Direction de l'aménagement du territoire"),
    ("CUL", "Démo — Direction de la culture et du sport"),
    ("SOC", "Démo — Direction de la cohésion sociale et de la santé"),
    ("EMP", "Démo — Direction de l'emploi et de la formation"),
    ("NUM", "Démo — Direction du numérique"),
    ("FIN", "Démo — Direction des finances"),
    ("COM", "Démo — Direction de la communication"),
)
PARTNERS = (
    "Démo — Région Hauts-de-France",
    "Démo — Département du Nord",
    "Démo — État (préfecture du Nord)",
    "Démo — ADEME",
    "Démo — Banque des territoires",
    "Démo — Chambre de commerce et d'industrie",
    "Démo — Université polytechnique Hauts-de-France",
    "Démo — Agence de l'eau Artois-Picardie",
    "Démo — Bailleurs sociaux",
    "Démo — Associations locales",
)
#: (name, unit, direction, baseline, 2030 target, 2044 target, decimals)
INDICATORS = (
    ("Part des énergies renouvelables dans la consommation", "%", "increase", 12, 25, 50, 1),
    ("Émissions de gaz à effet de serre", "kteqCO2", "decrease", 1450, 1100, 600, 0),
    ("Logements rénovés au niveau BBC", "logements", "increase", 300, 4000, 15000, 0),
    ("Aménagements cyclables", "km", "increase", 85, 160, 320, 0),
    ("Taux de chômage", "%", "decrease", 13.5, 11, 8, 1),
    ("Friches requalifiées", "ha", "increase", 20, 90, 250, 0),
    ("Part modale du vélo", "%", "increase", 2, 6, 12, 1),
    ("Artificialisation des sols", "ha/an", "decrease", 60, 35, 5, 0),
    ("Places en crèche pour 100 enfants", "places", "increase", 38, 45, 60, 0),
    ("Déchets ménagers et assimilés par habitant", "kg/hab", "decrease", 620, 540, 400, 0),
)
#: Final statuses drawn for the trackables, with their weights.
STATUSES = (
    (Status.in_progress, 40),
    (Status.completed, 20),
    (Status.planned, 10),
    (Status.delayed, 10),
    (Status.paused, 6),
    (Status.blocked, 5),
    (Status.to_discuss, 5),
    (Status.abandoned, 4),
)
