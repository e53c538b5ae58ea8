"""``python -m loantool`` – the same as the ``loantool`` command."""

from loantool.cli import main

main()
