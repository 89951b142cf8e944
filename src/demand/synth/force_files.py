"""The assumptions and pipeline files a generated force runs with, sized to it."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template

from demand.synth.profile import NORTHSHIRE, ForceProfile

__all__ = [
    "NORTHSHIRE_WARDS",
    "force_assumptions_text",
    "force_pipeline_text",
    "write_force_files",
]

NORTHSHIRE_WARDS = 110
"""Northshire's wards; a force has wards in proportion to its size (`scale`)."""
# Northshire's three shifts (start hour, hours, officers on duty force-wide).
_NORTHSHIRE_SHIFTS = ((7, 10, 62.0), (15, 10, 60.0), (22, 9, 46.0))
# Dispatch desks: two per area plus two force-wide, around the clock.
_DESKS_PER_AREA, _DESKS_FORCE_WIDE = 2, 2

# Northshire's figures (pipelines/assumptions/northshire.toml, which a test keeps
# this equal to) with the ones that depend on the force's size and areas left as
# $placeholders. Unit times, rates and targets are the generator's own and the
# same for every synthetic force.
_ASSUMPTIONS = Template("""\
# Capacity assumptions for the synthetic force $force, written by `demand synth`
# beside its extracts: Northshire's figures (pipelines/assumptions/northshire.toml)
# with the ones that depend on size and areas scaled to this force (docs/scaling.md,
# "A second force"). Replace them with the force's own.
force = "$force"

[workforce]
contracted_hours_per_fte_per_year = 2080.0
on_duty_productive_fraction = 0.875
overtime_hours_per_fte_per_year = 0.0
source = "As Northshire (domain notes §3.1, §8.4)"

[abstractions]
annual_leave_fraction = 0.12
rest_days_fraction = 0.0
training_fraction = 0.04
sickness_fraction = 0.055
restricted_duties_fraction = 0.01
source = "As Northshire (domain notes §8.4; NPCC sickness 5-6 %)"

[unit_times.G1]
travel_hours = 0.14
on_scene_hours = 2.07
follow_up_hours = 0.0
officers_per_incident = 2.0
department = "response"
source = "$force synthetic: the generator's G1 times and crewing"

[unit_times.G2]
travel_hours = 0.30
on_scene_hours = 2.33
follow_up_hours = 0.0
officers_per_incident = 1.5
department = "response"
source = "$force synthetic"

[unit_times.G3]
travel_hours = 0.36
on_scene_hours = 1.66
follow_up_hours = 0.0
officers_per_incident = 1.2
department = "response"
source = "$force synthetic"

[unit_times.G4]
travel_hours = 0.29
on_scene_hours = 1.12
follow_up_hours = 0.0
officers_per_incident = 1.0
department = "neighbourhood"
source = "$force synthetic: scheduled appointments go to neighbourhood teams"

[unit_times.RWD]
travel_hours = 0.0
on_scene_hours = 0.0
follow_up_hours = 0.25
officers_per_incident = 0.0
department = "control_room"
source = "$force synthetic: resolved by the control room, 15 min each"

[unit_times_by_category."Domestic Incident"]
travel_hours = 0.2
on_scene_hours = 2.96
follow_up_hours = 0.0
officers_per_incident = 1.7
department = "response"
source = "$force synthetic"

[unit_times_by_category."Mental Health"]
travel_hours = 0.2
on_scene_hours = 2.32
follow_up_hours = 0.0
officers_per_incident = 1.63
department = "response"
source = "$force synthetic (after RCRP)"

[investigation.default]
hours_per_crime = 6.0
department = "investigation"
source = "$force synthetic"

[investigation."Violence with injury"]
hours_per_crime = 12.0
department = "investigation"
source = "$force synthetic"

[investigation."Violence without injury"]
hours_per_crime = 7.0
department = "investigation"
source = "$force synthetic"

[investigation."Stalking and harassment"]
hours_per_crime = 8.0
department = "public_protection"
source = "$force synthetic: investigated by public protection"

[investigation."Sexual offences"]
hours_per_crime = 40.0
department = "public_protection"
source = "$force synthetic: RASSO teams sit in public protection"

[investigation.Robbery]
hours_per_crime = 14.0
department = "investigation"
source = "$force synthetic"

[investigation."Residential burglary"]
hours_per_crime = 8.0
department = "investigation"
source = "$force synthetic"

[investigation.Shoplifting]
hours_per_crime = 2.0
department = "investigation"
source = "$force synthetic"

[investigation."Drug offences"]
hours_per_crime = 5.0
department = "investigation"
source = "$force synthetic"

[missing_persons]
hours_per_report = { high = 18.0, medium = 7.5, low = 3.0, no_apparent_risk = 1.2 }
department = "public_protection"
source = "$force synthetic (generator's mean officer hours by risk)"

[mental_health]
rcrp_date = 2023-07-01
hours_per_incident_before_rcrp = 3.19
hours_per_incident_after_rcrp = 2.06
department = "response"
source = "$force synthetic; RCRP went live in July 2023, as in Northshire"

[call_lines."999"]
aht_seconds = 270.0
target_seconds = 10.0
service_level = 0.90
source = "Domain notes §4 (999: 90 % answered within 10 s); AHT synthetic"

[call_lines."101"]
aht_seconds = 360.0
target_seconds = 180.0
service_level = 0.80
source = "$force synthetic: 101 target, 80 % within 3 min"

[attendance]
g1_urban_minutes = 15.0
g1_rural_minutes = 20.0
g2_minutes = 60.0
compliance_fraction = 0.90
urban_areas = $urban_areas
source = "Domain notes §4; urban areas: the generator's (truth.json, areas)"

[response]
dispatch_minutes = 2.0
g1_travel_urban_minutes = 6.5
g1_travel_rural_minutes = 9.5
travel_sigma = 0.45
officers_per_unit = 1.6
g1_units_per_incident_shares = [0.75, 0.25]
queue_allowance_fraction = 0.02
source = "$force synthetic: the generator's dispatch, travel (urban, rural), crewing"

[costs]
source = "$force synthetic, as Northshire"

[costs.cost_per_fte_gbp]
control_room = 37500.0
response = 59000.0
neighbourhood = 50000.0
investigation = 58500.0
public_protection = 56500.0

[departments.control_room]
demand_share = 0.70
posts_24x7 = $posts_24x7
supervision_ratio = 0.12
source = "$force synthetic: dispatch desks two per area ($n_areas) plus two, 24/7"

[departments.response]
demand_share = 0.65
supervision_ratio = 0.171
source = "$force synthetic: as Northshire (other work 35 %; spans 1:7, 1:5)"

[departments.neighbourhood]
fixed_fte = $fixed_fte
supervision_ratio = 0.125
source = "$force synthetic: a ward officer and a PCSO for each of $wards wards"

[departments.investigation]
demand_share = 0.80
supervision_ratio = 0.167
source = "$force synthetic: as Northshire"

[departments.public_protection]
demand_share = 0.80
supervision_ratio = 0.167
source = "$force synthetic: as Northshire"

[shift_pattern]
source = "$force synthetic: Northshire's three shifts x $scale (its size)"
$shifts
[partner]
rcrp_qualifier = "RCRP"
baseline_months = 24
bootstrap_draws = 2000
random_state = 0
forecast_months = 12
source = "$force synthetic: RCRP call types as Northshire's (no phase scenario)"

[partner.rcrp_categories]
"Concern for Welfare" = "social_care"
"Walk-out from Health Setting" = "health"
"AWOL Patient" = "health"
"Medical Transport" = "ambulance"
"S136 Handover" = "health"

[partner.incident_categories]
"Mental Health" = "health"
"Sudden Death" = "other"

[partner.qualifiers]
MH = "health"
""")

