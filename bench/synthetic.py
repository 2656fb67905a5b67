"""A synthetic portfolio for the benchmarks: organisations, incubators and startups with their
phases, funding rounds, contributions, events and sponsors, in French, built with bulk_create.

`ensure_portfolio()` rebuilds it only when the database does not already hold this exact data
set: a marker table records a signature of the generator's source, its parameters, the day and the
applied migrations. Import this module only after `django.setup()`.
"""

import datetime
import hashlib
import random
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.text import slugify

from startups.dates import add_months
from startups.enums import PHASE_NAMES, EventKind, FundingSource
from startups.models import (
    Contribution,
    FundingRound,
    Incubator,
    Organisation,
    Phase,
    Startup,
    StartupEvent,
)

MARKER_TABLE = "bench_dataset"
BATCH = 2000

# The vocabulary: data tables, kept one row a line.
# fmt: off
# (name, acronym, type, ministerial domain): the values the real data uses.
ORGANISATIONS = [
    ("Direction interministérielle du numérique", "DINUM", "administration-centrale", "spm"),
    ("Direction générale des Finances publiques", "DGFiP", "administration-centrale", "bercy"),
    ("Direction générale des Entreprises", "DGE", "administration-centrale", "bercy"),
    ("Direction générale des douanes et droits indirects", "DGDDI", "administration-centrale", "bercy"),
    ("Institut national de la statistique et des études économiques", "Insee", "administration-centrale", "bercy"),
    ("Ministère de l'Intérieur", "MI", "administration-centrale", "interieur"),
    ("Direction générale de la Gendarmerie nationale", "DGGN", "administration-centrale", "interieur"),
    ("Direction générale de la Police nationale", "DGPN", "administration-centrale", "interieur"),
    ("Direction générale des Collectivités locales", "DGCL", "administration-centrale", "interieur"),
    ("Ministère de la Justice", "MJ", "administration-centrale", "justice"),
    ("Direction des services judiciaires", "DSJ", "administration-centrale", "justice"),
    ("Direction de la protection judiciaire de la jeunesse", "DPJJ", "administration-centrale", "justice"),
    ("Direction générale de la Santé", "DGS", "administration-centrale", "solidarite-sante"),
    ("Direction générale de l'Offre de soins", "DGOS", "administration-centrale", "solidarite-sante"),
    ("Direction générale de la Cohésion sociale", "DGCS", "administration-centrale", "solidarite-sante"),
    ("Caisse nationale des allocations familiales", "CNAF", "securite-sociale", "solidarite-sante"),
    ("Caisse nationale de l'Assurance maladie", "CNAM", "securite-sociale", "solidarite-sante"),
    ("Caisse nationale d'assurance vieillesse", "CNAV", "securite-sociale", "solidarite-sante"),
    ("Haute Autorité de santé", "HAS", "autre", "solidarite-sante"),
    ("France Travail", "", "operateur", "travail"),
    ("Délégation générale à l'emploi et à la formation professionnelle", "DGEFP", "administration-centrale", "travail"),
    ("Direction de l'animation de la recherche, des études et des statistiques", "DARES", "administration-centrale", "travail"),
    ("Direction générale de l'Enseignement scolaire", "DGESCO", "administration-centrale", "education"),
    ("Direction du numérique pour l'éducation", "DNE", "administration-centrale", "education"),
    ("Direction générale de l'Enseignement supérieur et de l'Insertion professionnelle", "DGESIP", "administration-centrale", "enseignement-sup"),
    ("Direction générale de la Performance économique et environnementale des entreprises", "DGPE", "administration-centrale", "agriculture"),
    ("Direction générale de l'Alimentation", "DGAL", "administration-centrale", "agriculture"),
    ("Office national des forêts", "ONF", "operateur", "agriculture"),
    ("Agence de services et de paiement", "ASP", "operateur", "agriculture"),
    ("Direction générale de la Prévention des risques", "DGPR", "administration-centrale", "environnement"),
    ("Direction générale de l'Aménagement, du Logement et de la Nature", "DGALN", "administration-centrale", "environnement"),
    ("Direction générale de l'Énergie et du Climat", "DGEC", "administration-centrale", "environnement"),
    ("Direction générale des Infrastructures, des Transports et des Mobilités", "DGITM", "administration-centrale", "environnement"),
    ("Agence de la transition écologique", "ADEME", "operateur", "environnement"),
    ("Office français de la biodiversité", "OFB", "operateur", "environnement"),
    ("Agence nationale de l'habitat", "Anah", "operateur", "environnement"),
    ("Agence nationale de la cohésion des territoires", "ANCT", "operateur", "territoires"),
    ("Direction générale de la Création artistique", "DGCA", "administration-centrale", "culture"),
    ("Direction générale des Patrimoines et de l'Architecture", "DGPA", "administration-centrale", "culture"),
    ("Agence nationale du sport", "ANS", "operateur", "sport"),
    ("Direction générale de l'Administration et de la Fonction publique", "DGAFP", "administration-centrale", "spm"),
    ("Service d'information du Gouvernement", "SIG", "administration-centrale", "spm"),
    ("Direction générale de l'Armement", "DGA", "administration-centrale", "armees"),
    ("Secrétariat général pour l'administration du ministère des Armées", "SGA", "administration-centrale", "armees"),
    ("Direction des Français à l'étranger", "DFAE", "administration-centrale", "affaires-etrangeres"),
]
REGIONS = [
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse",
    "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine",
    "Occitanie", "Pays de la Loire", "Provence-Alpes-Côte d'Azur",
]
DEPARTEMENTS = [
    "du Nord", "de la Gironde", "du Rhône", "des Bouches-du-Rhône", "de l'Hérault",
    "de la Haute-Garonne", "du Finistère", "de la Loire-Atlantique", "du Bas-Rhin",
    "de la Seine-Saint-Denis", "du Pas-de-Calais", "de l'Isère", "de la Moselle", "du Calvados",
    "de la Marne", "du Puy-de-Dôme", "de la Savoie", "des Landes", "de la Vienne", "du Var",
    "de La Réunion", "de la Guyane", "de la Martinique", "de la Guadeloupe", "de Mayotte",
    "de l'Aisne", "de la Somme", "du Doubs", "de la Dordogne", "du Morbihan",
]
# Per region and per département ("{}" is its name, with its preposition for départements).
REGIONAL = [
    ("Préfecture de la région {}", "", "service-deconcentre", "interieur"),
    ("Région {}", "", "collectivite-territoriale", "territoires"),
    ("Agence régionale de santé {}", "ARS {}", "operateur", "solidarite-sante"),
]
DEPARTMENTAL = [
    ("Direction départementale des territoires {}", "", "service-deconcentre", "territoires"),
    ("Conseil départemental {}", "", "collectivite-territoriale", "territoires"),
    ("Direction départementale de l'emploi, du travail et des solidarités {}", "", "service-deconcentre", "travail"),
]
# (title, owner's acronym or name)
INCUBATORS = [
    ("Incubateur de services numériques de la DINUM", "DINUM"),
    ("La Fabrique numérique du ministère de l'Intérieur", "MI"),
    ("La Fabrique numérique des ministères sociaux", "DGCS"),
    ("Incubateur des territoires", "ANCT"),
    ("La Fabrique numérique de l'Écologie", "DGPR"),
    ("Lab Santé", "DGS"),
    ("Incubateur de la DGFiP", "DGFiP"),
    ("La Fabrique numérique de l'Éducation", "DNE"),
    ("Incubateur du ministère de la Justice", "MJ"),
    ("Lab France Travail", "France Travail"),
    ("Incubateur de l'Agriculture", "DGPE"),
    ("Incubateur de la CNAF", "CNAF"),
    ("Lab de l'Assurance maladie", "CNAM"),
    ("Fabrique numérique des Armées", "DGA"),
    ("Incubateur de l'Enseignement supérieur", "DGESIP"),
    ("Incubateur de la Culture", "DGCA"),
    ("Fabrique numérique des Douanes", "DGDDI"),
    ("Incubateur de l'ADEME", "ADEME"),
    ("Incubateur de l'Insee", "Insee"),
    ("Incubateur du Sport", "ANS"),
    ("Incubateur de la Gendarmerie", "DGGN"),
    ("Fabrique des mobilités", "DGITM"),
    ("Incubateur de la Fonction publique", "DGAFP"),
    ("Incubateur de l'Habitat", "Anah"),
    ("Incubateur de la Biodiversité", "OFB"),
]

