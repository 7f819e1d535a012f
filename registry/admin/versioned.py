"""The admin's half of optimistic locking (registry.services.locking): every form of a record,
a plaque (its page, and each row of the plaques on its record's page) or a survey posts back
the version its object had when the page was opened, and is refused, with the message of
the services, if the object has moved on since. Checked when the form is validated, inside
the admin's transaction, with the row locked: the page comes back with the message instead
of a save, and nothing of the page is saved (the record's fields, the other rows)."""

from django import forms

from registry.services import locking


class VersionedForm(forms.ModelForm):
    # Not a model field: the version the page was opened at, posted back.
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edit_version"].initial = self.instance.version if self.instance.pk else None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            model = type(self.instance)
            locking.lock(model.objects.all(), self.instance.pk, cleaned.get("edit_version"))
        return cleaned

    def changed_fields(self) -> dict:
        """The model fields the page changed, with their new values (for the services)."""
        fields = self._model_fields()
        return {name: self.cleaned_data[name] for name in self.changed_data if name in fields}

    def model_values(self) -> dict:
        """Every model field of the form, with its value (for a new object)."""
        fields = self._model_fields()
        return {name: value for name, value in self.cleaned_data.items() if name in fields}

    def _model_fields(self) -> set[str]:
        # Not the form's Meta.fields: the admin puts its fieldsets there (edit_version, uploads).
        return {f.name for f in self._meta.model._meta.concrete_fields}
