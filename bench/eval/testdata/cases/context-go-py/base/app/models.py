class Order:
    def total(self):
        return sum(i.price for i in self.items)
