"""Pydantic's validation errors in French, by error type: what a person reads in the ``errors``
of a 422 (app.core.errors), and in the command line's problem lists.

One table keyed by pydantic's error ``type`` (stable across pydantic versions, unlike its English
messages), its values filled from the error's ``ctx``. The types Boussole raises itself
(``OWN_TYPES``: app.models.inputs) are worded in French where they are raised and pass through.
A type missing from the table reads "valeur invalide (<type>)": never pydantic's English.

(``pydantic-i18n`` translates by English message text and ships no translations;
``pydantic-translations`` covers pydantic 1 only: a table of our own is smaller than either.)
"""

from collections.abc import Callable, Mapping
from typing import Any

#: The custom error types of app.models.inputs (and ``value_error``, a validator's ValueError):
#: their message is already French.
OWN_TYPES = frozenset(
    {
        "value_error",
        "date_format",
        "date_range",
        "year_format",
        "int_format",
        "bool_format",
        "string_unstorable",
    }
)

#: Text no database can store (app.models.inputs, app.core.hardening).
TEXT_WITH_NUL = "le texte ne doit pas contenir de caractère NUL"
TEXT_WITH_SURROGATE = "le texte ne doit pas contenir de demi-paire UTF-16 isolée"

Message = Callable[[Mapping[str, Any]], str]


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}{'s' if isinstance(count, int) and count > 1 else ''}"


def _bound(value: Any) -> str:
    # 100.0 reads 100: a whole bound of a decimal field is written as a whole number.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _choices(ctx: Mapping[str, Any]) -> str:
    # pydantic writes "'a', 'b' or 'c'": the choices are kept, the English "or" is not.
    return str(ctx.get("expected", "")).replace(" or ", ", ")


_DATE = "doit être une date valide, écrite AAAA-MM-JJ (par exemple 2030-06-30)"
_DATETIME = "doit être une date et une heure ISO 8601 (par exemple 2030-06-30T12:00:00Z)"
_INTEGER = "doit être un nombre entier"
_NUMBER = "doit être un nombre"
_BOOLEAN = "doit valoir true ou false"
_OBJECT = "doit être un objet JSON"
_LIST = "doit être une liste"

MESSAGES: dict[str, Message] = {
    "missing": lambda _: "champ obligatoire",
    "extra_forbidden": lambda _: "champ inconnu",
    "string_type": lambda _: "doit être une chaîne de caractères",
    "string_too_short": lambda c: f"doit contenir au moins {_plural(c['min_length'], 'caractère')}",
    "string_too_long": lambda c: f"doit contenir au plus {_plural(c['max_length'], 'caractère')}",
    "string_pattern_mismatch": lambda c: f"n'a pas la forme attendue (motif {c['pattern']})",
    "string_unicode": lambda _: "doit être du texte Unicode valide",
    "string_not_ascii": lambda _: "ne doit contenir que des caractères ASCII",
    "too_short": lambda c: f"doit contenir au moins {_plural(c['min_length'], 'élément')}",
    "too_long": lambda c: f"doit contenir au plus {_plural(c['max_length'], 'élément')}",
    "int_type": lambda _: _INTEGER,
    "int_parsing": lambda _: _INTEGER,
    "int_parsing_size": lambda _: "nombre entier trop grand",
    "int_from_float": lambda _: f"{_INTEGER} (sans partie décimale)",
    "float_type": lambda _: _NUMBER,
    "float_parsing": lambda _: _NUMBER,
    "decimal_type": lambda _: _NUMBER,
    "decimal_parsing": lambda _: _NUMBER,
    "finite_number": lambda _: "doit être un nombre fini (ni NaN, ni infini)",
    "bool_type": lambda _: _BOOLEAN,
    "bool_parsing": lambda _: _BOOLEAN,
    "greater_than": lambda c: f"doit être supérieur à {_bound(c['gt'])}",
    "greater_than_equal": lambda c: f"doit être supérieur ou égal à {_bound(c['ge'])}",
    "less_than": lambda c: f"doit être inférieur à {_bound(c['lt'])}",
    "less_than_equal": lambda c: f"doit être inférieur ou égal à {_bound(c['le'])}",
    "multiple_of": lambda c: f"doit être un multiple de {_bound(c['multiple_of'])}",
    "literal_error": lambda c: f"doit être l'une des valeurs : {_choices(c)}",
    "enum": lambda c: f"doit être l'une des valeurs : {_choices(c)}",
    "none_required": lambda _: "doit être null",
    "list_type": lambda _: _LIST,
    "tuple_type": lambda _: _LIST,
    "set_type": lambda _: _LIST,
    "frozen_set_type": lambda _: _LIST,
    "iterable_type": lambda _: _LIST,
    "set_item_not_hashable": lambda _: (
        "les éléments de cette liste doivent être des valeurs simples"
    ),
    "dict_type": lambda _: _OBJECT,
    "mapping_type": lambda _: _OBJECT,
    "model_type": lambda _: _OBJECT,
    "model_attributes_type": lambda _: _OBJECT,
    "dataclass_type": lambda _: _OBJECT,
    "date_type": lambda _: _DATE,
    "date_parsing": lambda _: _DATE,
    "date_from_datetime_parsing": lambda _: _DATE,
    "date_from_datetime_inexact": lambda _: "doit être une date, sans heure",
    "date_past": lambda _: "doit être une date passée",
    "date_future": lambda _: "doit être une date future",
    "datetime_type": lambda _: _DATETIME,
    "datetime_parsing": lambda _: _DATETIME,
    "datetime_from_date_parsing": lambda _: _DATETIME,
    "datetime_object_invalid": lambda _: _DATETIME,
    "timezone_naive": lambda _: "doit être une heure sans fuseau horaire",
    "timezone_aware": lambda _: "doit être une heure avec son fuseau horaire",
    "time_type": lambda _: "doit être une heure (HH:MM:SS)",
    "time_parsing": lambda _: "doit être une heure (HH:MM:SS)",
    "time_delta_type": lambda _: "doit être une durée",
    "time_delta_parsing": lambda _: "doit être une durée",
    "json_invalid": lambda _: "JSON invalide",
    "json_type": lambda _: "doit être un texte JSON",
    "uuid_type": lambda _: "doit être un UUID",
    "uuid_parsing": lambda _: "doit être un UUID",
    "url_type": lambda _: "doit être une URL",
    "url_parsing": lambda _: "doit être une URL valide",
    "url_scheme": lambda c: f"doit être une URL {c.get('expected_schemes', '')}".rstrip(),
    "url_too_long": lambda c: (
        f"doit être une URL d'au plus {_plural(c['max_length'], 'caractère')}"
    ),
    "bytes_type": lambda _: "doit être une chaîne d'octets",
    "union_tag_invalid": lambda c: f"type inconnu (attendu : {_choices(c)})",
    "union_tag_not_found": lambda c: f"le champ « {c.get('discriminator', '')} » manque",
}


def french_message(error: Mapping[str, Any]) -> str:
    """The French message of one of pydantic's errors (an item of ``errors()``)."""
    kind = str(error.get("type", ""))
    if kind in OWN_TYPES:
        return str(error.get("msg", "")).removeprefix("Value error, ")
    message = MESSAGES.get(kind)
    if message is None:
        return f"valeur invalide ({kind})"
    try:
        return message(error.get("ctx") or {})
    except KeyError:  # a context without the expected value: still French
        return f"valeur invalide ({kind})"
