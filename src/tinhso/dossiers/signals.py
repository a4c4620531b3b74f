"""What the one-stop engine tells other modules, which it never imports: they connect a receiver.

``result_returned`` is sent with ``dossier_id`` once the transaction that returned a dossier's result to its
applicant has committed (the electronic archive takes the result files in from there). It is sent robustly: a
receiver that fails is logged and never turns the committed return into an error.
"""

from django.dispatch import Signal

result_returned = Signal()
