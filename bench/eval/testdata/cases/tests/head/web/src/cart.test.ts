import { describe, it, expect } from "vitest";
import { checkout } from "./cart";

describe("checkout", () => {
  it.only("sums the items", () => {
    expect(checkout({ items: [] })).toBe(0);
  });

  it.skip("applies discounts", () => {
    expect(true).toBe(true);
  });

  xit("rounds to cents", () => {});

  it("handles an empty cart", () => {
    const skip = "it.only is focused";
    expect(skip).toContain("only");
  });
});

describe.skip("refunds", () => {
  it("refunds", () => {});
});
