"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json.

Written by hand as data, next to the views it describes: the tests check that each path and
status the views answer is described here, and that the examples match the schemas.
"""

from .enums import Aggregation, Dimension, Direction, MeasurementSource


def error_response(description: str, example: str, **extra) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Errors"},
                "example": {"errors": [{"message": example}]},
            }
        },
        **extra,
    }


UNAUTHORIZED = error_response(
    "Jeton manquant, inconnu ou révoqué.",
    "Jeton inconnu ou révoqué.",
    headers={
        "WWW-Authenticate": {
            "description": '`Bearer realm="comite"`, avec `error="invalid_token"` quand le jeton est refusé.',
            "schema": {"type": "string"},
        }
    },
)
NOT_ALLOWED = error_response(
    "Méthode non permise (l’en-tête `Allow` dit lesquelles le sont).",
    "Méthode PUT non permise : GET, POST.",
    headers={"Allow": {"schema": {"type": "string"}}},
)


def schemas(*, max_items: int) -> dict:
    return {
        "Error": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {"type": "string", "description": "La raison, en français."},
                "index": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Le rang (à partir de 0) de la mesure en cause dans `measurements`.",
                },
                "field": {
                    "type": "string",
                    "description": "Le champ en cause : `metric`, `month`, `value`, `measurements`, `from`, `to`…",
                },
            },
        },
        "Errors": {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/Error"},
                    "description": "Toutes les erreurs trouvées (au plus 100, puis une ligne « … et N autres erreurs »).",
                }
            },
        },
        "MeasurementIn": {
            "type": "object",
            "required": ["metric", "month", "value"],
            "additionalProperties": False,
            "properties": {
                "metric": {
                    "oneOf": [
                        {"type": "integer", "description": "L’identifiant de l’indicateur."},
                        {"type": "string", "description": "Le libellé exact de l’indicateur."},
                    ]
                },
                "month": {
                    "type": "string",
                    "description": "`AAAA-MM`, `AAAA-MM-01` ou `MM/AAAA`; un mois commencé (pas dans le futur).",
                    "examples": ["2026-03"],
                },
                "value": {
                    "oneOf": [
                        {"type": "number"},
                        {
                            "type": "string",
                            "description": "Un nombre écrit en texte : virgule décimale et espaces entre milliers permis (« 1 234,5 »).",
                        },
                    ],
                    "description": "Au plus 4 décimales, moins de 10^15 en valeur absolue.",
                },
            },
        },
        "MeasurementsIn": {
            "type": "object",
            "required": ["measurements"],
            "additionalProperties": False,
            "properties": {
                "measurements": {
                    "type": "array",
                    "maxItems": max_items,
                    "items": {"$ref": "#/components/schemas/MeasurementIn"},
                    "description": "Un même mois d’un même indicateur ne figure qu’une fois.",
                }
            },
        },
        "RecordResult": {
            "type": "object",
            "required": ["created", "updated", "unchanged"],
            "properties": {
                "created": {"type": "integer", "minimum": 0, "description": "Mesures nouvelles."},
                "updated": {"type": "integer", "minimum": 0, "description": "Valeurs changées."},
                "unchanged": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Valeurs déjà enregistrées à l’identique.",
                },
            },
        },
        "MeasurementOut": {
            "type": "object",
            "required": ["metric", "label", "month", "value", "source"],
            "properties": {
                "metric": {"type": "integer"},
                "label": {"type": "string"},
                "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "value": {
                    "type": "string",
                    "description": "Le nombre exact, en texte (point décimal, sans zéro inutile).",
                    "examples": ["1234.5"],
                },
                "source": {"type": "string", "enum": MeasurementSource.values},
            },
        },
        "Metric": {
            "type": "object",
            "required": [
                "id",
                "label",
                "unit",
                "dimension",
                "north_star",
                "direction",
                "aggregation",
            ],
            "properties": {
                "id": {"type": "integer"},
                "label": {"type": "string"},
                "unit": {"type": "string"},
                "dimension": {
                    "type": "string",
                    "enum": Dimension.values,
                    "description": "La ligne de la matrice d’impact.",
                },
                "north_star": {"type": "boolean", "description": "L’indicateur étoile polaire."},
                "direction": {"type": "string", "enum": Direction.values},
                "aggregation": {
                    "type": "string",
                    "enum": Aggregation.values,
                    "description": "Comment un semestre se calcule à partir de ses mois.",
                },
            },
        },
    }


def openapi_document(*, server: str, max_items: int, max_body_bytes: int) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comité — API des indicateurs d’impact",
            "version": "1.0.0",
            "description": (
                "Envoyer chaque mois les mesures des indicateurs d’impact d’une startup d’État. "
                "Un jeton par startup, émis et révoqué par l’équipe de son incubateur. "
                "Toutes les erreurs sont des réponses 4xx en JSON avec leurs raisons en français."
            ),
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": {
            "/measurements": {
                "post": {
                    "operationId": "recordMeasurements",
                    "summary": "Enregistrer des mesures mensuelles",
                    "description": (
                        "Tout ou rien : si une mesure est refusée, aucune n’est enregistrée et "
                        "toutes les erreurs sont renvoyées. Renvoyer les mêmes mesures ne change "
                        f"rien (`created` et `updated` à 0). Corps limité à {max_body_bytes // 1024 // 1024} Mo "
                        f"et {max_items} mesures."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/MeasurementsIn"},
                                "example": {
                                    "measurements": [
                                        {
                                            "metric": "Dossiers déposés",
                                            "month": "2026-03",
                                            "value": 1234.5,
                                        },
                                        {"metric": 12, "month": "2026-04", "value": "1 310"},
                                    ]
                                },
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Mesures enregistrées.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/RecordResult"},
                                    "example": {"created": 1, "updated": 1, "unchanged": 0},
                                }
                            },
                        },
                        "400": error_response(
                            "Le corps n’a pas la forme attendue (JSON invalide, pas d’objet, "
                            "`measurements` absent ou pas une liste, trop de mesures).",
                            "Le corps n’est pas du JSON valide (ligne 1, colonne 2).",
                        ),
                        "401": UNAUTHORIZED,
                        "405": NOT_ALLOWED,
                        "409": error_response(
                            "Une autre requête a écrit les mêmes mesures au même instant : réessayer.",
                            "Une autre requête a écrit ces mesures en même temps : réessayez.",
                        ),
                        "413": error_response(
                            "Corps trop gros.",
                            "Le corps dépasse 2 Mo : envoyez-le en plusieurs fois.",
                        ),
                        "415": error_response(
                            "Le corps n’est pas déclaré en JSON.",
                            "Le corps doit être du JSON : en-tête « Content-Type: application/json ».",
                        ),
                        "422": {
                            "description": "Des mesures sont refusées ; rien n’est enregistré.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Errors"},
                                    "example": {
                                        "errors": [
                                            {
                                                "index": 3,
                                                "field": "value",
                                                "message": "« abc » n’est pas un nombre.",
                                            }
                                        ]
                                    },
                                }
                            },
                        },
                    },
                },
                "get": {
                    "operationId": "listMeasurements",
                    "summary": "Lire les mesures enregistrées",
                    "parameters": [
                        {
                            "name": "metric",
                            "in": "query",
                            "description": "Identifiant ou libellé d’un indicateur.",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "from",
                            "in": "query",
                            "description": "Premier mois inclus (AAAA-MM).",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "to",
                            "in": "query",
                            "description": "Dernier mois inclus (AAAA-MM).",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Les mesures, par indicateur puis par mois.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["measurements"],
                                        "properties": {
                                            "measurements": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/MeasurementOut"
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "400": error_response(
                            "Un paramètre est invalide.",
                            "« 2026-13 » n’est pas un mois valide.",
                        ),
                        "401": UNAUTHORIZED,
                        "405": NOT_ALLOWED,
                    },
                },
            },
            "/metrics": {
                "get": {
                    "operationId": "listMetrics",
                    "summary": "Les indicateurs de la startup du jeton",
                    "responses": {
                        "200": {
                            "description": "La startup et ses indicateurs, l’étoile polaire en premier.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["startup", "metrics"],
                                        "properties": {
                                            "startup": {
                                                "type": "object",
                                                "required": ["slug", "name"],
                                                "properties": {
                                                    "slug": {"type": "string"},
                                                    "name": {"type": "string"},
                                                },
                                            },
                                            "metrics": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Metric"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "401": UNAUTHORIZED,
                        "405": NOT_ALLOWED,
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Cette description",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "La description OpenAPI 3.1 de l’API.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "405": NOT_ALLOWED,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": (
                        "Un jeton `comite_…` émis par l’équipe de l’incubateur sur la page "
                        "« Jetons d’API » de la startup. Il n’est montré qu’une fois."
                    ),
                }
            },
            "schemas": schemas(max_items=max_items),
        },
    }
