"""`portfolio remind | purge | backup | audit`: one module per subcommand (pipelines/cli.py COMMAND_MODULES)."""
