from django.db import models


class Dimension(models.TextChoices):
    """The five rows of the programme's impact matrix (DESIGN §5)."""

    USABLE = "usable", "Utilisable"
    USED = "used", "Utilisé"
    USEFUL = "useful", "Utile"
    IMPACTFUL = "impactful", "Impactant"
    EFFICIENT = "efficient", "Efficient"


class Direction(models.TextChoices):
    HIGHER = "higher", "Plus la valeur est haute, mieux c’est"
    LOWER = "lower", "Plus la valeur est basse, mieux c’est"


class Aggregation(models.TextChoices):
    """How a semester's value comes from its months."""

    SUM = "sum", "Somme des mois (un flux : dossiers déposés par mois…)"
    AVERAGE = "average", "Moyenne des mois (un niveau : utilisateurs actifs mensuels…)"
    LAST = "last", "Dernier mois (un stock : taux de couverture…)"


class MeasurementSource(models.TextChoices):
    FORM = "form", "Formulaire"
    CSV = "csv", "Fichier CSV"
    API = "api", "API"
    MATOMO = "matomo", "Matomo (mise à jour automatique)"
    METABASE = "metabase", "Metabase (mise à jour automatique)"
    FILE = "file", "Fichier CSV ou JSON à une adresse (mise à jour automatique)"
    DEMO = "demo", "Données de démonstration"


class SourceKind(models.TextChoices):
    """Where a metric's values are fetched from every month (metrics/feeds.py)."""

    MATOMO = "matomo", "Matomo (API de rapports, par exemple stats.beta.gouv.fr)"
    METABASE = "metabase", "Carte publique Metabase"
    FILE = "file", "Fichier CSV ou JSON à une adresse (mois, valeur)"


class FetchStatus(models.TextChoices):
    SUCCESS = "success", "Réussie"
    FAILURE = "failure", "Échouée"


class BudgetActivity(models.TextChoices):
    """Activities of the beta.gouv budget publication standard."""

    DEVELOPMENT = "development", "Développement"
    PRODUCT = "product", "Produit et coaching"
    DESIGN = "design", "Design"
    DEPLOYMENT = "deployment", "Déploiement"
    SUPPORT = "support", "Support"
    DATA = "data", "Données"
    HOSTING = "hosting", "Hébergement"
    OPS = "ops", "Exploitation"
    OTHER = "other", "Autre"


class ResourceType(models.TextChoices):
    STAFF = "staff", "Agents publics"
    CONTRACTORS = "contractors", "Prestataires"
    HARDWARE = "hardware", "Matériel"
    SOFTWARE = "software", "Logiciels et SaaS"
    OVERHEAD = "overhead", "Frais de structure"
    OTHER = "other", "Autre"


class BudgetNature(models.TextChoices):
    ACTUAL = "actual", "Réalisé"
    FORECAST = "forecast", "Prévisionnel"
