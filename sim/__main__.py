"""``python -m sim`` is the same as the ``ihsim`` command."""

from sim.cli import main

if __name__ == "__main__":
    main()
