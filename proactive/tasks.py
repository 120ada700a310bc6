from celery import shared_task

from proactive import services


@shared_task(name="proactive.read_feed", bind=True, acks_late=True, ignore_result=True)
def read_feed(self) -> dict:
    """Read the registries' event feed from the cursor (beat). Idempotent: the cursor moves with what is stored."""
    return services.feed_poll().as_dict()


@shared_task(name="proactive.submit_case", bind=True, acks_late=True, ignore_result=True)
def submit_case(self, *, case_id: int) -> None:
    """Pass a proactive draft on if its package is complete; a repeat or an incomplete package does nothing."""
    services.case_submit_by_product(case_id=case_id)


@shared_task(name="proactive.expire_offers", bind=True, acks_late=True, ignore_result=True)
def expire_offers(self) -> int:
    return services.offers_expire()


@shared_task(name="proactive.sweep", bind=True, acks_late=True, ignore_result=True)
def sweep(self) -> int:
    """Nightly: offers from the registries' answers on file. Idempotent: nobody is offered what is open already."""
    return services.offers_sweep()
