"""A committee, its next session and semester reports in every state, for the demo.

For the incubator of the demo accounts (setup_demo), on real startups of the imported portfolio
(those with demo metrics first, see setup_demo_metrics): a session three weeks from today with
six startups on its agenda and their reports, written from each startup's real pitch and moved
through the workflow by the same services as the pages. The demo intrapreneur's startup only
gets a started draft, for a newcomer to fill in. Idempotent: an existing committee, upcoming
session, agenda item or report is left as it is.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from metrics.enums import BudgetNature
from metrics.startup_metrics import startup_efficiency, startup_money, startup_series
from startups.management.commands.setup_demo import (
    DEMO_ACCOUNTS,
    DEMO_INCUBATOR,
    DEMO_SPONSOR,
    DEMO_STARTUP,
)
from startups.models import Incubator, IncubatorStaff, Organisation, Startup

from ...enums import DocumentKind, MemberRole, ReportStatus, SessionKind, Standard
from ...models import Committee, CommitteeMember, Review, SemesterReport, Session
from ...reports.prefill import report_prefill
from ...reports.sections import SECTIONS
from ...reports.services import (
    report_accept,
    report_request_changes,
    report_section_save,
    report_start,
    report_submit,
)
from ...tasks import document_request

COMMITTEE = "Comité d’investissement de l’incubateur de la DINUM"
SESSION_IN_DAYS = 21
SESSION_TIME = datetime.time(14, 0)
SESSION_PLACE = "DINUM, 20 avenue de Ségur, 75007 Paris"
STAFF_EMAIL = DEMO_ACCOUNTS[1][0]
INTRAPRENEUR_EMAIL = DEMO_ACCOUNTS[3][0]
CHAIR_EMAIL = DEMO_ACCOUNTS[2][0]
# Two more voting sponsors' representatives, for the live session's quorum and tallies.
VOTERS = [
    ("sponsor2@comite.example", "Morgan", "Sponsor"),
    ("sponsor3@comite.example", "Louise", "Sponsor"),
]
VOTER_PASSWORD = "comite-demo-2026"
QUORUM = 2


def standards(now: str, next_: str) -> dict[str, str]:
    """The programme's standards, each 'yes'/'partly'/'no' today and in six months, written as
    two strings of one letter per standard, in the order of `Standard`: y, p, n."""
    letters = {"y": "yes", "p": "partly", "n": "no"}
    data = {}
    for standard, today, later in zip(Standard, now, next_, strict=True):
        data[f"{standard.value}_now"], data[f"{standard.value}_next"] = (
            letters[today],
            letters[later],
        )
    return data


@dataclass(frozen=True)
class DemoReport:
    """A report as its team wrote it (the first version), where the workflow has taken it,
    the incubator's comments on the first version and what the team changed after them."""

    slug: str
    outcome: ReportStatus | None  # None: on the agenda with no report at all
    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    revised: dict[str, dict[str, str]] = field(default_factory=dict)
    default_amount: str = "350000"
    # The team's explanation of each of the last committee's objectives, by due date.
    explanations: tuple[str, ...] = ()


