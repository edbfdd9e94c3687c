import logging
import sys

log = logging.getLogger(__name__)


def handle(order):
    print("order", order)
    breakpoint()
    import pdb
    print("invalid order", file=sys.stderr)
    log.info("handled %s", order.id)
    # print(order.items)
    return order.total