_PIPELINE = Template("""\
# The synthetic force $force, every stage, written by `demand synth`:
#   demand run $pipeline_path
# Store and exports: data/processed/$name/; reports: reports/$name/ (from where
# the command runs). Northshire's scenarios name its own areas: none are run here.
[pipeline]
name = "$name"
stages = ["ingest", "series", "forecast", "capacity", "report"]

[ingest]
paths = [$raw]
adapter = "northshire"

[series]
streams = ["calls", "incidents", "mental_health", "missing_persons", "crimes"]
freqs = ["h", "D", "M"]
levels = [[], ["area"]]
measures = ["count", "officer_hours"]
timezone = "Europe/London"

[forecast]
models = ["auto"]
measures = ["count"]
operational_days = 91
operational_hours = 336
strategic_months = 48
reconciliation = "wls_struct"
backtest = true
backtest_windows = 2

[[forecast.events]]
name = "rcrp"
date = 2023-07-01
kind = "level_shift"
streams = ["mental_health"]

[capacity]
assumptions = $assumptions

[report]
out_dir = "reports"
publish = true
disclosure_threshold = 10
""")


def _shifts(scale: float) -> str:
    """Northshire's shifts with officers × `scale`, as TOML array-of-tables."""
    return "".join(
        f"\n[[shift_pattern.shifts]]\nstart_hour = {start}\n"
        f"length_hours = {hours}\nofficers = {round(officers * scale, 1)}\n"
        for start, hours, officers in _NORTHSHIRE_SHIFTS
    )


