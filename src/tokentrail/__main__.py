"""``python -m tokentrail`` runs the command-line interface."""

from tokentrail._entry import main

if __name__ == "__main__":
    main()
