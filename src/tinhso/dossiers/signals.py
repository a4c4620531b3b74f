"""What the one-stop engine tells other modules, which it never imports: they connect a receiver.

``result_returned`` is sent with ``dossier_id`` inside the transaction that returns a dossier's result to its
applicant, once the return's event is written (the electronic archive takes the result files in from there). A
receiver queues the work that follows the return (``tinhso.common.workers.enqueue_in_transaction``): with the
database queue the task's row is written with the event's followers, so a committed return always has it and a
rolled-back one never; the work itself runs later, in the task worker, where it can fail without touching the
return. A receiver that raises here fails the return (nothing is written).
"""

from django.dispatch import Signal

result_returned = Signal()
