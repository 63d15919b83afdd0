"""manage.py create_api_key NAME: a new read-only API key, printed once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ratings.api_keys import api_key_create
from ratings.models import ApiKey


class Command(BaseCommand):
    help = "Create an API key for the REST API; the key is printed once and stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who uses the key, e.g. prompt-router.")
        parser.add_argument(
            "--no-scope", action="store_true", help="Create a key without the read scope."
        )

    def handle(self, *args, **options):
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the key a name.")
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(
                f"A key named {name!r} exists; revoke it in the admin or pick another name."
            )
        _, key = api_key_create(name=name, scopes=[] if options["no_scope"] else None)
        self.stdout.write(key)
        self.stderr.write(
            f"Created API key {name!r}. Copy it now: it is not shown again. "
            "Send it as 'Authorization: Bearer KEY'."
        )