# (words for names, publics, benefits, processes) per policy area.
DOMAINS = [
    (["Logement", "Habitat", "Location", "Toit"],
     ["locataires", "propriétaires bailleurs", "ménages modestes"],
     ["un logement décent", "les aides au logement auxquelles ils ont droit", "un dossier de location vérifié"],
     ["la constitution d'un dossier de location", "le signalement d'un logement indigne"]),
    (["Emploi", "Job", "Recrutement", "Insertion"],
     ["demandeurs d'emploi", "employeurs", "conseillers en insertion"],
     ["un emploi durable", "une formation adaptée", "des candidatures qualifiées"],
     ["le recrutement dans les petites entreprises", "l'accompagnement vers l'emploi"]),
    (["Santé", "Soin", "Médecin", "Patient"],
     ["patients", "professionnels de santé", "établissements de santé"],
     ["un rendez-vous médical rapide", "un parcours de soins coordonné", "leurs données de santé"],
     ["la prise de rendez-vous médical", "la déclaration des effets indésirables"]),
    (["Mobilité", "Trajet", "Permis", "Covoit"],
     ["usagers des transports", "collectivités", "candidats au permis de conduire"],
     ["des trajets moins chers", "une offre de covoiturage", "une place d'examen plus vite"],
     ["l'inscription à l'examen du permis", "le covoiturage du quotidien"]),
    (["École", "Éduc", "Stage", "Orientation"],
     ["enseignants", "élèves", "familles"],
     ["des ressources pédagogiques de qualité", "un accompagnement scolaire", "une place en stage"],
     ["la recherche de stage", "l'orientation des lycéens"]),
    (["Rénov", "Énergie", "Climat", "Chaleur"],
     ["ménages", "artisans du bâtiment", "collectivités"],
     ["des travaux de rénovation énergétique financés", "une facture d'énergie réduite", "un conseiller près de chez eux"],
     ["la rénovation énergétique des logements", "le suivi des consommations d'énergie"]),
    (["Agri", "Ferme", "Récolte", "Élevage"],
     ["agriculteurs", "exploitants agricoles", "éleveurs"],
     ["les aides de la politique agricole commune", "un diagnostic de leur exploitation", "des débouchés locaux"],
     ["la déclaration des surfaces agricoles", "l'installation des jeunes agriculteurs"]),
    (["Entreprise", "Pro", "Marché", "Commerce"],
     ["entreprises", "créateurs d'entreprise", "artisans"],
     ["les aides publiques auxquelles ils ont droit", "l'accès aux marchés publics", "un interlocuteur unique"],
     ["la réponse aux marchés publics", "la création d'entreprise"]),
    (["Justice", "Droit", "Plainte", "Greffe"],
     ["justiciables", "greffiers", "victimes d'infractions"],
     ["un suivi de leur procédure", "l'aide juridictionnelle", "une indemnisation plus rapide"],
     ["le dépôt de plainte en ligne", "le suivi des procédures judiciaires"]),
    (["Handicap", "Autonomie", "Aidant", "Inclusion"],
     ["personnes en situation de handicap", "aidants familiaux", "maisons départementales des personnes handicapées"],
     ["leurs droits plus rapidement", "une orientation adaptée", "un accompagnement personnalisé"],
     ["la demande de prestation de compensation", "la scolarisation des enfants handicapés"]),
    (["Eau", "Rivière", "Environnement", "Déchets"],
     ["collectivités", "citoyens", "inspecteurs de l'environnement"],
     ["une eau potable de qualité", "des données environnementales fiables", "des contrôles mieux ciblés"],
     ["le suivi de la qualité de l'eau", "le contrôle des installations classées"]),
    (["Culture", "Patrimoine", "Musée", "Spectacle"],
     ["lieux culturels", "artistes", "jeunes de 18 ans"],
     ["des offres culturelles près de chez eux", "des financements pour leurs projets", "une billetterie simplifiée"],
     ["la réservation d'activités culturelles", "la demande de subvention culturelle"]),
    (["Sport", "Club", "Stade", "Activité"],
     ["clubs sportifs", "bénévoles associatifs", "collectivités"],
     ["des équipements sportifs accessibles", "des subventions pour leurs projets", "de nouveaux licenciés"],
     ["la recherche d'un club", "la réservation des équipements sportifs"]),
    (["Jeunes", "Étudiant", "Avenir", "Engagement"],
     ["jeunes", "missions locales", "étudiants"],
     ["les aides auxquelles ils ont droit", "une mission de service civique", "un logement étudiant"],
     ["la recherche d'une mission de service civique", "la demande de bourse"]),
    (["Impôts", "Fiscal", "Amendes", "Budget"],
     ["contribuables", "agents des finances publiques", "collectivités"],
     ["un remboursement plus rapide", "une estimation fiable de leur impôt", "des recettes mieux recouvrées"],
     ["le paiement des amendes", "la déclaration des revenus"]),
    (["Sécurité", "Alerte", "Vigie", "Secours"],
     ["forces de l'ordre", "victimes", "maires"],
     ["des informations fiables en intervention", "un accompagnement après un cambriolage", "une alerte en temps réel"],
     ["le dépôt de pré-plainte", "la vérification des armes"]),
    (["Territoires", "Commune", "Urbanisme", "Village"],
     ["élus locaux", "agents territoriaux", "communes rurales"],
     ["un accompagnement de leurs projets", "des financements pour leurs projets", "des données sur leur territoire"],
     ["la recherche de subventions", "l'instruction des permis de construire"]),
    (["Solidarité", "Droits", "Aides", "Social"],
     ["allocataires", "travailleurs sociaux", "personnes âgées"],
     ["les prestations sociales auxquelles ils ont droit", "un accompagnement personnalisé", "une aide d'urgence"],
     ["le calcul des droits sociaux", "la domiciliation des personnes sans domicile"]),
    (["Cantine", "Alim", "Repas", "Nutri"],
     ["cantines scolaires", "consommateurs", "restaurants collectifs"],
     ["des repas de qualité et durables", "une information claire sur les produits", "moins de gaspillage"],
     ["le suivi de la loi EGalim", "le contrôle sanitaire des restaurants"]),
    (["Forêt", "Biodiv", "Nature", "Faune"],
     ["propriétaires forestiers", "naturalistes", "gestionnaires d'espaces naturels"],
     ["un plan de gestion de leur forêt", "des données sur la biodiversité", "des chantiers de plantation financés"],
     ["l'inventaire de la biodiversité", "la plantation de haies"]),
    (["Agents", "Carrière", "Mobilité RH", "Talents"],
     ["agents publics", "recruteurs publics", "managers publics"],
     ["une mobilité choisie", "des outils de travail modernes", "des candidats qualifiés"],
     ["le recrutement dans la fonction publique", "la gestion des carrières"]),
    (["Numérique", "Médiation", "Démarches", "Aidants"],
     ["usagers éloignés du numérique", "aidants numériques", "médiateurs numériques"],
     ["un accompagnement dans leurs démarches en ligne", "un lieu de médiation près de chez eux", "un compte sécurisé"],
     ["l'aide aux démarches en ligne", "la formation aux outils numériques"]),
]
NAME_FORMS = [
    "Mon {w}", "Ma démarche {w}", "{w} Facile", "{w}Connect", "Signal {w}", "Aides {w}",
    "{w} Pro", "France {w}", "Data {w}", "Carto {w}", "{w} Express", "Pass {w}", "Objectif {w}",
    "{w} Territoires", "Dossier {w}", "Espace {w}", "{w} Direct", "Simul'{w}", "{w} Solidaire",
    "Compas {w}", "{w} Ensemble", "Boussole {w}", "{w} Plus", "Radar {w}",
]
VALUES = [
    "un service en ligne simple", "un simulateur fiable", "une démarche entièrement dématérialisée",
    "une carte interactive", "des alertes personnalisées", "un tableau de bord partagé",
    "l'échange de données entre administrations", "un accompagnement humain et numérique",
    "une application mobile", "un formulaire intelligent",
]
GOALS = [
    "réduire le non-recours aux droits", "diminuer les délais de traitement",
    "réduire la charge administrative des agents", "accélérer la transition écologique",
    "améliorer l'accès aux services publics", "lutter contre la fraude",
    "renforcer la confiance dans l'action publique", "réduire les inégalités territoriales",
]
COMMITTEE_COMMENTS = [
    "Poursuite", "Poursuite avec réserves : objectifs d'impact à préciser",
    "Budget alloué pour 6 mois à compter du {date}", "Passage en accélération validé",
    "Budget provisoire de deux mois en attendant les premiers chiffres d'usage",
    "Refinancement : le coût par dossier traité a baissé de 30 %", "",
]
# Typical days spent in each phase before the next one starts.
PHASE_DAYS = {"investigation": (42, 84), "construction": (180, 365), "acceleration": (270, 540)}
IN_PROGRESS_DAYS = {"investigation": 84, "construction": 365, "acceleration": 540}
# fmt: on


