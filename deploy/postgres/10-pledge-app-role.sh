#!/bin/sh
# Run by the postgres image on its first start (an empty data volume), as the owner
# (POSTGRES_USER): the app's role logs in and owns nothing; `manage.py migrate` grants it
# the rows of the tables (obligations/trust/db_roles.py). README, "Database roles".
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$PLEDGE_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE pledge_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SQL
