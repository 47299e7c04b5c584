#!/usr/bin/env bash
# Regenerate every file under Lexicons/ from installed open data (offline).
# Needs: apt-get install -y iso-codes unicode-cldr-core libgeonames-common scowl wspanish hunspell-es
#        pip install -r Lexicons/build/requirements.txt
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python3}"
"$PY" build_common_words.py   # first: the others read Lexicons/common/*.txt for the cap flag
"$PY" build_countries.py
"$PY" build_places.py
"$PY" build_nationalities.py
"$PY" build_organizations.py
"$PY" build_products.py
"$PY" build_people.py
"$PY" build_first_names.py
"$PY" check.py
