import { format } from "./format.js";

/*
 Report rendering.

 The report lists every order of the day, grouped by customer, with the
 totals at the end. Rendering is pure: it takes the orders and returns
 the text, so callers decide where it goes.

 Usage:

   render(orders)
*/

export function render(orders) {
  const lines = orders.map((o) => format(o));
  return lines.join("\n");
}
