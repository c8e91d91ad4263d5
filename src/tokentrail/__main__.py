"""``python -m tokentrail`` runs the command-line interface."""

from tokentrail.cli import main

if __name__ == "__main__":
    main()
