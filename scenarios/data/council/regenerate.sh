#!/bin/sh
# scenarios/data/council/regenerate.sh [CAREFLOW]: makes the synthetic council's case
# records in this folder again, exactly, from scenarios/council.yaml (replication 1,
# its seed): `make council-data` runs it. Run from the repository's top folder.
set -e
bin=${1:-build/careflow}
d=scenarios/data/council
e=scenarios/data/council-episodes   # the same history as one careflow episodes file
tmp=$(mktemp -d /tmp/careflow-council-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
run() { "$bin" run scenarios/council.yaml --reps 1 --threads 1 --no-plots --quiet \
            --out "$tmp/out" "$@"; }
run --episodes "$tmp/episodes.csv"
run --episodes "$tmp/dmy/council.csv" --episodes-format ssda903 --episodes-returns \
    --episodes-dates dmy
run --episodes "$tmp/iso/council.csv" --episodes-format ssda903 --episodes-returns
run --episodes "$tmp/cin/cin.xml" --episodes-format cin
rm -rf "$e/episodes.csv" "$d/ssda903" "$d/cin"
mkdir -p "$d/ssda903" "$d/cin"
mkdir -p "$e"
cp "$tmp/episodes.csv" "$e/episodes.csv"
# the returns of 2019-2021 as DD/MM/YYYY (as many councils' extracts), 2022-2024 ISO
for y in 2019 2020 2021; do cp "$tmp"/dmy/council-$y-*.csv "$d/ssda903/"; done
for y in 2022 2023 2024; do cp "$tmp"/iso/council-$y-*.csv "$d/ssda903/"; done
# the last three censuses (a council keeps every year's; three keep the folder small
# while a backtest from 2022 has a year of referrals, assessments and plans before it)
for y in 2022 2023 2024; do cp "$tmp/cin/cin-$y.xml" "$d/cin/"; done
