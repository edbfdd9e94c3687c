import { total } from "./cart.js";

describe("total", () => {
  it.only("adds up price times quantity", () => {
    expect(total([{ price: 2, quantity: 3 }])).toBe(6);
  });
});
