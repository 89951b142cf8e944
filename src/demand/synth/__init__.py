"""The built-in synthetic force, Northshire: raw extracts shaped like a real force's."""

from demand.synth.force import STREAM_FOLDERS, generate_force, generate_forces
from demand.synth.params import AREAS, RCRP_GO_LIVE
from demand.synth.profile import NORTHSHIRE, ForceProfile, force_profiles, parse_areas

__all__ = [
    "AREAS",
    "NORTHSHIRE",
    "RCRP_GO_LIVE",
    "STREAM_FOLDERS",
    "ForceProfile",
    "force_profiles",
    "generate_force",
    "generate_forces",
    "parse_areas",
]
