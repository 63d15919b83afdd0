"""Forms of the arena's pages."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from arena.models import PROMPT_MAX_LENGTH, Category


class VoterPromptForm(forms.Form):
    """A prompt a voter types, and optionally its category (else the arena picks the nearest)."""

    text = forms.CharField(
        label="Your prompt",
        max_length=PROMPT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "aria-describedby": "prompt-help prompt-count"}),
        error_messages={
            "required": "Type a prompt first.",
            "max_length": "A prompt can be at most %(limit_value)d characters; "
            "this one has %(show_value)d.",
        },
    )
    category = forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Let the arena choose",
        error_messages={
            "invalid_choice": "There is no such category: pick one from the list, "
            "or let the arena choose."
        },
    )

    def first_error(self) -> str:
        """The first problem, in words, for a JSON answer."""
        for errors in self.errors.values():
            return str(errors[0])
        return ""


class _UsernameLimit:
    """Django sets the username field's max_length after building it, so no validator checks
    it: a 300-character name reached the login limit's record (255 characters) and failed to
    save. Checked here, an overlong name is a form error and never an attempt."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(_UsernameLimit, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameLimit, AdminAuthenticationForm):
    pass
