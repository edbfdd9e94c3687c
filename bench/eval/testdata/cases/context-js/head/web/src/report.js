import { format } from "./format.js";

/*
 Report rendering.

 The report lists every order of the day, grouped by customer, with the
 totals at the end. Rendering is pure: it takes the orders and returns
 the text, so callers decide where it goes.

 Usage:

   const text = render(orders);
   console.log(text);
*/

export function render(orders) {
  const lines = orders.map((o) => format(o));
  const help = `
    Pipe the report to a file, or print it with
    console.log(render(orders));
  `;
  console.log("render", orders.length);
  if (orders.length === 0) debugger;
  return lines.join("\n") + help;
}
