"""How long a text each field holds, read from the field itself, so that the limits of the
exchange format and of the survey import are the models' and cannot drift from them."""

from django.core.validators import MaxLengthValidator


def max_length(model, name: str) -> int:
    """The longest text `model`'s field `name` takes: a CharField's max_length, or the limit of
    a TextField's MaxLengthValidator (Survey.notes: a validator, because max_length on a
    TextField rebuilds the table on SQLite). A CharField holds both, the same."""
    field = model._meta.get_field(name)
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    if not limits:
        raise ValueError(f"{model.__name__}.{name} has no length limit")
    return min(limits)
