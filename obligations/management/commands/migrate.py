from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from obligations.trust.db_roles import connected_as_owner, runtime_grant


class Command(DjangoMigrate):
    help = (DjangoMigrate.help + " Connects as the tables' owner (DATABASE_OWNER_URL) when set, and then grants the "
            "app's role (PLEDGE_DB_RUNTIME_ROLE, default DATABASE_URL's user) what the app needs.")

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with connected_as_owner(connection):
            super().handle(*args, **options)
            role = runtime_grant(connection)
        if role and options["verbosity"] >= 1:
            self.stdout.write(f"Granted {role} reading and writing rows (no table of its own).")
