"""One module per command, each a `main` taking what the command line parsed (`ormbench.cli`
parses and nothing more): what the command does, in the order it does it."""
