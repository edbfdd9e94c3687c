class Order:
    """An order.

    To inspect one:

        print(order.total())
        breakpoint()
    """

    def total(self):
        print("total", self.items)
        return sum(i.price for i in self.items)