REPORTS = [
    # The demo intrapreneur's startup: a draft started from its pitch, for a newcomer to write.
    DemoReport(DEMO_STARTUP, ReportStatus.DRAFT),
    DemoReport(
        "gestion.subventions.locales",
        ReportStatus.SUBMITTED,
        explanations=(
            "Dépassé : les demandes déposées par mois ont été multipliées par plus de quatre "
            "depuis le lancement de janvier.",
            "En bonne voie si la généralisation à toutes les préfectures se fait pour la "
            "campagne DETR 2027.",
        ),
        sections={
            "identity": {
                "pitch": "Permettre aux agents des préfectures d’instruire et de programmer les "
                "subventions d’investissement aux collectivités (DETR, DSIL…) sans tableur, grâce "
                "à un outil partagé de l’instruction au suivi financier, afin que les projets "
                "des collectivités démarrent plus tôt.",
                "problem": "Chaque année, l’État accorde 2 milliards d’euros de subventions "
                "d’investissement aux collectivités. En 2023, plus de 40 000 projets ont été "
                "déposés et 24 000 retenus. Les préfectures programment ces dossiers dans des "
                "tableurs faits maison : la saisie est doublée, les erreurs fréquentes et "
                "l’administration centrale attend des mois les bilans des dotations.",
                "solution": "Turgot, un service en ligne pour les agents des préfectures et des "
                "sous-préfectures : les dossiers déposés sur Démarche Numérique y arrivent "
                "directement, la programmation se fait à plusieurs dans le même outil et les "
                "arrêtés et tableaux de suivi sont produits sans ressaisie.",
            },
            "last_semester": {
                "targets_review": "Objectif du dernier comité : déployer Turgot dans 35 "
                "préfectures. Nous l’avons dépassé : les demandes déposées par mois ont été "
                "multipliées par plus de quatre depuis le lancement de janvier, et la première "
                "vague de programmation DETR s’est faite entièrement dans Turgot dans les "
                "départements pilotes. L’objectif de satisfaction (NPS supérieur à 5) est "
                "atteint ; la baisse de moitié du temps de programmation reste à mesurer "
                "finement, nous n’avons que des entretiens.",
                "delivered": "Import automatique des dossiers depuis Démarche Numérique ; "
                "programmation à plusieurs avec l’historique des décisions ; génération des "
                "arrêtés attributifs ; tableau de bord départemental ; homologation de sécurité "
                "pour un an.",
                "demo_url": "https://turgot.beta.gouv.fr/",
                "learnings": "La programmation se décide en sous-préfecture autant qu’en "
                "préfecture : il faut des droits par arrondissement. Les agents gardent un "
                "tableur tant que l’export vers Chorus n’existe pas.",
            },
            "impact": {
                "reading": "Le service est utilisé : les agents instructeurs actifs chaque mois "
                "ont été multipliés par six et la satisfaction des collectivités progresse. Le "
                "coût par demande déposée baisse à chaque semestre parce que le nombre de "
                "préfectures augmente plus vite que l’équipe.",
                "market_penetration": "Une centaine de préfectures et sous-préfectures "
                "équipées sur les 101 départements visés d’ici fin 2027.",
                "policy_effect": "Premières mesures du délai entre dépôt et attribution dans "
                "les départements pilotes : à confirmer sur une campagne complète.",
            },
            "next_semester": {
                "vision": "Toutes les préfectures programment et suivent les subventions aux "
                "collectivités dans Turgot, et la DGCL publie les bilans des dotations en "
                "quelques jours au lieu de plusieurs mois.",
                "market_estimate": "Effectifs des bureaux des dotations transmis par la DGCL "
                "en 2025 ; collectivités bénéficiaires de la DETR 2024.",
                "changes": "La loi de finances 2027 fusionne deux dotations : une campagne de "
                "plus à programmer dans l’outil.",
                "market_size": "Environ 1 500 agents dans 101 préfectures et leurs "
                "sous-préfectures ; 16 000 collectivités bénéficiaires.",
                "priority_1": "Généraliser le déploiement à toutes les préfectures pour la "
                "campagne DETR 2027.",
                "criterion_1": "80 préfectures ont programmé leur campagne 2027 dans Turgot.",
                "priority_2": "Suivre l’exécution financière jusqu’au paiement.",
                "criterion_2": "Moins de 20 % des agents déclarent encore un tableur de suivi.",
                **standards("pyypyyypppy", "yyyyyyyyypy"),
            },
            "request": {
                "breakdown": "Comme le budget prévisionnel saisi dans Comité.",
                "team": "Une intrapreneure DGCL, un coach, trois développeurs, une designer, "
                "un chargé de déploiement.",
                "team_size": "6.5",
                "scenarios": "Avec le budget demandé : toutes les préfectures pour la campagne "
                "2027. Avec les trois quarts : le déploiement sans le suivi jusqu’au paiement. "
                "Avec la moitié : la maintenance et les départements déjà équipés.",
                "support_sponsor_needs": "Une instruction de la DGCL aux préfets pour la "
                "campagne 2027.",
                "support_sponsor_objectives": "80 préfectures programment dans Turgot.",
                "support_incubator_needs": "Un coach à mi-temps et l’appui juridique pour "
                "l’export Chorus.",
                "support_incubator_objectives": "L’export vers Chorus ouvert avant juin.",
                "blockers": "L’accès à l’API de Chorus pour l’export des engagements.",
                "without_funding": "Le déploiement s’arrête aux départements pilotes ; les "
                "autres préfectures gardent leurs tableurs pour la campagne 2027.",
            },
        },
    ),
    DemoReport(
        "la-bonne-alternance",
        ReportStatus.CHANGES_REQUESTED,
        explanations=(
            "Atteint : les candidatures envoyées par mois ont progressé avec l’ouverture aux CFA.",
            "En retrait : la baisse des aides à l’embauche réduit les offres ; nous visons les grandes entreprises.",
        ),
        sections={
            "identity": {
                "pitch": "Permettre aux jeunes de trouver une formation et une entreprise "
                "pour entrer en alternance, grâce à un moteur qui réunit les offres de "
                "formation, les offres d’emploi et les entreprises qui recrutent sans publier "
                "d’offre, afin d’augmenter les entrées en apprentissage.",
                "problem": "Une entrée en alternance demande l’accord d’un candidat, d’un "
                "employeur et d’un centre de formation. Les informations sont dispersées, les "
                "jeunes les moins renseignés abandonnent, et les petites entreprises peinent à "
                "publier leurs offres sur des sites d’emploi coûteux.",
                "solution": "Un moteur de recherche unique des formations en apprentissage, "
                "des offres d’emploi en alternance et des entreprises susceptibles de "
                "recruter ; des candidatures sans création de compte et une réponse rapide "
                "pour les recruteurs.",
            },
            "last_semester": {
                "targets_review": "L’objectif de candidatures envoyées n’est pas atteint : "
                "elles baissent depuis un an, comme les contrats d’apprentissage signés "
                "depuis la réduction des aides à l’embauche.",
                "delivered": "Nouvelle page de résultats, candidatures depuis les offres des "
                "partenaires, espace recruteur simplifié.",
                "learnings": "Les candidats viennent surtout de France Travail et de "
                "Parcoursup : notre audience dépend de ces partenaires.",
            },
            "impact": {
                "reading": "Les indicateurs baissent avec le marché de l’apprentissage.",
                "market_penetration": "",
                "policy_effect": "",
            },
            "next_semester": {
                "vision": "Être le point d’entrée public de l’alternance pour les candidats et "
                "les petites entreprises.",
                "market_size": "Environ 850 000 entrées en apprentissage par an.",
                "market_estimate": "Entrées en apprentissage 2025 publiées par la DARES.",
                "changes": "La baisse de l’aide à l’embauche des apprentis réduit les offres "
                "des petites entreprises.",
                "priority_1": "Refondre l’espace recruteur.",
                "criterion_1": "Deux fois plus d’offres déposées directement par des "
                "entreprises de moins de 50 salariés.",
                **standards("yyypyyyyppy", "yyyyyyyyyyy"),
            },
            "request": {
                "breakdown": "Une développeuse de plus pour l’espace recruteur.",
                "team": "Un intrapreneur DGEFP, une cheffe de produit, quatre développeurs, "
                "un designer, deux chargés de déploiement.",
                "team_size": "7",
                "support_sponsor_needs": "Les données des contrats d’apprentissage de la DGEFP, "
                "chaque semaine.",
                "support_sponsor_objectives": "Des offres à jour à moins de sept jours.",
                "blockers": "",
                "without_funding": "Le service reste en maintenance, sans nouvelle fonctionnalité.",
            },
        },
        comments={
            "impact": "Le coût par candidature est passé de 1,05 € à 1,31 € en un an (voir le "
            "coût par impact) : la baisse du marché n’explique pas tout. Dites ce qui, dans le "
            "service, explique la baisse des candidatures et ce que vous faites pour "
            "l’inverser.",
            "request": "Le budget demandé augmente quand les candidatures baissent : "
            "justifiez la développeuse de plus par l’impact attendu, ou proposez un budget "
            "constant.",
        },
        revised={
            "impact": {
                "reading": "Les candidatures baissent de 10 % en un an quand les entrées en "
                "apprentissage baissent de 4 % : nous perdons aussi de l’audience. Deux causes "
                "dans le service : les offres des partenaires, devenues majoritaires, sont "
                "souvent déjà pourvues, et un candidat sur trois ne reçoit aucune réponse. "
                "Nous retirons les offres de plus de 60 jours et relançons les recruteurs "
                "sans réponse après 7 jours.",
                "market_penetration": "Environ 6 % des entrées en apprentissage passent par "
                "une candidature envoyée depuis La bonne alternance.",
                "policy_effect": "",
            },
        },
    ),
    DemoReport(
        "sante-psy-etudiant",
        ReportStatus.ACCEPTED,
        explanations=(
            "Atteint grâce au relais des services de santé universitaires.",
            "En bonne voie : la campagne de rentrée a doublé les séances réservées.",
        ),
        sections={
            "identity": {
                "pitch": "Permettre aux étudiants de consulter gratuitement un psychologue "
                "près de chez eux, grâce à un réseau de psychologues partenaires payés "
                "directement par les universités, afin de prévenir les troubles de santé "
                "mentale pendant les études.",
                "problem": "La crise sanitaire a révélé et aggravé la détresse psychologique "
                "des étudiants. Une consultation coûte cher, les services de santé "
                "universitaires sont saturés et beaucoup d’étudiants ne savent pas à qui "
                "s’adresser.",
                "solution": "Santé Psy Étudiant : un annuaire de psychologues partenaires, "
                "des séances sans avance de frais sur orientation d’un médecin, un outil de "
                "suivi et de facturation pour les psychologues, et des campagnes pour faire "
                "connaître le dispositif.",
            },
            "last_semester": {
                "targets_review": "Objectif du dernier comité atteint : les séances réalisées "
                "par mois ont dépassé la cible grâce à la rentrée et aux partenariats avec "
                "Doctolib et le Pass Culture.",
                "delivered": "Prise de rendez-vous en ligne chez les psychologues partenaires, "
                "facturation simplifiée pour les universités, nouvelle campagne de rentrée.",
                "demo_url": "https://santepsy.etudiant.gouv.fr/",
                "learnings": "Les étudiants arrivent par les réseaux sociaux et les services "
                "de santé universitaires plus que par leur médecin traitant.",
            },
            "impact": {
                "reading": "Usage en forte hausse (les séances par mois ont progressé de plus "
                "de moitié en deux ans), satisfaction stable et élevée ; le coût par séance "
                "baisse à chaque semestre.",
                "market_penetration": "Environ 1,5 % des 2,9 millions d’étudiants suivis "
                "chaque mois.",
                "policy_effect": "Une évaluation avec la DGESIP est en cours sur le recours "
                "aux soins des étudiants suivis.",
            },
            "next_semester": {
                "vision": "Chaque étudiant en difficulté trouve un psychologue en moins d’une "
                "semaine, où qu’il étudie.",
                "market_size": "2,9 millions d’étudiants.",
                "market_estimate": "Effectifs de l’enseignement supérieur 2025-2026 (SIES).",
                "priority_1": "Recruter des psychologues dans les territoires sous-dotés.",
                "criterion_1": "Un rendez-vous disponible sous sept jours dans 90 % des "
                "départements.",
                "priority_2": "Mesurer l’effet des séances avec la DGESIP.",
                "criterion_2": "Premiers résultats de l’évaluation publiés.",
                **standards("yyyyyyyyypy", "yyyyyyyyyyy"),
            },
            "request": {
                "breakdown": "Comme le budget prévisionnel saisi dans Comité.",
                "team": "Une intrapreneure DGESIP, un coach, deux développeurs, une chargée "
                "de communication, une chargée de déploiement.",
                "team_size": "4.5",
                "support_sponsor_needs": "Le relais des universités pour la campagne de rentrée.",
                "support_sponsor_objectives": "Toutes les universités annoncent le service à la "
                "rentrée.",
                "support_partners_needs": "Les CROUS pour les données de logement.",
                "support_partners_objectives": "Un parcours logement complet.",
                "blockers": "",
                "without_funding": "Le dispositif continue, mais sans outil de facturation "
                "les universités reviennent aux factures papier.",
            },
        },
    ),
    DemoReport(
        "envirogend",
        ReportStatus.ACCEPTED,
        explanations=(
            "Manqué de peu : le déploiement dans quatre départements a pris un trimestre de plus.",
            "En bonne voie avec les brigades formées cet automne.",
        ),
        sections={
            "identity": {
                "pitch": "Permettre aux maires de sanctionner les dépôts sauvages, grâce à un "
                "outil qui rédige la procédure administrative et les met en relation avec la "
                "gendarmerie, afin que les atteintes à l’environnement soient réparées.",
                "problem": "Plus d’un million de tonnes de déchets sont déposées sauvagement "
                "chaque année ; une commune dépense environ 60 000 € par an à les ramasser. "
                "Très peu d’auteurs sont sanctionnés : les procédures sont complexes et les "
                "maires ne savent pas quel service saisir.",
                "solution": "Protect’Envi, avec le commandement pour l’environnement et la "
                "santé de la Gendarmerie nationale : les communes rédigent leur procédure "
                "administrative pas à pas et reçoivent un accompagnement personnalisé.",
            },
            "last_semester": {
                "targets_review": "Objectif : 200 procédures rédigées. Nous en sommes à 140 ; "
                "le déploiement s’est fait avec les brigades de quatre départements.",
                "delivered": "Rédaction guidée de la procédure, modèles de courriers, "
                "tableau de suivi pour les communes.",
                "learnings": "Les maires attendent surtout un appui juridique.",
            },
            "impact": {
                "reading": "Premières sanctions prononcées grâce aux procédures rédigées dans "
                "l’outil ; trop tôt pour mesurer un recul des dépôts.",
                "market_penetration": "140 communes sur 35 000.",
                "policy_effect": "",
            },
            "next_semester": {
                "vision": "Chaque commune confrontée à un dépôt sauvage engage une procédure "
                "en moins d’une heure.",
                "market_size": "35 000 communes.",
                "market_estimate": "Les communes de France métropolitaine et d’outre-mer "
                "(INSEE, code officiel géographique).",
                "priority_1": "Étendre le service à dix départements avec la gendarmerie.",
                "criterion_1": "600 procédures rédigées.",
                **standards("nyyppypnpnp", "yyyyyyyypyy"),
            },
            "request": {
                "breakdown": "",
                "team": "Un intrapreneur de la gendarmerie, une coach, deux développeurs, "
                "une juriste.",
                "team_size": "5",
                "support_partners_needs": "Le relais de l’Association des maires de France.",
                "support_partners_objectives": "500 communes utilisatrices.",
                "blockers": "",
                "without_funding": "Le service reste ouvert aux quatre départements pilotes.",
            },
        },
        comments={
            "last_semester": "Ajoutez un lien vers une démonstration et dites combien de "
            "procédures ont abouti à une sanction : c’est l’impact que le comité attend.",
            "request": "Détaillez la répartition du budget par activité : la juriste est-elle "
            "financée sur ce tour ?",
        },
        revised={
            "last_semester": {
                "targets_review": "Objectif : 200 procédures rédigées. Nous en sommes à 140, "
                "dont 38 ont abouti à une sanction administrative ou à une réparation par "
                "l’auteur ; le déploiement s’est fait avec les brigades de quatre "
                "départements.",
                "demo_url": "https://www.protect-envi.beta.gouv.fr/",
            },
            "request": {
                "breakdown": "Développement 45 %, produit et accompagnement 25 %, appui "
                "juridique 20 % (la juriste, financée sur ce tour), hébergement 10 %.",
            },
        },
        default_amount="380000",
    ),
    # On the agenda with no report at all: "Manquant" on the staff's list.
    DemoReport("jeveuxaider", None),
]


