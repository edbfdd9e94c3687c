import logging

log = logging.getLogger(__name__)


def handle(order):
    log.info("handled %s", order.id)
    return order.total
