"""A staff form field for rows that name an action of any registered kind by its kind key
and id (a segment's actions, a news post's "take action" links), so that apps above this
one link any kind without a foreign key per kind."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outcry.actions.registry import type_of
from outcry.actions.selectors import action_choices, action_for_choice


class ActionLinkForm(forms.ModelForm):
    """For a model with ``kind`` (registry key) and ``action_id``: one list of every
    kind's actions ("Letter: Free Anna") in place of the two raw fields."""

    chosen = forms.ChoiceField(label=_("Action"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chosen"].choices = [("", "---------"), *action_choices()]
        if self.instance.pk is not None:
            self.initial["chosen"] = f"{self.instance.kind}:{self.instance.action_id}"

    def clean_chosen(self):
        action = action_for_choice(self.cleaned_data["chosen"])
        if action is None:
            raise forms.ValidationError(_("Choose an action."))
        return action

    def save(self, commit: bool = True):
        action = self.cleaned_data["chosen"]
        self.instance.kind, self.instance.action_id = type_of(action).key, action.pk
        return super().save(commit=commit)