def ensure_portfolio(*, startups: int, seed: int) -> bool:
    """Build the portfolio unless the database holds this exact one; True when (re)built."""
    today = timezone.localdate()
    signature = _signature(startups=startups, seed=seed, today=today)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (signature text NOT NULL)")
        cursor.execute(f"SELECT signature FROM {MARKER_TABLE}")
        if cursor.fetchall() == [(signature,)]:
            return False
    with transaction.atomic():
        _truncate()
        build(startups=startups, seed=seed, today=today)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")
            cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s)", [signature])
    with connection.cursor() as cursor:
        # What autovacuum would do soon after an import: fresh statistics, a visibility map.
        cursor.execute("VACUUM ANALYZE")
    return True


def _signature(*, startups, seed, today) -> str:
    applied = sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )
    parts = [Path(__file__).read_text(), str(startups), str(seed), today.isoformat(), *applied]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _truncate():
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("startups").get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def build(*, startups: int, seed: int, today: datetime.date) -> None:
    rng = random.Random(seed)
    organisations = _organisations()
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    by_label = {o.acronym or o.name: o for o in organisations}
    incubators = [
        Incubator(
            slug=slugify(title)[:60],
            title=title,
            owner=by_label[owner],
            short_description=f"{title} accompagne les startups d'État de son administration.",
            contact=f"contact@{slugify(owner)}.example.org",
            website=f"https://{slugify(owner)}.beta.gouv.fr",
            hidden=index == len(INCUBATORS) - 1,
        )
        for index, (title, owner) in enumerate(INCUBATORS)
    ]
    Incubator.objects.bulk_create(incubators, batch_size=BATCH)

    rows = {
        key: [] for key in ("startups", "sponsors", "co", "phases", "rounds", "shares", "events")
    }
    names, slugs = set(), set()
    for index in range(startups):
        _startup(rng, index, today, organisations, incubators, names, slugs, rows)

    Startup.objects.bulk_create(rows["startups"], batch_size=BATCH)
    Startup.sponsors.through.objects.bulk_create(rows["sponsors"], batch_size=BATCH)
    Startup.co_incubators.through.objects.bulk_create(rows["co"], batch_size=BATCH)
    Phase.objects.bulk_create(rows["phases"], batch_size=BATCH)
    FundingRound.objects.bulk_create(rows["rounds"], batch_size=BATCH)
    Contribution.objects.bulk_create(rows["shares"], batch_size=BATCH)
    StartupEvent.objects.bulk_create(rows["events"], batch_size=BATCH)


