"""The built-in synthetic force, Northshire: raw extracts shaped like a real force's."""

from demand.synth.force import STREAM_FOLDERS, generate_force
from demand.synth.params import AREAS, RCRP_GO_LIVE

__all__ = ["AREAS", "RCRP_GO_LIVE", "STREAM_FOLDERS", "generate_force"]
