"""``python -m loantool`` – the same as the ``loantool`` command."""

from loantool.entry import main

main()