def _organisations() -> list[Organisation]:
    rows = list(ORGANISATIONS)
    rows += [(n.format(r), a.format(r), k, d) for r in REGIONS for n, a, k, d in REGIONAL]
    rows += [(n.format(p), a, k, d) for p in DEPARTEMENTS for n, a, k, d in DEPARTMENTAL]
    organisations, slugs = [], set()
    for name, acronym, kind, domain in rows[:150]:
        slug = _unique(slugify(acronym or name)[:80], slugs)
        organisations.append(
            Organisation(
                slug=slug, name=name, acronym=acronym, kind=kind, ministerial_domain=domain
            )
        )
    return organisations


def _unique(base: str, taken: set, separator: str = "-") -> str:
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{separator}{n}"
    taken.add(candidate)
    return candidate


def _startup(rng, index, today, organisations, incubators, names, slugs, rows):
    """One startup and its rows; the first one has every kind of row (the 1-startup base)."""
    full = index == 0
    words, publics, benefits, processes = rng.choice(DOMAINS)
    name = rng.choice(NAME_FORMS).format(w=rng.choice(words))
    if name in names:
        name = f"{name} {rng.choice(REGIONS)}"
    name = _unique(name, names, " ")
    slug = _unique(slugify(name), slugs)
    public = rng.choice(publics)
    pitch = rng.choice(
        [
            f"Permettre aux {public} d'obtenir {rng.choice(benefits)} grâce à "
            f"{rng.choice(VALUES)} afin de {rng.choice(GOALS)}.",
            f"Simplifier {rng.choice(processes)} pour les {public}.",
            f"Aider les {public} à obtenir {rng.choice(benefits)}.",
            f"{rng.choice(VALUES).capitalize()} pour faciliter {rng.choice(processes)}.",
        ]
    )
    incubator = rng.choices(incubators, weights=range(len(incubators) + 4, 4, -1))[0]
    startup = Startup(
        slug=slug,
        name=name,
        pitch=pitch,
        description=(
            f"{name} est un service public numérique incubé par {incubator.title}. {pitch} "
            f"Il s'adresse aux {public} partout en France, et vise à {rng.choice(GOALS)}."
        ),
        incubator=incubator,
        contact=f"contact@{slug}.example.org",
        website=f"https://{slug}.beta.gouv.fr" if rng.random() < 0.8 else "",
        repository=f"https://github.com/betagouv/{slug}" if rng.random() < 0.7 else "",
        stats_url=f"https://{slug}.beta.gouv.fr/stats" if rng.random() < 0.4 else "",
        budget_url=f"https://{slug}.beta.gouv.fr/budget" if rng.random() < 0.2 else "",
        impact_url=f"https://{slug}.beta.gouv.fr/impact" if rng.random() < 0.1 else "",
        public_page=rng.random() < 0.2,
    )
    rows["startups"].append(startup)

    sponsor_count = 2 if full else rng.choices(range(5), weights=[10, 45, 25, 12, 8])[0]
    sponsors = rng.sample(organisations, sponsor_count)
    through = Startup.sponsors.through
    rows["sponsors"] += [through(startup=startup, organisation=o) for o in sponsors]
    if full or rng.random() < 0.03:
        other = rng.choice([i for i in incubators if i is not incubator])
        rows["co"].append(Startup.co_incubators.through(startup=startup, incubator=other))

    phases = _phases(rng, startup, today, full)
    rows["phases"] += phases
    rounds, shares = _rounds(rng, startup, phases, sponsors, organisations, today, full)
    rows["rounds"] += rounds
    rows["shares"] += shares
    events = _events(rng, startup, phases, rounds, today, full)
    rows["events"] += events
    # The derived fields, from the rows in memory: inserted with the startup, no second pass.
    startup.set_derived(
        phases=phases,
        committee_dates=[e.date for e in events if e.kind == EventKind.COMMITTEE],
        last_round=max(rounds, key=lambda r: r.start, default=None),
        today=today,
    )


