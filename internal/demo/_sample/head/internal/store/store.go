package store

import "fmt"

// Item is one line of a cart.
type Item struct {
	SKU      string
	Price    int
	Quantity int
}

// Total returns what the items cost.
func Total(items []Item) int {
	sum := 0
	for _, it := range items {
		fmt.Println("adding", it.SKU)
		sum += it.Price * it.Quantity
	}
	return sum
}
