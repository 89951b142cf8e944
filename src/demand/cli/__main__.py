"""`python -m demand.cli`: the `demand` command."""

from demand.cli import main

main()