def _career(rng) -> list[str]:
    """The lifecycle a startup goes through, up to its last phase so far."""
    names = ["investigation"]
    if rng.random() < 0.15:
        return [*names, "abandon-investigation"]
    names.append("construction")
    if rng.random() < 0.2:
        return [*names, "abandon"]
    names.append("acceleration")
    final = rng.choices(["consolidation", "opere", "transfere", "abandon"], weights=[3, 2, 2, 2])
    return names + final


def _phases(rng, startup, today, full) -> list[Phase]:
    career = _career(rng)
    count = 3 if full else rng.choices([1, 2, 3, 4], weights=[15, 35, 30, 20])[0]
    names = ["investigation", "construction", "acceleration"] if full else career[:count]
    last = names[-1]
    if rng.random() < 0.02:  # the real data has phases announced in the future
        last_start = today + datetime.timedelta(days=rng.randint(1, 60))
    else:
        last_start = today - datetime.timedelta(
            days=rng.randint(0, IN_PROGRESS_DAYS.get(last, 1500))
        )
    starts = [last_start]
    for name in reversed(names[:-1]):
        starts.insert(0, starts[0] - datetime.timedelta(days=rng.randint(*PHASE_DAYS[name])))
    return [
        Phase(
            startup=startup,
            position=position,
            lifecycle=PHASE_NAMES[name].lifecycle,
            name=name,
            start=start,
            end=starts[position + 1] if position + 1 < len(starts) else None,
        )
        for position, (name, start) in enumerate(zip(names, starts, strict=True))
    ]


