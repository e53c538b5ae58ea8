"""The customer statement (客户对账单): how each customer payment was allocated, installment by installment.

DOMAIN.md "Customer statement" and "Allocation": the customer's payments (客户还款, 客户还垫款) dated ≤ D,
in date order (same-day payments in ledger order), fill the oldest unpaid installment first, charge
(interest + fee) before principal. core.allocation computes what each installment received from the
loan's total paid T alone: component j (charge_1, principal_1, charge_2, …, ``before_j`` the sum of the
components ahead of it) received ``clip(T − before_j, 0, size_j)``. Payment i's share of component j is
therefore that amount at the running total after payment i minus the same at the running total before
it. So:

- the shares of every payment add up, per component, to exactly what core.allocation says the
  installment received (the sums telescope), and per payment to the payment minus what went beyond the
  whole schedule (its ``credit`` part);
- a reversal (a negative amount) takes back from the latest components first, as negative shares.

Everything else on the statement (due, paid, unpaid, penalty and its days, the settlement quote) comes
from core.settlement's quote rows, so the statement agrees to the fen with settle and overdue-report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def payment_allocations(installments: pd.DataFrame, amounts: np.ndarray) -> pd.DataFrame:
    """One loan: ``installments`` in period order (``period``, ``charge``, ``principal``), ``amounts`` its
    customer payments in allocation order (fen). Returns one row per (payment, installment) with a
    non-zero share: ``payment`` (position in ``amounts``), ``period``, ``charge``, ``principal``; and in
    ``attrs["credit"]`` each payment's part beyond the schedule (an int64 array)."""
    amounts = np.asarray(amounts, dtype=np.int64)
    charge = installments["charge"].to_numpy(dtype=np.int64)
    principal = installments["principal"].to_numpy(dtype=np.int64)
    sizes = np.column_stack([charge, principal]).ravel()  # charge_1, principal_1, charge_2, …
    before = np.cumsum(sizes) - sizes
    running = np.concatenate(([0], np.cumsum(amounts)))
    filled = np.clip(running[:, None] - before[None, :], 0, sizes[None, :])  # (payments + 1) × components
    shares = np.diff(filled, axis=0)  # payments × components
    parts = shares.reshape(len(amounts), len(charge), 2)
    credit = amounts - shares.sum(axis=1)
    pay, inst = np.nonzero(parts.any(axis=2))
    periods = installments["period"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({"payment": pay.astype(np.int64), "period": periods[inst],
                        "charge": parts[pay, inst, 0], "principal": parts[pay, inst, 1]})
    out.attrs["credit"] = credit
    return out
