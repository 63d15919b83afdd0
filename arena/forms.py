"""Forms of the arena's pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from arena.models import PROMPT_MAX_LENGTH, Category, Kind


def _text_field(label: str, noun: str, rows: int, described_by: str, required: str):
    return forms.CharField(
        label=label,
        max_length=PROMPT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows, "aria-describedby": described_by}),
        error_messages={
            "required": required,
            "max_length": f"{noun} can be at most %(limit_value)d characters; "
            "this one has %(show_value)d.",
        },
    )


def _category_field(kind: str, what: str):
    return forms.ModelChoiceField(
        label="Category",
        queryset=Category.objects.filter(kind=kind).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Let the arena choose",
        error_messages={
            "invalid_choice": f"There is no such {what}: pick one from the list, "
            "or let the arena choose."
        },
    )


class _FirstError:
    def first_error(self) -> str:
        """The first problem, in words, for a JSON answer."""
        return next((str(errors[0]) for errors in self.errors.values()), "")


class VoterPromptForm(_FirstError, forms.Form):
    """A prompt a voter types, and optionally its category (else the arena picks the nearest)."""

    text = _text_field(
        "Your prompt", "A prompt", 4, "prompt-help prompt-count", "Type a prompt first."
    )
    category = _category_field(Kind.GENERATE, "category")


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


class VoterEditForm(_FirstError, forms.Form):
    """A picture a voter uploads, the edit they ask for, an optional mask and category.

    The files are only read here; whether they are pictures is decided by decoding them in
    the service, never by their names or the content type the browser claims.
    """

    image = forms.FileField(
        label="Your picture",
        error_messages={"required": "Choose a picture to edit.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    text = _text_field(
        "What should change", "An instruction", 3, "edit-help", "Type an instruction first."
    )
    mask = forms.FileField(
        label="Mask (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
    category = _category_field(Kind.EDIT, "edit category")

    def clean_image(self):
        return _bounded(self.cleaned_data["image"], "picture")

    def clean_mask(self):
        return _bounded(self.cleaned_data.get("mask"), "mask")


def _bounded(upload, what: str) -> bytes | None:
    """The upload's bytes, refused before reading when it is over the size limit."""
    if upload is None:
        return None
    limit = settings.ARENA_SOURCE_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The {what} is {upload.size / 1e6:.1f} MB; at most {limit / 1e6:.1f} MB is accepted."
        )
    return upload.read()
