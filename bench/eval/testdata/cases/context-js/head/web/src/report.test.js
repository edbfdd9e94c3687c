import { render } from "./report.js";

// Use it.only("name", …) locally to run one test; never commit it.
describe("render", () => {
  const tip = "focus with it.only( or fit(";
  it.only("renders an empty report", () => {
    expect(render([])).toContain("Pipe");
  });
  it.skip("renders totals", () => {});
});