def _rounds(rng, startup, phases, sponsors, organisations, today, full):
    last = phases[-1]
    if full:
        count = 2
    elif len(phases) == 1 and last.name == "investigation":
        count = rng.choices([0, 1], weights=[2, 1])[0]
    else:
        count = rng.choices(range(4), weights=[15, 35, 30, 20])[0]
    if PHASE_NAMES[last.name].in_programme:  # the current round: some overdue, some due soon
        start = today - datetime.timedelta(days=rng.randint(0, 200))
    else:
        start = add_months(last.start, -6)
    rounds, shares = [], []
    for number in range(count, 0, -1):
        provisional = number == count and rng.random() < 0.1
        end = add_months(start, rng.randint(1, 2) if provisional else 6)
        granted = Decimal(rng.randrange(100, 900 if number > 1 else 250) * 1000)
        source = FundingSource.FAST if rng.random() < 0.2 else FundingSource.DECISION
        funding_round = FundingRound(
            startup=startup,
            label=f"Tour {number} — S{1 if start.month <= 6 else 2} {start.year}",
            source=source,
            start=start,
            end=end,
            is_provisional=provisional,
            amount_granted=granted,
            amount_spent=(granted * rng.randint(70, 100) / 100).quantize(Decimal("1"))
            if end < today
            else None,
        )
        rounds.insert(0, funding_round)
        funders = sponsors[:2] or [rng.choice(organisations)]
        parts = [granted] if len(funders) == 1 else [granted * 6 / 10, granted * 4 / 10]
        if source == FundingSource.FAST:
            shares.append(
                Contribution(funding_round=funding_round, funder="Fonds FAST", amount=parts[0])
            )
            funders, parts = funders[1:], parts[1:]
        shares += [
            Contribution(funding_round=funding_round, organisation=o, amount=a)
            for o, a in zip(funders, parts, strict=False)
        ]
        start = add_months(start, -6)
    return rounds, shares


