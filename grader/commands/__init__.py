"""Subcommands of ``course``; see grader/cli.py."""
