import { total } from "./money.js";

export function checkout(cart) {
  console.log("cart", cart);
  const sum = total(cart.items);
  debugger;
  // console.log("old total", sum);
  logger.log("checkout", { items: cart.items.length });
  const label = "call console.log(x) to trace";
  return sum;
}