def force_assumptions_text(profile: ForceProfile = NORTHSHIRE) -> str:
    """Return the force's capacity assumptions as TOML text.

    Northshire's figures, with those that depend on the force's size and areas
    sized the way Northshire's are: dispatch desks two per area plus two (24/7
    posts), a ward officer and a PCSO per ward with wards in proportion to
    `scale` (110 in Northshire), the shift pattern's officers × `scale` (as the
    generator scales the establishment), and the urban areas the force's own.
    """
    wards = max(1, round(NORTHSHIRE_WARDS * profile.scale))
    n_areas = len(profile.areas)
    urban = [name for name, kind in profile.areas if kind == "urban"]
    return _ASSUMPTIONS.substitute(
        force=profile.name,
        urban_areas=json.dumps(urban, ensure_ascii=False),
        n_areas=n_areas,
        posts_24x7=float(_DESKS_PER_AREA * n_areas + _DESKS_FORCE_WIDE),
        wards=wards,
        fixed_fte=float(2 * wards),
        scale=f"{profile.scale:g}",
        shifts=_shifts(profile.scale),
    )


def force_pipeline_text(
    profile: ForceProfile, raw_dir: Path, assumptions_path: Path
) -> str:
    """Return a pipeline (TOML) running every stage on the force's extracts.

    Args:
        profile: The force; the pipeline is named after it, in lower case.
        raw_dir: The folder of its extracts (written as an absolute path).
        assumptions_path: Its assumptions file (written as an absolute path).
    """
    name = profile.name.lower()
    pipeline_path = Path(raw_dir).resolve() / "pipeline.toml"
    return _PIPELINE.substitute(
        force=profile.name,
        name=name,
        pipeline_path=pipeline_path,
        raw=json.dumps(str(Path(raw_dir).resolve())),
        assumptions=json.dumps(str(Path(assumptions_path).resolve())),
    )


def write_force_files(out_dir: Path, profile: ForceProfile = NORTHSHIRE) -> dict:
    """Write `assumptions.toml` and `pipeline.toml` beside a force's extracts.

    With them a planner runs the force end to end: `demand run
    <out_dir>/pipeline.toml`.

    Args:
        out_dir: The folder `generate_force` wrote the extracts to (created if
            missing).
        profile: The force it generated.

    Returns:
        ``{"assumptions": path, "pipeline": path}``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    assumptions = out_dir / "assumptions.toml"
    pipeline = out_dir / "pipeline.toml"
    assumptions.write_text(force_assumptions_text(profile), encoding="utf-8")
    pipeline.write_text(
        force_pipeline_text(profile, out_dir, assumptions), encoding="utf-8"
    )
    return {"assumptions": assumptions, "pipeline": pipeline}