def _events(rng, startup, phases, rounds, today, full) -> list[StartupEvent]:
    candidates = []
    for funding_round in rounds:
        day = funding_round.start - datetime.timedelta(days=rng.randint(10, 40))
        comment = rng.choice(COMMITTEE_COMMENTS).format(date=f"{funding_round.start:%d/%m/%Y}")
        candidates.append((EventKind.COMMITTEE, day, comment))
    for phase in phases:
        if phase.name == "construction":
            day = phase.start + datetime.timedelta(days=rng.randint(60, 180))
            candidates.append((EventKind.PRODUCT_LAUNCH, day, "Ouverture du service au public"))
        elif phase.name == "acceleration":
            day = phase.start + datetime.timedelta(days=rng.randint(90, 300))
            comment = "Déploiement sur tout le territoire"
            candidates.append((EventKind.NATIONAL_IMPACT, day, comment))
        elif not PHASE_NAMES[phase.name].in_programme:
            candidates.append((EventKind.END, phase.start, ""))
    if any(r.source == FundingSource.FAST for r in rounds):
        candidates.append((EventKind.FAST, rounds[0].start, "Lauréat du fonds FAST"))
    if rng.random() < 0.2:
        day = phases[0].start + datetime.timedelta(days=rng.randint(0, 400))
        candidates.append((EventKind.OTHER, day, "Présentation au comité de pilotage"))
    keep = len(candidates) if full else min(len(candidates), rng.randint(0, 6))
    kept = sorted(rng.sample(candidates, keep), key=lambda c: c[1])
    return [
        StartupEvent(startup=startup, kind=kind, name=kind.value, date=day, comment=comment)
        for kind, day, comment in kept
        if day <= today + datetime.timedelta(days=60)
    ]
