"""One module per verb. Each exposes the command function tests call, plus `add_arguments` and `run`
for the CLI. `run` only converts argparse values and prints; the command function does the work."""