def cleaned(key: str, data: dict[str, str]) -> dict[str, str]:
    """The section as the page would store it: through its form."""
    form = SECTIONS[key](data=data)
    if not form.is_valid():
        raise CommandError(f"Section {key} de démonstration invalide : {form.errors.as_text()}")
    return form.stored()


class Command(BaseCommand):
    help = (
        "Crée le comité d’investissement de l’incubateur de démonstration, sa prochaine séance "
        "et des bilans semestriels dans chaque état, pour de vraies startups du portefeuille."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)

    def handle(self, *, today=None, **options):
        today = today or timezone.localdate()
        incubator = Incubator.objects.filter(slug=DEMO_INCUBATOR).first()
        if incubator is None:
            self.stdout.write(
                f"Incubateur « {DEMO_INCUBATOR} » absent : pas de bilans de démonstration."
            )
            return
        self.created = []
        self.today = today
        with transaction.atomic():
            session = self.session(incubator, today)
            self.agenda(session, incubator)
            self.members(session.committee, session)
            if not session.documents.filter(kind=DocumentKind.PACK).exists():
                # Rendered here when no broker is configured, else by the workers.
                document_request(session=session, kind=DocumentKind.PACK)
                self.created.append("dossiers de séance (PDF)")
        if self.created:
            self.stdout.write(
                "Bilans de démonstration (textes rédigés pour la démonstration d’après le pitch "
                "réel de chaque startup) :"
            )
            for line in self.created:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write("Rien de nouveau : le comité, sa séance et les bilans sont déjà là.")

    def session(self, incubator, today) -> Session:
        # The rules are set when the committee is made; a change people make later stays.
        committee, created = Committee.objects.get_or_create(
            name=COMMITTEE, defaults={"incubator": incubator, "quorum": QUORUM}
        )
        if created:
            self.created.append(f"comité « {committee} »")
        # Its own session only: one that people planned (with a `created_by`) is never
        # touched, even on the demo committee.
        session = (
            committee.sessions.upcoming(today=today)
            .filter(created_by__isnull=True, place=SESSION_PLACE, kind=SessionKind.MEETING)
            .first()
        )
        if session is None:
            day = today + datetime.timedelta(days=SESSION_IN_DAYS)
            session = Session.objects.create(
                committee=committee,
                starts_at=timezone.make_aware(datetime.datetime.combine(day, SESSION_TIME)),
                place=SESSION_PLACE,
            )
            self.created.append(
                f"séance du {day:%d/%m/%Y} à {SESSION_TIME:%H} h, bilans attendus le "
                f"{session.report_due_on:%d/%m/%Y}"
            )
        return session

    def agenda(self, session, incubator):
        staff = User.objects.filter(email=STAFF_EMAIL).first()
        intrapreneur = User.objects.filter(email=INTRAPRENEUR_EMAIL).first()
        startups = Startup.objects.in_bulk([demo.slug for demo in REPORTS], field_name="slug")
        for position, demo in enumerate(REPORTS):
            startup = startups.get(demo.slug)
            if startup is None:
                self.created.append(f"{demo.slug} : absente du portefeuille, ignorée")
                continue
            review, created = Review.objects.get_or_create(
                session=session, startup=startup, defaults={"position": position}
            )
            if created:
                self.created.append(f"{startup.name} : inscrite à l’ordre du jour")
            if staff and startup.incubator_id != incubator.pk:
                # Démarche Numérique belongs to the DINUM's other incubator: the portfolio
                # manager of the demo reviews its report too.
                _, added = IncubatorStaff.objects.get_or_create(
                    user=staff, incubator=startup.incubator
                )
                if added:
                    self.created.append(
                        f"{staff.email} : aussi dans l’équipe de « {startup.incubator} »"
                    )
            if demo.outcome is None:
                continue
            semester = review.semester
            if SemesterReport.objects.filter(startup=startup, semester=semester.key).exists():
                continue
            team = intrapreneur if demo.slug == DEMO_STARTUP else None
            report = self.write(startup, demo, semester, team=team, staff=staff)
            versions = report.versions.count()
            self.created.append(
                f"{startup.name} : bilan du {semester} « {report.get_status_display()} », "
                f"{versions} version{'s' if versions > 1 else ''}"
            )

    def write(self, startup, demo: DemoReport, semester, *, team, staff) -> SemesterReport:
        report = report_start(startup=startup, semester=semester, by=team)
        if not demo.sections:
            return report
        sections = {key: dict(data) for key, data in demo.sections.items()}
        sections["request"] |= {
            "amount": self.amount(startup, semester, demo.default_amount),
            "duration_months": "6",
        }
        prefill = report_prefill(startup, semester=semester, today=self.today)
        sections["last_semester"] |= {
            f"explanation_{row['pk']}": text
            for row, text in zip(prefill["objectives"], demo.explanations, strict=False)
        }
        if impact := self.targeted_impact(startup):
            sections["request"].setdefault("targeted_impact", impact)
        self.save(report, sections, team)
        report_submit(report=report, by=team, today=self.today)
        if demo.comments:
            report_request_changes(report=report, comments=demo.comments, by=staff)
            revised = {key: sections[key] | changes for key, changes in demo.revised.items()}
            self.save(report, revised, team)
            if demo.outcome == ReportStatus.ACCEPTED:
                report_submit(report=report, by=team, today=self.today)
        if demo.outcome == ReportStatus.ACCEPTED:
            report_accept(report=report, comments={}, by=staff)
        report.refresh_from_db()
        return report

    def save(self, report, sections, team):
        for key, data in sections.items():
            report_section_save(report=report, key=key, data=cleaned(key, data), by=team)

    def targeted_impact(self, startup) -> str | None:
        """What the team aims at for the period asked: its last semester's impact and 15 %."""
        series = startup_series(startup, today=self.today)
        budget_lines, rounds = startup_money(startup)
        last = startup_efficiency(
            series, budget_lines=budget_lines, rounds=rounds, today=self.today
        ).last
        if last is None or not last.impact:
            return None
        return str((last.impact * Decimal("1.15")).quantize(Decimal("1")))

    def amount(self, startup, semester, default: str) -> str:
        """What the team's budget forecast for the next semester adds up to, if it has one."""
        following = semester + 1
        forecast = startup.budget_lines.filter(
            year=following.year, half=following.half, nature=BudgetNature.FORECAST
        ).aggregate(total=Sum("paid"))["total"]
        return str((forecast or Decimal(default)).quantize(Decimal("1")))

    def members(self, committee, session):
        """The chair (speaking for the DINUM), the portfolio manager as incubator staff, and
        two voters speaking for sponsors of startups on the agenda."""
        sponsors = list(
            Organisation.objects.filter(sponsored_startups__reviews__session=session)
            .exclude(slug=DEMO_SPONSOR)
            .distinct()
            .order_by("name")[: len(VOTERS)]
        )
        seats = [
            (CHAIR_EMAIL, MemberRole.CHAIR, Organisation.objects.filter(slug=DEMO_SPONSOR).first()),
            (STAFF_EMAIL, MemberRole.STAFF, None),
        ]
        for (email, first_name, last_name), organisation in zip(VOTERS, sponsors, strict=False):
            user, created = User.objects.get_or_create(
                email=email, defaults={"first_name": first_name, "last_name": last_name}
            )
            if created:
                user.set_password(VOTER_PASSWORD)
                user.save(update_fields=["password"])
                self.created.append(f"compte {email} (mot de passe {VOTER_PASSWORD})")
            seats.append((email, MemberRole.VOTER, organisation))
        for email, role, organisation in seats:
            user = User.objects.filter(email=email).first()
            if user is None or committee.members.filter(user=user).exists():
                continue
            CommitteeMember.objects.create(
                committee=committee, user=user, role=role, organisation=organisation
            )
            self.created.append(f"{email} : {MemberRole(role).label} du comité")
